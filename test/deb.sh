#!/usr/bin/env bash
# test/deb.sh — the Debian package (make deb, make deb-test).
#
#   deb.sh build   builds the source and binary packages of debian/ from a
#                  copy of the tree (tracked and untracked files, not
#                  ignored ones) under .run/deb/, with dpkg-buildpackage and
#                  pg_buildext; checks the .deb's name, dependencies and
#                  files; copies the packages to DEB_OUT (default .run/deb/)
#   deb.sh test    build, then install the .deb and use it:
#                  * into the system PostgreSQL (DDB_PG_BIN unset or
#                    /usr/lib/postgresql/15/bin): dpkg -i, for real -- what
#                    CI does on its fresh machine; afterwards dpkg -r, and
#                    the copy make install had put there (if any) is put
#                    back;
#                  * into a relocated copy of PostgreSQL (DDB_PG_BIN
#                    /opt/X/usr/lib/postgresql/15/bin, or DEB_TEST_ROOT=/opt/X):
#                    dpkg -x into /opt/X, so the package's /usr/... files
#                    land where that copy looks for them; nothing of the
#                    system PostgreSQL is touched;
#                  then checks that the installed files are the package's,
#                  starts a plain cluster of that PostgreSQL, and against
#                  DynamoDB Local (through the test gateway; both started
#                  here unless DDB_GATEWAY and DDB_LOCAL_ENDPOINT are given)
#                  runs CREATE EXTENSION, IMPORT FOREIGN SCHEMA, a scan and
#                  a sync, and checks the backend loaded the package's
#                  library.  Prints "ok NAME" / "FAIL NAME" per check.
source "$(dirname "$0")/lib.sh"

MODE=${1:-build}
DEB_DIR="$DDB_RUN_BASE/deb"
DEB_OUT=${DEB_OUT:-$DEB_DIR}
PACKAGE=postgresql-$DDB_PG_VERSION-ddb-fdw
BUILD_PACKAGES=(debhelper dpkg-dev fakeroot postgresql-server-dev-all
	postgresql-server-dev-$DDB_PG_VERSION libcurl4-openssl-dev libjson-c-dev libssl-dev git)
failures=0

check() { # name, condition (0 = ok), detail
	if [ "$2" -eq 0 ]; then
		echo "ok $1"
	else
		echo "FAIL $1 ${3:-}"
		failures=$((failures + 1))
	fi
}

