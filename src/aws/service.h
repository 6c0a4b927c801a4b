/*-------------------------------------------------------------------------
 *
 * service.h
 *		One AWS service endpoint, and SigV4-signed requests to it.
 *
 * An endpoint is an https URL, or an http one to a loopback host (a local
 * DynamoDB or a test gateway): parsed and checked here for every service.
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

/* ----------------------------------------------------------------
 * Endpoint URLs
 * ----------------------------------------------------------------
 */

/* Parsed http(s) endpoint URL. */
typedef struct DdbEndpoint
{
	char	   *url;			/* normalized: scheme://host[:port]/path */
	char	   *host_header;	/* host[:port] as the Host header carries it */
	char	   *path;			/* "/..." (at least "/") */
	bool		https;
} DdbEndpoint;

/*
 * Parses and checks an endpoint URL: https to any host, or plain http to a
 * loopback host only (ddb_endpoint_is_loopback): keys and session tokens
 * travel in the clear over http.  A host, optional port and path; no user
 * info, query or fragment.  On success fills ep (free with
 * ddb_endpoint_free); on failure ep is empty and err is
 * DDB_AWS_ERR_INVALID.
 */
extern bool ddb_endpoint_parse(const char *url, DdbEndpoint *ep,
							   DdbAwsError *err);

/*
 * The same syntax checks without the http rule, for a caller that applies
 * a rule of its own (the container credentials URI: see credentials.c).
 */
extern bool ddb_endpoint_parse_any_host(const char *url, DdbEndpoint *ep,
										DdbAwsError *err);
extern void ddb_endpoint_free(DdbEndpoint *ep);

/*
 * Whether ep's host is loopback: an IPv4 address in 127.0.0.0/8 in dotted
 * form, the IPv6 address ::1 or the name "localhost" (any case).  Names
 * that merely start so ("127.0.0.1.example.com", "localhost.example.com")
 * are not.
 */
extern bool ddb_endpoint_is_loopback(const DdbEndpoint *ep);

/*
 * Copies ep's host without port (an IPv6 address keeps its brackets) into
 * out; false when it does not fit.
 */
extern bool ddb_endpoint_host(const DdbEndpoint *ep, char *out, size_t outlen);

/* ----------------------------------------------------------------
 * Services
 * ----------------------------------------------------------------
 */
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
 * Never an answer over the size cap (DDB_AWS_ERR_TOO_LARGE), a cancel, bad
 * input or out of memory.
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
 * The same request, started only (ddb_http_start): ddb_http_finish on
 * svc->http completes it.  False when it could not be signed or started.
 */
extern bool ddb_aws_start_signed(DdbAwsService *svc, const DdbAwsCredentials *creds,
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

#endif							/* DDB_SERVICE_H */
