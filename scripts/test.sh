#!/usr/bin/env bash
# Run the whole test suite: installs what it needs (venv, PostgreSQL) and starts PostgreSQL itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# A real PostgreSQL for the tests that run on both databases.
if [ -z "${KESHENG_TEST_POSTGRES_URL:-}" ]; then
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
  fi
  scripts/postgres.sh start
  export KESHENG_TEST_POSTGRES_URL="postgresql+psycopg://kesheng:kesheng@127.0.0.1:${KESHENG_PG_PORT:-55432}/kesheng_test"
fi

.venv/bin/ruff check capture transcribe nlp store api pipeline kesheng tests tools bench
.venv/bin/ruff format --check --quiet capture transcribe nlp store api pipeline kesheng tests tools bench
.venv/bin/mypy capture transcribe nlp store api pipeline kesheng
.venv/bin/python -m pytest "$@"
