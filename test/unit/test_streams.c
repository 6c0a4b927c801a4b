/*-------------------------------------------------------------------------
 *
 * test_streams.c
 *		Unit tests of the DynamoDB Streams parsers (src/aws/streams.c).
 *
 * The answers follow the Streams API shapes in
 * ../shared/testdata/aws-wire-formats.md (DescribeStream with a lineage of
 * shards, GetRecords with INSERT/MODIFY/REMOVE records).
 *
 * IDENTIFICATION
 *		test/unit/test_streams.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "streams.h"
#include "unit.h"

UNIT_DEFINE_COUNTERS;

static const char *describe_page1 =
"{\"StreamDescription\":{\"StreamArn\":\"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252\","
"\"StreamLabel\":\"2015-05-20T20:51:10.252\",\"StreamStatus\":\"ENABLED\","
"\"StreamViewType\":\"NEW_AND_OLD_IMAGES\",\"TableName\":\"Forum\","
"\"KeySchema\":[{\"AttributeName\":\"ForumName\",\"KeyType\":\"HASH\"}],"
"\"Shards\":["
"{\"ShardId\":\"shardId-00000001414562045508-2bac9cd2\","
"\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"20500000000000000910398\",\"EndingSequenceNumber\":\"20500000000000000910398\"}},"
"{\"ShardId\":\"shardId-00000001414576573621-f55eea83\",\"ParentShardId\":\"shardId-00000001414562045508-2bac9cd2\","
"\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"40700000000000000000000\",\"EndingSequenceNumber\":\"40700000000000000000000\"}}],"
"\"LastEvaluatedShardId\":\"shardId-00000001414576573621-f55eea83\"}}";

static const char *describe_page2 =
"{\"StreamDescription\":{\"StreamStatus\":\"ENABLED\",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\","
"\"Shards\":[{\"ShardId\":\"shardId-00000001414601042136-d9f8e0f5\","
"\"ParentShardId\":\"shardId-00000001414576573621-f55eea83\","
"\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"183000000000000000000000\"}}]}}";

static void
test_describe(void)
{
	DdbStreamDesc *d = calloc(1, sizeof(DdbStreamDesc));
	DdbAwsError err;
	char	   *last = NULL;

	CHECK(ddb_streams_parse_describe(describe_page1, strlen(describe_page1), d, &last, &err));
	CHECK(last && strcmp(last, "shardId-00000001414576573621-f55eea83") == 0);
	free(last);
	CHECK(ddb_streams_parse_describe(describe_page2, strlen(describe_page2), d, &last, &err));
	CHECK(last == NULL);
	CHECK(d->nshards == 3);
	CHECK_STR(d->status, "ENABLED");
	CHECK_STR(d->view_type, "NEW_AND_OLD_IMAGES");
	CHECK(d->shards[0].parent_shard_id == NULL);
	CHECK_STR(d->shards[1].parent_shard_id, "shardId-00000001414562045508-2bac9cd2");
	CHECK_STR(d->shards[2].starting_sequence, "183000000000000000000000");
	/* no EndingSequenceNumber: still open */
	CHECK(d->shards[2].ending_sequence == NULL);
	CHECK_STR(d->shards[0].ending_sequence, "20500000000000000910398");
	ddb_stream_desc_free(d);

	/*
	 * A first page without StreamStatus (found by test/fuzz/fuzz_streams):
	 * each of status and view type comes from the first page that has it;
	 * the second page used to copy its view type over the first one's and
	 * leak it (the leak checker of the unit build sees that).
	 */
	{
		static const char p1[] =
		"{\"StreamDescription\":{\"StreamViewType\":\"KEYS_ONLY\",\"Shards\":[],"
		"\"LastEvaluatedShardId\":\"shardId-1\"}}";
		static const char p2[] =
		"{\"StreamDescription\":{\"StreamStatus\":\"ENABLED\",\"StreamViewType\":\"NEW_IMAGE\","
		"\"Shards\":[{\"ShardId\":\"shardId-2\"}]}}";

		d = calloc(1, sizeof(DdbStreamDesc));
		CHECK(ddb_streams_parse_describe(p1, strlen(p1), d, &last, &err));
		CHECK_STR(last, "shardId-1");
		free(last);
		CHECK(d->status == NULL);
		CHECK(ddb_streams_parse_describe(p2, strlen(p2), d, &last, &err));
		CHECK(last == NULL);
		CHECK_STR(d->status, "ENABLED");
		CHECK_STR(d->view_type, "KEYS_ONLY");
		CHECK(d->nshards == 1);
		ddb_stream_desc_free(d);
	}

	/* broken answers are errors, never a short list */
	{
		static const char *const bad[] = {
			"{}",
			"{\"StreamDescription\":{}}",
			"{\"StreamDescription\":{\"Shards\":{}}}",
			"{\"StreamDescription\":{\"Shards\":[{\"SequenceNumberRange\":{}}]}}",
			"{\"StreamDescription\":{\"Shards\":[{\"ShardId\":\"\"}]}}",
			"{\"StreamDescription\":{\"Shards\":[]}",
			"not json",
		};
		size_t		i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		{
			d = calloc(1, sizeof(DdbStreamDesc));
			last = NULL;
			unit_check(!ddb_streams_parse_describe(bad[i], strlen(bad[i]), d, &last, &err),
					   "bad DescribeStream refused", __FILE__, __LINE__, bad[i]);
			unit_check(err.kind == DDB_AWS_ERR_MALFORMED && last == NULL,
					   "malformed", __FILE__, __LINE__, bad[i]);
			ddb_stream_desc_free(d);
		}
	}
}

