#!/usr/bin/env bash
# Makes sure `python3 -m venv` works: on Debian it needs the python3-venv package (ensurepip),
# which a fresh machine may lack. Installs it through apt when root or sudo is available.
set -euo pipefail
PYTHON="${1:-python3}"
if "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    exit 0
fi
PKG="python3-venv"
VER="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "$PYTHON cannot create virtual environments (ensurepip missing) and this user cannot" >&2
        echo "install Debian's $PKG (not root, no sudo). Install $PKG (or python$VER-venv) and rerun." >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$PKG" >/dev/null || \
    $SUDO apt-get install -y -qq --no-install-recommends "python$VER-venv" >/dev/null
echo "installed $PKG for $("$PYTHON" --version)"
