/*-------------------------------------------------------------------------
 *
 * sigv4_int.h
 *		What the two halves of the SigV4 signer share: sigv4_canon.c builds
 *		the canonical request (stage 1), sigv4.c derives the rest (string to
 *		sign, signing key, signature, Authorization) and drives the stages.
 *
 * Internal to src/aws: callers use sigv4.h.
 *
 * IDENTIFICATION
 *		src/aws/sigv4_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SIGV4_INT_H
#define DDB_SIGV4_INT_H

#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"
#define SIGV4_KEY_LEN 32

/* Names of the headers the signer may add (see DdbSigv4Output.added). */
#define SIGV4_HDR_DATE "X-Amz-Date"
#define SIGV4_HDR_TOKEN "X-Amz-Security-Token"
#define SIGV4_HDR_CONTENT_SHA "x-amz-content-sha256"

/*
 * Records an error when the caller gave us somewhere to put it.  detail, if
 * not NULL, is the name of the offending header.  The message never holds a
 * secret: only names are ever passed, never values.
 */
static inline void
sig_error(DdbAwsError *err, DdbAwsErrorKind kind, const char *what,
		  const char *detail)
{
	if (err == NULL)
		return;
	if (detail)
		ddb_aws_error_set(err, kind, "SigV4: %s (header \"%s\")", what, detail);
	else
		ddb_aws_error_set(err, kind, "SigV4: %s", what);
}

/* malloc'd copy of the first len bytes of s; NULL when out of memory. */
static inline char *
dup_bytes(const char *s, size_t len)
{
	char	   *p = malloc(len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* RFC 7230 "tchar": what header names and methods are made of. */
static inline bool
is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline bool
is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
	{
		if (!is_tchar((unsigned char) *s))
			return false;
	}
	return true;
}

/*
 * Stage 1 (sigv4_canon.c): appends the canonical request of in to creq and
 * the signed header names ("host;x-amz-date") to signed_names.  The headers
 * signed are the caller's plus the ones the signer adds (X-Amz-Date unless
 * the caller has one -- *have_date says which --, X-Amz-Security-Token,
 * x-amz-content-sha256; see ddb_sigv4_sign).  in must have passed the
 * signer's input checks.  False with err set on a bad header
 * (DDB_AWS_ERR_INVALID) or when out of memory.
 */
extern bool ddb_sigv4_canonical_request(const DdbSigv4Input *in,
										const char *payload_hash,
										DdbBuf *creq, DdbBuf *signed_names,
										bool *have_date, DdbAwsError *err);

#endif							/* DDB_SIGV4_INT_H */
