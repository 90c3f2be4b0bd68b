"""Safe output: atomic files, never onto an input, and output folders with a manifest.

* :func:`atomic_path` writes to a temporary file beside the target, then ``os.replace`` s it:
  a reader never sees a half-written output, a failed write leaves nothing behind, an existing
  file is replaced only with ``overwrite=True`` and never when it is one of the run's inputs.
* :func:`check_not_input` refuses an output that is (or is a sidecar of, or lies inside) one of
  the files the same run reads: the catalog, its layer files, ``--raster`` / ``--zones``.
* :class:`OutputFolder` writes a set of files into a folder and lists them in
  ``.gisplan-manifest.json``; ``overwrite`` replaces and :meth:`OutputFolder.prune` removes only
  files that manifest lists, so a user's own file in the folder is never touched.
* Temporary files are named ``.gisplan-tmp.<host>-<pid>.<name>.<random><suffix>``
  (:func:`temporary_prefix`); a run killed mid-write (SIGKILL, power cut) leaves one behind, and
  the next run into that folder removes it (:func:`sweep_temporaries`: only that pattern, only
  when the process that wrote it is gone).
"""

from __future__ import annotations

import contextlib
import filecmp
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from gisplan import __version__
from gisplan.errors import GisplanError, OutputError, OutputExistsError

MANIFEST = ".gisplan-manifest.json"

