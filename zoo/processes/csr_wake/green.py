"""Steady-state CSR Green functions of Cai & Ding (2020) in Frenet-Serret coordinates.

Reference: Y. Cai and Y. Ding, "Three-dimensional effects of coherent synchrotron radiation by
electrons in a bunch compressor", Phys. Rev. Accel. Beams 23, 014402 (2020) (eqs. 5-6 for the
retarded angle, 23-25 for the potentials psi_s, psi_x, psi_y), as implemented in PyCSR3D /
OpenCSR (C. Mayes et al.). The formulas are written here in an algebraically equivalent form with
the large cancellations removed (see ``_geometry``); nothing is copied.

Scaled coordinates (everything in this module is dimensionless):

    x = dx / rho,   y = dy / rho,   z = ds / (2 rho),

where (ds, dx, dy) is the position of the observer (test charge) relative to the source charge,
ds along the orbit (positive: the observer is ahead of the source, i.e. nearer the bunch head),
dx horizontal (positive: away from the centre of curvature), dy vertical. The source moves on
the reference circle of radius rho at speed beta c, and the observer moves parallel to it.

Retarded angle alpha (Cai & Ding eq. 5): the source, seen by the observer now, sat at the
azimuth 2 alpha behind the observer, with

    alpha - (beta / 2) kappa(alpha) = z,    kappa^2 = x^2 + y^2 + 4 (1 + x) sin^2 alpha,

kappa = R / rho the retarded distance. The left side is strictly increasing in alpha (its
derivative is 1 - n.beta >= 1 - beta), so the root is unique.

Potentials (Cai & Ding eqs. 23-25; F, E incomplete elliptic integrals of the first and second
kind of amplitude alpha and parameter m = -4 (1 + x) / (x^2 + y^2)):

    psi_s = (cos 2 alpha - 1/(1 + x)) / (kappa - beta (1 + x) sin 2 alpha)
    psi_x = psi_x(F, E, alpha, kappa; x, y, beta)     (eq. 24, including the -(2/beta^2) F/r term)
    psi_y = psi_y(F, E, alpha, kappa; x, y, beta)     (eq. 25)

The force on the test electron from one source electron is

    F_i = (e^2 / (4 pi eps0)) * beta^2 / (2 rho^2) * d psi_i / dz,

i.e. for a bunch of N electrons with unit-normalised density lambda (1/m^3)

    W_i(r) = (N r_e m c^2) * (beta^2 / rho) * Int psi_i(r - r') d lambda / d s'(r') d^3 r'.

What the potentials mean (checked against the Lienard-Wiechert fields of a point charge on the
circle, ``point_charge_force``: to ~1e-8 in double precision, tests/test_csr_wake.py, and to 10
digits with mpmath): as gamma -> infinity,

    beta^2/2 d psi_s/dz = E_s,
    beta^2/2 d psi_x/dz = E_x + (1 + x)(v x B)_x - phi,   (the curvilinear Hamiltonian's force,
    beta^2/2 d psi_y/dz = E_y + (1 + x)(v x B)_y,          B -> (1 + x/rho) B, and -e phi/rho)

in units e/(4 pi eps0 rho^2); at finite gamma the potentials leave out the space-charge
(velocity-field) part of order 1/gamma^2 (for psi_s exactly the term -phi / (gamma^2 (1 + x)),
phi = 1/(kappa - beta (1 + x) sin 2 alpha)), as PyCSR3D does: these are CSR wakes, not CSR plus
space charge.

Elliptic integrals are evaluated through Carlson's symmetric forms (scipy.special.elliprf,
elliprd), homogeneous in their arguments, so that F/r and E/r come out directly even when
|m| ~ 1e12:

    F/r = sin(a) R_F(r^2 cos^2 a, kappa^2, r^2),
    E/r = F/r + (4 (1 + x) / 3) sin^3(a) R_D(r^2 cos^2 a, kappa^2, r^2).
"""
from __future__ import annotations

import numpy as np
from scipy.special import elliprd, elliprf

__all__ = [
    "beta_of", "retarded_angle", "retarded_angle_quartic", "psi_s", "psi_x", "psi_y", "psi",
    "psi_s_antiderivative", "psi_cell_integrals", "point_charge_force",
]


