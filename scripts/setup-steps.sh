# The steps of scripts/setup.sh, one function each: check, and install only what is missing.
# Tools go into one folder (BINDERY_TOOLS_DIR, default ~/.cache/bindery) so that removing it undoes them;
# PostgreSQL and Chromium come from Debian's packages.

TOOLS_DIR="${BINDERY_TOOLS_DIR:-$HOME/.cache/bindery}"
TOOLS_DIR="${TOOLS_DIR/#\~/$HOME}"
TOOLS_BIN="$TOOLS_DIR/bin"
TEMPORAL_CLI_VERSION=v1.5.1
MAILPIT_VERSION=v1.33.1
SCIM2_SERVER_VERSION=0.8.3
SCHEMATHESIS_VERSION=4.32.5
TEMPORAL_TEST_SERVER_VERSION=1.38.0
PG_USER=bindery PG_PASSWORD=bindery PG_DB=bindery_test
TEMPORAL_SERVER_VERSION=v1.29.1 # the server inside Temporal CLI v1.5.1: the dev server and the real one match
# The real server's role and databases (TEMPORAL_CLUSTER_DATABASE_URL's default; its visibility database is <db>_visibility).
TEMPORAL_PG_USER=temporal TEMPORAL_PG_PASSWORD=temporal TEMPORAL_PG_DB=temporal

ok() { echo "$STEP_PREFIX $1: ok${2:+ ($2)}"; }
# Runs an install with a line before (what, and how long it usually takes) and after (how long it took).
install() {
  local what="$1" hint="$2"
  shift 2
  local started=$SECONDS
  echo "$STEP_PREFIX $what: installing${hint:+ ($hint)}…"
  local log
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "$STEP_PREFIX $what: install failed (output above)" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  echo "$STEP_PREFIX $what: installed in $((SECONDS - started)) s"
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
apt_install() { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"; }
go_install() { mkdir -p "$TOOLS_BIN" && GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod go install "$1"; }

step_npm_dependencies() {
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    ok "npm dependencies" "up to date"
  else
    install "npm dependencies" "npm ci" npm ci --no-audit --no-fund
  fi
}

step_temporal_cli() {
  # The dev server and its Web UI. Newer tags carry a go.mod replace directive that `go install pkg@version` refuses.
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || { echo "$STEP_PREFIX Temporal CLI: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not executable" >&2; return 1; }
    ok "Temporal CLI" "TEMPORAL_CLI_PATH"
  elif [ -x "$TOOLS_BIN/temporal" ]; then
    ok "Temporal CLI $TEMPORAL_CLI_VERSION"
  else
    install "Temporal CLI $TEMPORAL_CLI_VERSION" "go install, once; a few minutes" go_install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}"
  fi
}

step_mailpit() {
  # The SMTP catcher: `npm start` sends mail to it (web inbox), the tests read mail from its HTTP API.
  if [ -x "$TOOLS_BIN/mailpit" ]; then
    ok "mailpit $MAILPIT_VERSION"
  else
    install "mailpit $MAILPIT_VERSION" "go install, once; about a minute" go_install "github.com/axllent/mailpit@${MAILPIT_VERSION}"
  fi
}

step_postgresql() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    install "PostgreSQL" "Debian package" apt_install postgresql
  fi
  local v
  v=$(ls /usr/lib/postgresql | sort -V | tail -n1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${v} main$"; then as_root pg_createcluster "$v" main >/dev/null; fi
  if ! pg_lsclusters -h | awk -v v="$v" '$1==v && $2=="main" {print $4}' | grep -q online; then
    echo "$STEP_PREFIX PostgreSQL $v: starting its cluster"
    as_root pg_ctlcluster "$v" main start
  fi
  for _ in $(seq 1 60); do as_postgres "pg_isready -q" && break; sleep 0.5; done
  if ! as_postgres "psql -tAc \"select 1 from pg_roles where rolname='${PG_USER}'\"" | grep -q 1; then
    as_postgres "psql -qc \"create role ${PG_USER} login password '${PG_PASSWORD}' createdb\""
  fi
  if ! as_postgres "psql -tAc \"select 1 from pg_database where datname='${PG_DB}'\"" | grep -q 1; then
    as_postgres "createdb -O ${PG_USER} ${PG_DB}"
    echo "$STEP_PREFIX PostgreSQL $v: created the test database ${PG_DB}"
  fi
  ok "PostgreSQL $v" "online, test database ${PG_DB}"
}

step_scim2_server() {
  # A Python virtualenv with an independent SCIM 2.0 server (interoperability tests) and schemathesis (API fuzzing).
  local venv="$TOOLS_DIR/venv" want="scim2-server==${SCIM2_SERVER_VERSION} schemathesis==${SCHEMATHESIS_VERSION}"
  if [ -f "$venv/.bindery-requirements" ] && [ "$(cat "$venv/.bindery-requirements")" = "$want" ]; then
    ok "scim2-server $SCIM2_SERVER_VERSION, schemathesis $SCHEMATHESIS_VERSION"
  else
    install "scim2-server $SCIM2_SERVER_VERSION, schemathesis $SCHEMATHESIS_VERSION" "pip, into a virtualenv; about a minute" \
      sh -c "python3 -m venv '$venv' && '$venv/bin/pip' install -q --disable-pip-version-check $want && echo '$want' > '$venv/.bindery-requirements'"
  fi
}

step_temporal_test_server() {
  # Temporal's time-skipping test server (Java, from Maven Central), for timers of hours and days.
  local dir="$TOOLS_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  if [ -x "$dir/temporal-test-server" ]; then
    ok "Temporal test server $TEMPORAL_TEST_SERVER_VERSION"
  else
    install "Temporal test server $TEMPORAL_TEST_SERVER_VERSION" "Maven, once; about a minute" install_temporal_test_server "$dir"
  fi
}

install_temporal_test_server() {
  local dir="$1" build
  build="$(mktemp -d)"
  cat >"$build/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>bindery</groupId><artifactId>temporal-test-server-classpath</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEMPORAL_TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
POM
  mvn -B -q -f "$build/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib"
  # `exec` matters: the SDK kills the process it started, which must be the JVM itself.
  cat >"$dir/temporal-test-server" <<SH
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
SH
  chmod +x "$dir/temporal-test-server"
  rm -rf "$build"
}

step_chromium() {
  # Headless Chromium for the end-to-end browser tests (never a browser download by a test tool).
  if command -v chromium >/dev/null 2>&1; then
    ok "Chromium" "$(command -v chromium)"
  else
    install "Chromium" "Debian package; a few minutes" apt_install chromium
  fi
}

step_temporal_server() {
  # The real Temporal server (go.temporal.io/server) and its SQL schema tool, with the server's PostgreSQL
  # schema copied beside them: `npm run cluster`, the topology test and bench/cluster.ts run it.
  if [ -x "$TOOLS_BIN/temporal-server" ] && [ -x "$TOOLS_BIN/temporal-sql-tool" ] \
    && [ "$(cat "$TOOLS_DIR/temporal-server-schema/VERSION" 2>/dev/null)" = "$TEMPORAL_SERVER_VERSION" ]; then
    ok "Temporal server $TEMPORAL_SERVER_VERSION"
  else
    install "Temporal server $TEMPORAL_SERVER_VERSION" "go install, once; 5 to 15 minutes on 2 cores, under a minute with a warm Go cache" install_temporal_server
  fi
}

install_temporal_server() {
  local build schema
  build="$(mktemp -d)"
  # `go install` names the binaries after their folders (server, sql): build aside, then rename.
  GOBIN="$build" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}"
  GOBIN="$build" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}"
  mkdir -p "$TOOLS_BIN"
  mv "$build/server" "$TOOLS_BIN/temporal-server"
  mv "$build/sql" "$TOOLS_BIN/temporal-sql-tool"
  rm -rf "$build"
  schema="$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@${TEMPORAL_SERVER_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/schema/postgresql/v12"
  [ -d "$schema/temporal/versioned" ] || { echo "no PostgreSQL schema in the module (looked in $schema)" >&2; return 1; }
  rm -rf "$TOOLS_DIR/temporal-server-schema"
  cp -r "$schema" "$TOOLS_DIR/temporal-server-schema"
  chmod -R u+w "$TOOLS_DIR/temporal-server-schema" # the module cache is read-only; keep the copy removable
  echo "$TEMPORAL_SERVER_VERSION" >"$TOOLS_DIR/temporal-server-schema/VERSION"
}

