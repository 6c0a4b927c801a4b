# ddb_fdw: a PostgreSQL foreign data wrapper for Amazon DynamoDB.
#
#   make && make install    build and install into the PostgreSQL that
#                           pg_config (PG_CONFIG=...) names
#   make demo               fresh machine to a queried sample table
#   make test               every test suite; ends with "N passed, N failed"
#   make installcheck       the pg_regress suites against a running server
#                           with ddb_fdw installed (PGHOST, PGPORT, PGUSER;
#                           DDB_LOCAL_ENDPOINT optional): test/installcheck.sh
#   make deb                the Debian package postgresql-15-ddb-fdw (debian/)
#   make deb-test           build it, install it, CREATE EXTENSION and a scan
#   make bench              benchmarks (not part of make test)
#   make fuzz               libFuzzer targets of the AWS layer's parsers, each
#                           for FUZZ_SECONDS (default 60); clang, not part of
#                           make test

MODULE_big = ddb_fdw
# src/aws: the AWS layer (no PostgreSQL headers); src/fdw/{core,read,write,
# schema,sync}: the PostgreSQL side (README "How it works")
AWS_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/aws/*.c)))
FDW_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/fdw/*.c src/fdw/*/*.c)))
OBJS = $(AWS_OBJS) $(FDW_OBJS)

EXTENSION = ddb_fdw
DATA = sql/ddb_fdw--1.0.sql sql/ddb_fdw--1.1.sql sql/ddb_fdw--1.0--1.1.sql
PGFILEDESC = "ddb_fdw - foreign data wrapper for Amazon DynamoDB"

# make installcheck: the pg_regress suites, in order -- one list, the one
# test/run.sh keeps (REGRESS=(...) there); REGRESS="a b" picks some
REGRESS = $(shell sed -n 's/^REGRESS=(\(.*\))$$/\1/p' $(dir $(firstword $(MAKEFILE_LIST)))test/run.sh)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/src/fdw
# -Wextra, less unused-parameter: PostgreSQL's own headers and every FDW
# callback signature have parameters a given implementation does not use
PG_CFLAGS = -Wextra -Wno-unused-parameter
SHLIB_LINK = -lcurl -ljson-c -lcrypto

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The suites need DynamoDB Local, the test gateway, fixtures and test tools:
# test/installcheck.sh provides them (or takes DDB_GATEWAY and
# DDB_LOCAL_ENDPOINT), skips what the server cannot run, then runs PGXS's
# pg_regress command line.
# (PGXS's own definition, Makefile.global, with the script in front); the
# suites' database is ddb_regress (set after the include, which sets it)
CONTRIB_TESTDB = ddb_regress
pg_regress_installcheck = bash $(srcdir)/test/installcheck.sh \
    $(top_builddir)/src/test/regress/pg_regress --inputdir=$(srcdir) \
    --bindir='$(bindir)' $(pg_regress_locale_flags) $(EXTRA_REGRESS_OPTS)

# PGXS tracks no header: an object depends on every header it may include
$(AWS_OBJS) $(AWS_OBJS:.o=.bc): $(wildcard src/aws/*.h)
$(FDW_OBJS) $(FDW_OBJS:.o=.bc): $(wildcard src/aws/*.h src/fdw/*.h src/fdw/*/*.h)

.PHONY: demo test bench unit fuzz deb deb-test

demo:
	bash test/demo.sh

test:
	bash test/run.sh

# the Debian package (debian/), built from a copy of the tree under
# .run/deb/; DEB_OUT=dir for the .deb files
deb:
	bash test/deb.sh build

# builds the package, installs it into the PostgreSQL of PG_CONFIG (the
# system's: dpkg -i; a relocated copy: dpkg -x into it) and runs CREATE
# EXTENSION and a scan against DynamoDB Local (test/deb.sh); part of make test
deb-test:
	DDB_PG_BIN="$$($(PG_CONFIG) --bindir)" bash test/deb.sh test

bench:
	bash bench/run.sh

# C unit tests of src/aws (no PostgreSQL needed); UNIT_VALGRIND=1 for valgrind
unit:
	$(MAKE) -f test/unit/Makefile

# libFuzzer targets of the src/aws parsers (see test/fuzz/Makefile); exits
# non-zero on any finding.  Not part of "make test".
fuzz:
	$(MAKE) -f test/fuzz/Makefile
