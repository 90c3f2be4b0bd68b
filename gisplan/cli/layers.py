"""`gisplan validate`, `gisplan convert` and `gisplan layers list|info`."""

from __future__ import annotations

from pathlib import Path

import click

from gisplan import ValidationReport
from gisplan.catalog import Catalog, CatalogPath, default_catalog_path, load_catalog
from gisplan.cli.i18n import N_, _, language, ngettext
from gisplan.cli.text_table import text_table
from gisplan.encoding import normalize_encoding
from gisplan.errors import GisplanError, LayerNotFoundError, OutputExistsError
from gisplan.forest_codes import NUMBERINGS
from gisplan.io import (
    RASTER_SUFFIXES,
    VECTOR_SUFFIXES,
    open_raster,
    read_layer,
    validate,
    write_layer,
)

NO_TYPE = N_("no type: file, CRS, geometry and text checked")
#: headings of the problem table of `gisplan validate` and of the tables of `gisplan layers list`
HEADERS = {"severity": N_("severity"), "column": N_("column"), "row": N_("row"), "message": N_("message"),
           "type": N_("type"), "kind": N_("kind"), "title": N_("title"), "layer": N_("layer"), "year": N_("year"),
           "state": N_("state"), "file": N_("file")}
#: the severities of a validation problem as printed
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


def _headers() -> dict[str, str]:
    return {k: _(v) for k, v in HEADERS.items()}

def _checked_catalog(ctx, param, value):
    """The catalog path as a :class:`~gisplan.catalog.CatalogPath`: ``load_catalog`` then checks
    that every entry's file exists (a :class:`~gisplan.errors.CatalogError` naming the entry, the
    key ``path`` and the resolved path; for the demo catalog not built yet: run `gisplan demo`)."""
    return CatalogPath(value if value is not None else default_catalog_path())


_CATALOG_HELP = "Catalog file (default: $GISPLAN_CATALOG, ./layers/catalog.toml, else the demo catalog)."
#: ``--catalog`` of the commands that read the catalog's layers: every entry's file must exist.
catalog_option = click.option(
    "--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    callback=_checked_catalog, help=_CATALOG_HELP,
)
#: ``--catalog`` of validate, convert and layers list/info, which need its layer types and
#: entries but not every file (a missing file is reported for the entry asked for).
types_catalog_option = click.option(
    "--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=_CATALOG_HELP,
)


def _catalog(path: Path | None) -> Catalog:
    return load_catalog(path)


def _type_for(source: str, given: str | None, cat: Catalog) -> str | None:
    if given:
        cat.layer_type(given)  # unknown type: one line naming the known ones
        return given
    if source in cat:
        return cat.entry(source).type
    resolved = Path(source).resolve()
    for e in cat:
        if e.path == resolved:
            return e.type
    return None


def _expand_folders(paths) -> list[str]:
    """Files and catalog names as given; a folder (a "Shapefile folder", a delivery) stands for
    the layer files in it (a Shapefile once, not its .dbf/.shx), so each is checked on its own."""
    out = []
    for source in paths:
        p = Path(source)
        if not p.is_dir() or p.suffix.lower() in (".gdb",):
            out.append(source)
            continue
        files = sorted(f for f in p.iterdir() if f.is_file()
                       and f.suffix.lower() in (VECTOR_SUFFIXES | RASTER_SUFFIXES) - {".dbf"}
                       and not (f.suffix.lower() == ".csv" and f.with_suffix(".shp").exists()))
        if not files:
            raise click.UsageError(_("{folder} is a folder with no layer file in it (looked for {suffixes})").format(
                folder=p, suffixes=", ".join(sorted(VECTOR_SUFFIXES | RASTER_SUFFIXES))))
        out.extend(str(f) for f in files)
    return out


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option("--type", "layer_type",
              help="Layer type id of the files (e.g. communes, mines): adds the schema checks. Without it "
                   "(and for files the catalog does not list) only what needs no schema is checked: "
                   "the file reads, its CRS, geometries and text encoding.")
@click.option("--layer", help="Layer inside a multi-layer file.")
@click.option("--assume-crs", "assume_crs",
              help="CRS of data that carries none, or of a MapInfo file whose datum is lost (e.g. EPSG:9213).")
