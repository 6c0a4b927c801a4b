/*-------------------------------------------------------------------------
 *
 * http.c
 *		HTTP client of the AWS layer, on libcurl.
 *
 * A request runs on a curl multi handle so that we keep control while it
 * waits: curl_multi_poll() sleeps at most DDB_HTTP_POLL_MS, then the abort
 * hook is asked whether to go on.  Callbacks only record what they see;
 * errors are reported after curl returns (never from inside a callback).
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

#include <curl/curl.h>

#include "http.h"

struct DdbHttpClient
{
	CURLM	   *multi;
	CURL	   *easy;
	DdbHttpConfig cfg;
	char	   *user_agent;
	long		connections;
	unsigned long retries;		/* backoffs waited */
	uint64_t	rng;			/* xorshift64* state for the jitter */
};

/* State shared with the curl callbacks during one request. */
typedef struct RequestState
{
	DdbHttpResponse *resp;
	CURL	   *easy;
	size_t		max_bytes;		/* the body's cap for this request */
	bool		no_proxy;
	bool		sized;			/* the body was sized from Content-Length */
	bool		too_large;
} RequestState;

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

/* Clears what the last request left in resp; its settings stay. */
static void
response_reset(DdbHttpResponse *resp)
{
	ddb_http_response_release(resp);
	ddb_buf_reset(&resp->body);
	resp->status = 0;
	resp->has_crc32 = false;
	resp->crc32_invalid = false;
	resp->crc32 = 0;
	resp->request_id[0] = resp->error_type[0] = resp->content_type[0] = '\0';
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	RequestState *st = userdata;
	DdbBuf	   *body = &st->resp->body;
	size_t		n = size * nmemb;

	if (body->len + n > st->max_bytes)
	{
		st->too_large = true;
		return 0;				/* makes curl fail with CURLE_WRITE_ERROR */
	}
	/* a declared length (within the cap) sizes the buffer once, exactly */
	if (!st->sized)
	{
		curl_off_t	cl = -1;

		st->sized = true;
		if (curl_easy_getinfo(st->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
			cl > 0 && (uint64_t) cl <= (uint64_t) st->max_bytes)
			(void) ddb_buf_reserve_max(body, (size_t) cl, (size_t) cl);
	}
	/* never a block past the cap: a 64 MiB answer must not take 128 MiB */
	if (!ddb_buf_reserve_max(body, n, st->max_bytes))
		return 0;
	ddb_buf_append(body, data, n);
	if (!ddb_buf_ok(body))
		return 0;
	return n;
}

/* Copies a header value (trimmed) into a fixed buffer. */
static void
copy_header_value(char *dst, size_t dstlen, const char *v, size_t len)
{
	while (len > 0 && ddb_isspace((unsigned char) *v))
	{
		v++;
		len--;
	}
	while (len > 0 && ddb_isspace((unsigned char) v[len - 1]))
		len--;
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static bool
header_is(const char *line, size_t len, const char *name, size_t *vstart)
{
	size_t		n = strlen(name);

	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return false;
	*vstart = n + 1;
	return true;
}

static size_t
header_cb(char *line, size_t size, size_t nmemb, void *userdata)
{
	RequestState *st = userdata;
	DdbHttpResponse *r = st->resp;
	size_t		len = size * nmemb;
	size_t		v;

	/* a new status line (e.g. after 100 Continue) starts a new header set */
	if (len > 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		r->has_crc32 = false;
		r->crc32_invalid = false;
		r->request_id[0] = r->error_type[0] = r->content_type[0] = '\0';
		return len;
	}
	if (header_is(line, len, "x-amz-crc32", &v))
	{
		char		tmp[32];
		char	   *end;
		unsigned long long val;

		copy_header_value(tmp, sizeof(tmp), line + v, len - v);
		r->has_crc32 = true;
		val = strtoull(tmp, &end, 10);
		if (tmp[0] == '\0' || *end != '\0' || val > 0xFFFFFFFFULL ||
			!ddb_isdigit((unsigned char) tmp[0]))
			r->crc32_invalid = true;
		else
			r->crc32 = (uint32_t) val;
	}
	else if (header_is(line, len, "x-amzn-requestid", &v))
		copy_header_value(r->request_id, sizeof(r->request_id), line + v, len - v);
	else if (header_is(line, len, "x-amzn-errortype", &v))
		copy_header_value(r->error_type, sizeof(r->error_type), line + v, len - v);
	else if (header_is(line, len, "content-type", &v))
		copy_header_value(r->content_type, sizeof(r->content_type), line + v, len - v);
	return len;
}

static DdbAwsErrorKind
classify_curl_error(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
			return DDB_AWS_ERR_CONNECT;
		case CURLE_OPERATION_TIMEDOUT:
			return DDB_AWS_ERR_TIMEOUT;
		case CURLE_OUT_OF_MEMORY:
			return DDB_AWS_ERR_OOM;
		case CURLE_FILESIZE_EXCEEDED:
			return DDB_AWS_ERR_TOO_LARGE;
		default:
			return DDB_AWS_ERR_TRANSPORT;
	}
}

/*
 * Frees a curl header list, wiping every line first: they may carry
 * X-Amz-Security-Token, Authorization or a metadata token.
 *
 * XXX libcurl copies the lines once more into its own request buffer, and
 * OpenSSL into its record buffers; those are freed unwiped, out of reach
 * short of curl_global_init_mem() with wiping allocators for the whole
 * process.
 */
static void
free_headers(struct curl_slist *list)
{
	struct curl_slist *n;

	for (n = list; n != NULL; n = n->next)
		if (n->data)
			ddb_wipe(n->data, strlen(n->data));
	curl_slist_free_all(list);
}

/* Builds the curl header list; returns false on allocation failure. */
static bool
build_headers(const DdbHeader *headers, int nheaders, struct curl_slist **list)
{
	DdbBuf		line;
	int			i;

	*list = NULL;
	/* a line may hold a token: no copies left behind */
	ddb_buf_init_secret(&line);
	for (i = 0; i < nheaders; i++)
	{
		struct curl_slist *n;

		ddb_buf_reset(&line);
		ddb_buf_printf(&line, "%s: %s", headers[i].name, headers[i].value);
		if (!ddb_buf_ok(&line) ||
			(n = curl_slist_append(*list, line.data)) == NULL)
			goto fail;
		*list = n;
	}
	/* no "Expect: 100-continue" round trip before larger bodies */
	{
		struct curl_slist *n = curl_slist_append(*list, "Expect:");

		if (n == NULL)
			goto fail;
		*list = n;
	}
	ddb_buf_free(&line);
	return true;

fail:
	ddb_buf_free(&line);
	free_headers(*list);
	*list = NULL;
	return false;
}

static void
set_request_options(DdbHttpClient *c, const char *method, const char *url,
					struct curl_slist *hdrs, const void *body, size_t body_len,
					RequestState *st, char *errbuf)
{
	CURL	   *e = c->easy;

	curl_easy_setopt(e, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->cfg.request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, st);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, st);
	/* the CRC covers the body as sent: never let curl decode it */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	/* a declared length over the cap fails before the body is read */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) st->max_bytes);
	/*
	 * "" overrides the proxy variables of the environment; NULL restores
	 * them (the handle keeps options from one request to the next).
	 */
	curl_easy_setopt(e, CURLOPT_PROXY, st->no_proxy ? "" : NULL);
	curl_easy_setopt(e, CURLOPT_NOPROXY, st->no_proxy ? "*" : NULL);

	if (strcmp(method, "GET") == 0)
	{
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	else
	{
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body_len > 0 ? body : "");
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
						 strcmp(method, "POST") == 0 ? NULL : method);
	}
}

