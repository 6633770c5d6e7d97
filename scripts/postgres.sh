#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on 127.0.0.1:${KESHENG_PG_PORT:-55432}.
# Its data lives outside the checkout (/tmp), where the postgres user can reach it whoever owns the clone.
#   scripts/postgres.sh start | stop
set -euo pipefail
cd "$(dirname "$0")/.."
port=${KESHENG_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data=${KESHENG_PG_DATA:-/tmp/kesheng-pg-$port}
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case "${1:-start}" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres "$data"
      run "$bin/initdb -D '$data' -U postgres -A trust >/dev/null"
    fi
    if ! run "$bin/pg_ctl -D '$data' status" >/dev/null 2>&1; then
      run "$bin/pg_ctl -D '$data' -l '$data/log' -o '-p $port -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null
    fi
    psql="$bin/psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -qAt"
    $psql -c "SELECT 1 FROM pg_roles WHERE rolname='kesheng'" | grep -q 1 \
      || $psql -c "CREATE ROLE kesheng LOGIN PASSWORD 'kesheng' CREATEDB"
    $psql -c "SELECT 1 FROM pg_database WHERE datname='kesheng_test'" | grep -q 1 \
      || $psql -c "CREATE DATABASE kesheng_test OWNER kesheng"
    ;;
  stop)
    run "$bin/pg_ctl -D '$data' -m fast stop" >/dev/null || true
    ;;
esac