@click.option("--crs", "old_crs", hidden=True, help="Deprecated alias of --assume-crs.")
@click.option("--encoding", default="auto", show_default=True,
              help="auto | tcvn3 | vni | utf-8 | cp1258 … (any case)")
@click.option("--where", "where", default=None,
              help="Check only the features matching this SQL filter on the file's own columns, "
                   "e.g. \"TEN LIKE 'Kim H%'\" (LIKE ignores case).")
@click.option("--all", "show_all", is_flag=True,
              help=f"Print every row of every problem (default: {ValidationReport.print_limit} per problem, then a count).")
@types_catalog_option
def validate_cmd(paths, layer_type, layer, assume_crs, old_crs, encoding, where, show_all, catalog_path):
    """Check layers against their layer type and print every problem.

    PATHS are files or catalog entry names. Exit code 1 when any error is found, 0 when the
    layers are clean (warnings allowed). Decoded legacy text and an assumed CRS are listed as
    warnings (codes text_decoded, crs_assumed).
    """
    if old_crs is not None:
        if assume_crs is not None and assume_crs != old_crs:
            raise click.UsageError(_("give the source CRS once: --assume-crs (--crs is its deprecated alias)"))
        click.echo(_("Warning: `gisplan validate --crs` is deprecated; use --assume-crs"), err=True)
        assume_crs = old_crs
    encoding = normalize_encoding(encoding)
    cat = _catalog(catalog_path)
    sources = _expand_folders(paths)
    for source in sources:  # a wrong path is one error line (exit 2) before anything is checked
        _check_exists(source, cat)
    n_errors = 0
    for source in sources:
        ltype = _type_for(source, layer_type, cat)
        is_raster = (cat.types[ltype].kind == "raster" if ltype is not None
                     else Path(source).suffix.lower() in RASTER_SUFFIXES)
        inner = None
        if is_raster:
            try:
                open_raster(source, catalog=cat, layer_type=ltype, crs=assume_crs)
                issues = []
            except GisplanError as exc:
                issues = [{"severity": "error", "column": None, "row": None, "message": str(exc)}]
            counts = (len(issues), 0)
        else:
            report = validate(source, layer_type=ltype, catalog=cat, layer=layer,
                              assume_crs=assume_crs, encoding=encoding, where=where)
            counts = (len(report.errors), len(report.warnings))
            issues = [i.__dict__ for i in report.capped(None if show_all else ValidationReport.print_limit)]
            schema = report.schema
            inner = next((i["layer"] for i in issues if i.get("layer")), None)
            inner = None if inner == Path(source).stem else inner  # a Shapefile's one layer
        n_errors += counts[0]
        status = _("OK") if not any(counts) else _("{errors} error(s), {warnings} warning(s)").format(
            errors=counts[0], warnings=counts[1])
        vi = language() == "vi"  # the field set and the numbering have their Vietnamese names
        read_as = f"{ltype or _(NO_TYPE)}" + (f", {schema['title' if vi else 'title_en']}" if not is_raster and schema
                                              else "")
        # the path once, in the header line; the rows name what is wrong, wrapped to fit the terminal
        inside = " " + _("(layer {layer})").format(layer=inner) if inner else ""
        click.echo(f"{source}{inside} [{read_as}]: {status}")
        if not is_raster and schema and schema.get("numbering"):
            numbering = NUMBERINGS[schema["numbering"]][0 if vi else 1]
            click.echo("  " + _("maldlr follows the {numbering}").format(numbering=numbering))
        if issues:
            rows = [{**i, "severity": _(SEVERITIES[i["severity"]]) if i["severity"] in SEVERITIES else i["severity"],
                     "message": _without_path(i["message"], source)} for i in issues]
            click.echo(text_table(rows, ["severity", "column", "row", "message"], wrap_first=["message"],
                                  headers=_headers()))
    raise SystemExit(1 if n_errors else 0)


def _check_exists(source: str, cat: Catalog) -> None:
    """A path that does not exist and names no catalog entry, or an entry whose file is missing,
    is a :class:`~gisplan.errors.LayerNotFoundError` (one ``Error:`` line, exit 2)."""
    if Path(source).exists():
        return
    if source in cat:
        entry = cat.entry(source)
        if not entry.path.exists():
            raise LayerNotFoundError(_("catalog entry {entry!r}: its file {path} does not exist; check the key "
                                       "'path' in {catalog}").format(entry=source, path=entry.path, catalog=cat.path))
        return
    raise LayerNotFoundError(_("{path} does not exist (neither a file nor a folder nor an entry of the catalog "
                               "{catalog}); check the path").format(path=source, catalog=cat.path))


