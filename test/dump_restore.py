#!/usr/bin/python3
"""Dump and restore test: pg_dump -Fc of a database that syncs, pg_restore
into a new database, and the restored database carries on.

The source database has servers, user mappings (the superuser's and a
non-superuser's), imported and hand-declared foreign tables, and sync
state of every kind: a snapshot and a stream run of a table with a stream,
the same table synced by the non-superuser into a target it owns, and a
snapshot that failed after some pages.  It is dumped with pg_dump -Fc and
restored with pg_restore into a new database.  Then:

* the catalog (sync_state, sync_checkpoint, sync_shard, sync_run and the
  run id sequence: extension configuration tables, pg_extension_config_dump)
  is restored row for row, its regclass columns (target, foreign_table)
  name the restored tables (regclass is dumped as a name), and row-level
  security still shows the non-superuser only its own target's rows;
* servers, user mappings and foreign tables are back: every foreign table
  reads the same rows as in the source database;
* after changes in DynamoDB, the restored database's next CALL
  ddb_fdw.sync applies them from the stream (mode "stream", no Scan in the
  gateway's log), also as the non-superuser, and the failed snapshot
  resumes (mode "resume", starting with an ExclusiveStartKey); run ids
  continue after the restored ones; every target equals DynamoDB.

Exit status 0 when every check passes; prints ok/FAIL per check.
"""

import os
import subprocess
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_common import (ACCESS_KEY, GATEWAY, PG_BIN, SECRET_KEY, catalog, catalog_diff,  # noqa: E402
                        check, connect, ddb_write, diff_with_dynamodb, drop_db, finish,
                        gateway, last_run, one, ops, query, recreate_db, requests,
                        reset_requests, runs)

SRC = "ddb_dump_src"
DST = "ddb_dump_dst"
ROLE = "ddb_dump_owner"
STREAM_TABLE = "dr_stream"      # NEW_AND_OLD_IMAGES, 500 items
PLAIN_TABLE = "dr_plain"        # no stream, 800 items
PAGE = 100

# every foreign table that reads through a clean endpoint, in key order
FOREIGN_READS = {
    "dr.%s" % STREAM_TABLE: "id",
    "dr.%s" % PLAIN_TABLE: "id",
    "public.plain_declared": "item_id",
}


def foreign_digest(cur):
    out = {}
    for table, key in FOREIGN_READS.items():
        out[table] = query(cur, "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY %s)) "
                                "FROM %s t" % (key, table))[0]
    return out


