#!/usr/bin/python3
"""Dumps a DynamoDB table as natural JSON, one item per line: the
independent reader the sync tests compare their targets with.

Usage: ddb_dump.py --endpoint URL --table NAME [--table NAME ...]
       (with several tables, each line is the table's name, a tab, the item)

Reads with boto3's low-level client (not ddb_fdw), so a bug in the
extension's decoder cannot hide in both sides of a comparison.  Natural JSON
as ddb_fdw documents it: N as a JSON number with every digit (the string
DynamoDB sent), B and BS as base64 strings, SS/NS/BS/L as arrays in the
order DynamoDB sent them, M as objects, NULL as null.
"""

import argparse
import base64
import json
import sys

import boto3


def natural(value):
    (tag, v), = value.items()
    if tag == "S":
        return json.dumps(v, ensure_ascii=False)
    if tag == "N":
        return v
    if tag == "B":
        return json.dumps(base64.b64encode(v).decode())
    if tag == "BOOL":
        return "true" if v else "false"
    if tag == "NULL":
        return "null"
    if tag == "M":
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + natural(x)
                              for k, x in v.items()) + "}"
    if tag == "L":
        return "[" + ",".join(natural(x) for x in v) + "]"
    if tag == "SS":
        return "[" + ",".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
    if tag == "NS":
        return "[" + ",".join(v) + "]"
    if tag == "BS":
        return "[" + ",".join(json.dumps(base64.b64encode(x).decode()) for x in v) + "]"
    raise ValueError("unknown type " + tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", required=True, action="append")
    a = ap.parse_args()
    ddb = boto3.client("dynamodb", endpoint_url=a.endpoint, region_name="us-east-1",
                       aws_access_key_id="AKIDINDEPENDENTREADER", aws_secret_access_key="x")
    out = sys.stdout
    for table in a.table:
        prefix = table + "\t" if len(a.table) > 1 else ""
        args = {"TableName": table}
        while True:
            page = ddb.scan(**args)
            for item in page["Items"]:
                out.write(prefix + natural({"M": item}) + "\n")
            if "LastEvaluatedKey" not in page:
                break
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return 0


if __name__ == "__main__":
    sys.exit(main())
