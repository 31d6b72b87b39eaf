#!/usr/bin/env bash
# Set up everything Guanjia needs on a Debian machine; idempotent and fast when done.
#   1. Debian packages (installed when run as root, else the exact command is printed)
#   2. a Python 3.10 interpreter (Rasa 3.6 needs 3.8–3.10), found on PATH, in pyenv or via uv
#   3. the virtualenv .venv with the locked dependencies (requirements.lock)
# Usage: scripts/setup.sh [--dev]   (--dev adds test tools; it is the default for `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.guanjia-installed"
APT_PACKAGES=(espeak-ng libportaudio2 fonts-noto-cjk chromium sox)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# --- 1. Debian packages -------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing Debian packages: ${missing[*]}
  install them with:  sudo apt-get install -y ${missing[*]}
  then run this again."
  fi
fi

# --- 2. Python 3.10 -------------------------------------------------------------
is_py310() { [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
find_python() {
  local c
  for c in "${GUANJIA_PYTHON:-}" "$(command -v python3.10 2>/dev/null || true)"; do
    [ -n "$c" ] && is_py310 "$c" && { echo "$c"; return; }
  done
  for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    is_py310 "$c" && { echo "$c"; return; }
  done
  if command -v uv >/dev/null; then
    c=$(uv python find 3.10 2>/dev/null || true)
    [ -n "$c" ] && is_py310 "$c" && { echo "$c"; return; }
  fi
  if is_py310 "$(command -v python3 2>/dev/null || true)"; then command -v python3; return; fi
  return 1
}

if ! is_py310 "$VENV/bin/python"; then
  PY=$(find_python) || die "no Python 3.10 found (Rasa 3.6 needs Python 3.8-3.10; Guanjia uses 3.10).
  Install one of:
    - pyenv:  pyenv install 3.10.13
    - uv:     uv python install 3.10
    - Debian 11 / Ubuntu 22.04:  apt-get install python3.10 python3.10-venv
  or point GUANJIA_PYTHON at a python3.10 binary, then run this again."
  say "creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

# --- 3. dependencies ------------------------------------------------------------
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set (as on
# our CI machines) Python would otherwise recompile TensorFlow on every start, and
# the hub's start-up takes 10 s longer.
want=$( (cat requirements.lock pyproject.toml; echo bytecode) | sha256sum | cut -c1-16)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "installing locked dependencies (first time: ~1 GB download, a few minutes)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==0.13.9"
  "$VENV/bin/uv" pip sync -q --compile-bytecode --python "$VENV/bin/python" requirements.lock
  "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --no-deps -C editable_mode=compat -e .
  echo "$want" > "$STAMP"
fi
say "environment ready ($("$VENV/bin/python" --version), $VENV)"
