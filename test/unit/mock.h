/*-------------------------------------------------------------------------
 *
 * mock.h
 *		The unit tests' stand-ins for the network, the environment and the
 *		clock: one scripted HTTP transport that records every request, a
 *		settable environment, and a settable "now".
 *
 * The transport (DdbHttpConfig.transport) answers each request with the
 * next reply of its script: a status and body (and optionally a request id
 * and an x-amz-crc32), or a transport failure.  A request beyond the script
 * fails as "unscripted" and is counted, unless repeat is set: then the last
 * reply answers again (a service that keeps failing, or one answer for a
 * whole test).  Every request is recorded -- method, URL, headers, body and
 * what the caller asked of the response -- for the checks that follow.
 *
 * Everything the mocks copy may be a secret (test_secrets watches every
 * free for one), so it is wiped before it is freed.
 *
 * IDENTIFICATION
 *		test/unit/mock.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_MOCK_H
#define DDB_MOCK_H

#include <time.h>

#include "http.h"

#define MOCK_MAX_HEADERS 16
#define MOCK_MAX_SCRIPT 64
#define MOCK_MAX_REQUESTS 64

/* x-amz-crc32 of a reply */
typedef enum MockCrc
{
	MOCK_CRC_NONE = 0,			/* no header */
	MOCK_CRC_GOOD,				/* the body's CRC-32 */
	MOCK_CRC_BAD				/* off by one: a corrupted answer */
} MockCrc;

typedef struct MockReply
{
	DdbAwsErrorKind fail;		/* DDB_AWS_OK: a reply; else a transport
								 * failure of this kind */
	long		status;
	char	   *body;			/* malloc'd, NULL: none */
	char	   *request_id;		/* malloc'd, NULL: none */
	MockCrc		crc;
} MockReply;

typedef struct MockRequest
{
	char	   *method;
	char	   *url;
	int			nheaders;
	char	   *names[MOCK_MAX_HEADERS];
	char	   *values[MOCK_MAX_HEADERS];
	char	   *body;			/* NUL-terminated copy */
	size_t		body_len;
	/* what the caller asked of the response (see DdbHttpResponse) */
	size_t		max_bytes;
	bool		no_proxy;
	bool		secret;
} MockRequest;

typedef struct Mock
{
	const char *name;			/* in messages; NULL: "http" */
	bool		repeat;			/* the last reply answers beyond the script */
	MockReply	script[MOCK_MAX_SCRIPT];
	int			nscript;
	int			next;			/* the reply to the next request */
	MockRequest req[MOCK_MAX_REQUESTS]; /* the first MOCK_MAX_REQUESTS */
	int			nreq;			/* every request, recorded or not */
	int			unscripted;		/* requests that found no reply */
} Mock;

/* The DdbHttpTransport; arg is the Mock. */
extern bool mock_transport(void *arg, const char *method, const char *url,
						   const DdbHeader *headers, int nheaders,
						   const void *body, size_t body_len,
						   DdbHttpResponse *resp, DdbAwsError *err);

/* Scripting: each call appends one reply. */
extern void mock_reply(Mock *m, long status, const char *body);
extern void mock_reply_owned(Mock *m, long status, char *body);
extern void mock_reply_full(Mock *m, long status, const char *body,
							const char *request_id, MockCrc crc);
extern void mock_fail(Mock *m, DdbAwsErrorKind kind);

/*
 * Every request from now on gets this reply (until the next mock_answer):
 * the script's remaining replies are skipped and repeat is set.
 */
extern void mock_answer(Mock *m, long status, const char *body,
						const char *request_id);

/* Frees the script and the records; name and repeat stay. */
extern void mock_reset(Mock *m);

/* Checks that every scripted reply was used and nothing asked for more. */
extern void mock_done(const Mock *m, int line);

/* Recorded request i (< 0: the last one); NULL when there is none. */
extern const MockRequest *mock_request(const Mock *m, int i);
extern const char *mock_url(const Mock *m, int i);
extern const char *mock_method(const Mock *m, int i);
extern const char *mock_body(const Mock *m, int i);
/* A header of request i (any case); NULL if absent, "DUP" if repeated. */
extern const char *mock_header(const Mock *m, int i, const char *name);

/*
 * libcurl's global setup, with the machine's proxy variables unset (the
 * loopback server must be reached directly); exits on failure.
 */
extern void unit_network_init(void);

/* An HTTP client with cfg (the network's, or a test transport); exits on failure. */
extern DdbHttpClient *unit_client(const DdbHttpConfig *cfg);

/*
 * An HTTP client on the mock transport.  cfg (NULL: defaults) gives the
 * other settings (retries, sleep hook); its transport is replaced.  Exits
 * on failure.
 */
extern DdbHttpClient *mock_client(Mock *m, const DdbHttpConfig *cfg);

/* ----------------------------------------------------------------
 * Environment and clock
 * ----------------------------------------------------------------
 */

/* Sets name (a string that outlives its use) to a copy of value; NULL unsets it. */
extern void mock_env_set(const char *name, const char *value);
/* Replaces the environment by a NULL-terminated list of name, value pairs. */
extern void mock_env_use(const char *const *pairs);
extern void mock_env_clear(void);
/* The getenv hook (DdbCredHost.getenv_fn). */
extern const char *mock_getenv(const char *name);

/* "now" of mock_clock (DdbCredHost.clock, DdbAwsService.clock); UNIT_T0 at start. */
extern time_t mock_now;
extern time_t mock_clock(void);

#endif							/* DDB_MOCK_H */
