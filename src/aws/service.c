/*-------------------------------------------------------------------------
 *
 * service.c
 *		One AWS service endpoint, and SigV4-signed requests to it.
 *
 * Endpoint URLs are parsed and checked here, with the rule that plain http
 * goes to loopback only (see service.h); the container credentials URI has
 * a wider rule of its own (credentials.c) on top of the same syntax check.
 *
 * IDENTIFICATION
 *		src/aws/service.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "service.h"
#include "sigv4.h"

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
ddb_endpoint_parse_any_host(const char *url, DdbEndpoint *ep, DdbAwsError *err)
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

bool
ddb_endpoint_host(const DdbEndpoint *ep, char *out, size_t outlen)
{
	const char *h = ep->host_header;
	size_t		len;

	if (h == NULL)
		return false;
	/* host_header is "host[:port]"; an IPv6 literal keeps its brackets */
	len = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");
	if (len > strlen(h) || len >= outlen)
		return false;
	memcpy(out, h, len);
	out[len] = '\0';
	return true;
}

bool
ddb_endpoint_is_loopback(const DdbEndpoint *ep)
{
	char		host[256];

	if (!ddb_endpoint_host(ep, host, sizeof(host)))
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	/* an address, never a name that only starts like one */
	if (host[0] == '[')
	{
		struct in6_addr a6;
		size_t		n = strlen(host);

		host[n - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, &a6) == 1 &&
			IN6_IS_ADDR_LOOPBACK(&a6);
	}
	else
	{
		struct in_addr a4;

		return inet_pton(AF_INET, host, &a4) == 1 &&
			(ntohl(a4.s_addr) >> 24) == 127;
	}
}

bool
ddb_endpoint_parse(const char *url, DdbEndpoint *ep, DdbAwsError *err)
{
	char		host[256];

	if (!ddb_endpoint_parse_any_host(url, ep, err))
		return false;
	if (ep->https || ddb_endpoint_is_loopback(ep))
		return true;
	if (!ddb_endpoint_host(ep, host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	ddb_endpoint_free(ep);
	ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
					  "plain http is allowed only to loopback (127.0.0.0/8, [::1] or localhost), not to \"%.200s\": use https",
					  host);
	return false;
}

/* ----------------------------------------------------------------
 * Service handle
 * ----------------------------------------------------------------
 */
bool
ddb_aws_service_init(DdbAwsService *svc, DdbHttpClient *http,
					 const char *endpoint_url, const char *region,
					 const char *service, DdbAwsError *err)
{
	memset(svc, 0, sizeof(*svc));
	if (strlen(region) >= sizeof(svc->region) ||
		strlen(service) >= sizeof(svc->service))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "region or service name too long");
		return false;
	}
	if (!ddb_endpoint_parse(endpoint_url, &svc->endpoint, err))
		return false;
	svc->http = http;
	strcpy(svc->region, region);
	strcpy(svc->service, service);
	return true;
}

void
ddb_aws_service_free(DdbAwsService *svc)
{
	ddb_endpoint_free(&svc->endpoint);
}

/* ----------------------------------------------------------------
 * Retries
 * ----------------------------------------------------------------
 */

/* Error codes that mean "not now" rather than "not this request". */
static const char *const retryable_codes[] = {
	"ProvisionedThroughputExceededException",
	"ThrottlingException",
	"Throttling",				/* STS */
	"RequestLimitExceeded",
	"LimitExceededException",	/* DynamoDB Streams: too many requests */
	"InternalServerError",
	"InternalFailure",
	"ServiceUnavailable",
	"ServiceUnavailableException",
	"IDPCommunicationError",	/* STS web identity: the IdP did not answer */
	"TransactionInProgressException",
	"TooManyRequestsException",
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
	"SlowDown",
};

bool
ddb_aws_error_retryable(const DdbAwsError *err)
{
	size_t		i;

	switch (err->kind)
	{
		case DDB_AWS_ERR_CONNECT:
		case DDB_AWS_ERR_TIMEOUT:
		case DDB_AWS_ERR_TRANSPORT:
		case DDB_AWS_ERR_MALFORMED:
		case DDB_AWS_ERR_CHECKSUM:
			return true;
		case DDB_AWS_ERR_HTTP:
		case DDB_AWS_ERR_SERVICE:
			if (err->http_status >= 500 || err->http_status == 429)
				return true;
			for (i = 0; i < sizeof(retryable_codes) / sizeof(retryable_codes[0]); i++)
				if (strcmp(err->code, retryable_codes[i]) == 0)
					return true;
			return false;
		case DDB_AWS_ERR_TOO_LARGE:
			/* the same request gets the same answer: never retried */
			return false;
		default:
			return false;
	}
}

bool
ddb_aws_retry(DdbAwsService *svc, DdbAwsError *err, int attempt)
{
	if (!ddb_aws_error_retryable(err))
		return false;
	return ddb_http_backoff(svc->http, attempt, err);
}

