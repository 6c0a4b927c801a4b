#!/usr/bin/python3
"""Loads the DynamoDB tables that the demo and the test suites read.

Writes straight to DynamoDB Local with boto3 (an independent writer: the
extension only ever reads what this program wrote).  Every value is
deterministic, so expected outputs can be reasoned about; for the large
scan table this program also computes the checksums the `scan` suite must
reproduce through the extension, and writes them to an env file.

Usage: fixtures.py --endpoint URL [--env-file FILE] [--scan-items N] SET...
where SET is one of: demo, scan, types, import, errors, sync, pushdown, infer, all.
"""

import argparse
import base64
import hashlib
import sys
import time

import boto3
from botocore.config import Config

REGION = "us-east-1"


def client(endpoint):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIDFIXTURELOADER01",
        aws_secret_access_key="fixture-loader-secret",
        config=Config(retries={"max_attempts": 10, "mode": "standard"}),
    )


def create_table(ddb, name, keys, gsis=None, stream=None, lsis=None):
    """keys: list of (attribute, type) — the first is the partition key.
    gsis, lsis: [{"name", "keys": [(attribute, type), ...], "projection",
    "include": [attributes]}] (an LSI's keys: its sort key only)."""
    defs = {a: t for a, t in keys}
    schema = [{"AttributeName": keys[0][0], "KeyType": "HASH"}]
    if len(keys) > 1:
        schema.append({"AttributeName": keys[1][0], "KeyType": "RANGE"})
    args = {
        "TableName": name,
        "KeySchema": schema,
        "BillingMode": "PAY_PER_REQUEST",
    }
    for ix in (gsis or []) + (lsis or []):
        for a, t in ix["keys"]:
            defs[a] = t

    def projection(ix):
        p = {"ProjectionType": ix.get("projection", "ALL")}
        if ix.get("include"):
            p["NonKeyAttributes"] = ix["include"]
        return p
    args["AttributeDefinitions"] = [
        {"AttributeName": a, "AttributeType": t} for a, t in defs.items()
    ]
    if gsis:
        args["GlobalSecondaryIndexes"] = [
            {
                "IndexName": g["name"],
                "KeySchema": [{"AttributeName": g["keys"][0][0], "KeyType": "HASH"}]
                + (
                    [{"AttributeName": g["keys"][1][0], "KeyType": "RANGE"}]
                    if len(g["keys"]) > 1
                    else []
                ),
                "Projection": projection(g),
            }
            for g in gsis
        ]
    if lsis:
        args["LocalSecondaryIndexes"] = [
            {
                "IndexName": ix["name"],
                "KeySchema": [{"AttributeName": keys[0][0], "KeyType": "HASH"},
                              {"AttributeName": ix["keys"][0][0], "KeyType": "RANGE"}],
                "Projection": projection(ix),
            }
            for ix in lsis
        ]
    if stream:
        args["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    try:
        ddb.delete_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(**args)


def put_items(ddb, table, items):
    """BatchWriteItem in groups of 25, retrying unprocessed items."""
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]
        pending = {table: requests}
        delay = 0.05
        while pending:
            resp = ddb.batch_write_item(RequestItems=pending)
            pending = resp.get("UnprocessedItems") or {}
            if pending:
                time.sleep(delay)
                delay = min(delay * 2, 2)


# ------------------------------------------------------------------ demo

def load_demo(ddb, env):
    create_table(ddb, "customers", [("customer_id", "S")])
    rows = [
        ("c-001", "Ada Lovelace", "ada@example.com", "1815.12", "gold", True),
        ("c-002", "Grace Hopper", "grace@example.com", "1906.09", "platinum", True),
        ("c-003", "Alan Turing", "alan@example.com", "1912.06", "silver", False),
        ("c-004", "Edsger Dijkstra", "edsger@example.com", "1930.05", "gold", True),
        ("c-005", "Barbara Liskov", "barbara@example.com", "1939.11", "platinum", True),
        ("c-042", "Donald Knuth", "don@example.com", "1938.01", "gold", True),
    ]
    items = []
    for i, (cid, name, email, balance, tier, active) in enumerate(rows):
        items.append({
            "customer_id": {"S": cid},
            "name": {"S": name},
            "email": {"S": email},
            "balance": {"N": balance},
            "tier": {"S": tier},
            "active": {"BOOL": active},
            "signup": {"S": "2024-0%d-1%dT09:30:00Z" % (i % 9 + 1, i)},
            "tags": {"SS": sorted({tier, "customer"})},
            "address": {"M": {"city": {"S": "City %d" % i}, "zip": {"N": str(10000 + i)}}},
        })
    put_items(ddb, "customers", items)
    env["DDB_DEMO_CUSTOMERS"] = str(len(items))


