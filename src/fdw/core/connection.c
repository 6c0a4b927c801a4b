/*-------------------------------------------------------------------------
 *
 * connection.c
 *		Per-backend cache of DynamoDB clients, and the mapping of AWS-layer
 *		errors to ereport().
 *
 * One entry per user mapping holds an HTTP client (so its connection is
 * reused across queries), more of them when requests are to be in flight
 * together (lanes: the Queries of a key list), and the credentials that
 * sign requests.  ALTER or DROP of the server or the user mapping
 * invalidates the entry through syscache callbacks, as postgres_fdw does
 * for its connections; an entry is rebuilt on next use, and the old client
 * is kept until the end of the transaction because a running scan may still
 * hold it.
 *
 * IDENTIFICATION
 *		src/fdw/core/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "ddb_fdw.h"

#include "call.h"

#include "access/xact.h"
#include "pgstat.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

typedef struct ConnCacheEntry
{
	Oid			key;			/* user mapping OID */
	DdbConnection *conn;		/* NULL until built */
	bool		invalidated;
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
} ConnCacheEntry;

static HTAB *ConnectionHash = NULL;

/* clients replaced during this transaction, freed at its end */
static List *retired_connections = NIL;

static void free_connection(DdbConnection *conn);

/*
 * Abort hook of every HTTP client: a pending cancel or termination stops
 * the request; the caller then runs CHECK_FOR_INTERRUPTS().
 */
bool
ddb_abort_requested(void *arg)
{
	return QueryCancelPending || ProcDiePending;
}

/* Wipes a palloc'd secret and frees it (NULL is fine). */
static void
wipe_and_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	pfree(s);
}

/*
 * How long a DescribeTable answer is reused (AWS refreshes ItemCount and
 * TableSizeBytes only every six hours or so; keys and indexes rarely
 * change), and how long a failed one is not retried.
 */
#define TABLE_DESC_TTL_MS (5 * 60 * 1000)
#define TABLE_DESC_FAILED_TTL_MS (60 * 1000)

typedef struct CachedDesc
{
	char	   *table;
	DdbTableDesc *desc;			/* malloc'd; NULL: DescribeTable failed */
	TimestampTz fetched;
} CachedDesc;

static List *
lappend_in_top(List *list, void *datum)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	list = lappend(list, datum);
	MemoryContextSwitchTo(old);
	return list;
}

static void
free_table_descs(DdbConnection *conn)
{
	ListCell   *lc;

	foreach(lc, conn->table_descs)
	{
		CachedDesc *cd = lfirst(lc);

		ddb_table_desc_free(cd->desc);
		pfree(cd->table);
		pfree(cd);
	}
	list_free(conn->table_descs);
	conn->table_descs = NIL;
}

static const DdbTableDesc *table_desc(DdbConnection *conn, const char *table,
									  DdbAwsError *fresh_err, TimestampTz since);

static void
free_connection(DdbConnection *conn)
{
	int			i;

	free_table_descs(conn);
	if (conn == NULL)
		return;
	for (i = 0; i < (int) lengthof(conn->lane_http); i++)
	{
		ddb_aws_service_free(&conn->lane_svc[i]);
		ddb_http_client_destroy(conn->lane_http[i]);
	}
	ddb_aws_service_free(&conn->svc);
	ddb_aws_service_free(&conn->streams_svc);
	ddb_http_client_destroy(conn->http);
	ddb_http_client_destroy(conn->streams_http);
	ddb_http_client_destroy(conn->sts_http);
	ddb_http_client_destroy(conn->metadata_http);
	ddb_cred_state_clear(&conn->cred_state);
	/* the configuration holds the user mapping's secret: wipe it */
	wipe_and_free((char *) conn->cred_config.secret_access_key);
	wipe_and_free((char *) conn->cred_config.session_token);
	wipe_and_free((char *) conn->cred_config.external_id);
	pfree(conn);
}