def beta_of(gamma: float) -> tuple[float, float]:
    """(beta, 1/gamma^2) for a Lorentz factor gamma > 1."""
    gamma = float(gamma)
    if not gamma > 1.0:
        raise ValueError(f"gamma must be > 1, got {gamma}")
    ig2 = 1.0 / (gamma * gamma)
    return float(np.sqrt(1.0 - ig2)), ig2


def _arrays(*args):
    return np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])


# ----------------------------------------------------------------------------------------------
# Retarded angle
# ----------------------------------------------------------------------------------------------

def retarded_angle_quartic(x, y, z, gamma):
    """Approximate alpha from the quartic of Cai & Ding eq. (6) (sin a ~ a - a^3/6 in the
    retardation condition; their appendix A solves it in closed form). The quartic

        a^4 + p a^2 + q a + c = 0,   p = 3 (1/gamma^2 - beta^2 x) / (beta^2 (1 + x)),
        q = -6 z / (beta^2 (1 + x)),  c = 3 (z^2 / beta^2 - (x^2 + y^2) / 4) / (1 + x),

    is solved by Ferrari's method (the resolvent cubic's largest root by Cardano); the physical
    root is the largest real one (the squared condition's other branch has alpha < z). Relative
    error 2 alpha^2 / 45 in the CSR regime z >> r^(3/2) (the neglected alpha^5 term of sin alpha);
    NaN where the closed form breaks down, which ``retarded_angle`` then starts from the bracket.
    """
    x, y, z = _arrays(x, y, z)
    beta, ig2 = beta_of(gamma)
    b2 = beta * beta
    xp = 1.0 + x
    p = 3.0 * (ig2 - b2 * x) / (b2 * xp)
    q = -6.0 * z / (b2 * xp)
    c = 3.0 * (z * z / b2 - 0.25 * (x * x + y * y)) / xp
    # resolvent cubic m^3 + p m^2 + (p^2/4 - c) m - q^2/8 = 0 -> t^3 + P t + Q = 0, m = t - p/3
    a2, a1, a0 = p, 0.25 * p * p - c, -0.125 * q * q
    P = a1 - a2 * a2 / 3.0
    Q = 2.0 * a2 ** 3 / 27.0 - a2 * a1 / 3.0 + a0
    disc = 0.25 * Q * Q + P ** 3 / 27.0
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.maximum(disc, 0.0))
        t1 = np.cbrt(-0.5 * Q + sq) + np.cbrt(-0.5 * Q - sq)
        # three real roots: the largest, trigonometric form
        rad = np.sqrt(np.maximum(-P / 3.0, 0.0))
        arg = np.clip(np.where(rad > 0, -0.5 * Q / np.where(rad > 0, rad, 1.0) ** 3, 0.0), -1.0, 1.0)
        t3 = 2.0 * rad * np.cos(np.arccos(arg) / 3.0)
        m = np.where(disc >= 0, t1, t3) - a2 / 3.0
        sm = np.sqrt(2.0 * m)
        d1 = -2.0 * p - 2.0 * m - 2.0 * q / sm
        d2 = -2.0 * p - 2.0 * m + 2.0 * q / sm
        r1 = np.where(d1 >= 0, 0.5 * (sm + np.sqrt(d1)), -np.inf)
        r2 = np.where(d2 >= 0, 0.5 * (-sm + np.sqrt(d2)), -np.inf)
        out = np.maximum(r1, r2)
    return np.where(np.isfinite(out) & (m > 0), out, np.nan)


