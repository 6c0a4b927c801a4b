/*-------------------------------------------------------------------------
 *
 * test_http_wait.c
 *		Unit tests of the HTTP client's waits and of requests completed
 *		later: the wait hook's contract (the sockets curl wants, a bounded
 *		timeout, stop on its word), ddb_http_start/finish/abandon, a request
 *		for another response while one is under way, and the DynamoDB call
 *		in two steps with its retries (ddb_dynamodb_start/finish/retry).
 *		Against the in-process loopback server (server.c).
 *
 * IDENTIFICATION
 *		test/unit/test_http_wait.c
 *
 *-------------------------------------------------------------------------
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dynamodb.h"
#include "http.h"
#include "mock.h"
#include "server.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

static int	time_scale = 1;
static Server srv;
static char base_url[64];

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/*
 * The wait hook of the tests: what a backend does with its latch, played
 * with a pipe.  It polls the sockets it is given and the pipe's read end
 * together; a byte in the pipe (the "latch") makes it say stop when stop_on_latch.
 */
typedef struct Waiter
{
	int			latch[2];		/* pipe: [0] polled, [1] written to "set" it */
	bool		stop_on_latch;
	int			calls;
	int			with_sockets;	/* calls that got at least one socket */
	int			not_sockets;	/* fds that were not sockets */
	long		max_timeout;
	long		min_timeout;
} Waiter;

static bool
test_wait(void *arg, const DdbWaitSocket *socks, int n, long timeout_ms)
{
	Waiter	   *w = arg;
	struct pollfd p[DDB_HTTP_MAX_WAIT_SOCKETS + 1];
	int			i;

	w->calls++;
	if (timeout_ms > w->max_timeout)
		w->max_timeout = timeout_ms;
	if (timeout_ms < w->min_timeout)
		w->min_timeout = timeout_ms;
	if (n > 0)
		w->with_sockets++;
	for (i = 0; i < n; i++)
	{
		int			type = 0;
		socklen_t	len = sizeof(type);

		if (getsockopt(socks[i].fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
			type != SOCK_STREAM)
			w->not_sockets++;
		p[i].fd = socks[i].fd;
		p[i].events = (short) ((socks[i].readable ? POLLIN : 0) |
							   (socks[i].writable ? POLLOUT : 0));
		p[i].revents = 0;
	}
	p[n].fd = w->latch[0];
	p[n].events = POLLIN;
	p[n].revents = 0;
	(void) poll(p, (nfds_t) n + 1, (int) timeout_ms);
	if (p[n].revents & POLLIN)
	{
		char		c;

		/* ResetLatch */
		(void) read(w->latch[0], &c, 1);
		if (w->stop_on_latch)
			return false;
	}
	return true;
}

static void
waiter_init(Waiter *w)
{
	memset(w, 0, sizeof(*w));
	w->min_timeout = 1L << 30;
	if (pipe(w->latch) != 0)
	{
		perror("pipe");
		exit(2);
	}
}

static void
waiter_free(Waiter *w)
{
	close(w->latch[0]);
	close(w->latch[1]);
}

/* Sets the "latch" after a delay, from another thread (a signal handler's part). */
typedef struct LatchSetter
{
	Waiter	   *w;
	int			after_ms;
} LatchSetter;

static void *
set_latch_later(void *arg)
{
	LatchSetter *ls = arg;
	struct timespec ts = {ls->after_ms / 1000, (ls->after_ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
	(void) write(ls->w->latch[1], "x", 1);
	return NULL;
}

static DdbHttpClient *
new_client(Waiter *w)
{
	DdbHttpConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = 2000L * time_scale;
	cfg.user_agent = "ddb_fdw-test/1.0";
	cfg.max_retries = 2;
	cfg.retry_base_ms = 1;
	cfg.retry_cap_ms = 5;
	if (w)
	{
		cfg.wait_hook = test_wait;
		cfg.wait_arg = w;
	}
	return unit_client(&cfg);
}

static const DdbHeader hdrs[1] = {{"Content-Type", "application/json"}};

static bool
post(DdbHttpClient *c, DdbHttpResponse *resp, DdbAwsError *err)
{
	ddb_aws_error_clear(err);
	return ddb_http_request(c, "POST", base_url, hdrs, 1, "{}", 2, resp, err);
}

static bool
start(DdbHttpClient *c, const char *body, DdbHttpResponse *resp, DdbAwsError *err)
{
	ddb_aws_error_clear(err);
	return ddb_http_start(c, "POST", base_url, hdrs, 1, body, strlen(body), resp, err);
}

/*
 * Waits until the server has received n requests: a request abandoned right
 * after its start may still be on its way to the server (valgrind is slow),
 * and must not take the script meant for the next one.
 */
static void
wait_seen(int n)
{
	long		t0 = now_ms();

	while (server_nseen(&srv) < n && now_ms() - t0 < 5000L * time_scale)
	{
		struct timespec ts = {0, 5 * 1000000L};

		nanosleep(&ts, NULL);
	}
}

static void
answer(const char *body, int delay_ms)
{
	Script		sc = {0};

	sc.body = body;
	sc.delay_ms = delay_ms;
	sc.auto_crc = true;
	server_push(&srv, &sc);
}

/* ----------------------------------------------------------------
 * The wait hook
 * ----------------------------------------------------------------
 */

/*
 * A server that takes 300 ms: the hook is handed the client's socket and
 * curl's timeout (never more than DDB_HTTP_MAX_WAIT_MS), and waits on it
 * rather than in 50 ms slices -- a handful of calls, not six or more.
 */
static void
test_hook_gets_sockets(void)
{
	Waiter		w;
	DdbHttpClient *c;
	DdbHttpResponse resp;
	DdbAwsError err;
	bool		ok;

	waiter_init(&w);
	c = new_client(&w);
	server_reset(&srv);
	ddb_http_response_init(&resp);
	answer("{\"slow\":1}", 300);
	ok = post(c, &resp, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"slow\":1}") == 0);
	CHECK(w.calls >= 1);
	CHECK(w.calls <= 4 * time_scale);
	CHECK(w.with_sockets >= 1);
	CHECK(w.not_sockets == 0);
	CHECK(w.min_timeout > 0);
	CHECK(w.max_timeout <= DDB_HTTP_MAX_WAIT_MS);
	CHECK(ddb_http_client_waits(c) == (unsigned long) w.calls);
	if (w.calls > 4 * time_scale)
		fprintf(stderr, "  %d waits for one 300 ms answer\n", w.calls);

	/* a latch set for something else: the wait ends, the request goes on */
	w.stop_on_latch = false;
	answer("{\"slow\":2}", 200);
	{
		LatchSetter ls = {&w, 50};
		pthread_t	t;

		pthread_create(&t, NULL, set_latch_later, &ls);
		ok = post(c, &resp, &err);
		pthread_join(t, NULL);
	}
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"slow\":2}") == 0);
	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
	waiter_free(&w);
}

