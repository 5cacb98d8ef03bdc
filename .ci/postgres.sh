# Sourced by .ci/run: starts a throwaway PostgreSQL on 127.0.0.1 for the tests and
# exports its URL as ACP_TEST_POSTGRES_URL; an EXIT trap stops it and removes its data.
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user.

pg_bin() {
  for dir in /usr/local/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! PG_BIN=$(pg_bin); then
  echo "postgres: server binaries not found; installing Debian's postgresql"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(pg_bin)
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres

PG_DIR=$(mktemp -d /tmp/acp-postgres.XXXXXX)
chown postgres "$PG_DIR"
PG_PORT=$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

as_postgres() { su postgres -s /bin/sh -c "$1"; }

stop_postgres() {
  as_postgres "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

as_postgres "'$PG_BIN/initdb' -D '$PG_DIR/data' -A trust -U postgres --no-sync" >/dev/null
# Enough connections for three replicas with their pools and one database per test file.
as_postgres "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/log' -w start -o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\"" >/dev/null
export ACP_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
