#!/usr/bin/env bash
# Installs the Debian programs the tests drive as real clients, when they are missing:
#   chromium       headless, for the browser tests of the published site (Playwright drives it)
#   python3-qgis   QGIS's Python API, run by /usr/bin/python3, to open the exported GeoPackage
#                  and QGIS project headless
#   poppler-utils  pdftotext/pdftoppm, to read print maps back
#   python3-gdal   GDAL's Python utilities, run by /usr/bin/python3: validate_gpkg.py checks the
#                  exported GeoPackage against the specification
# Without root or sudo it says what is missing; those tests are then skipped (CI fails instead).
set -euo pipefail
. "$(dirname "$0")/apt_install.sh"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if ! QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then
    missing+=(python3-qgis)
fi
/usr/bin/python3 -c "import osgeo_utils.samples.validate_gpkg" >/dev/null 2>&1 || missing+=(python3-gdal)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! apt_install "the tests that drive real clients (browser, QGIS, PDF text, GDAL's GeoPackage validator)" "${missing[@]}"; then
    echo "Install them, or the tests that need them will be skipped (CI fails instead)." >&2
    exit 0
fi
echo "installed: ${missing[*]}"
