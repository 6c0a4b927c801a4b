/*-------------------------------------------------------------------------
 *
 * http.h
 *		HTTP client of the AWS layer, on libcurl.
 *
 * One DdbHttpClient holds one curl easy handle inside a multi handle, so
 * consecutive requests reuse the connection (keep-alive).  A request may be
 * started and completed later (ddb_http_start, ddb_http_finish: a scan
 * fetches its next page while the caller works on the last), one at a time
 * per client.  While it waits, the client hands the sockets curl wants and
 * curl's timeout to the wait hook (the backend's latch and those sockets
 * together, see connection.c), which also says when to stop (cancel);
 * without a hook it waits in slices of at most DDB_HTTP_POLL_MS and asks
 * the abort hook between slices.  Only http and https, no redirects, TLS
 * verification on.
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

/*
 * Response size caps.  DynamoDB and DynamoDB Streams answers: BatchGetItem's
 * 16 MB is the largest legal one, so 64 MiB leaves room for JSON overhead
 * and is the default of DdbHttpConfig.max_response_bytes.  STS, IMDS and
 * the ECS/EKS container endpoint answer a few kB: their requests are capped
 * at 1 MiB whatever the client's configuration (see
 * ddb_http_response_init_secret).
 */
#define DDB_HTTP_MAX_SERVICE_RESPONSE ((size_t) 64 * 1024 * 1024)
#define DDB_HTTP_MAX_CONTROL_RESPONSE ((size_t) 1024 * 1024)

/*
 * A response body buffer is kept for the next request on the same
 * DdbHttpResponse (a scan's pages are all about 1 MB), unless it grew past
 * this: then it is freed when the next request starts, or by
 * ddb_http_response_release, so that one 16 MB answer does not pin 16 MB
 * for the rest of a long scan or session.
 */
#define DDB_HTTP_KEEP_BUFFER_BYTES ((size_t) 4 * 1024 * 1024)

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

/* A socket a transfer waits on, and for what. */
typedef struct DdbWaitSocket
{
	int			fd;
	bool		readable;
	bool		writable;
} DdbWaitSocket;

#define DDB_HTTP_MAX_WAIT_SOCKETS 8

/*
 * Waits until one of the nsockets sockets is ready as asked, timeout_ms
 * passed (never negative: the client caps it), or something else wants the
 * caller's attention (a latch).  Returns false when the request must stop
 * now (a cancel or termination is pending): the request then fails with
 * DDB_AWS_ERR_ABORTED.  nsockets may be 0 (curl is between sockets): then
 * only the timeout and the interruption count.  Must not longjmp.
 */
typedef bool (*DdbWaitHook) (void *arg, const DdbWaitSocket *sockets,
							 int nsockets, long timeout_ms);

/* Longest wait handed to the wait hook when curl names no timeout. */
#define DDB_HTTP_MAX_WAIT_MS 1000

typedef struct DdbHttpConfig
{
	long		connect_timeout_ms; /* 0: libcurl's default */
	long		request_timeout_ms; /* whole request; 0: none */
	size_t		max_response_bytes; /* 0: DDB_HTTP_MAX_SERVICE_RESPONSE */
	DdbAbortHook abort_hook;	/* may be NULL */
	void	   *abort_arg;
	DdbWaitHook wait_hook;		/* NULL: curl_multi_poll in slices */
	void	   *wait_arg;
	/* retries (ddb_http_backoff): capped exponential backoff, full jitter */
	int			max_retries;	/* after the first attempt; 0: none */
	long		retry_base_ms;	/* first delay at most this */
	long		retry_cap_ms;	/* no delay longer than this */
	DdbSleepHook sleep_hook;	/* NULL: nanosleep */
	void	   *sleep_arg;
	const char *user_agent;		/* copied */
	bool		no_proxy;		/* never use a proxy, whatever http_proxy,
								 * HTTPS_PROXY, ALL_PROXY or NO_PROXY say
								 * (curl reads them from the environment) */
	DdbHttpTransport transport; /* NULL: libcurl */
	void	   *transport_arg;
} DdbHttpConfig;

struct DdbHttpResponse
{
	/*
	 * What the caller asks of the requests that fill this response, set
	 * after ddb_http_response_init (ddb_http_response_free keeps them):
	 * max_bytes caps the body below the client's max_response_bytes (0: the
	 * client's cap applies), no_proxy sends the request directly like the
	 * client's no_proxy.  body.secret (ddb_http_response_init_secret) wipes
	 * the body whenever its memory is reset, moved or freed.
	 */
	size_t		max_bytes;
	bool		no_proxy;

