/*-------------------------------------------------------------------------
 *
 * metadata.h
 *		What DynamoDB says about a table beyond its keys: billing mode and
 *		provisioned capacity (from DescribeTable), time to live
 *		(DescribeTimeToLive) and point-in-time recovery
 *		(DescribeContinuousBackups).
 *
 * IDENTIFICATION
 *		src/aws/metadata.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_METADATA_H
#define DDB_METADATA_H

#include "dynamodb.h"

/* DescribeTable's capacity members (strings malloc'd, NULL: absent). */
typedef struct DdbTableCapacity
{
	char	   *billing_mode;	/* PROVISIONED or PAY_PER_REQUEST */
	long long	read_units;		/* ProvisionedThroughput; -1: absent */
	long long	write_units;
} DdbTableCapacity;

/* DescribeTimeToLive's TimeToLiveDescription. */
typedef struct DdbTtlDesc
{
	char	   *status;			/* ENABLED, DISABLED, ENABLING, DISABLING */
	char	   *attribute;		/* NULL when none */
} DdbTtlDesc;

/* DescribeContinuousBackups's ContinuousBackupsDescription. */
typedef struct DdbBackupsDesc
{
	char	   *continuous_backups;	/* ContinuousBackupsStatus */
	char	   *point_in_time_recovery; /* PointInTimeRecoveryStatus */
} DdbBackupsDesc;

/*
 * Parsers of one answer each (the pull reader; strict).  On success the
 * out members are malloc'd (free with the matching _free); on failure err
 * says why and out holds nothing.  BillingModeSummary missing means
 * PROVISIONED, as DynamoDB documents.
 */
extern bool ddb_dynamodb_parse_table_capacity(const char *body, size_t len,
											  DdbTableCapacity *out,
											  DdbAwsError *err);
extern bool ddb_dynamodb_parse_ttl(const char *body, size_t len,
								   DdbTtlDesc *out, DdbAwsError *err);
extern bool ddb_dynamodb_parse_backups(const char *body, size_t len,
									   DdbBackupsDesc *out, DdbAwsError *err);

/*
 * One DescribeTable answer parsed both ways: the description (as
 * ddb_dynamodb_describe_table) and its capacity.
 */
extern bool ddb_dynamodb_describe_table_capacity(DdbAwsService *svc,
												 const DdbAwsCredentials *creds,
												 const char *table,
												 DdbTableDesc **desc,
												 DdbTableCapacity *capacity,
												 DdbAwsError *err);
extern bool ddb_dynamodb_describe_ttl(DdbAwsService *svc,
									  const DdbAwsCredentials *creds,
									  const char *table, DdbTtlDesc *out,
									  DdbAwsError *err);
extern bool ddb_dynamodb_describe_backups(DdbAwsService *svc,
										  const DdbAwsCredentials *creds,
										  const char *table,
										  DdbBackupsDesc *out,
										  DdbAwsError *err);

extern void ddb_table_capacity_free(DdbTableCapacity *c);
extern void ddb_ttl_desc_free(DdbTtlDesc *t);
extern void ddb_backups_desc_free(DdbBackupsDesc *b);

#endif							/* DDB_METADATA_H */
