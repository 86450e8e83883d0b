# Sourced by the other scripts: make sure uv exists and the project's venv matches uv.lock.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
  echo "tandem: installing uv (once) ..." >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi
cd "$ROOT"
uv sync --frozen --quiet ${SYNC_ARGS:-}
