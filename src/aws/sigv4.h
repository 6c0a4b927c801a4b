/*-------------------------------------------------------------------------
 *
 * sigv4.h
 *		AWS Signature Version 4 (header signing) with OpenSSL.
 *
 * The signer is a pure function of its input: the caller supplies the
 * request, the credentials and the signing time, and gets back every
 * intermediate stage (canonical request, string to sign, signature) so
 * that the official test vectors can be checked stage by stage.
 *
 * IDENTIFICATION
 *		src/aws/sigv4.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SIGV4_H
#define DDB_SIGV4_H

#include "aws.h"

typedef struct DdbHeader
{
	const char *name;
	const char *value;
} DdbHeader;

typedef struct DdbSigv4Input
{
	const char *method;			/* "GET", "POST", ... */
	const char *path;			/* request path as sent, before any '?';
								 * may hold %XX escapes and raw UTF-8 */
	const char *query;			/* raw query after '?', or NULL/"" */
	const DdbHeader *headers;	/* every header given here is signed;
								 * names in any case, values untrimmed,
								 * repeated names allowed; a value may
								 * hold a folded continuation (CRLF or LF
								 * followed by SP/HT), no other CR/LF */
	int			nheaders;
	const void *payload;
	size_t		payload_len;

	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL when not temporary credentials */
	const char *region;
	const char *service;
	const char *amz_date;		/* "YYYYMMDDTHHMMSSZ" */

	bool		normalize_path; /* remove dot segments and empty segments */
	bool		double_encode;	/* encode the (already encoded) path again;
								 * true for every service but S3 */
	bool		sign_body_header;	/* add and sign x-amz-content-sha256 */
	bool		omit_session_token; /* add the token after signing */
} DdbSigv4Input;

typedef struct DdbSigv4Output
{
	char	   *canonical_request;	/* malloc'd */
	char	   *string_to_sign; /* malloc'd */
	char		signature[65];	/* lower-case hex */
	char	   *authorization;	/* malloc'd value of the Authorization header */

	/*
	 * Headers the signer added and the caller must send: X-Amz-Date (when
	 * the input had none), X-Amz-Security-Token (when session_token is set)
	 * and x-amz-content-sha256 (when sign_body_header), in that order.
	 * Names are static strings, values malloc'd.
	 */
	DdbHeader	added[3];
	int			nadded;
} DdbSigv4Output;

/*
 * Signs the request.  Returns true on success; on failure (bad input,
 * out of memory) fills err and leaves out empty.  Free the output with
 * ddb_sigv4_output_free() in both cases.
 */
extern bool ddb_sigv4_sign(const DdbSigv4Input *in, DdbSigv4Output *out,
						   DdbAwsError *err);
extern void ddb_sigv4_output_free(DdbSigv4Output *out);

/* HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request". */
extern void ddb_sigv4_signing_key(const char *secret, const char *date8,
								  const char *region, const char *service,
								  unsigned char key[32]);

#endif							/* DDB_SIGV4_H */