char *
ddb_aws_default_endpoint(const char *prefix, const char *region)
{
	DdbBuf		b;

	ddb_buf_init(&b);
	/* the China partition has its own DNS suffix */
	if (strncmp(region, "cn-", 3) == 0)
		ddb_buf_printf(&b, "https://%s.%s.amazonaws.com.cn/", prefix, region);
	else
		ddb_buf_printf(&b, "https://%s.%s.amazonaws.com/", prefix, region);
	return ddb_buf_steal(&b);
}

/*
 * Signs and sends (send: the whole request) or starts (start: see
 * ddb_aws_start_signed) the request of ddb_aws_send_signed.
 */
static bool
signed_request(DdbAwsService *svc, const DdbAwsCredentials *creds,
			   const char *content_type, const DdbHeader *extra, int nextra,
			   const char *body, size_t body_len, DdbHttpResponse *resp,
			   bool start, DdbAwsError *err)
{
	char		amz_date[17];
	DdbHeader	hdrs[12];
	int			nhdrs = 0;
	DdbSigv4Input in;
	DdbSigv4Output out;
	bool		ok;
	int			i;

	if (creds == NULL || creds->access_key_id == NULL ||
		creds->secret_access_key == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "no credentials to sign with");
		return false;
	}
	if (nextra > 6)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "too many headers");
		return false;
	}
	ddb_aws_format_amz_date(svc->clock ? svc->clock() : time(NULL), amz_date);
	hdrs[nhdrs].name = "Host";
	hdrs[nhdrs++].value = svc->endpoint.host_header;
	hdrs[nhdrs].name = "Content-Type";
	hdrs[nhdrs++].value = content_type;
	for (i = 0; i < nextra; i++)
		hdrs[nhdrs++] = extra[i];

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.method = "POST";
	in.path = svc->endpoint.path;
	in.headers = hdrs;
	in.nheaders = nhdrs;
	in.payload = body;
	in.payload_len = body_len;
	in.access_key_id = creds->access_key_id;
	in.secret_access_key = creds->secret_access_key;
	in.session_token = creds->session_token;
	in.region = svc->region;
	in.service = svc->service;
	in.amz_date = amz_date;
	in.normalize_path = true;
	in.double_encode = true;
	if (!ddb_sigv4_sign(&in, &out, err))
	{
		ddb_sigv4_output_free(&out);
		return false;
	}
	for (i = 0; i < out.nadded; i++)
		hdrs[nhdrs++] = out.added[i];
	hdrs[nhdrs].name = "Authorization";
	hdrs[nhdrs++].value = out.authorization;

	if (start)
		ok = ddb_http_start(svc->http, "POST", svc->endpoint.url, hdrs, nhdrs,
							body, body_len, resp, err);
	else
		ok = ddb_http_request(svc->http, "POST", svc->endpoint.url, hdrs, nhdrs,
							  body, body_len, resp, err);
	ddb_sigv4_output_free(&out);
	return ok;
}

bool
ddb_aws_send_signed(DdbAwsService *svc, const DdbAwsCredentials *creds,
					const char *content_type, const DdbHeader *extra, int nextra,
					const char *body, size_t body_len, DdbHttpResponse *resp,
					DdbAwsError *err)
{
	return signed_request(svc, creds, content_type, extra, nextra, body,
						  body_len, resp, false, err);
}

bool
ddb_aws_start_signed(DdbAwsService *svc, const DdbAwsCredentials *creds,
					 const char *content_type, const DdbHeader *extra, int nextra,
					 const char *body, size_t body_len, DdbHttpResponse *resp,
					 DdbAwsError *err)
{
	return signed_request(svc, creds, content_type, extra, nextra, body,
						  body_len, resp, true, err);
}

void
ddb_aws_error_from_response(DdbAwsError *err, const DdbHttpResponse *resp,
							const char *code, const char *message)
{
	err->http_status = resp->status;
	ddb_copy_clean(err->request_id, sizeof(err->request_id), resp->request_id,
				   strlen(resp->request_id));
	if (code != NULL)
	{
		err->kind = DDB_AWS_ERR_SERVICE;
		if (message)
			ddb_copy_clean(err->message, sizeof(err->message), message, strlen(message));
		else
			snprintf(err->message, sizeof(err->message), "%s", err->code);
	}
	else
	{
		/* not an AWS error body: a proxy page, an empty 5xx, ... */
		char		snippet[201];

		err->kind = DDB_AWS_ERR_HTTP;
		err->code[0] = '\0';
		ddb_copy_clean(snippet, sizeof(snippet),
					   resp->body.data ? resp->body.data : "", resp->body.len);
		if (snippet[0])
			snprintf(err->message, sizeof(err->message),
					 "HTTP status %ld with an unrecognized body: %s%s",
					 resp->status, snippet, resp->body.len > 200 ? "..." : "");
		else
			snprintf(err->message, sizeof(err->message),
					 "HTTP status %ld with an empty body", resp->status);
	}
}