def retarded_angle(x, y, z, gamma, *, max_iter: int = 80):
    """alpha solving the exact retardation condition alpha - (beta/2) kappa(alpha) = z
    (Cai & Ding eq. 5), vectorised: the quartic solution as a start, then Newton steps
    (f' = 1 - beta (1+x) sin 2a / kappa > 0) safeguarded by bisection inside the bracket
    [z + beta r/2, z + (beta/2) sqrt(r^2 + 4 (1 + x))]. Converged to a few ulps of alpha.
    Requires |x| < 1 (the grid is far inside that: x ~ 1e-4)."""
    x, y, z = _arrays(x, y, z)
    beta, _ = beta_of(gamma)
    r2 = x * x + y * y
    xp = 1.0 + x
    lo = z + 0.5 * beta * np.sqrt(r2)
    hi = z + 0.5 * beta * np.sqrt(r2 + 4.0 * xp)
    a = retarded_angle_quartic(x, y, z, gamma)
    a = np.where(np.isfinite(a), np.clip(a, lo, hi), 0.5 * (lo + hi))
    lo = lo.copy()
    hi = hi.copy()
    idx = np.flatnonzero(np.ones(a.shape, dtype=bool))
    af, lof, hif = a.reshape(-1), lo.reshape(-1), hi.reshape(-1)
    xf, r2f, zf = x.reshape(-1), r2.reshape(-1), z.reshape(-1)
    for _ in range(max_iter):
        if idx.size == 0:
            break
        ai, xi, zi, r2i = af[idx], xf[idx], zf[idx], r2f[idx]
        sa = np.sin(ai)
        kap = np.sqrt(r2i + 4.0 * (1.0 + xi) * sa * sa)
        f = ai - zi - 0.5 * beta * kap
        with np.errstate(invalid="ignore", divide="ignore"):
            fp = 1.0 - beta * (1.0 + xi) * np.sin(2.0 * ai) / kap
            fp = np.where(kap > 0, fp, 1.0 - beta)
        # keep the bracket
        pos = f > 0
        hif[idx] = np.where(pos, np.minimum(hif[idx], ai), hif[idx])
        lof[idx] = np.where(~pos, np.maximum(lof[idx], ai), lof[idx])
        step = f / fp
        new = ai - step
        outside = ~((new >= lof[idx]) & (new <= hif[idx]))
        new = np.where(outside, 0.5 * (lof[idx] + hif[idx]), new)
        new = np.where(f == 0, ai, new)
        af[idx] = new
        # converged: the step is below an ulp, or f is at the rounding level of its terms (then
        # alpha is as well determined as double precision allows; the Newton step was taken)
        done = (f == 0) | ~outside & ((np.abs(step) <= 4.5e-16 * np.abs(new))
                                      | (np.abs(f) <= 1e-15 * (np.abs(ai) + np.abs(zi)))) \
            | (hif[idx] - lof[idx] <= 4.5e-16 * np.abs(new))
        idx = idx[~done]
    return af.reshape(a.shape)


# ----------------------------------------------------------------------------------------------
# Shared geometry and the potentials
# ----------------------------------------------------------------------------------------------

def _geometry(x, y, a, gamma, *, elliptic: bool = True):
    """Everything the potentials share, from (x, y) and the retarded angle a, with the
    cancellations of the textbook form removed:

    s = sin^2 a; kappa^2 = r^2 + 4 (1+x) s;
    D = kappa^2 - beta^2 (1+x)^2 sin^2 2a = r^2 + 4 (1+x) s (1/gamma^2 - beta^2 x + beta^2 (1+x) s);
    den = kappa - beta (1+x) sin 2a (= R (1 - n.beta) / rho > 0), as D / (kappa + beta (1+x) sin 2a)
          where that sum has no cancellation (a > 0);
    FoR = F/r, EoR = E/r (Carlson forms).
    """
    beta, ig2 = beta_of(gamma)
    b2 = beta * beta
    xp = 1.0 + x
    r2 = x * x + y * y
    sa, ca = np.sin(a), np.cos(a)
    s = sa * sa
    s2a = 2.0 * sa * ca
    kap2 = r2 + 4.0 * xp * s
    kap = np.sqrt(kap2)
    D = r2 + 4.0 * xp * s * (ig2 - b2 * x + b2 * xp * s)
    plus = kap + beta * xp * s2a
    minus = kap - beta * xp * s2a
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.where(a > 0, D / plus, minus)
    g = dict(beta=beta, b2=b2, ig2=ig2, xp=xp, r2=r2, sa=sa, s=s, s2a=s2a, kap=kap, D=D, den=den)
    if elliptic:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            c2 = r2 * ca * ca
            FoR = sa * elliprf(c2, kap2, r2)
            EoR = FoR + (4.0 / 3.0) * xp * sa * s * elliprd(c2, kap2, r2)
        g.update(FoR=FoR, EoR=EoR)
    return g