step_temporal_cluster_database() {
  # The real server's role (it may create databases: the topology test and the benchmark make their own)
  # and its two databases, at the schema of the server installed.
  local schema="$TOOLS_DIR/temporal-server-schema" db want have
  if ! as_postgres "psql -tAc \"select 1 from pg_roles where rolname='${TEMPORAL_PG_USER}'\"" | grep -q 1; then
    as_postgres "psql -qc \"create role ${TEMPORAL_PG_USER} login password '${TEMPORAL_PG_PASSWORD}' createdb\""
    echo "$STEP_PREFIX Temporal server database: created the role ${TEMPORAL_PG_USER}"
  fi
  for db in "$TEMPORAL_PG_DB" "${TEMPORAL_PG_DB}_visibility"; do
    if ! as_postgres "psql -tAc \"select 1 from pg_database where datname='${db}'\"" | grep -q 1; then
      as_postgres "createdb -O ${TEMPORAL_PG_USER} ${db}"
      echo "$STEP_PREFIX Temporal server database: created the database ${db}"
    fi
  done
  want="$(temporal_schema_latest "$schema/temporal")/$(temporal_schema_latest "$schema/visibility")"
  have="$(temporal_schema_current "$TEMPORAL_PG_DB")/$(temporal_schema_current "${TEMPORAL_PG_DB}_visibility")"
  if [ "$have" = "$want" ]; then
    ok "Temporal server database" "${TEMPORAL_PG_DB} and ${TEMPORAL_PG_DB}_visibility, schema $want"
  else
    install "Temporal server database schema $want" "temporal-sql-tool; a few seconds" apply_temporal_schema "$schema"
  fi
}

# The newest version in a versioned schema folder (v1.18 → 1.18), and a database's (empty when none).
temporal_schema_latest() { ls "$1/versioned" | sed 's/^v//' | sort -V | tail -n1; }
temporal_schema_current() { as_postgres "psql -d $1 -tAc 'select curr_version from schema_version' 2>/dev/null" || true; }

apply_temporal_schema() {
  local schema="$1" db dir
  for pair in "${TEMPORAL_PG_DB}:temporal" "${TEMPORAL_PG_DB}_visibility:visibility"; do
    db="${pair%%:*}" dir="${pair##*:}"
    # Connection settings through the environment the tool reads (not on its command line).
    SQL_PLUGIN=postgres12 SQL_HOST=127.0.0.1 SQL_PORT=5432 SQL_USER="$TEMPORAL_PG_USER" SQL_PASSWORD="$TEMPORAL_PG_PASSWORD" SQL_DATABASE="$db" \
      sh -c "'$TOOLS_BIN/temporal-sql-tool' setup-schema -v 0.0 && '$TOOLS_BIN/temporal-sql-tool' update-schema -d '$schema/$dir/versioned'"
  done
}
