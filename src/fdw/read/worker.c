/*-------------------------------------------------------------------------
 *
 * worker.c
 *		A segment worker: a dynamic background worker that claims segments
 *		of a scan, fetches and decodes their pages, and sends the rows and a
 *		marker per page to the leader (see segments.c for the protocol).
 *
 * The worker takes the foreign table's definition (the table mapping) and
 * the credentials to sign with from the scan's shared memory: it reads no
 * catalog definition and resolves no credential itself.  Its ereports
 * travel to the leader on its error queue.
 *
 * IDENTIFICATION
 *		src/fdw/read/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "segments_int.h"

#include <signal.h>

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_foreign_table.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "scanner.h"


/* ----------------------------------------------------------------
 * Worker
 * ----------------------------------------------------------------
 */
typedef struct WorkerState
{
	int			index;
	int			segment;		/* -1 before the first */
	int			total_segments;
	const char *relname;
} WorkerState;

static ParShared *volatile worker_shared = NULL;
static volatile sig_atomic_t worker_stopping = false;

/* Before the segment is unmapped (at exit): the handler must not look. */
static void
forget_shared(dsm_segment *seg, Datum arg)
{
	worker_shared = NULL;
}

/* Whether the leader has given up on this scan. */
static bool
leader_stopping(void)
{
	ParShared  *shared = worker_shared;

	return worker_stopping ||
		(shared != NULL && pg_atomic_read_u32(&shared->stopping) != 0);
}

/*
 * SIGTERM: from the leader (it set "stopping"), a request to cancel and
 * exit quietly; from anyone else, termination as in any backend.
 */
static void
worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;
	ParShared  *shared = worker_shared;

	if (shared != NULL && pg_atomic_read_u32(&shared->stopping))
	{
		worker_stopping = true;
		InterruptPending = true;
		QueryCancelPending = true;
		SetLatch(MyLatch);
	}
	else
		die(postgres_signal_arg);
	errno = save_errno;
}

static void
worker_error_context(void *arg)
{
	WorkerState *ws = arg;

	if (ws->segment >= 0)
		errcontext("ddb_fdw segment worker %d reading segment %d of %d of foreign table \"%s\"",
				   ws->index + 1, ws->segment, ws->total_segments, ws->relname);
	else
		errcontext("ddb_fdw segment worker %d of a scan of foreign table \"%s\"",
				   ws->index + 1, ws->relname ? ws->relname : "?");
}

static void
apply_settings(const char *s)
{
	while (*s)
	{
		const char *name = s;
		const char *value = name + strlen(name) + 1;

		(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SET, true, 0, false);
		s = value + strlen(value) + 1;
	}
}

/* take_credentials' arguments, for the scanner's before_request */
typedef struct CredRefresh
{
	DdbConnection **conn;
	const char *servername;
	const DdbOptions *opts;
	uint32	   *generation;
} CredRefresh;

static void take_credentials(DdbConnection **conn, const char *servername,
							 const DdbOptions *opts, uint32 *generation);

/* Before each request: the leader's credentials, if they changed. */
static void
refresh_credentials(void *arg)
{
	CredRefresh *r = arg;

	take_credentials(r->conn, r->servername, r->opts, r->generation);
}

/* The leader's credentials, when they changed since *generation. */
static void
take_credentials(DdbConnection **conn, const char *servername,
				 const DdbOptions *opts, uint32 *generation)
{
	ParShared  *shared = worker_shared;
	DdbAwsCredentials creds;
	char		akid[MAX_ACCESS_KEY_ID];
	char		secret[MAX_SECRET_KEY];
	char	   *token = palloc(MAX_SESSION_TOKEN);
	bool		changed;

	SpinLockAcquire(&shared->mutex);
	changed = *conn == NULL || shared->cred_generation != *generation;
	if (changed)
	{
		*generation = shared->cred_generation;
		memcpy(akid, shared->access_key_id, MAX_ACCESS_KEY_ID);
		memcpy(secret, shared->secret_access_key, MAX_SECRET_KEY);
		memcpy(token, shared->session_token, MAX_SESSION_TOKEN);
	}
	SpinLockRelease(&shared->mutex);
	if (changed)
	{
		memset(&creds, 0, sizeof(creds));
		creds.access_key_id = akid;
		creds.secret_access_key = secret;
		creds.session_token = token[0] ? token : NULL;
		if (*conn == NULL)
			*conn = ddb_worker_connection(servername, opts, &creds);
		else
			ddb_connection_replace_credentials(*conn, &creds);
		explicit_bzero(secret, sizeof(secret));
		explicit_bzero(token, MAX_SESSION_TOKEN);
	}
	pfree(token);
}

