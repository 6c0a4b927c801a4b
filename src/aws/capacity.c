/*-------------------------------------------------------------------------
 *
 * capacity.c
 *		The ConsumedCapacity of a DynamoDB read answer (see capacity.h).
 *		Write answers are read strictly by write_answer.c.
 *
 * IDENTIFICATION
 *		src/aws/capacity.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "capacity.h"

/* One ConsumedCapacity object: adds its CapacityUnits to *units. */
static bool
add_capacity(DdbJson *j, double *units)
{
	DdbJsonStr	name;
	bool		done;

	if (!ddb_json_enter_object(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_member(j, &name, &done))
			return false;
		if (done)
			return true;
		if (ddb_json_str_eq(&name, "CapacityUnits") &&
			ddb_json_peek(j) == DDB_JSON_NUMBER)
		{
			DdbJsonStr	s;
			char		tmp[64];

			if (!ddb_json_read_number(j, &s))
				return false;
			if (s.len < sizeof(tmp))
			{
				memcpy(tmp, s.ptr, s.len);
				tmp[s.len] = '\0';
				*units += strtod(tmp, NULL);
			}
		}
		else if (!ddb_json_skip_value(j))
			return false;
	}
}

bool
ddb_read_consumed_capacity(DdbJson *j, double *units)
{
	bool		done;

	*units = 0;
	if (ddb_json_peek(j) == DDB_JSON_OBJECT)
		return add_capacity(j, units);
	if (ddb_json_peek(j) != DDB_JSON_ARRAY)
		return ddb_json_skip_value(j);
	if (!ddb_json_enter_array(j))
		return false;
	for (;;)
	{
		if (!ddb_json_next_element(j, &done))
			return false;
		if (done)
			return true;
		if (ddb_json_peek(j) == DDB_JSON_OBJECT)
		{
			if (!add_capacity(j, units))
				return false;
		}
		else if (!ddb_json_skip_value(j))
			return false;
	}
}
