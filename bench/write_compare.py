#!/usr/bin/python3
"""Writes: ddb_fdw's INSERT, UPDATE and DELETE beside boto3, requests counted.

Usage: write_compare.py --endpoint GATEWAY_URL --local DYNAMODB_LOCAL_URL
       [--inserts 10000] [--updates 1000] [--deletes 1000]
       [--loop-rows 1000] [--delays 0,20] [--rounds 3] [--quick] [--json F]
       (PostgreSQL from PGHOST/PGPORT/PGUSER/PGDATABASE; DDB_TEST_ACCESS_KEY
        and DDB_TEST_SECRET_KEY: a key the gateway accepts)

Every case writes through test/gateway.py, which signs nothing away: it
verifies each request's signature, forwards it to DynamoDB Local, logs it
(the request counts and the time each answer took come from its log) and
holds each answer back d ms at its /fault/delay=d/ path.  Writes cannot be
replayed, so unlike the read steps these go to the emulator, and its own
time per request is in every figure: each case also reports the time its
requests spent in the gateway and DynamoDB Local (less the added delay),
so what is the client's and what is the emulator's can be told apart.
Tables are created, emptied and filled directly on DynamoDB Local (not
counted, not timed).

Cases, at each delay, rounds interleaved (round 1 of every case, then
round 2 ...), each in a fresh or refilled table:

  INSERT of --inserts rows (bench/load.py's items, 15 typed columns)
    fdw-insert        INSERT INTO ft SELECT * FROM a local table of the
                      rows: TransactWriteItems, 25 Puts a request, each with
                      attribute_not_exists (the default)
    fdw-insert-100    the same with the table option batch_size '100'
    boto3-put         Table.put_item loop with ConditionExpression
                      attribute_not_exists(pk): the safe equivalent
    boto3-put-plain   Table.put_item loop without a condition
    boto3-batch       Table.batch_writer() (BatchWriteItem of 25; no check
                      for existing keys)
    fdw-scan          (first delay) SELECT count(t) of the rows fdw-insert wrote,
                      the same 15 typed columns: the decode CPU per item the
                      write CPU per row is compared with
  UPDATE of --updates rows by key, each its own statement or request
    fdw-update        psycopg2, one EXECUTE of PREPARE ... AS UPDATE ft SET
                      n = n + 1 WHERE pk = $1 a row (autocommit): one
                      UpdateItem, no read
    boto3-read-write  get_item (ConsistentRead) then update_item SET n = :new
                      with ConditionExpression n = :old (a safe read-modify-
                      write: two requests a row)
    boto3-update      update_item SET n = n + :one (the ideal)
  DELETE of --deletes rows by key
    fdw-delete        psycopg2, one EXECUTE of PREPARE ... AS DELETE FROM ft
                      WHERE pk = $1 a row: one DeleteItem
    boto3-delete      delete_item loop
    boto3-batch-delete  Table.batch_writer() delete_item (BatchWriteItem)

The put_item loops write --loop-rows rows (1,000 of the 10,000): a loop
sends one request a row, one after another, so its rate does not depend on
how many rows it writes; its time for the full count is scaled from its rate
(marked "scaled").  Every other case writes every row.  Checked after every
run, untimed: an INSERT's table holds exactly the rows written, a DELETE's
none; ddb_fdw's statements report a row each; n of five of the keys updated
went up by one.  After the last round, items of ddb_fdw's INSERT,
batch_writer's and the plain loop's are equal attribute for attribute.

CPU: the backend's (benchlib.cpu_seconds_fine before and after; ddb_fdw's
cases only) and this process's own (psycopg2's or boto3's; process_time),
per row.  The markdown is bench/write_report.py's (also report.py's, from
the JSON).
"""

import argparse
import decimal
import os
import random
import sys
import time

import boto3
import psycopg2
from boto3.dynamodb.conditions import Attr
from boto3.dynamodb.types import Binary
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from write_report import KIND, LABELS, OPS, markdown  # noqa: E402

