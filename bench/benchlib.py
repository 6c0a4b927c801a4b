"""Shared measuring helpers of the bench/*.py scripts (Linux /proc only).

What a measurement records (Meter):

  seconds   wall time
  cpu       CPU time (user + system) of the processes doing the work:
            the backend (/proc/<pid>/stat before and after) plus every
            PostgreSQL child process that exited during the run -- segment
            workers, or the backends of a client's connections -- read from
            the postmaster's cutime + cstime, which the kernel adds to when
            the postmaster reaps a child: exact, also for workers that live
            shorter than any sampling interval
  rss_kb    peak private memory (RssAnon) of the backend and of the segment
            workers, sampled every 20 ms from /proc/<pid>/status
  cpu_workers_sampled
            a cross-check: the last utime + stime each segment worker
            showed in /proc/<pid>/stat while sampled (it misses what a
            worker spent after its last sample)

A client program run by run_client() adds its own CPU time and peak RSS
(wait4's rusage).  Autovacuum should be off on the measured server
(run.sh does so): its workers exit too and would count.
"""

import json
import os
import statistics
import sys
import subprocess
import threading
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
WORKER_TITLE = b"ddb_fdw segment worker"


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid):
    """User + system CPU seconds of a live process."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_cpu_seconds(pid):
    """User + system CPU seconds of the reaped children of a process."""
    fields = _stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def parent_pid(pid):
    return int(_stat_fields(pid)[1])


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return {int(x) for x in f.read().split()}
    except OSError:
        return set()


def rss_anon_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def status_kb(pid, fields=("RssAnon", "VmHWM")):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in fields:
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def is_worker(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return WORKER_TITLE in f.read()
    except OSError:
        return False


class Meter:
    """Measures one run of something a backend (and its workers) does.

    with Meter(backend_pid) as m: ...;  then m.result(items) is a dict."""

    def __init__(self, backend_pid, sample=True):
        self.backend = backend_pid
        self.postmaster = parent_pid(backend_pid)
        self.sample = sample
        self.peak = {"backend": 0, "workers": 0}
        self.workers_seen = set()
        self.worker_cpu = {}
        self._stop = threading.Event()

    def _sampler(self):
        kind = {}
        while not self._stop.is_set():
            self.peak["backend"] = max(self.peak["backend"], rss_anon_kb(self.backend))
            for pid in children(self.postmaster) - self.before_children:
                if pid not in kind:
                    kind[pid] = is_worker(pid)
                if kind[pid]:
                    self.workers_seen.add(pid)
                    self.peak["workers"] = max(self.peak["workers"], rss_anon_kb(pid))
                    try:
                        self.worker_cpu[pid] = cpu_seconds(pid)
                    except (OSError, IndexError, ValueError):
                        pass
            self._stop.wait(0.02)

    def __enter__(self):
        self.before_children = children(self.postmaster)
        self.c_backend = cpu_seconds(self.backend)
        self.c_children = children_cpu_seconds(self.postmaster)
        if self.sample:
            self._thread = threading.Thread(target=self._sampler, daemon=True)
            self._thread.start()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.cpu_backend = cpu_seconds(self.backend) - self.c_backend
        # children started during the run (workers, client backends): wait
        # until the postmaster has reaped them, so their time is in cutime
        deadline = time.time() + 20
        while children(self.postmaster) - self.before_children and time.time() < deadline:
            time.sleep(0.01)
        self.cpu_children = children_cpu_seconds(self.postmaster) - self.c_children
        if self.sample:
            self._stop.set()
            self._thread.join()
        return False

    def result(self, items, client=None):
        r = {"seconds": self.seconds, "items": items,
             "cpu_backend": self.cpu_backend, "cpu_children": self.cpu_children,
             "cpu": self.cpu_backend + self.cpu_children,
             "rss_backend_kb": self.peak["backend"], "rss_workers_kb": self.peak["workers"],
             "workers": len(self.workers_seen),
             "cpu_workers_sampled": sum(self.worker_cpu.values())}
        if client:
            r["cpu_client"] = client["cpu"]
            r["rss_client_kb"] = client["maxrss_kb"]
            r["cpu"] += client["cpu"]
        return r


def run_client(argv, env=None):
    """Runs a program; returns its stdout, CPU seconds and peak RSS (kB)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = [], []
    t_out = threading.Thread(target=lambda: out.append(p.stdout.read()))
    t_err = threading.Thread(target=lambda: err.append(p.stderr.read()))
    t_out.start()
    t_err.start()
    _, status, ru = os.wait4(p.pid, 0)
    t_out.join()
    t_err.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[:3]), p.returncode,
                                                   err[0].decode(errors="replace")[-2000:]))
    return {"stdout": out[0].decode(), "stderr": err[0].decode(errors="replace"),
            "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss}


def median_result(runs):
    """Median of each figure over the runs of one case (plus the raw runs)."""
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float))]
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["runs_seconds"] = [round(r["seconds"], 4) for r in runs]
    out["rounds"] = len(runs)
    return out


