/*-------------------------------------------------------------------------
 *
 * credentials.c
 *		Credential sources, role assumption and the credential cache.
 *
 * See credentials.h for the contract.  Secrets pass through here only in
 * malloc'd strings that are wiped when dropped (ddb_free_secret) and in
 * secret buffers (DdbBuf, response bodies) that are wiped whenever they are
 * reset, moved or freed.  The metadata answers are read with the JSON pull
 * reader, not json-c: its strings point into the (secret) body, and what it
 * decodes is wiped with ddb_json_free_secret; json-c would leave copies in
 * its own buffers.
 *
 * IDENTIFICATION
 *		src/aws/credentials.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "credentials.h"
#include "json.h"
#include "service.h"
#include "sts.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define CONTAINER_RELATIVE_HOST "http://169.254.170.2"
#define IMDS_TOKEN_TTL "21600"
#define MAX_TOKEN_FILE (64 * 1024)

typedef enum SourceResult
{
	SOURCE_FOUND,
	SOURCE_NOT_CONFIGURED,
	SOURCE_FAILED
} SourceResult;

static const char *
host_getenv(const DdbCredHost *host, const char *name)
{
	const char *v = host->getenv_fn ? host->getenv_fn(name) : getenv(name);

	return (v != NULL && v[0] != '\0') ? v : NULL;
}

static time_t
host_now(const DdbCredHost *host)
{
	return host->clock ? host->clock() : time(NULL);
}

static bool
expiring(const DdbAwsCredentials *c, time_t now)
{
	return c->expiration != 0 && now >= c->expiration - DDB_CRED_REFRESH_MARGIN;
}

const char *
ddb_cred_source_name(DdbCredSource source)
{
	switch (source)
	{
		case DDB_CRED_NONE:
			return "none";
		case DDB_CRED_STATIC:
			return "user mapping";
		case DDB_CRED_ENVIRONMENT:
			return "environment";
		case DDB_CRED_WEB_IDENTITY:
			return "web identity";
		case DDB_CRED_CONTAINER:
			return "container";
		case DDB_CRED_IMDS:
			return "instance metadata";
	}
	return "unknown";
}

bool
ddb_parse_ambient_sources(const char *list, unsigned *result)
{
	const char *p = list;
	unsigned	bits = 0;

	while (*p)
	{
		const char *start;
		size_t		len;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && *p != ',' && *p != ' ')
			p++;
		len = (size_t) (p - start);
		if (len == 3 && strncasecmp(start, "all", 3) == 0)
			bits |= DDB_AMBIENT_ALL;
		else if (len == 11 && strncasecmp(start, "environment", 11) == 0)
			bits |= DDB_AMBIENT_ENVIRONMENT;
		else if (len == 12 && strncasecmp(start, "web_identity", 12) == 0)
			bits |= DDB_AMBIENT_WEB_IDENTITY;
		else if (len == 9 && strncasecmp(start, "container", 9) == 0)
			bits |= DDB_AMBIENT_CONTAINER;
		else if (len == 4 && strncasecmp(start, "imds", 4) == 0)
			bits |= DDB_AMBIENT_IMDS;
		else
			return false;
	}
	if (bits == 0)
		return false;
	*result = bits;
	return true;
}

bool
ddb_valid_session_name(const char *s)
{
	size_t		n = strlen(s);
	size_t		i;

	if (n < 2 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!ddb_isalnum((unsigned char) s[i]) && strchr("_+=,.@-", s[i]) == NULL)
			return false;
	return true;
}

static bool
set_creds(DdbAwsCredentials *out, const char *akid, const char *secret,
		  const char *token, time_t expiration, DdbAwsError *err)
{
	DdbAwsCredentials tmp;

	tmp.access_key_id = (char *) akid;
	tmp.secret_access_key = (char *) secret;
	tmp.session_token = (char *) token;
	tmp.expiration = expiration;
	if (!ddb_aws_credentials_copy(out, &tmp))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	return true;
}

/* Wipes and frees read_token_file's whole buffer (it may hold a NUL). */
static void
free_token_buffer(char *buf)
{
	ddb_wipe(buf, MAX_TOKEN_FILE + 2);
	free(buf);
}

