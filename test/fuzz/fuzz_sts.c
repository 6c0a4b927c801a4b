/*-------------------------------------------------------------------------
 *
 * fuzz_sts.c
 *		libFuzzer target of the STS XML reply parsers (src/aws/sts.c) and,
 *		through them, its XML scanner and ddb_aws_parse_iso8601.
 *
 * Each input is handed, as a reply body, to
 *
 *	- ddb_sts_parse_credentials: on success the key id, secret and token are
 *	  set and non-empty; on failure nothing is handed out;
 *	- ddb_sts_parse_error, in a DdbHttpResponse built as ddb_http_request
 *	  leaves it: never fails, and its error is a service error with a code
 *	  or an HTTP error without one, always clean text (it ends up in a
 *	  PostgreSQL message).
 *
 * Every string returned is read back and everything freed (the credentials
 * with ddb_aws_credentials_clear, which wipes the secrets).
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_sts.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "sts.h"

static void
fuzz_credentials(const char *xml, size_t len)
{
	DdbAwsCredentials creds;
	DdbAwsError err;

	memset(&creds, 'x', sizeof(creds));	/* must be overwritten */
	fuzz_dirty_error(&err);
	if (!ddb_sts_parse_credentials(xml, len, &creds, &err))
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(creds.access_key_id == NULL && creds.secret_access_key == NULL &&
					creds.session_token == NULL);
		return;
	}
	FUZZ_ASSERT(creds.access_key_id != NULL && creds.access_key_id[0] != '\0');
	FUZZ_ASSERT(creds.secret_access_key != NULL && creds.secret_access_key[0] != '\0');
	FUZZ_ASSERT(creds.session_token != NULL && creds.session_token[0] != '\0');
	fuzz_touch_str(creds.access_key_id);
	fuzz_touch_str(creds.secret_access_key);
	fuzz_touch_str(creds.session_token);
	fuzz_sink += (unsigned) creds.expiration;
	ddb_aws_credentials_clear(&creds);
}

static void
fuzz_parse_error(const char *xml, size_t len)
{
	DdbHttpResponse resp;
	DdbAwsError err;

	ddb_http_response_init(&resp);
	resp.status = 403;
	/* an empty body leaves the buffer without memory, as http.c does */
	if (len > 0)
		ddb_buf_append(&resp.body, xml, len);
	FUZZ_ASSERT(ddb_buf_ok(&resp.body));
	fuzz_dirty_error(&err);
	ddb_sts_parse_error(&resp, &err);
	FUZZ_ASSERT(err.kind == DDB_AWS_ERR_SERVICE || err.kind == DDB_AWS_ERR_HTTP);
	FUZZ_ASSERT(err.http_status == 403);
	/* it says something: a code or a message (an empty Message may come) */
	FUZZ_ASSERT(err.code[0] != '\0' || err.message[0] != '\0');
	FUZZ_ASSERT(err.kind == DDB_AWS_ERR_SERVICE ? err.code[0] != '\0' :
				err.code[0] == '\0');
	fuzz_check_error(&err);
	ddb_http_response_free(&resp);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_credentials((const char *) data, size);
	fuzz_parse_error((const char *) data, size);
	return 0;
}