#: files that belong to one dataset with the main file (by the main file's suffix)
SIDECARS = {
    ".shp": (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml", ".qmd"),
    ".tab": (".dat", ".id", ".map", ".ind"),
    ".mif": (".mid",),
    ".gpkg": (".gpkg-wal", ".gpkg-shm", ".gpkg-journal"),
    ".tif": (".tif.aux.xml", ".tif.ovr", ".tfw"),
    ".tiff": (".tiff.aux.xml", ".tiff.ovr", ".tfw"),
}
#: the sidecars a shapefile output is made of (all checked before anything is written)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: how every temporary file or folder gisplan writes beside an output begins
TEMP_PREFIX = ".gisplan-tmp."
#: a temporary of another machine (a shared disk) or where processes cannot be probed is stale after this
STALE_AFTER_S = 24 * 3600
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_swept: set[tuple[Path, bool]] = set()
#: what earlier versions named a temporary: ``.<stem>.<8 random of mkstemp><suffix>``
_LEGACY_TEMP = re.compile(r"\.(?P<stem>.+)\.[a-z0-9_]{8}(?P<suffix>\.[^.]+)?")


def temporary_prefix(name: str) -> str:
    """The start of a temporary's name for the output ``name`` (its stem): gisplan's pattern, this
    machine and this process, so a later run can tell a stale one from one being written."""
    return f"{TEMP_PREFIX}{_HOST}-{os.getpid()}.{name}."


def _writer_gone(entry: Path) -> bool:
    """Whether the process that wrote the temporary ``entry`` is gone (this machine: it no longer
    runs; another machine, or no way to probe: older than :data:`STALE_AFTER_S`)."""
    owner = entry.name[len(TEMP_PREFIX):].split(".", 1)[0]
    host, _, pid = owner.partition("-")
    if host == _HOST and pid.isdigit() and os.name == "posix":
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:  # exists, owned by someone else
            return False
        return False
    try:
        return time.time() - entry.lstat().st_mtime > STALE_AFTER_S
    except OSError:
        return False


def sweep_temporaries(folder: str | os.PathLike, *, recursive: bool = False) -> list[Path]:
    """Remove the temporaries a killed gisplan run left in ``folder`` (and below it with
    ``recursive``): only names of gisplan's pattern (:data:`TEMP_PREFIX`) whose writing process is
    gone (:func:`_writer_gone`). Each folder is swept once per process. Returns what was removed."""
    folder = Path(folder)
    key = folder.resolve() if folder.exists() else folder
    if (key, recursive) in _swept or not folder.is_dir():
        return []
    _swept.add((key, recursive))
    removed = []
    found = folder.rglob(f"{TEMP_PREFIX}*") if recursive else folder.glob(f"{TEMP_PREFIX}*")
    for entry in sorted(found, key=lambda p: len(p.parts)):
        if any(parent.name.startswith(TEMP_PREFIX) for parent in entry.relative_to(folder).parents
               if parent.name):
            continue  # inside a temporary folder removed (or kept) whole
        if _writer_gone(entry):
            _remove(entry)
            removed.append(entry)
    return removed


def sidecars(path: str | os.PathLike) -> list[Path]:
    """The files that form one dataset with ``path`` (itself first): ``a.shp`` → a.shp, a.shx,
    a.dbf, a.prj, a.cpg …; ``a.gpkg`` → a.gpkg, a.gpkg-wal …; other files → just ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    stem = path.with_suffix("")
    return [path] + [Path(f"{stem}{ext}") for ext in SIDECARS.get(suffix, ())]


def input_files(paths: Iterable[str | os.PathLike | None]) -> set[Path]:
    """Resolved paths of ``paths`` and of their sidecars (None entries ignored)."""
    out: set[Path] = set()
    for p in paths:
        if p is None or str(p) == "":
            continue
        out.update(s.resolve() for s in sidecars(p))
    return out


def catalog_inputs(catalog) -> set[Path]:
    """Every file a run on ``catalog`` may read: the catalog file, its layer types and each entry's
    file with its sidecars (a :class:`gisplan.catalog.Catalog`, or None for nothing)."""
    if catalog is None:
        return set()
    paths = [getattr(catalog, "path", None), getattr(catalog, "types_path", None)]
    paths += [e.path for e in catalog]
    paths += [j.path for e in catalog for j in getattr(e, "joins", ()) if j.path is not None]
    return input_files(paths)


def check_not_input(out: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> Path:
    """Raise :class:`OutputError` when ``out`` is one of ``inputs`` (same file, also through a
    link) or lies inside an input folder (a FileGDB, a folder given as a layer). Returns ``out``
    as a Path.

    One ``stat`` an input (the file a link leads to): an existing ``out`` is an input when both
    are the same file on the same device; a run writing hundreds of outputs checks each against
    every input it read."""
    out = Path(out)
    target = out.resolve()
    try:
        st = target.stat()
        key = (st.st_dev, st.st_ino)
    except OSError:  # not there yet: no input can be that file
        key = None
    for inp in inputs:
        inp = Path(inp)
        try:
            ist = inp.stat()
        except OSError:  # an input that is not there cannot be overwritten
            continue
        if key is not None and (ist.st_dev, ist.st_ino) == key:
            raise OutputError(f"refusing to write {out}: it is one of this run's input files ({inp.resolve()}); "
                              "choose another output path")
        if stat.S_ISDIR(ist.st_mode) and target.is_relative_to(inp.resolve()):
            raise OutputError(f"refusing to write {out}: it lies inside the input folder {inp.resolve()}; "
                              "choose another output path")
    return out


def check_creatable(folder: str | os.PathLike) -> Path:
    """Raise :class:`OutputError` naming ``folder`` when it could not be created or written to
    (a file is in the way, no permission); creates nothing. Used before long computations."""
    folder = Path(folder)
    existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if existing is None:
        return folder
    if not existing.is_dir():
        raise OutputError(f"cannot create the folder {folder}: {existing} is a file, not a folder; "
                          "choose another output path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {existing}: permission denied; choose a folder you may write to")
    return folder


def ensure_dir(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents); :class:`OutputError` naming it when that is impossible
    (a file is in the way, no permission, read-only file system)."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"cannot create the folder {folder}: {blocker} is a file, not a folder; "
                          "choose another output path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: {exc.strerror or exc}; "
                          "choose a folder you may write to") from exc
    return folder


def check_output(path: str | os.PathLike, *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Return ``path`` as a Path; raise :class:`OutputError` if it is one of ``inputs``,
    :class:`OutputExistsError` if it exists and ``overwrite`` is false."""
    path = check_not_input(path, inputs)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    check_creatable(path.parent)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it")
    return path


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists() or p.is_symlink():
        p.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = False,
                inputs: Iterable[str | os.PathLike] = ()) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success move it onto ``path``.

    The temporary name keeps the target's suffix so format drivers chosen by extension work, and
    begins with :data:`TEMP_PREFIX` and this process's id: one left by a killed run is removed by
    the next write into the folder (:func:`sweep_temporaries`). Nothing is left behind on failure; an ``OSError`` while writing (disk full, permission)
    becomes an :class:`OutputError` naming ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("xin chào", encoding="utf-8")
    >>> out.read_text(encoding="utf-8")
    'xin chào'
    """
    path = check_output(path, overwrite=overwrite, inputs=inputs)
    ensure_dir(path.parent)
    sweep_temporaries(path.parent)  # what a killed run left here
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=temporary_prefix(path.stem), suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {path.parent}: {exc.strerror or exc}; "
                          "choose a folder you may write to") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it (some drivers refuse an existing empty file)
    try:
        yield tmp
        if tmp.is_dir() and path.exists():
            _remove(path)
        os.replace(tmp, path)
    except OSError as exc:
        if isinstance(exc, GisplanError):
            raise
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        _remove(tmp)


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True,
               inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write UTF-8 text atomically; returns the path."""
    with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


