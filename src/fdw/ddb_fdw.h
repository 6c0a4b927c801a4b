/*-------------------------------------------------------------------------
 *
 * ddb_fdw.h
 *		Shared declarations of ddb_fdw's PostgreSQL side.
 *
 * IDENTIFICATION
 *		src/fdw/ddb_fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_FDW_H
#define DDB_FDW_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/relcache.h"

#include "aws/aws.h"
#include "aws/credentials.h"
#include "aws/dynamodb.h"
#include "aws/http.h"
#include "aws/json.h"

/* page_size option: a positive number of items, or one of these */
#define DDB_PAGE_SIZE_AUTO	(-1)	/* Limit near what fits in 1 MB */
#define DDB_PAGE_SIZE_MAX	0		/* no Limit: DynamoDB's 1 MB pages */

/* first Limit of an auto-sized scan, before any page told us item sizes */
#define DDB_AUTO_FIRST_LIMIT 1000
#define DDB_AUTO_MAX_LIMIT 100000
#define DDB_MAX_PAGE_BYTES (1024 * 1024)

/* segments option: a count of TotalSegments, or from the table's size */
#define DDB_SEGMENTS_AUTO	0
#define DDB_MAX_TOTAL_SEGMENTS 1000000	/* DynamoDB's limit */

/* How a time column (timestamptz, timestamp, date) reads and writes its
 * attribute: the column option "format". */
typedef enum DdbTimeFormat
{
	DDB_FORMAT_DEFAULT = 0,		/* S: the type's input function; N: epoch
								 * seconds (timestamps) */
	DDB_FORMAT_EPOCH_SECONDS,	/* N: seconds since 1970-01-01 UTC */
	DDB_FORMAT_EPOCH_MILLIS,	/* N: milliseconds since then */
	DDB_FORMAT_ISO8601			/* S: ISO 8601, UTC when it names no offset */
} DdbTimeFormat;

/* max_scan_read_units not set on the table nor its server */
#define DDB_READ_UNITS_UNSET (-1.0)

/* concurrent_queries option: Queries of a key list in flight together */
#define DDB_DEFAULT_CONCURRENT_QUERIES 4
#define DDB_MAX_CONCURRENT_QUERIES 16

/* What a read asks DynamoDB for (a plan's, a scanner's). */
typedef enum DdbOperation
{
	DDB_OP_SCAN,
	DDB_OP_QUERY,
	DDB_OP_GET,					/* GetItem */
	DDB_OP_BATCH				/* BatchGetItem */
} DdbOperation;

/*
 * Everything the options of a foreign table, its server and the current
 * user's mapping say, resolved with defaults (option.c).
 */
typedef struct DdbOptions
{
	/* server */
	char	   *region;
	char	   *endpoint;		/* NULL: the region's AWS endpoint */
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;	/* after the first attempt */
	int			retry_base_ms;
	int			retry_max_ms;
	char	   *role_arn;
	char	   *external_id;
	char	   *role_session_name;	/* NULL: derived from the user name */
	int			session_duration;	/* seconds */
	char	   *sts_endpoint;	/* NULL: the region's STS endpoint */
	char	   *streams_endpoint;	/* NULL: endpoint, else the region's */
	bool		use_ambient_credentials;	/* before 1.1 the grant; now none */
	unsigned	ambient_sources;	/* DDB_AMBIENT_* bits */

	/* table (page_size may come from the server) */
	char	   *table_name;
	char	   *partition_key;
	char	   *sort_key;
	int			page_size;		/* DDB_PAGE_SIZE_AUTO, _MAX or > 0 */
	int			segments;		/* DDB_SEGMENTS_AUTO or > 0 */
	char	   *index_name;		/* the table exposes this index, or NULL */
	bool		consistent_read;
	double		max_read_units_per_second;	/* 0: no limit (table or server) */
	bool		overwrite;		/* INSERT replaces items (no condition) */
	int			batch_size;		/* rows per write request */
	double		max_scan_read_units;	/* refuse larger Scans; 0: off;
										 * DDB_READ_UNITS_UNSET */
	bool		write_transaction;	/* write_mode 'transaction': a
									 * transaction's writes go at commit */
	int			concurrent_queries; /* Queries of a key list in flight
									 * together (table or server) */
} DdbOptions;

/*
 * What a user mapping says about credentials (palloc'd; secrets): static
 * keys, or a superuser's grant of the database host's identity.
 */
