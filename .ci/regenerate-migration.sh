#!/usr/bin/env bash
# Development only, before the first release: rewrite the single initial migration from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/versions/*_0001_initial_schema.py
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from yuqing.service.migrate import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}/gen.db"), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
sed -i 's/^Revises: $/Revises: (none)/' migrations/versions/*_0001_initial_schema.py
.venv/bin/ruff check --fix -q migrations/versions
.venv/bin/ruff format -q migrations/versions
rm -rf "$tmp"