static void
retire_connection(ConnCacheEntry *entry)
{
	MemoryContext old;

	if (entry->conn == NULL)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	retired_connections = lappend(retired_connections, entry->conn);
	MemoryContextSwitchTo(old);
	entry->conn = NULL;
}

/*
 * Drops the requests under way of a connection's clients: a scan that
 * fetched ahead and was ended by an error never finishes its request, and
 * its memory goes after this callback.
 */
static void
drop_transfers(DdbConnection *conn)
{
	int			i;

	ddb_http_client_drop(conn->http);
	ddb_http_client_drop(conn->streams_http);
	for (i = 0; i < (int) lengthof(conn->lane_http); i++)
		if (conn->lane_http[i])
			ddb_http_client_drop(conn->lane_http[i]);
}

static void
ddb_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	if ((event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) &&
		ConnectionHash != NULL)
	{
		HASH_SEQ_STATUS scan;
		ConnCacheEntry *entry;

		hash_seq_init(&scan, ConnectionHash);
		while ((entry = (ConnCacheEntry *) hash_seq_search(&scan)))
			if (entry->conn)
				drop_transfers(entry->conn);
		foreach(lc, retired_connections)
			drop_transfers((DdbConnection *) lfirst(lc));
	}
	foreach(lc, retired_connections)
		free_connection((DdbConnection *) lfirst(lc));
	list_free(retired_connections);
	retired_connections = NIL;
}

static void
ddb_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	ConnCacheEntry *entry;

	hash_seq_init(&scan, ConnectionHash);
	while ((entry = (ConnCacheEntry *) hash_seq_search(&scan)))
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
			entry->invalidated = true;
	}
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(ConnCacheEntry);
	ConnectionHash = hash_create("ddb_fdw connections", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, ddb_inval_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, ddb_inval_callback, (Datum) 0);
	RegisterXactCallback(ddb_xact_callback, NULL);
}

/* A TopMemoryContext copy of s (NULL stays NULL). */
static char *
top_strdup(const char *s)
{
	return s ? MemoryContextStrdup(TopMemoryContext, s) : NULL;
}

/*
 * STS RoleSessionName from the database user name: characters STS refuses
 * become '_', and the result is cut to 64 characters.
 */
static char *
default_session_name(UserMapping *user)
{
	const char *name = GetUserNameFromId(OidIsValid(user->userid) ?
										 user->userid : GetUserId(), true);
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "ddb_fdw-");
	for (p = name ? name : "unknown"; *p && buf.len < 64; p++)
		appendStringInfoChar(&buf, (isalnum((unsigned char) *p) ||
									strchr("_+=,.@-", *p)) ? *p : '_');
	return buf.data;
}

/*
 * Waits ms milliseconds before a retry, on the latch: a cancel or a
 * termination ends the wait at once (false; the caller then gets
 * DDB_AWS_ERR_ABORTED and CHECK_FOR_INTERRUPTS raises the cancel).
 */
