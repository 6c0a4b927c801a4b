#!/usr/bin/python3
"""The reference: the original connector's approach, in Python.

boto3 parallel scan (TotalSegments threads, each paging with Limit items),
items deserialized with boto3's TypeDeserializer, then upserted into
PostgreSQL with psycopg2 (INSERT ... ON CONFLICT DO UPDATE, one
execute_values per page).  --limit 10 --segments 4 is the original; a large
--limit is the same pipeline with sensible pages.

Usage: python_sync.py --endpoint URL --table T --target public.t
                      [--segments 4] [--limit 10] [--no-upsert]
Prints items and seconds.  --no-upsert stops after deserializing (and
encoding as JSON) each page: the read half alone, the reference for a full
scan.
"""

import argparse
import decimal
import json
import threading
import time

import boto3
import psycopg2
import psycopg2.extras
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config


def default(o):
    if isinstance(o, decimal.Decimal):
        return str(o)
    if isinstance(o, (bytes, bytearray)):
        return o.hex()
    if hasattr(o, "value"):         # boto3 Binary
        return bytes(o.value).hex()
    if isinstance(o, (set, frozenset)):
        return list(o)
    raise TypeError(type(o))


def worker(args, segment, counter, lock):
    # a session per thread: creating clients of the default session is not thread-safe
    ddb = boto3.session.Session().client("dynamodb", endpoint_url=args.endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDPYTHONREFERENCE", aws_secret_access_key="x",
                       config=Config(retries={"max_attempts": 10}))
    des = TypeDeserializer()
    if not args.no_upsert:
        conn = psycopg2.connect("")
        cur = conn.cursor()
    scan = {"TableName": args.table, "Segment": segment,
            "TotalSegments": args.segments, "Limit": args.limit}
    n = 0
    while True:
        page = ddb.scan(**scan)
        rows = []
        for item in page["Items"]:
            doc = {k: des.deserialize(v) for k, v in item.items()}
            rows.append((doc["pk"], json.dumps(doc, default=default)))
        if rows and args.no_upsert:
            n += len(rows)
        elif rows:
            psycopg2.extras.execute_values(
                cur, "INSERT INTO %s (pk, item) VALUES %%s "
                     "ON CONFLICT (pk) DO UPDATE SET item = EXCLUDED.item" % args.target, rows)
            conn.commit()
            n += len(rows)
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    if not args.no_upsert:
        conn.close()
    with lock:
        counter[0] += n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", default="bench_items")
    ap.add_argument("--target", default="public.python_copy")
    ap.add_argument("--segments", type=int, default=4)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--no-upsert", action="store_true")
    args = ap.parse_args()
    if not args.no_upsert:
        conn = psycopg2.connect("")
        conn.autocommit = True
        conn.cursor().execute("DROP TABLE IF EXISTS %s; CREATE TABLE %s (pk text PRIMARY KEY, item jsonb)"
                              % (args.target, args.target))
        conn.close()
    counter, lock = [0], threading.Lock()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(args, s, counter, lock))
               for s in range(args.segments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%d %.3f" % (counter[0], time.perf_counter() - t0))


if __name__ == "__main__":
    main()
