#!/usr/bin/python3
"""The syncs running now (ddb_fdw.sync_progress) and paced progress NOTICEs.

A non-superuser syncs a table of 2,000 items (with a stream) through a
gateway that delays every Scan (or GetRecords), so the sync is slow enough
to watch from other sessions:

1. With 4 segment workers: the view lists the sync (the syncing session's
   pid, target, foreign table, its running sync_run row, mode, phase, 4
   segments), its pages and items grow between two looks, its worker pids
   are live segment workers (pg_stat_activity), table_items is DynamoDB's
   ItemCount and there is an ETA.  The syncing role sees it from another
   session; a role that may not read the target sees nothing, neither in
   the view nor from the function behind it, until it is granted SELECT.
   When the sync ends the view is empty.
2. A sync ended by pg_terminate_backend, and one cancelled (the error
   path), leave the view at once (no row of a dead backend).
3. progress_interval => '0.5 s': NOTICEs arrive (timed as the client
   receives them, asynchronously) no closer than the interval to each other
   or to the start, and as many as the run's length allows; progress => 10
   still gives one every 10 pages; both together need both; a zero interval
   is refused.
4. A stream run is listed as one (mode stream, no segments, no ETA), its
   pages and records counted, and gone when it ends.

Environment (from test/run.sh): PGHOST, PGPORT, PGUSER, DDB_GATEWAY,
DDB_LOCAL_ENDPOINT, DDB_TEST_ACCESS_KEY, DDB_TEST_SECRET_KEY.
Exit status 0 when every check passes; prints ok/FAIL per check.
"""

import re
import select
import sys
import threading
import time

import boto3
import psycopg2
import psycopg2.extensions

from ops_common import ACCESS_KEY, GATEWAY, LOCAL, SECRET_KEY, check, connect, ddb_write, \
    drop_db, finish, one, query, recreate_db

DB = "ddb_progress"
OWNER = "ddb_progress_owner"     # runs the syncs, owns the targets
OTHER = "ddb_progress_other"     # may read neither
TABLE = "progress_items"
ITEMS = 2000
INTERVAL = 0.5                   # progress_interval, seconds
SLACK = 0.25                     # a client's scheduling delay allowed, seconds

VIEW = ("SELECT pid, target::text, foreign_table::text, run_id, mode, phase, segments, "
        "segments_done, active_segments, workers, worker_pids, pages, items, "
        "items_per_second, snapshot_items, table_items, eta, retries, last_page_at "
        "FROM ddb_fdw.sync_progress")
COLS = ("pid target foreign_table run_id mode phase segments segments_done active_segments "
        "workers worker_pids pages items items_per_second snapshot_items table_items eta "
        "retries last_page_at").split()


def rows(cur, where=""):
    cur.execute(VIEW + where)
    return [dict(zip(COLS, r)) for r in cur.fetchall()]


def as_role(role):
    conn = connect(DB)
    conn.cursor().execute("SET ROLE " + role)
    return conn


def set_up():
    t = time.time()
    recreate_db(DB)
    admin = connect("postgres")
    cur = admin.cursor()
    for role in (OWNER, OTHER):
        cur.execute("DROP ROLE IF EXISTS " + role)
        cur.execute("CREATE ROLE " + role)
    admin.close()
    conn = connect(DB)
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION ddb_fdw")
    ddb_write(TABLE, "create", "--keys", "simple", "--stream", "NEW_AND_OLD_IMAGES",
              "--items", ITEMS)
    # every Scan waits: 20 pages of 100 items on 4 workers take 2.5 s at
    # least, 40 of 50 items alone 2 s
    for name, delay, page in (("slow", 500, 100), ("paced", 50, 50), ("fast", 0, 50)):
        endpoint = GATEWAY + ("/fault/delay=%d,op=Scan/" % delay if delay else "")
        cur.execute("CREATE SERVER %s FOREIGN DATA WRAPPER ddb_fdw "
                    "OPTIONS (region 'us-east-1', endpoint %%s, page_size '%d')" % (name, page),
                    (endpoint,))
        cur.execute("GRANT USAGE ON FOREIGN SERVER %s TO %s" % (name, OWNER))
        cur.execute("CREATE USER MAPPING FOR %s SERVER %s "
                    "OPTIONS (access_key_id %%s, secret_access_key %%s)" % (OWNER, name),
                    (ACCESS_KEY, SECRET_KEY))
    cur.execute("CREATE SCHEMA src AUTHORIZATION " + OWNER)
    cur.execute("GRANT CREATE ON SCHEMA public TO " + OWNER)
    cur.execute("SET ROLE " + OWNER)
    for name, server, segments in (("par_items", "slow", 4), ("paced_items", "paced", 1),
                                   ("fast_items", "fast", 1)):
        cur.execute("CREATE FOREIGN TABLE src.%s (id numeric NOT NULL, "
                    "item jsonb OPTIONS (whole_item 'true')) SERVER %s "
                    "OPTIONS (table_name '%s', partition_key 'id', segments '%d')"
                    % (name, server, TABLE, segments))
    conn.close()
    print("   set-up (%.1f s)" % (time.time() - t))