/*
 * Reads a small file (a token) into a malloc'd, trimmed string; the caller
 * frees it with ddb_free_secret.  NULL with err set when the file cannot be
 * read, is too large, empty or holds a NUL.
 */
static char *
read_token_file(const char *path, DdbAwsError *err)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	size_t		n;

	if (f == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "could not read token file \"%.200s\"", path);
		return NULL;
	}
	/* no stdio buffer: it would keep a copy of the token when freed */
	(void) setvbuf(f, NULL, _IONBF, 0);
	/* one byte more than read: ddb_free_secret needs a NUL to stop at */
	buf = malloc(MAX_TOKEN_FILE + 2);
	if (buf == NULL)
	{
		fclose(f);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, MAX_TOKEN_FILE + 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > MAX_TOKEN_FILE)
	{
		free_token_buffer(buf);
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "token file \"%.200s\" is too large", path);
		return NULL;
	}
	while (n > 0 && ddb_isspace((unsigned char) buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (n == 0 || strlen(buf) != n)
	{
		free_token_buffer(buf);
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "token file \"%.200s\" is empty or not text", path);
		return NULL;
	}
	return buf;
}

/* ----------------------------------------------------------------
 * Sources
 * ----------------------------------------------------------------
 */
static SourceResult
source_environment(const DdbCredHost *host, DdbAwsCredentials *out,
				   DdbAwsError *err)
{
	const char *akid = host_getenv(host, "AWS_ACCESS_KEY_ID");
	const char *secret = host_getenv(host, "AWS_SECRET_ACCESS_KEY");
	const char *expires = host_getenv(host, "AWS_CREDENTIAL_EXPIRATION");
	time_t		expiration = 0;

	if (akid == NULL && secret == NULL)
		return SOURCE_NOT_CONFIGURED;
	if (akid == NULL || secret == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
		return SOURCE_FAILED;
	}
	if (expires && !ddb_aws_parse_iso8601(expires, &expiration))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time");
		return SOURCE_FAILED;
	}
	return set_creds(out, akid, secret, host_getenv(host, "AWS_SESSION_TOKEN"),
					 expiration, err) ? SOURCE_FOUND : SOURCE_FAILED;
}

/* An STS service handle for cfg: its endpoint or the region's. */
static bool
sts_service(DdbAwsService *svc, const DdbCredConfig *cfg, const DdbCredHost *host,
			DdbAwsError *err)
{
	char	   *url = cfg->sts_endpoint ? strdup(cfg->sts_endpoint) :
		ddb_aws_default_endpoint("sts", cfg->region);
	const char *region = cfg->region;
	bool		ok;

	if (url == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return false;
	}
	ok = ddb_aws_service_init(svc, host->http, url, "us-east-1", "sts", err);
	/* the global endpoint signs for us-east-1, regional ones for their region */
	if (ok && strcmp(svc->endpoint.host_header, "sts.amazonaws.com") != 0)
		snprintf(svc->region, sizeof(svc->region), "%s", region);
	svc->clock = host->clock;
	free(url);
	return ok;
}