# ---------------------------------------------------------------- build
deb_build() {
	local missing=() p
	for p in "${BUILD_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		ddb_log "installing build dependencies: ${missing[*]}"
		mkdir -p "$DDB_RUN_BASE"
		export DEBIAN_FRONTEND=noninteractive
		"${DDB_SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
			>"$DDB_RUN_BASE/apt-deb.log" 2>&1 || {
			"${DDB_SUDO[@]}" apt-get update -q >>"$DDB_RUN_BASE/apt-deb.log" 2>&1 || true
			"${DDB_SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" \
				>>"$DDB_RUN_BASE/apt-deb.log" 2>&1 ||
				ddb_die "apt-get install failed; see $DDB_RUN_BASE/apt-deb.log"
		}
	fi
	local version src
	version=$(dpkg-parsechangelog -l "$DDB_ROOT/debian/changelog" -S Version)
	src="$DEB_DIR/build/ddb-fdw-$version"
	rm -rf "$DEB_DIR/build"
	mkdir -p "$src" "$DEB_OUT"
	# the tree as git sees it (committed or not), without build products
	(cd "$DDB_ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) |
		tar -xf - -C "$src"
	ddb_log "building $PACKAGE $version (dpkg-buildpackage; log: $DEB_DIR/build.log)"
	(cd "$src" && dpkg-buildpackage -us -uc) >"$DEB_DIR/build.log" 2>&1 ||
		{
			tail -40 "$DEB_DIR/build.log" >&2
			ddb_die "dpkg-buildpackage failed; see $DEB_DIR/build.log"
		}
	DEB_FILE=$(ls "$DEB_DIR"/build/"${PACKAGE}_${version}"_*.deb)
	cp "$DEB_DIR"/build/*.deb "$DEB_DIR"/build/*.dsc "$DEB_DIR"/build/*.tar.* "$DEB_OUT/" 2>/dev/null
	DEB_FILE="$DEB_OUT/$(basename "$DEB_FILE")"

	# what the package holds and needs
	local contents depends
	contents=$(dpkg-deb -c "$DEB_FILE" | awk '{print $6}')
	for f in ./usr/lib/postgresql/$DDB_PG_VERSION/lib/ddb_fdw.so \
		./usr/share/postgresql/$DDB_PG_VERSION/extension/ddb_fdw.control \
		./usr/share/postgresql/$DDB_PG_VERSION/extension/ddb_fdw--1.0.sql \
		./usr/share/postgresql/$DDB_PG_VERSION/extension/ddb_fdw--1.1.sql \
		./usr/share/postgresql/$DDB_PG_VERSION/extension/ddb_fdw--1.0--1.1.sql; do
		grep -qxF "$f" <<<"$contents"
		check "deb_contains:${f#./usr/}" $?
	done
	# every extension script of the tree is in the package
	local n_tree n_deb
	n_tree=$(ls "$DDB_ROOT"/sql/ddb_fdw--*.sql | wc -l)
	n_deb=$(grep -c "/extension/ddb_fdw--.*\.sql$" <<<"$contents")
	[ "$n_tree" -eq "$n_deb" ]
	check deb_has_every_extension_script $? "tree $n_tree, package $n_deb"
	depends=$(dpkg-deb -f "$DEB_FILE" Depends)
	for d in "postgresql-$DDB_PG_VERSION" libcurl4 libjson-c5 libssl3; do
		grep -qE "(^|, )$d( |,|$)" <<<"$depends"
		check "deb_depends_on:$d" $? "$depends"
	done
	[ "$(dpkg-deb -f "$DEB_FILE" Package)" = "$PACKAGE" ]
	check deb_package_name $?
	ddb_log "built $DEB_FILE"
	echo "$DEB_FILE" >"$DEB_DIR/last-deb"
}

# ---------------------------------------------------------------- install
PG_BIN_SYSTEM=/usr/lib/postgresql/$DDB_PG_VERSION/bin
root=""
restore_make_install=""
installed=""

deb_install() {
	if [ -z "${DEB_TEST_ROOT:-}" ] && [ "$DDB_PG_BIN" != "$PG_BIN_SYSTEM" ]; then
		case "$DDB_PG_BIN" in
		*/usr/lib/postgresql/$DDB_PG_VERSION/bin) DEB_TEST_ROOT=${DDB_PG_BIN%/usr/lib/postgresql/$DDB_PG_VERSION/bin} ;;
		*) ddb_die "DDB_PG_BIN $DDB_PG_BIN is not a relocated Debian layout; set DEB_TEST_ROOT" ;;
		esac
	fi
	root=${DEB_TEST_ROOT:-}
	PG_BIN="$root$PG_BIN_SYSTEM"
	[ -x "$PG_BIN/pg_config" ] || ddb_die "no PostgreSQL at $PG_BIN"
	LIBDIR=$("$PG_BIN/pg_config" --pkglibdir)
	SHAREDIR=$("$PG_BIN/pg_config" --sharedir)
	[ ! -f "$LIBDIR/ddb_fdw.so" ] || restore_make_install=1
	if [ -z "$root" ]; then
		ddb_log "installing $DEB_FILE into the system PostgreSQL (dpkg -i)"
		"${DDB_SUDO[@]}" dpkg -i "$DEB_FILE" >"$DEB_DIR/dpkg.log" 2>&1 ||
			{
				cat "$DEB_DIR/dpkg.log" >&2
				ddb_die "dpkg -i failed"
			}
		installed=system
		dpkg-query -W -f='${Status}' "$PACKAGE" | grep -q "install ok installed"
		check deb_installed_with_dpkg $?
		[ "$(dpkg -S "$LIBDIR/ddb_fdw.so" 2>/dev/null | cut -d: -f1)" = "$PACKAGE" ]
		check deb_owns_the_library $?
	else
		ddb_log "extracting $DEB_FILE into $root (dpkg -x; PostgreSQL at $PG_BIN)"
		# what make install put there goes first: the files must be the package's
		"${DDB_SUDO[@]}" rm -f "$LIBDIR/ddb_fdw.so" "$SHAREDIR"/extension/ddb_fdw.control \
			"$SHAREDIR"/extension/ddb_fdw--*.sql
		"${DDB_SUDO[@]}" dpkg -x "$DEB_FILE" "$root"
		installed=root
	fi
	# every file of the package is in place, byte for byte
	local tmp bad=0 f
	tmp=$(mktemp -d)
	dpkg-deb -x "$DEB_FILE" "$tmp"
	while read -r f; do
		cmp -s "$tmp/$f" "$root/$f" || {
			bad=1
			echo "differs or missing: $root/$f"
		}
	done < <(cd "$tmp" && find . -type f | sed 's|^\./||' | grep -v '^usr/share/doc/')
	rm -rf "$tmp"
	check deb_files_installed "$bad"
	[ -f "$LIBDIR/ddb_fdw.so" ] && [ -f "$SHAREDIR/extension/ddb_fdw.control" ]
	check deb_files_where_pg_config_says $? "$LIBDIR, $SHAREDIR"
}