def _psi_s_from(x, g):
    return (x / g["xp"] - 2.0 * g["s"]) / g["den"]


def _psi_x_from(x, y, g):
    beta, b2, ig2, xp, r2 = g["beta"], g["b2"], g["ig2"], g["xp"], g["r2"]
    s, s2a, kap, D = g["s"], g["s2a"], g["kap"], g["D"]
    y2 = y * y
    f2 = (2.0 + x) ** 2
    P = x * x * f2
    Q = y2 * (2.0 + 2.0 * x + x * x)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_f = (x * x / xp - 2.0 * ig2 / b2) * g["FoR"]
        t_e = -(P + Q) * g["EoR"] / (xp * (y2 + f2))
        t_3 = (r2 + b2 * xp * x * x + 2.0 * s * xp * (2.0 * ig2 - b2 * x * (2.0 + x))) / (beta * xp * D)
        bx = y2 * y2 + P * (b2 * x - ig2) + b2 * xp * x * x * y2 - 2.0 * s * b2 * xp * (P + Q)
        t_45 = kap * s2a * bx / (r2 * (y2 + f2) * D)
    return t_f + t_e + t_3 + t_45


def _psi_y_from(x, y, g):
    beta, b2, ig2, xp, r2 = g["beta"], g["b2"], g["ig2"], g["xp"], g["r2"]
    s, s2a, kap, D = g["s"], g["s2a"], g["kap"], g["D"]
    y2 = y * y
    f2 = (2.0 + x) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t_1 = g["FoR"] - (x * (2.0 + x) + y2) * g["EoR"] / (y2 + f2)
        t_2 = -beta * (2.0 * s * xp - x) / D
        by = y2 * (b2 * x - 2.0) + x * (2.0 + x) * (b2 * x - 2.0 * ig2) \
            - 2.0 * s * b2 * xp * (y2 + x * (2.0 + x))
        t_34 = kap * xp * s2a * by / (r2 * (y2 + f2) * D)
    return y * (t_1 + t_2 + t_34)


