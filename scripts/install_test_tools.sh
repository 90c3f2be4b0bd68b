#!/usr/bin/env bash
# Installs the Debian tools the tests drive when they are missing: chromium (headless, for the
# browser tests) and poppler-utils (pdftotext/pdftoppm, to read the text of print maps back).
set -euo pipefail
. "$(dirname "$0")/apt_install.sh"
if ! command -v pdftotext >/dev/null 2>&1; then
    apt_install "reading print maps back in the tests" poppler-utils \
        || echo "Without pdftotext the print-map text checks are skipped." >&2
fi
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if ! apt_install "the browser tests" chromium fonts-dejavu-core; then
    echo "Install it, or the browser tests will be skipped (CI fails instead)." >&2
    exit 0
fi
echo "installed $(chromium --version)"
