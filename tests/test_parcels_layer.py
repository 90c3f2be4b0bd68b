"""The compact, per-cell encoding of the forest-status parcels for the web map.

Parcels are built by hand in EPSG:9213 (metres); the expected coordinates come from pyproj
directly and the cells from each parcel's bounding box, not from the encoder.
"""

import json

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from gisplan.maps import parcels_layer as pl

X0, Y0 = 430_000.0, 2_390_000.0  # EPSG:9213, inside the province


def _grid(nx: int, ny: int, size: float = 200.0, step: float | None = None, bend: float = 0.0) -> gpd.GeoDataFrame:
    """``nx × ny`` square parcels of ``size`` m; with ``step`` their edges get a vertex every
    ``step`` m, and with ``bend`` every vertex moves by a smooth function of its position (so
    an edge two squares share stays shared: the same points move the same way)."""
    geoms = []
    for i in range(nx):
        for j in range(ny):
            sq = shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + j * size + size)
            geoms.append(shapely.segmentize(sq, step) if step else sq)
    g = np.array(geoms, dtype=object)
    if bend:
        def f(xy):
            x, y = xy[:, 0] - X0, xy[:, 1] - Y0
            return np.c_[x + X0 + bend * np.sin(y / 97.0), y + Y0 + bend * np.cos(x / 83.0)]
        g = shapely.transform(g, f)
    n = len(g)
    return gpd.GeoDataFrame({"parcel_id": [f"P{i:03d}" for i in range(n)],
                             "origin": (["natural", "plantation"] * n)[:n],
                             "purpose": (["protection", "production", None] * n)[:n],
                             "forest_type": [None] * n,
                             "meets_criteria": ([True, False, None] * n)[:n]}, geometry=g, crs=9213)


def _decode(enc: pl.EncodedParcels) -> dict[str, list]:
    """Parcel id → list of rings, each an array of (lon, lat), from the cell payloads."""
    out = {}
    for key, payload in enc.cells.items():
        c = json.loads(payload)
        ix, iy = map(int, key.split("_"))
        coords = np.array(c["c"]).reshape(-1, 2)
        r = v = 0
        for pid, nrings in zip(c["id"], c["r"], strict=True):
            rings = []
            for _ in range(nrings):
                n = c["v"][r]
                q = np.cumsum(coords[v:v + n], axis=0) + np.array([ix, iy]) * pl.CELL_Q
                rings.append(q / pl.SCALE)
                r, v = r + 1, v + n
            out[pid] = rings
    return out


def test_round_trip_within_the_quantisation_and_cells_partition_the_parcels():
    # 30 × 30 parcels of 300 m: 9 km, several 0.05° cells; one parcel with a hole, one in two parts
    gdf = _grid(30, 30, size=300.0)
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 300, Y0 + 300).difference(shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200))
    gdf.loc[1, "geometry"] = shapely.MultiPolygon([shapely.box(X0, Y0 + 300, X0 + 300, Y0 + 450),
                                                   shapely.box(X0, Y0 + 500, X0 + 300, Y0 + 600)])
    enc = pl.encode_parcels(gdf, tolerance=0)
    decoded = _decode(enc)
    assert sorted(decoded) == sorted(gdf["parcel_id"])  # every parcel once
    assert sum(c[0] for c in enc.meta["cells"].values()) == len(gdf)
    assert len(enc.cells) > 1
    to_wgs = Transformer.from_crs(9213, 4326, always_xy=True)
    for pid, geom in zip(gdf["parcel_id"], gdf.geometry, strict=True):
        want = [np.c_[to_wgs.transform(*np.asarray(r.coords).T)][:-1]  # closing vertex dropped
                for p in getattr(geom, "geoms", [geom]) for r in [p.exterior, *p.interiors]]
        got = decoded[pid]
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert a.shape == b.shape
            assert np.abs(a - b).max() <= 0.5 / pl.SCALE + 1e-12  # half a quantisation step
    # each parcel sits in the cell holding the centre of its bounding box (lon/lat), within the
    # extent the page is given for that cell
    bounds = gdf.to_crs(4326).bounds.to_numpy()
    centre = (bounds[:, :2] + bounds[:, 2:]) / 2
    for key, payload in enc.cells.items():
        ix, iy = map(int, key.split("_"))
        for pid in json.loads(payload)["id"]:
            cx, cy = centre[int(pid[1:])]
            assert ix * pl.CELL <= cx < (ix + 1) * pl.CELL and iy * pl.CELL <= cy < (iy + 1) * pl.CELL
            w, s, e, n = enc.meta["cells"][key][1:]
            x0, y0, x1, y1 = bounds[int(pid[1:])]
            assert w <= x0 and s <= y0 and x1 <= e and y1 <= n


