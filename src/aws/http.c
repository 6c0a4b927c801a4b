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

#define DEFAULT_MAX_RESPONSE (256 * 1024 * 1024)

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
	size_t		max_bytes;
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
		c->cfg.max_response_bytes = DEFAULT_MAX_RESPONSE;
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
ddb_http_response_free(DdbHttpResponse *resp)
{
	ddb_buf_free(&resp->body);
	ddb_http_response_init(resp);
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	RequestState *st = userdata;
	size_t		n = size * nmemb;

	if (st->resp->body.len + n > st->max_bytes)
	{
		st->too_large = true;
		return 0;				/* makes curl fail with CURLE_WRITE_ERROR */
	}
	ddb_buf_append(&st->resp->body, data, n);
	if (!ddb_buf_ok(&st->resp->body))
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
		default:
			return DDB_AWS_ERR_TRANSPORT;
	}
}

/* Builds the curl header list; returns false on allocation failure. */
static bool
build_headers(const DdbHeader *headers, int nheaders, struct curl_slist **list)
{
	DdbBuf		line;
	int			i;

	*list = NULL;
	ddb_buf_init(&line);
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
	curl_slist_free_all(*list);
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

bool
ddb_http_request(DdbHttpClient *client, const char *method, const char *url,
				 const DdbHeader *headers, int nheaders, const void *body,
				 size_t body_len, DdbHttpResponse *resp, DdbAwsError *err)
{
	struct curl_slist *hdrs;
	RequestState st;
	char		errbuf[CURL_ERROR_SIZE];
	CURLMcode	mc = CURLM_OK;
	CURLcode	rc = CURLE_OK;
	bool		aborted = false;
	bool		done = false;
	int			running = 0;
	long		nconn = 0;

	/* reuse the body buffer's memory: a scan's pages are all about 1 MB */
	ddb_buf_reset(&resp->body);
	resp->status = 0;
	resp->has_crc32 = false;
	resp->crc32_invalid = false;
	resp->crc32 = 0;
	resp->request_id[0] = resp->error_type[0] = resp->content_type[0] = '\0';
	if (client->cfg.abort_hook &&
		client->cfg.abort_hook(client->cfg.abort_arg))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_ABORTED, "request canceled");
		return false;
	}
	/* a line break in a value (a token read from a file) would inject headers */
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
	}
	if (client->cfg.transport)
		return client->cfg.transport(client->cfg.transport_arg, method, url,
									 headers, nheaders, body, body_len, resp, err);
	if (!build_headers(headers, nheaders, &hdrs))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}

	st.resp = resp;
	st.max_bytes = client->cfg.max_response_bytes;
	st.too_large = false;
	errbuf[0] = '\0';
	set_request_options(client, method, url, hdrs, body, body_len, &st, errbuf);

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
				rc = msg->data.result;
				done = true;
			}
		}
		if (done || running == 0)
			break;
		if (client->cfg.abort_hook &&
			client->cfg.abort_hook(client->cfg.abort_arg))
		{
			aborted = true;
			break;
		}
		mc = curl_multi_poll(client->multi, NULL, 0, DDB_HTTP_POLL_MS, NULL);
	}
	if (curl_easy_getinfo(client->easy, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK)
		client->connections += nconn;
	/* removing an unfinished transfer closes its connection */
	curl_multi_remove_handle(client->multi, client->easy);
	curl_easy_setopt(client->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(client->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);

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
	if (st.too_large)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_TOO_LARGE,
						  "response larger than %zu bytes", st.max_bytes);
		return false;
	}
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

/* ----------------------------------------------------------------
 * Endpoint URLs
 * ----------------------------------------------------------------
 */
void
ddb_endpoint_free(DdbEndpoint *ep)
{
	free(ep->url);
	free(ep->host_header);
	free(ep->path);
	memset(ep, 0, sizeof(*ep));
}

static bool
valid_host_char(char c)
{
	return ddb_isalnum((unsigned char) c) || c == '.' || c == '-' || c == '_';
}

static bool
valid_path_char(char c)
{
	/* RFC 3986 pchar plus '/', percent escapes checked separately */
	return ddb_isalnum((unsigned char) c) || strchr("-._~!$&'()*+,;=:@/%", c) != NULL;
}

bool
ddb_endpoint_parse(const char *url, DdbEndpoint *ep, DdbAwsError *err)
{
	const char *p;
	const char *host;
	size_t		hostlen;
	long		port = -1;
	const char *path;
	DdbBuf		b;

	memset(ep, 0, sizeof(*ep));
	if (strncasecmp(url, "https://", 8) == 0)
	{
		ep->https = true;
		p = url + 8;
	}
	else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "endpoint must start with http:// or https://");
		return false;
	}

	/* user information ("user:pass@host") would put secrets in a URL */
	{
		size_t		authority = strcspn(p, "/?#");

		if (memchr(p, '@', authority) != NULL)
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint must not contain user information");
			return false;
		}
	}

	host = p;
	if (*p == '[')
	{
		/* IPv6 literal: hex digits, ':' and '.' between the brackets */
		p++;
		while (*p && *p != ']')
		{
			if (!ddb_isxdigit((unsigned char) *p) && *p != ':' && *p != '.')
			{
				ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
								  "endpoint has an invalid IPv6 address");
				return false;
			}
			p++;
		}
		if (*p != ']')
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint has an unterminated IPv6 address");
			return false;
		}
		if (p == host + 1)
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint has an empty IPv6 address");
			return false;
		}
		p++;
	}
	else
		while (valid_host_char(*p))
			p++;
	hostlen = (size_t) (p - host);
	if (hostlen == 0)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "endpoint has no host");
		return false;
	}
	if (*p == ':')
	{
		char	   *end;

		p++;
		if (!ddb_isdigit((unsigned char) *p))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "endpoint has an invalid port");
			return false;
		}
		port = strtol(p, &end, 10);
		if (port < 1 || port > 65535)
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "endpoint port must be between 1 and 65535");
			return false;
		}
		p = end;
	}
	if (*p != '\0' && *p != '/')
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "endpoint has an invalid character after the host");
		return false;
	}
	path = *p ? p : "/";
	for (p = path; *p; p++)
	{
		if (*p == '?' || *p == '#')
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint must not contain a query or fragment");
			return false;
		}
		if (!valid_path_char(*p))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint path has an invalid character");
			return false;
		}
		if (*p == '%' && (!ddb_isxdigit((unsigned char) p[1]) || !ddb_isxdigit((unsigned char) p[2])))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
							  "endpoint path has an invalid percent escape");
			return false;
		}
	}

	ddb_buf_init(&b);
	{
		size_t		i;

		for (i = 0; i < hostlen; i++)
			ddb_buf_append_char(&b, (char) ddb_tolower((unsigned char) host[i]));
	}
	if (port > 0 && port != (ep->https ? 443 : 80))
		ddb_buf_printf(&b, ":%ld", port);
	ep->host_header = ddb_buf_steal(&b);
	ep->path = strdup(path);
	if (ep->host_header)
	{
		ddb_buf_printf(&b, "%s://%s%s", ep->https ? "https" : "http",
					   ep->host_header, ep->path ? ep->path : "/");
		ep->url = ddb_buf_steal(&b);
	}
	if (ep->host_header == NULL || ep->path == NULL || ep->url == NULL)
	{
		ddb_endpoint_free(ep);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	return true;
}