static const char *records_page =
"{\"NextShardIterator\":\"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252|1|AAAAAAAAAAH7HF3xwDQHBrvk2UBZ1PKh8bX3F+JeH0rFwHCE7dz4VGV1ZoJ5bMxQwkmerA3wzCTL+zSseGLdSXNJP14EwoPHSQ2h6gA==\","
"\"Records\":["
"{\"awsRegion\":\"us-west-2\",\"dynamodb\":{\"ApproximateCreationDateTime\":1.46480646E9,"
"\"Keys\":{\"ForumName\":{\"S\":\"DynamoDB\"},\"Subject\":{\"S\":\"DynamoDB Thread 3\"}},"
"\"SequenceNumber\":\"300000000000000499659\",\"SizeBytes\":41,\"StreamViewType\":\"KEYS_ONLY\"},"
"\"eventID\":\"e2fd9c34eff2d779b297b26f5fef4206\",\"eventName\":\"INSERT\",\"eventSource\":\"aws:dynamodb\",\"eventVersion\":\"1.0\"},"
"{\"awsRegion\":\"us-west-2\",\"dynamodb\":{\"Keys\":{\"ForumName\":{\"S\":\"DynamoDB\"}},"
"\"NewImage\":{\"ForumName\":{\"S\":\"DynamoDB\"},\"Views\":{\"N\":\"2\"},\"Tags\":{\"SS\":[\"a\",\"b\\\"}\"]}},"
"\"OldImage\":{\"ForumName\":{\"S\":\"DynamoDB\"},\"Views\":{\"N\":\"1\"}},"
"\"SequenceNumber\":\"400000000000000499660\",\"SizeBytes\":41,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
"\"eventName\":\"MODIFY\"},"
"{\"dynamodb\":{\"Keys\":{\"ForumName\":{\"S\":\"Gone\"}},\"OldImage\":{\"ForumName\":{\"S\":\"Gone\"}},"
"\"SequenceNumber\":\"500000000000000499661\"},\"eventName\":\"REMOVE\","
"\"userIdentity\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"}}]}";

static void test_record_names(void);