/* Sends the scanner's page, then its marker. */
static void
send_page(shm_mq_handle *mqh, DdbScanner *sc, TupleDesc desc, int segment)
{
	DdbPage    *page = &sc->page;
	ParPageMarker m;
	int			r;

	for (r = 0; r < page->nitems; r++)
	{
		MinimalTuple tup;

		if (page->values)
			tup = heap_form_minimal_tuple(desc, page->values + (size_t) r * page->natts,
										  page->nulls + (size_t) r * page->natts);
		else
		{
			Datum	   *values = palloc0(sizeof(Datum) * Max(desc->natts, 1));
			bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));

			memset(nulls, true, sizeof(bool) * desc->natts);
			tup = heap_form_minimal_tuple(desc, values, nulls);
			pfree(values);
			pfree(nulls);
		}
		if (ddb_par_send_message(mqh, MSG_TUPLE, tup, tup->t_len, NULL, 0, false) != SHM_MQ_SUCCESS)
			proc_exit(0);		/* the leader is gone */
		pfree(tup);
	}
	m.segment = segment;
	m.nitems = sc->select ? (int32) page->count : page->nitems;
	m.scanned = page->scanned_count;
	m.capacity = page->capacity_units;
	m.retries = sc->page_retries;
	m.key_len = sc->start_key ? (int32) strlen(sc->start_key) : -1;
	if (ddb_par_send_message(mqh, MSG_PAGE, &m, sizeof(m), sc->start_key,
					 sc->start_key ? strlen(sc->start_key) : 0, true) != SHM_MQ_SUCCESS)
		proc_exit(0);
}

/* Claims segments and sends their pages until none is left. */
static void
worker_scan(WorkerState *ws, shm_toc *toc, shm_mq_handle *mqh)
{
	ParShared  *shared = worker_shared;
	ParSegment *segs = shm_toc_lookup(toc, KEY_SEGMENTS, false);
	const char *keys = shm_toc_lookup(toc, KEY_START_KEYS, false);
	const bool *needed = shm_toc_lookup(toc, KEY_NEEDED, false);
	DdbTableMapping *map;
	TupleDesc	desc;
	DdbScanner *sc;
	DdbConnection *conn = NULL;
	uint32		generation = 0;
	CredRefresh refresh;

	/*
	 * The definition comes from the leader, as it planned: no catalog read,
	 * no lock (taking one could wait forever behind a request queued after
	 * the leader's).
	 */
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		const char *bytes = shm_toc_lookup(toc, KEY_MAPPING, false);

		map = ddb_mapping_restore(bytes, shared->mapping_len);
		desc = ddb_mapping_tupdesc(map);
		MemoryContextSwitchTo(old);
	}
	ws->relname = map->relname;
	sc = ddb_scanner_create(map, needed, InvalidOid, TopMemoryContext);
	/* one read-rate limit for all the scan's workers */
	if (sc->rate)
		sc->rate = ddb_rate_limit_create(sc->opts.max_read_units_per_second,
										 &shared->rate_next_free);
	{
		const char *filter = shm_toc_lookup(toc, KEY_REQUEST, false);
		const char *names = filter + strlen(filter) + 1;
		const char *values = names + strlen(names) + 1;
		const char *select = values + strlen(values) + 1;

		if (select[0])
		{
			/* Select COUNT: no attributes asked for */
			sc->select = "COUNT";
			sc->projection = NULL;
			sc->projection_names = NULL;
		}
		if (filter[0] || select[0])
			ddb_scanner_set_request(sc, DDB_OP_SCAN, NULL, filter[0] ? filter : NULL, names,
									values[0] ? values : NULL, NIL, 0);
	}
	take_credentials(&conn, map->servername, &sc->opts, &generation);
	sc->conn = conn;
	refresh.conn = &conn;
	refresh.servername = map->servername;
	refresh.opts = &sc->opts;
	refresh.generation = &generation;
	sc->before_request = refresh_credentials;
	sc->before_request_arg = &refresh;

	for (;;)
	{
		uint32		s = pg_atomic_fetch_add_u32(&shared->next_segment, 1);
		char	   *start = NULL;

		if (s >= (uint32) shared->total_segments || leader_stopping())
			break;
		if (segs[s].done)
			continue;
		if (segs[s].key_len > 0)
			start = pnstrdup(keys + segs[s].key_offset, segs[s].key_len);
		ws->segment = (int) s;
		pgstat_report_appname(psprintf("ddb_fdw segment worker: %s segment %u/%d",
									   sc->opts.table_name, s, shared->total_segments));
		pgstat_report_activity(STATE_RUNNING,
							   psprintf("Scan of DynamoDB table %s, segment %u of %d",
										sc->opts.table_name, s, shared->total_segments));
		ddb_scanner_restart(sc, (int) s, shared->total_segments, start);
		if (start)
			pfree(start);
		for (;;)
		{
			take_credentials(&conn, map->servername, &sc->opts, &generation);
			if (!ddb_scanner_next_page(sc))
				break;
			send_page(mqh, sc, desc, (int) s);
			if (sc->start_key == NULL)
				break;
		}
	}
	if (ddb_par_send_message(mqh, MSG_DONE, NULL, 0, NULL, 0, true) != SHM_MQ_SUCCESS)
		proc_exit(0);
	ddb_scanner_free(sc);
	ddb_connection_free(conn);
}