class Sync(threading.Thread):
    """A CALL ddb_fdw.sync in its own session (as OWNER), in a thread."""

    def __init__(self, call):
        super().__init__()
        self.conn = as_role(OWNER)
        self.pid = one(self.conn.cursor(), "SELECT pg_backend_pid()")
        self.call = call
        self.error = None
        self.seconds = None

    def run(self):
        t0 = time.time()
        try:
            self.conn.cursor().execute(self.call)
        except psycopg2.Error as e:
            self.error = e
        self.seconds = time.time() - t0
        try:
            self.conn.close()
        except psycopg2.Error:
            pass


def wait_for(cur, pred, timeout=20, step=0.05):
    """The view's rows once pred(rows) holds, or the last rows seen."""
    deadline = time.time() + timeout
    while True:
        r = rows(cur)
        if pred(r) or time.time() > deadline:
            return r
        time.sleep(step)


def watch_parallel(admin):
    cur = admin.cursor()
    owner_cur = as_role(OWNER).cursor()
    other = as_role(OTHER)
    other_cur = other.cursor()
    sync = Sync("CALL ddb_fdw.sync('src.par_items', 'public.par_copy')")
    sync.start()

    first = wait_for(cur, lambda r: r and r[0]["pages"] >= 1 and r[0]["worker_pids"])
    check("listed while it runs", len(first) == 1, repr(first))
    if len(first) != 1:
        sync.join()
        return
    a = first[0]
    running = query(cur, "SELECT run_id, mode FROM ddb_fdw.sync_run "
                         "WHERE status = 'running' AND target = 'par_copy'::regclass")
    check("the syncing session, its target and run",
          a["pid"] == sync.pid and a["target"] == "par_copy" and
          a["foreign_table"] == "src.par_items" and running == [(a["run_id"], "snapshot")],
          "%r, sync pid %d, running %r" % (a, sync.pid, running))
    check("mode, phase and segments",
          a["mode"] == "snapshot" and a["phase"] == "scanning table" and
          a["segments"] == 4 and 0 <= a["segments_done"] <= 4 and a["workers"] == 4 and
          all(0 <= s < 4 for s in a["active_segments"]), repr(a))
    workers = query(cur, "SELECT pid FROM pg_stat_activity "
                         "WHERE backend_type = 'ddb_fdw segment worker' AND pid = ANY(%s)",
                    (a["worker_pids"],))
    check("worker pids are live segment workers",
          0 < len(a["worker_pids"]) <= 4 and len(workers) == len(a["worker_pids"]),
          "view %r, pg_stat_activity %r" % (a["worker_pids"], workers))
    check("ItemCount and an ETA",
          a["table_items"] == ITEMS and a["eta"] is not None and
          a["eta"].total_seconds() >= 0 and a["items_per_second"] > 0 and
          a["snapshot_items"] == a["items"] and 0 < a["items"] <= ITEMS, repr(a))

    # the owner sees it from another session; the other role sees nothing,
    # through the view or the function, until it may read the target
    check("the syncing role sees it", [r["pid"] for r in rows(owner_cur)] == [sync.pid])
    direct = one(other_cur, "SELECT count(*) FROM ddb_fdw.sync_progress_info()")
    check("another role sees nothing", rows(other_cur) == [] and direct == 0)
    cur.execute("GRANT SELECT ON par_copy TO " + OTHER)
    check("until it may read the target", [r["pid"] for r in rows(other_cur)] == [sync.pid])
    other.close()

    later = wait_for(cur, lambda r: not r or r[0]["pages"] > a["pages"] + 1)
    check("pages and items grow",
          len(later) == 1 and later[0]["pages"] > a["pages"] and
          later[0]["items"] > a["items"] and later[0]["last_page_at"] > a["last_page_at"],
          "first %r, later %r" % (a, later))
    sync.join()
    check("the sync succeeded", sync.error is None, str(sync.error))
    check("the view is empty after it", rows(cur) == [], repr(rows(cur)))
    run = query(cur, "SELECT status, rows_upserted, pages FROM ddb_fdw.sync_run "
                     "WHERE run_id = %s", (a["run_id"],))
    check("the run counted what the view showed",
          run and run[0][0] == "succeeded" and run[0][1] == ITEMS and
          len(later) == 1 and run[0][2] >= later[0]["pages"], repr(run))


