"""The steady-state 3-D CSR wake (zoo.processes.csr_wake, issue 14's physics layer): the Cai-Ding
Green functions against the Lienard-Wiechert fields of a point charge, the retarded angle against
a bracketing root finder, the integrated Green functions against adaptive quadrature, the 1-D
steady-state limit (its Gaussian moments, and the 3-D wake of a long thin bunch), convergence in
the grid, symmetry and linearity. Single-threaded, ~20-30 s."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from zoo.processes import csr_wake as C
from zoo.processes.csr_wake import green

# 1-D steady-state Gaussian wake, units N r_e m c^2 rho^(-2/3) sigma_s^(-4/3): lambda-weighted mean
# and rms spread (Derbenev et al. 1995; Saldin et al. 1997)
MEAN_1D, RMS_1D = -0.35047, 0.24599


# ---------------------------------------------------------------------------------------------
# the 1-D limit
# ---------------------------------------------------------------------------------------------

def _gauss_moments(w_of_q, order=240, half=12.0):
    q, wq = np.polynomial.legendre.leggauss(order)
    q, wq = q * half, wq * half
    lam = np.exp(-0.5 * q * q) / np.sqrt(2 * np.pi)
    w = w_of_q(q)
    mean = np.sum(wq * lam * w)
    return mean, np.sqrt(np.sum(wq * lam * (w - mean) ** 2))


def test_1d_steady_state_gaussian_moments():
    """W_1D(z) = -(2/3^(1/3)) Int_0^inf u^(-1/3) lambda'(z - u) du for a unit Gaussian: the
    quadrature (u = t^3) and the closed form (parabolic cylinder functions) agree and give the
    textbook mean -0.35047 and rms 0.24599 (to 1e-4 relative; -0.350472 and 0.245987: 6e-6 and
    1.4e-5 from the digits quoted)."""
    sig, rho = 1.0, 1.0

    def lam_p(q):
        return -q * np.exp(-0.5 * q * q) / np.sqrt(2 * np.pi)

    def quad_w(q):
        return C.wake_1d_steady_state(q, lam_p, u_max=30.0, rho=rho)

    def closed(q):
        return C.wake_1d_gaussian(q, sig, rho=rho)

    zz = np.linspace(-6, 6, 97)
    # scipy's pbdv is good to ~1e-7 at |q| ~ 6 (the quadrature to 1e-15 against mpmath)
    np.testing.assert_allclose(quad_w(zz), closed(zz), rtol=1e-6, atol=1e-12)
    for w in (quad_w, closed):
        mean, rms = _gauss_moments(w)
        assert abs(mean / MEAN_1D - 1) < 1e-4, mean
        assert abs(rms / RMS_1D - 1) < 1e-4, rms
    # units: sigma_s and rho enter as rho^(-2/3) sigma_s^(-4/3)
    s = np.linspace(-3, 3, 7) * 12e-6
    np.testing.assert_allclose(C.to_1d_units(C.wake_1d_gaussian(s, 12e-6, rho=2.5), 12e-6, rho=2.5),
                               closed(s / 12e-6), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Green functions
# ---------------------------------------------------------------------------------------------

def test_retarded_angle_solves_the_exact_condition():
    rng = np.random.default_rng(3)
    n = 300
    scale = 10 ** rng.uniform(-7, -3, n)
    x, y = rng.normal(size=(2, n)) * scale
    z = rng.normal(size=n) * scale * rng.choice([0.01, 1.0, 100.0], n)
    z[:10] = 0.0
    for gam in (500.0, 1e4):
        beta = np.sqrt(1 - 1 / gam ** 2)
        a = green.retarded_angle(x, y, z, gam)

        def f(t, xi, yi, zi):
            return t - 0.5 * beta * np.sqrt(xi * xi + yi * yi + 4 * (1 + xi) * np.sin(t) ** 2) - zi

        ref = np.array([brentq(f, -2, 2, args=(xi, yi, zi), xtol=1e-300, rtol=1e-15, maxiter=500)
                        for xi, yi, zi in zip(x, y, z)])
        # ill-conditioned where d/dalpha ~ 1 - n.beta is tiny: 2e-10 relative measured there
        np.testing.assert_allclose(a, ref, rtol=2e-9, atol=1e-300)
        # Cai-Ding's quartic (eq. 6, the start of the iteration): 2 alpha^2 / 45 relative in the CSR
        # regime z >> r^(3/2) (measured 0.0445 alpha^2)
        q = green.retarded_angle_quartic(x, y, z, gam)
        csr = z > 10 * np.hypot(x, y) ** 1.5
        assert csr.sum() > 100 and np.all(np.abs(q[csr] / ref[csr] - 1) < 0.05 * ref[csr] ** 2)


@pytest.mark.parametrize("x,y,z", [(3e-4, 2e-4, 1e-3), (-2e-4, 1e-4, 5e-4), (1e-4, 3e-4, 2e-5),
                                   (2e-5, 5e-6, 5e-6), (3e-6, 2e-6, 1e-5), (1e-4, -5e-5, -2e-4),
                                   (-3e-6, -2e-6, -1e-5)])
def test_potentials_are_the_lienard_wiechert_forces(x, y, z):
    """beta^2/2 d psi/dz against the Lienard-Wiechert fields of one electron on the circle: as
    gamma -> infinity, psi_s gives E_s, psi_x gives E_x + (1+x)(v x B)_x - phi and psi_y gives
    E_y + (1+x)(v x B)_y (Cai & Ding's curvilinear forces); at gamma = 500 psi_s misses E_s by
    exactly the dropped space-charge term d/dz[phi/(1+x)] / (2 gamma^2)."""
    for gam in (1e7, 500.0):
        beta2 = 1 - 1 / gam ** 2
        h = 1e-5 * abs(z)
        d = [(a - b) / (2 * h) for a, b in zip(green.psi(x, y, z + h, gam), green.psi(x, y, z - h, gam))]
        L = green.point_charge_force(x, y, z, gam)

        def phi(zz):
            return green.point_charge_force(x, y, zz, gam)["phi"] / (1 + x)

        sc = (phi(z + h) - phi(z - h)) / (2 * h) / (2 * gam ** 2)
        assert 0.5 * beta2 * d[0] - sc == pytest.approx(L["E_s"], rel=1e-7)
        if gam < 1e6:
            continue
        fx = L["E_x"] + (1 + x) * L["vxB_x"] - L["phi"]
        fy = L["E_y"] + (1 + x) * L["vxB_y"]
        # behind the source (z < 0) the reference itself cancels ~phi down to the force
        tol = 1e-6 * abs(fx) + 1e-10 * max(abs(L["E_x"]), L["phi"])
        assert abs(0.5 * beta2 * d[1] - fx) < tol
        assert abs(0.5 * beta2 * d[2] - fy) < 1e-6 * abs(fy) + 1e-10 * max(abs(L["E_y"]), L["phi"])


def test_integrated_green_functions():
    gam = 500.0
    # the closed-form z-antiderivative of psi_s
    for x, y, z in [(3e-6, 1e-6, 2e-5), (-2e-6, 4e-6, -1e-5), (1e-5, 0.0, 3e-6), (0.0, 0.0, 1e-5)]:
        h = 1e-6 * abs(z)
        dz = (green.psi_s_antiderivative(x, y, z + h, gam) - green.psi_s_antiderivative(x, y, z - h, gam)) / (2 * h)
        assert dz == pytest.approx(float(green.psi_s(x, y, z, gam)), rel=1e-6)
    # cell integrals (retarded-angle quadrature) against adaptive quadrature in z, including
    # cells at z = 0, where psi_x, psi_y jump and psi_s ~ z^(-1/3)
    for x, y, zl, zh in [(3e-6, 1e-6, 0.0, 2e-6), (1e-6, -2e-6, -2e-6, 0.0), (5e-7, 5e-7, -1e-6, 1e-6),
                         (4e-6, 3e-6, 1e-5, 1.5e-5)]:
        got = green.psi_cell_integrals(x, y, zl, zh, gam, nodes=10)
        for k, f in enumerate((green.psi_s, green.psi_x, green.psi_y)):
            ref = quad(lambda t: float(f(x, y, t, gam)), zl, zh, points=[0.0] if zl < 0 < zh else None,
                       epsabs=0, epsrel=1e-11, limit=400)[0]
            assert float(got[k]) == pytest.approx(ref, rel=1e-6), (k, x, y, zl, zh)


# ---------------------------------------------------------------------------------------------
# 3-D wakes
# ---------------------------------------------------------------------------------------------

THIN = (12e-6, 2e-6, 2e-6)            # sigma_x, sigma_y << (sigma_s^2 rho)^(1/3) = 0.52 mm


def _thin_vs_1d(n, gamma):
    g = C.Grid.for_bunch(*THIN, n=n)
    lam = C.gaussian_density(g, *THIN)
    ws = C.to_1d_units(C.wake(lam, g, gamma=gamma)[0], THIN[0])
    s = g.coords[0]
    w1 = C.to_1d_units(C.wake_1d_gaussian(s, THIN[0]), THIN[0])
    weighted = (ws * lam).sum(axis=(1, 2)) / lam.sum(axis=(1, 2))
    on_axis = ws[:, n[1] // 2, n[2] // 2]
    core = np.abs(s) <= 3 * THIN[0]
    peak = np.abs(w1).max()
    return (C.weighted_mean_rms(ws, lam), np.abs(weighted - w1)[core].max() / peak,
            np.abs(on_axis - w1)[core].max() / peak)


def test_long_thin_bunch_reproduces_the_1d_wake():
    """Ws of a 12 x 2 x 2 um Gaussian at rho = 1 m. With gamma -> infinity (1e5) it is the 1-D
    steady-state wake: on (65, 17, 17) points the density-weighted and the on-axis Ws(s) agree with
    W_1D(s) to 6.3e-4 of its peak within 3 sigma_s, mean -0.35055 and rms 0.24598 (1-D: -0.35047,
    0.24599). At the default gamma = 500 Cai-Ding's 1/gamma^2 terms (relative 1/(gamma alpha)^2 ~
    0.4%) lower the spread: measured 7.1e-3 of the peak on (33, 9, 9) points, mean -0.35059, rms
    0.24418."""
    (mean, rms), weighted, on_axis = _thin_vs_1d((65, 17, 17), 1e5)
    assert weighted < 1e-3 and on_axis < 1e-3, (weighted, on_axis)
    assert abs(mean / MEAN_1D - 1) < 5e-4 and abs(rms / RMS_1D - 1) < 5e-4, (mean, rms)
    (mean, rms), weighted, on_axis = _thin_vs_1d((33, 9, 9), C.GAMMA)
    assert weighted < 0.01 and on_axis < 0.01, (weighted, on_axis)
    assert abs(mean / MEAN_1D - 1) < 1e-3 and abs(rms / RMS_1D - 1) < 0.01, (mean, rms)


def test_transverse_wake_is_cai_dings_residual_term():
    """Cai & Ding's abstract: the -e phi/rho term leaves a residual transverse wake -Lambda
    delta(z)/rho with 2 <= Lambda <= 4. For thin bunches Wx ~ -Lambda lambda(s)/rho: measured
    Lambda = -<Wx>/(<lambda_s>/rho) = 2.99 (round), 3.87 (flat, sigma_x >> sigma_y), 2.11
    (sigma_y >> sigma_x) on 17^3 points (2.99, 3.86, 2.12 on 33^3)."""
    lams = []
    for sig in [(12e-6, 2e-6, 2e-6), (12e-6, 8e-6, 0.5e-6), (12e-6, 0.5e-6, 8e-6)]:
        g = C.Grid.for_bunch(*sig, n=17)
        lam = C.gaussian_density(g, *sig)
        wx = C.wake(lam, g)[1]
        lams.append(-C.weighted_mean_rms(wx, lam)[0] / (1 / (2 * np.sqrt(np.pi) * sig[0]) / C.RHO))
    round_, flat_x, flat_y = lams
    assert 2.9 < round_ < 3.1 and 3.7 < flat_x < 4.0 and 2.0 < flat_y < 2.3, lams


WIDE = (6e-6, 10e-6, 4e-6)             # a bunch with every axis resolved: sigma_x > sigma_s
LADDER = [(17, 17, 9), (33, 33, 17), (65, 65, 33)]   # each halves every spacing; odd n nest


@pytest.fixture(scope="module")
def ladder():
    out = []
    for n in LADDER:
        g = C.Grid.for_bunch(*WIDE, n=n)
        lam = C.gaussian_density(g, *WIDE)
        out.append((g, lam, C.wake(lam, g)))
    return out


def test_wake_converges_with_the_grid(ladder):
    """max |W(2n) - W(n)| on the common grid points, relative to max |W|: measured
    Ws 6.3e-3 -> 1.4e-3, Wx 7.1e-3 -> 1.8e-3, Wy 2.5e-2 -> 6.0e-3 for 17x17x9 -> 33x33x17 ->
    65x65x33 (the wide bunch, sigma = 6 x 10 x 4 um): second order."""
    diffs = []
    for (g0, _, w0), (g1, _, w1) in zip(ladder, ladder[1:]):
        sub = (slice(None, None, 2),) * 3
        assert np.allclose(g1.coords[0][::2], g0.coords[0])
        diffs.append([np.abs(b[sub] - a).max() / np.abs(b).max() for a, b in zip(w0, w1)])
    (s1, x1, y1), (s2, x2, y2) = diffs
    assert s2 < 0.4 * s1 and x2 < 0.4 * x1 and y2 < 0.4 * y1, diffs
    assert s2 < 3e-3 and x2 < 3e-3 and y2 < 1e-2, diffs
    # the bunch-averaged energy loss is converged to 1e-4 already on the coarsest grid
    means = [C.weighted_mean_rms(C.to_1d_units(w[0], WIDE[0]), lam)[0] for _, lam, w in ladder]
    assert abs(means[0] / means[-1] - 1) < 2e-3 and abs(means[1] / means[-1] - 1) < 3e-4, means


def test_symmetry_in_y(ladder):
    """A bunch symmetric in y: Wy odd, Ws and Wx even in y (to rounding)."""
    for _, _, (ws, wx, wy) in ladder:
        for w, sign in ((ws, 1.0), (wx, 1.0), (wy, -1.0)):
            np.testing.assert_allclose(w, sign * w[:, :, ::-1], rtol=0, atol=1e-12 * np.abs(w).max())
        assert np.abs(wy).max() > 1e-3 * np.abs(ws).max()      # not trivially zero
        np.testing.assert_allclose(wy[:, :, wy.shape[2] // 2], 0.0, atol=1e-12 * np.abs(wy).max())


def test_wake_is_linear_in_the_density():
    g = C.Grid.for_bunch(8e-6, 5e-6, 3e-6, n=(17, 9, 9))
    kern = C.csr_kernels(g)
    a = C.gaussian_density(g, 8e-6, 5e-6, 3e-6)
    s, x, y = g.mesh()
    b = a * (1 + 0.5 * np.sin(s / 4e-6) + 0.3 * x / 5e-6)       # an asymmetric, non-Gaussian bunch
    wa, wb, wab = (C.wake(d, g, kernels=kern) for d in (a, b, 2.0 * a - 3.0 * b))
    for u, v, uv in zip(wa, wb, wab):
        np.testing.assert_allclose(uv, 2.0 * u - 3.0 * v, rtol=0, atol=1e-12 * np.abs(uv).max())
    # the kernels are tied to their grid, rho and gamma
    with pytest.raises(ValueError, match="another grid"):
        C.wake(a, g, kernels=kern, gamma=1000.0)
    with pytest.raises(ValueError, match="shape"):
        C.wake(a[:-1], g)


def test_units_and_package():
    # 1 nC at rho = 1 m, sigma_s = 10 um: the mean 1-D energy loss is 0.35047 N r_e m c^2 /
    # (rho^(2/3) sigma_s^(4/3)) = 14.6 MeV/m
    w = MEAN_1D / (1.0 ** (2 / 3) * (10e-6) ** (4 / 3))
    assert float(C.to_ev_per_m(w)) == pytest.approx(-14.6e6, rel=2e-3)
    assert C.TARGETS == ()
    from zoo import targets
    targets.discover(force=True)          # the process discovery accepts the package
