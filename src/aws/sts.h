/*-------------------------------------------------------------------------
 *
 * sts.h
 *		AWS STS: AssumeRole (signed) and AssumeRoleWithWebIdentity
 *		(unsigned), query protocol with XML replies.
 *
 * IDENTIFICATION
 *		src/aws/sts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STS_H
#define DDB_STS_H

#include "aws.h"
#include "http.h"
#include "service.h"

#define DDB_STS_VERSION "2011-06-15"

typedef struct DdbAssumeRole
{
	const char *role_arn;
	const char *session_name;
	const char *external_id;	/* NULL: none */
	int			duration;		/* seconds; 0: STS's default */
	const char *web_identity_token; /* AssumeRoleWithWebIdentity only */
} DdbAssumeRole;

/*
 * Calls AssumeRole at svc (signing service "sts") with the signer's
 * credentials, or AssumeRoleWithWebIdentity (unsigned) when
 * req->web_identity_token is set.  On success out holds the temporary
 * credentials with their expiration.  STS errors come back as
 * DDB_AWS_ERR_SERVICE with STS's code and message.  An answer larger than
 * DDB_HTTP_MAX_CONTROL_RESPONSE is DDB_AWS_ERR_TOO_LARGE (not retried),
 * whatever svc->http's max_response_bytes; every buffer that held the
 * token, the answer or the new keys is wiped before it is freed.
 */
extern bool ddb_sts_assume_role(DdbAwsService *svc, const DdbAwsCredentials *signer,
								const DdbAssumeRole *req, DdbAwsCredentials *out,
								DdbAwsError *err);

/* Parses a successful AssumeRole[WithWebIdentity] reply. */
extern bool ddb_sts_parse_credentials(const char *xml, size_t len,
									  DdbAwsCredentials *out, DdbAwsError *err);

/* Fills err from a failed STS reply (never fails). */
extern void ddb_sts_parse_error(const DdbHttpResponse *resp, DdbAwsError *err);

/* Appends the form encoding of value (RFC 3986 unreserved kept). */
extern void ddb_form_encode(DdbBuf *buf, const char *value);

#endif							/* DDB_STS_H */
