"""A QGIS project (``.qgz``) opening every layer of the indicator GeoPackage, grouped by theme, in
the province's CRS, each with its default style from the GeoPackage.

The project is built with QGIS's own Python API, so QGIS itself decides what a valid project is.
QGIS is optional: it is found as the ``qgis`` module of the Python that runs gisplan, else of the
system Python (``/usr/bin/python3`` on Debian, package ``python3-qgis``), and run headless
(``QT_QPA_PLATFORM=offscreen``). Without QGIS, :func:`qgis_python` returns None and
:func:`write_qgis_project` raises :class:`~gisplan.errors.MissingDependencyError`; the GeoPackage
alone opens styled in QGIS (Layer ▸ Add Layer, or drag it onto the map).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gisplan._atomic import OutputFolder
from gisplan.errors import GisplanError, MissingDependencyError

#: Python interpreters tried for QGIS, in order (``$GISPLAN_QGIS_PYTHON`` first when set)
CANDIDATES = (sys.executable, "/usr/bin/python3")

_SCRIPT = r"""
import json, sys
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRectangle,
                       QgsReferencedRectangle, QgsVectorLayer)
spec = json.loads(sys.stdin.read())
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
project.setTitle(spec["title"])
project.setCrs(QgsCoordinateReferenceSystem(spec["crs"]))
root = project.layerTreeRoot()
bad = []
for group, layers in spec["groups"]:
    node = root.addGroup(group)
    for name, title in layers:
        layer = QgsVectorLayer(spec["gpkg"] + "|layername=" + name, title, "ogr")
        if not layer.isValid():
            bad.append(name)
            continue
        project.addMapLayer(layer, False)
        tree = node.addLayer(layer)
        tree.setExpanded(name in spec["visible"])
        tree.setItemVisibilityChecked(name in spec["visible"])
    node.setExpanded(any(n in spec["visible"] for n, _ in layers))
extent = QgsRectangle()
for layer in project.mapLayers().values():
    if layer.isSpatial() and layer.featureCount():
        extent.combineExtentWith(layer.extent())
if not extent.isEmpty():
    extent.scale(1.05)
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, project.crs()))
ok = project.write(spec["out"])
print(json.dumps({"ok": bool(ok), "invalid": bad, "layers": len(project.mapLayers())}))
app.exitQgis()
"""


def qgis_python() -> str | None:
    """A Python interpreter that can ``import qgis.core``, or None."""
    env = os.environ.get("GISPLAN_QGIS_PYTHON")
    for exe in ((env,) if env else ()) + CANDIDATES:
        if exe and (Path(exe).exists() or shutil.which(exe)) and _imports_qgis(exe):
            return exe
    return None


@functools.cache
def _imports_qgis(exe: str) -> bool:
    """Whether ``exe`` can ``import qgis.core`` (asked once a process: half a second each)."""
    try:
        probe = subprocess.run([exe, "-c", "import qgis.core"], capture_output=True, timeout=120,
                               env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def write_qgis_project(gpkg: str | os.PathLike, out: str | os.PathLike,
                       groups: Mapping[str, Sequence[tuple[str, str]]], *, title: str,
                       crs: str = "EPSG:9213", visible: Sequence[str] = ("forest_cover_communes",),
                       overwrite: bool = False) -> Path:
    """Write a QGIS project ``out`` (``.qgz``) with the layers of ``gpkg`` in ``groups``
    ({group title: [(layer name, layer title)]}), each styled by its default style. The project
    opens on the extent of all layers with only the ``visible`` layers ticked (the others are one
    click away), so overlapping choropleths do not hide each other.

    Raises
    ------
    MissingDependencyError when no Python with QGIS is found; GisplanError when QGIS cannot
    open a layer or write the project.
    """
    exe = qgis_python()
    if exe is None:
        raise MissingDependencyError(
            "the QGIS project needs QGIS's Python API (Debian/Ubuntu: apt install python3-qgis; "
            "or set GISPLAN_QGIS_PYTHON to a Python that can import qgis.core); the GeoPackage "
            "opens styled in QGIS without it")
    gpkg, out = Path(gpkg).resolve(), Path(out)
    with OutputFolder(out.parent, inputs=[gpkg], overwrite=overwrite) as folder, folder.write(out.name) as tmp:
        # QGIS stores paths relative to the project file: write it beside the GeoPackage's
        # final place so the relative path holds after the move
        spec = {"gpkg": str(gpkg), "out": str(Path(tmp).resolve()), "title": title, "crs": crs,
                "groups": [[g, [list(x) for x in layers]] for g, layers in groups.items()],
                "visible": list(visible)}
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        proc = subprocess.run([exe, "-c", _SCRIPT], input=json.dumps(spec), capture_output=True,
                              text=True, env=env, timeout=600)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise GisplanError(f"QGIS could not write the project {out}: "
                               f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
        status = json.loads(lines[-1])
        if not status["ok"] or status["invalid"]:
            raise GisplanError(f"QGIS could not open layer(s) {', '.join(status['invalid'])} of {gpkg} "
                               f"for the project {out}")
    return Path(out)
