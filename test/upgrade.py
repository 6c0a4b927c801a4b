#!/usr/bin/python3
"""Upgrade test: ddb_fdw 1.0 with sync state, ALTER EXTENSION ddb_fdw UPDATE.

1. CREATE EXTENSION ddb_fdw VERSION '1.0' runs the kept 1.0 script
   (sql/ddb_fdw--1.0.sql) against today's library: every C function it
   declares is looked up by name when it is created, so this proves the
   library still exports what 1.0 names.
2. With 1.0's catalog: servers, user mappings, imported foreign tables, and
   syncs of every kind of state -- a snapshot in two segments of a table
   with a stream, then a stream run (shard checkpoints), changes left
   waiting in the stream; a snapshot that failed after some pages (the
   gateway answers 500 from the fifth Scan on); a snapshot whose backend was
   terminated mid-run (its run row still says "running").
3. ALTER EXTENSION ddb_fdw UPDATE: the version is 1.1, every catalog row
   (and the run id sequence) keeps every value it had, the columns 1.1 adds
   are NULL or 0 on those rows, row-level security is on every table (a
   role sees only the rows of the target it may read).
4. The next syncs continue from the kept state: the stream target applies
   exactly the waiting changes (mode "stream", no Scan in the gateway's
   log), the failed and the terminated snapshots resume (mode "resume", the
   first Scan with an ExclusiveStartKey, fewer Scans than a full scan), and
   every target equals DynamoDB as boto3 reads it.
5. The extension's objects in `pg_dump --schema-only --binary-upgrade` of
   the upgraded database equal those of a fresh 1.1 install (see
   extension_schema() for what is normalized and why).

Exit status 0 when every check passes; prints ok/FAIL per check.
"""

import os
import re
import subprocess
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_common import (ACCESS_KEY, GATEWAY, PG_BIN, SECRET_KEY, catalog, catalog_diff,  # noqa: E402
                        check, connect, ddb_write, diff_with_dynamodb, drop_db, finish,
                        gateway, last_run, one, ops, query, recreate_db, requests,
                        reset_requests, runs)

DB = "ddb_upgrade"
FRESH = "ddb_upgrade_fresh"
ROLE = "ddb_upgrade_reader"
STREAM_TABLE = "up_stream"      # NEW_AND_OLD_IMAGES, 600 items
PLAIN_TABLE = "up_plain"        # no stream, 1,200 items
PAGE = 100


def catalog_kept(before, after):
    """after's rows cut down to the columns before had, and the values of
    the columns after added, keyed "table.column#row"."""
    kept, added = {}, {}
    for table, rows in after.items():
        old = before.get(table)
        # (the run id sequence is a pair of values, not rows)
        if not (isinstance(rows, list) and isinstance(old, list) and old and
                isinstance(old[0], dict)):
            kept[table] = rows
            continue
        columns = set(old[0])
        kept[table] = [{c: v for c, v in row.items() if c in columns} for row in rows]
        for i, row in enumerate(rows):
            for c, v in row.items():
                if c not in columns:
                    added["%s.%s#%d" % (table, c, i)] = v
    return kept, added


