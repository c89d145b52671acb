"""Electron bunches entering a solenoid: the beams, a Boris pusher and their deposition on the grid.

The pusher moves macro-particles in **external fields only** (the solenoid; no space charge: at
gamma >= 5 the bunch's own electric and magnetic forces cancel to 1/gamma^2, and the fields this
process computes are the bunch's, not forces fed back on it). The solenoid is a finite current sheet
of radius R from z_0 to z_0 + L, on axis

    B_z(z) = B_0 / 2 [ (z - z_0) / sqrt((z - z_0)^2 + R^2) - (z - z_0 - L) / sqrt((z - z_0 - L)^2 + R^2) ],

off axis to first order (paraxial): B_r = -r/2 dB_z/dz, B_z(r, z) = B_z(z). Entering it gives the
bunch the Busch rotation (an azimuthal velocity, so J_x, J_y) and focuses it.

Beams (numpy, SI, momenta as gamma beta): ``gaussian_beam`` (one Gaussian bunch: the test beams),
``complex_beam`` (2-4 beamlets, rings, x-z and y-z tilts, energy chirps, offsets: the training
beams). ``snapshots`` tracks a beam from upstream of the solenoid with the Boris rotation and
returns the particles at the lab times its centroid crosses given z; ``deposit`` puts them on the
pipe grid (cloud in cell, centred on the centroid's z, periodic in z) as rho [C/m^3] and
J = sum q v S / V [A/m^2]; particles beyond the walls are dropped (counted).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .spectral import C, E_CHARGE, M_E, PipeGrid

Q_E = -E_CHARGE             # electron charge [C]


@dataclass(frozen=True)
class Solenoid:
    """A finite solenoid: peak field ``b0`` [T], entrance ``z0`` [m], length ``length`` [m], radius ``radius`` [m]."""

    b0: float = 0.3
    z0: float = 0.05
    length: float = 0.2
    radius: float = 0.03

    def on_axis(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """B_z(z) and dB_z/dz on the axis."""
        R2 = self.radius ** 2
        u, w = z - self.z0, z - self.z0 - self.length
        bz = 0.5 * self.b0 * (u / np.sqrt(u * u + R2) - w / np.sqrt(w * w + R2))
        dbz = 0.5 * self.b0 * (R2 / (u * u + R2) ** 1.5 - R2 / (w * w + R2) ** 1.5)
        return bz, dbz

    def field(self, pos: np.ndarray) -> np.ndarray:
        """B [T] at positions (N, 3) (paraxial)."""
        bz, dbz = self.on_axis(pos[:, 2])
        return np.stack([-0.5 * pos[:, 0] * dbz, -0.5 * pos[:, 1] * dbz, bz], axis=1)


def boris_step(pos: np.ndarray, u: np.ndarray, dt: float, field) -> None:
    """One Boris step in place, magnetic field only: pos [m] (N, 3), u = gamma beta (N, 3), dt [s]."""
    gamma = np.sqrt(1.0 + (u * u).sum(axis=1, keepdims=True))
    pos += 0.5 * dt * C * u / gamma                     # drift half a step (leapfrog on positions)
    t = (Q_E / M_E) * field(pos) * (0.5 * dt) / gamma   # rotation vector
    s = 2.0 * t / (1.0 + (t * t).sum(axis=1, keepdims=True))
    up = u + np.cross(u, t)
    u += np.cross(up, s)
    gamma = np.sqrt(1.0 + (u * u).sum(axis=1, keepdims=True))
    pos += 0.5 * dt * C * u / gamma


def _gaussian(rng, n, sigma, centre=(0.0, 0.0, 0.0)):
    return rng.standard_normal((n, 3)) * np.asarray(sigma) + np.asarray(centre)


def gaussian_beam(rng: np.random.Generator, n: int, *, gamma: float, z_start: float, a: float) -> dict:
    """One Gaussian bunch (a test beam): rms sizes sigma_x, sigma_y in [0.06, 0.16] a, sigma_z in
    [0.15, 0.35] a, centre offset up to 0.15 a, normalised emittance-like angular spread 1e-3,
    energy spread 0.3 %. Returns positions (N, 3) [m] (z about ``z_start``) and u = gamma beta."""
    sig = (rng.uniform(0.06, 0.16) * a, rng.uniform(0.06, 0.16) * a, rng.uniform(0.15, 0.35) * a)
    off = rng.uniform(-0.15, 0.15, 2) * a
    pos = _gaussian(rng, n, sig, (off[0], off[1], z_start))
    g = gamma * (1.0 + 3e-3 * rng.standard_normal(n))
    uz = np.sqrt(g * g - 1.0)
    u = np.stack([1e-3 * uz * rng.standard_normal(n), 1e-3 * uz * rng.standard_normal(n), uz], axis=1)
    return {"pos": pos, "u": u, "kind": "gaussian", "sigma": np.array(sig), "offset": off}


def complex_beam(rng: np.random.Generator, n: int, *, gamma: float, z_start: float, a: float) -> dict:
    """A "complex" training beam: 2-4 beamlets, each a Gaussian or a ring (radius 0.1-0.3 a), with
    offsets up to 0.3 a, rms sizes 0.03-0.12 a (z: 0.08-0.3 a), x-z and y-z tilts up to 0.5, energy
    chirps up to +-3 % over the bunch and an energy spread of 0.5 %, angular spreads 1e-3."""
    k = int(rng.integers(2, 5))
    weights = rng.dirichlet(np.ones(k))
    counts = np.maximum(1, np.round(weights * n).astype(int))
    pos_all, u_all = [], []
    for m in counts:
        sig = np.array([rng.uniform(0.03, 0.12) * a, rng.uniform(0.03, 0.12) * a, rng.uniform(0.08, 0.3) * a])
        centre = np.array([*rng.uniform(-0.3, 0.3, 2) * a, z_start + rng.uniform(-0.3, 0.3) * a])
        p = _gaussian(rng, m, sig)
        if rng.random() < 0.35:                           # a ring of radius r0
            phi = rng.uniform(0, 2 * np.pi, m)
            r0 = rng.uniform(0.1, 0.3) * a
            rr = r0 + 0.25 * sig[0] * rng.standard_normal(m)
            p[:, 0], p[:, 1] = rr * np.cos(phi), rr * np.sin(phi)
        tilt = rng.uniform(-0.5, 0.5, 2)
        p[:, 0] += tilt[0] * p[:, 2]
        p[:, 1] += tilt[1] * p[:, 2]
        chirp = rng.uniform(-0.03, 0.03)
        g = gamma * (1.0 + chirp * p[:, 2] / sig[2] / 2 + 5e-3 * rng.standard_normal(m))
        uz = np.sqrt(g * g - 1.0)
        u = np.stack([1e-3 * uz * rng.standard_normal(m), 1e-3 * uz * rng.standard_normal(m), uz], axis=1)
        pos_all.append(p + centre)
        u_all.append(u)
    return {"pos": np.concatenate(pos_all), "u": np.concatenate(u_all), "kind": "complex", "beamlets": k}


def snapshots(beam: dict, solenoid: Solenoid, z_marks, *, dt: float = 2e-12) -> list[dict]:
    """Track ``beam`` (its particles at lab time 0) through ``solenoid`` with Boris steps of ``dt``
    [s]; at each z in ``z_marks`` (increasing) return the particles at the first lab time the
    centroid's z has passed it: dicts with pos (N, 3) [m], v (N, 3) [m/s], time [s]."""
    pos, u = beam["pos"].copy(), beam["u"].copy()
    out, t = [], 0.0
    marks = list(z_marks)
    while marks:
        if pos[:, 2].mean() >= marks[0]:
            gamma = np.sqrt(1.0 + (u * u).sum(axis=1, keepdims=True))
            out.append({"pos": pos.copy(), "v": C * u / gamma, "time": t})
            marks.pop(0)
            continue
        boris_step(pos, u, dt, solenoid.field)
        t += dt
        if t > 1e-6:
            raise RuntimeError("tracking did not reach the requested z marks within 1 us")
    return out


