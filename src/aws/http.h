/*-------------------------------------------------------------------------
 *
 * http.h
 *		HTTP client of the AWS layer, on libcurl.
 *
 * One DdbHttpClient holds one curl easy handle inside a multi handle, so
 * consecutive requests reuse the connection (keep-alive).  A request waits
 * in slices of at most DDB_HTTP_POLL_MS and asks the abort hook between
 * slices, so a query cancel stops a request promptly even while the server
 * is silent.  Only http and https, no redirects, TLS verification on.
 *
 * IDENTIFICATION
 *		src/aws/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include "aws.h"
#include "sigv4.h"

#define DDB_HTTP_POLL_MS 50

/* Returns true when the current request must stop now. */
typedef bool (*DdbAbortHook) (void *arg);

typedef struct DdbHttpResponse DdbHttpResponse;

/*
 * A transport that replaces libcurl, for unit tests of the code above the
 * HTTP client (credential providers, STS): same contract as
 * ddb_http_request().
 */
typedef bool (*DdbHttpTransport) (void *arg, const char *method, const char *url,
								  const DdbHeader *headers, int nheaders,
								  const void *body, size_t body_len,
								  DdbHttpResponse *resp, DdbAwsError *err);

/* Sleeps ms milliseconds; false when asked to stop (cancel) before. */
typedef bool (*DdbSleepHook) (void *arg, long ms);

typedef struct DdbHttpConfig
{
	long		connect_timeout_ms; /* 0: libcurl's default */
	long		request_timeout_ms; /* whole request; 0: none */
	size_t		max_response_bytes; /* 0: 256 MB */
	DdbAbortHook abort_hook;	/* may be NULL */
	void	   *abort_arg;
	/* retries (ddb_http_backoff): capped exponential backoff, full jitter */
	int			max_retries;	/* after the first attempt; 0: none */
	long		retry_base_ms;	/* first delay at most this */
	long		retry_cap_ms;	/* no delay longer than this */
	DdbSleepHook sleep_hook;	/* NULL: nanosleep */
	void	   *sleep_arg;
	const char *user_agent;		/* copied */
	DdbHttpTransport transport; /* NULL: libcurl */
	void	   *transport_arg;
} DdbHttpConfig;

struct DdbHttpResponse
{
	long		status;
	DdbBuf		body;
	bool		has_crc32;
	uint32_t	crc32;			/* x-amz-crc32 */
	bool		crc32_invalid;	/* header present but not a number */
	char		request_id[128];	/* x-amzn-RequestId */
	char		error_type[128];	/* X-Amzn-ErrorType */
	char		content_type[128];
};

/* Parsed http(s) endpoint URL. */
typedef struct DdbEndpoint
{
	char	   *url;			/* normalized: scheme://host[:port]/path */
	char	   *host_header;	/* host[:port] as the Host header carries it */
	char	   *path;			/* "/..." (at least "/") */
	bool		https;
} DdbEndpoint;

typedef struct DdbHttpClient DdbHttpClient;

extern bool ddb_http_global_init(DdbAwsError *err);

extern DdbHttpClient *ddb_http_client_create(const DdbHttpConfig *cfg,
											 DdbAwsError *err);
extern void ddb_http_client_destroy(DdbHttpClient *client);

/*
 * After failed attempt number attempt (1 = the first): false when no retry
 * is left (err's message then says how many attempts were made) or the sleep
 * was interrupted (err becomes DDB_AWS_ERR_ABORTED); else waits a random
 * time in [0, min(cap, base * 2^(attempt-1))] and returns true.  Whether the
 * error deserves a retry is the caller's call (ddb_aws_error_retryable).
 */
extern bool ddb_http_backoff(DdbHttpClient *client, int attempt, DdbAwsError *err);
/* Retries waited for so far (a running count). */
extern unsigned long ddb_http_client_retries(const DdbHttpClient *client);
extern void ddb_http_client_set_abort_hook(DdbHttpClient *client,
										   DdbAbortHook hook, void *arg);

/* Number of TCP connections the client opened so far (keep-alive check). */
extern long ddb_http_client_connections(const DdbHttpClient *client);

extern void ddb_http_response_init(DdbHttpResponse *resp);
extern void ddb_http_response_free(DdbHttpResponse *resp);

/*
 * Sends one request and reads the whole response into resp (any status).
 * Returns false on a transport failure, timeout, abort or oversize answer,
 * with err filled in.  headers must not contain Content-Length.
 */
extern bool ddb_http_request(DdbHttpClient *client, const char *method,
							 const char *url, const DdbHeader *headers,
							 int nheaders, const void *body, size_t body_len,
							 DdbHttpResponse *resp, DdbAwsError *err);

/*
 * Parses and checks an endpoint URL: http or https, a host, optional port
 * and path; no user info, query or fragment.  On success fills ep (free with
 * ddb_endpoint_free).
 */
extern bool ddb_endpoint_parse(const char *url, DdbEndpoint *ep,
							   DdbAwsError *err);
extern void ddb_endpoint_free(DdbEndpoint *ep);

#endif							/* DDB_HTTP_H */
