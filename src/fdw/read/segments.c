/*-------------------------------------------------------------------------
 *
 * segments.c
 *		Segmented parallel scans run by background workers: the leader.
 *		(The workers are worker.c.)
 *
 * A full scan of T segments launches up to N dynamic background workers
 * ("ddb_fdw segment worker").  They share one dynamic shared memory segment
 * with the leader:
 *
 *	- a header: who the leader is, the table, the segment count, an atomic
 *	  counter the workers claim segments from, and the credentials to sign
 *	  with (the leader's, refreshed by the leader: workers never resolve or
 *	  assume anything themselves);
 *	- per segment: done already (a sync resuming), and the ExclusiveStartKey
 *	  to continue from;
 *	- the settings that change how values are read (DateStyle, TimeZone...);
 *	- per worker: a tuple queue (worker -> leader) and an error queue, on
 *	  which the worker's ereports travel as protocol messages, as a parallel
 *	  worker's do.
 *
 * A worker claims segments one at a time, fetches and decodes pages with the
 * same DdbScanner the leader would use, and sends each row as a
 * MinimalTuple, then a page marker (segment, items, LastEvaluatedKey): all
 * rows of a page precede its marker, so a sync can checkpoint exactly.
 * When no segment is left it sends "done" and exits.
 *
 * Stopping: the leader sets "stopping" and sends SIGTERM; a worker then
 * cancels what it does (an HTTP request is aborted within 50 ms) and exits
 * quietly.  A SIGTERM without "stopping" (an administrator's) terminates it
 * like any backend, and the leader reports that.  The scan's memory context
 * owns everything: deleting it, also during an abort, stops the workers and
 * detaches the segment, so none outlives its scan.
 *
 * Workers take the foreign table's definition (the table mapping) from the
 * segment, as the leader planned it, also when the leader's transaction
 * altered the table; they read no catalog definition.  Only a column type
 * created in the leader's uncommitted transaction, which their snapshot
 * cannot see, makes the leader scan alone.
 *
 * IDENTIFICATION
 *		src/fdw/read/segments.c
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


/* GUCs */
int			ddb_max_workers_per_scan = 4;
int			ddb_max_segments = 64;

/* Settings that change how a value is read; the leader's apply. */
static const char *const reading_settings[] = {
	"DateStyle", "IntervalStyle", "TimeZone", "xmloption", "lc_monetary",
	"search_path", NULL
};

struct DdbParallelScan
{
	MemoryContext cxt;
	dsm_segment *seg;
	ParShared  *shared;
	DdbConnection *conn;		/* the leader's, for refreshed credentials */
	char	   *relname;
	int			nworkers;		/* launched */
	BackgroundWorkerHandle **handles;
	shm_mq_handle **tuple_queues;
	shm_mq_handle **error_queues;
	bool	   *finished;
	int			nfinished;
	int			current;		/* the queue read last */
	TimestampTz last_cred_check;
	char	   *key_buf;		/* last page marker's key */
	Size		key_buf_size;
};

/* ----------------------------------------------------------------
 * Both sides
 * ----------------------------------------------------------------
 */

/* Whether this transaction wrote the catalog row (a syscache entry). */
static bool
written_here(HeapTuple tup)
{
	return HeapTupleIsValid(tup) &&
		TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
}

/*
 * Whether a column's type (or its element type) was created by the current
 * transaction: workers, with their own snapshots, would not find it.  (The
 * foreign table's own definition reaches them with the mapping.)
 */
static bool
types_created_here(const DdbTableMapping *m)
{
	int			i;

	if (!TransactionIdIsValid(GetTopTransactionIdIfAny()))
		return false;			/* it wrote nothing at all */
	for (i = 0; i < m->natts; i++)
	{
		Oid			types[2];
		int			k;

		if (m->columns[i].dropped)
			continue;
		types[0] = m->columns[i].typid;
		types[1] = get_element_type(types[0]);
		for (k = 0; k < 2; k++)
		{
			HeapTuple	tup;
			bool		written;

			if (!OidIsValid(types[k]))
				continue;
			tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(types[k]));
			written = written_here(tup);
			if (HeapTupleIsValid(tup))
				ReleaseSysCache(tup);
			if (written)
				return true;
		}
	}
	return false;
}

