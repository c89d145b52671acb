"""The exact solver of the beam-fields process and the spectral operations every network shares.

**The approximation (quasi-static).** A bunch whose particles move with a common velocity
v = beta c z^ carries its fields along: they depend on (x, y, z - v t) only. The wave equation of
the Lorenz-gauge potential, (grad^2 - d_t^2 / c^2) A = -mu0 J, then reads

    (d_x^2 + d_y^2 + d_z^2 / gamma^2) A = -mu0 J,   i.e.   (k_x^2 + k_y^2 + k_z^2 / gamma^2) A^ = mu0 J^,

exact for a rigid bunch in uniform motion (it is the Lienard-Wiechert field of each particle,
``point_charge_B``). It breaks where the bunch changes shape within the time its field takes to
cross it (~ a / c in the pipe): velocity spreads (chirps, the rotation a solenoid gives) make the
true fields differ from this reference at order (v_spread / c)^2 gamma^2 ... and it ignores
radiation (no acceleration fields). The reference uses one gamma for all particles (the card's).

**The boundary.** A perfectly conducting square pipe, walls at x, y = +-a: tangential E and normal B
vanish there. Each component has a parity about the walls (image currents): J_z, A_z odd in x and y
(sines), J_x, A_x even in x, odd in y, J_y, A_y odd in x, even in y; B_x odd/even, B_y even/odd,
B_z even/even. Extending each component by its images onto a (2 n_x, 2 n_y, n_z) periodic grid
and taking FFTs gives the pipe's sine/cosine (DST-II/DCT-II) modes; z is periodic.

**The operators** (all on the extended grid, wave numbers ``k``; the derivative uses ``k_eff``,
the Nyquist mode set to 0, so that k_eff . (k_eff x F) = 0 exactly):

    A^ = mu0 J^ / (k_x^2 + k_y^2 + k_z^2 / gamma^2);   A_perp^ = A^ - k_eff (k_eff . A^) / |k_eff|^2
    B^ = i k_eff x A_perp^  (= i k_eff x A^);  div B^ = i k_eff . B^ = 0 by construction

``A_perp`` is the transverse (Coulomb-gauge) potential the FoHM-NO learns; ``divergence_ratio``
measures ||div F|| / (|k|max ||F||) on the extended grid (L2 over modes; 0 for a curl).

All functions take torch tensors (float64 for the reference) shaped (..., 3, n_x, n_y, n_z).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import torch

MU0 = 4e-7 * math.pi * 1.00000000055      # vacuum permeability [T m / A] (CODATA 2018)
C = 299_792_458.0                         # speed of light [m/s]
E_CHARGE = 1.602176634e-19                # elementary charge [C]
M_E = 9.1093837015e-31                    # electron mass [kg]

#: parity of each component about the pipe walls, (x, y): +1 even (cosines), -1 odd (sines)
PARITY = {
    "J": ((1, -1), (-1, 1), (-1, -1)),     # J_x, J_y, J_z; A has the same
    "A": ((1, -1), (-1, 1), (-1, -1)),
    "B": ((-1, 1), (1, -1), (1, 1)),
}


@dataclass(frozen=True)
class PipeGrid:
    """The cell-centred grid of the pipe: ``n`` = (n_x, n_y, n_z) cells, walls at x, y = +-``a``,
    z periodic over ``period`` (metres)."""

    n: tuple[int, int, int]
    a: float
    period: float

    @property
    def h(self) -> tuple[float, float, float]:
        """Cell sizes (h_x, h_y, h_z) [m]."""
        return (2 * self.a / self.n[0], 2 * self.a / self.n[1], self.period / self.n[2])

    def axes(self) -> tuple:
        """The cell centres per axis [m] (torch float64)."""
        out = []
        for n, lo, h in zip(self.n, (-self.a, -self.a, -self.period / 2), self.h):
            out.append(lo + (torch.arange(n, dtype=torch.float64) + 0.5) * h)
        return tuple(out)

    @classmethod
    def of_card(cls, card) -> "PipeGrid":
        ph = card.output.physics
        return cls(n=tuple(card.output.shape), a=float(ph.pipe_half_width_m), period=float(ph.period_m))


def extend(f: torch.Tensor, parity) -> torch.Tensor:
    """(..., 3, n_x, n_y, n_z) -> (..., 3, 2 n_x, 2 n_y, n_z): each component continued by its images
    about the walls x = +a and y = +a (``parity``: PARITY[...], one (p_x, p_y) per component)."""
    comps = []
    for c, (px, py) in enumerate(parity):
        g = f[..., c, :, :, :]
        g = torch.cat([g, px * torch.flip(g, dims=(-3,))], dim=-3)
        g = torch.cat([g, py * torch.flip(g, dims=(-2,))], dim=-2)
        comps.append(g)
    return torch.stack(comps, dim=-4)


class Spectral:
    """Wave numbers of a ``PipeGrid``'s extended grid on a device, and the operators on its modes."""

    def __init__(self, grid: PipeGrid, dtype=torch.float64, device="cpu"):
        self.grid, self.dtype, self.device = grid, dtype, torch.device(device)
        nx, ny, nz = grid.n
        hx, hy, hz = grid.h
        ks, keff = [], []
        for m, h in ((2 * nx, hx), (2 * ny, hy), (nz, hz)):
            k = 2 * math.pi * torch.fft.fftfreq(m, d=h, dtype=torch.float64)
            ke = k.clone()
            if m % 2 == 0:
                ke[m // 2] = 0.0              # the Nyquist mode has no derivative
            ks.append(k)
            keff.append(ke)
        shape = [(-1, 1, 1), (1, -1, 1), (1, 1, -1)]
        self.k = [k.view(s).to(device=self.device, dtype=dtype) for k, s in zip(ks, shape)]
        self.keff = [k.view(s).to(device=self.device, dtype=dtype) for k, s in zip(keff, shape)]

    @cached_property
    def kmax(self) -> float:
        return float(math.sqrt(sum(float(k.abs().max()) ** 2 for k in self.keff)))

    @cached_property
    def k2eff(self) -> torch.Tensor:
        kx, ky, kz = self.keff
        return kx * kx + ky * ky + kz * kz

    def fft(self, f: torch.Tensor, field: str) -> torch.Tensor:
        """Modes (complex, extended grid) of the grid field ``f`` of kind ``field`` ('J', 'A', 'B')."""
        return torch.fft.fftn(extend(f, PARITY[field]), dim=(-3, -2, -1))

    def ifft(self, F: torch.Tensor) -> torch.Tensor:
        """The grid field (real, on the pipe's n_x x n_y x n_z cells) of extended-grid modes."""
        nx, ny, _ = self.grid.n
        return torch.fft.ifftn(F, dim=(-3, -2, -1)).real[..., :nx, :ny, :]

    def green(self, gamma: float) -> torch.Tensor:
        """mu0 / (k_x^2 + k_y^2 + k_z^2 / gamma^2) on the extended grid (0 at k = 0, where J^ = 0)."""
        kx, ky, kz = self.k
        d = kx * kx + ky * ky + kz * kz / (gamma * gamma)
        return torch.where(d > 0, MU0 / torch.where(d > 0, d, torch.ones_like(d)), torch.zeros_like(d))

    def project(self, F: torch.Tensor) -> torch.Tensor:
        """The transverse part F - k (k . F) / |k|^2 of modes (..., 3, ...) (k = k_eff)."""
        kx, ky, kz = self.keff
        k2 = self.k2eff
        dot = kx * F[..., 0, :, :, :] + ky * F[..., 1, :, :, :] + kz * F[..., 2, :, :, :]
        s = torch.where(k2 > 0, dot / torch.where(k2 > 0, k2, torch.ones_like(k2)), torch.zeros_like(dot))
        return torch.stack([F[..., 0, :, :, :] - kx * s, F[..., 1, :, :, :] - ky * s,
                            F[..., 2, :, :, :] - kz * s], dim=-4)

    def curl(self, F: torch.Tensor) -> torch.Tensor:
        """i k_eff x F^ (modes -> modes)."""
        kx, ky, kz = self.keff
        fx, fy, fz = F[..., 0, :, :, :], F[..., 1, :, :, :], F[..., 2, :, :, :]
        return 1j * torch.stack([ky * fz - kz * fy, kz * fx - kx * fz, kx * fy - ky * fx], dim=-4)

    def div(self, F: torch.Tensor) -> torch.Tensor:
        """i k_eff . F^ (modes -> scalar modes)."""
        kx, ky, kz = self.keff
        return 1j * (kx * F[..., 0, :, :, :] + ky * F[..., 1, :, :, :] + kz * F[..., 2, :, :, :])

    def divergence_ratio(self, f: torch.Tensor, field: str) -> torch.Tensor:
        """||div f|| / (|k|max ||f||) per field of a batch (..., 3, n_x, n_y, n_z) of kind ``field``:
        L2 norms over the extended grid's modes (Parseval: the grid's norms with the images)."""
        F = self.fft(f.to(self.dtype), field)
        num = self.div(F).abs().pow(2).sum(dim=(-3, -2, -1)).sqrt()
        den = F.abs().pow(2).sum(dim=(-4, -3, -2, -1)).sqrt()
        return num / (self.kmax * torch.clamp(den, min=1e-300))


def solve(J: torch.Tensor, grid: PipeGrid, gamma: float, spectral: Spectral | None = None) -> dict:
    """The exact quasi-static fields of current densities J (..., 3, n_x, n_y, n_z) [A/m^2] on the
    pipe grid: ``A`` (transverse, Coulomb gauge) [T m] and ``B`` [T], float64, same shape."""
    sp = spectral or Spectral(grid, dtype=torch.float64, device=J.device)
    Jh = sp.fft(J.to(torch.float64), "J")
    Ah = sp.project(sp.green(gamma) * Jh)
    return {"A": sp.ifft(Ah), "B": sp.ifft(sp.curl(Ah))}


# -- closed forms the solver is verified against (free space) ---------------------------------------
def point_charge_B(q: float, beta: float, x, y, zeta):
    """B [T] of a point charge q [C] in uniform motion along z with speed beta c, at (x, y, zeta)
    relative to it (zeta = z - v t): the Lienard-Wiechert field, B = v x E / c^2 with
    E = q gamma r / (4 pi eps0 (x^2 + y^2 + gamma^2 zeta^2)^(3/2)). Returns (B_x, B_y, B_z) arrays."""
    import numpy as np

    g = 1.0 / math.sqrt(1.0 - beta * beta)
    r3 = (np.asarray(x) ** 2 + np.asarray(y) ** 2 + (g * np.asarray(zeta)) ** 2) ** 1.5
    f = MU0 * q * beta * C * g / (4 * math.pi * r3)
    return -f * np.asarray(y), f * np.asarray(x), np.zeros_like(f)


def gaussian_bunch_B(q: float, beta: float, sigma: tuple[float, float, float], x, y, zeta):
    """B [T] of a Gaussian bunch of charge q [C] (rms sizes ``sigma`` = (s_x, s_y, s_z) [m], centred
    at 0) in uniform motion along z at beta c, in free space, at points (x, y, zeta) (1-D arrays):
    B_x = d_y A_z, B_y = -d_x A_z with the boosted electrostatic potential of a Gaussian,

        A_z = mu0 c beta gamma q / (4 pi^(3/2)) int_0^inf exp(-x^2/(2 s_x^2 + t) - y^2/(2 s_y^2 + t)
              - gamma^2 zeta^2/(2 gamma^2 s_z^2 + t)) / sqrt((2 s_x^2 + t)(2 s_y^2 + t)(2 gamma^2 s_z^2 + t)) dt,

    integrated by adaptive quadrature (scipy). Returns (B_x, B_y, B_z)."""
    import numpy as np
    from scipy.integrate import quad_vec

    g = 1.0 / math.sqrt(1.0 - beta * beta)
    sx, sy, sz = sigma
    x, y, zeta = (np.asarray(v, dtype=np.float64) for v in (x, y, zeta))
    pref = MU0 * C * beta * g * q / (4 * math.pi ** 1.5)
    s = max(sx, sy, g * sz)

    def integrand(u):                      # t = s^2 u / (1 - u): u in [0, 1)
        t = s * s * u / (1.0 - u)
        dt = s * s / (1.0 - u) ** 2
        ax, ay, az = 2 * sx * sx + t, 2 * sy * sy + t, 2 * g * g * sz * sz + t
        e = np.exp(-x * x / ax - y * y / ay - g * g * zeta * zeta / az) / np.sqrt(ax * ay * az) * dt
        return np.concatenate([-2 * y / ay * e, -2 * x / ax * e])

    val, _ = quad_vec(integrand, 0.0, 1.0, epsabs=0.0, epsrel=1e-10, limit=400)
    n = x.size
    return pref * val[:n], -pref * val[n:], np.zeros(n)
