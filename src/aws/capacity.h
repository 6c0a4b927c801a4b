/*-------------------------------------------------------------------------
 *
 * capacity.h
 *		The ConsumedCapacity of a DynamoDB read answer (Scan, Query,
 *		GetItem, BatchGetItem), as the pages' readers count it.
 *
 * IDENTIFICATION
 *		src/aws/capacity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_CAPACITY_H
#define DDB_CAPACITY_H

#include "json.h"

/*
 * At a ConsumedCapacity value: sets *units to its CapacityUnits -- of the
 * one object (Scan, Query, GetItem), or summed over the array's objects
 * (BatchGetItem, one per table).  Lenient about what it does not need: a
 * value of another shape, members other than CapacityUnits, and a number
 * too long to be one are skipped (*units stays 0 for them); false only when
 * the JSON itself is malformed (the reader's error says where).
 */
extern bool ddb_read_consumed_capacity(DdbJson *j, double *units);

#endif							/* DDB_CAPACITY_H */
