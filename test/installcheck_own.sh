#!/usr/bin/env bash
# test/installcheck_own.sh — make installcheck as a user runs it against a
# server of their own: a plain PostgreSQL cluster (initdb defaults: no
# pg_cron, no test host identity, no test settings) with ddb_fdw installed,
# and no DynamoDB endpoint given, so make installcheck installs/starts
# DynamoDB Local and the gateway itself, loads the fixtures, runs the
# suites the server can run and skips the others.  Checks that it passed
# and skipped exactly cron_schedule, auth and cron, and that it found the
# server log (the file pg_ctl -l gave the server's stderr).  Called by
# test/run.sh (suite "installcheck"); prints its log on failure.
# DDB_INSTALLCHECK_SUITES and DDB_INSTALLCHECK_EXPECT_SKIPPED change the
# suites and the skips expected.
source "$(dirname "$0")/lib.sh"

SUITES=${DDB_INSTALLCHECK_SUITES:-"setup cron_schedule options import types auth cron"}
EXPECT_SKIPPED=${DDB_INSTALLCHECK_EXPECT_SKIPPED:-"cron_schedule auth cron"}

trap 'ddb_plain_cluster_stop "$DDB_PG_BIN"' EXIT
ddb_plain_cluster_start "$DDB_PG_BIN"
dir=$DDB_PLAIN_DIR
port=$DDB_PLAIN_PORT

log=$(mktemp /tmp/ddb_fdw-own-log.XXXXXX)
rc=0
env -u DDB_GATEWAY -u DDB_LOCAL_ENDPOINT -u DDB_TOOLS -u DDB_PG_LOG -u DDB_RUN \
	PGHOST="$dir" PGPORT="$port" PGUSER=postgres \
	make -C "$DDB_ROOT" -s installcheck PG_CONFIG="$DDB_PG_BIN/pg_config" REGRESS="$SUITES" \
	EXTRA_REGRESS_OPTS="--outputdir=$dir/regress" >"$log" 2>&1 || rc=$?
skipped=$(sed -n 's/^==> skipped: //p' "$log")
ok=1
[ "$rc" -eq 0 ] || ok=""
[ "$skipped" = "$EXPECT_SKIPPED" ] || ok=""
grep -qxF "==> server log: $dir/server.log" "$log" || ok=""
for s in $SUITES; do
	case " $EXPECT_SKIPPED " in *" $s "*) continue ;; esac
	grep -qE "^(test| )+ *$s +\.\.\. ok" "$log" || ok=""
done
if [ -z "$ok" ]; then
	cat "$log"
	[ ! -f "$dir/regress/regression.diffs" ] || head -c 4000 "$dir/regress/regression.diffs"
	echo "installcheck against a plain server: FAILED (exit $rc, skipped: '$skipped')"
	rm -f "$log"
	exit 1
fi
grep -E "^==> |^(test| )+ *[a-z_]+ +\.\.\. " "$log"
rm -f "$log"
echo "installcheck against a plain server: passed, skipped $skipped"
