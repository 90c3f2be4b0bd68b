#!/usr/bin/env bash
# Installs Debian's chromium (used headless by the browser tests) when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
. "$(dirname "$0")/apt_install.sh"
if ! apt_install "the browser tests" chromium fonts-dejavu-core; then
    echo "Install it, or the browser tests will be skipped (CI fails instead)." >&2
    exit 0
fi
echo "installed $(chromium --version)"