/* Sends a message; flush false lets PG15+ postpone waking the receiver. */
shm_mq_result
ddb_par_send_message(shm_mq_handle *mqh, char kind, const void *payload, Size len,
			 const void *extra, Size extra_len, bool flush)
{
	char		header[MSG_HEADER_SIZE];
	shm_mq_iovec iov[3];
	int			n = 0;

	memset(header, 0, sizeof(header));
	header[0] = kind;
	iov[n].data = header;
	iov[n++].len = sizeof(header);
	if (len > 0)
	{
		iov[n].data = payload;
		iov[n++].len = len;
	}
	if (extra_len > 0)
	{
		iov[n].data = extra;
		iov[n++].len = extra_len;
	}
	return ddb_shm_mq_sendv(mqh, iov, n, flush);
}

/* ----------------------------------------------------------------
 * Leader
 * ----------------------------------------------------------------
 */

/* Copies the leader's credentials into the segment (generation + 1). */
static void
publish_credentials(ParShared *shared, const DdbAwsCredentials *creds)
{
	const char *token = creds->session_token ? creds->session_token : "";

	if (strlen(creds->access_key_id) >= MAX_ACCESS_KEY_ID ||
		strlen(creds->secret_access_key) >= MAX_SECRET_KEY ||
		strlen(token) >= MAX_SESSION_TOKEN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("AWS credentials too long to hand to ddb_fdw segment workers"),
				 errhint("Set ddb_fdw.max_workers_per_scan = 0 to scan without workers.")));
	SpinLockAcquire(&shared->mutex);
	strlcpy(shared->access_key_id, creds->access_key_id, MAX_ACCESS_KEY_ID);
	strlcpy(shared->secret_access_key, creds->secret_access_key, MAX_SECRET_KEY);
	strlcpy(shared->session_token, token, MAX_SESSION_TOKEN);
	shared->cred_generation++;
	SpinLockRelease(&shared->mutex);
}

/*
 * Republishes the credentials when the leader's were refreshed (the
 * connection refreshes them five minutes before they expire).
 */
static void
check_credentials(DdbParallelScan *p)
{
	TimestampTz now = GetCurrentTimestamp();
	const DdbAwsCredentials *creds;
	bool		same;

	if (!TimestampDifferenceExceeds(p->last_cred_check, now, CREDENTIAL_CHECK_MS))
		return;
	p->last_cred_check = now;
	creds = ddb_connection_credentials(p->conn);
	SpinLockAcquire(&p->shared->mutex);
	same = strcmp(p->shared->access_key_id, creds->access_key_id) == 0 &&
		strcmp(p->shared->secret_access_key, creds->secret_access_key) == 0 &&
		strcmp(p->shared->session_token,
			   creds->session_token ? creds->session_token : "") == 0;
	SpinLockRelease(&p->shared->mutex);
	if (!same)
		publish_credentials(p->shared, creds);
}

/* Stops the workers and releases the segment; safe to call twice. */
static void
stop_workers(DdbParallelScan *p, bool wait)
{
	int			i;

	if (p->seg == NULL)
		return;
	if (p->shared == NULL)
	{
		/* failed while being set up: no worker was started */
		dsm_detach(p->seg);
		p->seg = NULL;
		return;
	}
	pg_atomic_write_u32(&p->shared->stopping, 1);
	for (i = 0; i < p->nworkers; i++)
		TerminateBackgroundWorker(p->handles[i]);
	if (wait)
	{
		for (i = 0; i < p->nworkers; i++)
			(void) WaitForBackgroundWorkerShutdown(p->handles[i]);
	}
	/* the secret does not stay in shared memory */
	SpinLockAcquire(&p->shared->mutex);
	explicit_bzero(p->shared->secret_access_key, MAX_SECRET_KEY);
	explicit_bzero(p->shared->session_token, MAX_SESSION_TOKEN);
	SpinLockRelease(&p->shared->mutex);
	dsm_detach(p->seg);
	p->seg = NULL;
	p->shared = NULL;
}

