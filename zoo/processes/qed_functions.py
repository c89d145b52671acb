"""Synchrotron special functions and the quadrature shared by the strong-field QED processes
(``quantum_synchrotron``, ``breit_wheeler``, ``synchrotron``). Vectorised numpy, float64.

Functions (x > 0; ``*e`` variants are scaled by e^x, so that nothing underflows below x ~ 700):

    k13(x), k23(x)     modified Bessel functions K_{1/3}(x), K_{2/3}(x)
    ik13(x)            Int_x^inf K_{1/3}(s) ds
    ik53(x)            Int_x^inf K_{5/3}(s) ds = 2 K_{2/3}(x) - Int_x^inf K_{1/3}(s) ds
    bw_integral(X)     Int_X^inf sqrt(s) K_{1/3}(2 s^{3/2}/3) ds = ik13(2 X^{3/2} / 3)
                       (substitute z = 2 s^{3/2}/3, dz = sqrt(s) ds)

The identity for ik53 follows from the recurrences K_{5/3} = K_{1/3} + (4/3x) K_{2/3} and
K'_{2/3} = -(K_{1/3} + K_{5/3})/2, i.e. K_{5/3} = -2 K'_{2/3} - K_{1/3}. At large x the two terms
are 2 and 1 times sqrt(pi/2x) e^-x: the difference loses at most one bit.

Evaluation (``bessel_set`` computes the three functions K_{1/3}, K_{2/3}, Int K_{1/3} together):

* x < SERIES_SWITCH: the power series of I_{-nu} - I_nu (K_nu = pi/(2 sin nu pi) (I_{-nu} - I_nu),
  pi/(2 sin nu pi) = pi/sqrt 3 for nu = 1/3, 2/3) and their term-wise integrals
  (Int_x^inf K_{1/3} = pi/sqrt 3 - Int_0^x K_{1/3}, Int_0^inf K_{1/3} = pi/sqrt 3);
* x >= SERIES_SWITCH: the trapezoidal rule on the integral representations

      e^x K_nu(x)            = Int_0^inf e^{-x (cosh u - 1)} cosh(nu u) du,
      e^x Int_x^inf K_nu     = Int_0^inf e^{-x (cosh u - 1)} cosh(nu u) / cosh u du,

  (even, analytic integrands in |Im u| < pi/2: the trapezoidal rule converges geometrically),
  ``TRAPEZOID_NODES`` nodes of step h = H_MAX 2^{-k/4}, the largest such step <= min(H_MAX,
  H_SCALE / sqrt x) (the Gaussian width 1/sqrt x of the integrand at large x); the node weights
  of each step level are tabulated once, so one exponential per node is all a value costs
  (1e5 values of the three functions: ~0.07 s). cosh u - 1 = 2 sinh^2(u/2) (no cancellation).

Measured against mpmath (mp.besselk, and Int K_nu by mpmath quadrature; tests/test_qed.py) at
x from 1e-12 to 700: the largest relative deviation is 2.1e-15 (Int K_{5/3} at x ~ 0.43, where the
series loses most to cancellation), <= 1e-15 elsewhere.

``SoftplusQuadrature``: the integration scheme of the three targets. Their densities, written in a
variable v in (0, inf) (nu of quantum synchrotron, x of synchrotron, z - z0 of Breit-Wheeler),
behave as v^{p-1} (p = 1/3, 1/2) at v -> 0 and as e^{-v} at v -> inf. In y = ln(e^v - 1)
(v = softplus(y) = ln(1 + e^y)) they decay like e^{p y} at y -> -inf and like e^{-y} at y -> +inf
and are analytic in a strip |Im y| < pi: composite Gauss-Legendre with unit panels over
[Y_MIN, Y_MAX] = [-30, 60] integrates them to rounding. Below Y_MIN (v < 9.4e-14) the integral over
[0, v] is taken in v' = v t^{1/p} (a smooth integrand in t), above Y_MAX (v > 60) by Gauss-Laguerre
in v. The panel sums are tabulated once per parameter value (and, where the Bessel functions'
argument is v itself, their values at the panel nodes once for all); a CDF value is then a sum of
whole panels on one side plus one partial panel of 10 fresh nodes: relative-accurate in both tails
(every term is positive; no tail mass is ever a difference of two near-equal sums), ~0.1 s per
1e4 values. Measured against mpmath (tests/test_qed.py): <= 5.2e-15 relative for CDF and survival
values from 0.5 down to 1e-12 over the three targets' parameter domains.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from scipy.special import gamma as _gamma

SQRT3 = math.sqrt(3.0)
PI_SQRT3 = math.pi / SQRT3          # pi/(2 sin(nu pi)) for nu = 1/3, 2/3; and Int_0^inf K_{1/3}

#: below this x the power series, above it the trapezoidal rule
SERIES_SWITCH = 0.5
#: series terms (the first omitted term is < 1e-20 of the sum at x = SERIES_SWITCH)
_N_SERIES = 12
#: trapezoidal nodes u = 0, h, ..., (N - 1) h. The step is h = H_MAX 2^(-k/4) at the level k with
#: h <= min(H_MAX, H_SCALE / sqrt x): at x = SERIES_SWITCH u reaches 6.2 (x (cosh u - 1) = 123);
#: at large x, x (cosh u - 1) >= (H_SCALE 2^(-1/4) (N - 1))^2 / 2 = 122. The discretisation error
#: is ~ e^{x - pi^2/h} (the pole of 1/cosh u at i pi/2) for x h < 2 and ~ e^{-2 pi^2 / (x h^2)} beyond:
#: < e^-40 everywhere.
TRAPEZOID_NODES = 32
H_MAX = 0.2
H_SCALE = 0.6

_K = np.arange(_N_SERIES, dtype=np.float64)
_FACT = np.array([math.factorial(k) for k in range(_N_SERIES)], dtype=np.float64)


def _coeffs(mu):
    return 1.0 / (_FACT * _gamma(_K + mu + 1.0))


#: I_mu(x) = (x/2)^mu sum_k c_k (x/2)^{2k}, c_k = 1/(k! Gamma(k + mu + 1)), for mu = -2/3 .. 2/3
_C_M13, _C_P13 = _coeffs(-1.0 / 3.0), _coeffs(1.0 / 3.0)
_C_M23, _C_P23 = _coeffs(-2.0 / 3.0), _coeffs(2.0 / 3.0)
#: Int_0^x I_mu = 2 (x/2)^{mu + 1} sum_k c_k (x/2)^{2k} / (2k + mu + 1)
_D_M13 = 2.0 * _C_M13 / (2.0 * _K + 2.0 / 3.0)
_D_P13 = 2.0 * _C_P13 / (2.0 * _K + 4.0 / 3.0)


def _poly(c, h2):
    out = np.zeros_like(h2)
    for ck in c[::-1]:
        out = out * h2 + ck
    return out


def _series(x):
    """(K_{1/3}, K_{2/3}, Int_x^inf K_{1/3}) by the power series (x small)."""
    h = 0.5 * x
    h2 = h * h
    h13 = np.cbrt(h)
    h23 = h13 * h13
    k13 = PI_SQRT3 * (_poly(_C_M13, h2) / h13 - h13 * _poly(_C_P13, h2))
    k23 = PI_SQRT3 * (_poly(_C_M23, h2) / h23 - h23 * _poly(_C_P23, h2))
    ik13 = PI_SQRT3 * (1.0 - h23 * _poly(_D_M13, h2) + h23 * h23 * _poly(_D_P13, h2))
    return k13, k23, ik13


_TRAP_LEVELS: dict = {}


def _trapezoid_level(k: int):
    """(2 sinh^2(u/2), h w_j [cosh(u/3), cosh(2u/3), cosh(u/3)/cosh u]) at the nodes of level k."""
    tab = _TRAP_LEVELS.get(k)
    if tab is None:
        h = H_MAX * 2.0 ** (-0.25 * k)
        u = h * np.arange(TRAPEZOID_NODES, dtype=np.float64)
        w = np.full(TRAPEZOID_NODES, h)
        w[0] = 0.5 * h
        c13 = np.cosh(u / 3.0)
        weights = np.stack([w * c13, w * np.cosh(2.0 * u / 3.0), w * c13 / np.cosh(u)], axis=1)
        tab = _TRAP_LEVELS[k] = (2.0 * np.sinh(0.5 * u) ** 2, weights)
    return tab


def _trapezoid_scaled(x):
    """(e^x K_{1/3}, e^x K_{2/3}, e^x Int_x^inf K_{1/3}) by the trapezoidal rule (x >= ~0.5), shape (3, n)."""
    level = np.maximum(0, np.ceil(4.0 * np.log2(H_MAX * np.sqrt(x) / H_SCALE) - 1e-9)).astype(np.int64)
    out = np.empty((3, x.size))
    for k in np.unique(level):
        sel = np.flatnonzero(level == k)
        s2, weights = _trapezoid_level(int(k))
        out[:, sel] = (np.exp(-np.outer(x[sel], s2)) @ weights).T
    return out


def bessel_set(x, scaled: bool = False, chunk: int = 1 << 15):
    """(K_{1/3}(x), K_{2/3}(x), Int_x^inf K_{1/3}) for x > 0 (each times e^x if ``scaled``)."""
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape
    xf = x.reshape(-1)
    out = np.empty((3, xf.size))
    small = xf < SERIES_SWITCH
    if small.any():
        xs = xf[small]
        vals = np.array(_series(xs))
        out[:, small] = vals * np.exp(xs) if scaled else vals
    big = np.flatnonzero(~small)
    for s in range(0, big.size, chunk):
        idx = big[s:s + chunk]
        xb = xf[idx]
        vals = _trapezoid_scaled(xb)
        if not scaled:
            with np.errstate(under="ignore"):
                vals = vals * np.exp(-xb)
        out[:, idx] = vals
    return tuple(o.reshape(shape) for o in out)


def k13(x):
    """K_{1/3}(x)."""
    return bessel_set(x)[0]


def k23(x):
    """K_{2/3}(x)."""
    return bessel_set(x)[1]


def ik13(x):
    """Int_x^inf K_{1/3}(s) ds."""
    return bessel_set(x)[2]


def ik53(x):
    """Int_x^inf K_{5/3}(s) ds = 2 K_{2/3}(x) - Int_x^inf K_{1/3}(s) ds (the synchrotron function
    F(x) = x ik53(x))."""
    _, b, c = bessel_set(x)
    return 2.0 * b - c


def k13e(x):
    """e^x K_{1/3}(x)."""
    return bessel_set(x, scaled=True)[0]


def k23e(x):
    """e^x K_{2/3}(x)."""
    return bessel_set(x, scaled=True)[1]


def ik13e(x):
    """e^x Int_x^inf K_{1/3}(s) ds."""
    return bessel_set(x, scaled=True)[2]


def ik53e(x):
    """e^x Int_x^inf K_{5/3}(s) ds."""
    _, b, c = bessel_set(x, scaled=True)
    return 2.0 * b - c


def bw_integral(X):
    """Int_X^inf sqrt(s) K_{1/3}(2 s^{3/2}/3) ds = Int_z^inf K_{1/3}, z = 2 X^{3/2}/3."""
    X = np.asarray(X, dtype=np.float64)
    return ik13(2.0 / 3.0 * X * np.sqrt(X))


# ------------------------------------------------------------------------------ quadrature
#: the composite rule's range in y = ln(e^v - 1) (v = softplus(y) from 9.4e-14 to 60) and its panels
Y_MIN, Y_MAX = -30.0, 60.0
N_PANELS = int(Y_MAX - Y_MIN)
#: Gauss-Legendre nodes per unit panel (and per partial panel): the integrands are analytic in a
#: strip |Im y| < pi, so 10 nodes on a unit panel are exact to ~1e-20
PANEL_NODES = 10
#: Gauss-Legendre nodes of the lower cap (in t, v = v_m t^{1/p}) and Gauss-Laguerre nodes of the
#: upper cap (v >= 60: the nearest singularity of the scaled integrand, v = 0 or below, is >= 60 away)
CAP_NODES = 20
LAGUERRE_NODES = 40
#: parameter values whose panel tables are kept (a training table has a few hundred)
TABLE_CACHE = 4096


def _gl01(n):
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1.0), 0.5 * w


_PANEL_T, _PANEL_W = _gl01(PANEL_NODES)
_CAP_T, _CAP_W = _gl01(CAP_NODES)
_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(LAGUERRE_NODES)
_Y_NODES = (Y_MIN + np.arange(N_PANELS, dtype=np.float64))[:, None] + _PANEL_T      # (N_PANELS, nodes)


def softplus(y):
    """v = ln(1 + e^y), relative-accurate for every y."""
    return np.logaddexp(0.0, np.asarray(y, dtype=np.float64))


def softplus_inverse(v):
    """y = ln(e^v - 1) for v >= 0 (-inf at v = 0), relative-accurate."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.where(v < 30.0, np.log(np.expm1(np.minimum(v, 30.0))), v + np.log1p(-np.exp(-v)))