	long		status;
	DdbBuf		body;
	bool		has_crc32;
	uint32_t	crc32;			/* x-amz-crc32 */
	bool		crc32_invalid;	/* header present but not a number */
	char		request_id[128];	/* x-amzn-RequestId */
	char		error_type[128];	/* X-Amzn-ErrorType */
	char		content_type[128];

	/*
	 * The client's bookkeeping of a started request (ddb_http_start): not
	 * to be touched by callers.  settled: the transfer was completed on the
	 * response's behalf (another request needed the client), its outcome in
	 * settled_ok and settled_err until ddb_http_finish collects it.
	 */
	int			http_state;
	bool		settled_ok;
	DdbAwsError settled_err;
};

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
extern void ddb_http_client_set_wait_hook(DdbHttpClient *client,
										  DdbWaitHook hook, void *arg);
/* Times the client waited through its wait hook or in poll slices. */
extern unsigned long ddb_http_client_waits(const DdbHttpClient *client);

/* Number of TCP connections the client opened so far (keep-alive check). */
extern long ddb_http_client_connections(const DdbHttpClient *client);

extern void ddb_http_response_init(DdbHttpResponse *resp);

/*
 * For answers that carry credentials (STS, IMDS, the container endpoint):
 * as ddb_http_response_init, plus max_bytes = DDB_HTTP_MAX_CONTROL_RESPONSE
 * and a secret body buffer.
 */
extern void ddb_http_response_init_secret(DdbHttpResponse *resp);

/* Frees the body (wiped if secret); the caller's settings stay. */
extern void ddb_http_response_free(DdbHttpResponse *resp);

/*
 * Frees the body's memory if it grew past DDB_HTTP_KEEP_BUFFER_BYTES, so
 * that a long-lived response does not keep a large block; the body is then
 * empty.  Call when done with a body; ddb_http_request does it too before
 * each request.
 */
extern void ddb_http_response_release(DdbHttpResponse *resp);

/*
 * Sends one request and reads the whole response into resp (any status).
 * Returns false on a transport failure, timeout, abort or oversize answer,
 * with err filled in.  headers must not contain Content-Length.  A body
 * larger than the smaller of the client's max_response_bytes and
 * resp->max_bytes is DDB_AWS_ERR_TOO_LARGE (never worth a retry); the body
 * is then freed.  The headers' copies made here are wiped after the request
 * (they may carry a token or an Authorization header).
 */
extern bool ddb_http_request(DdbHttpClient *client, const char *method,
							 const char *url, const DdbHeader *headers,
							 int nheaders, const void *body, size_t body_len,
							 DdbHttpResponse *resp, DdbAwsError *err);

/*
 * The same request in two steps.  ddb_http_start sends it (as far as the
 * socket takes it without waiting) and returns; false when it failed at
 * once (err filled in, nothing to finish).  The body is copied; headers
 * are copied and wiped like ddb_http_request's.  resp must stay where it is
 * until ddb_http_finish(client, resp, err) completes the request with
 * ddb_http_request's result, or ddb_http_abandon drops it.  One request is
 * under way per client: a request or start for another response first
 * completes the one under way (its outcome kept in its response for its
 * own finish), so requests sharing a client stay correct, only serial.
 */
extern bool ddb_http_start(DdbHttpClient *client, const char *method,
						   const char *url, const DdbHeader *headers,
						   int nheaders, const void *body, size_t body_len,
						   DdbHttpResponse *resp, DdbAwsError *err);
extern bool ddb_http_finish(DdbHttpClient *client, DdbHttpResponse *resp,
							DdbAwsError *err);

/*
 * Drops resp's started request, if any (an unfinished transfer closes its
 * connection); its body is then empty.  Safe on a response never started.
 */
extern void ddb_http_abandon(DdbHttpClient *client, DdbHttpResponse *resp);

/*
 * Drops the client's request under way, if any, as ddb_http_abandon would
 * (for a caller that no longer knows whose it is: a transaction's abort).
 */
extern void ddb_http_client_drop(DdbHttpClient *client);

/* Whether resp has a started request not yet finished. */
extern bool ddb_http_started(const DdbHttpResponse *resp);

#endif							/* DDB_HTTP_H */