static bool
retry_sleep(void *arg, long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left;

		if (ddb_abort_requested(arg))
			return false;
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			return true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Wait hook of every HTTP client: waits on the backend's latch and the
 * sockets curl wants together, so a cancel or termination (which sets the
 * latch) is seen at once and an idle wait costs no wake-ups.  Returns false
 * when a cancel or termination is pending (the request then stops; the
 * caller's CHECK_FOR_INTERRUPTS raises it).
 *
 * XXX CreateWaitEventSet and AddWaitEventToSet raise an ERROR only when
 * epoll itself fails; that would leave the client's transfer under way,
 * which the next request on the client or the transaction's abort drops.
 */
static bool
wait_sockets(void *arg, const DdbWaitSocket *sockets, int nsockets,
			 long timeout_ms)
{
	WaitEventSet *set;
	WaitEvent	event;
	int			i;

	if (ddb_abort_requested(arg))
		return false;
	set = CreateWaitEventSet(CurrentMemoryContext, nsockets + 2);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (i = 0; i < nsockets; i++)
	{
		uint32		events = 0;

		if (sockets[i].readable)
			events |= WL_SOCKET_READABLE;
		if (sockets[i].writable)
			events |= WL_SOCKET_WRITEABLE;
		AddWaitEventToSet(set, events, sockets[i].fd, NULL, NULL);
	}
	if (WaitEventSetWait(set, timeout_ms, &event, 1, PG_WAIT_EXTENSION) > 0 &&
		(event.events & WL_LATCH_SET))
		ResetLatch(MyLatch);
	FreeWaitEventSet(set);
	return !ddb_abort_requested(arg);
}

/*
 * An HTTP client.  max_response caps every answer (0: the service cap,
 * 64 MiB); no_proxy makes it ignore the proxy variables of the server's
 * environment (the metadata endpoints of the host's own identity).
 */
static DdbHttpClient *
make_client(long connect_ms, long request_ms, const DdbOptions *opts,
			size_t max_response, bool no_proxy)
{
	DdbHttpConfig cfg;
	DdbAwsError err;
	DdbHttpClient *client;

	memset(&cfg, 0, sizeof(cfg));
	cfg.connect_timeout_ms = connect_ms;
	cfg.request_timeout_ms = request_ms;
	cfg.max_response_bytes = max_response;
	cfg.no_proxy = no_proxy;
	cfg.abort_hook = ddb_abort_requested;
	if (opts)
	{
		cfg.max_retries = opts->max_retries;
		cfg.retry_base_ms = opts->retry_base_ms;
		cfg.retry_cap_ms = opts->retry_max_ms;
	}
	cfg.sleep_hook = retry_sleep;
	cfg.wait_hook = wait_sockets;
	cfg.user_agent = "ddb_fdw/1.1";
	ddb_aws_error_clear(&err);
	client = ddb_http_client_create(&cfg, &err);
	if (client == NULL)
		ddb_report_aws_error(&err, "client setup", NULL);
	return client;
}

/*
 * The clients and the DynamoDB service handle of a connection, in
 * TopMemoryContext; credentials are the caller's business.
 */
static DdbConnection *
new_connection(const char *servername, const DdbOptions *opts)
{
	DdbConnection *conn;
	DdbAwsError err;
	char	   *endpoint;
	bool		ok;

	conn = MemoryContextAllocZero(TopMemoryContext, sizeof(DdbConnection));
	conn->servername = top_strdup(servername);
	PG_TRY();
	{
		conn->http = make_client(opts->connect_timeout_ms, opts->request_timeout_ms, opts,
								 DDB_HTTP_MAX_SERVICE_RESPONSE, false);
		conn->streams_http = make_client(opts->connect_timeout_ms, opts->request_timeout_ms,
										 opts, DDB_HTTP_MAX_SERVICE_RESPONSE, false);
		conn->sts_http = make_client(opts->connect_timeout_ms, opts->request_timeout_ms, opts,
									 DDB_HTTP_MAX_CONTROL_RESPONSE, false);
		/* metadata endpoints are local: off EC2 or ECS, fail fast, no proxy */
		conn->metadata_http = make_client(1000, 5000, NULL,
										  DDB_HTTP_MAX_CONTROL_RESPONSE, true);
	}
	PG_CATCH();
	{
		free_connection(conn);
		PG_RE_THROW();
	}
	PG_END_TRY();

	endpoint = opts->endpoint ? strdup(opts->endpoint) :
		ddb_aws_default_endpoint("dynamodb", opts->region);
	ddb_aws_error_clear(&err);
	ok = endpoint != NULL &&
		ddb_aws_service_init(&conn->svc, conn->http, endpoint, opts->region,
							 "dynamodb", &err);
	free(endpoint);
	/* Streams: its own endpoint on AWS; with a custom DynamoDB endpoint the same */
	if (ok)
	{
		endpoint = opts->streams_endpoint ? strdup(opts->streams_endpoint) :
			opts->endpoint ? strdup(opts->endpoint) :
			ddb_aws_default_endpoint("streams.dynamodb", opts->region);
		ok = endpoint != NULL &&
			ddb_aws_service_init(&conn->streams_svc, conn->streams_http, endpoint,
								 opts->region, "dynamodb", &err);
		free(endpoint);
	}
	if (!ok)
	{
		free_connection(conn);
		ddb_report_aws_error(&err, "client setup", NULL);
	}
	conn->cred_config.region = top_strdup(opts->region);
	return conn;
}

/*
 * The DynamoDB service handle of lane lane (0 .. DDB_MAX_CONCURRENT_QUERIES
 * - 1): lane 0 is the connection's own client, the others are more clients
 * of the same configuration (timeouts, retries from opts, the same wait and
 * abort hooks), created on first use and kept with the connection, so that
 * requests on different lanes are in flight together, each on its own
 * socket.  A transaction's abort drops their requests as the own client's.
 */
DdbAwsService *
ddb_connection_lane(DdbConnection *conn, int lane, const DdbOptions *opts)
{
	DdbAwsService *svc;
	DdbAwsError err;

	Assert(lane >= 0 && lane < DDB_MAX_CONCURRENT_QUERIES);
	if (lane == 0)
		return &conn->svc;
	svc = &conn->lane_svc[lane - 1];
	if (conn->lane_http[lane - 1] != NULL)
		return svc;
	conn->lane_http[lane - 1] = make_client(opts->connect_timeout_ms,
											opts->request_timeout_ms, opts,
											DDB_HTTP_MAX_SERVICE_RESPONSE, false);
	ddb_aws_error_clear(&err);
	if (!ddb_aws_service_init(svc, conn->lane_http[lane - 1], conn->svc.endpoint.url,
							  conn->svc.region, conn->svc.service, &err))
	{
		ddb_http_client_destroy(conn->lane_http[lane - 1]);
		conn->lane_http[lane - 1] = NULL;
		ddb_report_aws_error(&err, "client setup", NULL);
	}
	svc->clock = conn->svc.clock;
	return svc;
}

/* Replaces the static keys the connection signs with (wiping the old). */
static void
set_static_keys(DdbConnection *conn, const char *akid, const char *secret,
				const char *token)
{
	DdbCredConfig *cc = &conn->cred_config;

	if (cc->access_key_id)
		pfree((char *) cc->access_key_id);
	wipe_and_free((char *) cc->secret_access_key);
	wipe_and_free((char *) cc->session_token);
	cc->access_key_id = top_strdup(akid);
	cc->secret_access_key = top_strdup(secret);
	cc->session_token = top_strdup(token);
	ddb_cred_state_clear(&conn->cred_state);
}

/*
 * Raises the error for a user mapping that has no keys and no grant of the
 * host identity.
 */
static void
no_credentials(ForeignServer *server, UserMapping *user, const DdbOptions *opts)
{
	const char *role = OidIsValid(user->userid) ?
		quote_identifier(GetUserNameFromId(user->userid, false)) : "PUBLIC";

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("user mapping for server \"%s\" has no AWS credentials",
					server->servername),
			 opts->use_ambient_credentials ?
			 errdetail("Since ddb_fdw 1.1 the server option \"use_ambient_credentials\" grants nothing: the database host's AWS identity is granted to a role, with the option on that role's user mapping.") :
			 errdetail("Without access_key_id and secret_access_key, requests would be signed with the database host's own AWS identity, which no superuser granted to this user mapping."),
			 errhint("Add the options \"access_key_id\" and \"secret_access_key\" to the user mapping, or have a superuser grant the host's identity: ALTER USER MAPPING FOR %s SERVER %s OPTIONS (ADD use_ambient_credentials 'true').",
					 role, quote_identifier(server->servername))));
}

