/*-------------------------------------------------------------------------
 *
 * http.c
 *		HTTP client of the AWS layer, on libcurl.
 *
 * A request runs on a curl multi handle so that we keep control while it
 * waits: the wait hook gets the sockets curl wants (curl_multi_fdset) and
 * curl's own timeout, and waits on them together with whatever else its
 * caller must notice (the backend's latch); without a hook,
 * curl_multi_poll() sleeps at most DDB_HTTP_POLL_MS, then the abort hook is
 * asked whether to go on.  A request may stay under way between
 * ddb_http_start and ddb_http_finish; its transfer state lives in the
 * client.  Callbacks only record what they see; errors are reported after
 * curl returns (never from inside a callback).
 *
 * IDENTIFICATION
 *		src/aws/http.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/select.h>

#include <curl/curl.h>

#include "http_int.h"

static bool curl_ready = false;

bool
ddb_http_global_init(DdbAwsError *err)
{
	CURLcode	rc;

	if (curl_ready)
		return true;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "could not initialize libcurl: %s",
						  curl_easy_strerror(rc));
		return false;
	}
	curl_ready = true;
	return true;
}

DdbHttpClient *
ddb_http_client_create(const DdbHttpConfig *cfg, DdbAwsError *err)
{
	DdbHttpClient *c;

	if (!ddb_http_global_init(err))
		return NULL;
	c = calloc(1, sizeof(DdbHttpClient));
	if (c == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->rng = ((uint64_t) time(NULL) << 20) ^ (uint64_t) (uintptr_t) c ^ (uint64_t) getpid();
	if (c->rng == 0)
		c->rng = 0x9e3779b97f4a7c15ULL;
	if (c->cfg.max_response_bytes == 0)
		c->cfg.max_response_bytes = DDB_HTTP_MAX_SERVICE_RESPONSE;
	c->user_agent = strdup(cfg->user_agent ? cfg->user_agent : "ddb_fdw");
	c->cfg.user_agent = NULL;
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (c->user_agent == NULL || c->multi == NULL || c->easy == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM,
						  "could not create an HTTP client");
		ddb_http_client_destroy(c);
		return NULL;
	}
	/* one connection per client is all we use; keep it */
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 1L);
	return c;
}

void
ddb_http_client_destroy(DdbHttpClient *client)
{
	if (client == NULL)
		return;
	ddb_http_release_transfer(client);
	if (client->easy)
		curl_easy_cleanup(client->easy);
	if (client->multi)
		curl_multi_cleanup(client->multi);
	free(client->user_agent);
	free(client);
}

/* A random number in [0, 1) (xorshift64*). */
static double
next_random(DdbHttpClient *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double) ((c->rng * 0x2545F4914F6CDD1DULL) >> 11) / (double) (1ULL << 53);
}

static bool
default_sleep(void *arg, long ms)
{
	struct timespec ts;

	(void) arg;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return true;
}

bool
ddb_http_backoff(DdbHttpClient *client, int attempt, DdbAwsError *err)
{
	double		ceiling;
	long		ms;
	bool		slept;

	if (attempt > client->cfg.max_retries)
	{
		if (attempt > 1)
		{
			size_t		len = strlen(err->message);

			snprintf(err->message + len, sizeof(err->message) - len,
					 " (gave up after %d attempts)", attempt);
		}
		return false;
	}
	ceiling = (double) client->cfg.retry_base_ms * (double) (1UL << (attempt - 1 < 30 ? attempt - 1 : 30));
	if (ceiling > (double) client->cfg.retry_cap_ms)
		ceiling = (double) client->cfg.retry_cap_ms;
	ms = (long) (next_random(client) * ceiling);
	client->retries++;
	slept = client->cfg.sleep_hook ?
		client->cfg.sleep_hook(client->cfg.sleep_arg, ms) :
		default_sleep(NULL, ms);
	if (!slept)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "canceled while waiting to retry");
		return false;
	}
	return true;
}

unsigned long
ddb_http_client_retries(const DdbHttpClient *client)
{
	return client->retries;
}

void
ddb_http_client_set_abort_hook(DdbHttpClient *client, DdbAbortHook hook,
							   void *arg)
{
	client->cfg.abort_hook = hook;
	client->cfg.abort_arg = arg;
}

void
ddb_http_client_set_wait_hook(DdbHttpClient *client, DdbWaitHook hook,
							  void *arg)
{
	client->cfg.wait_hook = hook;
	client->cfg.wait_arg = arg;
}

unsigned long
ddb_http_client_waits(const DdbHttpClient *client)
{
	return client->waits;
}

long
ddb_http_client_connections(const DdbHttpClient *client)
{
	return client->connections;
}

void
ddb_http_response_init(DdbHttpResponse *resp)
{
	memset(resp, 0, sizeof(*resp));
	ddb_buf_init(&resp->body);
}

void
ddb_http_response_init_secret(DdbHttpResponse *resp)
{
	ddb_http_response_init(resp);
	ddb_buf_init_secret(&resp->body);
	resp->max_bytes = DDB_HTTP_MAX_CONTROL_RESPONSE;
}

void
ddb_http_response_free(DdbHttpResponse *resp)
{
	size_t		max_bytes = resp->max_bytes;
	bool		no_proxy = resp->no_proxy;
	bool		secret = resp->body.secret;

	ddb_buf_free(&resp->body);
	ddb_http_response_init(resp);
	resp->max_bytes = max_bytes;
	resp->no_proxy = no_proxy;
	resp->body.secret = secret;
}

void
ddb_http_response_release(DdbHttpResponse *resp)
{
	if (resp->body.cap > DDB_HTTP_KEEP_BUFFER_BYTES)
		ddb_buf_free(&resp->body);
}