def psi_s(x, y, z, gamma):
    """Cai & Ding's longitudinal potential psi_s (dimensionless, scaled coordinates), finite
    everywhere except the origin, where it is set to 0 (the singularity ~ -2 (6z)^(-1/3) is
    integrable: the wake uses its exact z-antiderivative ``psi_s_antiderivative``)."""
    x, y, z = _arrays(x, y, z)
    a = retarded_angle(x, y, z, gamma)
    g = _geometry(x, y, a, gamma, elliptic=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = _psi_s_from(x, g)
    return np.where((x == 0) & (y == 0) & (z == 0), 0.0, out)


def psi_x(x, y, z, gamma):
    """Cai & Ding's horizontal potential psi_x (eq. 24, the -(2/beta^2) F/r scalar-potential
    term included). Diverges logarithmically (coefficient 1/gamma^2) on the axis x = y = 0, where
    NaN/inf is returned; the wake uses transverse cell averages there."""
    x, y, z = _arrays(x, y, z)
    a = retarded_angle(x, y, z, gamma)
    return _psi_x_from(x, y, _geometry(x, y, a, gamma))


def psi_y(x, y, z, gamma):
    """Cai & Ding's vertical potential psi_y (eq. 25), odd in y (0 on y = 0; NaN on the axis
    x = y = 0, where it is 0 by symmetry)."""
    x, y, z = _arrays(x, y, z)
    a = retarded_angle(x, y, z, gamma)
    out = _psi_y_from(x, y, _geometry(x, y, a, gamma))
    return np.where(y == 0, 0.0, out)


def psi(x, y, z, gamma):
    """(psi_s, psi_x, psi_y) at once (one retarded-angle solve, one pair of elliptic integrals)."""
    x, y, z = _arrays(x, y, z)
    a = retarded_angle(x, y, z, gamma)
    g = _geometry(x, y, a, gamma)
    with np.errstate(invalid="ignore", divide="ignore"):
        ps = _psi_s_from(x, g)
    return ps, _psi_x_from(x, y, g), np.where(y == 0, 0.0, _psi_y_from(x, y, g))


def _psi_s_antiderivative_alpha(x, y, a, gamma):
    """Psi_s as a function of the retarded angle (see ``psi_s_antiderivative``)."""
    beta, _ = beta_of(gamma)
    xp = 1.0 + x
    r2 = x * x + y * y
    sa, ca = np.sin(a), np.cos(a)
    s = sa * sa
    kap2 = r2 + 4.0 * xp * s
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        c2 = r2 * ca * ca
        FoR = sa * elliprf(c2, kap2, r2)
        val = (x / xp) * FoR - (2.0 / 3.0) * r2 * sa * s * elliprd(c2, kap2, r2)
    # on the axis (r = 0): Int_0^a -|sin t| dt = -sign(a) (1 - cos a)
    axis = -np.sign(a) * 2.0 * np.sin(0.5 * a) ** 2
    return np.where(r2 > 0, val, axis)


def psi_s_antiderivative(x, y, z, gamma):
    """Psi_s(x, y, z) = Int psi_s dz (scaled z), the constant fixed by Psi_s = 0 at alpha = 0.

    Since dz/dalpha = (kappa - beta (1+x) sin 2a) / kappa, psi_s dz = (cos 2a - 1/(1+x)) / kappa
    da, whose integral is elliptic:

        Psi_s = x/(1+x) F(a|m)/r + r (F(a|m) - E(a|m)) / (2 (1+x)),   m = -4 (1+x) / r^2,
              = x/(1+x) sin(a) R_F(c, kappa^2, r^2) - (2/3) r^2 sin^3(a) R_D(c, kappa^2, r^2),
                c = r^2 cos^2 a,

    and -sign(a) (1 - cos a) on the axis. This is the antiderivative behind the integrated Green
    function of Ws (exact cell integrals in z, no quadrature)."""
    x, y, z = _arrays(x, y, z)
    return _psi_s_antiderivative_alpha(x, y, retarded_angle(x, y, z, gamma), gamma)


_GL_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _gauss_legendre(n: int):
    if n not in _GL_CACHE:
        _GL_CACHE[n] = np.polynomial.legendre.leggauss(n)
    return _GL_CACHE[n]


def psi_cell_integrals(x, y, z_lo, z_hi, gamma, *, nodes: int = 8, components: str = "sxy",
                       moments: bool = False):
    """Integrated Green functions: Int_{z_lo}^{z_hi} psi_i(x, y, z) dz (scaled z), for
    i in ``components``. Psi_s exactly (``psi_s_antiderivative``); psi_x and psi_y by
    Gauss-Legendre quadrature (three panels of ``nodes`` points, split at alpha = 0 and
    alpha = sqrt(r) where the cell spans them) in the retarded angle, where the integrand
    psi_i (dz/dalpha) = psi_i (kappa - beta (1+x) sin 2a) / kappa has no 1/(1 - n.beta) peak, after
    the substitution a = (r/2) sinh u that flattens the 1/kappa ~ 1/sqrt(r^2 + 4 a^2) peak at
    a = 0. Requires r = sqrt(x^2 + y^2) > 0 for x and y (the wake never asks for r = 0).

    With ``moments=True`` also returns the first moments Int psi_i (z - z_mid) dz about the cell
    centre z_mid = (z_lo + z_hi)/2 (same quadrature, psi_s included; they make the wake's
    discretisation second order, see ``wake.csr_kernels``): the result is then
    (integrals..., moments...)."""
    x, y, z_lo, z_hi = _arrays(x, y, z_lo, z_hi)
    out = {}
    a_lo = retarded_angle(x, y, z_lo, gamma)
    a_hi = retarded_angle(x, y, z_hi, gamma)
    if "s" in components:
        out["s"] = _psi_s_antiderivative_alpha(x, y, a_hi, gamma) - _psi_s_antiderivative_alpha(x, y, a_lo, gamma)
    want = [c for c in ("sxy" if moments else "xy") if c in components]
    if want:
        beta, _ = beta_of(gamma)
        z_mid = 0.5 * (z_lo + z_hi)
        r = np.sqrt(x * x + y * y)
        if np.any(r <= 0):
            raise ValueError("psi_cell_integrals: the quadrature needs r = sqrt(x^2 + y^2) > 0")
        u_lo = np.arcsinh(2.0 * a_lo / r)
        u_hi = np.arcsinh(2.0 * a_hi / r)
        # three Gauss-Legendre panels, split at alpha = 0 and at alpha = sqrt(r) (where the
        # near-field region ends and the integrand turns into a power of alpha) when inside
        u_0 = np.clip(0.0, u_lo, u_hi)
        u_c = np.clip(np.arcsinh(2.0 / np.sqrt(r)), u_lo, u_hi)
        t, w = _gauss_legendre(nodes)
        acc = {c: np.zeros(np.shape(x)) for c in want}
        mom = {c: np.zeros(np.shape(x)) for c in want} if moments else None
        for ua, ub in ((u_lo, u_0), (u_0, u_c), (u_c, u_hi)):
            half = 0.5 * (ub - ua)
            mid = 0.5 * (ub + ua)
            for tk, wk in zip(t, w):
                u = mid + half * tk
                a = 0.5 * r * np.sinh(u)
                g = _geometry(x, y, a, gamma, elliptic=("x" in acc or "y" in acc))
                jac = half * wk * 0.5 * r * np.cosh(u) * g["den"] / g["kap"]      # dz/du
                vals = {}
                if "s" in acc:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        vals["s"] = _psi_s_from(x, g) * jac
                if "x" in acc:
                    vals["x"] = _psi_x_from(x, y, g) * jac
                if "y" in acc:
                    vals["y"] = np.where(y == 0, 0.0, _psi_y_from(x, y, g)) * jac
                if moments:
                    dz = a - 0.5 * beta * g["kap"] - z_mid
                for c, v in vals.items():
                    acc[c] += v
                    if moments:
                        mom[c] += v * dz
        for c in want:
            if c != "s":
                out[c] = acc[c]
    res = tuple(out[c] for c in components)
    if moments:
        res = res + tuple(mom[c] for c in components)
    return res


# ----------------------------------------------------------------------------------------------
# Reference: the Lienard-Wiechert force of a point charge on the circle
# ----------------------------------------------------------------------------------------------

def point_charge_force(x, y, z, gamma):
    """The fields of one electron on the reference circle (radius 1, speed beta), at an observer
    at (x, y) moving parallel to it, z = ds/(2 rho) ahead of it, from the Lienard-Wiechert
    formulas (velocity and acceleration fields), in units e/(4 pi eps0 rho^2). Returns a dict:
    E_s, E_x, E_y, (vxB)_x, (vxB)_y (observer velocity beta along s) and phi (the scalar
    potential). The Cai-Ding forces are E_s, E_x + (1+x)(vxB)_x - phi, E_y + (1+x)(vxB)_y
    (their potentials reproduce these up to the dropped 1/gamma^2 space-charge terms).
    A slow scalar reference for the tests, not used by the wake."""
    beta, ig2 = beta_of(gamma)
    a = float(retarded_angle(x, y, z, gamma))
    P = np.array([1.0 + x, 0.0, y])
    S = np.array([np.cos(2 * a), -np.sin(2 * a), 0.0])
    bv = beta * np.array([np.sin(2 * a), np.cos(2 * a), 0.0])
    bdot = -beta * beta * np.array([np.cos(2 * a), -np.sin(2 * a), 0.0])
    Rv = P - S
    R = float(np.linalg.norm(Rv))
    n = Rv / R
    k = 1.0 - float(n @ bv)
    E = (n - bv) * ig2 / (k ** 3 * R * R) + np.cross(n, np.cross(n - bv, bdot)) / (k ** 3 * R)
    vxB = np.cross(beta * np.array([0.0, 1.0, 0.0]), np.cross(n, E))
    return {"E_s": E[1], "E_x": E[0], "E_y": E[2], "vxB_x": vxB[0], "vxB_y": vxB[2], "phi": 1.0 / (R * k)}