static DdbConnection *
build_connection(ForeignServer *server, UserMapping *user, const DdbOptions *opts)
{
	DdbUserCredentials uc;
	DdbConnection *conn;
	DdbCredConfig *cc;

	ddb_get_user_credentials(server, user, &uc);
	if (uc.access_key_id == NULL && !uc.use_ambient_credentials)
		no_credentials(server, user, opts);

	conn = new_connection(server->servername, opts);
	cc = &conn->cred_config;
	if (uc.access_key_id && uc.secret_access_key)
		set_static_keys(conn, uc.access_key_id, uc.secret_access_key, uc.session_token);
	/* the host identity: only where a superuser granted it to this mapping */
	cc->ambient = !uc.use_ambient_credentials ? 0 :
		uc.has_ambient_sources ? uc.ambient_sources : opts->ambient_sources;
	cc->sts_endpoint = top_strdup(opts->sts_endpoint);
	cc->role_arn = top_strdup(opts->role_arn);
	cc->external_id = top_strdup(opts->external_id);
	cc->role_session_name = opts->role_session_name ?
		top_strdup(opts->role_session_name) :
		MemoryContextStrdup(TopMemoryContext, default_session_name(user));
	cc->session_duration = opts->session_duration;
	return conn;
}

/*
 * A connection of a segment worker: it signs with the credentials the
 * leader handed over (never resolving or assuming anything itself).  Not
 * cached; free it with ddb_connection_free().
 */
