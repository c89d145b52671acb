"""Shard the (gamma, eps0) grid of a Monte Carlo spectrum across Dask workers (extra ``dask``).

Blocks of ``cfg.block_cells`` consecutive cells are grouped into contiguous shards, one
Dask task each. A worker process loads the model once (by registry name or folder,
so the weights are read on the worker, not shipped from the client) and keeps it for
later tasks. Block sums come back to the client and are reduced in block order, so
the result is bit-identical to :func:`zoo.processes.inverse_compton.spectra.montecarlo.monte_carlo_spectrum`
with the same configuration, for any number of workers or shards.

    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1) as cluster, Client(cluster) as client:
        mc = distributed_spectrum(client, "ic-isotropic", cfg)

On a SLURM machine (``pip install dask-jobqueue``), see docs/spectra.md:

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=8, processes=8, memory="16GB", walltime="01:00:00")
    cluster.scale(jobs=4)   # 32 single-threaded workers
    mc = distributed_spectrum(Client(cluster), "ic-isotropic", cfg)
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Callable

from .montecarlo import MCSpectrum, SpectrumConfig, combine, run_block

_SAMPLERS: dict = {}
_LOADS: Counter = Counter()
_LOCK = threading.Lock()


def worker_sampler(model: str):
    """The sampler of ``model`` in this process, loaded on first use (one load per process)."""
    with _LOCK:
        if model not in _SAMPLERS:
            from ....api import load_sampler as load

            _SAMPLERS[model] = load(model)
            _LOADS[model] += 1
        return _SAMPLERS[model]


def model_loads() -> dict[str, int]:
    """How many times this process loaded each model (``client.run(model_loads)`` asks every worker)."""
    return dict(_LOADS)


def run_shard(model: str, cfg: SpectrumConfig, blocks: list[int], device=None, threads: int = 1):
    """Worker task: the block sums of ``blocks``."""
    import torch

    torch.set_num_threads(threads)
    sampler = worker_sampler(model)
    return [run_block(sampler, cfg, b, device) for b in blocks]


def shard_blocks(n_blocks: int, n_shards: int) -> list[list[int]]:
    """Split block indices 0..n_blocks-1 into at most n_shards contiguous, non-empty shards."""
    n_shards = max(1, min(n_shards, n_blocks))
    bounds = [round(k * n_blocks / n_shards) for k in range(n_shards + 1)]
    return [list(range(a, b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def distributed_spectrum(client, model: str, cfg: SpectrumConfig, *, n_shards: int | None = None,
                         device=None, threads: int = 1,
                         progress: Callable[[int, int, float], None] | None = None) -> MCSpectrum:
    """Monte Carlo spectrum computed on the workers of a ``distributed.Client``.

    ``model``: registry name or folder path that every worker can resolve. ``n_shards``
    defaults to 4 per worker (load balancing). ``device``: torch device on the workers.
    ``progress(done_blocks, n_blocks, elapsed_s)`` is called as shards complete.
    """
    from distributed import as_completed

    t0 = time.perf_counter()
    if n_shards is None:
        n_shards = 4 * max(1, len(client.scheduler_info().get("workers", {})))
    shards = shard_blocks(cfg.n_blocks, n_shards)
    futures = [client.submit(run_shard, model, cfg, blocks, device, threads, pure=False) for blocks in shards]
    out = []
    for fut in as_completed(futures):
        out.extend(fut.result())
        if progress is not None:
            progress(len(out), cfg.n_blocks, time.perf_counter() - t0)
    return combine(cfg, out, time.perf_counter() - t0)


def connect(spec: str):
    """A ``distributed.Client`` from ``local:N`` (a LocalCluster of N single-threaded worker
    processes) or a scheduler address such as ``tcp://host:8786``."""
    from distributed import Client, LocalCluster

    if spec.startswith("local"):
        _, _, n = spec.partition(":")
        cluster = LocalCluster(n_workers=int(n or 2), processes=True, threads_per_worker=1)
        return Client(cluster)
    return Client(spec)
