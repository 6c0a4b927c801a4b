/*-------------------------------------------------------------------------
 *
 * aws.h
 *		Public interface of ddb_fdw's AWS layer.
 *
 * The AWS layer talks HTTP to DynamoDB and STS, signs requests with SigV4
 * and parses control responses.  It never includes PostgreSQL headers: it
 * allocates with malloc, reports failures as a DdbAwsError (a kind plus the
 * service's code and message), and calls back into its host only through
 * the hooks in DdbHttpClient (abort check, clock).  The FDW layer maps
 * those errors to ereport() in one place (connection.c).
 *
 * IDENTIFICATION
 *		src/aws/aws.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_AWS_H
#define DDB_AWS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(__GNUC__)
#define DDB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DDB_PRINTF(f, a)
#endif

/* ----------------------------------------------------------------
 * ASCII character classes
 *
 * <ctype.h> depends on the locale, and inside PostgreSQL that is the
 * database's: in a LATIN1 database isalnum(0xE9) is true.  Wire formats are
 * ASCII, so the AWS layer classifies bytes with these instead.
 * ----------------------------------------------------------------
 */
static inline bool
ddb_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ddb_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
ddb_isalnum(int c)
{
	return ddb_isdigit(c) || ddb_isalpha(c);
}

static inline bool
ddb_isxdigit(int c)
{
	return ddb_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool
ddb_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline int
ddb_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ----------------------------------------------------------------
 * Growable byte buffer (buf.c)
 *
 * Always NUL-terminated once anything was appended.  Allocation failure is
 * sticky: the buffer sets 'oom', ignores further appends, and the caller
 * checks ddb_buf_ok() once at the end instead of after every append.
 *
 * A buffer made with ddb_buf_init_secret() may hold secrets (keys, tokens,
 * signed headers, credential answers) and never leaves a copy behind: it
 * grows by malloc + copy + wipe + free instead of realloc, ddb_buf_reset()
 * wipes the old contents, ddb_buf_free() wipes the whole block.  It stays
 * secret after a reset, a free or a steal (the stolen memory is the
 * caller's to wipe, e.g. with ddb_free_secret).
 * ----------------------------------------------------------------
 */
typedef struct DdbBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		oom;
	bool		secret;			/* see ddb_buf_init_secret */
} DdbBuf;

extern void ddb_buf_init(DdbBuf *buf);
extern void ddb_buf_init_secret(DdbBuf *buf);
extern void ddb_buf_free(DdbBuf *buf);
extern void ddb_buf_reset(DdbBuf *buf);
extern bool ddb_buf_reserve(DdbBuf *buf, size_t extra);
extern bool ddb_buf_reserve_max(DdbBuf *buf, size_t extra, size_t max_len);
extern void ddb_buf_append(DdbBuf *buf, const void *data, size_t len);
extern void ddb_buf_append_str(DdbBuf *buf, const char *str);
extern void ddb_buf_append_char(DdbBuf *buf, char c);
extern void ddb_buf_printf(DdbBuf *buf, const char *fmt, ...) DDB_PRINTF(2, 3);
extern void ddb_buf_append_json_string(DdbBuf *buf, const char *str, size_t len);
/* Appends ,"name":"value" -- a string member after the first -- both escaped. */
extern void ddb_buf_append_json_member(DdbBuf *buf, const char *name,
									   const char *value);
extern char *ddb_buf_steal(DdbBuf *buf);

static inline bool
ddb_buf_ok(const DdbBuf *buf)
{
	return !buf->oom;
}

/* Zeroes len bytes at p in a way the compiler may not drop (NULL is fine). */
extern void ddb_wipe(void *p, size_t len);

/* Wipe and free a malloc'd secret string (NULL is fine). */
extern void ddb_free_secret(char *secret);

/* ----------------------------------------------------------------
 * Errors
 * ----------------------------------------------------------------
 */
typedef enum DdbAwsErrorKind
{
	DDB_AWS_OK = 0,
	DDB_AWS_ERR_ABORTED,		/* the abort hook asked us to stop */
	DDB_AWS_ERR_CONNECT,		/* could not resolve or connect */
	DDB_AWS_ERR_TIMEOUT,		/* connect or request timeout */
	DDB_AWS_ERR_TRANSPORT,		/* connection reset, TLS failure, ... */
	DDB_AWS_ERR_SERVICE,		/* the service answered with an error body */
	DDB_AWS_ERR_HTTP,			/* non-2xx status without a usable error body */
	DDB_AWS_ERR_MALFORMED,		/* response not what the protocol promises */
	DDB_AWS_ERR_CHECKSUM,		/* x-amz-crc32 does not match the body */
	DDB_AWS_ERR_TOO_LARGE,		/* response larger than we accept */
	DDB_AWS_ERR_INVALID,		/* bad argument from our caller */
	DDB_AWS_ERR_OOM				/* malloc failed */
} DdbAwsErrorKind;

typedef struct DdbAwsError
{
	DdbAwsErrorKind kind;
	long		http_status;	/* 0 when no response arrived */
	char		code[128];		/* service error code, '#' prefix removed */
	char		message[1024];	/* human readable, never holds a secret */
	char		request_id[128];	/* x-amzn-RequestId when known */
} DdbAwsError;

extern void ddb_aws_error_clear(DdbAwsError *err);
extern void ddb_aws_error_set(DdbAwsError *err, DdbAwsErrorKind kind,
							  const char *fmt, ...) DDB_PRINTF(3, 4);
extern const char *ddb_aws_error_kind_name(DdbAwsErrorKind kind);

/* ----------------------------------------------------------------
 * Small codecs (codec.c)
 * ----------------------------------------------------------------
 */
extern uint32_t ddb_crc32(uint32_t crc, const void *data, size_t len);

/* Returns the decoded length, or -1 on invalid base64 (RFC 4648, padded). */
extern long ddb_base64_decode(const char *src, size_t len, unsigned char *dst);
extern size_t ddb_base64_decoded_maxlen(size_t len);
/* Appends the padded base64 encoding of data to buf. */
extern void ddb_base64_encode(DdbBuf *buf, const void *data, size_t len);

/* Lower-case hex of len bytes; out needs 2 * len + 1 bytes. */
extern void ddb_hex_encode(const unsigned char *data, size_t len, char *out);

/* Hex SHA-256 of data; out gets 64 hex digits and a NUL. */
extern void ddb_sha256_hex(const void *data, size_t len, char out[65]);

/* "YYYYMMDDTHHMMSSZ" for t (UTC); out needs 17 bytes. */
extern void ddb_aws_format_amz_date(time_t t, char out[17]);

/* Parses an ISO-8601 UTC timestamp as STS and IMDS write it
 * ("2011-07-15T23:28:33.359Z", "2014-10-24T23:00:23Z"); false if invalid. */
extern bool ddb_aws_parse_iso8601(const char *str, time_t *result);

/* ----------------------------------------------------------------
 * UTF-8 (utf8.c)
 * ----------------------------------------------------------------
 */

/*
 * Length of the well-formed UTF-8 sequence at p (first byte >= 0x80), or 0
 * when it is not one (overlong forms, surrogates, > U+10FFFF, truncated).
 */
extern int	ddb_utf8_sequence(const unsigned char *p, const unsigned char *end);

/* Whether len bytes at s are well-formed UTF-8 (NUL bytes allowed). */
extern bool ddb_utf8_valid(const char *s, size_t len);

/*
 * Copies s into a fixed buffer for a message: control characters become
 * spaces, bytes that are not UTF-8 become '?', and a multi-byte character is
 * never cut, so the result is valid UTF-8 text.
 */
extern void ddb_copy_clean(char *dst, size_t dstlen, const char *s, size_t len);

/* ----------------------------------------------------------------
 * Credentials
 * ----------------------------------------------------------------
 */
typedef struct DdbAwsCredentials
{
	char	   *access_key_id;	/* malloc'd */
	char	   *secret_access_key;	/* malloc'd, wiped on free */
	char	   *session_token;	/* malloc'd or NULL */
	time_t		expiration;		/* 0: does not expire */
} DdbAwsCredentials;

/* Copies src into dst (all strings duplicated); false when out of memory. */
extern bool ddb_aws_credentials_copy(DdbAwsCredentials *dst,
									 const DdbAwsCredentials *src);
/* Wipes and frees the strings; dst is left empty. */
extern void ddb_aws_credentials_clear(DdbAwsCredentials *creds);

#endif							/* DDB_AWS_H */