/*
 * A cancel: the hook says stop as soon as its latch is set (100 ms into a
 * 5 s wait), and the request fails as aborted at once, not a slice later.
 */
static void
test_hook_stops(void)
{
	Waiter		w;
	DdbHttpClient *c;
	DdbHttpResponse resp;
	DdbAwsError err;
	LatchSetter ls;
	pthread_t	t;
	long		t0,
				elapsed;
	bool		ok;

	waiter_init(&w);
	w.stop_on_latch = true;
	c = new_client(&w);
	server_reset(&srv);
	ddb_http_response_init(&resp);
	answer("{}", 5000);
	ls.w = &w;
	ls.after_ms = 100;
	t0 = now_ms();
	pthread_create(&t, NULL, set_latch_later, &ls);
	ok = post(c, &resp, &err);
	elapsed = now_ms() - t0;
	pthread_join(t, NULL);
	CHECK(!ok);
	CHECK(err.kind == DDB_AWS_ERR_ABORTED);
	CHECK(elapsed >= 100 && elapsed < 100 + 40L * time_scale);
	if (elapsed >= 100 + 40L * time_scale)
		fprintf(stderr, "  stopped after %ld ms\n", elapsed);
	/* the hook can wait that long: no wake-ups in between */
	CHECK(w.calls <= 2);

	/* the client works again (on a new connection: the old one was cut) */
	server_reset(&srv);
	w.stop_on_latch = false;
	answer("{\"again\":1}", 0);
	ok = post(c, &resp, &err);
	CHECK_MSG(ok, err.message);
	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
	waiter_free(&w);
}

/* ----------------------------------------------------------------
 * Requests completed later
 * ----------------------------------------------------------------
 */

/*
 * A request started, work done meanwhile, then finished: the server's time
 * passed during the work, so finishing costs little.
 */