def _without_path(message: str, source: str) -> str:
    """``message`` with the checked file's path (printed once in the header) shortened to its name."""
    name = Path(source).name
    for form in {str(source), str(Path(source)), str(Path(source).resolve())}:
        if form != name:
            message = message.replace(form, name)
    return message


@click.command("convert")
@click.argument("src")
@click.argument("dst", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--type", "layer_type",
              help="Layer type id (e.g. protected_areas): canonical columns and the schema checks. Without "
                   "it the columns are kept as they are (text still decoded to Unicode, CRS and geometry "
                   "checked).")
@click.option("--layer", help="Layer inside a multi-layer input file.")
@click.option("--crs", "out_crs", default="EPSG:9213", show_default=True,
              help="Output CRS: anything pyproj.CRS.from_user_input() accepts.")
@click.option("--assume-crs", help="CRS of input data that carries none, or of a MapInfo file whose datum is lost.")
@click.option("--encoding", default="auto", show_default=True,
              help="auto | tcvn3 | vni | utf-8 | cp1258 … (any case)")
@click.option("--where", "where", default=None,
              help="Write only the features matching this SQL filter on the file's own columns, "
                   "e.g. \"TEN = 'Ba Bể'\" (LIKE ignores case).")
@click.option("--overwrite", is_flag=True, help="Replace DST if it exists.")
@click.option("--lenient", is_flag=True, help="Write even when validation errors remain.")
@types_catalog_option
def convert_cmd(src, dst, layer_type, layer, out_crs, assume_crs, encoding, where, overwrite, lenient,
                catalog_path):
    """Write a cleaned copy of SRC to DST (GeoPackage by default): Unicode text, canonical
    columns, repaired geometry, in EPSG:9213 unless --crs says otherwise. SRC is never modified."""
    encoding = normalize_encoding(encoding)
    cat = _catalog(catalog_path)
    ltype = _type_for(src, layer_type, cat)
    if ltype is not None and cat.types[ltype].kind == "raster" or Path(src).suffix.lower() in RASTER_SUFFIXES:
        raise click.UsageError(_("{src} is a raster: convert writes vector layers (use gdalwarp for rasters)").format(
            src=src))
    if Path(src).exists() and Path(src).resolve() == dst.resolve():
        raise click.UsageError(_("DST must differ from SRC: gisplan never overwrites its input"))
    if dst.exists() and not overwrite:
        raise OutputExistsError(_("{path} exists; add --overwrite to replace it").format(path=dst))
    gdf = read_layer(src, layer_type=ltype, layer=layer, catalog=cat, crs=out_crs,
                     assume_crs=assume_crs, encoding=encoding, strict=not lenient, where=where)
    write_layer(gdf, dst, layer=ltype or dst.stem, overwrite=overwrite)
    meta = gdf.attrs["gisplan"]
    wrote = (_("wrote {count} features of {type} to {path} ({crs})") if ltype
             else _("wrote {count} features to {path} ({crs})"))
    click.echo(wrote.format(count=len(gdf), type=ltype, path=dst, crs=gdf.crs.name))
    if meta.get("where"):
        w = meta["where"]
        click.echo(_("filter {filter}: kept {kept}, left out {dropped}").format(**w))
    if meta.get("encoding"):
        click.echo(_("decoded text: {columns}").format(columns=", ".join(
            _("{column} from {encoding}").format(column=c, encoding=e) for c, e in meta["encoding"].items())))
    if meta.get("crs_assumed"):
        click.echo(_("CRS: {crs}").format(crs=meta["crs_assumed"]))
    n_fix = sum(i["code"] == "geometry_repaired" for i in meta["issues"])
    if n_fix:
        click.echo(ngettext("repaired {count} invalid geometry", "repaired {count} invalid geometries",
                            n_fix).format(count=n_fix))


@click.group("layers")
def layers_group():
    """The layer types and the catalog's layers."""