static void
test_records(void)
{
	DdbRecordPage page;
	DdbAwsError err;
	const DdbStreamRecord *r;

	CHECK(ddb_streams_parse_records(records_page, strlen(records_page), &page, &err));
	CHECK(page.nrecords == 3);
	CHECK(page.next_iterator && strncmp(page.next_iterator, "arn:aws:dynamodb:us-west-2", 26) == 0);
	r = &page.records[0];
	CHECK(r->event == DDB_EVENT_INSERT);
	CHECK(r->sequence_len == 21 && strncmp(r->sequence, "300000000000000499659", 21) == 0);
	/* the caller keeps the body, not the parser's reader: strings are in it */
	CHECK(r->sequence > records_page &&
		  r->sequence + r->sequence_len < records_page + strlen(records_page));
	CHECK(r->keys_len > 0 && strncmp(r->keys, "{\"ForumName\"", 12) == 0 &&
		  r->keys[r->keys_len - 1] == '}');
	CHECK(r->new_image == NULL);
	CHECK(r->created == 1464806460.0);
	r = &page.records[1];
	CHECK(r->event == DDB_EVENT_MODIFY);
	/* the image with its escaped quote, captured whole */
	CHECK(r->new_image && r->new_image_len ==
		  strlen("{\"ForumName\":{\"S\":\"DynamoDB\"},\"Views\":{\"N\":\"2\"},\"Tags\":{\"SS\":[\"a\",\"b\\\"}\"]}}"));
	CHECK(r->created == 0);
	CHECK(r->old_image && r->old_image_len ==
		  strlen("{\"ForumName\":{\"S\":\"DynamoDB\"},\"Views\":{\"N\":\"1\"}}") &&
		  strcmp(r->event_name, "MODIFY") == 0);
	CHECK(r->identity_type[0] == '\0' && r->identity_principal[0] == '\0');
	r = &page.records[2];
	CHECK(r->event == DDB_EVENT_REMOVE && r->new_image == NULL);
	/* a delete by Time to Live, as AWS marks it (spelt as its documents do) */
	CHECK(strcmp(r->identity_type, "Service") == 0 &&
		  strcmp(r->identity_principal, "dynamodb.amazonaws.com") == 0);
	ddb_record_page_free(&page);

	/* a closed shard read to its end: no NextShardIterator (or null) */
	CHECK(ddb_streams_parse_records("{\"Records\":[]}", 14, &page, &err));
	CHECK(page.nrecords == 0 && page.next_iterator == NULL);
	ddb_record_page_free(&page);
	CHECK(ddb_streams_parse_records("{\"Records\":[],\"NextShardIterator\":null}", 39, &page, &err));
	CHECK(page.nrecords == 0 && page.next_iterator == NULL);
	ddb_record_page_free(&page);

	/* every truncation of a real page is an error */
	{
		size_t		len = strlen(records_page);
		size_t		cut;
		int			accepted = 0;

		for (cut = 0; cut < len; cut++)
		{
			if (ddb_streams_parse_records(records_page, cut, &page, &err))
			{
				accepted++;
				ddb_record_page_free(&page);
			}
		}
		CHECK(accepted == 0);
	}

	/* records without what a sync needs */
	{
		static const char *const bad[] = {
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\"}}]}",
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{}}}]}",
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":[],\"SequenceNumber\":\"1\"}}]}",
			"{\"Records\":[{\"eventName\":\"REMOVE\",\"dynamodb\":{\"Keys\":{},\"OldImage\":null,\"SequenceNumber\":\"1\"}}]}",
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"\"}}]}",
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":7}}]}",
			/*
			 * escapes (found by test/fuzz/fuzz_streams): the decoded string
			 * lived in the reader's arena, freed before the caller read it
			 */
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"\\u0031\"}}]}",
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"1\\/2\"}}]}",
			/* 65 digits: longer than any sequence number */
			"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":"
			"\"12345678901234567890123456789012345678901234567890123456789012345\"}}]}",
			"{\"Records\":{}}",
		};
		size_t		i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			unit_check(!ddb_streams_parse_records(bad[i], strlen(bad[i]), &page, &err) &&
					   err.kind == DDB_AWS_ERR_MALFORMED,
					   "bad record refused", __FILE__, __LINE__, bad[i]);
	}
	/* the longest sequence number taken: 64 digits */
	{
		static const char seq64[] =
		"{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":"
		"\"1234567890123456789012345678901234567890123456789012345678901234\"}}]}";

		CHECK(ddb_streams_parse_records(seq64, strlen(seq64), &page, &err));
		CHECK(page.nrecords == 1 && page.records[0].sequence_len == 64 &&
			  page.records[0].sequence[0] == '1' && page.records[0].sequence[63] == '4');
		ddb_record_page_free(&page);
	}

	test_record_names();
}

