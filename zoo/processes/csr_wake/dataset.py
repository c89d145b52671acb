"""Training sets of the CSR-wake surrogates (issue 14): wakes of Gaussian bunches on one fixed grid.

    from zoo.processes.csr_wake.dataset import DatasetSpec, generate, load_dataset
    ds = generate(DatasetSpec(n=64), "checkpoints/data/x.npz")

    python -m zoo.processes.csr_wake.dataset                      # 216 bunches on 64^3, checkpoints/data/
    python -m zoo.processes.csr_wake.dataset --n 16 --per-axis 2 --out /tmp/smoke.npz

Every bunch lies on ONE physical grid (``n`` points per axis over +-``half_width``, default
+-48 um = 4 sigma of the largest bunch, 12 um), so the Green-function kernels of
``zoo.processes.csr_wake`` are computed once and each wake costs one FFT convolution
(measured single-threaded on the shared 2-core machine: 64^3 kernels 4.8 s, then 0.20 s per
wake; 48^3 2.4 s + 0.07 s; 32^3 1.0 s + 0.02 s).

Inputs: sigma_s, sigma_x, sigma_y in [2, 12] um, either the seed paper's 6 x 6 x 6 grid of values
(``sampling="grid"``, 216 bunches, the default) or a Latin hypercube of ``n_samples`` points
(``sampling="lhs"``, seeded). A seeded 85/15 split marks the held-out bunches. Out-of-distribution
densities for the lambda-NN (unlike any training bunch) are added with their wakes: two bunches,
a skewed (skew-normal in s) bunch, a tilted bunch (x offset growing along s) and a bunch offset in
y (not y-symmetric), ``ood_per_kind`` of each.

The file is an ``.npz`` of arrays (wakes as float32 in 1/m^2 per bunch electron) plus ``meta``
(JSON: the spec, the command, timings). Its identity is ``content_sha256``: the sha256 of every
array's name, dtype, shape and bytes, independent of the zip container (whose timestamps vary).
``generate`` reuses a file at the same path whose spec and content hash match.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...files import atomic_write
from ...surrogates.datafile import content_sha256, read_checked

#: bumped when the generator's output for the same spec changes
GENERATOR_VERSION = 1
#: the seed paper's domain of every sigma [m]
SIGMA_RANGE = (2e-6, 12e-6)
OOD_KINDS = ("two-bunch", "skewed", "tilted", "offset-y")
INPUT_NAMES = ("sigma_s", "sigma_x", "sigma_y")


@dataclass(frozen=True)
class DatasetSpec:
    """Everything that determines a training set (and nothing that does not)."""

    n: int = 64                          # grid points per axis
    half_width: float = 48e-6            # grid spans [-half_width, half_width] on every axis [m]
    sampling: str = "grid"               # "grid" (per_axis^3 bunches) or "lhs" (n_samples bunches)
    per_axis: int = 6
    n_samples: int = 216
    sigma_range: tuple[float, float] = SIGMA_RANGE
    seed: int = 0
    test_fraction: float = 0.15
    ood_per_kind: int = 4
    rho: float = 1.0
    gamma: float = 500.0
    generator_version: int = GENERATOR_VERSION

    def __post_init__(self):
        if self.sampling not in ("grid", "lhs"):
            raise ValueError(f"sampling must be 'grid' or 'lhs', got {self.sampling!r}")
        if not 4 <= self.n <= 256:
            raise ValueError(f"n must be in [4, 256], got {self.n}")
        lo, hi = self.sigma_range
        if not 0 < lo < hi or self.half_width <= 0:
            raise ValueError("sigma_range must be 0 < lo < hi and half_width positive")
        if not 0 < self.test_fraction < 1:
            raise ValueError("test_fraction must be in (0, 1)")
        if self.count < 2:
            raise ValueError("a training set needs at least 2 bunches")

    @property
    def count(self) -> int:
        return self.per_axis ** 3 if self.sampling == "grid" else self.n_samples

    @property
    def sampling_text(self) -> str:
        a = f"{self.sigma_range[0] * 1e6:g}-{self.sigma_range[1] * 1e6:g} um"
        if self.sampling == "grid":
            return f"grid {self.per_axis}x{self.per_axis}x{self.per_axis} of sigma_s, sigma_x, sigma_y evenly in {a}"
        return f"latin-hypercube {self.n_samples} of sigma_s, sigma_x, sigma_y uniform in {a} (seed {self.seed})"

    def key(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def grid(self):
        from . import Grid

        h = self.half_width
        return Grid(n=(self.n,) * 3, sigma=(h, h, h), extent=1.0)


def sigma_points(spec: DatasetSpec) -> np.ndarray:
    """(N, 3) bunch sizes (sigma_s, sigma_x, sigma_y) [m]."""
    lo, hi = spec.sigma_range
    if spec.sampling == "grid":
        v = np.linspace(lo, hi, spec.per_axis)
        return np.stack(np.meshgrid(v, v, v, indexing="ij"), axis=-1).reshape(-1, 3)
    rng = np.random.default_rng([spec.seed, 1])
    n = spec.n_samples
    u = (np.stack([rng.permutation(n) for _ in range(3)], axis=1) + rng.random((n, 3))) / n
    return lo + (hi - lo) * u


def heldout_mask(spec: DatasetSpec) -> np.ndarray:
    """Which bunches are held out: round(test_fraction * N) of them, drawn by the seed."""
    n = spec.count
    n_test = min(max(1, int(round(spec.test_fraction * n))), n - 1)
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng([spec.seed, 2]).permutation(n)[:n_test]] = True
    return mask


def _normalised(rho3: np.ndarray, grid) -> np.ndarray:
    return rho3 / (rho3.sum() * grid.cell_volume)


def ood_densities(spec: DatasetSpec) -> tuple[list[str], np.ndarray]:
    """Densities unlike the Gaussians of the training set [1/m^3], ``ood_per_kind`` per kind."""
    from scipy.special import ndtr

    grid = spec.grid()
    s, x, y = grid.mesh()
    rng = np.random.default_rng([spec.seed, 3])
    lo, hi = spec.sigma_range
    mid = lambda: rng.uniform(lo + 0.2 * (hi - lo), hi - 0.4 * (hi - lo), 3)  # noqa: E731
    g = lambda a, c, w: np.exp(-0.5 * ((a - c) / w) ** 2)  # noqa: E731
    kinds, out = [], []
    for kind in OOD_KINDS:
        for _ in range(spec.ood_per_kind):
            ss, sx, sy = mid()
            if kind == "two-bunch":
                sep, q = rng.uniform(2.5, 3.5) * ss, rng.uniform(0.3, 0.7)
                lam = (q * g(s, -sep / 2, ss) + (1 - q) * g(s, sep / 2, 0.7 * ss)) * g(x, 0, sx) * g(y, 0, sy)
            elif kind == "skewed":
                alpha = rng.choice([-1, 1]) * rng.uniform(3, 6)
                lam = g(s, 0, ss) * ndtr(alpha * s / ss) * g(x, 0, sx) * g(y, 0, sy)
            elif kind == "tilted":
                k = rng.choice([-1, 1]) * rng.uniform(0.3, 0.8)
                lam = g(s, 0, ss) * g(x, k * s, sx) * g(y, 0, sy)
            else:
                lam = g(s, 0, ss) * g(x, 0, sx) * g(y, rng.choice([-1, 1]) * rng.uniform(1, 2) * sy, sy)
            kinds.append(kind)
            out.append(_normalised(lam, grid))
    return kinds, (np.stack(out) if out else np.zeros((0, *grid.n)))


@dataclass
class WakeDataset:
    """A loaded training set (see the module docstring)."""

    path: Path
    arrays: dict[str, np.ndarray]
    meta: dict
    sha256: str
    spec: DatasetSpec = field(init=False)

    def __post_init__(self):
        d = dict(self.meta["spec"])
        d["sigma_range"] = tuple(d["sigma_range"])
        self.spec = DatasetSpec(**d)

    sigma = property(lambda self: self.arrays["sigma"])
    W = property(lambda self: self.arrays["W"])
    test = property(lambda self: self.arrays["test"])
    ood_kind = property(lambda self: [str(k) for k in self.arrays["ood_kind"]])
    ood_density = property(lambda self: self.arrays["ood_density"])
    ood_W = property(lambda self: self.arrays["ood_W"])

    @property
    def grid(self):
        return self.spec.grid()

    def density(self, i: int) -> np.ndarray:
        """The (unit-charge) Gaussian density of bunch i on the grid [1/m^3], float32."""
        from . import gaussian_density

        return gaussian_density(self.grid, *self.sigma[i]).astype(np.float32)

    def densities(self, idx) -> np.ndarray:
        return np.stack([self.density(int(i)) for i in idx])


def load_dataset(path: str | Path, *, sha256: str | None = None) -> WakeDataset:
    """Read a training set; ValueError if it is not one, or its content hash is not ``sha256``."""
    return WakeDataset(*read_checked(path, what="CSR wake training set", generator="zoo.processes.csr_wake.dataset",
                                     need={"sigma", "W", "test", "ood_kind", "ood_density", "ood_W"}, sha256=sha256))


def _hardware() -> str:
    return f"CPU {platform.processor() or platform.machine()} ({os.cpu_count()} cores), 1 thread (scipy.fft)"


def generate(spec: DatasetSpec, path: str | Path, *, command: str = "", stream=sys.stderr,
             force: bool = False) -> WakeDataset:
    """Compute the training set of ``spec`` into ``path`` (an .npz), or reuse it if it is there
    already with the same spec and an intact content hash. Progress goes to ``stream``."""
    from . import csr_kernels, gaussian_density, wake

    path = Path(path)
    if path.is_file() and not force:
        try:
            ds = load_dataset(path)
        except ValueError as err:
            print(f"[csr_wakes] {err}; generating it again", file=stream)
        else:
            if ds.meta.get("spec") == json.loads(json.dumps(dataclasses.asdict(spec))):
                print(f"[csr_wakes] reusing {path} (sha256 {ds.sha256[:12]}...)", file=stream)
                return ds
            print(f"[csr_wakes] {path} holds another spec; generating it again", file=stream)
    grid = spec.grid()
    sig = sigma_points(spec)
    kinds, ood = ood_densities(spec)
    t0 = time.perf_counter()
    kernels = csr_kernels(grid, rho=spec.rho, gamma=spec.gamma)
    t_kernels = time.perf_counter() - t0
    print(f"[csr_wakes] {spec.n}^3 grid over +-{spec.half_width * 1e6:g} um: kernels {t_kernels:.1f} s; "
          f"{len(sig)} bunches + {len(ood)} out-of-distribution densities", file=stream, flush=True)
    n_all = len(sig) + len(ood)
    W = np.empty((len(sig), 3, *grid.n), dtype=np.float32)
    ood_W = np.empty((len(ood), 3, *grid.n), dtype=np.float32)
    t1 = time.perf_counter()
    for i in range(n_all):
        lam = gaussian_density(grid, *sig[i]) if i < len(sig) else ood[i - len(sig)]
        w = np.stack(wake(lam, grid, rho=spec.rho, gamma=spec.gamma, kernels=kernels))
        if i < len(sig):
            W[i] = w
        else:
            ood_W[i - len(sig)] = w
        el = time.perf_counter() - t1
        if stream is not None and (i + 1 == n_all or (i + 1) % max(1, n_all // 50) == 0):
            print(f"\r[csr_wakes] wake {i + 1}/{n_all}  {el / (i + 1):.2f} s/wake  "
                  f"ETA {el / (i + 1) * (n_all - i - 1):.0f} s", end="", file=stream, flush=True)
    if stream is not None:
        print(file=stream)
    t_wakes = time.perf_counter() - t1
    arrays = {"sigma": sig, "W": W, "test": heldout_mask(spec), "ood_kind": np.array(kinds, dtype="U16"),
              "ood_density": ood.astype(np.float32), "ood_W": ood_W}
    digest = content_sha256(arrays)
    meta = {"spec": dataclasses.asdict(spec), "sha256": digest, "command": command,
            "kernels_s": round(t_kernels, 2), "wakes_s": round(t_wakes, 2),
            "per_wake_s": round(t_wakes / max(n_all, 1), 4),
            "wall_time_s": round(time.perf_counter() - t0, 2), "hardware": _hardware()}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: np.savez(f, meta=np.array(json.dumps(meta)), **arrays), what="dataset path")
    print(f"[csr_wakes] wrote {path} ({path.stat().st_size / 1e6:.0f} MB, sha256 {digest[:12]}...) in "
          f"{meta['wall_time_s']:.0f} s", file=stream, flush=True)
    return WakeDataset(path, {**arrays, "meta": np.array(json.dumps(meta))}, meta, digest)


# -- command line: python -m zoo.processes.csr_wake.dataset ------------------------------------------------
# Measured single-threaded (OMP_NUM_THREADS=1) on the shared 2-core machine (load ~5):
#
#     n     kernels   per wake   216 + 16 wakes   file
#     32    1.0 s     0.02 s     6 s (measured)   93 MB
#     48    2.4 s     0.07 s     ~20 s            ~310 MB
#     64    4.8 s     0.20 s     ~50 s            ~750 MB      <- default
#     128   45 s      2.4 s      ~10 min          ~5.8 GB      (docs/csr.md; the seed's grid)
#
# The grid size is set by what training can afford, not by the wakes: 64^3 keeps the set in memory
# (~1.5 GB while training) and the sigma-NN trainable on one CPU core in about an hour (the U-Net needs
# hours there; see the recipes' measured step times; GPU times not yet measured).
def main(argv=None) -> int:
    import argparse
    import shlex

    ap = argparse.ArgumentParser(description="Generate the CSR wake training set (Gaussian bunches on one grid).")
    ap.add_argument("--n", type=int, default=64, help="grid points per axis (default 64)")
    ap.add_argument("--half-width-um", type=float, default=48.0, help="grid spans +-this on every axis (um)")
    ap.add_argument("--sampling", choices=["grid", "lhs"], default="grid")
    ap.add_argument("--per-axis", type=int, default=6, help="values per sigma for --sampling grid (6: 216 bunches)")
    ap.add_argument("--n-samples", type=int, default=216, help="bunches for --sampling lhs")
    ap.add_argument("--seed", type=int, default=0, help="train/test split, LHS and out-of-distribution densities")
    ap.add_argument("--test-fraction", type=float, default=0.15)
    ap.add_argument("--ood-per-kind", type=int, default=4)
    ap.add_argument("--out", default=None, help="the .npz (default checkpoints/data/csr_wakes-n<N>-<spec hash>.npz)")
    ap.add_argument("--force", action="store_true", help="generate even if the file exists")
    args = ap.parse_args(argv)
    spec = DatasetSpec(n=args.n, half_width=args.half_width_um * 1e-6, sampling=args.sampling,
                       per_axis=args.per_axis, n_samples=args.n_samples, seed=args.seed,
                       test_fraction=args.test_fraction, ood_per_kind=args.ood_per_kind)
    out = Path(args.out) if args.out else (Path(__file__).resolve().parents[3] / "checkpoints" / "data"
                                           / f"csr_wakes-n{spec.n}-{spec.key()}.npz")
    command = "python -m zoo.processes.csr_wake.dataset " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    ds = generate(spec, out, command=command, force=args.force)
    print(f"{out}\nsha256 {ds.sha256}\n{len(ds.sigma)} bunches ({int(ds.test.sum())} held out) + "
          f"{len(ds.ood_kind)} out-of-distribution densities on {spec.n}^3; kernels {ds.meta['kernels_s']} s, "
          f"{ds.meta['per_wake_s']} s per wake, {ds.meta['wall_time_s']} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