class OutputFolder:
    """A folder gisplan writes several files into, with a manifest of what it wrote.

    ``.gisplan-manifest.json`` lists (relative, POSIX) every file gisplan wrote in the folder.
    An existing file is replaced only when ``overwrite`` is true *and* the manifest lists it;
    :meth:`prune` removes only listed files; a file of the run's ``inputs`` is never written
    nor removed. The manifest is saved after every file written (so after a failure the files
    already written stay known as gisplan's); using the folder as a context manager saves it
    once more on exit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with OutputFolder(root / "r") as out:
    ...     _ = out.write_text("a.md", "# a")
    >>> sorted(json.loads((root / "r" / MANIFEST).read_text())["files"])
    ['a.md']
    """

    def __init__(self, root: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                 overwrite: bool = False):
        self.root = Path(root)
        self.inputs = {Path(p).resolve() for p in inputs}
        self.overwrite = overwrite
        check_not_input(self.root, self.inputs)
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(f"{self.root} is a file, not a folder; choose a folder for the output")
        check_creatable(self.root)
        sweep_temporaries(self.root, recursive=True)  # what a killed run left in the folder
        self.listed: set[str] = self._load()
        self._sweep_legacy_temporaries()
        self.written: set[str] = set()
        self._autosave = True

    def _sweep_legacy_temporaries(self) -> list[Path]:
        """Remove the temporaries earlier gisplan versions named ``.<name>.<8 random><suffix>``
        beside an output the manifest lists (e.g. ``csv/.canopy_forest_cover_2024.ea3w0yin.csv``
        of a killed run), once older than :data:`STALE_AFTER_S`; nothing else matches."""
        outputs: dict[Path, set[str]] = {}
        for rel in self.listed:
            out = self.root / rel
            outputs.setdefault(out.parent, set()).add(out.name)
        removed = []
        for folder, names in outputs.items():
            try:
                hidden = [e for e in os.scandir(folder) if e.name.startswith(".") and e.is_file(follow_symlinks=False)]
            except OSError:
                continue
            for e in hidden:
                m = _LEGACY_TEMP.fullmatch(e.name)
                if m is None or f"{m['stem']}{m['suffix'] or ''}" not in names:
                    continue
                cand = Path(e.path)
                if time.time() - e.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S and \
                        cand.resolve() not in self.inputs:
                    _remove(cand)
                    removed.append(cand)
        return removed

    # -- manifest -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def _load(self) -> set[str]:
        """The files the manifest lists that still exist."""
        try:
            doc = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            files = {str(f) for f in doc.get("files", [])}
        except (OSError, ValueError, AttributeError):
            return set()
        return {f for f in files if (self.root / f).exists()}

    def save(self) -> None:
        """Write the manifest: the listed files (those that existed when the folder was opened,
        less those pruned) plus the files written now. Saved after every file (a killed run
        leaves a true list), so it looks at no file: a site of a thousand files is listed in
        linear time."""
        if not self.root.is_dir() or not (self.written or self.manifest_path.exists()):
            return
        files = sorted(self.listed | self.written)

        doc = {"written_by": f"gisplan {__version__}", "files": files}
        with atomic_path(self.manifest_path, overwrite=True) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.save()

    # -- checks -------------------------------------------------------------------------------
    def _rel(self, rel: str | os.PathLike) -> str:
        return Path(rel).as_posix()

    def owns(self, rel: str | os.PathLike) -> bool:
        """Whether the manifest lists ``rel`` (or this run wrote it)."""
        rel = self._rel(rel)
        return rel in self.listed or rel in self.written

    def check(self, rels: Iterable[str | os.PathLike]) -> None:
        """Check every target before anything is written: not an input, and when it exists,
        ``overwrite`` is on and the manifest lists it."""
        for rel in rels:
            self._check_one(rel, overwrite=self.overwrite)

    def _check_one(self, rel, *, overwrite: bool) -> Path:
        path = self.root / rel
        check_not_input(path, self.inputs)
        if path.is_dir():
            raise OutputError(f"{path} is a folder; gisplan needs to write a file there: "
                              "move it away or choose another output folder")
        if path.exists() and not self.owns(rel):
            if not overwrite:
                raise OutputExistsError(f"{path} exists; add --overwrite (overwrite=True) to replace "
                                        "the outputs of an earlier run")
            raise OutputError(f"{path} exists and gisplan did not write it (not listed in {self.manifest_path}); "
                              "move it away or choose another output folder — gisplan never replaces "
                              "files it did not write")
        if path.exists() and not overwrite:
            raise OutputExistsError(f"{path} exists; add --overwrite (overwrite=True) to replace the "
                                    "outputs of an earlier run")
        return path

    # -- writing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self, rel: str | os.PathLike, *, replace: bool | None = None) -> Iterator[Path]:
        """Yield a temporary path for ``rel``; on success it becomes ``root/rel`` (atomic) and is
        listed. ``replace`` overrides the folder's ``overwrite`` for this file (assets that every
        run refreshes)."""
        overwrite = self.overwrite if replace is None else replace
        path = self._check_one(rel, overwrite=overwrite)
        ensure_dir(path.parent)
        with atomic_path(path, overwrite=True, inputs=self.inputs) as tmp:
            yield tmp
        self.written.add(self._rel(rel))
        if self._autosave:
            self.save()

    def record(self, rel: str | os.PathLike) -> None:
        """List ``rel`` in the manifest as written by gisplan (a file written by other means)."""
        self.written.add(self._rel(rel))
        self.save()

    def write_text(self, rel: str | os.PathLike, text: str, *, replace: bool | None = None) -> Path:
        """Write UTF-8 text to ``root/rel`` atomically; returns the path."""
        with self.write(rel, replace=replace) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return self.root / rel

    def copy_tree(self, src: str | os.PathLike, rel_dir: str | os.PathLike,
                  ignore: Iterable[str] = ("README.md",)) -> None:
        """Copy the files of ``src`` into ``root/rel_dir`` (shared assets): listed files are
        refreshed, an identical unlisted file is adopted, a different unlisted one is an error;
        listed files of ``rel_dir`` that ``src`` no longer has are removed."""
        src = Path(src)
        skip = set(ignore)
        self._autosave = False
        try:
            for f in sorted(p for p in src.rglob("*") if p.is_file() and p.name not in skip):
                rel = Path(rel_dir) / f.relative_to(src)
                dest = self.root / rel
                if dest.is_file() and not self.owns(rel) and filecmp.cmp(f, dest, shallow=False):
                    self.written.add(self._rel(rel))
                    continue
                with self.write(rel, replace=True) as tmp:
                    shutil.copyfile(f, tmp)
        finally:
            self._autosave = True
            self.save()
        self.prune(rel_dir)

    def prune(self, rel_dir: str | os.PathLike = "") -> list[Path]:
        """Remove the files under ``rel_dir`` that the manifest lists but this run did not write
        (outputs of an earlier run that no longer exist); never an input. Returns what was removed."""
        prefix = self._rel(rel_dir).rstrip("/") + "/" if str(rel_dir) not in ("", ".") else ""
        removed = []
        for rel in sorted(self.listed - self.written):
            if not rel.startswith(prefix):
                continue
            path = self.root / rel
            if path.resolve() in self.inputs or not path.is_file():
                continue
            path.unlink()
            removed.append(path)
        self.listed -= {self._rel(p.relative_to(self.root)) for p in removed}
        if removed:
            self.save()
        return removed
