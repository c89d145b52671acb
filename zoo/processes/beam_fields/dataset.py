"""The beam-fields training set: current densities of tracked bunches and their exact fields.

    python -m zoo.processes.beam_fields.dataset            # checkpoints/data/beam_fields-<spec>.npz

``n_complex`` complex beams and ``n_gaussian`` Gaussian beams (``beams``) are tracked from upstream
of a solenoid and deposited at ``len(z_marks)`` snapshots each (before it, at its entrance, inside,
at its exit). Complex beams are split by beam into training and validation (``val_fraction``);
Gaussian beams are the test set: no network trains on one. The file holds J (float32, A/m^2) and
rho (C/m^3); ``BeamDataset.fields`` computes A and B by the exact solver (``spectral.solve``, float64,
then float32), so the targets are always the solver's, never stored copies.
"""
from __future__ import annotations

import argparse
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

SPLITS = ("train", "val", "test")
DATA_MODULE = "zoo.processes.beam_fields.dataset"     # python -m DATA_MODULE generates the set


@dataclass(frozen=True)
class DatasetSpec:
    """What a training set holds (its ``key()`` names the file)."""

    n: int = 32                       # transverse cells per axis
    n_z: int = 32                     # cells along z
    a: float = 2e-3                   # pipe half-width [m]
    period: float = 6e-3              # z period [m]
    gamma: float = 10.0               # design Lorentz factor (the solver's)
    charge: float = -1e-9             # bunch charge [C]
    particles: int = 50_000           # macro-particles per beam
    n_complex: int = 50
    n_gaussian: int = 12
    z_marks: tuple[float, ...] = (0.03, 0.06, 0.15, 0.27)
    solenoid_b0: float = 0.5          # [T]
    dt: float = 5e-12                 # Boris step [s] (0.03 rad of cyclotron rotation at 0.5 T, gamma 10)
    val_fraction: float = 0.15
    seed: int = 0

    def __post_init__(self):
        if self.n < 4 or self.n_z < 4 or self.n % 2 or self.n_z % 2:
            raise ValueError(f"n and n_z must be even and >= 4, got {self.n}, {self.n_z}")
        if self.n_complex < 2 or self.n_gaussian < 1 or self.particles < 100:
            raise ValueError("need at least 2 complex beams, 1 Gaussian beam and 100 particles per beam")

    def key(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def grid(self):
        from .spectral import PipeGrid

        return PipeGrid((self.n, self.n, self.n_z), self.a, self.period)

    def solenoid(self):
        from .beams import Solenoid

        return Solenoid(b0=self.solenoid_b0)

    def command(self, out) -> str:
        d = dataclasses.asdict(self)
        flags = " ".join(f"--{k.replace('_', '-')} {','.join(map(str, v)) if isinstance(v, tuple) else v}"
                         for k, v in d.items())
        return f"python -m {DATA_MODULE} {flags} --out {out}"


@dataclass
class BeamDataset:
    """A loaded training set: ``J`` (N, 3, n, n, n_z) [A/m^2], ``rho``, ``split`` (0 train, 1 val,
    2 test), ``beam`` (beam index), ``snapshot``; ``fields(idx)`` the exact A and B."""

    path: Path
    arrays: dict
    meta: dict
    sha256: str
    spec: DatasetSpec = field(init=False)

    def __post_init__(self):
        d = dict(self.meta["spec"])
        d["z_marks"] = tuple(d["z_marks"])
        self.spec = DatasetSpec(**d)

    J = property(lambda self: self.arrays["J"])
    rho = property(lambda self: self.arrays["rho"])
    split = property(lambda self: self.arrays["split"])

    def indices(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == SPLITS.index(split))

    def fields(self, idx, *, chunk: int = 8) -> dict[str, np.ndarray]:
        """The exact A (Coulomb gauge) [T m] and B [T] of samples ``idx``: float32 (len, 3, n, n, n_z)."""
        import torch

        from .spectral import Spectral, solve

        idx = np.asarray(idx)
        grid = self.spec.grid()
        sp = Spectral(grid)
        A = np.empty((len(idx), 3, *grid.n), np.float32)
        B = np.empty_like(A)
        for s in range(0, len(idx), chunk):
            f = solve(torch.from_numpy(self.J[idx[s:s + chunk]]), grid, self.spec.gamma, sp)
            A[s:s + chunk], B[s:s + chunk] = f["A"].float().numpy(), f["B"].float().numpy()
        return {"A": A, "B": B}


def load_dataset(path, *, sha256: str | None = None) -> BeamDataset:
    """Read a beam-fields set; ValueError if it is not one or its content hash is not ``sha256``."""
    path, arrays, meta, digest = read_checked(path, what="beam-fields set", generator=DATA_MODULE,
                                              need={"J", "rho", "split", "beam", "snapshot"}, sha256=sha256)
    if meta.get("process") != "beam_fields":
        raise ValueError(f"dataset {path} is not a beam-fields set (meta process {meta.get('process')!r})")
    return BeamDataset(path, arrays, meta, digest)


def hardware() -> str:
    return f"CPU {platform.processor() or platform.machine()} ({os.cpu_count()} cores), 1 thread (numpy)"


def generate(spec: DatasetSpec, path, *, stream=sys.stderr, force: bool = False) -> BeamDataset:
    """Track, deposit and write the set of ``spec`` into ``path`` (an .npz), or reuse it when it holds
    that spec already. Progress goes to ``stream``."""
    from .beams import complex_beam, deposit, gaussian_beam, snapshots

    path = Path(path)
    if path.is_file() and not force:
        try:
            ds = load_dataset(path)
        except ValueError as err:
            print(f"[beam_fields] {err}; generating it again", file=stream)
        else:
            if ds.meta.get("spec") == json.loads(json.dumps(dataclasses.asdict(spec))):
                print(f"[beam_fields] reusing {path} (sha256 {ds.sha256[:12]}...)", file=stream)
                return ds
    rng = np.random.default_rng(spec.seed)
    grid, sol = spec.grid(), spec.solenoid()
    n_beams = spec.n_complex + spec.n_gaussian
    n_val = max(1, int(round(spec.val_fraction * spec.n_complex)))
    val_beams = set(rng.choice(spec.n_complex, n_val, replace=False).tolist())
    J, rho, split, beam, snap, dropped = [], [], [], [], [], []
    t0 = time.perf_counter()
    z_start = -0.02
    for b in range(n_beams):
        make = complex_beam if b < spec.n_complex else gaussian_beam
        bm = make(rng, spec.particles, gamma=spec.gamma, z_start=z_start, a=spec.a)
        q = spec.charge / len(bm["pos"])
        for s, shot in enumerate(snapshots(bm, sol, spec.z_marks, dt=spec.dt)):
            r, j, d = deposit(shot["pos"], shot["v"], q, grid)
            J.append(j.astype(np.float32))
            rho.append(r.astype(np.float32))
            split.append(2 if b >= spec.n_complex else (1 if b in val_beams else 0))
            beam.append(b)
            snap.append(s)
            dropped.append(d)
        el = time.perf_counter() - t0
        print(f"\r[beam_fields] beam {b + 1}/{n_beams}  {el / (b + 1):.2f} s/beam", end="", file=stream, flush=True)
    print(file=stream)
    arrays = {"J": np.stack(J), "rho": np.stack(rho), "split": np.array(split, np.int8),
              "beam": np.array(beam, np.int32), "snapshot": np.array(snap, np.int8),
              "dropped": np.array(dropped)}
    digest = content_sha256(arrays)
    meta = {"process": "beam_fields", "spec": dataclasses.asdict(spec), "sha256": digest,
            "command": spec.command(path), "wall_time_s": round(time.perf_counter() - t0, 2),
            "hardware": hardware(), "max_dropped_fraction": float(np.max(dropped))}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: np.savez(f, meta=np.array(json.dumps(meta)), **arrays), what="dataset path")
    print(f"[beam_fields] wrote {path} ({path.stat().st_size / 1e6:.0f} MB, sha256 {digest[:12]}...) in "
          f"{meta['wall_time_s']:.0f} s", file=stream, flush=True)
    return BeamDataset(path, {**arrays, "meta": np.array(json.dumps(meta))}, meta, digest)


def default_path(spec: DatasetSpec, root=None) -> Path:
    root = Path(root) if root else Path("checkpoints") / "data"
    return root / f"beam_fields-n{spec.n}-{spec.key()}.npz"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=f"python -m {DATA_MODULE}", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    for f in dataclasses.fields(DatasetSpec):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "z_marks":
            ap.add_argument(flag, default=",".join(map(str, f.default)),
                            help="snapshot z of the centroid [m], comma-separated")
        else:
            ap.add_argument(flag, type=type(f.default), default=f.default)
    ap.add_argument("--out", default=None)
    ap.add_argument("--force", action="store_true")
    args = vars(ap.parse_args(argv))
    out, force = args.pop("out"), args.pop("force")
    args["z_marks"] = tuple(float(v) for v in str(args["z_marks"]).split(","))
    spec = DatasetSpec(**args)
    generate(spec, out or default_path(spec), force=force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