/* The scan's context goes away (also during an abort): stop everything. */
static void
parallel_reset_callback(void *arg)
{
	stop_workers((DdbParallelScan *) arg, false);
}

/* The settings that change how values are read, as "name\0value\0"... */
static char *
serialize_settings(Size *len)
{
	StringInfoData buf;
	const char *const *s;

	initStringInfo(&buf);
	for (s = reading_settings; *s; s++)
	{
		const char *value = GetConfigOption(*s, true, false);

		if (value == NULL)
			continue;
		appendBinaryStringInfo(&buf, *s, strlen(*s) + 1);
		appendBinaryStringInfo(&buf, value, strlen(value) + 1);
	}
	appendStringInfoChar(&buf, '\0');
	*len = buf.len;
	return buf.data;
}

/* Copies len bytes into a new chunk of the segment under key. */
static void *
put_chunk(shm_toc *toc, uint64 key, const void *data, Size len)
{
	void	   *chunk = shm_toc_allocate(toc, Max(len, 1));

	if (len > 0)
		memcpy(chunk, data, len);
	shm_toc_insert(toc, key, chunk);
	return chunk;
}

/* The segments (done, and where each continues) and their start keys. */
static void
put_segments(shm_toc *toc, int total_segments, const DdbSegmentStart *starts,
			 Size keys_len)
{
	ParSegment *segs = shm_toc_allocate(toc, sizeof(ParSegment) * total_segments);
	char	   *keys = shm_toc_allocate(toc, Max(keys_len, 1));
	Size		used = 0;
	int			i;

	for (i = 0; i < total_segments; i++)
	{
		segs[i].done = starts && starts[i].done;
		segs[i].key_offset = used;
		segs[i].key_len = 0;
		if (starts && !starts[i].done && starts[i].start_key)
		{
			segs[i].key_len = strlen(starts[i].start_key);
			memcpy(keys + used, starts[i].start_key, segs[i].key_len);
			used += segs[i].key_len;
		}
	}
	shm_toc_insert(toc, KEY_SEGMENTS, segs);
	shm_toc_insert(toc, KEY_START_KEYS, keys);
}

/* The header: who the leader is, the counters, the credentials. */
static ParShared *
put_shared(shm_toc *toc, const DdbTableMapping *m, Size map_len,
		   int total_segments, int nworkers)
{
	ParShared  *shared = shm_toc_allocate(toc, sizeof(ParShared));

	memset(shared, 0, sizeof(ParShared));
	shared->database = MyDatabaseId;
	shared->auth_user = GetAuthenticatedUserId();
	GetUserIdAndSecContext(&shared->current_user, &shared->sec_context);
	shared->relid = m->relid;
	shared->mapping_len = map_len;
	shared->total_segments = total_segments;
	shared->nworkers = nworkers;
	pg_atomic_init_u32(&shared->next_segment, 0);
	pg_atomic_init_u32(&shared->stopping, 0);
	ddb_rate_limit_init_shared(&shared->rate_next_free);
	SpinLockInit(&shared->mutex);
	shm_toc_insert(toc, KEY_SHARED, shared);
	return shared;
}

/* Starts up to nworkers workers on their queues; p->nworkers says how many. */
static void
launch_workers(DdbParallelScan *p, shm_toc *toc, int nworkers)
{
	char	   *tq_base = shm_toc_allocate(toc, mul_size(TUPLE_QUEUE_SIZE, nworkers));
	char	   *eq_base = shm_toc_allocate(toc, mul_size(ERROR_QUEUE_SIZE, nworkers));
	int			i;

	shm_toc_insert(toc, KEY_TUPLE_QUEUES, tq_base);
	shm_toc_insert(toc, KEY_ERROR_QUEUES, eq_base);
	for (i = 0; i < nworkers; i++)
	{
		BackgroundWorker worker;
		shm_mq	   *tq;
		shm_mq	   *eq;

		tq = shm_mq_create(tq_base + (Size) i * TUPLE_QUEUE_SIZE, TUPLE_QUEUE_SIZE);
		eq = shm_mq_create(eq_base + (Size) i * ERROR_QUEUE_SIZE, ERROR_QUEUE_SIZE);
		shm_mq_set_receiver(tq, MyProc);
		shm_mq_set_receiver(eq, MyProc);

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
			BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_ConsistentState;
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		snprintf(worker.bgw_library_name, BGW_MAXLEN, "ddb_fdw");
		snprintf(worker.bgw_function_name, BGW_MAXLEN, "ddb_segment_worker_main");
		snprintf(worker.bgw_type, BGW_MAXLEN, "ddb_fdw segment worker");
		snprintf(worker.bgw_name, BGW_MAXLEN,
				 "ddb_fdw segment worker %d for PID %d", i + 1, MyProcPid);
		worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(p->seg));
		worker.bgw_notify_pid = MyProcPid;
		memcpy(worker.bgw_extra, &i, sizeof(int));
		if (!RegisterDynamicBackgroundWorker(&worker, &p->handles[i]))
			break;				/* no free slot: make do with fewer */
		p->tuple_queues[i] = shm_mq_attach(tq, p->seg, p->handles[i]);
		p->error_queues[i] = shm_mq_attach(eq, p->seg, p->handles[i]);
		p->nworkers++;
	}
}

