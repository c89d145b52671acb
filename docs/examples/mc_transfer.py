"""A Monte Carlo transfer step with the exported klein-nishina: photon packets Compton-scatter off a
power-law electron population; the scattered spectrum from radzoo's C export vs Geant4's algorithm
vs the exact result (issue 26, item 4b).

    python docs/examples/mc_transfer.py [--n 1000000] [--plot docs/img/mc_transfer.png]

Setup (units m_e c^2, c = 1):
- photons: energy E0 = 1e-2, moving along +z;
- electrons: isotropic, dN/dgamma ~ gamma^-2.5 for gamma in [1.5, 300].

Per packet:
1. pick the electron the packet meets: gamma and mu = cos(angle to +z) from the population, accepted
   with probability (1 - beta mu) sigma_KN(k) / (2 sigma_T). This is the collision rate of that
   electron, with sigma_KN from the exported `radzoo_klein_nishina_rate`; k = gamma E0 (1 - beta mu) is
   the photon energy in the electron's rest frame.
2. draw eps = k'/k in the rest frame, with three samplers:
   - radzoo: the exported C `radzoo_klein_nishina_ppf`, float64 network, at uniforms u;
   - exact: the exact quantile at the same u (`exact=True`: the exact CDF inverted to 1e-12);
   - Geant4: G4KleinNishinaCompton's algorithm (Butcher-Messel + rejection), with its own uniforms.
3. build the rest-frame direction from cos theta = 1 - (1/eps - 1)/k and a uniform azimuth, then boost
   back to the lab.

The lab spectra are compared by two-sample KS and by bins with Poisson errors, tails included:
- radzoo vs exact share every random number, so their difference is the sampler's alone;
- Geant4 vs exact differ by sampling noise, KS ~ sqrt(2/n).

The rates are checked too: the accepted fraction against the exact mean of (1 - beta mu) sigma_KN / 2
sigma_T over the population, computed by quadrature.
"""
from __future__ import annotations

import argparse
import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
from scipy import integrate

import zoo
from zoo.export import export
from zoo.processes.klein_nishina.baselines import geant4_klein_nishina
from zoo.processes.klein_nishina.physics import total_cross_section

E0, P_INDEX, G_LO, G_HI = 1e-2, 2.5, 1.5, 300.0