def run_plan(plan, rounds, expect=None, labels=None):
    """Runs the cases of plan, a list of (case, delay_ms, segments, fn), in
    rounds interleaved (round 1 of every case, then round 2...), each fn()
    returning a result dict (items, seconds, cpu, ...).  Checks every run
    read expect items when given.  Returns one median result per plan entry
    (benchlib.median_result) with case, delay_ms and segments set, and the
    label labels[case] when labels is given."""
    runs = {}
    for r in range(rounds):
        for case, d, s, fn in plan:
            res = fn()
            if expect is not None and res["items"] != expect:
                raise SystemExit("%s (delay %s, %d segments) read %d items, not %d"
                                 % (case, d, s, res["items"], expect))
            runs.setdefault((case, d, s), []).append(res)
            print("round %d  %-16s delay %-4s segments %-2d %8d items %8.3f s  %6.1f us/item"
                  % (r + 1, case, "-" if d is None else d, s, res["items"], res["seconds"],
                     res["cpu"] * 1e6 / max(res["items"], 1)), file=sys.stderr, flush=True)
    results = []
    for case, d, s, _ in plan:
        m = median_result(runs[(case, d, s)])
        m.update({"case": case, "delay_ms": d, "segments": s})
        if labels is not None:
            m["label"] = labels[case]
        results.append(m)
    return results


def create_server(cur, name, endpoint, options="", access_key=None, secret=None):
    """A fresh ddb_fdw server <name> at endpoint (extra options: SQL text
    such as ", page_size '1000'"), the current user's mapping (the gateway's
    test keys from the environment unless given), and a fresh schema <name>."""
    cur.execute("CREATE EXTENSION IF NOT EXISTS ddb_fdw")
    cur.execute("DROP SERVER IF EXISTS %s CASCADE" % name)
    cur.execute("CREATE SERVER %s FOREIGN DATA WRAPPER ddb_fdw "
                "OPTIONS (region 'us-east-1', endpoint %%s%s)" % (name, options), (endpoint,))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER %s "
                "OPTIONS (access_key_id %%s, secret_access_key %%s)" % name,
                (access_key or os.environ.get("DDB_TEST_ACCESS_KEY", "AKIDBENCHCLIENT0001"),
                 secret or os.environ.get("DDB_TEST_SECRET_KEY", "x")))
    cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % name)
    cur.execute("CREATE SCHEMA %s" % name)


def write_json(path, doc):
    if not path:
        return
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


def cpu_seconds_fine(pid):
    """User + system CPU seconds of a live process to the nanosecond
    (/proc/<pid>/schedstat's first field): for runs of a few seconds, where
    /proc/<pid>/stat's 10 ms ticks are too coarse."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0]) / 1e9


def loadavg():
    """The 1, 5 and 15 minute load averages, as a string."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def busiest(limit=8):
    """The processes using 5% of a CPU or more over one second (top), as
    "%CPU command" strings: who else was using the machine."""
    try:
        out = subprocess.run(["top", "-b", "-c", "-w", "400", "-n", "2", "-d", "1", "-o", "%CPU"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    lines = out.split("\ntop -")[-1].splitlines()
    head = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("PID")]
    rows = []
    for ln in lines[head[0] + 1:] if head else []:
        f = ln.split(None, 11)
        if len(f) == 12 and float(f[8]) >= 5:
            cmd = f[11]
            if "DynamoDBLocal.jar" in cmd:
                cmd = "java DynamoDBLocal.jar"
            rows.append("%s%% %s" % (f[8], cmd[:90]))
    return rows[:limit]


def gateway_call(base, path, method="GET"):
    """One control call of test/gateway.py (path under /__gw/); its body."""
    req = urllib.request.Request(base.rstrip("/") + "/__gw/" + path, method=method,
                                 data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read().decode()


def gateway_log(base):
    """The gateway's request log since its last reset, one dict a request
    (GET /__gw/log.jsonl, after a drain: every answered request is in it)."""
    gateway_call(base, "drain", "POST")
    return [json.loads(line) for line in gateway_call(base, "log.jsonl").splitlines() if line]


def gateway_delayed(base, delay_ms):
    """The gateway's endpoint that holds every answer back delay_ms (its
    /fault/delay=MS/ path; the plain endpoint at 0)."""
    return base.rstrip("/") + ("/fault/delay=%d/" % delay_ms if delay_ms else "/")


def delayed(endpoint, delay_ms):
    """The replay server's endpoint that holds every answer back delay_ms."""
    return "%s/delay=%d/" % (endpoint.rstrip("/"), delay_ms)


def fmt_rate(items, seconds):
    return "%.0f" % (items / seconds) if seconds > 0 else "-"
