"""Zonal forest statistics past one process: the windows of :func:`gisplan.zonal.class_sums` as
dask.distributed tasks.

:func:`gisplan.zonal.class_sums` cuts the zones' part of the raster into windows (strips of rows
cut into tiles of columns, with the minimum-area halo) and computes partial sums per window.
With a ``client`` (``forest_cover(..., client=client)``, ``gisplan national --scheduler …``)
each window becomes one task: the worker opens the raster itself (a path on a shared disk, or a
GDAL URL such as ``/vsicurl/https://…/canopy.tif`` of a Cloud-Optimized GeoTIFF), reads only
its window and returns the window's sums for the zones in it. The caller adds them in the
windows' order — the order the single-process path uses — so both give the same sums to the
last digit, whatever the number of workers.

Clusters
--------
``get_client("local")`` starts a :class:`distributed.LocalCluster` on this machine (one
single-threaded worker process per core by default); ``get_client("tcp://host:8786")`` connects
to a running scheduler, e.g. one started by ``dask-jobqueue`` on a SLURM/PBS cluster
(``SLURMCluster(cores=4, memory="8GB").scale(jobs=10)``, then its ``scheduler_address``) or by
the dask Helm chart / dask-kubernetes operator on Kubernetes. Workers need gisplan installed
(``pip install "gisplan[dask]"``) and read access to the rasters.

Needs the ``dask`` extra: ``pip install "gisplan[dask]"``.
"""

from __future__ import annotations

import logging
import os
import warnings

from gisplan.errors import MissingDependencyError, OptionError

log = logging.getLogger(__name__)

def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            'running on a dask cluster needs dask.distributed: pip install "gisplan[dask]"') from exc
    return distributed


def get_client(scheduler: str | None, *, n_workers: int | None = None, processes: bool = True):
    """A ``dask.distributed.Client`` for ``scheduler``.

    Parameters
    ----------
    scheduler : ``"local"`` (a LocalCluster on this machine), or a scheduler address
        (``tcp://host:8786``); None returns None (run in this process).
    n_workers : workers of a local cluster (default: the CPU count), one thread each.
    processes : local workers as processes (default) or as threads of this process.

    Raises
    ------
    MissingDependencyError
        dask.distributed is not installed.
    OptionError
        ``n_workers`` below 1, or a scheduler address that cannot be reached.
    """
    if scheduler is None:
        return None
    distributed = _import_distributed()
    if scheduler == "local":
        n = n_workers if n_workers is not None else (os.cpu_count() or 1)
        if n < 1:
            raise OptionError(f"n_workers={n_workers} must be ≥ 1")
        # distributed warns about ports it picks itself (another cluster on the machine): not
        # the user's business
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                               dashboard_address=":0")
            return distributed.Client(cluster)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return distributed.Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise OptionError(f"cannot reach the dask scheduler at {scheduler!r}: {exc}; give its address "
                          f"(tcp://host:8786) or 'local'") from exc


def close_client(client) -> None:
    """Close ``client`` and, when it owns a local cluster, the cluster too."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client.close()
        if cluster is not None:
            cluster.close()
