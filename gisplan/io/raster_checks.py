"""Whether a raster is what its layer type claims, checked on sampled values before a number
comes out of it: the one check that ``open_raster`` (and so the layer store and ``gisplan
validate``) and the raster indicators (``forest_cover``, forest change, terrain) run.

* every raster: a north-up grid (a rotated or south-up one is a :class:`CRSError` naming the
  file);
* canopy cover (``tree_cover``): one band, values within the type's range (0–100 %), not
  elevations (a DEM), not reflectance or a 0–1 fraction, not land-cover classes;
* elevation (``dem``): one band, in metres, values within the type's plausible range;
* classes (``land_cover``): one band, codes of the type's classes or of the entry's ``reclass``.

A raster that fails is a :class:`SchemaError` naming the file, its band count and the values
seen. Only sampled windows are read (:func:`sample_band`), never a large raster whole.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from rasterio.enums import ColorInterp
from rasterio.windows import Window

from gisplan.errors import CRSError, OptionError, SchemaError

#: rasters with at most this many cells are read whole; larger ones through sampled windows
WHOLE_CELLS = 1 << 20
#: windows sampled along each axis of a larger raster
SAMPLE_GRID = 5
#: rows a sampled window of a strip-organised file spans at least
MIN_SAMPLE_ROWS = 16
#: integer rasters read as canopy whose codes are all at most this (and few) look like classes
CLASS_LIKE_MAX = 20
#: a class raster read with its forest codes named holds at most this many distinct codes
MAX_CODES = 64
#: units a DEM's band may declare (GDAL's unit type); anything else is not metres
METRES = {"", "m", "metre", "metres", "meter", "meters"}


def check_grid(ds, path) -> None:
    """A rotated or south-up raster is a :class:`CRSError` naming the file (the zonal engine,
    terrain and the maps need a north-up grid)."""
    t = ds.transform
    if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
        what = "rotated" if (t.b != 0 or t.d != 0) else "not north-up (south-up or mirrored)"
        raise CRSError(f"raster {path}: its grid is {what} (geotransform {tuple(round(v, 6) for v in t[:6])}); "
                       f"gisplan needs a north-up grid: warp it first, e.g. gdalwarp {_name(path)} north_up.tif")


def sample_band(ds, band: int = 1, *, window: Window | None = None) -> np.ndarray:
    """Values of ``band`` inside ``window`` (default the whole raster), flattened: all of them
    when it holds at most :data:`WHOLE_CELLS` cells; else a :data:`SAMPLE_GRID` ×
    :data:`SAMPLE_GRID` grid of block-aligned windows (first, last and evenly between), each at
    least :data:`MIN_SAMPLE_ROWS` rows high. A truncated file fails here."""
    win = window if window is not None else Window(0, 0, ds.width, ds.height)
    r0, c0, height, width = int(win.row_off), int(win.col_off), int(win.height), int(win.width)
    if height <= 0 or width <= 0:
        return np.empty(0, dtype=ds.dtypes[band - 1])
    if height * width <= WHOLE_CELLS:
        return ds.read(band, window=Window(c0, r0, width, height)).ravel()
    bh, bw = ds.block_shapes[band - 1]
    h = min(height, max(bh, -(-MIN_SAMPLE_ROWS // bh) * bh))
    w = min(width, bw)

    def starts(origin, size, step, length):
        span = size - length
        return sorted({max(origin, ((origin + round(span * i / (SAMPLE_GRID - 1))) // step) * step)
                       for i in range(SAMPLE_GRID)})

    out = [ds.read(band, window=Window(c, r, min(w, c0 + width - c), min(h, r0 + height - r))).ravel()
           for r in starts(r0, height, bh, h) for c in starts(c0, width, bw, w)]
    return np.concatenate(out)


def valid_values(samples: np.ndarray, nodata) -> np.ndarray:
    """``samples`` without the nodata value and, for floats, without NaN and ±inf."""
    vals = samples
    if np.issubdtype(vals.dtype, np.floating):
        vals = vals[np.isfinite(vals)]
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        vals = vals[vals != nodata]
    return vals


def check_raster(ds, path, ltype, *, band: int | None = None, reclass: Mapping[int, int] | None = None,
                 entry=None, codes_named: bool = False, window: Window | None = None) -> np.ndarray:
    """Check that the open raster ``ds`` (file ``path``) is a ``ltype`` raster; returns the
    sampled values of the band used (all of them, nodata included).

    ``band`` is the band an indicator reads when the caller chose one (then other bands are
    allowed); without it the raster must have one band. ``reclass`` (class rasters) maps the
    file's codes to the type's classes; ``entry`` is the catalog entry, named in the errors.
    ``codes_named`` (class rasters): the caller names the file's forest codes itself
    (``forest_classes``), so any legend is accepted as long as the values are class codes
    (integers, at most :data:`MAX_CODES` of them), not a continuous raster. ``window``: sample
    only there (the part an indicator reads; default the whole raster).

    Raises
    ------
    OptionError
        ``band`` does not exist.
    CRSError
        The grid is rotated or not north-up.
    SchemaError
        The raster is not what ``ltype`` claims: the message names the file, the band count and
        the values seen, and what the raster looks like instead when that can be told.
    """
    check_grid(ds, path)
    if band is not None and not 1 <= band <= ds.count:
        raise OptionError(f"band={band} does not exist in {path}, which has {ds.count} band(s)")
    samples = sample_band(ds, band or 1, window=window)
    if ltype is None:
        return samples
    vals = valid_values(samples, ds.nodata)
    where = f"catalog entry {entry.name!r}: " if entry is not None else ""
    seen = _described(ds, band or 1, vals)
    which = "1 band" if ds.count == 1 else f"band {band or 1} of {ds.count}"
    if band is None and ds.count > 1:
        raise SchemaError(f"{where}raster {path} has {ds.count} bands{_band_names(ds)}; a {ltype.id} raster "
                          f"({ltype.title_en.lower()}) has one. Band 1 holds {seen}. {_multiband_hint(ltype, path)}")
    kind = ltype.raster.get("values")
    where_seen = (where, which, seen)
    if kind == "classes" and codes_named:
        _check_codes(path, vals, where_seen)
    elif kind == "classes":
        _check_class_codes(path, vals, ltype, reclass, entry)
    elif ltype.raster.get("unit") == "%":
        _check_canopy(ds, path, vals, ltype, where_seen, band or 1)
    elif ltype.raster.get("unit") == "m":
        _check_elevation(ds, path, vals, ltype, where_seen, band or 1)
    elif kind == "continuous":
        _check_range(path, vals, ltype, where_seen, "")
    return samples


# --- what the values say ------------------------------------------------------------------------
def _described(ds, band: int, vals: np.ndarray) -> str:
    """"int16 values 2–1,236 (sampled)", "no valid value in the sampled windows" …"""
    dtype = ds.dtypes[band - 1]
    if not vals.size:
        return f"{dtype} values, none valid in the sampled windows"
    lo, hi = _num(vals.min()), _num(vals.max())
    return f"{dtype} values {lo if lo == hi else f'{lo}–{hi}'} (sampled)"


def _num(v) -> str:
    v = float(v)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.4g}"


def _name(path) -> str:
    return getattr(path, "name", str(path))


def _band_names(ds) -> str:
    names = [d for d in ds.descriptions if d]
    return f" ({', '.join(names)})" if names else ""


def _multiband_hint(ltype, path) -> str:
    if ltype.raster.get("unit") == "%":
        return ("A multi-band image (reflectance, RGB) is not canopy cover: compute canopy cover from it "
                f"first; if one band is canopy cover, extract it: gdal_translate -b N {_name(path)} canopy.tif")
    return f"Extract the band that holds it: gdal_translate -b N {_name(path)} one_band.tif"


def _integer_valued(vals: np.ndarray) -> bool:
    return np.issubdtype(vals.dtype, np.integer) or bool(np.all(np.mod(vals, 1) == 0))


def _looks_like_dem(ds, vals: np.ndarray, band: int) -> bool:
    unit = (ds.units[band - 1] or "").strip().lower() if ds.units else ""
    signed = np.issubdtype(np.dtype(ds.dtypes[band - 1]), np.signedinteger)
    return ds.driver == "SRTMHGT" or unit in METRES - {""} or (
        signed and vals.size > 0 and vals.max() > 100 and _integer_valued(vals))


def _check_range(path, vals, ltype, where_seen, hint) -> None:
    where, which, seen = where_seen
    lo, hi = ltype.raster.get("min"), ltype.raster.get("max")
    if vals.size and ((lo is not None and vals.min() < lo) or (hi is not None and vals.max() > hi)):
        unit = ltype.raster.get("unit", "")
        raise SchemaError(f"{where}raster {path} ({which}): {seen} fall outside the {ltype.id} range "
                          f"{_num(lo)}–{_num(hi)}{f' {unit}' if unit else ''}{hint}")


def _check_canopy(ds, path, vals, ltype, where_seen, band) -> None:
    """Canopy cover in %: not a DEM, not reflectance or a 0–1 fraction, not classes."""
    where, which, seen = where_seen
    if _looks_like_dem(ds, vals, band):
        raise SchemaError(f"{where}raster {path} ({which}, {ds.driver}): {seen} look like elevations in metres "
                          f"(a DEM), not canopy cover in % (0–100); give a canopy-cover raster, or use this file "
                          f"as the catalog's dem layer")
    lo, hi = ltype.raster.get("min", 0), ltype.raster.get("max", 100)
    if vals.size and (vals.min() < lo or vals.max() > hi):
        hint = ("; values up to 10,000 are what scaled surface reflectance holds: compute canopy cover from "
                "the image first" if vals.max() <= 10_000 and not _integer_valued(vals) or ds.count > 1
                else "; check that this is a canopy-cover raster and its scaling (0–100 %)")
        _check_range(path, vals, ltype, where_seen, hint + _scale_hint(ds, path, band))
    if vals.size and not _integer_valued(vals) and vals.max() <= 1:
        raise SchemaError(f"{where}raster {path} ({which}): {seen} look like a 0–1 fraction or reflectance, not "
                          f"canopy cover in % (0–100): a 10 % threshold would find no forest. Multiply a "
                          f"fraction by 100 first, e.g. gdal_calc.py -A {_name(path)} --calc=\"A*100\" "
                          f"--outfile canopy_pct.tif")
    palette = ds.colorinterp and ds.colorinterp[band - 1] == ColorInterp.palette
    codes = np.unique(vals) if vals.size and _integer_valued(vals) else np.empty(0)
    if palette or (2 <= codes.size <= CLASS_LIKE_MAX and codes.max() <= CLASS_LIKE_MAX):
        shown = ", ".join(_num(c) for c in codes[:CLASS_LIKE_MAX])
        why = "has a colour table" if palette else f"holds only the codes {shown}"
        raise SchemaError(f"{where}raster {path} ({which}): it {why}: it looks like a land-cover class raster "
                          f"read as canopy cover (%), which would count only codes ≥ the threshold as forest. "
                          f"Name its forest classes instead (gisplan forest-cover --forest-classes 1,2,…; "
                          f"forest_classes=[…]) or put it in the catalog as a land_cover layer with a reclass")


def _scale_hint(ds, path, band: int) -> str:
    """What to do with a band that declares a scale or offset (GDAL metadata), which gisplan does
    not apply: the values are read as stored."""
    scale = ds.scales[band - 1] if ds.scales else 1.0
    offset = ds.offsets[band - 1] if ds.offsets else 0.0
    if scale in (None, 1) and offset in (None, 0):
        return ""
    return (f"; the band declares scale {scale:g} and offset {offset:g}, which gisplan does not apply: write "
            f"the values unscaled first, e.g. gdal_translate -unscale -ot Float32 {_name(path)} unscaled.tif")


def _check_elevation(ds, path, vals, ltype, where_seen, band) -> None:
    """Elevations in metres within the type's plausible range."""
    where, which, _ = where_seen
    unit = (ds.units[band - 1] or "").strip().lower() if ds.units else ""
    if unit not in METRES:
        raise SchemaError(f"{where}raster {path} ({which}): its band declares the unit {unit!r}, not metres; "
                          f"{ltype.id} elevations must be in metres: convert it first (feet × 0.3048)")
    hint = ("; a DEM in feet, decimetres or centimetres? convert it to metres first" if vals.size and vals.max() > 0
            else "")
    _check_range(path, vals, ltype, where_seen, hint + _scale_hint(ds, path, band))


