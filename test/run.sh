#!/usr/bin/env bash
# make test: the same set-up as make demo, then every test suite.
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
#
# Suites, in order:
#   unit/*           C unit tests of src/aws under AddressSanitizer
#   gateway          the test gateway's own self-test (its verifier is what
#                    proves our signatures in every later suite)
#   regress/<name>   pg_regress suites in sql/ and expected/ (REGRESS below),
#                    run through make installcheck (test/installcheck.sh)
#   sync_crash       kill -9 of a backend syncing with segment workers, then
#                    resume (test/sync_crash.py)
#   stream_crash     kill -9 of a backend applying a stream, then resume
#                    (test/stream_crash.py)
#   stream_retention a snapshot longer than the stream's retention, with and
#                    without the change buffer (test/stream_retention.py)
#   fault_suite      syncs through throttling, 5xx, resets, cut-short and
#                    corrupted answers; persistent faults; STS outages; the
#                    read-rate limit; kill -9 of a segment worker
#                    (test/fault_suite.py)
#   progress         ddb_fdw.sync_progress watched from other sessions while
#                    slowed syncs run (and after they end, are terminated or
#                    cancelled); NOTICEs paced by progress_interval
#                    (test/progress.py)
#   upgrade          1.0 with sync state, ALTER EXTENSION UPDATE, the state
#                    kept and continued, schema = a fresh 1.1 (test/upgrade.py)
#   dump_restore     pg_dump -Fc / pg_restore of a syncing database; the
#                    restored one streams and resumes (test/dump_restore.py)
#   installcheck     make installcheck against a plain cluster, as a user
#                    would run it (test/installcheck_own.sh)
#   meta_json        META.json against the PGXN Meta Spec (test/meta_check.py)
#   demo             make demo (IAM role through STS, import, query, sync)
#   deb              make deb-test: the Debian package built, installed
#                    (system PostgreSQL: dpkg -i; a relocated copy named by
#                    DDB_PG_BIN: dpkg -x into it) and used (test/deb.sh)
#
# DDB_TESTS="options import" limits the pg_regress suites run.
source "$(dirname "$0")/lib.sh"

REGRESS=(setup cron_schedule options import infer types scan pushdown query errors cancel auth sync security mapping parallel streams stream_records modify cron)

trap 'ddb_stop_all' EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
ddb_setup
ddb_start_all

passed=0
failed=0
failures=()
record() { # name, ok|FAIL
	if [ "$2" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$1")
	fi
	printf '%-28s %s\n' "$1" "$2"
}

# ---------------------------------------------------------------- unit tests
ddb_log "C unit tests (AddressSanitizer)"
unit_out="$DDB_RUN/unit.log"
make -s -C "$DDB_ROOT" -f test/unit/Makefile check \
	SIGV4_DIR="$DDB_ROOT/../shared/testdata/sigv4" >"$unit_out" 2>&1 || true
unit_seen=0
while read -r status name; do
	case "$status" in
	ok) record "unit/$name" ok; unit_seen=$((unit_seen + 1)) ;;
	FAIL) record "unit/$name" FAIL; unit_seen=$((unit_seen + 1)) ;;
	esac
done < <(grep -E '^(ok|FAIL) test_' "$unit_out")
if [ "$unit_seen" -eq 0 ]; then
	record "unit (build)" FAIL
	tail -20 "$unit_out" >&2
fi

# ---------------------------------------------------------------- fixtures
ddb_log "loading fixtures into DynamoDB Local"
"$DDB_PY" "$DDB_ROOT/test/fixtures.py" --endpoint "$DDB_LOCAL_ENDPOINT" \
	--env-file "$DDB_RUN/fixtures.env" all >"$DDB_RUN/fixtures.log" 2>&1 ||
	{
		cat "$DDB_RUN/fixtures.log" >&2
		ddb_die "loading fixtures failed"
	}
set -a
# shellcheck disable=SC1091
source "$DDB_RUN/fixtures.env"
set +a

# ---------------------------------------------------------------- gateway self-test
# It reconfigures its gateway, so it gets one of its own.
ddb_log "gateway self-test"
(
	DDB_RUN_SAVED=$DDB_RUN
	mkdir -p "$DDB_RUN/selftest"
	DDB_RUN="$DDB_RUN/selftest"
	ddb_start_gateway >/dev/null 2>&1
	rc=0
	"$DDB_PY" "$DDB_ROOT/test/gateway_selftest.py" --gateway "$DDB_GATEWAY" \
		--keys "$DDB_RUN/keys.json" >"$DDB_RUN_SAVED/gateway-selftest.log" 2>&1 || rc=$?
	ddb_kill_pidfile "$DDB_RUN/gateway.pid"
	exit $rc
) && record gateway ok || record gateway FAIL

# ---------------------------------------------------------------- pg_regress
suites=("${REGRESS[@]}")
if [ -n "${DDB_TESTS:-}" ]; then
	read -r -a suites <<<"setup $DDB_TESTS"