/* A header whose name or value breaks the line would inject headers. */
static bool
check_headers(const DdbHeader *headers, int nheaders, DdbAwsError *err)
{
	int			i;

	for (i = 0; i < nheaders; i++)
		if (strpbrk(headers[i].value, "\r\n") != NULL ||
			strpbrk(headers[i].name, "\r\n:") != NULL)
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "HTTP header \"%.64s\" contains a line break", headers[i].name);
			return false;
		}
	return true;
}

static bool
too_large(DdbHttpResponse *resp, size_t max_bytes, DdbAwsError *err)
{
	/* nothing of it is of use, and it may be large */
	ddb_buf_free(&resp->body);
	ddb_aws_error_set(err, DDB_AWS_ERR_TOO_LARGE,
					  "response larger than the %zu bytes accepted for this request",
					  max_bytes);
	return false;
}

/*
 * Runs the transfer set up on the client's easy handle until it completes,
 * fails or the abort hook says stop.  *done and *rc report curl's result
 * when the transfer completed; returns the last multi-interface code.
 */
static CURLMcode
run_transfer(DdbHttpClient *client, bool *done, CURLcode *rc, bool *aborted)
{
	CURLMcode	mc;
	int			running = 0;

	mc = curl_multi_add_handle(client->multi, client->easy);
	while (mc == CURLM_OK)
	{
		CURLMsg    *msg;
		int			left;

		mc = curl_multi_perform(client->multi, &running);
		if (mc != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(client->multi, &left)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == client->easy)
			{
				*rc = msg->data.result;
				*done = true;
			}
		}
		if (*done || running == 0)
			break;
		if (client->cfg.abort_hook &&
			client->cfg.abort_hook(client->cfg.abort_arg))
		{
			*aborted = true;
			break;
		}
		mc = curl_multi_poll(client->multi, NULL, 0, DDB_HTTP_POLL_MS, NULL);
	}
	return mc;
}

