"""One Compton scattering step of photon packets in a Monte Carlo radiative-transfer loop, with
radzoo's `klein-nishina-polarized` sampler: boost each photon into the rest frame of its electron,
sample the scattering there, boost back. Units: energies in m_e c^2, c = 1.

    python docs/examples/compton_step.py

Which electron a packet meets, and the rate (1 - beta.n) sigma_KN(k) / sigma_T at which it does,
are the transport code's business (sigma_KN: zoo.processes.klein_nishina.physics.total_cross_section).
This step checks itself: the recoiling electron stays on its mass shell (four-momentum conservation
with the Compton relation between eps and the angle), to rounding.
"""
import numpy as np
import torch

import zoo


def boost(e, p, beta):
    """Lorentz boost of four-momenta (e, p) into the frame moving with velocity beta (n, 3)."""
    b2 = (beta * beta).sum(1, keepdims=True)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = (beta * p).sum(1, keepdims=True)
    e2 = gamma * (e[:, None] - bp)
    coef = np.where(b2 > 0, (gamma - 1.0) * bp / np.where(b2 > 0, b2, 1.0), 0.0) - gamma * e[:, None]
    return e2[:, 0], p + coef * beta


def orthonormal_frame(n, pol):
    """(n, e1, e2): e1 = the polarization vector made orthogonal to n, e2 = n x e1."""
    e1 = pol - (pol * n).sum(1, keepdims=True) * n
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return n, e1, np.cross(n, e1)


def compton_step(energy, direction, polarization, beta, sampler, generator=None):
    """Scatter photons (energy (n,), unit direction (n, 3), polarization (n, 3) transverse to it) off
    electrons moving with velocity beta (n, 3). Returns lab energy, direction and the electron's
    final four-momentum."""
    k, p_rest = boost(energy, energy[:, None] * direction, beta)          # photon in the electron frame
    n_rest = p_rest / k[:, None]
    # the polarization vector in the rest frame: boost the transverse 4-vector (0, pol) and re-orthogonalise
    _, pol_rest = boost(np.zeros_like(energy), polarization, beta)
    x = sampler.sample(len(k), k=torch.as_tensor(k), generator=generator).numpy()   # (eps, phi) per photon
    eps, phi = x[:, 0], x[:, 1]
    cos_t = 1.0 - (1.0 / eps - 1.0) / k
    sin_t = np.sqrt(np.clip(1.0 - cos_t * cos_t, 0.0, None))
    n0, e1, e2 = orthonormal_frame(n_rest, pol_rest)
    n_out = cos_t[:, None] * n0 + sin_t[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
    k_out = eps * k
    e_lab, p_lab = boost(k_out, k_out[:, None] * n_out, -beta)            # back to the lab
    gam = 1.0 / np.sqrt(1.0 - (beta * beta).sum(1))
    e_el = gam + energy - e_lab                                            # electron after: conservation
    p_el = gam[:, None] * beta + energy[:, None] * direction - p_lab
    return e_lab, p_lab / e_lab[:, None], (e_el, p_el)


def main():
    rng = np.random.default_rng(1)
    n = 10000
    sampler = zoo.load("klein-nishina-polarized")
    energy = 10 ** rng.uniform(-6, -2, n)                                 # keV-ish photons, m_e c^2 units
    direction = np.tile([0.0, 0.0, 1.0], (n, 1))
    polarization = np.tile([1.0, 0.0, 0.0], (n, 1))
    gamma_e = 10 ** rng.uniform(0, 3, n)                                 # electrons up to gamma = 1000
    v = rng.normal(size=(n, 3))
    beta = v / np.linalg.norm(v, axis=1, keepdims=True) * np.sqrt(1 - 1 / gamma_e**2)[:, None]
    # electron-frame energies must lie in the model's covered domain: k in [1e-8, 1e6] m_e c^2, the trained
    # [1e-6, 1e6] widened by the Thomson limit below it (docs/domains.md); below 1e-8, eps = k'/k no longer
    # resolves 1 - eps ~ k in float64 (the photon scatters elastically: Thomson)
    k_rest = gamma_e * energy * (1 - (beta * direction).sum(1))
    lo, hi = sampler.card.covered_domain()["k"]
    keep = (k_rest >= lo) & (k_rest <= hi)
    print(f"{n - keep.sum()} of {n} electron-frame energies outside [{lo:g}, {hi:g}] (Thomson; left unscattered here)")
    e_out, n_out, (e_el, p_el) = compton_step(energy[keep], direction[keep], polarization[keep], beta[keep],
                                              sampler, generator=torch.Generator().manual_seed(0))
    mass2 = e_el**2 - (p_el**2).sum(1)
    rel = np.abs(mass2 - 1.0) / np.maximum(e_el**2, 1.0)
    print(f"{keep.sum()} photons scattered; energy gain median {np.median(e_out / energy[keep]):.3g}, "
          f"max {np.max(e_out / energy[keep]):.3g}; electron mass-shell error max {rel.max():.1e} (relative to E^2)")
    assert rel.max() < 1e-9, rel.max()
    assert np.allclose(np.linalg.norm(n_out, axis=1), 1.0, atol=1e-12)


if __name__ == "__main__":
    main()
