/*-------------------------------------------------------------------------
 *
 * credentials.h
 *		Where the keys that sign DynamoDB requests come from, and their cache.
 *
 * Base credentials come from the user mapping (static keys, optionally
 * with a session token) or, only when the caller allows it, from the
 * "ambient" sources of the host in the AWS SDKs' order: environment
 * variables, web identity (AssumeRoleWithWebIdentity), the ECS/EKS
 * container endpoint, EC2 IMDSv2.  With a role ARN configured, the base
 * credentials then sign an STS AssumeRole and its temporary credentials sign
 * every DynamoDB request.  Credentials with an expiry are refreshed
 * DDB_CRED_REFRESH_MARGIN seconds before it.
 *
 * Everything the outside world provides goes through DdbCredHost (the
 * environment, the clock, the HTTP clients), so unit tests can fake it.
 *
 * Whatever the clients' configuration, every STS, IMDS and container answer
 * is capped at DDB_HTTP_MAX_CONTROL_RESPONSE bytes and wiped after use, and
 * IMDS and container requests never go through a proxy (the host's
 * http_proxy and friends would otherwise send the IMDS token and the keys
 * to the proxy).
 *
 * IDENTIFICATION
 *		src/aws/credentials.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_CREDENTIALS_H
#define DDB_CREDENTIALS_H

#include "aws.h"
#include "http.h"

/* refresh this many seconds before credentials expire */
#define DDB_CRED_REFRESH_MARGIN 300

typedef enum DdbCredSource
{
	DDB_CRED_NONE = 0,
	DDB_CRED_STATIC,			/* the user mapping's keys */
	DDB_CRED_ENVIRONMENT,
	DDB_CRED_WEB_IDENTITY,
	DDB_CRED_CONTAINER,
	DDB_CRED_IMDS
} DdbCredSource;

/* ambient sources, as bits; the chain tries them in this order */
#define DDB_AMBIENT_ENVIRONMENT		(1u << 0)
#define DDB_AMBIENT_WEB_IDENTITY	(1u << 1)
#define DDB_AMBIENT_CONTAINER		(1u << 2)
#define DDB_AMBIENT_IMDS			(1u << 3)
#define DDB_AMBIENT_ALL				0xFu

typedef struct DdbCredHost
{
	const char *(*getenv_fn) (const char *name);	/* NULL: getenv */
	time_t		(*clock) (void);	/* NULL: time */
	DdbHttpClient *http;		/* STS */
	DdbHttpClient *metadata_http;	/* IMDS and container endpoint; create
									 * it with DdbHttpConfig.no_proxy too */
} DdbCredHost;

typedef struct DdbCredConfig
{
	/* static keys of the user mapping; NULL when it has none */
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
	unsigned	ambient;		/* ambient sources allowed; 0: none */
	const char *region;
	const char *sts_endpoint;	/* NULL: the region's STS endpoint */
	/* role to assume with the base credentials; NULL: use them directly */
	const char *role_arn;
	const char *external_id;
	const char *role_session_name;	/* also for web identity */
	int			session_duration;	/* seconds; 0: STS's default */
} DdbCredConfig;

/* The cache of one (server, user mapping). Zero-initialize it. */
typedef struct DdbCredState
{
	DdbAwsCredentials base;
	DdbCredSource base_source;
	DdbAwsCredentials current;	/* signs DynamoDB requests */
	long		assume_role_calls;	/* counters, for tests and EXPLAIN */
	long		base_resolutions;
	/* what the last failure was: the AssumeRole call, or a base source */
	bool		assume_role_failed;
	DdbCredSource failed_source;
} DdbCredState;

/*
 * Returns credentials in *out (owned by st), resolving or refreshing them
 * when they are missing or within DDB_CRED_REFRESH_MARGIN seconds of expiry;
 * a source that only has credentials closer to expiry gives those (and is
 * asked again on the next call).  On failure
 * err says what failed; a source that is configured but fails stops the
 * chain (it never falls through to another identity).
 */
extern bool ddb_credentials_get(DdbCredState *st, const DdbCredConfig *cfg,
								const DdbCredHost *host,
								const DdbAwsCredentials **out, DdbAwsError *err);

/* Wipes and frees everything cached. */
extern void ddb_cred_state_clear(DdbCredState *st);

extern const char *ddb_cred_source_name(DdbCredSource source);

/* Parses "environment,web_identity,container,imds" (or "all"); false if bad. */
extern bool ddb_parse_ambient_sources(const char *list, unsigned *result);

/* True if s is a valid STS RoleSessionName ([\w+=,.@-]{2,64}). */
extern bool ddb_valid_session_name(const char *s);

#endif							/* DDB_CREDENTIALS_H */