DdbConnection *
ddb_worker_connection(const char *servername, const DdbOptions *opts,
					  const DdbAwsCredentials *creds)
{
	DdbConnection *conn = new_connection(servername, opts);

	set_static_keys(conn, creds->access_key_id, creds->secret_access_key,
					creds->session_token);
	return conn;
}

/* Makes a worker connection sign with new credentials from the leader. */
void
ddb_connection_replace_credentials(DdbConnection *conn,
								   const DdbAwsCredentials *creds)
{
	set_static_keys(conn, creds->access_key_id, creds->secret_access_key,
					creds->session_token);
}

void
ddb_connection_free(DdbConnection *conn)
{
	free_connection(conn);
}

/*
 * Returns the cached client for (server, user mapping), building it when
 * missing or invalidated.  The result lives until the end of the
 * transaction at least.
 */
DdbConnection *
ddb_get_connection(ForeignServer *server, UserMapping *user,
				   const DdbOptions *opts)
{
	ConnCacheEntry *entry;
	bool		found;

	if (ConnectionHash == NULL)
		init_cache();
	entry = hash_search(ConnectionHash, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		entry->conn = NULL;
		entry->invalidated = false;
	}
	if (entry->conn != NULL && entry->invalidated)
		retire_connection(entry);
	if (entry->conn == NULL)
	{
		entry->invalidated = false;
		entry->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(server->serverid));
		entry->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
		entry->conn = build_connection(server, user, opts);
	}
	return entry->conn;
}

/*
 * The connection of userid (or PUBLIC's) user mapping on server serverid,
 * or NULL when there is none (planning needs none).
 */
DdbConnection *
ddb_connection_if_mapped(Oid serverid, Oid userid, const DdbOptions *opts)
{
	if (!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							   ObjectIdGetDatum(serverid)) &&
		!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							   ObjectIdGetDatum(serverid)))
		return NULL;
	return ddb_get_connection(GetForeignServer(serverid), GetUserMapping(userid, serverid),
							  opts);
}

/*
 * Credentials to sign the next request with: cached, or resolved and
 * refreshed (AssumeRole) when missing or within five minutes of expiry.
 * Raises an ERROR naming the source or STS call that failed.
 */
const DdbAwsCredentials *
ddb_connection_credentials(DdbConnection *conn)
{
	const DdbAwsCredentials *creds;
	DdbCredHost host;
	DdbAwsError err;
	bool		ok;

	memset(&host, 0, sizeof(host));
	host.http = conn->sts_http;
	host.metadata_http = conn->metadata_http;
	ddb_aws_error_clear(&err);
	pgstat_report_wait_start(PG_WAIT_EXTENSION);
	ok = ddb_credentials_get(&conn->cred_state, &conn->cred_config, &host,
							 &creds, &err);
	pgstat_report_wait_end();
	if (ok)
		return creds;

	if (err.kind == DDB_AWS_ERR_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("could not get AWS credentials for server \"%s\"",
						conn->servername),
				 errdetail_internal("%s", err.message)));
	if (conn->cred_state.assume_role_failed)
		ddb_report_service_error(&err, "STS", "AssumeRole",
								 psprintf("STS request: AssumeRole of role \"%s\"",
										  conn->cred_config.role_arn), true);
	ddb_report_service_error(&err, "AWS", "credential lookup",
				 psprintf("credentials of server \"%s\" from %s", conn->servername,
						  ddb_cred_source_name(conn->cred_state.failed_source)),
				 true);
	return NULL;				/* not reached */
}