def _check_codes(path, vals, where_seen) -> None:
    """Values read as class codes are integers, and few: a continuous raster (canopy cover, a
    DEM) read with forest classes would count only the values listed as forest."""
    where, which, seen = where_seen
    codes = np.unique(vals)
    if vals.size and (not _integer_valued(vals) or codes.size > MAX_CODES):
        what = "are not integers" if not _integer_valued(vals) else f"take {codes.size:,} distinct values"
        raise SchemaError(f"{where}raster {path} ({which}): {seen} {what}: it looks like a continuous raster "
                          f"(canopy cover in %, elevations), not class codes; read canopy cover with a threshold "
                          f"(no --forest-classes / forest_classes)")


def _check_class_codes(path, vals, ltype, reclass, entry) -> None:
    """A class raster whose sampled codes are not the type's classes (or not in the entry's
    ``reclass``) is an error: a land-cover map coded otherwise (IGBP, a national legend) would
    be read as the wrong classes."""
    if reclass is not None:
        known = set(reclass)
    else:  # the type's classes and its usual nodata code
        known = {int(c) for c in ltype.raster.get("classes", {})} | {int(ltype.raster.get("nodata", 0))}
    found = np.unique(vals)
    bad = [int(v) if float(v).is_integer() else float(v) for v in found if v not in known]
    if not bad:
        return
    classes = ", ".join(f"{c} {name}" for c, name in ltype.raster.get("classes", {}).items())
    where = f"catalog entry {entry.name!r}: " if entry else ""
    if reclass is not None:
        raise SchemaError(f"{where}raster {path}: codes {', '.join(map(str, bad))} are not in the entry's "
                          f"reclass; map each to a {ltype.id} class ({classes}) or to 0 for no data")
    how = ("map its codes in the catalog entry" if entry else
           "read it through a catalog entry (gisplan indicators --catalog) that maps its codes")
    raise SchemaError(
        f"{where}raster {path}: codes {', '.join(map(str, bad))} are not {ltype.id} classes ({classes}); "
        f"the file uses another legend: {how}, e.g. reclass = {{ \"1-5\" = 1, 12 = 4, 13 = 5 }} "
        f"(0 for no data), or reclassify the file to these codes")
