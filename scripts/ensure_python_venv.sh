#!/usr/bin/env bash
# Makes sure `python3 -m venv` works: on Debian it needs the python3-venv package (ensurepip),
# which a fresh machine may lack. Installs it through apt when root or sudo is available.
set -euo pipefail
PYTHON="${1:-python3}"
if "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    exit 0
fi
VER="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
. "$(dirname "$0")/apt_install.sh"
apt_install "creating the virtual environment" python3-venv || apt_install "creating the virtual environment" "python$VER-venv"
echo "installed python3-venv for $("$PYTHON" --version)"
