/*-------------------------------------------------------------------------
 *
 * service.c
 *		One AWS service endpoint, and SigV4-signed requests to it.
 *
 * IDENTIFICATION
 *		src/aws/service.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "service.h"
#include "sigv4.h"

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

bool
ddb_aws_send_signed(DdbAwsService *svc, const DdbAwsCredentials *creds,
					const char *content_type, const DdbHeader *extra, int nextra,
					const char *body, size_t body_len, DdbHttpResponse *resp,
					DdbAwsError *err)
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

	ok = ddb_http_request(svc->http, "POST", svc->endpoint.url, hdrs, nhdrs,
						  body, body_len, resp, err);
	ddb_sigv4_output_free(&out);
	return ok;
}

/*
 * Copies s into a fixed buffer for a message: control characters become
 * spaces, bytes that are not UTF-8 become '?', and a multi-byte character is
 * never cut in half, so the result is always valid UTF-8 text.
 */
void
ddb_copy_clean(char *dst, size_t dstlen, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;
	size_t		o = 0;

	while (p < end && o + 1 < dstlen)
	{
		if (*p < 0x80)
		{
			dst[o++] = (*p < 0x20 || *p == 0x7f) ? ' ' : (char) *p;
			p++;
			continue;
		}
		{
			int			n = ddb_utf8_sequence(p, end);

			if (n == 0)
			{
				dst[o++] = '?';
				p++;
			}
			else if (o + (size_t) n + 1 <= dstlen)
			{
				memcpy(dst + o, p, (size_t) n);
				o += (size_t) n;
				p += n;
			}
			else
				break;
		}
	}
	dst[o] = '\0';
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
