/*-------------------------------------------------------------------------
 *
 * fuzz_streams.c
 *		libFuzzer target of the DynamoDB Streams parsers (src/aws/streams.c).
 *
 * Each input is handed, as a response body, to
 *
 *	- ddb_streams_parse_describe, twice into one description (a second
 *	  page appends its shards and keeps the first page's status): every
 *	  shard has a non-empty id; on failure *last_shard is NULL;
 *	- ddb_streams_parse_records: every record has an event (any name is
 *	  taken: OTHER for the ones not known, with its name), terminated
 *	  names of bounded length, a sequence number and Keys, and (streams.h) its strings point into the
 *	  body, which is what the caller keeps; Keys, NewImage and OldImage
 *	  are one JSON object each; on failure the page is left empty.
 *
 * Every string returned is read back and everything freed.
 *
 * IDENTIFICATION
 *		test/fuzz/fuzz_streams.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "streams.h"

static void
fuzz_describe(const char *body, size_t len)
{
	DdbStreamDesc *desc = calloc(1, sizeof(DdbStreamDesc));
	int			page;

	FUZZ_ASSERT(desc != NULL);
	for (page = 0; page < 2; page++)
	{
		DdbAwsError err;
		char	   *last = (char *) "dangling";	/* must be overwritten */
		int			before = desc->nshards;
		int			i;

		fuzz_dirty_error(&err);
		if (!ddb_streams_parse_describe(body, len, desc, &last, &err))
		{
			FUZZ_ASSERT(last == NULL);
			fuzz_check_failure(&err);
			FUZZ_ASSERT(desc->nshards >= before);
			break;
		}
		fuzz_touch_str(last);
		free(last);
		FUZZ_ASSERT(desc->nshards >= before);
		for (i = 0; i < desc->nshards; i++)
		{
			const DdbShard *s = &desc->shards[i];

			FUZZ_ASSERT(s->shard_id != NULL && s->shard_id[0] != '\0');
			fuzz_touch_str(s->shard_id);
			fuzz_touch_str(s->parent_shard_id);
			fuzz_touch_str(s->starting_sequence);
			fuzz_touch_str(s->ending_sequence);
		}
		fuzz_touch_str(desc->status);
		fuzz_touch_str(desc->view_type);
	}
	ddb_stream_desc_free(desc);
}

/* A raw span the parser captured: inside the body, one JSON object. */
static void
check_object_span(const char *p, size_t len, const char *body, size_t size)
{
	DdbJson		j;

	FUZZ_ASSERT(fuzz_inside(p, len, body, size));
	fuzz_touch(p, len);
	FUZZ_ASSERT(len >= 2 && p[0] == '{');
	ddb_json_init(&j, p, len);
	FUZZ_ASSERT(ddb_json_skip_value(&j) && ddb_json_finish(&j));
	ddb_json_free(&j);
}

static void
fuzz_records(const char *body, size_t len)
{
	DdbRecordPage page;
	DdbAwsError err;
	int			i;

	memset(&page, 'x', sizeof(page));	/* must be overwritten */
	fuzz_dirty_error(&err);
	if (!ddb_streams_parse_records(body, len, &page, &err))
	{
		fuzz_check_failure(&err);
		FUZZ_ASSERT(page.nrecords == 0 && page.records == NULL &&
					page.next_iterator == NULL);
		return;
	}
	FUZZ_ASSERT(page.nrecords >= 0 && page.nrecords <= page.cap);
	FUZZ_ASSERT(page.nrecords <= (int) len);
	for (i = 0; i < page.nrecords; i++)
	{
		const DdbStreamRecord *r = &page.records[i];

		FUZZ_ASSERT(r->event == DDB_EVENT_INSERT || r->event == DDB_EVENT_MODIFY ||
					r->event == DDB_EVENT_REMOVE || r->event == DDB_EVENT_OTHER);
		FUZZ_ASSERT(memchr(r->event_name, '\0', sizeof(r->event_name)) != NULL);
		FUZZ_ASSERT(memchr(r->identity_type, '\0', sizeof(r->identity_type)) != NULL);
		FUZZ_ASSERT(memchr(r->identity_principal, '\0', sizeof(r->identity_principal)) != NULL);
		FUZZ_ASSERT((r->event == DDB_EVENT_OTHER) ==
					(strcmp(r->event_name, "INSERT") != 0 &&
					 strcmp(r->event_name, "MODIFY") != 0 &&
					 strcmp(r->event_name, "REMOVE") != 0));
		fuzz_touch_str(r->event_name);
		fuzz_touch_str(r->identity_type);
		fuzz_touch_str(r->identity_principal);
		if (r->old_image != NULL)
			check_object_span(r->old_image, r->old_image_len, body, len);
		/* the caller copies these after the call: they must be in the body */
		FUZZ_ASSERT(r->sequence != NULL && r->sequence_len > 0);
		fuzz_touch(r->sequence, r->sequence_len);
		FUZZ_ASSERT(fuzz_inside(r->sequence, r->sequence_len, body, len));
		FUZZ_ASSERT(memchr(r->sequence, '\0', r->sequence_len) == NULL);
		FUZZ_ASSERT(r->keys != NULL);
		check_object_span(r->keys, r->keys_len, body, len);
		if (r->new_image != NULL)
			check_object_span(r->new_image, r->new_image_len, body, len);
		fuzz_sink += (unsigned) (r->created != 0);
	}
	fuzz_touch_str(page.next_iterator);
	ddb_record_page_free(&page);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_describe((const char *) data, size);
	fuzz_records((const char *) data, size);
	return 0;
}
