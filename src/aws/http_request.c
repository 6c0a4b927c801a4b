/*-------------------------------------------------------------------------
 *
 * http_request.c
 *		One HTTP request of the AWS layer's client (see http.h): curl's
 *		set-up and callbacks, starting a transfer, waiting for it through
 *		the wait hook (or in poll slices) and judging its outcome.
 *
 * A transfer stays under way between ddb_http_start and ddb_http_finish,
 * its state in the client (one at a time): a request for another response
 * first completes it and keeps its outcome in its response.  Callbacks
 * only record what they see; errors are reported after curl returns (never
 * from inside a callback).
 *
 * IDENTIFICATION
 *		src/aws/http_request.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>

#include "http_int.h"

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

void
ddb_http_release_transfer(DdbHttpClient *c)
{
	if (c->in_multi)
	{
		long		nconn = 0;

		if (curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK)
			c->connections += nconn;
		curl_multi_remove_handle(c->multi, c->easy);
		c->in_multi = false;
	}
	if (c->easy)
	{
		curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
	}
	if (c->hdrs)
		free_headers(c->hdrs);
	c->hdrs = NULL;
	free(c->post_body);
	c->post_body = NULL;
	if (c->active && c->active->http_state == RESP_ACTIVE)
		c->active->http_state = RESP_IDLE;
	c->active = NULL;
	c->done = false;
	c->rc = CURLE_OK;
}

/* Reads curl's messages: records the end of our transfer. */
static void
read_messages(DdbHttpClient *c)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
	{
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->easy)
		{
			c->rc = msg->data.result;
			c->done = true;
		}
	}
}

/*
 * Waits for the sockets curl wants through the wait hook: false when the
 * hook says stop.  curl's own timeout bounds the wait (its request and
 * connect timeouts, its internal timers); with no socket to watch (a
 * resolver between steps) at most 100 ms, as curl advises.
 */
static bool
wait_with_hook(DdbHttpClient *c, CURLMcode *mc)
{
	fd_set		rd,
				wr,
				ex;
	int			maxfd = -1;
	long		timeout = -1;
	DdbWaitSocket socks[DDB_HTTP_MAX_WAIT_SOCKETS];
	int			n = 0;
	int			fd;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	*mc = curl_multi_fdset(c->multi, &rd, &wr, &ex, &maxfd);
	if (*mc != CURLM_OK)
		return true;
	*mc = curl_multi_timeout(c->multi, &timeout);
	if (*mc != CURLM_OK)
		return true;
	if (timeout < 0 || timeout > DDB_HTTP_MAX_WAIT_MS)
		timeout = DDB_HTTP_MAX_WAIT_MS;
	if (maxfd < 0 && timeout > 100)
		timeout = 100;
	if (timeout == 0)
		return true;			/* curl has work to do now */
	for (fd = 0; fd <= maxfd && n < DDB_HTTP_MAX_WAIT_SOCKETS; fd++)
	{
		bool		r = FD_ISSET(fd, &rd) || FD_ISSET(fd, &ex);
		bool		w = FD_ISSET(fd, &wr);

		if (!r && !w)
			continue;
		socks[n].fd = fd;
		socks[n].readable = r;
		socks[n].writable = w;
		n++;
	}
	c->waits++;
	return c->cfg.wait_hook(c->cfg.wait_arg, socks, n, timeout);
}

/*
 * Whether the request has gone out whole (head and body): then the server
 * works on it whether or not we drive curl.
 */
static bool
request_sent(DdbHttpClient *c)
{
	curl_off_t	up = 0;
	long		head = 0;

	if (curl_easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &head) != CURLE_OK ||
		head <= 0)
		return false;
	if (curl_easy_getinfo(c->easy, CURLINFO_SIZE_UPLOAD_T, &up) != CURLE_OK)
		return false;
	return up >= (curl_off_t) c->post_len;
}

/*
 * Drives the client's transfer until it completes, fails or is to stop
 * (the abort hook, or the wait hook's answer: *aborted); with until_sent,
 * only until the request has gone out (connecting first if need be: after
 * a start).  Returns the last multi-interface code.
 */
