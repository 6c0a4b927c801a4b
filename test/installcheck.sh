#!/usr/bin/env bash
# test/installcheck.sh — what `make installcheck` runs: PGXS's pg_regress
# command line (the Makefile puts this script in front of it), against a
# running PostgreSQL with ddb_fdw installed.
#
#   installcheck.sh PG_REGRESS [--option=value...] SUITE...
#
# The server is libpq's: PGHOST, PGPORT, PGUSER (a superuser: the suites set
# endpoints and run test tools with COPY FROM PROGRAM), on this machine (its
# backends call the gateway on 127.0.0.1 and run curl and /usr/bin/python3
# with boto3).
#
# DynamoDB: DDB_LOCAL_ENDPOINT names a DynamoDB Local on a loopback address
# (its tables of the fixture names are re-created); without it, DynamoDB
# Local is installed if missing (npm) and started on a free port.  The test
# gateway is started in front of it and the fixtures are loaded.  With
# DDB_GATEWAY too (make test, which started both and loaded the fixtures)
# nothing is started.  Everything started here is stopped at the end.
#
# Suites that need more than the extension are skipped, with the reason,
# when the server cannot run them:
#   cron_schedule, cron,  pg_cron in shared_preload_libraries and
#   parallel              cron.database_name = 'postgres' (parallel pauses
#                         the job cron_schedule scheduled)
#   auth, security        the test host identity in the server's
#                         environment (AWS_* variables pointing at the
#                         gateway: only make test's server has them); auth
#                         also the server log (below)
#   streams               the server log readable with pg_read_file:
#                         DDB_PG_LOG, else pg_current_logfile(), else the
#                         file the server's stderr goes to
# DDB_INSTALLCHECK_STRICT=1 makes a skipped suite an error.
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || ddb_die "usage: installcheck.sh PG_REGRESS [OPTION...] SUITE..."
pg_regress=("$1")
shift
suites=()
for a in "$@"; do
	case "$a" in
	--bindir=*) DDB_PG_BIN=${a#--bindir=}; pg_regress+=("$a") ;;
	-*) pg_regress+=("$a") ;;
	*) suites+=("$a") ;;
	esac