deb_uninstall() {
	case "$installed" in
	system)
		"${DDB_SUDO[@]}" dpkg -r "$PACKAGE" >>"$DEB_DIR/dpkg.log" 2>&1 || true
		;;
	esac
	if [ -n "$installed" ] && [ -n "$restore_make_install" ]; then
		# what make install had put there before
		make -C "$DDB_ROOT" -s with_llvm=no PG_CONFIG="$PG_BIN/pg_config" >/dev/null 2>&1 &&
			"${DDB_SUDO[@]}" make -C "$DDB_ROOT" -s with_llvm=no PG_CONFIG="$PG_BIN/pg_config" \
				install >/dev/null 2>&1 || ddb_log "warning: could not put make install's copy back"
	fi
	installed=""
}

# ---------------------------------------------------------------- use it
deb_use() {
	ddb_plain_cluster_start "$PG_BIN"
	local q=("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DDB_PLAIN_DIR" -p "$DDB_PLAIN_PORT"
		-U postgres -d postgres)
	"$DDB_PY" "$DDB_ROOT/test/fixtures.py" --endpoint "$DDB_LOCAL_ENDPOINT" demo \
		>"$DEB_DIR/fixtures.log" 2>&1 || ddb_die "loading the demo table failed"
	local out expected
	out=$("${q[@]}" -v gw="$DDB_GATEWAY" -v key="$DDB_TEST_ACCESS_KEY" \
		-v secret="$DDB_TEST_SECRET_KEY" 2>&1 <<'SQL'
CREATE EXTENSION ddb_fdw;
SELECT 'version ' || extversion FROM pg_extension WHERE extname = 'ddb_fdw';
CREATE SERVER dynamo FOREIGN DATA WRAPPER ddb_fdw
  OPTIONS (region 'us-east-1', endpoint :'gw', segments '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo
  OPTIONS (access_key_id :'key', secret_access_key :'secret');
CREATE SCHEMA ddb;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (customers) FROM SERVER dynamo INTO ddb;
SELECT 'scan ' || count(*) FROM ddb.customers;
SELECT 'lookup ' || (item->>'name') FROM ddb.customers WHERE customer_id = 'c-042';
CALL ddb_fdw.sync('ddb.customers', 'public.customers');
SELECT 'synced ' || count(*) FROM public.customers;
CREATE TEMP TABLE maps (line text);
COPY maps FROM PROGRAM 'grep -o "/[^ ]*ddb_fdw\.so" /proc/$PPID/maps | sort -u';
SELECT 'library ' || line FROM maps;
SQL
	) || true
	echo "$out" >"$DEB_DIR/use.log"
	expected=$(curl -s -X POST -H 'X-Amz-Target: DynamoDB_20120810.DescribeTable' \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIDDEBTEST00001/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
		-d '{"TableName": "customers"}' "$DDB_LOCAL_ENDPOINT/" |
		"$DDB_PY" -c 'import json, sys; print(json.load(sys.stdin)["Table"]["ItemCount"])')
	grep -qx "version 1.1" <<<"$out"
	check deb_create_extension $? "$out"
	grep -qx "scan $expected" <<<"$out"
	check deb_scan_reads_every_item $? "expected $expected items: $out"
	grep -qx "lookup .\+" <<<"$out"
	check deb_key_lookup $?
	grep -qx "synced $expected" <<<"$out"
	check deb_sync $?
	grep -qx "library $LIBDIR/ddb_fdw.so" <<<"$out"
	check deb_backend_loaded_the_package_library $? "$(grep '^library' <<<"$out")"
	ddb_plain_cluster_stop "$PG_BIN"
}

# ---------------------------------------------------------------- main
own_services=""
cleanup() {
	[ -z "${PG_BIN:-}" ] || ddb_plain_cluster_stop "$PG_BIN"
	deb_uninstall
	[ -z "$own_services" ] || ddb_stop_all
}

case "$MODE" in
build)
	mkdir -p "$DEB_DIR"
	deb_build
	;;
test)
	mkdir -p "$DEB_DIR"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	deb_build
	deb_install
	if [ -z "${DDB_GATEWAY:-}" ] || [ -z "${DDB_LOCAL_ENDPOINT:-}" ]; then
		ddb_install_packages
		ddb_install_dynamodb_local
		ddb_reap_stale_runs
		DDB_RUN="$DDB_RUN_BASE/run-$(date +%Y%m%d-%H%M%S)-$$-deb"
		mkdir -p "$DDB_RUN"
		echo $$ >"$DDB_RUN/owner"
		own_services=1
		ddb_start_dynamodb_local
		ddb_start_gateway
	fi
	deb_use
	;;
*)
	ddb_die "usage: deb.sh build|test"
	;;
esac
if [ "$failures" -gt 0 ]; then
	echo "deb: $failures checks failed"
	exit 1
fi
echo "deb: every check passed"