static void
test_start_finish(void)
{
	Waiter		w;
	DdbHttpClient *c;
	DdbHttpResponse resp;
	DdbAwsError err;
	struct timespec work = {0, 250 * 1000000L};
	long		t0,
				start_ms,
				finish_ms;
	bool		ok;

	waiter_init(&w);
	c = new_client(&w);
	server_reset(&srv);
	ddb_http_response_init(&resp);
	/* a first request: the second reuses the connection, as a scan's do */
	answer("{\"page\":1}", 0);
	ok = start(c, "{\"ask\":1}", &resp, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ddb_http_finish(c, &resp, &err));
	answer("{\"page\":2}", 200);
	CHECK(!ddb_http_started(&resp));
	t0 = now_ms();
	ok = start(c, "{\"ask\":2}", &resp, &err);
	start_ms = now_ms() - t0;
	CHECK_MSG(ok, err.message);
	/* the start only sends: it does not wait for the server */
	CHECK(start_ms < 100L * time_scale);
	if (start_ms >= 100L * time_scale)
		fprintf(stderr, "  start took %ld ms\n", start_ms);
	CHECK(ddb_http_started(&resp));
	nanosleep(&work, NULL);		/* the caller decodes the last page */
	t0 = now_ms();
	ok = ddb_http_finish(c, &resp, &err);
	finish_ms = now_ms() - t0;
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"page\":2}") == 0);
	CHECK(!ddb_http_started(&resp));
	CHECK(finish_ms < 100L * time_scale);
	if (finish_ms >= 100L * time_scale)
		fprintf(stderr, "  finish took %ld ms after the work\n", finish_ms);
	/* the body went as sent (the client's copy) */
	CHECK(server_nseen(&srv) == 2 &&
		  strcmp(server_seen(&srv, -1)->body, "{\"ask\":2}") == 0);

	/* finishing again, or without a start: an error, not a hang */
	ok = ddb_http_finish(c, &resp, &err);
	CHECK(!ok && err.kind == DDB_AWS_ERR_INVALID);
	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
	waiter_free(&w);
}

/*
 * A request for another response while one is under way: the first is
 * completed for its owner, then the second goes; both get their own answer,
 * on the one connection.
 */
static void
test_other_request_meanwhile(void)
{
	DdbHttpClient *c = new_client(NULL);
	DdbHttpResponse a,
				b;
	DdbAwsError err;
	bool		ok;
	int			accepts;

	server_reset(&srv);
	accepts = server_accepts(&srv);
	ddb_http_response_init(&a);
	ddb_http_response_init(&b);
	answer("{\"who\":\"a\"}", 100);
	answer("{\"who\":\"b\"}", 0);
	ok = start(c, "{\"a\":1}", &a, &err);
	CHECK_MSG(ok, err.message);
	ok = post(c, &b, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(b.body.data, "{\"who\":\"b\"}") == 0);
	CHECK(ddb_http_started(&a));
	ok = ddb_http_finish(c, &a, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(a.body.data, "{\"who\":\"a\"}") == 0);
	CHECK(server_accepts(&srv) == accepts + 1);

	/* a failure of the settled request is kept for its owner too */
	{
		Script		sc = {0};

		/* cut short: curl does not send it again by itself */
		sc.action = PARTIAL;
		sc.body = "{\"who\":\"a\"}";
		sc.partial_len = 4;
		server_push(&srv, &sc);
	}
	answer("{\"who\":\"b\"}", 0);
	ok = start(c, "{\"a\":2}", &a, &err);
	CHECK_MSG(ok, err.message);
	ok = post(c, &b, &err);
	CHECK_MSG(ok, err.message);
	ok = ddb_http_finish(c, &a, &err);
	CHECK(!ok && err.kind == DDB_AWS_ERR_TRANSPORT);
	ddb_http_response_free(&a);
	ddb_http_response_free(&b);
	ddb_http_client_destroy(c);
}

/* Abandoned: returns at once; the client goes on (on a new connection). */
static void
test_abandon(void)
{
	DdbHttpClient *c = new_client(NULL);
	DdbHttpResponse resp;
	DdbAwsError err;
	long		t0;
	bool		ok;
	int			accepts;

	server_reset(&srv);
	ddb_http_response_init(&resp);
	answer("{}", 0);
	CHECK(post(c, &resp, &err));
	accepts = server_accepts(&srv);
	answer("{\"never\":1}", 1000);
	ok = start(c, "{}", &resp, &err);
	CHECK_MSG(ok, err.message);
	t0 = now_ms();
	ddb_http_abandon(c, &resp);
	wait_seen(2);
	CHECK(now_ms() - t0 < 50L * time_scale);
	CHECK(!ddb_http_started(&resp));
	CHECK(resp.body.len == 0);
	/* never started: harmless */
	ddb_http_abandon(c, &resp);
	ddb_http_client_drop(c);
	server_reset(&srv);
	answer("{\"next\":1}", 0);
	ok = post(c, &resp, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"next\":1}") == 0);
	CHECK(server_accepts(&srv) == accepts + 1);

	/* dropped by the client's owner (a transaction's abort) */
	answer("{\"never\":2}", 1000);
	ok = start(c, "{}", &resp, &err);
	CHECK_MSG(ok, err.message);
	ddb_http_client_drop(c);
	CHECK(!ddb_http_started(&resp));
	wait_seen(2);
	server_reset(&srv);			/* the server is done with it */
	ddb_http_response_free(&resp);
	ddb_http_client_destroy(c);
}