SCHEMA = "bench_w"
COLUMNS = """pk text, seq int8, price numeric, name text, email text, active boolean,
    note text, blob bytea, address jsonb, history jsonb, tags text[],
    scores numeric[], keys bytea[], created timestamptz, n int8"""
# bench/load.py's items (note is NULL: no attribute), plus n = 0
SOURCE_SQL = """CREATE TABLE %s.src AS SELECT
    'bench-' || lpad(g::text, 8, '0') AS pk, g::int8 AS seq,
    ((g %% 100000) || '.' || lpad((g %% 97 + 1)::text, 2, '0'))::numeric AS price,
    'customer name ' || g || ' with some padding text' AS name,
    'user' || g || '@example.com' AS email, g %% 3 = 0 AS active, NULL::text AS note,
    decode((SELECT string_agg(lpad(to_hex((g + k) %% 256), 2, '0'), '' ORDER BY k)
            FROM generate_series(0, 23) k), 'hex') AS blob,
    jsonb_build_object('street', (g %% 9999) || ' Main Street', 'city', 'City ' || (g %% 500),
                       'zip', 10000 + g %% 89999) AS address,
    jsonb_build_array(g %% 7, 'event-' || (g %% 11), true) AS history,
    ARRAY['tag' || (g %% 5), 'grp' || (g %% 13)] AS tags,
    ARRAY[(g %% 101)::numeric, (g %% 53 + 0.5)::numeric] AS scores,
    ARRAY[decode(lpad(to_hex(g %% 256), 2, '0') || lpad(to_hex((g / 256) %% 256), 2, '0'), 'hex')]
      AS keys,
    make_timestamptz(2024, g %% 12 + 1, g %% 28 + 1, g %% 24, g %% 60, 0, 'UTC') AS created,
    0::int8 AS n
  FROM generate_series(1, %d) g"""
RETRIES = Config(retries={"max_attempts": 10, "mode": "standard"})


def key(i):
    return "bench-%08d" % i


