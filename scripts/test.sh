#!/usr/bin/env bash
# The whole test suite: install the package with its test extras, lint, type-check, run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -c constraints.txt -e ".[test]"
python3 -m ruff check planner tests bench app.py
python3 -m mypy
python3 -m pytest -q -n 2 "$@"