/* ----------------------------------------------------------------
 * DynamoDB calls in two steps
 * ----------------------------------------------------------------
 */
static void
test_dynamodb_two_steps(void)
{
	DdbHttpClient *c = new_client(NULL);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) "AKIDEXAMPLE", (char *) "secret", NULL, 0};
	DdbDynamoCall call;
	DdbHttpResponse resp;
	DdbAwsError err;
	Script		sc = {0};
	static const char body[] = "{\"TableName\":\"t\"}";
	unsigned long retries;
	bool		ok;

	if (!ddb_aws_service_init(&svc, c, base_url, "us-east-1", "dynamodb", &err))
	{
		fprintf(stderr, "service: %s\n", err.message);
		exit(2);
	}
	server_reset(&srv);
	ddb_http_response_init(&resp);

	/* a 500 first: finish retries it (signed again), the answer is the 200 */
	sc.status = 500;
	sc.body = "{\"__type\":\"InternalServerError\",\"message\":\"x\"}";
	server_push(&srv, &sc);
	answer("{\"Items\":[],\"Count\":0}", 0);
	retries = ddb_http_client_retries(c);
	ddb_dynamodb_start(&call, &svc, &creds, "Scan", body, strlen(body), &resp, false);
	ok = ddb_dynamodb_finish(&call, &creds, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"Items\":[],\"Count\":0}") == 0);
	CHECK(ddb_http_client_retries(c) == retries + 1);
	CHECK(server_nseen(&srv) == 2);
	CHECK(seen_header_is(server_seen(&srv, -1), "X-Amz-Target", "DynamoDB_20120810.Scan"));
	CHECK(strcmp(server_seen(&srv, -1)->body, body) == 0);

	/* without the pre-check a cut-short 200 body is the caller's to judge */
	answer("{\"Items\":[{\"a\"", 0);
	ddb_dynamodb_start(&call, &svc, &creds, "Scan", body, strlen(body), &resp, false);
	ok = ddb_dynamodb_finish(&call, &creds, &err);
	CHECK_MSG(ok, err.message);
	/* ... who asks again: a retry, counted */
	answer("{\"Items\":[],\"Count\":0}", 0);
	retries = ddb_http_client_retries(c);
	ddb_aws_error_set(&err, DDB_AWS_ERR_MALFORMED, "cut short");
	ok = ddb_dynamodb_retry(&call, &creds, &err);
	CHECK_MSG(ok, err.message);
	CHECK(ok && strcmp(resp.body.data, "{\"Items\":[],\"Count\":0}") == 0);
	CHECK(ddb_http_client_retries(c) == retries + 1);
	/* until no retry is left (max_retries 2: attempts 2 and 3 are gone) */
	answer("{\"Items\":[],\"Count\":0}", 0);
	ddb_aws_error_set(&err, DDB_AWS_ERR_MALFORMED, "cut short");
	CHECK(ddb_dynamodb_retry(&call, &creds, &err));
	ddb_aws_error_set(&err, DDB_AWS_ERR_MALFORMED, "cut short");
	ok = ddb_dynamodb_retry(&call, &creds, &err);
	CHECK(!ok && err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK(strstr(err.message, "gave up after 3 attempts") != NULL);

	/* with the pre-check (ddb_dynamodb_call's way) the same body is retried */
	server_reset(&srv);
	answer("{\"Items\":[{\"a\"", 0);
	answer("{\"Count\":0}", 0);
	ddb_dynamodb_start(&call, &svc, &creds, "Scan", body, strlen(body), &resp, true);
	ok = ddb_dynamodb_finish(&call, &creds, &err);
	CHECK_MSG(ok, err.message);
	CHECK(server_nseen(&srv) == 2);

	/* abandoned: nothing under way afterwards */
	answer("{}", 1000);
	ddb_dynamodb_start(&call, &svc, &creds, "Scan", body, strlen(body), &resp, false);
	ddb_dynamodb_abandon(&call);
	CHECK(!ddb_http_started(&resp));
	wait_seen(3);
	server_reset(&srv);

	ddb_http_response_free(&resp);
	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(c);
}

int
main(void)
{
	long		t0 = now_ms();

	if (getenv("UNIT_VALGRIND") != NULL)
		time_scale = 8;
	unit_network_init();
	server_start(&srv);
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d/", srv.port);

	test_hook_gets_sockets();
	test_hook_stops();
	test_start_finish();
	test_other_request_meanwhile();
	test_abandon();
	test_dynamodb_two_steps();

	server_stop(&srv);
	printf("test_http_wait: %ld ms\n", now_ms() - t0);
	return unit_report("test_http_wait");
}