def ended_early(admin, how):
    """pg_terminate_backend or pg_cancel_backend of a running sync."""
    cur = admin.cursor()
    sync = Sync("CALL ddb_fdw.sync('src.par_items', 'public.par_copy', restart => true)")
    sync.start()
    seen = wait_for(cur, lambda r: r and r[0]["pages"] >= 1)
    check("%s: listed" % how, [r["pid"] for r in seen] == [sync.pid], repr(seen))
    cur.execute("SELECT %s(%%s)" % how, (sync.pid,))
    sync.join()
    left = rows(cur)
    if how == "pg_terminate_backend" and left:
        # the backend may still be exiting when the client sees the
        # connection close; its slot goes before it leaves the proc array
        left = wait_for(cur, lambda r: not r, timeout=5)
    check("%s: the sync ended with an error" % how, sync.error is not None)
    check("%s: the view is empty" % how, left == [], repr(left))


def notices_timed(call):
    """Runs call asynchronously; returns ([(seconds after start, notice)], seconds, error)."""

    class Stamped(list):
        def append(self, notice):
            super().append((time.monotonic() - t0, notice))

    conn = psycopg2.connect(dbname=DB, async_=1)
    wait(conn)
    cur = conn.cursor()
    cur.execute("SET ROLE " + OWNER)
    wait(conn)
    conn.notices = Stamped()
    t0 = time.monotonic()
    cur.execute(call)
    error = None
    try:
        wait(conn)
    except psycopg2.Error as e:
        error = e
    seconds = time.monotonic() - t0
    notices = list(conn.notices)
    conn.close()
    return notices, seconds, error


def wait(conn):
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state == psycopg2.extensions.POLL_READ:
            select.select([conn.fileno()], [], [])
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [conn.fileno()], [])


def paced_notices(admin):
    notices, seconds, error = notices_timed(
        "CALL ddb_fdw.sync('src.paced_items', 'public.paced_copy', "
        "progress_interval => '%g s')" % INTERVAL)
    times = [t for t, _ in notices]
    texts = [n for _, n in notices]
    check("paced: the sync succeeded", error is None, str(error))
    # "Elapsed 1.03 s, ...": the server's time since the call started
    elapsed = [re.search(r"DETAIL:  Elapsed (\d+\.\d\d) s, ", n) for n in texts]
    check("paced: progress NOTICEs",
          texts and all(n.startswith("NOTICE:  sync of src.paced_items: ") and
                        n.splitlines()[0].endswith(" pages") for n in texts) and all(elapsed),
          repr(texts))
    elapsed = [float(m.group(1)) for m in elapsed if m]
    gaps = [b - a for a, b in zip([0.0] + elapsed, elapsed)]
    check("paced: never closer than the interval (server times)",
          all(g >= INTERVAL - 0.01 for g in gaps), "gaps %s" % ["%.2f" % g for g in gaps])
    arrivals = [b - a for a, b in zip([0.0] + times, times)]
    check("paced: nor as they arrive, give or take the client's scheduling",
          all(g >= INTERVAL - SLACK for g in arrivals),
          "gaps %s" % ["%.3f" % g for g in arrivals])
    # 40 pages of at least 50 ms: the run takes over 2 s, so at least 3
    # NOTICEs; never more than one per interval of the time it took
    check("paced: as many as the run's length allows",
          3 <= len(times) <= seconds / INTERVAL,
          "%d NOTICEs in %.2f s" % (len(times), seconds))
    print("   %d NOTICEs in %.2f s, server gaps %s, arrival gaps %s"
          % (len(times), seconds, ", ".join("%.2f" % g for g in gaps),
             ", ".join("%.2f" % g for g in arrivals)))

    pages = ITEMS // 50
    notices, seconds, error = notices_timed(
        "CALL ddb_fdw.sync('src.fast_items', 'public.fast_copy', progress => 10)")
    check("every 10 pages", error is None and
          [n.splitlines()[0] for _, n in notices] ==
          ["NOTICE:  sync of src.fast_items: %d items in %d pages" % (p * 50, p)
           for p in range(10, pages + 1, 10)],
          repr(notices))
    notices, seconds, error = notices_timed(
        "CALL ddb_fdw.sync('src.fast_items', 'public.fast_copy', mode => 'snapshot', "
        "progress => 1, progress_interval => '1 h')")
    run = query(admin.cursor(), "SELECT mode, pages FROM ddb_fdw.sync_run "
                                "WHERE target = 'fast_copy'::regclass ORDER BY run_id DESC LIMIT 1")
    check("both set: both are needed", error is None and notices == [] and
          len(run) == 1 and run[0][0] == "snapshot" and run[0][1] >= pages,
          "%r %s %r" % (notices, error, run))
    notices, seconds, error = notices_timed(
        "CALL ddb_fdw.sync('src.fast_items', 'public.fast_copy', progress_interval => '0 s')")
    check("a zero interval is refused",
          error is not None and error.pgcode == "22023" and
          "progress_interval must be positive" in str(error), str(error))