static SourceResult
source_web_identity(const DdbCredConfig *cfg, const DdbCredHost *host,
					DdbAwsCredentials *out, DdbAwsError *err)
{
	const char *file = host_getenv(host, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = host_getenv(host, "AWS_ROLE_ARN");
	const char *session = host_getenv(host, "AWS_ROLE_SESSION_NAME");
	DdbAwsService svc;
	DdbAssumeRole req;
	char	   *token;
	bool		ok;

	if (file == NULL && role == NULL)
		return SOURCE_NOT_CONFIGURED;
	if (file == NULL || role == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN must both be set");
		return SOURCE_FAILED;
	}
	token = read_token_file(file, err);
	if (token == NULL)
		return SOURCE_FAILED;
	if (!sts_service(&svc, cfg, host, err))
	{
		ddb_free_secret(token);
		return SOURCE_FAILED;
	}
	memset(&req, 0, sizeof(req));
	req.role_arn = role;
	req.session_name = session ? session :
		(cfg->role_session_name ? cfg->role_session_name : "ddb_fdw");
	req.duration = cfg->session_duration;
	req.web_identity_token = token;
	ok = ddb_sts_assume_role(&svc, NULL, &req, out, err);
	ddb_free_secret(token);
	ddb_aws_service_free(&svc);
	return ok ? SOURCE_FOUND : SOURCE_FAILED;
}

/* malloc'd NUL-terminated copy of a JSON string; NULL when out of memory. */
static char *
json_str_dup(const DdbJsonStr *v)
{
	char	   *p = malloc(v->len + 1);

	if (p == NULL)
		return NULL;
	if (v->len > 0)
		memcpy(p, v->ptr, v->len);
	p[v->len] = '\0';
	return p;
}

/*
 * Reads AccessKeyId/SecretAccessKey/Token/Expiration from an IMDS/ECS reply
 * into out (malloc'd strings, out untouched on failure).  Members of other
 * names or types are skipped; a repeated member keeps its last value, as
 * the SDKs' JSON parsers do.  The reply must be one well-formed JSON
 * object.
 */
static bool
parse_json_credentials(const DdbHttpResponse *resp, const char *what,
					   DdbAwsCredentials *out, DdbAwsError *err)
{
	DdbJson		j;
	DdbJsonStr	name;
	DdbJsonStr	v;
	DdbJsonStr	akid = {NULL, 0, false};
	DdbJsonStr	secret = {NULL, 0, false};
	DdbJsonStr	token = {NULL, 0, false};
	char		expires[64];
	DdbAwsCredentials c;
	time_t		expiration = 0;
	bool		done = false;
	bool		ok = false;

	expires[0] = '\0';
	memset(&c, 0, sizeof(c));
	ddb_json_init(&j, resp->body.data ? resp->body.data : "", resp->body.len);
	if (!ddb_json_enter_object(&j))
		goto malformed;
	while (ddb_json_next_member(&j, &name, &done) && !done)
	{
		DdbJsonStr *slot = NULL;

		if (ddb_json_str_eq(&name, "AccessKeyId"))
			slot = &akid;
		else if (ddb_json_str_eq(&name, "SecretAccessKey"))
			slot = &secret;
		else if (ddb_json_str_eq(&name, "Token"))
			slot = &token;
		else if (ddb_json_str_eq(&name, "Expiration"))
			slot = &v;
		if (slot == NULL || ddb_json_peek(&j) != DDB_JSON_STRING)
		{
			if (!ddb_json_skip_value(&j))
				goto malformed;
			continue;
		}
		if (!ddb_json_read_string(&j, slot))
			goto malformed;
		/* a NUL would cut the value short where it is used */
		if (slot->has_nul)
			slot->len = 0;
		if (slot == &v)
			snprintf(expires, sizeof(expires), "%.*s",
					 v.len < sizeof(expires) ? (int) v.len : 0, v.ptr);
	}
	if (!done || !ddb_json_finish(&j))
		goto malformed;

	if (akid.len == 0 || secret.len == 0)
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "%s credentials lack AccessKeyId or SecretAccessKey", what);
	else if (!ddb_aws_parse_iso8601(expires, &expiration))
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "%s credentials lack a valid Expiration", what);
	else if ((c.access_key_id = json_str_dup(&akid)) == NULL ||
			 (c.secret_access_key = json_str_dup(&secret)) == NULL ||
			 (token.len > 0 && (c.session_token = json_str_dup(&token)) == NULL))
	{
		ddb_aws_credentials_clear(&c);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
	}
	else
	{
		c.expiration = expiration;
		*out = c;
		ok = true;
	}
	ddb_json_free_secret(&j);
	return ok;

malformed:
	ddb_json_free_secret(&j);
	ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
					  "%s credentials are not a JSON object", what);
	return false;
}

/*
 * A GET or PUT to a metadata endpoint; non-200 is an error naming what.
 * resp comes from ddb_http_response_init_secret.  Whatever the client's
 * configuration, the request never goes through a proxy (the answer holds
 * keys, and an IMDS token must not leave the host) and its answer is at
 * most DDB_HTTP_MAX_CONTROL_RESPONSE bytes.
 */
