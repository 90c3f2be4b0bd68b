"""Work started ahead of need in a helper process, beside the main one.

A run reads the latest forest-status lots, then computes from them while the earlier year's lots
(another file as large) wait their turn; the hazard steps route water over the DEM, which needs
nothing but the DEM. On two cores these can run at once. Threads cannot take them: reading and
checking a layer is mostly Python (one interpreter lock), and it records warnings, which one
thread cannot do while another does (``warnings.catch_warnings`` is process-wide). So such work is
sent to a helper: one Python process per run, started with the same interpreter and import
path, running its jobs one after another in order.

A job is a module-level function and small arguments (paths, a catalog, bounds): what it returns
is pickled back. The warnings it raises and the log records of ``gisplan`` are replayed in the
main process when its result is taken, so the result comes with the same messages as a call made
in the main process. Anything going wrong on the helper's side — it cannot start, the job raises,
the result cannot be pickled, the helper dies — makes :meth:`Job.result` call the function in the
main process instead: an error is then raised by that call, exactly as without a helper.

A helper is started only when this process may use two cores or more (:func:`gisplan._threads.cores`),
and not when ``GISPLAN_HELPER=0`` is set in the environment.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from gisplan._threads import cores

log = logging.getLogger(__name__)

#: Environment variable turning the helper off (``0``).
ENV = "GISPLAN_HELPER"
_HEAD = struct.Struct("<Q")


def wanted() -> bool:
    """True when work may go to a helper process: two cores or more, and not turned off."""
    return os.environ.get(ENV, "1") != "0" and cores() >= 2


class Job:
    """One call sent to a :class:`Helper`; :meth:`result` is its return value."""

    def __init__(self, helper: Helper | None, number: int, fn: Callable, args: tuple, kwargs: dict):
        self._helper, self._number = helper, number
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._done = False
        self._value: Any = None

    def result(self, replay: bool = True) -> Any:
        """The function's return value, with its warnings and log records replayed here (unless
        ``replay`` is False); the function called in this process when the helper could not give it."""
        if not self._done:
            got = self._helper.take(self._number) if self._helper is not None else None
            if got is None:
                self._value = self._fn(*self._args, **self._kwargs)
            else:
                value, caught, records = got if replay else (got[0], [], [])
                for message, category, filename, lineno, module in caught:
                    if filename == __file__:  # it named the job's caller there: name the caller here
                        warnings.warn(message, category, stacklevel=2)
                    else:
                        warnings.warn_explicit(message, category, filename, lineno, module=module)
                for record in records:
                    logger = logging.getLogger(record.name)
                    if logger.isEnabledFor(record.levelno):
                        logger.handle(record)
                self._value = value
            self._done = True
            self._fn = self._args = self._kwargs = None
        return self._value


def start() -> Helper | None:
    """A new helper process, or None when none is :func:`wanted` or it cannot be started."""
    if not wanted():
        return None
    try:
        return Helper()
    except OSError as exc:
        log.debug("no helper process (%s): the work runs here", exc)
        return None


class Helper:
    """A helper process running jobs in the order they are submitted (:meth:`submit`)."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p or os.getcwd() for p in sys.path))
        self._proc = subprocess.Popen([sys.executable, "-c", "from gisplan._background import serve; serve()"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      env=env)
        self._replies: dict[int, bytes] = {}
        self._ended = False
        self._lock = threading.Condition()
        self._count = 0
        # the replies are read as they come (the helper must not wait on a full pipe before its
        # next job); the thread only moves bytes
        self._reader = threading.Thread(target=self._read, name="gisplan-helper-reader", daemon=True)
        self._reader.start()
        self._finalizer = weakref.finalize(self, _stop, self._proc)

    def submit(self, fn: Callable, *args, **kwargs) -> Job:
        """Send ``fn(*args, **kwargs)`` (``fn`` defined at the top of a module; small arguments)."""
        number = self._count
        self._count += 1
        try:
            _send(self._proc.stdin, number, pickle.dumps((fn.__module__, fn.__qualname__, args, kwargs), protocol=5))
        except (OSError, pickle.PicklingError, AttributeError, TypeError) as exc:
            log.debug("helper job %s not sent (%s): it runs here", getattr(fn, "__qualname__", fn), exc)
            return Job(None, number, fn, args, kwargs)
        return Job(self, number, fn, args, kwargs)

    def take(self, number: int) -> tuple[Any, list, list] | None:
        """The reply to job ``number`` (value, warnings, log records), or None when the helper
        did not give one (it failed, or the job raised)."""
        with self._lock:
            while number not in self._replies and not self._ended:
                self._lock.wait()
            data = self._replies.pop(number, None)
        if data is None:
            return None
        try:
            ok, value, caught, records = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - any failure: the job runs here
            log.debug("helper reply %d unreadable (%s): the job runs here", number, exc)
            return None
        if not ok:
            log.debug("helper job %d failed (%s): it runs here", number, value)
            return None
        return value, caught, records

    def close(self) -> None:
        """End the helper (its running job is abandoned)."""
        self._finalizer()

    def _read(self) -> None:
        try:
            for number, data in _frames(self._proc.stdout):
                with self._lock:
                    self._replies[number] = data
                    self._lock.notify_all()
        finally:
            with self._lock:
                self._ended = True
                self._lock.notify_all()


def _stop(proc: subprocess.Popen) -> None:
    for close in (proc.stdin.close, proc.kill):
        try:
            close()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - killed above
        pass
    proc.stdout.close()


class _Records(logging.Handler):
    """Collects the log records of ``gisplan`` in the helper, made picklable."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


def serve() -> None:  # pragma: no cover - runs in the helper process (tests drive it from outside)
    """The helper's loop: read a job from stdin, run it, write its reply to stdout."""
    inp = sys.stdin.buffer
    # the replies go through a copy of the output pipe; whatever else writes to standard output
    # (Python or a library's C code) goes to standard error instead, never into a reply
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logger = logging.getLogger("gisplan")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    # the jobs are read as they come (the main process must not wait on a full pipe while a job
    # runs here); the thread only moves bytes
    jobs: queue.Queue = queue.Queue()
    threading.Thread(target=_queue_jobs, args=(inp, jobs), daemon=True).start()
    while True:
        job = jobs.get()
        if job is None:
            return
        number, payload = job
        try:
            module, qualname, args, kwargs = pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001 - reported; the main process runs the job itself
            _send(out, number, pickle.dumps((False, f"job not readable here: {exc!r}", [], []), protocol=5))
            continue
        del payload, job
        handler = _Records()
        logger.addHandler(handler)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fn = importlib.import_module(module)
                for part in qualname.split("."):
                    fn = getattr(fn, part)
                value, ok = fn(*args, **kwargs), True
            except BaseException as exc:  # noqa: BLE001 - reported; the main process runs the job itself
                value, ok = repr(exc), False
        logger.removeHandler(handler)
        modules = {getattr(m, "__file__", None): name for name, m in list(sys.modules.items())}
        shown = [(w.message, w.category, w.filename, w.lineno, modules.get(w.filename)) for w in caught]
        try:
            data = pickle.dumps((ok, value, shown, handler.records), protocol=5)
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps((False, f"reply not picklable: {exc!r}", [], []), protocol=5)
        del value, args, kwargs
        _send(out, number, data)


def _send(stream, number: int, data: bytes) -> None:
    """Write one frame — its length and number, then ``data`` — to ``stream`` (a job or a reply)."""
    stream.write(_HEAD.pack(len(data)) + _HEAD.pack(number))
    stream.write(data)
    stream.flush()


def _frames(stream):
    """The frames of :func:`_send` read from ``stream``, as ``(number, data)``, until it ends."""
    try:
        while True:
            head = stream.read(2 * _HEAD.size)
            if len(head) < 2 * _HEAD.size:
                return
            (n,), (number,) = _HEAD.unpack(head[:_HEAD.size]), _HEAD.unpack(head[_HEAD.size:])
            data = stream.read(n)
            if len(data) < n:
                return
            yield number, data
    except (OSError, ValueError):  # the stream closed under the reader
        return


def _queue_jobs(inp, jobs: queue.Queue) -> None:  # pragma: no cover - runs in the helper process
    """Put each job read from ``inp`` (number, payload) into ``jobs``; None at the end."""
    try:
        for frame in _frames(inp):
            jobs.put(frame)
    finally:
        jobs.put(None)