def deposit(pos: np.ndarray, vel: np.ndarray, q: float, grid: PipeGrid) -> tuple[np.ndarray, np.ndarray, float]:
    """Cloud-in-cell deposition of macro-particles of charge ``q`` [C] each on the pipe grid, z
    centred on the particles' mean z and periodic: (rho [C/m^3] (n_x, n_y, n_z), J [A/m^2]
    (3, n_x, n_y, n_z), the fraction of charge dropped beyond the outermost cell centres)."""
    nx, ny, nz = grid.n
    hx, hy, hz = grid.h
    z = pos[:, 2] - pos[:, 2].mean()
    ux = (pos[:, 0] + grid.a) / hx - 0.5
    uy = (pos[:, 1] + grid.a) / hy - 0.5
    uz = (z + grid.period / 2) / hz - 0.5
    ix, iy, iz = np.floor(ux).astype(np.int64), np.floor(uy).astype(np.int64), np.floor(uz).astype(np.int64)
    fx, fy, fz = ux - ix, uy - iy, uz - iz
    size = nx * ny * nz
    rho = np.zeros(size)
    J = np.zeros((3, size))
    kept = 0.0
    for dx in (0, 1):
        wx = fx if dx else 1.0 - fx
        jx = ix + dx
        for dy in (0, 1):
            wy = fy if dy else 1.0 - fy
            jy = iy + dy
            for dz in (0, 1):
                w = wx * wy * (fz if dz else 1.0 - fz)
                jz = np.mod(iz + dz, nz)
                ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny)
                flat = (jx[ok] * ny + jy[ok]) * nz + jz[ok]
                rho += np.bincount(flat, weights=w[ok], minlength=size)
                for c in range(3):
                    J[c] += np.bincount(flat, weights=w[ok] * vel[ok, c], minlength=size)
                kept += float(w[ok].sum())
    vol = hx * hy * hz
    dropped = 1.0 - kept / len(pos)
    return (q / vol) * rho.reshape(nx, ny, nz), (q / vol) * J.reshape(3, nx, ny, nz), dropped


def beam_current_scale(charge: float, sigma_z: float) -> float:
    """Peak current [A] of a Gaussian bunch of ``charge`` [C] and rms length ``sigma_z`` [m] at c."""
    return abs(charge) * C / (math.sqrt(2 * math.pi) * sigma_z)