# ------------------------------------------------------------------ scan

def scan_item(i):
    # amounts without trailing zeros: DynamoDB would normalize "1.50" to "1.5"
    amount = "%d.%02d" % (i % 1000, i % 9 + 1)
    return {
        "pk": {"S": "item-%06d" % i},
        "n": {"N": str(i)},
        "amount": {"N": amount},
        "label": {"S": "label %d" % (i % 97)},
        "payload": {"S": "x" * (i % 50)},
        "flag": {"BOOL": i % 2 == 0},
        "tags": {"SS": ["t%d" % (i % 5), "u%d" % (i % 7)]},
        "attrs": {"M": {"depth": {"N": str(i % 3)}, "name": {"S": "n%d" % i}}},
    }


def load_scan(ddb, env, count):
    create_table(ddb, "scan_items", [("pk", "S")])
    items = [scan_item(i) for i in range(count)]
    put_items(ddb, "scan_items", items)
    # checksums the scan suite must reproduce through the extension
    rows = sorted(
        "%s:%s:%s:%s" % (it["pk"]["S"], it["n"]["N"], it["amount"]["N"], it["label"]["S"])
        for it in items
    )
    env["DDB_SCAN_COUNT"] = str(count)
    env["DDB_SCAN_SUM"] = str(sum(int(it["n"]["N"]) for it in items))
    env["DDB_SCAN_AMOUNT_SUM"] = str(sum(int(it["amount"]["N"].replace(".", "")) for it in items))
    env["DDB_SCAN_MD5"] = hashlib.md5(",".join(rows).encode()).hexdigest()
    names = sorted(it["attrs"]["M"]["name"]["S"] for it in items)
    env["DDB_SCAN_NAMES_MD5"] = hashlib.md5(",".join(names).encode()).hexdigest()


# ------------------------------------------------------------------ types

def b(data):
    return data if isinstance(data, bytes) else data.encode()


