#!/usr/bin/env bash
# Installs what Bindery's tests and `npm start` need, skipping whatever is already there:
#   npm dependencies, the Temporal CLI (dev server + Web UI), PostgreSQL (started, with a test database).
# Safe to run again: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=v1.5.1
PG_USER=bindery PG_PASSWORD=bindery PG_DB=bindery_test
step() { printf '\n== %s\n' "$*"; }

step "npm dependencies"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "up to date"
else
  npm ci --no-audit --no-fund
fi

step "Temporal CLI ${TEMPORAL_CLI_VERSION}"
gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then
  echo "using TEMPORAL_CLI_PATH"
elif command -v temporal >/dev/null 2>&1 || [ -x "$gobin/temporal" ]; then
  echo "already installed: $(command -v temporal || echo "$gobin/temporal")"
else
  # Newer tags carry a go.mod replace directive that `go install pkg@version` refuses.
  go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}"
  echo "installed into $gobin"
fi

step "PostgreSQL"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${pg_version} main$"; then
  pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$pg_version" main start
fi
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
for _ in $(seq 1 30); do as_postgres "pg_isready -q" && break; sleep 0.5; done
if ! as_postgres "psql -tAc \"select 1 from pg_roles where rolname='${PG_USER}'\"" | grep -q 1; then
  as_postgres "psql -qc \"create role ${PG_USER} login password '${PG_PASSWORD}' createdb\""
fi
if ! as_postgres "psql -tAc \"select 1 from pg_database where datname='${PG_DB}'\"" | grep -q 1; then
  as_postgres "createdb -O ${PG_USER} ${PG_DB}"
fi
echo "PostgreSQL ${pg_version} online; tests use postgres://${PG_USER}:***@127.0.0.1:5432/${PG_DB}"