static bool
metadata_request(const DdbCredHost *host, const char *method, const char *url,
				 const DdbHeader *hdrs, int nhdrs, DdbHttpResponse *resp,
				 const char *what, DdbAwsError *err)
{
	if (host->metadata_http == NULL)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID, "no HTTP client for %s", what);
		return false;
	}
	resp->no_proxy = true;
	if (resp->max_bytes == 0 || resp->max_bytes > DDB_HTTP_MAX_CONTROL_RESPONSE)
		resp->max_bytes = DDB_HTTP_MAX_CONTROL_RESPONSE;
	if (!ddb_http_request(host->metadata_http, method, url, hdrs, nhdrs,
						  method[0] == 'P' ? "" : NULL, 0, resp, err))
	{
		char		msg[sizeof(err->message) + 128];

		/* cut at a character boundary: the message must stay UTF-8 */
		snprintf(msg, sizeof(msg), "%s: %s", what, err->message);
		ddb_copy_clean(err->message, sizeof(err->message), msg, strlen(msg));
		return false;
	}
	if (resp->status != 200)
	{
		/* no body in the message: metadata errors are HTML pages */
		err->http_status = resp->status;
		ddb_aws_error_set(err, DDB_AWS_ERR_HTTP, "%s answered HTTP %ld",
						  what, resp->status);
		return false;
	}
	return true;
}

/*
 * Hosts a plain-http container endpoint may use (the SDKs' rule): loopback
 * (as for every endpoint), the ECS host, and the EKS Pod Identity hosts.
 * https may go anywhere.
 */
static bool
container_host_allowed(const DdbEndpoint *ep)
{
	static const char *const link_local[] = {
		"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL
	};
	char		host[256];
	int			i;

	if (ep->https || ddb_endpoint_is_loopback(ep))
		return true;
	if (!ddb_endpoint_host(ep, host, sizeof(host)))
		return false;
	for (i = 0; link_local[i]; i++)
		if (strcasecmp(host, link_local[i]) == 0)
			return true;
	return false;
}