def main():
    started = time.time()
    ddb_write(STREAM_TABLE, "create", "--stream", "NEW_AND_OLD_IMAGES", "--items", 500)
    ddb_write(PLAIN_TABLE, "create", "--items", 800)
    recreate_db(SRC)
    drop_db(DST)
    admin = connect("postgres")
    acur = admin.cursor()
    acur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    acur.execute("CREATE ROLE %s NOLOGIN" % ROLE)
    gateway("faults/reset", "POST")

    conn = connect(SRC)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION ddb_fdw")
    for srv, endpoint in (("dr_srv", GATEWAY),
                          ("dr_fail", GATEWAY + "/fault/op=Scan,status=500,skip=3/")):
        cur.execute("CREATE SERVER %s FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1', "
                    "endpoint %%s, segments '2', page_size %%s, max_retries '0')" % srv,
                    (endpoint, str(PAGE)))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS "
                    "(access_key_id %%s, secret_access_key %%s)" % srv, (ACCESS_KEY, SECRET_KEY))
    cur.execute("ALTER SERVER dr_fail OPTIONS (SET segments '1')")
    cur.execute("CREATE USER MAPPING FOR %s SERVER dr_srv OPTIONS "
                "(access_key_id %%s, secret_access_key %%s)" % ROLE, (ACCESS_KEY, SECRET_KEY))
    cur.execute("GRANT USAGE ON FOREIGN SERVER dr_srv TO %s" % ROLE)
    cur.execute("CREATE SCHEMA dr")
    cur.execute("CREATE SCHEMA dr_fail")
    cur.execute("CREATE SCHEMA owned AUTHORIZATION %s" % ROLE)
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s, %s) FROM SERVER dr_srv INTO dr"
                % (STREAM_TABLE, PLAIN_TABLE))
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER dr_fail INTO dr_fail"
                % PLAIN_TABLE)
    cur.execute("GRANT USAGE ON SCHEMA dr TO %s" % ROLE)
    cur.execute("GRANT SELECT ON dr.%s TO %s" % (STREAM_TABLE, ROLE))
    # a hand-declared foreign table: typed columns, attribute names, options
    cur.execute("CREATE FOREIGN TABLE public.plain_declared (item_id int8 OPTIONS "
                "(attribute_name 'id'), name text, price numeric, v int) SERVER dr_srv "
                "OPTIONS (table_name %s, partition_key 'id', segments '1')", (PLAIN_TABLE,))

    # sync state: snapshot + stream run; the same as the non-superuser; a
    # failed snapshot
    cur.execute("CALL ddb_fdw.sync('dr.%s', 'public.stream_copy')" % STREAM_TABLE)
    ddb_write(STREAM_TABLE, "update", "--from", 0, "--to", 25)
    cur.execute("CALL ddb_fdw.sync('dr.%s', 'public.stream_copy')" % STREAM_TABLE)
    cur.execute("SET ROLE %s" % ROLE)
    cur.execute("CALL ddb_fdw.sync('dr.%s', 'owned.stream_copy')" % STREAM_TABLE)
    cur.execute("RESET ROLE")
    try:
        cur.execute("CALL ddb_fdw.sync('dr_fail.%s', 'public.plain_copy')" % PLAIN_TABLE)
        failed = "no error"
    except psycopg2.Error as e:
        failed = str(e).splitlines()[0]
    check("source_state",
          [x[:2] for x in runs(cur, "stream_copy")] == [("succeeded", "snapshot"),
                                                        ("succeeded", "stream")] and
          [x[:2] for x in runs(cur, "owned.stream_copy")] == [("succeeded", "snapshot")] and
          [x[:2] for x in runs(cur, "plain_copy")] == [("failed", "snapshot")] and
          one(cur, "SELECT items_done FROM ddb_fdw.sync_state WHERE "
                   "target = 'plain_copy'::regclass") == 3 * PAGE, failed)
    src_catalog = catalog(cur)
    src_reads = foreign_digest(cur)
    src_targets = query(cur, "SELECT s.target::text, c.relowner::regrole::text, s.foreign_table::text "
                             "FROM ddb_fdw.sync_state s JOIN pg_class c ON c.oid = s.target "
                             "ORDER BY 1")
    conn.close()

    # ---------------------------------------------------------- dump, restore
    outdir = os.environ.get("DDB_RUN", "/tmp")
    dumpfile = os.path.join(outdir, "dump_restore.dump")
    t0 = time.time()
    subprocess.run([os.path.join(PG_BIN, "pg_dump"), "-Fc", "-f", dumpfile, "--dbname", SRC],
                   check=True)
    recreate_db(DST)
    restore = subprocess.run([os.path.join(PG_BIN, "pg_restore"), "--exit-on-error",
                              "--dbname", DST, dumpfile], capture_output=True, text=True)
    check("pg_restore_clean", restore.returncode == 0 and not restore.stderr.strip(),
          restore.stderr[:2000])
    print("pg_dump + pg_restore took %.1f s" % (time.time() - t0))

    conn = connect(DST)
    cur = conn.cursor()
    dst_catalog = catalog(cur)
    check("catalog_restored", src_catalog == dst_catalog, catalog_diff(src_catalog, dst_catalog))
    dst_targets = query(cur, "SELECT s.target::text, c.relowner::regrole::text, "
                             "s.foreign_table::text FROM ddb_fdw.sync_state s "
                             "JOIN pg_class c ON c.oid = s.target ORDER BY 1")
    kinds = query(cur, "SELECT DISTINCT t.relkind::text, f.relkind::text FROM ddb_fdw.sync_state s "
                       "JOIN pg_class t ON t.oid = s.target "
                       "JOIN pg_class f ON f.oid = s.foreign_table")
    dangling = one(cur, "SELECT count(*) FROM ddb_fdw.sync_run r WHERE NOT EXISTS "
                        "(SELECT 1 FROM pg_class c WHERE c.oid = r.target) OR NOT EXISTS "
                        "(SELECT 1 FROM pg_class c WHERE c.oid = r.foreign_table)")
    check("regclass_columns_name_restored_tables",
          dst_targets == src_targets and len(dst_targets) == 3 and kinds == [("r", "f")] and
          dangling == 0, "%r vs %r, kinds %r, dangling %d" % (dst_targets, src_targets, kinds,
                                                              dangling))
    # every catalog table (sync_state, _checkpoint, _shard, _run, _buffer...)
    # keeps row-level security and its target_readers policy
    tables, rls, policies = query(
        cur, "SELECT count(*), count(*) FILTER (WHERE c.relrowsecurity), "
             "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_policy p "
             "  WHERE p.polrelid = c.oid AND p.polname = 'target_readers')) "
             "FROM pg_class c WHERE c.relnamespace = 'ddb_fdw'::regnamespace "
             "AND c.relkind = 'r'")[0]
    check("rls_restored", tables >= 5 and rls == tables and policies == tables,
          "%d tables, %d with RLS, %d with the policy" % (tables, rls, policies))
    cur.execute("SET ROLE %s" % ROLE)
    seen = query(cur, "SELECT target::text FROM ddb_fdw.sync_state")
    seen_runs = one(cur, "SELECT count(*) FROM ddb_fdw.sync_run")
    cur.execute("RESET ROLE")
    check("owner_sees_only_its_rows", seen == [("owned.stream_copy",)] and seen_runs == 1,
          "%r, %d runs" % (seen, seen_runs))
    mappings = query(cur, "SELECT srvname, usename, "
                          "(SELECT array_agg(split_part(o, '=', 1) ORDER BY o) FROM "
                          " unnest(umoptions) o) FROM pg_user_mappings ORDER BY 1, 2")
    check("user_mappings_restored", mappings == [
        ("dr_fail", "postgres", ["access_key_id", "secret_access_key"]),
        ("dr_srv", ROLE, ["access_key_id", "secret_access_key"]),
        ("dr_srv", "postgres", ["access_key_id", "secret_access_key"])], repr(mappings))
    dst_reads = foreign_digest(cur)
    check("foreign_tables_read_the_same_rows",
          dst_reads == src_reads and all(n > 0 for n, _ in dst_reads.values()),
          "%r vs %r" % (dst_reads, src_reads))

    # ---------------------------------------------------------- next syncs
    ddb_write(STREAM_TABLE, "put", "--from", 500, "--to", 520)
    ddb_write(STREAM_TABLE, "update", "--from", 50, "--to", 80)
    ddb_write(STREAM_TABLE, "delete", "--from", 100, "--to", 110)
    max_before = last_run(cur)
    for target, as_role in (("public.stream_copy", False), ("owned.stream_copy", True)):
        before = last_run(cur)
        reset_requests()
        if as_role:
            cur.execute("SET ROLE %s" % ROLE)
        cur.execute("CALL ddb_fdw.sync('dr.%s', '%s')" % (STREAM_TABLE, target))
        cur.execute("RESET ROLE")
        r = runs(cur, target, before)
        o = ops(STREAM_TABLE)
        # (owned.stream_copy's snapshot was taken less than two minutes
        # after the 25 updates before it, which its first stream run applies
        # again: its counters are not exact)
        check("%s_streams_after_restore" % target,
              [x[:2] for x in r] == [("succeeded", "stream")] and
              (as_role or r[0][3:6] == (20, 30, 10)), repr(r))
        check("%s_no_scan" % target, o.get("Scan", 0) == 0 and o.get("GetRecords", 0) > 0,
              repr(o))
        missing, extra, rows = diff_with_dynamodb(cur, target, STREAM_TABLE)
        check("%s_equals_dynamodb" % target, missing == 0 and extra == 0 and rows == 510,
              "missing %s extra %s rows %s" % (missing, extra, rows))

    cur.execute("ALTER SERVER dr_fail OPTIONS (SET endpoint %s)", (GATEWAY,))
    before = last_run(cur)
    reset_requests()
    cur.execute("CALL ddb_fdw.sync('dr_fail.%s', 'public.plain_copy')" % PLAIN_TABLE)
    r = runs(cur, "plain_copy", before)
    scans = [x for x in requests(PLAIN_TABLE) if x[0] == "Scan"]
    check("failed_snapshot_resumes_after_restore",
          [x[:2] for x in r] == [("succeeded", "resume")] and scans and scans[0][2] and
          len(scans) < 800 // PAGE, "%r, %d Scans" % (r, len(scans)))
    missing, extra, rows = diff_with_dynamodb(cur, "plain_copy", PLAIN_TABLE)
    check("plain_copy_equals_dynamodb", missing == 0 and extra == 0 and rows == 800,
          "missing %s extra %s rows %s" % (missing, extra, rows))
    check("run_ids_continue",
          one(cur, "SELECT min(run_id) FROM ddb_fdw.sync_run WHERE run_id > %s",
              (max_before,)) == max_before + 1 and
          max_before == max(x["run_id"] for x in src_catalog["sync_run"]))

    conn.close()
    drop_db(SRC)
    drop_db(DST)
    os.unlink(dumpfile)
    acur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    print("dump/restore test took %.1f s" % (time.time() - started))
    return finish("dump_restore")


if __name__ == "__main__":
    sys.exit(main())
