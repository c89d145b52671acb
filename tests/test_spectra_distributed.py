"""The Dask path: sharding the (gamma, eps0) grid over 2 worker processes gives the single-process result."""
import numpy as np
import pytest
import torch

import zoo
from zoo.processes.inverse_compton.spectra import PowerLaw, SpectrumConfig, monte_carlo_spectrum
from zoo.processes.inverse_compton.spectra.distributed import distributed_spectrum, model_loads, shard_blocks

distributed = pytest.importorskip("distributed")


def test_shard_blocks_cover_every_block_once():
    for n_blocks, n_shards in [(10, 3), (3, 10), (1, 1), (7, 7)]:
        shards = shard_blocks(n_blocks, n_shards)
        assert [b for s in shards for b in s] == list(range(n_blocks))
        assert all(s for s in shards) and len(shards) <= n_shards


def test_dask_local_cluster_matches_single_process():
    torch.set_num_threads(1)
    cfg = SpectrumConfig(PowerLaw(3.2, 1.0, 1e7), PowerLaw(2.5, 1e-9, 1e-3), n_gamma=16, n_eps0=8,
                         n_per_cell=50, bins_per_decade=2, block_cells=10, seed=7)
    single = monte_carlo_spectrum(zoo.load("ic-isotropic"), cfg)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        seen = []
        runs = [distributed_spectrum(client, "ic-isotropic", cfg, n_shards=n,
                                     progress=lambda d, t, s: seen.append((d, t))) for n in (3, 5)]
        loads = client.run(model_loads)
    for mc in runs:
        for name in ("value", "error", "counts", "n_eff"):
            np.testing.assert_array_equal(getattr(mc, name), getattr(single, name))
        assert mc.total_rate == single.total_rate
    assert seen[-1] == (cfg.n_blocks, cfg.n_blocks)
    # each worker process loaded the model at most once, however many shards it ran
    assert len(loads) == 2 and all(v.get("ic-isotropic", 0) <= 1 for v in loads.values())
    assert sum(v.get("ic-isotropic", 0) for v in loads.values()) >= 1
