#!/usr/bin/env bash
# Create .venv at the repository root and install kesheng into it (idempotent).
#   scripts/setup.sh            the service
#   scripts/setup.sh test       plus test tools and the transformers backend (torch, CPU build)
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "test" ] && extras="[dev,transformers]"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.kesheng-installed${extras}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch pinned to the CPU build first, so nothing pulls a CUDA build for the transformers extra
  [ -n "$extras" ] && .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".${extras}"
  echo "$want" > "$stamp"
fi