def stream_run(admin):
    """A stream run of fast_copy, its GetRecords pages slowed down."""
    cur = admin.cursor()
    ddb_write(TABLE, "update", "--from", 0, "--to", 50)
    # GetRecords pages of up to 1000 records (the snapshot's own 2,000 puts
    # come first), each answered after 300 ms
    cur.execute("ALTER SERVER fast OPTIONS (SET endpoint %s, SET page_size '1000')",
                (GATEWAY + "/fault/delay=300,op=GetRecords/",))
    sync = Sync("CALL ddb_fdw.sync('src.fast_items', 'public.fast_copy')")
    sync.start()
    seen = wait_for(cur, lambda r: r and r[0]["pages"] >= 1)
    check("stream: listed as a stream run",
          len(seen) == 1 and seen[0]["pid"] == sync.pid and seen[0]["mode"] == "stream" and
          seen[0]["phase"] == "applying stream" and seen[0]["segments"] is None and
          seen[0]["active_segments"] is None and seen[0]["eta"] is None and
          seen[0]["table_items"] is None and seen[0]["items"] > 0, repr(seen))
    sync.join()
    run = query(cur, "SELECT mode, status, pages FROM ddb_fdw.sync_run "
                     "WHERE target = 'fast_copy'::regclass ORDER BY run_id DESC LIMIT 1")
    check("stream: the run succeeded", sync.error is None and run and
          run[0][:2] == ("stream", "succeeded") and run[0][2] >= seen[0]["pages"],
          "%s %r" % (sync.error, run))
    check("stream: the view is empty after it", rows(cur) == [])


def main():
    t0 = time.time()
    set_up()
    admin = connect(DB)
    for step in (watch_parallel, lambda a: ended_early(a, "pg_terminate_backend"),
                 lambda a: ended_early(a, "pg_cancel_backend"), paced_notices, stream_run):
        t = time.time()
        step(admin)
        print("   (%.1f s)" % (time.time() - t))
    print("   set-up and steps: %.1f s" % (time.time() - t0))
    check("nothing listed at the end", rows(admin.cursor()) == [])
    admin.close()
    drop_db(DB)
    # the table count other suites compare with stays as the fixtures left it
    boto3.client("dynamodb", endpoint_url=LOCAL, region_name="us-east-1",
                 aws_access_key_id="AKIDPROGRESSTEST01",
                 aws_secret_access_key="x").delete_table(TableName=TABLE)
    admin = connect("postgres")
    for role in (OWNER, OTHER):
        admin.cursor().execute("DROP ROLE IF EXISTS " + role)
    admin.close()
    print("   took %.1f s" % (time.time() - t0))
    return finish("progress")


if __name__ == "__main__":
    sys.exit(main())