fi
ddb_log "pg_regress: ${suites[*]}"
regress_out="$DDB_RUN/regress"
mkdir -p "$regress_out"
export DDB_GATEWAY DDB_LOCAL_ENDPOINT DDB_TEST_ACCESS_KEY DDB_TEST_SECRET_KEY
# make installcheck, as a user runs it, with this run's services, fixtures,
# tools and server log; a suite it would skip is an error here
DDB_INSTALLCHECK_STRICT=1 make -C "$DDB_ROOT" -s installcheck with_llvm=no \
	PG_CONFIG="$DDB_PG_BIN/pg_config" REGRESS="${suites[*]}" \
	EXTRA_REGRESS_OPTS="--outputdir=$regress_out --host=$PGHOST --port=$PGPORT --user=postgres" \
	>"$regress_out/pg_regress.log" 2>&1 || true
cat "$regress_out/pg_regress.log" >"$DDB_RUN/pg_regress.log"
for s in "${suites[@]}"; do
	# PG 15 prints "test <name> ... ok|FAILED|failed (ignored)  <n> ms"
	line=$(grep -E "^(test| )+ *$s +\.\.\. " "$regress_out/pg_regress.log" | head -n 1 || true)
	if echo "$line" | grep -qE '\.\.\. ok'; then
		record "regress/$s" ok
	else
		record "regress/$s" FAIL
	fi
done
# ---------------------------------------------------------------- scripted tests
ddb_log "sync crash test (kill -9 mid-run, resume)"
"$DDB_PY" "$DDB_ROOT/test/sync_crash.py" >"$DDB_RUN/sync_crash.log" 2>&1 &&
	record sync_crash ok || {
	record sync_crash FAIL
	tail -20 "$DDB_RUN/sync_crash.log" >&2
}

ddb_log "stream crash test (kill -9 while applying the stream, resume)"
"$DDB_PY" "$DDB_ROOT/test/stream_crash.py" >"$DDB_RUN/stream_crash.log" 2>&1 &&
	record stream_crash ok || {
	record stream_crash FAIL
	tail -20 "$DDB_RUN/stream_crash.log" >&2
}

ddb_log "stream retention test (a snapshot longer than the stream keeps records)"
"$DDB_PY" "$DDB_ROOT/test/stream_retention.py" >"$DDB_RUN/stream_retention.log" 2>&1 &&
	record stream_retention ok || {
	record stream_retention FAIL
	tail -20 "$DDB_RUN/stream_retention.log" >&2
}

ddb_log "fault suite (fault mix, persistent faults, STS outage, rate limit, worker kill)"
"$DDB_PY" "$DDB_ROOT/test/fault_suite.py" >"$DDB_RUN/fault_suite.log" 2>&1 &&
	record fault_suite ok || {
	record fault_suite FAIL
	tail -20 "$DDB_RUN/fault_suite.log" >&2
}

# ---------------------------------------------------------------- operations
# each prints "ok NAME"/"FAIL NAME" lines into its log; the time it took is
# logged (what it adds to make test)
scripted() { # name, command...
	local name=$1 t0 rc=0
	shift
	ddb_log "$name"
	t0=$(date +%s)
	"$@" >"$DDB_RUN/$name.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		record "$name" ok
	else
		record "$name" FAIL
		grep -E '^FAIL' "$DDB_RUN/$name.log" >&2 || tail -20 "$DDB_RUN/$name.log" >&2
	fi
	ddb_log "$name took $(($(date +%s) - t0))s"
}
scripted progress "$DDB_PY" "$DDB_ROOT/test/progress.py"
scripted upgrade "$DDB_PY" "$DDB_ROOT/test/upgrade.py"
scripted dump_restore "$DDB_PY" "$DDB_ROOT/test/dump_restore.py"
scripted installcheck bash "$DDB_ROOT/test/installcheck_own.sh"
scripted meta_json "$DDB_PY" "$DDB_ROOT/test/meta_check.py"
scripted demo env -u DDB_RUN -u DDB_GATEWAY -u DDB_LOCAL_ENDPOINT make -C "$DDB_ROOT" -s demo
# (make demo made its own run directory the latest)
ln -sfn "$(basename "$DDB_RUN")" "$DDB_RUN_BASE/latest"
# last: it replaces the installed library with the package's (and puts
# make install's copy back afterwards)
scripted deb make -C "$DDB_ROOT" -s deb-test PG_CONFIG="$DDB_PG_BIN/pg_config"

if [ -s "$regress_out/regression.diffs" ]; then
	ddb_log "differences: $regress_out/regression.diffs"
	head -c 6000 "$regress_out/regression.diffs" >&2
fi

elapsed=$(($(date +%s) - started))
if [ ${#failures[@]} -gt 0 ]; then
	ddb_log "failed: ${failures[*]} (logs under $DDB_RUN)"
fi
ddb_log "finished in ${elapsed}s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