done
PSQL=("$DDB_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres)

sql() { "${PSQL[@]}" -c "$1"; }
# runs a shell command on the server (as its OS user) and prints its output
server_sh() {
	"${PSQL[@]}" -c "CREATE TEMP TABLE sh_out (n serial, line text)" \
		-c "COPY sh_out (line) FROM PROGRAM \$ddb\$$1\$ddb\$ WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')" \
		-c "SELECT line FROM sh_out ORDER BY n"
}

# ---------------------------------------------------------------- the server
sql "SELECT 1" >/dev/null ||
	ddb_die "cannot connect to PostgreSQL (set PGHOST, PGPORT, PGUSER)"
[ "$(sql "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] ||
	ddb_die "the suites need a superuser connection (PGUSER)"
[ "$(sql "SELECT count(*) FROM pg_available_extension_versions WHERE name = 'ddb_fdw'")" -gt 0 ] ||
	ddb_die "ddb_fdw is not installed in this server: make install PG_CONFIG=..."
[ "$(sql "SELECT count(*) FROM pg_available_extensions WHERE name = 'dblink'")" -gt 0 ] ||
	ddb_die "the suites need dblink (postgresql-contrib)"
version=$(sql "SHOW server_version_num")
[ "${version:0:2}" = 15 ] ||
	ddb_log "warning: the expected outputs are PostgreSQL 15's; this server is $(sql "SHOW server_version")"
# the suites pass the server's address on (dblink back to it)
if [ -z "${PGHOST:-}" ]; then
	PGHOST=$(sql "SELECT split_part(current_setting('unix_socket_directories'), ',', 1)")
fi
PGPORT=${PGPORT:-$(sql "SHOW port")}
export PGHOST PGPORT

# ---------------------------------------------------------------- services
own_services=""
tools_tmp=""
cleanup() {
	[ -z "$tools_tmp" ] || rm -rf "$tools_tmp"
	[ -z "$own_services" ] || ddb_stop_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${DDB_GATEWAY:-}" ]; then
	[ -n "${DDB_LOCAL_ENDPOINT:-}" ] || ddb_die "DDB_GATEWAY needs DDB_LOCAL_ENDPOINT too"
else
	# a run directory of its own; .run/latest stays make test's or make demo's
	mkdir -p "$DDB_RUN_BASE"
	ddb_reap_stale_runs
	DDB_RUN="$DDB_RUN_BASE/run-$(date +%Y%m%d-%H%M%S)-$$-installcheck"
	mkdir -p "$DDB_RUN"
	echo $$ >"$DDB_RUN/owner"
	export DDB_RUN
	own_services=1
	if [ -z "${DDB_LOCAL_ENDPOINT:-}" ]; then
		ddb_install_dynamodb_local
		ddb_log "starting DynamoDB Local and the AWS gateway under $DDB_RUN"
		ddb_start_dynamodb_local
	else
		case "$DDB_LOCAL_ENDPOINT" in
		http://127.*|http://localhost[:/]*|http://localhost) ;;
		*) ddb_die "DDB_LOCAL_ENDPOINT must be a DynamoDB Local on a loopback address (the suites create and delete tables)" ;;
		esac
		ddb_log "using DynamoDB Local at $DDB_LOCAL_ENDPOINT; starting the AWS gateway under $DDB_RUN"
	fi
	ddb_start_gateway
	ddb_log "loading fixtures into $DDB_LOCAL_ENDPOINT"
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
fi
export DDB_GATEWAY DDB_LOCAL_ENDPOINT DDB_TEST_ACCESS_KEY DDB_TEST_SECRET_KEY \
	DDB_AMBIENT_ACCESS_KEY DDB_AMBIENT_SECRET_KEY DDB_WEB_IDENTITY_TOKEN DDB_WEB_IDENTITY_ROLE \
	DDB_CONTAINER_TOKEN

# the test tools the server runs, where its OS user can read them
if [ -z "${DDB_TOOLS:-}" ]; then
	tools_tmp=$(mktemp -d /tmp/ddb_fdw-tools.XXXXXX)
	cp "$DDB_ROOT"/test/tools/*.py "$tools_tmp/"
	chmod 755 "$tools_tmp"
	chmod 644 "$tools_tmp"/*.py
	DDB_TOOLS=$tools_tmp
fi
export DDB_TOOLS

# the server log, for the suites that read it
if [ -z "${DDB_PG_LOG:-}" ]; then
	DDB_PG_LOG=$(sql "SELECT CASE WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile()
	                              ELSE current_setting('data_directory') || '/' || pg_current_logfile() END" || true)
	if [ -z "$DDB_PG_LOG" ]; then
		DDB_PG_LOG=$(server_sh 'readlink -f /proc/$PPID/fd/2' 2>/dev/null || true)
	fi
fi
if [ -n "$DDB_PG_LOG" ] &&
	! sql "SELECT length(pg_read_file('$DDB_PG_LOG', 0, 1)) >= 0" >/dev/null 2>&1; then
	DDB_PG_LOG=""
fi
export DDB_PG_LOG
ddb_log "server log: ${DDB_PG_LOG:-(not readable)}"

# ---------------------------------------------------------------- suites
skip_reason() {
	case "$1" in
	cron_schedule | cron | parallel)
		sql "SELECT current_setting('shared_preload_libraries') ~ 'pg_cron'
		        AND current_setting('cron.database_name', true) = 'postgres'" | grep -q t ||
			echo "pg_cron is not in shared_preload_libraries with cron.database_name = 'postgres'"
		;;
	auth | security)
		if [ "$(server_sh 'printenv AWS_CONTAINER_CREDENTIALS_FULL_URI || true' 2>/dev/null)" != "$DDB_GATEWAY/ecs/credentials" ]; then
			echo "the server's environment does not hold the test host identity (make test's server does)"
		elif [ "$1" = auth ] && [ -z "$DDB_PG_LOG" ]; then
			echo "the server log is not readable with pg_read_file (set DDB_PG_LOG)"
		fi
		;;
	streams)
		[ -n "$DDB_PG_LOG" ] || echo "the server log is not readable with pg_read_file (set DDB_PG_LOG)"
		;;
	esac
}
run=()
skipped=()
for s in "${suites[@]}"; do
	reason=$(skip_reason "$s")
	if [ -n "$reason" ]; then
		skipped+=("$s")
		ddb_log "skipping $s: $reason"
	else
		run+=("$s")
	fi
done
if [ ${#skipped[@]} -gt 0 ] && [ -n "${DDB_INSTALLCHECK_STRICT:-}" ]; then
	ddb_die "suites that cannot run on this server: ${skipped[*]}"
fi
[ ${#run[@]} -gt 0 ] || ddb_die "no suite to run"

ddb_log "pg_regress against ${PGHOST}:${PGPORT}: ${run[*]}"
rc=0
"${pg_regress[@]}" "${run[@]}" || rc=$?
[ ${#skipped[@]} -eq 0 ] || ddb_log "skipped: ${skipped[*]}"
exit $rc