/* What a record reports beyond INSERT, MODIFY and REMOVE. */
static void
test_record_names(void)
{
	DdbRecordPage page;
	DdbAwsError err;
	const DdbStreamRecord *r;

	/*
	 * DynamoDB Local 3.3's delete by Time to Live: an eventName its own SDK
	 * does not know, the OldImage and no NewImage; and a record without
	 * eventName at all.  Both are taken, as DDB_EVENT_OTHER.
	 */
	{
		static const char local_ttl[] =
		"{\"Records\":[{\"eventID\":\"f5ec\",\"eventName\":\"UNKNOWN_TO_SDK_VERSION\","
		"\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"ddblocal\","
		"\"dynamodb\":{\"ApproximateCreationDateTime\":1796292360.000,\"Keys\":{\"id\":{\"N\":\"1\"}},"
		"\"OldImage\":{\"a\":{\"S\":\"x\"},\"id\":{\"N\":\"1\"}},"
		"\"SequenceNumber\":\"000000000000000024126\",\"SizeBytes\":19,"
		"\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}},"
		"{\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"1\"}}]}";

		CHECK(ddb_streams_parse_records(local_ttl, strlen(local_ttl), &page, &err));
		CHECK(page.nrecords == 2);
		r = &page.records[0];
		CHECK(r->event == DDB_EVENT_OTHER && strcmp(r->event_name, "UNKNOWN_TO_SDK_VERSION") == 0);
		CHECK(r->old_image && strncmp(r->old_image, "{\"a\":{\"S\":\"x\"}", 14) == 0 &&
			  r->new_image == NULL && r->created == 1796292360.0);
		CHECK(r->identity_type[0] == '\0');
		r = &page.records[1];
		CHECK(r->event == DDB_EVENT_OTHER && r->event_name[0] == '\0' && r->old_image == NULL);
		ddb_record_page_free(&page);
	}
	/*
	 * userIdentity as GetRecords sends it (Type, PrincipalId).  Names with
	 * escapes are decoded; a long one is cut on a character boundary (here a
	 * 2-byte character that would straddle the end); control characters (a
	 * decoded NUL too) become spaces; a name or identity of another type
	 * reads as "".
	 */
	{
		char		body[1024];
		char		longname[200];
		size_t		i;

		for (i = 0; i < 62; i++)
			longname[i] = 'a';
		strcpy(longname + 62, "\xc3\xa9tail");	/* 'é' at bytes 62-63 */
		snprintf(body, sizeof(body),
				 "{\"Records\":["
				 "{\"eventName\":\"%s\",\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"1\"}},"
				 "{\"eventName\":\"A\\u0042\\u0000C\",\"userIdentity\":{\"Type\":\"Serv\\u0069ce\","
				 "\"PrincipalId\":\"dynamodb.amazonaws.com\",\"other\":[1]},"
				 "\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"2\"}},"
				 "{\"eventName\":7,\"userIdentity\":\"Service\",\"dynamodb\":{\"Keys\":{},"
				 "\"SequenceNumber\":\"3\"}},"
				 "{\"eventName\":\"REMOVE\",\"userIdentity\":{\"type\":null,\"principalId\":{}},"
				 "\"dynamodb\":{\"Keys\":{},\"SequenceNumber\":\"4\"}}]}",
				 longname);
		CHECK(ddb_streams_parse_records(body, strlen(body), &page, &err));
		CHECK(page.nrecords == 4);
		r = &page.records[0];
		CHECK(r->event == DDB_EVENT_OTHER && strlen(r->event_name) == 62 &&
			  strspn(r->event_name, "a") == 62);
		r = &page.records[1];
		CHECK(r->event == DDB_EVENT_OTHER && strcmp(r->event_name, "AB C") == 0);
		CHECK(strcmp(r->identity_type, "Service") == 0 &&
			  strcmp(r->identity_principal, "dynamodb.amazonaws.com") == 0);
		r = &page.records[2];
		CHECK(r->event == DDB_EVENT_OTHER && r->event_name[0] == '\0' &&
			  r->identity_type[0] == '\0' && r->old_image == NULL);
		r = &page.records[3];
		CHECK(r->event == DDB_EVENT_REMOVE && r->identity_type[0] == '\0' &&
			  r->identity_principal[0] == '\0');
		ddb_record_page_free(&page);
	}
	/* what cannot be applied is still refused, naming the record it can */
	{
		static const char nokeys[] =
		"{\"Records\":[{\"eventName\":\"ARCHIVE\",\"dynamodb\":{\"SequenceNumber\":\"42\"}}]}";

		CHECK(!ddb_streams_parse_records(nokeys, strlen(nokeys), &page, &err));
		CHECK(err.kind == DDB_AWS_ERR_MALFORMED && strstr(err.message, "record 42 lacks Keys") != NULL);
	}
}