def extension_schema(dbname):
    """The extension's objects as pg_dump writes them, normalized.

    Plain pg_dump writes only "CREATE EXTENSION ddb_fdw" for an extension;
    --binary-upgrade (the mode pg_upgrade uses) writes every member object
    -- tables with their columns in order, constraints, indexes, policies,
    row-level security, views, functions, the wrapper, comments, and the
    privileges the script granted (binary_upgrade_set_record_init_privs).
    Normalized away, because they differ between any two databases and
    say nothing about the schema: the \\restrict key of the dump, the OIDs,
    relfilenodes, attribute LSNs and frozen transaction ids pg_upgrade
    would preserve (binary_upgrade_set_next_*, UPDATE pg_class), the OIDs
    of the configuration tables (written as names instead), columns an
    upgrade script dropped (pg_upgrade keeps them as physical placeholders;
    a fresh install has none), the run id sequence's position (data: the
    catalog comparison checks it) and the session SETs pg_dump writes before
    the first table of the dump, whichever schema that is in.  Entries of other schemas -- the servers,
    user mappings, foreign tables and targets of this test -- are left out.
    """
    dump = subprocess.run([os.path.join(PG_BIN, "pg_dump"), "--schema-only", "--binary-upgrade",
                           "--dbname", dbname], check=True, capture_output=True,
                          text=True).stdout
    conn = connect(dbname)
    cur = conn.cursor()
    config = one(cur, "SELECT string_agg(format('%s %L', x.oid::regclass, x.cond), ', ' "
                      "                  ORDER BY x.oid::regclass::text) "
                      "  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, cond) "
                      " WHERE e.extname = 'ddb_fdw'")
    conn.close()
    entries, current = [], None
    for line in dump.splitlines():
        m = re.match(r"^-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: ?(.*)$", line)
        if m:
            current = [m.groups(), []]
            entries.append(current)
            continue
        if current is not None:
            current[1].append(line)
    kept = []
    for (name, kind, schema, owner), lines in entries:
        ours = schema == "ddb_fdw" or (
            schema == "-" and kind not in ("SERVER", "USER MAPPING") and
            name in ("ddb_fdw", "EXTENSION ddb_fdw", "FOREIGN DATA WRAPPER ddb_fdw",
                     "SCHEMA ddb_fdw"))
        if not ours or kind == "SEQUENCE SET":
            continue
        text = "\n".join(lines)
        text = re.sub(r"^(\\(un)?restrict .*|--.*|SET \w+ = .*;)$", "", text, flags=re.M)
        text = re.sub(r"^SELECT pg_catalog\.binary_upgrade_set_next_\w+\(.*\);$", "", text,
                      flags=re.M)
        text = re.sub(r"^UPDATE pg_catalog\.pg_class\nSET relfrozenxid = .*\nWHERE oid = .*;$",
                      "", text, flags=re.M)
        # dropped columns: the placeholder, its attribute fix-up, its DROP
        text = re.sub(r"^UPDATE pg_catalog\.pg_attribute\nSET .*\nWHERE attname = .*pg\.dropped.*"
                      r"\n  AND attrelid = .*;$", "", text, flags=re.M)
        text = re.sub(r"^.*pg\.dropped.*$", "", text, flags=re.M)
        text = re.sub(r",(\n\s*)*\n\);", "\n);", text)
        text = re.sub(r"'\{[0-9,]*\}', '\{.*?\}'", lambda m: "'{%s}'" % config, text)
        text = re.sub(r"\n{2,}", "\n", text).strip()
        kept.append("-- %s; %s; %s; %s\n%s" % (name, kind, schema, owner, text))
    return "\n".join(kept) + "\n"