void
ddb_segment_worker_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	ParShared  *shared;
	shm_mq	   *tq;
	shm_mq	   *eq;
	shm_mq_handle *tqh;
	shm_mq_handle *eqh;
	WorkerState ws;
	ErrorContextCallback errcallback;
	int			index;

	memcpy(&index, MyBgworkerEntry->bgw_extra, sizeof(int));
	pqsignal(SIGTERM, worker_sigterm);
	BackgroundWorkerUnblockSignals();

	/* a session-lifetime mapping: no resource owner */
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ddb_fdw segment worker could not map its shared memory")));
	toc = shm_toc_attach(PAR_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ddb_fdw segment worker found bad shared memory")));
	shared = shm_toc_lookup(toc, KEY_SHARED, false);
	worker_shared = shared;
	on_dsm_detach(seg, forget_shared, (Datum) 0);

	/* from here on, reports go to the leader */
	eq = (shm_mq *) ((char *) shm_toc_lookup(toc, KEY_ERROR_QUEUES, false) +
					 (Size) index * ERROR_QUEUE_SIZE);
	shm_mq_set_sender(eq, MyProc);
	eqh = shm_mq_attach(eq, seg, NULL);
	pq_redirect_to_shm_mq(seg, eqh);
	tq = (shm_mq *) ((char *) shm_toc_lookup(toc, KEY_TUPLE_QUEUES, false) +
					 (Size) index * TUPLE_QUEUE_SIZE);
	shm_mq_set_sender(tq, MyProc);
	tqh = shm_mq_attach(tq, seg, NULL);

	ws.index = index;
	ws.segment = -1;
	ws.total_segments = shared->total_segments;
	ws.relname = NULL;
	errcallback.callback = worker_error_context;
	errcallback.arg = &ws;
	errcallback.previous = NULL;
	error_context_stack = &errcallback;

	PG_TRY();
	{
		BackgroundWorkerInitializeConnectionByOid(shared->database,
												  shared->auth_user,
												  BGWORKER_BYPASS_ALLOWCONN);
		SetUserIdAndSecContext(shared->current_user, shared->sec_context);
		StartTransactionCommand();
		apply_settings(shm_toc_lookup(toc, KEY_SETTINGS, false));
		worker_scan(&ws, toc, tqh);
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* stopped by the leader: nobody waits for a report */
		if (leader_stopping())
		{
			error_context_stack = NULL;
			FlushErrorState();
			proc_exit(0);
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	proc_exit(0);
}