/*
 * Starts a segmented scan of the foreign table of m by up to nworkers
 * workers (see segments.h); NULL when it must run in the leader.
 */
DdbParallelScan *
ddb_parallel_begin(const DdbTableMapping *m, const bool *needed, DdbConnection *conn,
				   int total_segments, int nworkers,
				   const DdbSegmentStart *starts,
				   const DdbParallelRequest *request, MemoryContext parent)
{
	MemoryContext cxt;
	MemoryContext old;
	DdbParallelScan *p;
	MemoryContextCallback *cb;
	shm_toc_estimator e;
	shm_toc    *toc;
	Size		keys_len = 0;
	Size		settings_len;
	char	   *settings;
	StringInfoData reqbuf;
	Size		map_len = ddb_mapping_serialized_size(m);
	char	   *map_bytes;
	int			i;

	Assert(total_segments > 0 && nworkers > 0);
	if (types_created_here(m))
	{
		ereport(DEBUG1,
				(errmsg_internal("ddb_fdw: a column type of \"%s\" was created in this transaction; scanning it in the leader",
								 m->relname)));
		return NULL;
	}
	/* more could never start: do not size queues for them */
	nworkers = Min(nworkers, Min(total_segments, max_worker_processes));
	cxt = AllocSetContextCreate(parent, "ddb_fdw parallel scan",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	p = palloc0(sizeof(DdbParallelScan));
	p->cxt = cxt;
	p->conn = conn;
	p->relname = pstrdup(m->relname);
	p->handles = palloc0(sizeof(BackgroundWorkerHandle *) * nworkers);
	p->tuple_queues = palloc0(sizeof(shm_mq_handle *) * nworkers);
	p->error_queues = palloc0(sizeof(shm_mq_handle *) * nworkers);
	p->finished = palloc0(sizeof(bool) * nworkers);

	for (i = 0; starts && i < total_segments; i++)
		if (starts[i].start_key && !starts[i].done)
			keys_len += strlen(starts[i].start_key);
	settings = serialize_settings(&settings_len);
	/* the filter, its names and values, Select: "filter\0names\0values\0select\0" */
	initStringInfo(&reqbuf);
	if (request)
	{
		const char *parts[4] = {request->filter, request->names, request->values,
		request->select};
		int			k;

		for (k = 0; k < 4; k++)
			appendBinaryStringInfo(&reqbuf, parts[k] ? parts[k] : "",
								   strlen(parts[k] ? parts[k] : "") + 1);
	}
	else
		appendBinaryStringInfo(&reqbuf, "\0\0\0\0", 4);
	/* the definition workers read: never the catalog's */
	map_bytes = palloc(map_len);
	ddb_mapping_serialize(m, map_bytes, map_len);

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(ParShared));
	shm_toc_estimate_chunk(&e, sizeof(bool) * Max(m->natts, 1));
	shm_toc_estimate_chunk(&e, sizeof(ParSegment) * total_segments);
	shm_toc_estimate_chunk(&e, Max(keys_len, 1));
	shm_toc_estimate_chunk(&e, settings_len);
	shm_toc_estimate_chunk(&e, reqbuf.len);
	shm_toc_estimate_chunk(&e, map_len);
	shm_toc_estimate_chunk(&e, mul_size(TUPLE_QUEUE_SIZE, nworkers));
	shm_toc_estimate_chunk(&e, mul_size(ERROR_QUEUE_SIZE, nworkers));
	shm_toc_estimate_keys(&e, 9);

	p->seg = dsm_create(shm_toc_estimate(&e), 0);
	/* the scan's memory context decides when it goes, not the resowner */
	dsm_pin_mapping(p->seg);
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = parallel_reset_callback;
	cb->arg = p;
	MemoryContextRegisterResetCallback(cxt, cb);

	toc = shm_toc_create(PAR_MAGIC, dsm_segment_address(p->seg),
						 dsm_segment_map_length(p->seg));
	p->shared = put_shared(toc, m, map_len, total_segments, nworkers);
	publish_credentials(p->shared, ddb_connection_credentials(conn));
	p->last_cred_check = GetCurrentTimestamp();
	put_chunk(toc, KEY_NEEDED, needed, sizeof(bool) * m->natts);
	put_segments(toc, total_segments, starts, keys_len);
	put_chunk(toc, KEY_SETTINGS, settings, settings_len);
	put_chunk(toc, KEY_REQUEST, reqbuf.data, reqbuf.len);
	put_chunk(toc, KEY_MAPPING, map_bytes, map_len);
	launch_workers(p, toc, nworkers);
	p->shared->nworkers = p->nworkers;
	MemoryContextSwitchTo(old);

	if (p->nworkers == 0)
	{
		ereport(DEBUG1,
				(errmsg_internal("ddb_fdw: no background worker slot free; scanning \"%s\" in the leader",
								 p->relname)));
		MemoryContextDelete(cxt);
		return NULL;
	}
	return p;
}