def _sigmoid(y):
    """dv/dy = 1/(1 + e^-y) (relative-accurate: e^y/(1 + e^y) below 0)."""
    e = np.exp(-np.abs(y))
    return np.where(y >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class SoftplusQuadrature:
    """Integrals of a positive density g(v; a) over [0, v] and [v, inf) (see the module docstring).

    ``scaled_density(v, a, k13e, k23e, ik13e)``: e^v g(v; a), given the e^x-scaled Bessel functions
    at ``bessel_arg(v, a)`` (``universal``: the argument is v itself, so their values at the fixed
    panel nodes are computed once). ``power`` p: g ~ v^{p - 1} as v -> 0. The parameter ``a`` is
    one float array (the panel tables are cached per distinct value).
    """

    def __init__(self, scaled_density, power: float, bessel_arg=None):
        self.scaled_density = scaled_density
        self.power = power
        self.bessel_arg = bessel_arg
        self._tables: OrderedDict = OrderedDict()
        self._nodes = None

    # -- the integrand ---------------------------------------------------------------------------
    def _scaled(self, v, a):
        arg = v if self.bessel_arg is None else self.bessel_arg(v, a)
        return self.scaled_density(v, a, *bessel_set(arg, scaled=True))

    def density(self, v, a):
        """g(v; a) (unnormalised)."""
        v = np.asarray(v, dtype=np.float64)
        with np.errstate(under="ignore"):
            return self._scaled(v, a) * np.exp(-v)

    def _in_y(self, y, a, bessel=None):
        v = softplus(y)
        s = self._scaled(v, a) if bessel is None else self.scaled_density(v, a, *bessel)
        with np.errstate(under="ignore"):
            return s * np.exp(-v) * _sigmoid(y)

    def lower_cap(self, v, a):
        """Int_0^v g, in v' = v t^{1/p} (a smooth integrand in t)."""
        v, a = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(a, dtype=np.float64))
        q = 1.0 / self.power
        vv = v[..., None] * _CAP_T ** q
        jac = q * _CAP_T ** (q - 1.0)
        return v * (self.density(vv, a[..., None]) * jac * _CAP_W).sum(-1)

    def upper_cap(self, v, a):
        """Int_v^inf g = e^-v Int_0^inf e^-u [e^{v+u} g(v + u)] du by Gauss-Laguerre (v >= ~40)."""
        v, a = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(a, dtype=np.float64))
        s = (self._scaled(v[..., None] + _LAG_X, a[..., None]) * _LAG_W).sum(-1)
        with np.errstate(under="ignore"):
            return np.exp(-v) * s

    def partial(self, y0, y1, a):
        """Int over y in [y0, y1] (one Gauss-Legendre panel; |y1 - y0| <= 1)."""
        y0, y1, a = np.broadcast_arrays(*(np.asarray(q, dtype=np.float64) for q in (y0, y1, a)))
        span = y1 - y0
        y = y0[..., None] + span[..., None] * _PANEL_T
        return span * (self._in_y(y, a[..., None]) * _PANEL_W).sum(-1)

    # -- per-parameter tables ------------------------------------------------------------------------
    def _node_bessel(self):
        if self._nodes is None:
            self._nodes = bessel_set(softplus(_Y_NODES), scaled=True)
        return self._nodes

    def _build(self, a):
        """(below, above, total) for each value in a: below[:, i] = Int_0^{v(Y_MIN + i)} g,
        above[:, i] = Int_{v(Y_MIN + i)}^inf g, i = 0 .. N_PANELS."""
        a = np.asarray(a, dtype=np.float64)
        ac = a[:, None, None]
        bessel = None if self.bessel_arg is not None else tuple(b[None] for b in self._node_bessel())
        vals = self._in_y(_Y_NODES[None], ac, bessel)
        panels = (vals * _PANEL_W).sum(-1)                                   # (n, N_PANELS)
        lo = self.lower_cap(np.full(a.shape, softplus(Y_MIN)), a)
        hi = self.upper_cap(np.full(a.shape, softplus(Y_MAX)), a)
        below = np.concatenate([lo[:, None], lo[:, None] + np.cumsum(panels, axis=1)], axis=1)
        above = np.concatenate([hi[:, None] + np.cumsum(panels[:, ::-1], axis=1)[:, ::-1], hi[:, None]], axis=1)
        return below, above, below[:, -1] + hi

    def tables(self, a):
        """(below, above, total) for every entry of a (cached per distinct value)."""
        a = np.asarray(a, dtype=np.float64).reshape(-1)
        uniq, inv = np.unique(a, return_inverse=True)
        # this call's rows are collected before the cache is trimmed (a call may need more
        # distinct values than the cache holds)
        rows = {float(u): self._tables[float(u)] for u in uniq if float(u) in self._tables}
        missing = [u for u in uniq if float(u) not in rows]
        for start in range(0, len(missing), 64):
            part = np.array(missing[start:start + 64])
            b, ab, t = self._build(part)
            for j, u in enumerate(part):
                rows[float(u)] = self._tables[float(u)] = (b[j], ab[j], t[j])
        while len(self._tables) > TABLE_CACHE:
            self._tables.popitem(last=False)
        rows = [rows[float(u)] for u in uniq]
        below = np.stack([r[0] for r in rows])[inv]
        above = np.stack([r[1] for r in rows])[inv]
        total = np.array([r[2] for r in rows])[inv]
        return below, above, total

    def total(self, a):
        """Int_0^inf g(v; a) dv."""
        a = np.asarray(a, dtype=np.float64)
        return self.tables(a)[2].reshape(a.shape)

    def masses(self, v, a, which: str):
        """(Int_0^v g or Int_v^inf g, Int_0^inf g), relative-accurate; ``which`` = 'below' or 'above'.
        v, a: arrays (broadcast); v in [0, inf]."""
        v, a = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(a, dtype=np.float64))
        shape = v.shape
        v, a = v.reshape(-1), a.reshape(-1)
        below_t, above_t, total = self.tables(a)
        y = softplus_inverse(v)
        out = np.empty(v.shape)
        inside = (v > 0) & np.isfinite(v)
        low = inside & (y < Y_MIN)
        high = inside & (y >= Y_MAX)
        mid = inside & ~(low | high)
        if which == "below":
            if low.any():
                out[low] = self.lower_cap(v[low], a[low])
            if high.any():
                out[high] = total[high] - self.upper_cap(v[high], a[high])
            if mid.any():
                i = np.minimum(np.floor(y[mid] - Y_MIN).astype(np.int64), N_PANELS - 1)
                m = np.flatnonzero(mid)
                out[mid] = below_t[m, i] + self.partial(Y_MIN + i, y[mid], a[mid])
        else:
            if low.any():
                out[low] = total[low] - self.lower_cap(v[low], a[low])
            if high.any():
                out[high] = self.upper_cap(v[high], a[high])
            if mid.any():
                i = np.minimum(np.floor(y[mid] - Y_MIN).astype(np.int64), N_PANELS - 1)
                m = np.flatnonzero(mid)
                out[mid] = above_t[m, i + 1] + self.partial(y[mid], Y_MIN + i + 1, a[mid])
        out = np.where(v <= 0, 0.0 if which == "below" else total, out)
        out = np.where(v == np.inf, total if which == "below" else 0.0, out)
        return out.reshape(shape), total.reshape(shape)