def exported_klein_nishina(folder: Path):
    """The C export of klein-nishina (float64 network), compiled and loaded: (ppf(u, k), rate(k))."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise SystemExit("needs a C compiler (gcc or cc) to build the exported sampler")
    export("klein-nishina", "fortran", folder, precision="float64")   # the C header and its bind(C) wrappers
    so = folder / "kn.so"
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(so), str(folder / "radzoo_klein_nishina_bind.c"), "-lm"],
                   check=True)
    lib = ctypes.CDLL(str(so))
    dp = ctypes.POINTER(ctypes.c_double)
    ppf = lib.radzoo_klein_nishina_ppf_c
    ppf.argtypes = [ctypes.c_size_t, dp, dp, dp]
    rate = lib.radzoo_klein_nishina_rate_c
    rate.argtypes, rate.restype = [dp], ctypes.c_double

    def draw(u, k):
        u, k = np.ascontiguousarray(u, dtype=np.float64), np.ascontiguousarray(k, dtype=np.float64)
        out = np.empty_like(u)
        ppf(len(u), u.ctypes.data_as(dp), k.ctypes.data_as(dp), out.ctypes.data_as(dp))
        return out

    def sigma(k):
        return np.array([rate(np.array([v]).ctypes.data_as(dp)) for v in np.asarray(k, dtype=np.float64)])

    return draw, sigma


def power_law(rng, n):
    a = 1.0 - P_INDEX
    return (G_LO**a + rng.random(n) * (G_HI**a - G_LO**a)) ** (1.0 / a)


def select(rng, n, sigma):
    """n (gamma, mu) pairs drawn in proportion to the collision rate (1 - beta mu) sigma_KN(k); returns them
    and the accepted fraction."""
    gammas, mus, tried, kept = [], [], 0, 0
    while kept < n:
        m = 2 * (n - kept) + 1000
        g, mu = power_law(rng, m), rng.uniform(-1.0, 1.0, m)
        beta = np.sqrt(1.0 - 1.0 / g**2)
        k = g * E0 * (1.0 - beta * mu)
        ok = rng.random(m) < (1.0 - beta * mu) * sigma(k) / 2.0
        gammas.append(g[ok]), mus.append(mu[ok])
        tried, kept = tried + m, kept + int(ok.sum())
    return np.concatenate(gammas)[:n], np.concatenate(mus)[:n], kept / tried


def exact_acceptance():
    """<(1 - beta mu) sigma_KN(k) / 2 sigma_T> over the population, by quadrature (the exact rate)."""
    a = 1.0 - P_INDEX
    norm = (G_HI**a - G_LO**a) / a

    def inner(g):
        beta = np.sqrt(1.0 - 1.0 / g**2)
        f = lambda mu: (1.0 - beta * mu) * total_cross_section(np.array([g * E0 * (1.0 - beta * mu)]))[0] / 2.0  # noqa: E731
        return integrate.quad(f, -1.0, 1.0, epsrel=1e-12)[0] / 2.0 * g ** (-P_INDEX) / norm

    return integrate.quad(inner, G_LO, G_HI, epsrel=1e-10, limit=200)[0]


def lab_energy(gamma, mu, eps, cos_phi_rng):
    """The scattered photon's lab energy: the incoming photon (E0 along +z) is boosted into the electron's
    rest frame (velocity beta along (sin, 0, mu)), scattered by theta (cos theta from eps) around its
    rest-frame direction at a uniform azimuth, then boosted back."""
    n = len(gamma)
    beta = np.sqrt(1.0 - 1.0 / gamma**2)
    bvec = beta[:, None] * np.stack([np.sqrt(1.0 - mu**2), np.zeros(n), mu], axis=1)
    z = np.array([0.0, 0.0, 1.0])
    k = gamma * E0 * (1.0 - beta * mu)
    # rest-frame photon direction: boost (E0, E0 z)
    bp = bvec @ z * E0
    p_rest = E0 * z + ((gamma - 1.0) * bp / beta**2 - gamma * E0)[:, None] * bvec
    n0 = p_rest / k[:, None]
    cos_t = 1.0 - (1.0 / eps - 1.0) / k
    sin_t = np.sqrt(np.clip(1.0 - cos_t**2, 0.0, None))
    helper = np.where(np.abs(n0[:, :1]) < 0.9, np.array([[1.0, 0.0, 0.0]]), np.array([[0.0, 1.0, 0.0]]))
    e1 = np.cross(n0, helper)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(n0, e1)
    phi = 2.0 * np.pi * cos_phi_rng
    n1 = cos_t[:, None] * n0 + sin_t[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
    k1 = eps * k
    return gamma * k1 * (1.0 + (bvec * n1).sum(1))     # boost back with -beta


def ks_two(a, b):
    a, b = np.sort(a), np.sort(b)
    x = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, x, "right") / len(a) - np.searchsorted(b, x, "right") / len(b))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="scattered packets (default 1e6)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--plot", default=None, help="write the figure here (needs matplotlib)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        draw, sigma = exported_klein_nishina(Path(tmp))
        gamma, mu, accepted = select(rng, args.n, sigma)
        exact_acc = exact_acceptance()
        beta = np.sqrt(1.0 - 1.0 / gamma**2)
        k = gamma * E0 * (1.0 - beta * mu)
        u, azimuth = rng.random(args.n), rng.random(args.n)
        eps_radzoo = draw(u, k)
    s = zoo.load("klein-nishina")
    eps_exact = s.ppf(torch.from_numpy(u), k=torch.from_numpy(k), exact=True).numpy()
    g4_rng = torch.Generator().manual_seed(args.seed)
    eps_g4 = geant4_klein_nishina(args.n, torch.from_numpy(k), generator=g4_rng).numpy()
    e = {name: lab_energy(gamma, mu, eps, azimuth)
         for name, eps in (("radzoo", eps_radzoo), ("exact", eps_exact), ("Geant4", eps_g4))}
    print(f"{args.n} packets; rest-frame k in [{k.min():.3g}, {k.max():.3g}] m_e c^2; lab E in "
          f"[{e['exact'].min():.3g}, {e['exact'].max():.3g}]")
    print(f"rate: accepted fraction {accepted:.5f} vs exact <(1 - beta mu) sigma_KN / 2 sigma_T> {exact_acc:.5f} "
          f"(binomial sd {np.sqrt(exact_acc * (1 - exact_acc) / (args.n / exact_acc)):.1e})")
    noise = 1.36 * np.sqrt(2.0 / args.n)
    print(f"rest frame: max |C(eps_radzoo) - u| {np.abs(s.target.cdf(eps_radzoo, k=k) - u).max():.2e} "
          "(the exported network vs the exact quantile, same u)")
    print(f"lab spectra, two-sample KS: radzoo vs exact {ks_two(e['radzoo'], e['exact']):.2e} (same random "
          f"numbers); Geant4 vs exact {ks_two(e['Geant4'], e['exact']):.2e} (95% noise level {noise:.1e})")
    edges = np.logspace(np.log10(e["exact"].min()), np.log10(e["exact"].max() * 1.0001), 41)
    h = {name: np.histogram(v, edges)[0].astype(float) for name, v in e.items()}
    hard = edges[:-1] >= np.quantile(e["exact"], 0.999)
    for name in ("radzoo", "Geant4"):
        z = (h[name] - h["exact"]) / np.sqrt(np.maximum(h[name] + h["exact"], 1.0))
        print(f"  {name:6s} vs exact, 40 log bins: max |diff| / Poisson sd {np.abs(z).max():.2f}; hardest 0.1% "
              f"(E >= {np.quantile(e['exact'], 0.999):.3g}): {int(h[name][hard].sum())} vs "
              f"{int(h['exact'][hard].sum())}")
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        mid = np.sqrt(edges[1:] * edges[:-1])
        fig, (a0, a1) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
        for name, style in (("exact", "k-"), ("radzoo", "C0--"), ("Geant4", "C3:")):
            a0.step(mid, h[name] / np.diff(edges) * mid / args.n, style, where="mid", label=name)
        a0.set_xscale("log"), a0.set_yscale("log"), a0.set_ylabel("E dN/dE per packet"), a0.legend()
        a0.set_title(f"Compton step: E0 = {E0:g} m_e c^2 photons on dN/dgamma ~ gamma^-{P_INDEX:g}, "
                     f"gamma in [{G_LO:g}, {G_HI:g}]", fontsize=9)
        r = h["Geant4"] / np.maximum(h["exact"], 1) - 1
        err = np.sqrt(h["Geant4"] + h["exact"]) / np.maximum(h["exact"], 1)
        a1.errorbar(mid * 1.02, r, err, fmt="o", ms=3, color="C3", label="Geant4 (own random numbers; Poisson sd)")
        a1.plot(mid, h["radzoo"] / np.maximum(h["exact"], 1) - 1, "o", ms=3, color="C0",
                label="radzoo (the exact draw's u: the sampler's own error)")
        a1.axhline(0, color="k", lw=0.8)
        a1.legend(fontsize=7, loc="lower left")
        a1.set_ylim(-0.1, 0.1), a1.set_xlabel("lab photon energy E [m_e c^2]"), a1.set_ylabel("/ exact - 1")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