int
ddb_parallel_workers(DdbParallelScan *p)
{
	return p ? p->nworkers : 0;
}

int
ddb_parallel_worker_pid(DdbParallelScan *p, int w)
{
	pid_t		pid;

	if (p == NULL || w < 0 || w >= p->nworkers || p->handles[w] == NULL ||
		GetBackgroundWorkerPid(p->handles[w], &pid) != BGWH_STARTED)
		return 0;
	return (int) pid;
}

/*
 * Relays what a worker reported (errors, notices) as if it happened here.
 * An error ends the scan.
 */
static void
relay_reports(DdbParallelScan *p, int w)
{
	for (;;)
	{
		Size		nbytes;
		void	   *data;
		shm_mq_result res;
		StringInfoData msg;
		char		type;

		if (p->error_queues[w] == NULL)
			return;
		res = shm_mq_receive(p->error_queues[w], &nbytes, &data, true);
		if (res != SHM_MQ_SUCCESS)
			return;
		initStringInfo(&msg);
		appendBinaryStringInfo(&msg, data, nbytes);
		type = pq_getmsgbyte(&msg);
		if (type == 'E' || type == 'N')
		{
			ErrorData	edata;

			pq_parse_errornotice(&msg, &edata);
			/* a worker's FATAL is this query's ERROR */
			edata.elevel = Min(edata.elevel, ERROR);
			ThrowErrorData(&edata);
		}
		pfree(msg.data);
	}
}

static void pg_attribute_noreturn()
worker_died(DdbParallelScan *p, int w)
{
	relay_reports(p, w);
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("ddb_fdw segment worker %d of a scan of \"%s\" exited unexpectedly",
					w + 1, p->relname),
			 errhint("The server log may tell why.")));
}