def py_item(i):
    """Item i of the source table as boto3's resource layer takes it."""
    d = decimal.Decimal
    return {
        "pk": key(i), "seq": d(i), "price": d("%d.%02d" % (i % 100000, i % 97 + 1)),
        "name": "customer name %d with some padding text" % i,
        "email": "user%d@example.com" % i, "active": i % 3 == 0,
        "blob": Binary(bytes((i + k) % 256 for k in range(24))),
        "address": {"street": "%d Main Street" % (i % 9999), "city": "City %d" % (i % 500),
                    "zip": d(10000 + i % 89999)},
        "history": [d(i % 7), "event-%d" % (i % 11), True],
        "tags": {"tag%d" % (i % 5), "grp%d" % (i % 13)},
        "scores": {d(i % 101), d(str(i % 53 + 0.5))},
        "keys": {Binary(bytes([i % 256, (i // 256) % 256]))},
        "created": "2024-%02d-%02dT%02d:%02d:00Z" % (i % 12 + 1, i % 28 + 1, i % 24, i % 60),
        "n": d(0),
    }


def gateway_summary(base, delay_ms):
    """Requests since the gateway log's last reset: their count by
    operation, errors, and their time in the gateway and DynamoDB Local
    (answer_s, the added delays included; service_s without them)."""
    log = benchlib.gateway_log(base)
    ops = {}
    for e in log:
        ops[e["op"]] = ops.get(e["op"], 0) + 1
    answer = sum(e.get("elapsed_ms") or 0.0 for e in log) / 1000.0
    return {"requests": len(log), "ops": ops,
            "errors": sum(1 for e in log if e.get("status") != 200),
            "answer_s": answer, "service_s": max(0.0, answer - len(log) * delay_ms / 1000.0)}


class Local:
    """Direct to DynamoDB Local: tables made, emptied and checked untimed."""

    def __init__(self, url):
        kw = {"endpoint_url": url, "region_name": "us-east-1", "config": RETRIES,
              "aws_access_key_id": "AKIDBENCHWRITEADMIN1", "aws_secret_access_key": "x"}
        self.c = boto3.client("dynamodb", **kw)
        self.r = boto3.resource("dynamodb", **kw)

    def drop(self, table):
        try:
            self.c.delete_table(TableName=table)
        except self.c.exceptions.ResourceNotFoundException:
            pass

    def recreate(self, table):
        self.drop(table)
        self.c.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])

    def fill(self, table, items):
        self.recreate(table)
        with self.r.Table(table).batch_writer() as b:
            for it in items:
                b.put_item(Item=it)

    def count(self, table):
        n, args = 0, {"TableName": table, "Select": "COUNT"}
        while True:
            page = self.c.scan(**args)
            n += page["Count"]
            if "LastEvaluatedKey" not in page:
                return n
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, table, k):
        return self.c.get_item(TableName=table, Key={"pk": {"S": k}},
                               ConsistentRead=True).get("Item")


class Bench:
    """The cases of one run of this script (see the module docstring)."""

    def __init__(self, a):
        self.a = a
        self.delays = [int(x) for x in a.delays.split(",")]
        self.local = Local(a.local)
        self.conn = psycopg2.connect("")
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("SELECT pg_backend_pid()")
        self.backend = self.cur.fetchone()[0]
        self.items = [None] + [py_item(i) for i in range(1, a.inserts + 1)]
        rnd = random.Random(1)
        self.update_keys = [key(i) for i in range(1, a.updates + 1)]
        rnd.shuffle(self.update_keys)
        self.delete_keys = [key(i) for i in range(1, a.deletes + 1)]
        rnd.shuffle(self.delete_keys)
        self.tables = set()
        self.boto = {}
        self.n_before = {}
        self.plans = {}
        self.loads = []

    # ------------------------------------------------------------ set-up
    def setup(self):
        cur, a = self.cur, self.a
        cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
        cur.execute("DEALLOCATE ALL")
        cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
        cur.execute("CREATE SCHEMA %s" % SCHEMA)
        cur.execute(SOURCE_SQL % (SCHEMA, a.inserts))
        self.local.fill(self.table("upd"), self.items[1:a.updates + 1])
        for d in self.delays:
            endpoint = benchlib.gateway_delayed(a.endpoint, d)
            srv = "bench_w_d%d" % d     # its schema holds its foreign tables
            benchlib.create_server(cur, srv, endpoint, ", page_size '1000', segments '1'")
            # the tables exist before anything plans against them (a failed
            # DescribeTable is remembered for a minute)
            for case in ("fdw-insert", "fdw-insert-100", "boto3-put", "boto3-put-plain",
                         "boto3-batch"):
                self.local.recreate(self.table(case, d))
            self.local.recreate(self.table("del", d))
            for ft, table, extra in (("ins", "fdw-insert", ""),
                                     ("ins100", "fdw-insert-100", ", batch_size '100'"),
                                     ("upd", "upd", ""), ("del", "del", "")):
                cur.execute("CREATE FOREIGN TABLE %s.%s (%s) SERVER %s OPTIONS "
                            "(table_name %%s, partition_key 'pk'%s)" % (srv, ft, COLUMNS, srv, extra),
                            (self.table(table, None if table == "upd" else d),))
            cur.execute("PREPARE upd_d%d(text) AS UPDATE %s.upd SET n = n + 1 WHERE pk = $1"
                        % (d, srv))
            cur.execute("PREPARE del_d%d(text) AS DELETE FROM %s.del WHERE pk = $1" % (d, srv))
            kw = {"endpoint_url": endpoint, "region_name": "us-east-1", "config": RETRIES,
                  "aws_access_key_id": os.environ["DDB_TEST_ACCESS_KEY"],
                  "aws_secret_access_key": os.environ["DDB_TEST_SECRET_KEY"]}
            self.boto[d] = boto3.resource("dynamodb", **kw)
            self.explain(d)

    def cleanup(self):
        for t in self.tables:
            self.local.drop(t)
        self.cur.execute("DEALLOCATE ALL")
        self.cur.execute("DROP SCHEMA %s CASCADE" % SCHEMA)
        for d in self.delays:
            self.cur.execute("DROP SCHEMA bench_w_d%d CASCADE" % d)
            self.cur.execute("DROP SERVER bench_w_d%d CASCADE" % d)

    def explain(self, d):
        """The requests ddb_fdw's plans say they send (stderr, and kept)."""
        srv = "bench_w_d%d" % d
        for case, sql in (("fdw-insert", "INSERT INTO %s.ins SELECT * FROM %s.src" % (srv, SCHEMA)),
                          ("fdw-insert-100", "INSERT INTO %s.ins100 SELECT * FROM %s.src"
                           % (srv, SCHEMA)),
                          ("fdw-update", "EXECUTE upd_d%d('bench-00000001')" % d),
                          ("fdw-delete", "EXECUTE del_d%d('bench-00000001')" % d)):
            self.cur.execute("EXPLAIN (COSTS OFF) " + sql)
            lines = [r[0].strip() for r in self.cur.fetchall() if "DynamoDB" in r[0]]
            self.plans[case] = "; ".join(lines)
            print("delay %d ms, %s: %s" % (d, case, self.plans[case]), file=sys.stderr)

    def table(self, case, d=None):
        """The DynamoDB table of a case (insert cases: one per case and delay)."""
        name = "bw_" + case.replace("-", "_") + ("" if d is None else "_d%d" % d)
        self.tables.add(name)
        return name

    def rows(self, case):
        kind = KIND[case]
        if case in ("boto3-put", "boto3-put-plain"):
            return min(self.a.loop_rows, self.a.inserts)
        if kind in ("insert", "scan"):
            return self.a.inserts
        return self.a.updates if kind == "update" else self.a.deletes

    # ------------------------------------------------------------ cases
    def prepare(self, case, d, rows):
        """Untimed: a fresh table for an INSERT, a full one for a DELETE."""
        kind = KIND[case]
        if kind == "insert":
            self.local.recreate(self.table(case, d))
        elif kind == "delete":
            self.local.fill(self.table("del", d),
                            [self.items[int(k[6:])] for k in self.delete_keys[:rows]])
        elif kind == "update":
            self.n_before = {k: self.local.get(self.table("upd"), k)["n"]["N"]
                             for k in self.update_keys[:rows][:5]}

    def run(self, case, d, rows):
        """The timed part: returns the rows the case wrote."""
        cur, resource, srv = self.cur, self.boto[d], "bench_w_d%d" % d
        if case in ("fdw-insert", "fdw-insert-100"):
            cur.execute("INSERT INTO %s.%s SELECT * FROM %s.src WHERE seq <= %d"
                        % (srv, "ins" if case == "fdw-insert" else "ins100", SCHEMA, rows))
            return cur.rowcount
        if case == "fdw-scan":
            cur.execute("SELECT count(t) FROM %s.ins t" % srv)
            return cur.fetchone()[0]
        if case in ("boto3-put", "boto3-put-plain"):
            t = resource.Table(self.table(case, d))
            cond = {"ConditionExpression": Attr("pk").not_exists()} if case == "boto3-put" else {}
            for i in range(1, rows + 1):
                t.put_item(Item=self.items[i], **cond)
            return rows
        if case == "boto3-batch":
            with resource.Table(self.table(case, d)).batch_writer() as b:
                for i in range(1, rows + 1):
                    b.put_item(Item=self.items[i])
            return rows
        if case in ("fdw-update", "fdw-delete"):
            stmt = ("upd_d%d" if case == "fdw-update" else "del_d%d") % d
            keys = self.update_keys if case == "fdw-update" else self.delete_keys
            n = 0
            for k in keys[:rows]:
                cur.execute("EXECUTE %s(%%s)" % stmt, (k,))
                n += cur.rowcount
            return n
        if case in ("boto3-read-write", "boto3-update"):
            t = resource.Table(self.table("upd"))
            for k in self.update_keys[:rows]:
                if case == "boto3-update":
                    t.update_item(Key={"pk": k}, UpdateExpression="SET n = n + :one",
                                  ExpressionAttributeValues={":one": 1})
                else:
                    old = t.get_item(Key={"pk": k}, ConsistentRead=True)["Item"]["n"]
                    t.update_item(Key={"pk": k}, UpdateExpression="SET n = :new",
                                  ConditionExpression="n = :old",
                                  ExpressionAttributeValues={":new": old + 1, ":old": old})
            return rows
        if case in ("boto3-delete", "boto3-batch-delete"):
            t = resource.Table(self.table("del", d))
            if case == "boto3-delete":
                for k in self.delete_keys[:rows]:
                    t.delete_item(Key={"pk": k})
            else:
                with t.batch_writer() as b:
                    for k in self.delete_keys[:rows]:
                        b.delete_item(Key={"pk": k})
            return rows
        raise ValueError(case)

    def verify(self, case, d, rows, n):
        """Untimed: what the run left in DynamoDB is what it should."""
        kind = KIND[case]
        if n != rows:
            raise SystemExit("%s (%d ms) wrote %d rows, not %d" % (case, d, n, rows))
        if kind == "insert":
            got = self.local.count(self.table(case, d))
            if got != rows:
                raise SystemExit("%s (%d ms): the table holds %d items, not %d" % (case, d, got, rows))
        elif kind == "delete":
            got = self.local.count(self.table("del", d))
            if got != 0:
                raise SystemExit("%s (%d ms): %d items left after the DELETE" % (case, d, got))
        elif kind == "update":
            for k, before in self.n_before.items():
                after = self.local.get(self.table("upd"), k)["n"]["N"]
                if int(after) != int(before) + 1:
                    raise SystemExit("%s (%d ms): n of %s went from %s to %s"
                                     % (case, d, k, before, after))

    def same_items(self, d):
        """ddb_fdw's items and boto3's, attribute for attribute (the tables
        the last round's INSERTs left)."""
        n = self.rows("boto3-put-plain")
        for i in sorted({1, 2, 3, n // 2, n}):
            a = self.local.get(self.table("fdw-insert", d), key(i))
            b = self.local.get(self.table("boto3-batch", d), key(i))
            c = self.local.get(self.table("boto3-put-plain", d), key(i))
            if not a or a != b or a != c:
                raise SystemExit("item %s differs between ddb_fdw and boto3:\n%s\n%s\n%s"
                                 % (key(i), a, b, c))
        return "items 1, 2, 3, %d and %d" % (n // 2, n)

    def measure(self, case, d):
        """One timed run of a case (benchlib.run_plan's fn): its figures."""
        rows = self.rows(case)
        self.prepare(case, d, rows)
        benchlib.gateway_call(self.a.endpoint, "log/reset", "POST")
        c0, b0 = time.process_time(), benchlib.cpu_seconds_fine(self.backend)
        w0 = time.perf_counter()
        n = self.run(case, d, rows)
        wall = time.perf_counter() - w0
        c1, b1 = time.process_time(), benchlib.cpu_seconds_fine(self.backend)
        res = {"seconds": wall, "items": n, "cpu_client": c1 - c0,
               "cpu_backend": b1 - b0 if case.startswith("fdw") else 0.0}
        res["cpu"] = res["cpu_client"] + res["cpu_backend"]
        gw = gateway_summary(self.a.endpoint, d)
        self.loads.append(float(benchlib.loadavg().split()[0]))
        self.verify(case, d, rows, n)
        print("    %-18s %3d ms: %d requests (%s), %.2f s in service"
              % (case, d, gw["requests"], ", ".join("%s %d" % kv for kv in sorted(gw["ops"].items())),
                 gw["service_s"]), file=sys.stderr, flush=True)
        # numbers only, the same keys every run (benchlib.median_result):
        # the counts by operation as op:NAME, any other operation as op:other
        ops = gw.pop("ops")
        res.update({"op:" + k: ops.pop(k, 0) for k in OPS})
        res["op:other"] = sum(ops.values())
        res.update(gw)
        return res


def plan_of(b):
    """(case, delay) in the order a round runs them."""
    plan = []
    for d in b.delays:
        for case in ("fdw-insert", "fdw-insert-100", "boto3-put", "boto3-put-plain", "boto3-batch"):
            plan.append((case, d))
            if case == "fdw-insert" and d == b.delays[0]:
                plan.append(("fdw-scan", d))
        for case in ("fdw-update", "boto3-read-write", "boto3-update",
                     "fdw-delete", "boto3-delete", "boto3-batch-delete"):
            plan.append((case, d))
    return plan


def warm_up(b, plan):
    """Untimed: DynamoDB Local's JIT, the backend's caches (each foreign
    table's DescribeTable), boto3's clients.  DynamoDB Local's
    TransactWriteItems is slow until its JIT has seen a few hundred: the
    batched INSERTs warm up on up to 5,000 rows at the first delay."""
    for case, d in plan:
        w = min(100 if d == b.delays[0] else 3, b.rows(case))
        if d == b.delays[0] and case in ("fdw-insert", "fdw-insert-100", "boto3-batch", "fdw-scan"):
            w = min(5000, b.rows(case))
        b.prepare(case, d, w)
        b.verify(case, d, w, b.run(case, d, w))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="test/gateway.py's URL")
    ap.add_argument("--local", required=True, help="DynamoDB Local's URL (set-up, checks)")
    ap.add_argument("--inserts", type=int)
    ap.add_argument("--updates", type=int)
    ap.add_argument("--deletes", type=int)
    ap.add_argument("--loop-rows", type=int, help="rows of a put_item loop (scaled)")
    ap.add_argument("--delays", default="0,20")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--quick", action="store_true",
                    help="2,000 inserts, 200 updates and deletes, 200 loop rows, 1 round")
    ap.add_argument("--json")
    a = ap.parse_args()
    q = a.quick
    a.inserts = a.inserts or (2000 if q else 10000)
    a.updates = a.updates or (200 if q else 1000)
    a.deletes = a.deletes or (200 if q else 1000)
    a.loop_rows = a.loop_rows or (200 if q else 1000)
    a.rounds = a.rounds or (1 if q else 3)
    if max(a.updates, a.deletes) > a.inserts:
        ap.error("--updates and --deletes cannot exceed --inserts (the same items)")

    started = time.time()
    machine = {"load_at_start": benchlib.loadavg(), "busiest_at_start": benchlib.busiest()}
    b = Bench(a)
    b.setup()
    plan = plan_of(b)
    warm_up(b, plan)
    results = benchlib.run_plan([(case, d, 1, lambda c=case, d=d: b.measure(c, d))
                                 for case, d in plan], a.rounds, labels=LABELS)
    checked = [b.same_items(d) for d in b.delays]
    same = ("Checked after the last round: %s as ddb_fdw, batch_writer and the plain put_item "
            "loop wrote them are equal, attribute for attribute, at %s ms"
            % (checked[0], " and ".join(str(d) for d in b.delays)))
    for m in results:
        m.pop("segments")
        counts = {k[3:]: m.pop(k) for k in list(m) if k.startswith("op:")}
        m["ops"] = {k: round(v) for k, v in counts.items() if v}
        m.update({"kind": KIND[m["case"]],
                  "full_rows": a.inserts if KIND[m["case"]] == "insert" else m["items"]})
    b.cleanup()
    machine.update({"load_at_end": benchlib.loadavg(), "busiest_at_end": benchlib.busiest(),
                    "load_after_runs": b.loads})
    doc = {"kind": "writes", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
           "rounds": a.rounds, "inserts": a.inserts, "updates": a.updates,
           "deletes": a.deletes, "loop_rows": a.loop_rows, "delays": a.delays, "quick": q,
           "plans": b.plans, "same_items": same, "results": results,
           "seconds": round(time.time() - started), "machine": machine,
           "command": "python3 bench/write_compare.py --endpoint $DDB_GATEWAY --local "
                      "$DDB_LOCAL_ENDPOINT --inserts %d --updates %d --deletes %d --loop-rows %d "
                      "--delays %s --rounds %d" % (a.inserts, a.updates, a.deletes, a.loop_rows,
                                                   a.delays, a.rounds)}
    benchlib.write_json(a.json, doc)
    print("\n".join(markdown(doc)))


if __name__ == "__main__":
    main()
