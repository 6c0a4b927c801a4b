/*-------------------------------------------------------------------------
 *
 * codec.c
 *		CRC-32, base64, SHA-256 and AWS timestamp helpers.
 *
 * IDENTIFICATION
 *		src/aws/codec.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "aws.h"

/* ----------------------------------------------------------------
 * CRC-32 (IEEE 802.3, the zlib variant DynamoDB's x-amz-crc32 uses)
 * ----------------------------------------------------------------
 */
static uint32_t crc_table[8][256];
static bool crc_table_ready = false;

static void
crc32_init(void)
{
	uint32_t	i;
	int			k;

	for (i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	/* slicing-by-8 tables: one table lookup per input byte, 8 at a time */
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
				crc_table[0][crc_table[k - 1][i] & 0xFF];
	crc_table_ready = true;
}

/*
 * Continues a CRC over data; start with crc = 0.  The result is what
 * zlib's crc32() and Python's binascii.crc32() return.
 */
uint32_t
ddb_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!crc_table_ready)
		crc32_init();
	crc = ~crc;
	while (len >= 8)
	{
		uint32_t	lo = crc ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8 |
								(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24);

		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
			crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
			crc_table[3][p[4]] ^ crc_table[2][p[5]] ^
			crc_table[1][p[6]] ^ crc_table[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = crc_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

/* ----------------------------------------------------------------
 * base64 (RFC 4648 standard alphabet, with padding)
 * ----------------------------------------------------------------
 */
static const char b64_chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t
ddb_base64_decoded_maxlen(size_t len)
{
	return (len / 4) * 3 + 3;
}

/*
 * Decodes src into dst (at least ddb_base64_decoded_maxlen(len) bytes).
 * Strict: the length must be a multiple of 4, padding only at the end, no
 * whitespace.  Returns the decoded length or -1.
 */
long
ddb_base64_decode(const char *src, size_t len, unsigned char *dst)
{
	size_t		i;
	long		out = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4)
	{
		int			v[4];
		int			k;
		int			pad = 0;

		for (k = 0; k < 4; k++)
		{
			unsigned char c = (unsigned char) src[i + k];

			if (c == '=')
			{
				/* padding only in the last quantum, only at its end */
				if (i + 4 != len || k < 2)
					return -1;
				pad++;
				v[k] = 0;
			}
			else
			{
				if (pad > 0)
					return -1;
				v[k] = b64_value(c);
				if (v[k] < 0)
					return -1;
			}
		}
		dst[out++] = (unsigned char) (v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			dst[out++] = (unsigned char) ((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			dst[out++] = (unsigned char) ((v[2] & 3) << 6 | v[3]);
	}
	return out;
}

void
ddb_base64_encode(DdbBuf *buf, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t		i;
	char		quad[4];

	if (!ddb_buf_reserve(buf, (len + 2) / 3 * 4))
		return;
	for (i = 0; i + 2 < len; i += 3)
	{
		quad[0] = b64_chars[p[i] >> 2];
		quad[1] = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
		quad[2] = b64_chars[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		quad[3] = b64_chars[p[i + 2] & 63];
		ddb_buf_append(buf, quad, 4);
	}
	if (i < len)
	{
		quad[0] = b64_chars[p[i] >> 2];
		if (i + 1 < len)
		{
			quad[1] = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
			quad[2] = b64_chars[(p[i + 1] & 15) << 2];
		}
		else
		{
			quad[1] = b64_chars[(p[i] & 3) << 4];
			quad[2] = '=';
		}
		quad[3] = '=';
		ddb_buf_append(buf, quad, 4);
	}
}

/* ----------------------------------------------------------------
 * SHA-256 and timestamps
 * ----------------------------------------------------------------
 */
void
ddb_hex_encode(const unsigned char *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[i * 2] = hex[data[i] >> 4];
		out[i * 2 + 1] = hex[data[i] & 15];
	}
	out[len * 2] = '\0';
}

void
ddb_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	ddb_hex_encode(md, SHA256_DIGEST_LENGTH, out);
}

void
ddb_aws_format_amz_date(time_t t, char out[17])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static bool
parse_digits(const char **p, int n, int *value)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (!ddb_isdigit((unsigned char) (*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long
days_from_civil(int y, int m, int d)
{
	long		era;
	long		yoe;
	long		doy;
	long		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)", surrounding
 * whitespace allowed.  The fraction is dropped (expiry times need seconds).
 */
bool
ddb_aws_parse_iso8601(const char *str, time_t *result)
{
	const char *p = str;
	int			y,
				mo,
				d,
				h,
				mi,
				s;

	while (ddb_isspace((unsigned char) *p))
		p++;
	if (!parse_digits(&p, 4, &y) || *p++ != '-' ||
		!parse_digits(&p, 2, &mo) || *p++ != '-' ||
		!parse_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return false;
	p++;
	if (!parse_digits(&p, 2, &h) || *p++ != ':' ||
		!parse_digits(&p, 2, &mi) || *p++ != ':' ||
		!parse_digits(&p, 2, &s))
		return false;
	if (*p == '.')
	{
		p++;
		if (!ddb_isdigit((unsigned char) *p))
			return false;
		while (ddb_isdigit((unsigned char) *p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (strncmp(p, "+00:00", 6) == 0)
		p += 6;
	else
		return false;
	while (ddb_isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return false;
	*result = (time_t) (days_from_civil(y, mo, d) * 86400L +
						h * 3600L + mi * 60L + s);
	return true;
}
