"""`gisplan serve [FOLDER]`: preview the published site over HTTP, with Range requests.

Python's ``http.server`` answers every request with the whole file. A PMTiles archive (the
forest-status layer of a large site, :mod:`gisplan.maps.vector_tiles`) is read by the page a
few kilobytes at a time with ``Range: bytes=a-b`` requests, which need ``206 Partial Content``
answers: :class:`RangeRequestHandler` gives them (one range per request, what the PMTiles
reader asks for) and serves everything else as ``http.server`` does.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
from pathlib import Path

import click

from gisplan.cli.i18n import _
from gisplan.errors import GisplanError

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte (inclusive) of a single ``Range`` header for a file of ``size``
    bytes; None when the header is not a single byte range (then the whole file is sent).
    Raises ``ValueError`` when the range lies outside the file (416)."""
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # the last N bytes
        n = int(m.group(2))
        if n == 0:
            raise ValueError("empty suffix range")
        return max(0, size - n), size - 1
    first = int(m.group(1))
    last = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if first >= size or last < first:
        raise ValueError(f"range {header!r} outside a file of {size} bytes")
    return first, last


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` answering ``Range: bytes=a-b`` with 206 and those bytes."""

    _range: tuple[int, int] | None = None

    def send_head(self):
        self._range = None
        header = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not header or not os.path.isfile(path):
            return super().send_head()
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the caller (copyfile, then close)
        except OSError:
            self.send_error(404, "File not found")
            return None
        size = os.fstat(f.fileno()).st_size
        try:
            rng = parse_range(header, size)
        except ValueError:
            f.close()
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if rng is None:
            f.close()
            return super().send_head()
        self._range = rng
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {rng[0]}-{rng[1]}/{size}")
        self.send_header("Content-Length", str(rng[1] - rng[0] + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", self.date_time_string(int(os.fstat(f.fileno()).st_mtime)))
        self.end_headers()
        return f

    def end_headers(self):
        if self._range is None:
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def copyfile(self, source, outputfile):
        if self._range is None:
            return super().copyfile(source, outputfile)
        first, last = self._range
        source.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = source.read(min(left, 64 * 1024))
            if not chunk:
                break
            outputfile.write(chunk)
            left -= len(chunk)
        return None


class _Quiet(RangeRequestHandler):
    def log_message(self, *args, **kwargs):
        pass


def make_server(folder: str | os.PathLike, port: int = 8000, host: str = "127.0.0.1", *,
                quiet: bool = False) -> http.server.ThreadingHTTPServer:
    """A threading HTTP server of ``folder`` on ``host:port`` (``port`` 0: any free port) with
    Range requests; call ``serve_forever()`` on it (``shutdown()`` and ``server_close()`` to stop)."""
    handler = functools.partial(_Quiet if quiet else RangeRequestHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)


@click.command("serve")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("maps"))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--bind", "host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to let other machines of the network see the site).")
def serve_cmd(folder, port, host):
    """Serve the site in FOLDER (default maps/) at http://HOST:PORT/ until Ctrl-C.

    Answers HTTP Range requests, which the PMTiles archive of a large forest-status layer needs
    (a page opened from file:// cannot read it)."""
    try:
        server = make_server(folder, port, host)
    except OSError as exc:
        raise GisplanError(_("cannot listen on {host}:{port}: {reason}; choose another --port").format(
            host=host, port=port, reason=exc.strerror or exc)) from exc
    url = f"http://{host}:{server.server_port}/"
    click.echo(_("serving {folder} at {url} (Ctrl-C to stop)").format(folder=folder, url=url))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo(_("stopped"))
    finally:
        server.server_close()


def register(group: click.Group) -> None:
    """Add `serve` to the `gisplan` group."""
    group.add_command(serve_cmd)

