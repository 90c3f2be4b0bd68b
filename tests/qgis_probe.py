"""Run by a Python with QGIS (Debian: /usr/bin/python3 with python3-qgis), headless: opens a
GeoPackage and a QGIS project written by gisplan and prints what QGIS sees as JSON — each layer's
validity, feature count and renderer (class edges and colours, categories) — and renders one
layer to a PNG. Usage: python3 qgis_probe.py GPKG PROJECT RENDER_LAYER OUT_PNG"""

import json
import os
import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def describe(layer):
    r = layer.renderer()
    out = {"valid": layer.isValid(), "count": layer.featureCount(),
           "renderer": r.type() if r else None, "crs": layer.crs().authid()}
    if r and r.type() == "graduatedSymbol":
        out["attr"] = r.classAttribute()
        out["ranges"] = [[x.lowerValue(), x.upperValue(), x.symbol().color().name(), x.label()]
                         for x in r.ranges()]
    if r and r.type() == "categorizedSymbol":
        out["attr"] = r.classAttribute()
        out["categories"] = [[str(c.value()), c.symbol().color().name(), c.label()] for c in r.categories()]
    fields = layer.fields()
    out["aliases"] = {f.name(): f.alias() for f in fields if f.alias()}
    return out


def main(gpkg, project_path, render_layer, png):
    app = QgsApplication([], False)
    app.initQgis()
    result = {"gpkg": {}, "project": {}}
    from osgeo import ogr

    ds = ogr.Open(gpkg)
    names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
    for name in names:
        if name == "layer_styles":
            continue
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        result["gpkg"][name] = describe(layer)
    project = QgsProject.instance()
    result["project"]["read"] = project.read(project_path)
    result["project"]["crs"] = project.crs().authid()
    result["project"]["groups"] = {g.name(): [ly.layer().name() for ly in g.findLayers()]
                                   for g in project.layerTreeRoot().children()}
    result["project"]["layers"] = {ly.name(): describe(ly) for ly in project.mapLayers().values()}
    target = QgsVectorLayer(f"{gpkg}|layername={render_layer}", render_layer, "ogr")
    settings = QgsMapSettings()
    settings.setLayers([target])
    settings.setDestinationCrs(target.crs())
    settings.setExtent(target.extent())
    settings.setOutputSize(QSize(800, 800))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "PNG")
    ext = settings.visibleExtent()
    result["render"] = {"png": png, "extent": [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()],
                        "size": [800, 800]}
    print(json.dumps(result), flush=True)
    os._exit(0)  # QGIS 3.22 may crash while tearing down a loaded project; the answer is out


if __name__ == "__main__":
    main(*sys.argv[1:5])