@layers_group.command("list")
@types_catalog_option
def list_cmd(catalog_path):
    """List the layer types and the layers of the catalog."""
    cat = _catalog(catalog_path)
    click.echo(_("Layer types (layers/types.toml):"))
    click.echo(text_table([{"type": t.id, "kind": t.kind, "title": f"{t.title_vi} — {t.title_en}"}
                           for t in cat.types.values()], ["type", "kind", "title"], wrap_first=["title"],
                          headers=_headers()))
    title = _("Catalog {path} — {title} (synthetic)") if cat.synthetic else _("Catalog {path} — {title}")
    click.echo("\n" + title.format(path=cat.path, title=cat.title))
    base = cat.base.resolve() if cat.base is not None else None
    if base is not None:
        click.echo(_("files under {folder}").format(folder=base))
    rows = [{"layer": e.name, "type": e.type, "year": e.year or "",
             "state": _("ok") if e.path.exists() else _("MISSING"),
             "file": e.path.relative_to(base) if base is not None and e.path.is_relative_to(base) else e.path}
            for e in cat]
    click.echo(text_table(rows, ["layer", "type", "year", "state", "file"], wrap_first=["file"],
                          headers=_headers()))


@layers_group.command("info")
@click.argument("name")
@types_catalog_option
def info_cmd(name, catalog_path):
    """Describe a layer type or a catalog layer: attributes, allowed values, file."""
    cat = _catalog(catalog_path)
    entry = cat.entry(name) if name in cat else None
    ltype = cat.layer_type(entry.type if entry else name)
    click.echo(f"{ltype.id}: {ltype.title_vi} — {ltype.title_en} ({ltype.kind})")
    if ltype.geometry:
        geometry = (_("geometry: {types} (optional)") if ltype.geometry_optional else _("geometry: {types}"))
        click.echo(geometry.format(types=", ".join(ltype.geometry)))
    if ltype.id_column:
        click.echo(_("id column: {column}").format(column=ltype.id_column))
    if ltype.source:
        click.echo(_("usual source: {source}\nlicence: {licence}\ndate: {date}").format(
            source=ltype.source, licence=ltype.licence, date=ltype.date))
    width = max(9, len(_("required")), len(_("optional")))
    for a in ltype.attributes.values():
        flag = _("required") if a.required else _("optional")
        unit = f" [{a.unit}]" if a.unit else ""
        click.echo(f"  {a.name:22} {a.type:6} {flag:{width}} {a.title_vi}{unit}")
        if a.allowed:
            for code, label in zip(a.allowed, a.labels_vi or a.allowed, strict=True):
                click.echo(f"      {code:26} {label}")
    for key, value in ltype.raster.items():
        click.echo(f"  {key}: {value}")
    if entry:
        state = _("exists") if entry.path.exists() else _("MISSING")
        click.echo("\n" + _("file: {path} ({state})").format(path=entry.path, state=state))
        click.echo(_("source: {source}; licence: {licence}; year: {year}; date: {date}").format(
            source=entry.source, licence=entry.licence, year=entry.year, date=entry.date))
        if entry.path.exists() and ltype.kind == "raster":
            r = open_raster(name, catalog=cat)
            click.echo(_("raster: {width}×{height} px, {res:g} m, nodata {nodata}, {crs}").format(
                width=r.width, height=r.height, res=r.res[0], nodata=r.nodata, crs=r.crs.name))
        elif entry.path.exists():
            gdf = read_layer(name, catalog=cat, strict=False)
            click.echo(_("features: {count}; CRS {crs}; bounds {bounds}").format(
                count=len(gdf), crs=gdf.crs.name, bounds=tuple(round(b) for b in gdf.total_bounds)))
            for j in gdf.attrs["gisplan"].get("joins", []):
                click.echo(_("joined: {columns} from {table} ({on} = {key}, by {match}): {matched} of {total} "
                             "features matched").format(
                    columns=", ".join(j["columns"].values()), table=j["table"], on=j["on"], key=j["key"],
                    match=j["match"], matched=j["matched"], total=j["matched"] + j["unmatched"])
                           + ("; " + _("source: {source}").format(source=j["source"]) if j["source"] else ""))


def register(group: click.Group) -> None:
    """Add validate, convert and layers to the `gisplan` group."""
    group.add_command(validate_cmd)
    group.add_command(convert_cmd)
    group.add_command(layers_group)