static CURLMcode
drive_transfer(DdbHttpClient *c, bool until_sent, bool *aborted)
{
	CURLMcode	mc = CURLM_OK;
	int			running = 0;

	while (mc == CURLM_OK)
	{
		mc = curl_multi_perform(c->multi, &running);
		if (mc != CURLM_OK)
			break;
		read_messages(c);
		if (c->done || running == 0 || (until_sent && request_sent(c)))
			break;
		if (c->cfg.abort_hook &&
			c->cfg.abort_hook(c->cfg.abort_arg))
		{
			*aborted = true;
			break;
		}
		if (c->cfg.wait_hook)
		{
			if (!wait_with_hook(c, &mc))
			{
				*aborted = true;
				break;
			}
		}
		else
		{
			c->waits++;
			mc = curl_multi_poll(c->multi, NULL, 0, DDB_HTTP_POLL_MS, NULL);
		}
	}
	return mc;
}

/*
 * Sets up and starts a transfer on the client (which has none under way):
 * false with err filled in when it could not start.
 */
static bool
begin_transfer(DdbHttpClient *c, const char *method, const char *url,
			   const DdbHeader *headers, int nheaders, const void *body,
			   size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	RequestState *st = &c->st;
	bool		aborted = false;
	CURLMcode	mc;

	/* reuse the body buffer's memory unless it grew large */
	response_reset(resp);
	memset(st, 0, sizeof(*st));
	st->resp = resp;
	st->easy = c->easy;
	st->max_bytes = c->cfg.max_response_bytes;
	if (resp->max_bytes > 0 && resp->max_bytes < st->max_bytes)
		st->max_bytes = resp->max_bytes;
	st->no_proxy = c->cfg.no_proxy || resp->no_proxy;
	if (c->cfg.abort_hook && c->cfg.abort_hook(c->cfg.abort_arg))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		return false;
	}
	if (!check_headers(headers, nheaders, err))
		return false;
	if (!build_headers(headers, nheaders, &c->hdrs))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	/* our own copy: the caller's body may be gone by the time curl sends */
	if (body_len > 0)
	{
		c->post_body = malloc(body_len);
		if (c->post_body == NULL)
		{
			ddb_http_release_transfer(c);
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
			return false;
		}
		memcpy(c->post_body, body, body_len);
	}
	c->errbuf[0] = '\0';
	c->done = false;
	c->rc = CURLE_OK;
	set_request_options(c, method, url, c->hdrs, c->post_body, body_len, st,
						c->errbuf);
	mc = curl_multi_add_handle(c->multi, c->easy);
	if (mc != CURLM_OK)
	{
		ddb_http_release_transfer(c);
		ddb_aws_error_set(err, DDB_AWS_ERR_TRANSPORT, "HTTP client failure: %s",
						  curl_multi_strerror(mc));
		return false;
	}
	c->in_multi = true;
	c->active = resp;
	resp->http_state = RESP_ACTIVE;
	/*
	 * Send it now (connecting first if need be), so that the server works
	 * while our caller does; the answer is read at ddb_http_finish.  An
	 * abort or failure here is what finish reports.
	 */
	c->post_len = body_len;
	mc = drive_transfer(c, true, &aborted);
	if (aborted || mc != CURLM_OK)
	{
		ddb_http_release_transfer(c);
		if (aborted)
			ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		else
			ddb_aws_error_set(err, DDB_AWS_ERR_TRANSPORT, "HTTP client failure: %s",
							  curl_multi_strerror(mc));
		return false;
	}
	return true;
}

/*
 * Completes the client's transfer (waiting as needed), releases it and
 * returns ddb_http_request's result for its response.
 */
static bool
complete_transfer(DdbHttpClient *c, DdbAwsError *err)
{
	DdbHttpResponse *resp = c->active;
	bool		aborted = false;
	bool		too_large_seen;
	size_t		max_bytes = c->st.max_bytes;
	bool		done;
	CURLcode	rc;
	CURLMcode	mc;

	mc = drive_transfer(c, false, &aborted);
	done = c->done;
	rc = c->rc;
	too_large_seen = c->st.too_large;
	if (done && rc == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	if (done && rc != CURLE_OK && !too_large_seen && rc != CURLE_FILESIZE_EXCEEDED)
	{
		size_t		n;

		ddb_aws_error_set(err, classify_curl_error(rc), "%s",
						  c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		/* curl's buffer may end with a newline */
		n = strlen(err->message);
		while (n > 0 && (err->message[n - 1] == '\n' || err->message[n - 1] == '\r'))
			err->message[--n] = '\0';
	}
	ddb_http_release_transfer(c);

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
	if (too_large_seen || rc == CURLE_FILESIZE_EXCEEDED)
		return too_large(resp, max_bytes, err);
	if (!ddb_buf_ok(&resp->body))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory reading response");
		return false;
	}
	if (rc != CURLE_OK)
		return false;			/* err filled in above */
	/* make the body a valid (possibly empty) C string */
	ddb_buf_append(&resp->body, "", 0);
	if (!ddb_buf_ok(&resp->body))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory reading response");
		return false;
	}
	return true;
}

