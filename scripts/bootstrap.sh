# Sourced by the other scripts: make sure uv exists and the project's venv matches uv.lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "tandem: installing uv (once) ..." >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi
cd "$ROOT"
# Bytecode for every module, written once per lock file: without it the first start compiles ~1,000 modules (about
# 1 s here), and every start does where PYTHONDONTWRITEBYTECODE is set (Python then reads .pyc files but never
# writes them). `uv sync --compile-bytecode` rechecks them all at each call (0.15 s), hence the stamp.
STAMP=".venv/.tandem-bytecode"
if [ -f "$STAMP" ] && [ ! uv.lock -nt "$STAMP" ] && [ ! pyproject.toml -nt "$STAMP" ]; then
  uv sync --frozen --quiet ${SYNC_ARGS:-}
else
  uv sync --frozen --quiet --compile-bytecode ${SYNC_ARGS:-}
  .venv/bin/python -m compileall -q -j 0 server/tandem protocol/tandem_protocol >/dev/null || true
  touch "$STAMP"
fi
