#!/usr/bin/env bash
# Runs the Neovim client's end-to-end tests (each tests/test_*.lua in a headless Neovim 0.11 against the real
# `tandem serve` and the fake model) through their pytest wrapper. Extra arguments go to pytest (e.g. -k chat).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
exec .venv/bin/python -m pytest tests/nvim -q "$@"