def load_types(ddb, env):
    create_table(ddb, "types_items", [("id", "S")])
    nested = {"S": "bottom"}
    for depth in range(10):
        nested = {"M": {"level": {"N": str(depth)}, "next": nested}}
    items = [
        {
            "id": {"S": "full"},
            "s": {"S": "hello"},
            "n_int": {"N": "42"},
            "n_neg": {"N": "-7"},
            "n_frac": {"N": "3.14159"},
            "b": {"B": b("\x00\x01binary\xff".encode("latin-1"))},
            "bool_t": {"BOOL": True},
            "bool_f": {"BOOL": False},
            "null_attr": {"NULL": True},
            "m": {"M": {"a": {"N": "1"}, "b": {"S": "two"}, "c": {"L": [{"BOOL": True}, {"NULL": True}]}}},
            "l": {"L": [{"S": "x"}, {"N": "1.5"}, {"BOOL": False}, {"NULL": True},
                        {"M": {"k": {"S": "v"}}}, {"L": []}, {"SS": ["p", "q"]}]},
            "ss": {"SS": ["a", "b", "c"]},
            "ns": {"NS": ["1", "2.5", "-3"]},
            "bs": {"BS": [b"\x01\x02", b"\xff"]},
            "ts": {"S": "2024-01-02T03:04:05.123456Z"},
            "day": {"S": "2024-02-29"},
            "uid": {"S": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
            "epoch": {"N": "1700000000.123456"},
            "n_text": {"S": "12.50"},
            "int_list": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
            "empty_m": {"M": {}},
            "empty_l": {"L": []},
        },
        {"id": {"S": "missing"}},
        {
            "id": {"S": "edge"},
            "n38": {"N": "99999999999999999999999999999999999999"},
            "n38_neg": {"N": "-12345678901234567890123456789012345678"},
            "n38_frac": {"N": "1234567890123456789.0123456789012345678"},
            "n_tiny": {"N": "1E-130"},
            "n_tiny_neg": {"N": "-1E-130"},
            "n_huge": {"N": "9.9999999999999999999999999999999999999E+125"},
            "n_zero": {"N": "0"},
            "n_int64": {"N": "9223372036854775807"},
            "n_exp": {"N": "1E+2"},
            "s_empty": {"S": ""},
        },
        {
            "id": {"S": "unicode"},
            "s": {"S": "héllo wörld ✓ 𝄞 日本語"},
            "s_escapes": {"S": "line1\nline2\t\"quoted\" back\\slash \x01 /"},
            "ключ": {"S": "значение"},
            "with space": {"S": "spaced"},
            "a.b": {"S": "dotted"},
            "select": {"S": "reserved"},
            "m": {"M": {"ünï": {"S": "çødé"}, "emoji": {"S": "🎉"}}},
        },
        {
            "id": {"S": "big"},
            "payload": {"S": "".join(chr(ord("a") + (i % 26)) for i in range(390 * 1024))},
        },
        {
            "id": {"S": "deep"},
            "m": nested,
        },
    ]
    put_items(ddb, "types_items", items)
    env["DDB_TYPES_BIG_MD5"] = hashlib.md5(items[4]["payload"]["S"].encode()).hexdigest()


# ------------------------------------------------------------------ import

IMPORT_PLAIN = 105  # more than one ListTables page (100 names)


def load_import(ddb, env):
    for i in range(IMPORT_PLAIN):
        create_table(ddb, "imp_%03d" % i, [("id", "S")])
    # composite key with awkward attribute names
    create_table(ddb, "Orders.2024-v1", [("Customer ID", "S"), ("order#", "N")])
    put_items(ddb, "Orders.2024-v1", [
        {"Customer ID": {"S": "c-1"}, "order#": {"N": "1"}, "total": {"N": "9.99"}},
        {"Customer ID": {"S": "c-1"}, "order#": {"N": "2"}, "total": {"N": "20"}},
        {"Customer ID": {"S": "c-2"}, "order#": {"N": "1"}, "total": {"N": "0.5"}},
    ])
    # binary partition and sort keys
    create_table(ddb, "bin_keys", [("k", "B"), ("s", "B")])
    put_items(ddb, "bin_keys", [
        {"k": {"B": b"\x00\x01"}, "s": {"B": b"\xff"}, "v": {"S": "one"}},
        {"k": {"B": b"abc"}, "s": {"B": b"\x10\x20"}, "v": {"S": "two"}},
    ])
    # an SQL reserved word as table and key name, a number key
    create_table(ddb, "select", [("from", "N")])
    put_items(ddb, "select", [{"from": {"N": "1"}, "where": {"S": "here"}}])
    # unicode key attribute
    create_table(ddb, "unicode_key", [("ключ", "S")])
    put_items(ddb, "unicode_key", [{"ключ": {"S": "да"}}])
    # an attribute name longer than PostgreSQL's 63-byte identifiers
    long_attr = "attribute_" + "x" * 70
    create_table(ddb, "long_attr", [(long_attr, "S")])
    put_items(ddb, "long_attr", [{long_attr: {"S": "long"}}])
    # two table names longer than 63 bytes that share their first 63
    prefix = "t" * 63
    create_table(ddb, prefix + "_first", [("id", "S")])
    create_table(ddb, prefix + "_second", [("id", "S")])
    # a key attribute called like the default whole-item column
    create_table(ddb, "item_named", [("item", "S")])
    put_items(ddb, "item_named", [{"item": {"S": "i-1"}, "x": {"N": "1"}}])


# ------------------------------------------------------------------ errors

def load_errors(ddb, env):
    # each bad value sits in an attribute of its own, so that a column
    # mapped to that attribute fails on exactly one item
    create_table(ddb, "bad_values", [("pk", "S")])
    put_items(ddb, "bad_values", [
        {"pk": {"S": "ok"}, "qty": {"N": "5"}, "price": {"S": "1.5"}, "flag": {"BOOL": True}},
        {"pk": {"S": "too-big"}, "qty_big": {"N": "99999999999"}},
        {"pk": {"S": "not-int"}, "qty_frac": {"N": "2.5"}},
        {"pk": {"S": "bad-number"}, "price_text": {"S": "twelve " + "y" * 100}},
        {"pk": {"S": "wrong-type"}, "flag_text": {"S": "maybe"}},
        {"pk": {"S": "map-in-int"}, "qty_map": {"M": {"a": {"N": "1"}}}},
        {"pk": {"S": "nul-char"}, "with_nul": {"S": "before\x00after"}},
        {"pk": {"S": "long-varchar"}, "code": {"S": "ABCDEFGHIJ"}},
        {"pk": {"S": "float-overflow"}, "tiny_real": {"N": "1E-130"}},
        {"pk": {"S": "ns-frac"}, "ns_frac": {"NS": ["1", "2.5"]}},
    ])
    create_table(ddb, "drop_me", [("pk", "S")])
    put_items(ddb, "drop_me", [{"pk": {"S": "here today"}}])
    create_table(ddb, "slow_items", [("pk", "S")])
    put_items(ddb, "slow_items", [{"pk": {"S": "s-%d" % i}} for i in range(50)])


# ------------------------------------------------------------------ sync

def sync_item(i):
    return {
        "pk": {"S": "s-%04d" % i},
        "n": {"N": str(i)},
        "amount": {"N": "%d.%02d" % (i * 37 % 10000, i % 9 + 1) if i % 100 else
                   "12345678901234567890.123456789012345678"},
        "label": {"S": "item %d ✓" % i},
        "tags": {"SS": ["t%d" % (i % 3), "u%d" % (i % 4)]},
        "data": {"M": {"x": {"N": str(i % 7)}, "y": {"L": [{"S": "a"}, {"BOOL": i % 2 == 0}]}}},
        "blob": {"B": bytes([i % 256, (i * 7) % 256])},
    }


def load_sync(ddb, env):
    create_table(ddb, "sync_items", [("pk", "S")])
    put_items(ddb, "sync_items", [sync_item(i) for i in range(1000)])
    # what the pg_cron job syncs
    create_table(ddb, "cron_items", [("pk", "S")])
    put_items(ddb, "cron_items", [{"pk": {"S": "cron-%03d" % i}, "v": {"N": str(i)}}
                                  for i in range(100)])
    # a composite-key table for sync_server and typed targets
    create_table(ddb, "sync_orders", [("customer", "S"), ("order_no", "N")])
    put_items(ddb, "sync_orders", [
        {"customer": {"S": "c-%d" % (i % 10)}, "order_no": {"N": str(i)},
         "total": {"N": "%d.%02d" % (i, i % 100)}} for i in range(200)])


# ------------------------------------------------------------------ pushdown

STATUSES = ["new", "paid", "shipped", "cancelled"]


def pd_order(c, o):
    """Order o of customer c: every kind of value the pushdown suite compares."""
    i = c * 40 + o
    item = {
        "customer": {"S": "c-%03d" % c},
        "order_no": {"N": str(o)},
        "status": {"S": STATUSES[i % 4]},
        "email": {"S": "c%03d@example.com" % c},
        "total": {"N": "%d.%02d" % (i % 500, i % 100)},
        "created": {"N": str(1700000000 + i * 3600)},
        "flag": {"BOOL": i % 3 == 0},
        "select": {"S": "reserved %d" % (i % 5)},
        "with space": {"N": str(i % 7)},
        "bin": {"B": bytes([i % 256, (i // 256) % 256])},
    }
    # code: mostly S, sometimes N, sometimes NULL, sometimes absent
    if i % 10 == 0:
        item["code"] = {"N": str(i % 100)}
    elif i % 10 == 1:
        item["code"] = {"NULL": True}
    elif i % 10 != 2:
        item["code"] = {"S": "%02d" % (i % 100)}
    # note: text with collation-sensitive case and accents
    item["note"] = {"S": ["apple", "Banana", "cherry", "Émile", "zeta", "Zeta", "éclair"][i % 7]}
    return item


def load_pushdown(ddb, env):
    create_table(ddb, "pd_orders", [("customer", "S"), ("order_no", "N")],
                 gsis=[{"name": "by_status", "keys": [("status", "S"), ("created", "N")]},
                       {"name": "by_email", "keys": [("email", "S")], "projection": "KEYS_ONLY"}],
                 lsis=[{"name": "by_total", "keys": [("total", "N")],
                        "projection": "INCLUDE", "include": ["status"]}])
    put_items(ddb, "pd_orders", [pd_order(c, o) for c in range(50) for o in range(40)])
    create_table(ddb, "pd_accounts", [("id", "N")])
    put_items(ddb, "pd_accounts", [
        {"id": {"N": str(i)}, "name": {"S": "account %d" % i},
         "balance": {"N": "%d.%02d" % (i * 3, i % 100)}} for i in range(1, 501)])
    # a string sort key: begins_with and byte-ordered ranges
    create_table(ddb, "pd_events", [("device", "S"), ("ts", "S")])
    put_items(ddb, "pd_events", [
        {"device": {"S": "dev-%d" % d},
         "ts": {"S": "2024-01-%02dT%02d:00:00Z" % (1 + h // 24, h % 24)},
         "value": {"N": str(d * 100 + h)},
         "kind": {"S": ["alpha", "Alpha", "beta", "\u00e9clair", "Zulu"][h % 5]}}
        for d in range(1, 6) for h in range(48)])
    env["DDB_PD_ORDERS"] = "2000"


# ------------------------------------------------------------------ infer

INFER_ITEMS = 200
INFER_LONG_ATTR = "attribute_" + "y" * 70   # longer than an identifier
INFER_TWIN = "z" * 63                        # two names cut to the same 63 bytes


def infer_ts(i):
    """An ISO 8601 timestamp, in one of five spellings."""
    tail = ["Z", "+02:00", "-0530", ".123456Z", ""][i % 5]
    return "2024-%02d-%02dT%02d:%02d:%02d%s" % (
        i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i * 7) % 60, tail)


def infer_uuid(i):
    return "%08x-%04x-4%03x-8%03x-%012x" % (
        (i * 2654435761) % 2**32, i, i % 4096, (i * 3) % 4096, i * 7919)


def infer_item(i):
    """Item i of infer_items: attributes of every type, present in 100%, 85%
    (i % 20 < 17), 50% (even i) or 5% (i % 20 == 0) of the items."""
    p85, p50, p5 = i % 20 < 17, i % 2 == 0, i % 20 == 0
    it = {
        "id": {"S": "i-%03d" % i},
        "name": {"S": "name %d" % i},
        "created_at": {"S": infer_ts(i)},
        "uuid": {"S": infer_uuid(i)},
        "maybe_uuid": {"NULL": True} if i % 10 == 0 else {"S": infer_uuid(i + 1000)},
        "count": {"N": str(i * 3 - 100)},
        "price": {"N": "%d.%02d" % (i, i % 9 + 1)},
        "huge": {"N": str(2**63 + i) if i % 4 == 0 else str(i)},
        "flag": {"BOOL": i % 3 == 0},
        "blob": {"B": bytes([i % 256, 255 - i % 256, 0])},
        "tags": {"SS": sorted({"t%d" % (i % 4), "u%d" % (i % 5)})},
        "scores": {"NS": [str(i), str(i + 1000)]},
        "profile": {"M": {"age": {"N": str(20 + i % 50)},
                          "tags": {"L": [{"S": "a"}, {"BOOL": True}]},
                          "addr": {"M": {"zip": {"S": "%05d" % i}}},
                          "none": {"NULL": True}}},
        "history": {"L": [{"N": str(i)}, {"S": "x"}, {"M": {"k": {"N": "1.5"}}}, {"L": []}]},
        "code": {"N": str(i)} if i % 2 else {"S": "c%d" % i},
        "when_or_empty": {"S": infer_ts(i) if i % 10 else ""},
        "a.b.c": {"S": "dotted %d" % i},
        "full name": {"S": "Name %d" % i},
        "prénom": {"S": "Zoé %d" % i},
        "数量": {"N": str(i % 10)},
        "select": {"S": "sel %d" % i},
        "from": {"N": str(i)},
        "order": {"BOOL": i % 2 == 0},
        INFER_LONG_ATTR: {"N": str(i)},
        INFER_TWIN + "_one": {"S": "one"},
        INFER_TWIN + "_two": {"S": "two"},
        "item": {"S": "an attribute called item"},
        "CamelCase": {"S": "Camel %d" % i},
        "nothing": {"NULL": True},
        "empty_str": {"S": ""},
        "date_only": {"S": "2024-01-%02d" % (i % 28 + 1)},
    }
    if p85:
        it["ratios"] = {"NS": ["0.5", "%d.25" % i]}
        it["blobs"] = {"BS": [bytes([i % 256]), b"\xff\x00"]}
        it["note"] = {"S": "" if i % 4 == 0 else "note %d" % i}
        it["ts85"] = {"S": infer_ts(i + 7)}
    if p50:
        it["half"] = {"S": "h%d" % i}
    if p5:
        it["rare"] = {"N": str(i)}
    return it


def load_infer(ddb, env):
    create_table(ddb, "infer_items", [("id", "S")])
    put_items(ddb, "infer_items", [infer_item(i) for i in range(INFER_ITEMS)])
    # what schema_drift compares with: a composite key, four attributes
    create_table(ddb, "infer_drift", [("grp", "S"), ("seq", "N")])
    put_items(ddb, "infer_drift", [
        {"grp": {"S": "g%d" % (i % 4)}, "seq": {"N": str(i)}, "qty": {"N": str(i * 10)},
         "label": {"S": "label %d" % i}, "seen": {"S": infer_ts(i)},
         "color": {"S": ["red", "green", "blue"][i % 3]}}
        for i in range(40)])
    # more attributes than a PostgreSQL table can have columns
    create_table(ddb, "infer_wide", [("id", "S")])
    wide = {"id": {"S": "w"}}
    for k in range(1700):
        wide["a%04d" % k] = {"N": str(k)}
    put_items(ddb, "infer_wide", [wide, {"id": {"S": "v"}, "a1699": {"N": "1"}}])


def table_count(ddb):
    names, start = [], None
    while True:
        args = {"Limit": 100}
        if start:
            args["ExclusiveStartTableName"] = start
        resp = ddb.list_tables(**args)
        names += resp["TableNames"]
        start = resp.get("LastEvaluatedTableName")
        if not start:
            return len(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--env-file")
    ap.add_argument("--scan-items", type=int, default=20000)
    ap.add_argument("sets", nargs="+",
                    choices=["demo", "scan", "types", "import", "errors", "sync", "pushdown",
                             "infer", "all"])
    args = ap.parse_args()
    ddb = client(args.endpoint)
    sets = ({"demo", "scan", "types", "import", "errors", "sync", "pushdown", "infer"}
            if "all" in args.sets else set(args.sets))
    env = {}
    if "demo" in sets:
        load_demo(ddb, env)
    if "scan" in sets:
        load_scan(ddb, env, args.scan_items)
    if "types" in sets:
        load_types(ddb, env)
    if "import" in sets:
        load_import(ddb, env)
    if "errors" in sets:
        load_errors(ddb, env)
    if "sync" in sets:
        load_sync(ddb, env)
    if "pushdown" in sets:
        load_pushdown(ddb, env)
    if "infer" in sets:
        load_infer(ddb, env)
    env["DDB_TABLE_COUNT"] = str(table_count(ddb))
    if args.env_file:
        with open(args.env_file, "w") as f:
            for k, v in sorted(env.items()):
                f.write("%s=%s\n" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
