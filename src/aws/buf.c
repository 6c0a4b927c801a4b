/*-------------------------------------------------------------------------
 *
 * buf.c
 *		Growable byte buffer and error helpers of the AWS layer.
 *
 * IDENTIFICATION
 *		src/aws/buf.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* Empties the fields; the secret flag is the caller's to keep or set. */
static void
clear_fields(DdbBuf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->oom = false;
}

void
ddb_buf_init(DdbBuf *buf)
{
	clear_fields(buf);
	buf->secret = false;
}

/* An empty buffer that may hold secrets (see aws.h for what that changes). */
void
ddb_buf_init_secret(DdbBuf *buf)
{
	clear_fields(buf);
	buf->secret = true;
}

/* Releases the memory (wiped first if secret); the buffer stays usable. */
void
ddb_buf_free(DdbBuf *buf)
{
	if (buf->secret)
		ddb_wipe(buf->data, buf->cap);
	free(buf->data);
	clear_fields(buf);
}

/* Empties the buffer, keeping its memory (a secret one is wiped). */
void
ddb_buf_reset(DdbBuf *buf)
{
	if (buf->secret)
		ddb_wipe(buf->data, buf->len);
	buf->len = 0;
	buf->oom = false;
	if (buf->data)
		buf->data[0] = '\0';
}

/*
 * Moves the buffer to a block of newcap bytes (newcap > len).  An empty
 * buffer gets a fresh block (nothing to copy); a secret one is copied and
 * its old block wiped, never realloc'd: realloc would leave a copy behind
 * in freed memory.  False (buffer unchanged) when memory runs out.
 */
static bool
grow(DdbBuf *buf, size_t newcap)
{
	char	   *p;

	if (buf->len == 0 || buf->secret)
	{
		p = malloc(newcap);
		if (p == NULL)
			return false;
		if (buf->data)
		{
			memcpy(p, buf->data, buf->len);
			if (buf->secret)
				ddb_wipe(buf->data, buf->cap);
			free(buf->data);
		}
	}
	else
	{
		p = realloc(buf->data, newcap);
		if (p == NULL)
			return false;
	}
	p[buf->len] = '\0';
	buf->data = p;
	buf->cap = newcap;
	return true;
}

/*
 * Makes room for 'extra' more bytes plus the terminating NUL, at least
 * doubling the capacity when it grows.  Returns false (and marks the
 * buffer) when memory runs out.
 */
bool
ddb_buf_reserve(DdbBuf *buf, size_t extra)
{
	return ddb_buf_reserve_max(buf, extra, SIZE_MAX / 2);
}

/*
 * As ddb_buf_reserve, but the capacity grows no further than max_len + 1
 * bytes (the NUL) when len + extra fits in max_len: a reader that knows the
 * largest size it accepts (or the exact size coming) does not end up with a
 * block twice that size.  max_len smaller than len + extra is no error.
 */
bool
ddb_buf_reserve_max(DdbBuf *buf, size_t extra, size_t max_len)
{
	size_t		need;
	size_t		newcap;

	if (buf->oom)
		return false;
	if (extra > SIZE_MAX / 2 - buf->len)
	{
		buf->oom = true;
		return false;
	}
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return true;
	newcap = buf->cap ? buf->cap : 256;
	while (newcap < need)
		newcap *= 2;
	if (max_len < SIZE_MAX / 2 && newcap > max_len + 1 && need <= max_len + 1)
		newcap = max_len + 1;
	if (!grow(buf, newcap))
	{
		buf->oom = true;
		return false;
	}
	return true;
}

void
ddb_buf_append(DdbBuf *buf, const void *data, size_t len)
{
	if (!ddb_buf_reserve(buf, len))
		return;
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void
ddb_buf_append_str(DdbBuf *buf, const char *str)
{
	ddb_buf_append(buf, str, strlen(str));
}

void
ddb_buf_append_char(DdbBuf *buf, char c)
{
	ddb_buf_append(buf, &c, 1);
}

void
ddb_buf_printf(DdbBuf *buf, const char *fmt, ...)
{
	va_list		ap;
	int			n;

	if (buf->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !ddb_buf_reserve(buf, (size_t) n))
	{
		buf->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t) n;
}

/*
 * Appends str as a quoted JSON string.  Bytes >= 0x80 pass through: the
 * caller guarantees UTF-8, and JSON allows raw UTF-8.
 */
void
ddb_buf_append_json_string(DdbBuf *buf, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i;
	size_t		start = 0;

	ddb_buf_append_char(buf, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) str[i];
		char		esc[6];
		const char *rep = NULL;
		size_t		replen = 2;

		switch (c)
		{
			case '"':
				rep = "\\\"";
				break;
			case '\\':
				rep = "\\\\";
				break;
			case '\n':
				rep = "\\n";
				break;
			case '\r':
				rep = "\\r";
				break;
			case '\t':
				rep = "\\t";
				break;
			case '\b':
				rep = "\\b";
				break;
			case '\f':
				rep = "\\f";
				break;
			default:
				if (c < 0x20)
				{
					esc[0] = '\\';
					esc[1] = 'u';
					esc[2] = '0';
					esc[3] = '0';
					esc[4] = hex[c >> 4];
					esc[5] = hex[c & 15];
					rep = esc;
					replen = 6;
				}
				break;
		}
		if (rep)
		{
			ddb_buf_append(buf, str + start, i - start);
			ddb_buf_append(buf, rep, replen);
			start = i + 1;
		}
	}
	ddb_buf_append(buf, str + start, len - start);
	ddb_buf_append_char(buf, '"');
}