def main():
    started = time.time()
    for t, args in ((STREAM_TABLE, ["create", "--stream", "NEW_AND_OLD_IMAGES", "--items", 600]),
                    (PLAIN_TABLE, ["create", "--items", 1200])):
        ddb_write(t, *args)
    recreate_db(DB)
    admin = connect("postgres")
    acur = admin.cursor()
    acur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    acur.execute("CREATE ROLE %s NOLOGIN" % ROLE)
    conn = connect(DB)
    cur = conn.cursor()

    # ---------------------------------------------------------- 1.0
    cur.execute("CREATE EXTENSION ddb_fdw VERSION '1.0'")
    check("installed_1_0", one(cur, "SELECT extversion FROM pg_extension "
                                    "WHERE extname = 'ddb_fdw'") == "1.0")
    check("1_0_catalog_has_no_rls",
          one(cur, "SELECT count(*) FROM pg_class WHERE relnamespace = 'ddb_fdw'::regnamespace "
                   "AND relrowsecurity") == 0)
    gateway("faults/reset", "POST")
    servers = {
        "up_srv": (GATEWAY, "2"),
        "up_fail": (GATEWAY + "/fault/op=Scan,status=500,skip=4/", "1"),
        "up_slow": (GATEWAY + "/fault/delay=400,op=Scan/", "1"),
    }
    for srv, (endpoint, segments) in servers.items():
        cur.execute("CREATE SERVER %s FOREIGN DATA WRAPPER ddb_fdw OPTIONS (region 'us-east-1', "
                    "endpoint %%s, segments %%s, page_size %%s, max_retries '0')" % srv,
                    (endpoint, segments, str(PAGE)))
        cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS "
                    "(access_key_id %%s, secret_access_key %%s)" % srv, (ACCESS_KEY, SECRET_KEY))
        cur.execute("CREATE SCHEMA %s" % srv)
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s, %s) FROM SERVER up_srv INTO up_srv"
                % (STREAM_TABLE, PLAIN_TABLE))
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER up_fail INTO up_fail"
                % PLAIN_TABLE)
    cur.execute("IMPORT FOREIGN SCHEMA x LIMIT TO (%s) FROM SERVER up_slow INTO up_slow"
                % PLAIN_TABLE)
    cur.execute("ALTER SERVER up_srv OPTIONS (SET max_retries '10')")

    # a snapshot of the table with a stream, then a stream run
    cur.execute("CALL ddb_fdw.sync('up_srv.%s', 'public.stream_copy')" % STREAM_TABLE)
    ddb_write(STREAM_TABLE, "update", "--from", 0, "--to", 40)
    cur.execute("CALL ddb_fdw.sync('up_srv.%s', 'public.stream_copy')" % STREAM_TABLE)
    r = runs(cur, "stream_copy")
    check("1_0_snapshot_then_stream", [x[:2] for x in r] == [("succeeded", "snapshot"),
                                                             ("succeeded", "stream")]
          and r[1][4] == 40, repr(r))
    check("1_0_stream_state",
          one(cur, "SELECT stream_arn IS NOT NULL AND snapshot_complete FROM ddb_fdw.sync_state "
                   "WHERE target = 'stream_copy'::regclass") and
          one(cur, "SELECT count(*) FROM ddb_fdw.sync_shard WHERE target = "
                   "'stream_copy'::regclass AND sequence_number IS NOT NULL") > 0)
    # changes waiting in the stream across the upgrade
    ddb_write(STREAM_TABLE, "put", "--from", 600, "--to", 630)
    ddb_write(STREAM_TABLE, "update", "--from", 100, "--to", 140)
    ddb_write(STREAM_TABLE, "delete", "--from", 200, "--to", 220)

    # a snapshot that fails after four pages
    try:
        cur.execute("CALL ddb_fdw.sync('up_fail.%s', 'public.plain_failed')" % PLAIN_TABLE)
        failed = "no error"
    except psycopg2.Error as e:
        failed = str(e).splitlines()[0]
    check("1_0_snapshot_failed_midway",
          "InternalServerError" in failed and one(cur, "SELECT items_done FROM ddb_fdw.sync_state WHERE "
                                       "target = 'plain_failed'::regclass") == 4 * PAGE,
          failed)

    # a snapshot whose backend is terminated mid-run
    victim = connect(DB)
    vcur = victim.cursor()
    pid = one(vcur, "SELECT pg_backend_pid()")
    outcome = {}

    def run():
        try:
            vcur.execute("CALL ddb_fdw.sync('up_slow.%s', 'public.plain_killed')" % PLAIN_TABLE)
            outcome["result"] = "finished"
        except psycopg2.Error as e:
            outcome["result"] = "died: %s" % str(e).strip().splitlines()[0]
    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        pages = one(cur, "SELECT coalesce(sum(pages), 0) FROM ddb_fdw.sync_checkpoint "
                         "WHERE target::text = 'plain_killed'")
        if pages >= 3:
            break
    cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    t.join(timeout=60)
    check("1_0_snapshot_terminated_midway",
          outcome.get("result", "").startswith("died") and
          one(cur, "SELECT status FROM ddb_fdw.sync_run WHERE target = "
                   "'plain_killed'::regclass") == "running", repr(outcome))

    cur.execute("GRANT SELECT ON public.stream_copy TO %s" % ROLE)
    cur.execute("SET ROLE %s" % ROLE)
    seen_before = one(cur, "SELECT count(*) FROM ddb_fdw.sync_state")
    cur.execute("RESET ROLE")
    before = catalog(cur)
    counts_before = query(cur, "SELECT (SELECT count(*) FROM stream_copy), "
                               "(SELECT count(*) FROM plain_failed), "
                               "(SELECT count(*) FROM plain_killed)")

    # ---------------------------------------------------------- the upgrade
    cur.execute("ALTER EXTENSION ddb_fdw UPDATE")
    check("updated_to_1_1", one(cur, "SELECT extversion FROM pg_extension "
                                     "WHERE extname = 'ddb_fdw'") == "1.1")
    after = catalog(cur)
    # every row keeps every value it had; the columns 1.1 adds are NULL on
    # old rows or their default 0 (catalog_kept projects the new rows onto the
    # old columns)
    kept, added = catalog_kept(before, after)
    check("catalog_rows_kept", before == kept, catalog_diff(before, kept))
    check("catalog_added_columns_default", all(v in (None, 0) for v in added.values()), repr(added))
    check("targets_kept", counts_before == query(
        cur, "SELECT (SELECT count(*) FROM stream_copy), (SELECT count(*) FROM plain_failed), "
             "(SELECT count(*) FROM plain_killed)"), repr(counts_before))
    check("catalog_rls_on",
          one(cur, "SELECT count(*) FROM pg_class WHERE relnamespace = 'ddb_fdw'::regnamespace "
                   "AND relkind = 'r' AND NOT relrowsecurity") == 0 and
          one(cur, "SELECT count(*) FROM pg_class WHERE relnamespace = 'ddb_fdw'::regnamespace "
                   "AND relkind = 'r'") >= 4)
    cur.execute("SET ROLE %s" % ROLE)
    seen = query(cur, "SELECT target::text FROM ddb_fdw.sync_state")
    seen_status = query(cur, "SELECT target::text FROM ddb_fdw.sync_status")
    seen_runs = one(cur, "SELECT count(DISTINCT target) FROM ddb_fdw.sync_run")
    cur.execute("RESET ROLE")
    check("reader_sees_only_its_target", seen_before == 3 and seen == [("stream_copy",)] and
          seen_status == [("stream_copy",)] and seen_runs == 1,
          "before %s, after %s / %s / %s" % (seen_before, seen, seen_status, seen_runs))

    # ---------------------------------------------------------- next syncs
    # the stream target applies what waited in the stream, without a Scan
    before_run = last_run(cur)
    reset_requests()
    cur.execute("CALL ddb_fdw.sync('up_srv.%s', 'public.stream_copy')" % STREAM_TABLE)
    r = runs(cur, "stream_copy", before_run)
    o = ops(STREAM_TABLE)
    check("stream_continues_after_upgrade",
          [x[:2] for x in r] == [("succeeded", "stream")] and r[0][3:6] == (30, 40, 20),
          repr(r))
    check("stream_run_read_no_scan", o.get("Scan", 0) == 0 and o.get("GetRecords", 0) > 0,
          repr(o))
    missing, extra, rows = diff_with_dynamodb(cur, "stream_copy", STREAM_TABLE)
    check("stream_target_equals_dynamodb", missing == 0 and extra == 0 and rows == 610,
          "missing %s extra %s rows %s" % (missing, extra, rows))

    # the failed and the terminated snapshots resume
    full = 1200 // PAGE + 1
    for target, srv in (("plain_failed", "up_fail"), ("plain_killed", "up_slow")):
        cur.execute("ALTER SERVER %s OPTIONS (SET endpoint %%s)" % srv, (GATEWAY,))
        snapshot = one(cur, "SELECT snapshot FROM ddb_fdw.sync_state "
                            "WHERE target = %s::regclass", (target,))
        before_run = last_run(cur)
        reset_requests()
        cur.execute("CALL ddb_fdw.sync('%s.%s', 'public.%s')" % (srv, PLAIN_TABLE, target))
        r = runs(cur, target, before_run)
        scans = [x for x in requests(PLAIN_TABLE) if x[0] == "Scan"]
        check("%s_resumes_after_upgrade" % target,
              [x[:2] for x in r] == [("succeeded", "resume")] and
              one(cur, "SELECT snapshot FROM ddb_fdw.sync_state WHERE target = %s::regclass",
                  (target,)) == snapshot, repr(r))
        check("%s_resume_scans_only_the_rest" % target,
              scans and scans[0][2] and len(scans) < full - 2,
              "%d Scans (a full scan: %d), first with a start key: %s"
              % (len(scans), full, scans[0][2] if scans else None))
        missing, extra, rows = diff_with_dynamodb(cur, target, PLAIN_TABLE)
        check("%s_equals_dynamodb" % target, missing == 0 and extra == 0 and rows == 1200,
              "missing %s extra %s rows %s" % (missing, extra, rows))
    check("terminated_run_marked_interrupted",
          [x[:2] for x in runs(cur, "plain_killed")] == [("interrupted", "snapshot"),
                                                        ("succeeded", "resume")],
          repr(runs(cur, "plain_killed")))

    # ---------------------------------------------------------- schema
    recreate_db(FRESH)
    fconn = connect(FRESH)
    fconn.cursor().execute("CREATE EXTENSION ddb_fdw")
    fconn.close()
    upgraded = extension_schema(DB)
    fresh = extension_schema(FRESH)
    outdir = os.environ.get("DDB_RUN", "/tmp")
    for name, text in (("upgraded", upgraded), ("fresh", fresh)):
        with open(os.path.join(outdir, "upgrade-schema-%s.sql" % name), "w") as f:
            f.write(text)
    if upgraded != fresh:
        diff = subprocess.run(["diff", "-u", os.path.join(outdir, "upgrade-schema-fresh.sql"),
                               os.path.join(outdir, "upgrade-schema-upgraded.sql")],
                              capture_output=True, text=True).stdout
        print(diff[:4000])
    check("schema_equals_fresh_install", upgraded == fresh and "sync_state" in fresh and
          "POLICY target_readers" in fresh,
          "see upgrade-schema-{fresh,upgraded}.sql under %s" % outdir)
    # what the comparison covered
    print("compared %d schema entries (%d lines) of the extension"
          % (fresh.count("\n-- ") + 1, fresh.count("\n")))

    conn.close()
    victim.close()
    drop_db(DB)
    drop_db(FRESH)
    acur.execute("DROP ROLE IF EXISTS %s" % ROLE)
    print("upgrade test took %.1f s" % (time.time() - started))
    return finish("upgrade")


if __name__ == "__main__":
    sys.exit(main())