static SourceResult
source_container(const DdbCredHost *host, DdbAwsCredentials *out, DdbAwsError *err)
{
	const char *relative = host_getenv(host, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = host_getenv(host, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = host_getenv(host, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = host_getenv(host, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char	   *token = NULL;
	DdbEndpoint ep;
	DdbBuf		url;
	DdbHeader	hdr;
	DdbHttpResponse resp;
	bool		ok;

	if (relative == NULL && full == NULL)
		return SOURCE_NOT_CONFIGURED;
	ddb_buf_init(&url);
	if (relative)
		ddb_buf_printf(&url, "%s%s%s", CONTAINER_RELATIVE_HOST,
					   relative[0] == '/' ? "" : "/", relative);
	else
		ddb_buf_append_str(&url, full);
	if (!ddb_buf_ok(&url))
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return SOURCE_FAILED;
	}
	/* the query part of a relative URI is the endpoint's business */
	{
		DdbBuf		base;
		char	   *q = strchr(url.data, '?');

		ddb_buf_init(&base);
		ddb_buf_append(&base, url.data, q ? (size_t) (q - url.data) : url.len);
		ok = ddb_buf_ok(&base) && ddb_endpoint_parse_any_host(base.data, &ep, err);
		ddb_buf_free(&base);
	}
	if (!ok)
	{
		ddb_buf_free(&url);
		return SOURCE_FAILED;
	}
	if (!container_host_allowed(&ep))
	{
		ddb_endpoint_free(&ep);
		ddb_buf_free(&url);
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback or container host");
		return SOURCE_FAILED;
	}
	ddb_endpoint_free(&ep);

	if (token_file)
	{
		token = read_token_file(token_file, err);
		if (token == NULL)
		{
			ddb_buf_free(&url);
			return SOURCE_FAILED;
		}
	}
	else if (token_env && (token = strdup(token_env)) == NULL)
	{
		ddb_buf_free(&url);
		ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
		return SOURCE_FAILED;
	}
	hdr.name = "Authorization";
	hdr.value = token;
	ddb_http_response_init_secret(&resp);
	ok = metadata_request(host, "GET", url.data, token ? &hdr : NULL, token ? 1 : 0,
						  &resp, "container credentials endpoint", err) &&
		parse_json_credentials(&resp, "container", out, err);
	ddb_http_response_free(&resp);
	ddb_free_secret(token);
	ddb_buf_free(&url);
	return ok ? SOURCE_FOUND : SOURCE_FAILED;
}

static SourceResult
source_imds(const DdbCredHost *host, DdbAwsCredentials *out, DdbAwsError *err)
{
	const char *disabled = host_getenv(host, "AWS_EC2_METADATA_DISABLED");
	const char *endpoint = host_getenv(host, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	DdbHttpResponse resp;
	DdbBuf		url;
	DdbBuf		role;
	char	   *token = NULL;
	DdbHeader	hdr;
	size_t		baselen;
	bool		ok = false;

	if (disabled && strcasecmp(disabled, "true") == 0)
		return SOURCE_NOT_CONFIGURED;
	if (endpoint == NULL)
		endpoint = IMDS_DEFAULT_ENDPOINT;
	ddb_buf_init(&url);
	ddb_buf_init(&role);
	/* the token, then the keys: all three answers are secret */
	ddb_http_response_init_secret(&resp);
	ddb_buf_append_str(&url, endpoint);
	while (url.len > 0 && url.data[url.len - 1] == '/')
		url.data[--url.len] = '\0';
	baselen = url.len;

	/* IMDSv2: a session token first, then every GET carries it */
	ddb_buf_append_str(&url, "/latest/api/token");
	hdr.name = "X-aws-ec2-metadata-token-ttl-seconds";
	hdr.value = IMDS_TOKEN_TTL;
	if (!ddb_buf_ok(&url) ||
		!metadata_request(host, "PUT", url.data, &hdr, 1, &resp,
						  "instance metadata service (token)", err))
		goto done;
	/* an empty body leaves no buffer at all */
	if (resp.body.len > 0)
		token = strndup(resp.body.data, resp.body.len);
	if (token == NULL || token[0] == '\0' || strlen(token) != resp.body.len)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "instance metadata service returned an invalid token");
		goto done;
	}
	hdr.name = "X-aws-ec2-metadata-token";
	hdr.value = token;

	url.len = baselen;
	url.data[baselen] = '\0';
	ddb_buf_append_str(&url, "/latest/meta-data/iam/security-credentials/");
	if (!ddb_buf_ok(&url) ||
		!metadata_request(host, "GET", url.data, &hdr, 1, &resp,
						  "instance metadata service (role)", err))
		goto done;
	/* the first line names the instance role */
	ddb_buf_append(&role, resp.body.data, strcspn(resp.body.data, "\r\n"));
	if (!ddb_buf_ok(&role) || role.len == 0 ||
		strspn(role.data, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") != role.len)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_MALFORMED,
						  "instance metadata service names no valid instance role");
		goto done;
	}
	ddb_buf_append_str(&url, role.data);
	if (!ddb_buf_ok(&url) ||
		!metadata_request(host, "GET", url.data, &hdr, 1, &resp,
						  "instance metadata service (credentials)", err))
		goto done;
	ok = parse_json_credentials(&resp, "instance metadata", out, err);

done:
	ddb_http_response_free(&resp);
	ddb_free_secret(token);
	ddb_buf_free(&role);
	ddb_buf_free(&url);
	return ok ? SOURCE_FOUND : SOURCE_FAILED;
}

/* ----------------------------------------------------------------
 * The chain and the cache
 * ----------------------------------------------------------------
 */
static bool
resolve_base(DdbCredState *st, const DdbCredConfig *cfg, const DdbCredHost *host,
			 DdbAwsError *err)
{
	static const struct
	{
		unsigned	bit;
		DdbCredSource source;
	}			chain[] = {
		{DDB_AMBIENT_ENVIRONMENT, DDB_CRED_ENVIRONMENT},
		{DDB_AMBIENT_WEB_IDENTITY, DDB_CRED_WEB_IDENTITY},
		{DDB_AMBIENT_CONTAINER, DDB_CRED_CONTAINER},
		{DDB_AMBIENT_IMDS, DDB_CRED_IMDS},
	};
	size_t		i;

	ddb_aws_credentials_clear(&st->base);
	st->base_source = DDB_CRED_NONE;
	st->base_resolutions++;

	if (cfg->access_key_id && cfg->secret_access_key)
	{
		if (!set_creds(&st->base, cfg->access_key_id, cfg->secret_access_key,
					   cfg->session_token, 0, err))
			return false;
		st->base_source = DDB_CRED_STATIC;
		return true;
	}
	if (cfg->ambient == 0)
	{
		ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
						  "no AWS credentials: the user mapping has none and ambient credentials are not allowed");
		return false;
	}
	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++)
	{
		SourceResult r;

		if ((cfg->ambient & chain[i].bit) == 0)
			continue;
		switch (chain[i].source)
		{
			case DDB_CRED_ENVIRONMENT:
				r = source_environment(host, &st->base, err);
				break;
			case DDB_CRED_WEB_IDENTITY:
				r = source_web_identity(cfg, host, &st->base, err);
				break;
			case DDB_CRED_CONTAINER:
				r = source_container(host, &st->base, err);
				break;
			default:
				r = source_imds(host, &st->base, err);
				break;
		}
		if (r == SOURCE_FOUND)
		{
			st->base_source = chain[i].source;
			return true;
		}
		if (r == SOURCE_FAILED)
		{
			st->failed_source = chain[i].source;
			/* name the source: the message reaches the user */
			if (err->kind != DDB_AWS_ERR_ABORTED)
			{
				char		msg[sizeof(err->message) + 64];

				snprintf(msg, sizeof(msg), "%s credentials: %s",
						 ddb_cred_source_name(chain[i].source), err->message);
				/* cut at a character boundary: the message must stay UTF-8 */
				ddb_copy_clean(err->message, sizeof(err->message), msg, strlen(msg));
			}
			return false;
		}
	}
	ddb_aws_error_set(err, DDB_AWS_ERR_INVALID,
					  "no AWS credentials found in the allowed ambient sources");
	return false;
}

