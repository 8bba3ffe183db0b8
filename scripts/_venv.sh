# Sourced by scripts/run and scripts/test: make .venv if missing and install the project.
# $1: the extra to install ("" or "dev").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..."
  python3 -m venv .venv
fi
stamp=".venv/.installed-${1:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing the project into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "${1:-}" ]; then
    .venv/bin/python -m pip install --quiet -e ".[$1]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$stamp"
fi
# The message catalogues (web/locale/*/grants.po) compiled to .mo where missing or stale.
.venv/bin/python -m web.words compile
export PATH="$root/.venv/bin:$PATH"