/* DescribeStream page after page, through the mock transport. */
static void
test_describe_pages(void)
{
	Mock		m = {.name = "streams"};
	DdbHttpClient *http = mock_client(&m, NULL);
	DdbAwsService svc;
	DdbAwsCredentials creds = {(char *) "AKIDEXAMPLE", (char *) "secret", NULL, 0};
	DdbStreamDesc *d = NULL;
	DdbAwsError err;
	static const char arn[] =
	"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252";

	CHECK(ddb_aws_service_init(&svc, http, "http://127.0.0.1:8000", "us-west-2", "dynamodb", &err));
	svc.clock = mock_clock;
	mock_reply(&m, 200, describe_page1);
	mock_reply(&m, 200, describe_page2);
	CHECK(ddb_streams_describe(&svc, &creds, arn, &d, &err));
	CHECK(d != NULL && d->nshards == 3);
	CHECK_STR(mock_header(&m, 0, "X-Amz-Target"), "DynamoDBStreams_20120810.DescribeStream");
	CHECK_STR(mock_body(&m, 0), "{\"StreamArn\":\"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252\"}");
	CHECK_STR(mock_body(&m, 1), "{\"StreamArn\":\"arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252\","
			  "\"ExclusiveStartShardId\":\"shardId-00000001414576573621-f55eea83\"}");
	mock_done(&m, __LINE__);
	ddb_stream_desc_free(d);

	/* a service repeating its continuation is caught, not followed forever */
	mock_reset(&m);
	mock_reply(&m, 200, describe_page1);
	m.repeat = true;
	d = (DdbStreamDesc *) &err;	/* junk: must become NULL */
	CHECK(!ddb_streams_describe(&svc, &creds, arn, &d, &err));
	CHECK(d == NULL);
	CHECK(err.kind == DDB_AWS_ERR_MALFORMED);
	CHECK_STR(err.message, "DescribeStream returned the same continuation twice");
	CHECK(m.nreq == 2);

	ddb_aws_service_free(&svc);
	ddb_http_client_destroy(http);
	mock_reset(&m);
}

int
main(void)
{
	test_describe();
	test_records();
	test_describe_pages();
	return unit_report("test_streams");
}
