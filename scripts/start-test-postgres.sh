#!/bin/sh
# Starts (or reuses) a throw-away PostgreSQL cluster for Gitgate's tests, on loopback only.
#
# Interface (for .ci/run and people):
#   eval "$(scripts/start-test-postgres.sh)"      # start, then export GITGATE_TEST_DATABASE_URL
#   scripts/start-test-postgres.sh --stop         # stop the cluster (the data stays until --clean)
#   scripts/start-test-postgres.sh --clean        # stop and delete the cluster's directory
# stdout carries exactly one line, `export GITGATE_TEST_DATABASE_URL=postgres://...`; everything
# else goes to stderr. Exit status 0 when the database accepts connections, 1 otherwise.
# It installs nothing: PostgreSQL must be present (Debian: `apt-get install postgresql`). Being
# idempotent, it may run before every test run: a running cluster is reused as is.
#
# Environment (all optional):
#   GITGATE_PG_PORT     port on 127.0.0.1            (default 54329)
#   GITGATE_PG_DIR      cluster directory             (default /tmp/gitgate-test-pg)
#   GITGATE_PG_BIN      PostgreSQL binaries           (default: newest /usr/lib/postgresql/*/bin)
#
# The role `gitgate` (password `gitgate`, CREATEDB) owns the database `gitgate_test`; the tests
# create and drop their own databases with it. PostgreSQL refuses to run as root, so the cluster
# belongs to the `postgres` system user (runuser); when not root, it runs as the current user.
set -eu

PORT="${GITGATE_PG_PORT:-54329}"
DIR="${GITGATE_PG_DIR:-/tmp/gitgate-test-pg}"
BIN="${GITGATE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
ROLE=gitgate
PASSWORD=gitgate
DATABASE=gitgate_test

say() { echo "start-test-postgres: $*" >&2; }

if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  say "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin); apt-get install postgresql"
  exit 1
fi

# Run a PostgreSQL binary as its owner: `postgres` when we are root, else ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  --stop|--clean)
    if [ -f "$DIR/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true; fi
    if [ "$1" = --clean ]; then rm -rf "$DIR"; fi
    exit 0
    ;;
  "") ;;
  *) say "unknown argument $1 (use --stop or --clean)"; exit 2 ;;
esac

if [ ! -f "$DIR/data/PG_VERSION" ]; then
  say "creating a cluster in $DIR"
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
  # Local socket: trust (only the owner can reach the socket directory); TCP: passwords.
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
fi

if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  say "starting PostgreSQL on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
    start >&2 || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
fi

psql_pg() { as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  psql_pg -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
# Tests drop their databases WITH (FORCE); an autovacuum worker that happens to be in one can only
# be ended by a member of pg_signal_backend.
psql_pg -c "GRANT pg_signal_backend TO $ROLE" >&2
if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  psql_pg -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2
fi

echo "export GITGATE_TEST_DATABASE_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