static bool
assume_role(DdbCredState *st, const DdbCredConfig *cfg, const DdbCredHost *host,
			DdbAwsError *err)
{
	DdbAwsService svc;
	DdbAssumeRole req;
	DdbAwsCredentials fresh;
	bool		ok;

	if (!sts_service(&svc, cfg, host, err))
		return false;
	memset(&req, 0, sizeof(req));
	req.role_arn = cfg->role_arn;
	req.session_name = cfg->role_session_name ? cfg->role_session_name : "ddb_fdw";
	req.external_id = cfg->external_id;
	req.duration = cfg->session_duration;
	st->assume_role_calls++;
	ok = ddb_sts_assume_role(&svc, &st->base, &req, &fresh, err);
	ddb_aws_service_free(&svc);
	if (!ok)
		return false;
	ddb_aws_credentials_clear(&st->current);
	st->current = fresh;
	return true;
}

bool
ddb_credentials_get(DdbCredState *st, const DdbCredConfig *cfg,
					const DdbCredHost *host, const DdbAwsCredentials **out,
					DdbAwsError *err)
{
	time_t		now = host_now(host);

	*out = NULL;
	st->assume_role_failed = false;
	st->failed_source = DDB_CRED_NONE;
	if (st->current.access_key_id != NULL && !expiring(&st->current, now))
	{
		*out = &st->current;
		return true;
	}
	if (st->base.access_key_id == NULL || expiring(&st->base, now))
	{
		if (!resolve_base(st, cfg, host, err))
			return false;
	}
	if (cfg->role_arn)
	{
		if (!assume_role(st, cfg, host, err))
		{
			st->assume_role_failed = true;
			return false;
		}
	}
	else
	{
		ddb_aws_credentials_clear(&st->current);
		if (!ddb_aws_credentials_copy(&st->current, &st->base))
		{
			ddb_aws_error_set(err, DDB_AWS_ERR_OOM, "out of memory");
			return false;
		}
	}
	*out = &st->current;
	return true;
}

void
ddb_cred_state_clear(DdbCredState *st)
{
	ddb_aws_credentials_clear(&st->base);
	ddb_aws_credentials_clear(&st->current);
	st->base_source = DDB_CRED_NONE;
}