typedef struct DdbUserCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	bool		use_ambient_credentials;	/* the grant (superuser only) */
	bool		has_ambient_sources;
	unsigned	ambient_sources;	/* DDB_AMBIENT_* bits, when set */
} DdbUserCredentials;

/* One column of a foreign table, as the scan sees it. */
typedef struct DdbColumnOptions
{
	char	   *attribute_name; /* DynamoDB attribute; NULL for whole_item */
	bool		whole_item;
	DdbTimeFormat format;
	bool		unmapped_only;	/* whole_item: only what no column reads */
} DdbColumnOptions;

/* A live client for one (server, user mapping) pair (connection.c). */
typedef struct DdbConnection
{
	DdbHttpClient *http;		/* DynamoDB */
	DdbAwsService svc;
	DdbHttpClient *streams_http;	/* DynamoDB Streams */
	DdbAwsService streams_svc;
	DdbHttpClient *sts_http;	/* STS */
	DdbHttpClient *metadata_http;	/* IMDS and container endpoint */
	/*
	 * More DynamoDB clients, for requests in flight together (the Queries
	 * of a key list): lane i (1 ..) is lane_http[i - 1] with its service
	 * handle, created on first use (ddb_connection_lane); lane 0 is http.
	 */
	DdbHttpClient *lane_http[DDB_MAX_CONCURRENT_QUERIES - 1];
	DdbAwsService lane_svc[DDB_MAX_CONCURRENT_QUERIES - 1];
	DdbCredConfig cred_config;	/* strings in TopMemoryContext */
	DdbCredState cred_state;	/* the credential cache */
	char	   *servername;
	List	   *table_descs;	/* DescribeTable answers (TopMemoryContext) */
} DdbConnection;

/* in option.c */
extern void ddb_get_options(Oid foreigntableid, DdbOptions *opts);
extern void ddb_get_server_options(ForeignServer *server, DdbOptions *opts);
extern void ddb_get_column_options(Oid relid, AttrNumber attnum,
								   DdbColumnOptions *col);
extern void ddb_get_user_credentials(ForeignServer *server, UserMapping *user,
									 DdbUserCredentials *creds);
extern const char *ddb_page_size_name(int page_size, char *buf, size_t len);
extern const char *ddb_segments_name(int segments, char *buf, size_t len);
extern const char *ddb_time_format_name(DdbTimeFormat format);
extern double ddb_max_scan_read_units;	/* the GUC; 0: off */

/* in read/pushdown.c */
extern const char *ddb_operation_name(DdbOperation op);

/* in connection.c */
extern DdbConnection *ddb_get_connection(ForeignServer *server,
										 UserMapping *user,
										 const DdbOptions *opts);
extern DdbConnection *ddb_connection_if_mapped(Oid serverid, Oid userid,
											   const DdbOptions *opts);
extern const DdbAwsCredentials *ddb_connection_credentials(DdbConnection *conn);
extern DdbAwsService *ddb_connection_lane(DdbConnection *conn, int lane,
										  const DdbOptions *opts);
extern DdbConnection *ddb_worker_connection(const char *servername,
											const DdbOptions *opts,
											const DdbAwsCredentials *creds);
extern void ddb_connection_replace_credentials(DdbConnection *conn,
											   const DdbAwsCredentials *creds);
extern void ddb_connection_free(DdbConnection *conn);
extern const DdbTableDesc *ddb_connection_table_desc(DdbConnection *conn,
													 const char *table);
extern const DdbTableDesc *ddb_connection_table_desc_fresh(DdbConnection *conn,
														   const char *table,
														   TimestampTz since,
														   DdbAwsError *err);
extern bool ddb_connection_table_size(DdbConnection *conn, const char *table,
									  int64 *bytes, int64 *items);
extern void ddb_report_aws_error(const DdbAwsError *err, const char *operation,
								 const char *table_name) pg_attribute_noreturn();
extern bool ddb_abort_requested(void *arg);

/* in schema/import.c */
extern List *ddbImportForeignSchema(ImportForeignSchemaStmt *stmt,
									Oid serverOid);

/* in schema/comment.c */
extern void ddb_import_comments_init(void);

/* in scan.c */
extern void ddb_register_scan_callbacks(FdwRoutine *routine);

/* in modify.c */
extern void ddb_register_modify_callbacks(FdwRoutine *routine);

#endif							/* DDB_FDW_H */