bool
ddb_http_request(DdbHttpClient *client, const char *method, const char *url,
				 const DdbHeader *headers, int nheaders, const void *body,
				 size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	struct curl_slist *hdrs;
	RequestState st;
	char		errbuf[CURL_ERROR_SIZE];
	CURLMcode	mc;
	CURLcode	rc = CURLE_OK;
	bool		aborted = false;
	bool		done = false;
	long		nconn = 0;

	/* reuse the body buffer's memory unless it grew large */
	response_reset(resp);
	memset(&st, 0, sizeof(st));
	st.resp = resp;
	st.easy = client->easy;
	st.max_bytes = client->cfg.max_response_bytes;
	if (resp->max_bytes > 0 && resp->max_bytes < st.max_bytes)
		st.max_bytes = resp->max_bytes;
	st.no_proxy = client->cfg.no_proxy || resp->no_proxy;
	if (client->cfg.abort_hook &&
		client->cfg.abort_hook(client->cfg.abort_arg))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		return false;
	}
	if (!check_headers(headers, nheaders, err))
		return false;
	if (client->cfg.transport)
	{
		/* the cap holds for a test transport too, after the fact */
		if (!client->cfg.transport(client->cfg.transport_arg, method, url,
								   headers, nheaders, body, body_len, resp, err))
			return false;
		if (resp->body.len > st.max_bytes)
			return too_large(resp, st.max_bytes, err);
		return true;
	}
	if (!build_headers(headers, nheaders, &hdrs))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}

	errbuf[0] = '\0';
	set_request_options(client, method, url, hdrs, body, body_len, &st, errbuf);
	mc = run_transfer(client, &done, &rc, &aborted);
	if (curl_easy_getinfo(client->easy, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK)
		client->connections += nconn;
	/* removing an unfinished transfer closes its connection */
	curl_multi_remove_handle(client->multi, client->easy);
	curl_easy_setopt(client->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(client->easy, CURLOPT_ERRORBUFFER, NULL);
	free_headers(hdrs);

	if (aborted)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		return false;
	}
	if (mc != CURLM_OK)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_TRANSPORT, "HTTP client failure: %s",
						  curl_multi_strerror(mc));
		return false;
	}
	if (!done)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_TRANSPORT,
						  "HTTP transfer ended without a result");
		return false;
	}
	if (st.too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return too_large(resp, st.max_bytes, err);
	if (!ddb_buf_ok(&resp->body))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory reading response");
		return false;
	}
	if (rc != CURLE_OK)
	{
		ddb_aws_error_set(err, classify_curl_error(rc), "%s",
						  errbuf[0] ? errbuf : curl_easy_strerror(rc));
		/* curl's buffer may end with a newline */
		{
			size_t		n = strlen(err->message);

			while (n > 0 && (err->message[n - 1] == '\n' || err->message[n - 1] == '\r'))
				err->message[--n] = '\0';
		}
		return false;
	}
	curl_easy_getinfo(client->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	/* make the body a valid (possibly empty) C string */
	ddb_buf_append(&resp->body, "", 0);
	if (!ddb_buf_ok(&resp->body))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory reading response");
		return false;
	}
	return true;
}