/* Decodes a message of worker w into msg; false for "done". */
static bool
read_message(DdbParallelScan *p, int w, const char *data, Size nbytes,
			 DdbParMessage *msg)
{
	char		kind;

	if (nbytes < MSG_HEADER_SIZE)
		elog(ERROR, "ddb_fdw segment worker %d sent a malformed message", w + 1);
	kind = data[0];
	memset(msg, 0, sizeof(*msg));
	msg->worker = w;
	if (kind == MSG_TUPLE)
	{
		msg->kind = DDB_PAR_TUPLE;
		msg->tuple = (MinimalTuple) (data + MSG_HEADER_SIZE);
		return true;
	}
	if (kind == MSG_PAGE)
	{
		ParPageMarker m;

		if (nbytes < MSG_HEADER_SIZE + sizeof(m))
			elog(ERROR, "ddb_fdw segment worker %d sent a malformed page marker", w + 1);
		memcpy(&m, data + MSG_HEADER_SIZE, sizeof(m));
		msg->kind = DDB_PAR_PAGE;
		msg->segment = m.segment;
		msg->nitems = m.nitems;
		msg->scanned = m.scanned;
		msg->capacity = m.capacity;
		msg->retries = m.retries;
		if (m.key_len >= 0)
		{
			if (nbytes < MSG_HEADER_SIZE + sizeof(m) + m.key_len)
				elog(ERROR, "ddb_fdw segment worker %d sent a malformed page marker", w + 1);
			if (p->key_buf_size < (Size) m.key_len + 1)
			{
				if (p->key_buf)
					pfree(p->key_buf);
				p->key_buf_size = Max((Size) m.key_len + 1, 256);
				p->key_buf = MemoryContextAlloc(p->cxt, p->key_buf_size);
			}
			memcpy(p->key_buf, data + MSG_HEADER_SIZE + sizeof(m), m.key_len);
			p->key_buf[m.key_len] = '\0';
			msg->last_key = p->key_buf;
		}
		return true;
	}
	if (kind == MSG_DONE)
		return false;
	elog(ERROR, "ddb_fdw segment worker %d sent an unknown message \"%c\"", w + 1, kind);
	return false;				/* not reached */
}

bool
ddb_parallel_next(DdbParallelScan *p, DdbParMessage *msg)
{
	for (;;)
	{
		int			tries;

		CHECK_FOR_INTERRUPTS();
		if (p->nfinished == p->nworkers)
			return false;
		check_credentials(p);

		/* stay on a queue while it has messages, then move on */
		for (tries = 0; tries < p->nworkers; tries++)
		{
			int			w = p->current;
			Size		nbytes;
			void	   *data;
			shm_mq_result res;

			if (!p->finished[w])
			{
				res = shm_mq_receive(p->tuple_queues[w], &nbytes, &data, true);
				if (res == SHM_MQ_SUCCESS)
				{
					if (read_message(p, w, data, nbytes, msg))
						return true;
					p->finished[w] = true;
					p->nfinished++;
					if (p->nfinished == p->nworkers)
						return false;
				}
				else if (res == SHM_MQ_DETACHED)
					worker_died(p, w);
			}
			/* notices, and errors of a worker that has not exited yet */
			relay_reports(p, w);
			p->current = (p->current + 1) % p->nworkers;
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

void
ddb_parallel_end(DdbParallelScan *p)
{
	if (p == NULL)
		return;
	stop_workers(p, true);
	MemoryContextDelete(p->cxt);
}

/* ----------------------------------------------------------------
 * How many segments
 * ----------------------------------------------------------------
 */

/* a segment per this much data, as AWS advises */
#define BYTES_PER_SEGMENT	(INT64CONST(2) * 1024 * 1024 * 1024)
/* below this, one request or two: not worth a worker */
#define MIN_PARALLEL_BYTES	(1024 * 1024)

int
ddb_segment_count(const DdbOptions *opts, DdbConnection *conn)
{
	int64		bytes;
	int64		items;
	int64		n;

	if (opts->segments > 0)
		return Min(opts->segments, ddb_max_segments);
	if (ddb_max_workers_per_scan == 0)
		return 1;
	/*
	 * Without its size (DescribeTable not allowed, say) the table may be
	 * tiny: one segment.  An explicit count does not need DescribeTable.
	 */
	if (!ddb_connection_table_size(conn, opts->table_name, &bytes, &items))
		n = 1;
	else if (bytes < MIN_PARALLEL_BYTES)
		n = 1;
	else
		n = Max(ddb_max_workers_per_scan, (bytes + BYTES_PER_SEGMENT - 1) / BYTES_PER_SEGMENT);
	return (int) Min(n, ddb_max_segments);
}
