#!/usr/bin/env bash
# Set everything up on a fresh machine and run the service (SQLite + embedded workers).
# The API key is printed at start; OpenAPI docs at http://HOST:PORT/docs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/kesheng serve --host "${KESHENG_HOST:-127.0.0.1}" --port "${KESHENG_PORT:-8000}" "$@"