void
ddb_buf_append_json_member(DdbBuf *buf, const char *name, const char *value)
{
	ddb_buf_append_char(buf, ',');
	ddb_buf_append_json_string(buf, name, strlen(name));
	ddb_buf_append_char(buf, ':');
	ddb_buf_append_json_string(buf, value, strlen(value));
}

/*
 * Hands the buffer's memory to the caller (malloc'd, NUL-terminated); NULL
 * after an allocation failure (the buffer is freed then).  The buffer is
 * left empty; when it is secret, wiping the stolen memory is the caller's
 * job.
 */
char *
ddb_buf_steal(DdbBuf *buf)
{
	char	   *p;

	if (buf->oom)
	{
		ddb_buf_free(buf);
		return NULL;
	}
	if (buf->data == NULL)
		ddb_buf_append(buf, "", 0);
	p = buf->data;
	clear_fields(buf);
	return p;
}

void
ddb_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

void
ddb_free_secret(char *secret)
{
	if (secret == NULL)
		return;
	ddb_wipe(secret, strlen(secret));
	free(secret);
}

void
ddb_aws_error_clear(DdbAwsError *err)
{
	err->kind = DDB_AWS_OK;
	err->http_status = 0;
	err->code[0] = '\0';
	err->message[0] = '\0';
	err->request_id[0] = '\0';
}

void
ddb_aws_error_set(DdbAwsError *err, DdbAwsErrorKind kind, const char *fmt, ...)
{
	va_list		ap;

	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

const char *
ddb_aws_error_kind_name(DdbAwsErrorKind kind)
{
	switch (kind)
	{
		case DDB_AWS_OK:
			return "ok";
		case DDB_AWS_ERR_ABORTED:
			return "aborted";
		case DDB_AWS_ERR_CONNECT:
			return "connection failed";
		case DDB_AWS_ERR_TIMEOUT:
			return "timeout";
		case DDB_AWS_ERR_TRANSPORT:
			return "transport error";
		case DDB_AWS_ERR_SERVICE:
			return "service error";
		case DDB_AWS_ERR_HTTP:
			return "HTTP error";
		case DDB_AWS_ERR_MALFORMED:
			return "malformed response";
		case DDB_AWS_ERR_CHECKSUM:
			return "checksum mismatch";
		case DDB_AWS_ERR_TOO_LARGE:
			return "response too large";
		case DDB_AWS_ERR_INVALID:
			return "invalid request";
		case DDB_AWS_ERR_OOM:
			return "out of memory";
	}
	return "unknown";
}

bool
ddb_aws_credentials_copy(DdbAwsCredentials *dst, const DdbAwsCredentials *src)
{
	dst->access_key_id = src->access_key_id ? strdup(src->access_key_id) : NULL;
	dst->secret_access_key = src->secret_access_key ? strdup(src->secret_access_key) : NULL;
	dst->session_token = src->session_token ? strdup(src->session_token) : NULL;
	dst->expiration = src->expiration;
	if ((src->access_key_id && !dst->access_key_id) ||
		(src->secret_access_key && !dst->secret_access_key) ||
		(src->session_token && !dst->session_token))
	{
		ddb_aws_credentials_clear(dst);
		return false;
	}
	return true;
}

void
ddb_aws_credentials_clear(DdbAwsCredentials *creds)
{
	free(creds->access_key_id);
	ddb_free_secret(creds->secret_access_key);
	ddb_free_secret(creds->session_token);
	creds->access_key_id = NULL;
	creds->secret_access_key = NULL;
	creds->session_token = NULL;
	creds->expiration = 0;
}