/*
 * The table's description (keys, indexes, ItemCount, TableSizeBytes) from
 * DescribeTable, cached for a few minutes.  NULL when DynamoDB would not tell
 * (no permission to describe, throttling...): callers then do without.
 * Errors getting credentials are raised: the table could not be read either.
 */
const DdbTableDesc *
ddb_connection_table_desc(DdbConnection *conn, const char *table)
{
	return table_desc(conn, table, NULL, 0);
}

/*
 * A description DynamoDB gave at since or later (a cached one of that age,
 * else a new one, cached for later lookups); NULL with *err set when
 * DescribeTable failed.  For callers that must not mistake "unknown" for
 * "absent" (the sync deciding whether the table still has its stream).
 */
const DdbTableDesc *
ddb_connection_table_desc_fresh(DdbConnection *conn, const char *table,
								TimestampTz since, DdbAwsError *err)
{
	return table_desc(conn, table, err, since);
}

/*
 * A description: cached for a few minutes, or (with fresh_err) one fetched
 * at since or later, a failure in *fresh_err.
 */
static const DdbTableDesc *
table_desc(DdbConnection *conn, const char *table, DdbAwsError *fresh_err,
		   TimestampTz since)
{
	bool		fresh = fresh_err != NULL;

	TimestampTz now = GetCurrentTimestamp();
	DdbTableDesc *desc = NULL;
	const DdbAwsCredentials *creds;
	DdbCall		call;
	DdbAwsError err;
	CachedDesc *cd = NULL;
	ListCell   *lc;
	bool		ok;

	foreach(lc, conn->table_descs)
	{
		CachedDesc *c = lfirst(lc);

		if (strcmp(c->table, table) == 0)
		{
			cd = c;
			break;
		}
	}
	if (cd && !fresh &&
		!TimestampDifferenceExceeds(cd->fetched, now,
									cd->desc ? TABLE_DESC_TTL_MS : TABLE_DESC_FAILED_TTL_MS))
		return cd->desc;
	/* fresh enough, and a success (a failure is asked again, for its error) */
	if (cd && fresh && cd->desc && cd->fetched >= since)
		return cd->desc;

	creds = ddb_connection_credentials(conn);
	ddb_call_begin(&call, conn->http, "DescribeTable", table);
	ok = ddb_dynamodb_describe_table(&conn->svc, creds, table, &desc, &call.err);
	(void) ddb_call_end(&call);
	err = call.err;
	if (!ok && fresh)
		*fresh_err = err;
	if (!ok)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(DEBUG1,
				(errmsg_internal("ddb_fdw: DescribeTable of \"%s\" failed: %s",
								 table, err.message)));
		desc = NULL;
	}
	if (cd == NULL)
	{
		cd = MemoryContextAllocZero(TopMemoryContext, sizeof(CachedDesc));
		cd->table = MemoryContextStrdup(TopMemoryContext, table);
		conn->table_descs = lappend_in_top(conn->table_descs, cd);
	}
	ddb_table_desc_free(cd->desc);
	cd->desc = desc;
	cd->fetched = now;
	return desc;
}

/* TableSizeBytes and ItemCount; false when unknown. */
bool
ddb_connection_table_size(DdbConnection *conn, const char *table,
						  int64 *bytes, int64 *items)
{
	const DdbTableDesc *desc = ddb_connection_table_desc(conn, table);

	if (desc == NULL)
		return false;
	*bytes = desc->size_bytes;
	*items = desc->item_count;
	return true;
}
