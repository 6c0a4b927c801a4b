/*-------------------------------------------------------------------------
 *
 * segments_int.h
 *		The shared memory of a segmented scan, as the leader (segments.c)
 *		and its workers (worker.c) both see it.
 *
 * IDENTIFICATION
 *		src/fdw/read/segments_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SEGMENTS_INT_H
#define DDB_SEGMENTS_INT_H

#include "segments.h"

#include "port/atomics.h"
#include "storage/shm_mq.h"
#include "storage/spin.h"

#define PAR_MAGIC			0x64646273	/* "ddbs" */
#define KEY_SHARED			1
#define KEY_NEEDED			2
#define KEY_SEGMENTS		3
#define KEY_START_KEYS		4
#define KEY_SETTINGS		5
#define KEY_TUPLE_QUEUES	6
#define KEY_ERROR_QUEUES	7
#define KEY_REQUEST			8
#define KEY_MAPPING			9

#define TUPLE_QUEUE_SIZE	(1024 * 1024)
#define ERROR_QUEUE_SIZE	16384

/* room for credentials in the segment */
#define MAX_ACCESS_KEY_ID	256
#define MAX_SECRET_KEY		256
#define MAX_SESSION_TOKEN	16384

/* how often the leader checks whether its credentials were refreshed */
#define CREDENTIAL_CHECK_MS 1000

/* messages on a tuple queue: a MAXALIGN'd header, then the payload */
#define MSG_HEADER_SIZE		MAXALIGN(1)
#define MSG_TUPLE			'T'
#define MSG_PAGE			'P'
#define MSG_DONE			'X'

typedef struct ParShared
{
	Oid			database;
	Oid			auth_user;		/* the leader's authenticated user */
	Oid			current_user;	/* and its current user ... */
	int			sec_context;	/* ... and security context */
	Oid			relid;
	Size		mapping_len;	/* the serialized mapping (KEY_MAPPING) */
	int			total_segments;
	int			nworkers;
	pg_atomic_uint32 next_segment;
	pg_atomic_uint32 stopping;
	pg_atomic_uint64 rate_next_free;	/* the read-rate limit, shared */

	/* credentials: the leader writes, workers copy, under the mutex */
	slock_t		mutex;
	uint32		cred_generation;
	char		access_key_id[MAX_ACCESS_KEY_ID];
	char		secret_access_key[MAX_SECRET_KEY];
	char		session_token[MAX_SESSION_TOKEN];	/* "" for none */
} ParShared;

typedef struct ParSegment
{
	bool		done;
	Size		key_offset;		/* into the start key area */
	Size		key_len;		/* 0: from the beginning */
} ParSegment;

/* A page marker on a tuple queue (after the header; the key follows). */
typedef struct ParPageMarker
{
	int32		segment;
	int32		nitems;
	int64		scanned;
	double		capacity;
	int32		retries;
	int32		key_len;		/* -1: the segment is done */
} ParPageMarker;

/* Sends a message (kind, payload, extra) on a tuple queue (segments.c). */
extern shm_mq_result ddb_par_send_message(shm_mq_handle *mqh, char kind,
										  const void *payload, Size len,
										  const void *extra, Size extra_len,
										  bool flush);

#endif							/* DDB_SEGMENTS_INT_H */
