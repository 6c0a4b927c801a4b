/*-------------------------------------------------------------------------
 *
 * service.h
 *		One AWS service endpoint, and SigV4-signed requests to it.
 *
 * DynamoDB (JSON 1.0) and STS (query protocol) requests differ only in
 * their content type, headers and error format; both are signed and sent
 * here.  Callers interpret the status and body.
 *
 * IDENTIFICATION
 *		src/aws/service.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SERVICE_H
#define DDB_SERVICE_H

#include "aws.h"
#include "http.h"

/* Where and how to reach one AWS service. */
typedef struct DdbAwsService
{
	DdbHttpClient *http;		/* not owned */
	DdbEndpoint endpoint;		/* owned */
	char		region[64];
	char		service[32];	/* SigV4 signing name, e.g. "dynamodb" */
	time_t		(*clock) (void);	/* NULL: time() */
} DdbAwsService;

/* Fills svc for endpoint_url (parsed and checked); http stays the caller's. */
extern bool ddb_aws_service_init(DdbAwsService *svc, DdbHttpClient *http,
								 const char *endpoint_url, const char *region,
								 const char *service, DdbAwsError *err);
extern void ddb_aws_service_free(DdbAwsService *svc);

/*
 * Whether a failed request may succeed when sent again: throttling, 5xx,
 * connection failures, timeouts, resets, truncated or corrupted answers.
 */
extern bool ddb_aws_error_retryable(const DdbAwsError *err);

/*
 * After failed attempt number attempt: true when the request should be sent
 * again (a retryable error and a retry left; the backoff has been waited).
 */
extern bool ddb_aws_retry(DdbAwsService *svc, DdbAwsError *err, int attempt);

/*
 * Default endpoint of a service in a region: https://<prefix>.<region>.
 * amazonaws.com/ (".com.cn" for the China regions).  malloc'd.
 */
extern char *ddb_aws_default_endpoint(const char *prefix, const char *region);

/*
 * Signs (SigV4, with the credentials' session token when present) and sends
 * a POST of body with the given Content-Type and extra headers (each one is
 * signed too).  Returns false only when no response arrived (transport
 * failure, timeout, abort); any HTTP status is the caller's to judge.
 */
extern bool ddb_aws_send_signed(DdbAwsService *svc, const DdbAwsCredentials *creds,
								const char *content_type,
								const DdbHeader *extra, int nextra,
								const char *body, size_t body_len,
								DdbHttpResponse *resp, DdbAwsError *err);

/*
 * Fills err from a failed response: a service error when code is not NULL
 * (message may be NULL), else an HTTP error quoting the start of the body.
 * Also records the status and request id.
 */
extern void ddb_aws_error_from_response(DdbAwsError *err,
										const DdbHttpResponse *resp,
										const char *code, const char *message);

/*
 * Copies s into a fixed buffer for a message: control characters become
 * spaces, bytes that are not UTF-8 become '?', and a multi-byte character is
 * never cut, so the result is valid UTF-8 text.
 */
extern void ddb_copy_clean(char *dst, size_t dstlen, const char *s, size_t len);

#endif							/* DDB_SERVICE_H */