def test_attributes_unknown_stays_unknown():
    gdf = _grid(3, 1)
    enc = pl.encode_parcels(gdf, lang="vi")
    (payload,) = enc.cells.values()
    c = json.loads(payload)
    assert c["id"] == ["P000", "P001", "P002"]
    assert c["m"] == [1, 0, -1]  # meets_criteria None: unknown (-1), never "no"
    assert c["o"] == [0, 1, 0]  # index in the layer type's allowed values (natural, plantation)
    assert c["p"][2] == -1 and c["f"] == [-1, -1, -1]
    assert c["h"] == ["4,00"] * 3  # 200 m × 200 m = 4 ha, Vietnamese decimal comma
    assert enc.meta["labels"]["origin"][0] == "Rừng tự nhiên"


def test_simplification_keeps_shared_edges_shared():
    gdf = _grid(6, 6, size=200.0, step=5.0, bend=6.0)  # wiggly edges, a vertex every ≤ 5 m
    assert shapely.coverage_is_valid(gdf.geometry.to_numpy())
    simple = pl.simplify_parcels(gdf.geometry.to_numpy(), 4.0)
    assert shapely.coverage_is_valid(simple)  # no gap, no overlap
    assert shapely.get_num_coordinates(simple).sum() < 0.5 * shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum()
    assert abs(shapely.area(simple).sum() - 36 * 200.0 ** 2) < 0.002 * 36 * 200.0 ** 2
    # after quantising, neighbours still share their vertices: the decoded parcels are a coverage
    decoded = _decode(pl.encode_parcels(gdf, tolerance=4.0))
    polys = np.array([shapely.Polygon(r[0]) for r in decoded.values()], dtype=object)
    assert shapely.coverage_is_valid(polys)
    union = shapely.union_all(polys)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


def test_files_are_written_per_cell_and_the_page_holds_none_of_them(tmp_path):
    from gisplan.maps.interactive import make_map  # the parcels drawn; no indicator

    gdf = _grid(30, 30, size=300.0)
    enc = pl.encode_parcels(gdf, folder="assets/data/forest_status")
    files = enc.files()
    assert set(files) == {f"assets/data/forest_status/{k}.js" for k in enc.meta["cells"]}
    for rel, text in files.items():
        key = rel.rsplit("/", 1)[1][:-3]
        assert text.startswith(f'gisplanParcelCell("{key}",')
        assert len(json.loads(text[len(f'gisplanParcelCell("{key}",'):-3])["id"]) == enc.meta["cells"][key][0]
    communes = gpd.GeoDataFrame({"code": ["A"], "name": ["Xã A"]}, geometry=[shapely.box(X0, Y0, X0 + 9000, Y0 + 9000)],
                                crs=9213)
    page = make_map("forest_cover", layers={"communes": communes, "forest_status": gdf},
                    parcels_data=enc).get_root().render()
    assert "gisplanParcelCells=" not in page and '"base":"assets/data/forest_status/"' in page
    assert len(page) < sum(len(t) for t in files.values())
    inline = make_map("forest_cover", layers={"communes": communes, "forest_status": gdf}).get_root().render()
    assert "window.gisplanParcelCells=" in inline



def test_a_catalogs_own_types_label_and_colour_the_parcels(demo_small, tmp_path):
    import _own_types as own

    from gisplan.pipeline import Plan

    catalog = own.load(demo_small, tmp_path / "own")
    for lang, i in (("vi", 0), ("en", 1)):
        web = Plan(catalog).build_map("forest_cover", lang=lang)
        page = web.map.get_root().render()
        meta = own.page_meta(page)
        # the popups' label tables and the colours the canvas draws with
        assert meta["labels"]["origin"] == [own.ORIGIN["natural"][i], own.ORIGIN["plantation"][i]]
        if lang == "vi":
            assert meta["labels"]["forest_type"][0] == own.FOREST_TYPE["evergreen_broadleaf"]
        assert meta["colors"]["natural"] == own.NATURAL_COLOR and meta["notForest"] == own.NOT_FOREST_COLOR
        # the legend: a box per origin in the catalog's words and colours, and the not-yet-forest box
        [(_title, items)] = [s for s in web.sections if s[0] and s[0].startswith(("Lô rừng", "Forest parcels"))]
        assert (own.NATURAL_COLOR, own.ORIGIN["natural"][i], "box") in items
        assert items[-1][0] == own.NOT_FOREST_COLOR
    labels = meta["labels"]["origin"] + [c for c in meta["colors"].values()] + [meta["notForest"]]
    assert not set(own.PACKAGED) & set(labels)


def test_parcel_areas_in_a_crs_in_feet_are_hectares():
    # the 200 m squares of _grid written in US survey feet (1 ft = 1200/3937 m): still 4 ha each
    feet = "+proj=tmerc +lat_0=0 +lon_0=106.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=us-ft +no_defs"
    ft = 1200 / 3937
    gdf = _grid(3, 1)
    gdf = gdf.set_geometry(shapely.transform(gdf.geometry.to_numpy(), lambda xy: xy / ft), crs=feet)
    (payload,) = pl.encode_parcels(gdf, lang="vi", tolerance=0).cells.values()
    assert json.loads(payload)["h"] == ["4,00"] * 3
