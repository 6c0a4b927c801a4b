/*-------------------------------------------------------------------------
 *
 * utf8.c
 *		UTF-8 checks of the AWS layer, and message-safe copies of remote text.
 *
 * Text from the network reaches PostgreSQL messages, and text for a
 * request must be UTF-8 before it is escaped into JSON.  One validator
 * serves the JSON reader (json.c), the request builders (write.c) and the
 * error paths (ddb_copy_clean), so that they all agree on what well-formed
 * UTF-8 is: no overlong forms, no surrogates, nothing above U+10FFFF.
 *
 * IDENTIFICATION
 *		src/aws/utf8.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "aws.h"

/*
 * Validates one UTF-8 sequence starting at p (first byte >= 0x80); returns
 * its length, or 0 if it is not well formed (overlong forms, surrogates and
 * code points above U+10FFFF are rejected).
 */
int
ddb_utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	int			n;
	int			i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (end - p < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (c == 0xE0 && p[1] < 0xA0)
		return 0;				/* overlong */
	if (c == 0xED && p[1] > 0x9F)
		return 0;				/* UTF-16 surrogate */
	if (c == 0xF0 && p[1] < 0x90)
		return 0;				/* overlong */
	if (c == 0xF4 && p[1] > 0x8F)
		return 0;				/* above U+10FFFF */
	return n;
}

/*
 * Whether the len bytes at s are well-formed UTF-8.  NUL bytes count as
 * characters (U+0000 is valid UTF-8); a caller that cannot carry them checks
 * for them itself.
 */
bool
ddb_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;

	while (p < end)
	{
		int			n = *p < 0x80 ? 1 : ddb_utf8_sequence(p, end);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

/*
 * Copies s into a fixed buffer for a message: control characters become
 * spaces, bytes that are not UTF-8 become '?', and a multi-byte character is
 * never cut in half, so the result is always valid UTF-8 text.
 */
void
ddb_copy_clean(char *dst, size_t dstlen, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	size_t		o = 0;

	while (p < end && o + 1 < dstlen)
	{
		if (*p < 0x80)
		{
			dst[o++] = (*p < 0x20 || *p == 0x7f) ? ' ' : (char) *p;
			p++;
			continue;
		}
		{
			int			n = ddb_utf8_sequence(p, end);

			if (n == 0)
			{
				dst[o++] = '?';
				p++;
			}
			else if (o + (size_t) n + 1 <= dstlen)
			{
				memcpy(dst + o, p, (size_t) n);
				o += (size_t) n;
				p += n;
			}
			else
				break;
		}
	}
	dst[o] = '\0';
}
