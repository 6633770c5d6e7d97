#!/usr/bin/env bash
# Run the whole test suite: installs what it needs (venv, PostgreSQL, PulseAudio, PortAudio, Redis, RabbitMQ)
# and starts PostgreSQL itself; the device tests start PulseAudio, the queue tests their own brokers.
#   scripts/test.sh --fast   the pure logic only: no Whisper, no processes, no system services, no
#                            PostgreSQL (the tests' markers, see tests/conftest.py); a few minutes
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

PACKAGES=(core audio zhtext capture transcribe nlp store crm api pipeline kesheng audio_inputs)
if [ "${1:-}" = "--fast" ]; then
  shift
  .venv/bin/ruff check "${PACKAGES[@]}" tests tools bench
  exec .venv/bin/python -m pytest -q -m "not (whisper or process or pulse or postgres or browser or slow)" "$@"
fi

# System packages the tests use for real: PostgreSQL, PulseAudio + PortAudio for audio devices,
# Redis and RabbitMQ for the Dramatiq queue, Chromium (and CJK fonts) for the browser tests.
missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v pulseaudio >/dev/null || missing+=(pulseaudio)
command -v pactl >/dev/null || missing+=(pulseaudio-utils)
ldconfig -p 2>/dev/null | grep libportaudio.so.2 >/dev/null || missing+=(libportaudio2)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A real PostgreSQL for the tests that run on both databases.
if [ -z "${KESHENG_TEST_POSTGRES_URL:-}" ]; then
  scripts/postgres.sh start
  export KESHENG_TEST_POSTGRES_URL="postgresql+psycopg://kesheng:kesheng@127.0.0.1:${KESHENG_PG_PORT:-55432}/kesheng_test"
fi

.venv/bin/ruff check "${PACKAGES[@]}" tests tools bench
.venv/bin/ruff format --check --quiet "${PACKAGES[@]}" tests tools bench
.venv/bin/mypy "${PACKAGES[@]}"
.venv/bin/python -m pytest --durations=25 "$@"  # the slowest tests, to keep the suite under 40 minutes