/*
 * Completes the transfer under way for another response, keeping its
 * outcome in that response for its own ddb_http_finish.
 */
static void
settle_active(DdbHttpClient *c)
{
	DdbHttpResponse *other = c->active;

	if (other == NULL)
	{
		ddb_http_release_transfer(c);	/* a leftover, e.g. after a longjmp */
		return;
	}
	ddb_aws_error_clear(&other->settled_err);
	other->settled_ok = complete_transfer(c, &other->settled_err);
	other->http_state = RESP_SETTLED;
}

/* Runs a test transport in place of curl (its result, the cap applied). */
static bool
run_transport(DdbHttpClient *c, const char *method, const char *url,
			  const DdbHeader *headers, int nheaders, const void *body,
			  size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	size_t		max_bytes = c->cfg.max_response_bytes;

	if (resp->max_bytes > 0 && resp->max_bytes < max_bytes)
		max_bytes = resp->max_bytes;
	response_reset(resp);
	if (c->cfg.abort_hook && c->cfg.abort_hook(c->cfg.abort_arg))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		return false;
	}
	if (!check_headers(headers, nheaders, err))
		return false;
	/* the cap holds for a test transport too, after the fact */
	if (!c->cfg.transport(c->cfg.transport_arg, method, url,
						  headers, nheaders, body, body_len, resp, err))
		return false;
	if (resp->body.len > max_bytes)
		return too_large(resp, max_bytes, err);
	return true;
}

bool
ddb_http_start(DdbHttpClient *client, const char *method, const char *url,
			   const DdbHeader *headers, int nheaders, const void *body,
			   size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	if (resp->http_state != RESP_IDLE)
		ddb_http_abandon(client, resp);
	if (client->active != NULL || client->in_multi)
		settle_active(client);
	if (client->cfg.transport)
	{
		/* a test transport answers at once: the outcome waits in resp */
		ddb_aws_error_clear(&resp->settled_err);
		resp->settled_ok = run_transport(client, method, url, headers, nheaders,
										 body, body_len, resp, &resp->settled_err);
		resp->http_state = RESP_SETTLED;
		return true;
	}
	return begin_transfer(client, method, url, headers, nheaders, body,
						  body_len, resp, err);
}

bool
ddb_http_finish(DdbHttpClient *client, DdbHttpResponse *resp, DdbAwsError *err)
{
	if (resp->http_state == RESP_SETTLED)
	{
		resp->http_state = RESP_IDLE;
		if (!resp->settled_ok)
			memcpy(err, &resp->settled_err, sizeof(*err));
		return resp->settled_ok;
	}
	if (resp->http_state != RESP_ACTIVE || client->active != resp)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "no HTTP request under way for this response");
		return false;
	}
	return complete_transfer(client, err);
}

void
ddb_http_abandon(DdbHttpClient *client, DdbHttpResponse *resp)
{
	if (resp->http_state == RESP_ACTIVE && client->active == resp)
		ddb_http_release_transfer(client);
	if (resp->http_state != RESP_IDLE)
		ddb_buf_reset(&resp->body);
	resp->http_state = RESP_IDLE;
}

void
ddb_http_client_drop(DdbHttpClient *client)
{
	DdbHttpResponse *resp = client->active;

	if (resp != NULL)
		ddb_http_abandon(client, resp);
	else if (client->in_multi)
		ddb_http_release_transfer(client);
}

bool
ddb_http_started(const DdbHttpResponse *resp)
{
	return resp->http_state != RESP_IDLE;
}

bool
ddb_http_request(DdbHttpClient *client, const char *method, const char *url,
				 const DdbHeader *headers, int nheaders, const void *body,
				 size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	if (!ddb_http_start(client, method, url, headers, nheaders, body, body_len,
						resp, err))
		return false;
	return ddb_http_finish(client, resp, err);
}
