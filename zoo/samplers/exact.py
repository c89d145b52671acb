"""Exact mode: refine a network's value on the exact CDF until it is right to 1e-12, relative.

Given u and the network's w in [0, 1] (the model coordinate of the sample), solve
C(x(w)) = u for u <= 1/2 and S(x(w)) = 1 - u for u > 1/2 (S = 1 - C the survival function,
so each tail is solved in relative terms), with safeguarded Newton iterations in w: the
coordinate in which every model's exact map is close to a straight line, so one to three
steps from the network's value converge. Each step keeps a bracket [a, b] of w (the sign
of the residual moves one end); a Newton step that leaves it, or is not finite, is replaced
by bisection. A point is done when

* ``converged``: |C - u| <= rtol min(u, 1 - u) (``RTOL = 1e-12``), or
* ``resolution``: the sample x (or w) no longer moves by more than two float64 ulps: the
  exact answer lies between neighbouring float64 samples and no float64 value meets the bound (this happens
  where the support is far from zero, e.g. a 1e-6 tail that sits within 1e-10 relative of
  eps0 = 1e-2, or the Klein-Nishina top end of inverse Compton within an ulp of eps_max), or
* ``capped``: ``max_iter`` iterations passed (``RefineResult.capped`` counts them; the
  Sampler warns), or
* ``floored``: at a support end at 0, the tail mass is below what any normal float64 sample
  carries: u < C(x_f), x_f = 2.2e-308 the smallest normal float64 (or 1 - u < S(-x_f) at an upper
  end at 0). The answer is the end itself (the exact quantile is a subnormal number, where
  the targets' CDFs lose all precision), counted in ``RefineResult.floored``: the
  Sampler warns that the 1e-12 bound is not met there. Every other lower-tail answer is
  >= x_f (upper: <= x_f), so the map stays monotone in u and inside the support (issue 23: at
  u < 1e-103 synchrotron returned arbitrary subnormals, C(x)/u up to 1e195).

The exact CDF, survival function and pdf are the target's float64 numpy functions (CPU);
x(w) and dx/dw are the target's torch coordinate (autograd). Tensors on a GPU are moved to
the CPU for the CDF evaluations and back. Any target with a CDF (and ideally a
relative-accurate ``component_sf``) gets the exact mode for free.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

#: the exact mode's bound on |C(x) - u| / min(u, 1 - u)
RTOL = 1e-12
#: relative residual below which the iteration moves from w to x itself
SWITCH_TO_X = 1e-3
#: iteration cap per component (Newton from a network value needs 1-4; bisection steps are rare; the
#: polarized Klein-Nishina phi at u = 1/2, theta = 90 deg, where the density ~ (phi - pi)^2 ~ 0, takes 13)
MAX_ITER = 16


@dataclass
class RefineResult:
    """w, x (float64 numpy), iterations used per point and how many points ended each way."""

    w: np.ndarray
    x: np.ndarray
    iterations: np.ndarray
    converged: int
    resolution: int
    capped: int
    floored: int = 0


def _x_and_slope(target, k, w, prev, params, coordinate):
    """x(w) (unclamped coordinate map, float64) and dx/dw by autograd."""
    wt = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float64)).requires_grad_(True)
    tprev = None if prev is None else torch.from_numpy(np.ascontiguousarray(prev, dtype=np.float64))
    tparams = {n: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64)) for n, v in params.items()}
    x = target.to_physical(k, wt, tprev, tparams, coordinate)
    (g,) = torch.autograd.grad(x.sum(), wt)
    lo, hi = target.component_support(k, prev, params)
    xs = np.clip(x.detach().numpy(), lo, hi)
    return xs, g.numpy()


def _take(params, prev, idx, n):
    sub = {k: (v[idx] if np.ndim(v) and np.shape(v)[0] == n else v) for k, v in params.items()}
    return sub, (None if prev is None else prev[idx])


def _residual(target, k, x, u, mass, lower, prev, params):
    """(ratio - 1, ratio) with ratio = C/u (lower tail) or S/(1 - u) (upper), relative-accurate."""
    n = x.shape[0]
    ratio = np.empty(n)
    if np.any(lower):
        p, pv = _take(params, prev, np.flatnonzero(lower), n)
        ratio[lower] = target.component_cdf(k, x[lower], pv, p) / mass[lower]
    if np.any(~lower):
        p, pv = _take(params, prev, np.flatnonzero(~lower), n)
        ratio[~lower] = target.component_sf(k, x[~lower], pv, p) / mass[~lower]
    return ratio


def refine(target, k: int, u: np.ndarray, w0: np.ndarray, prev: np.ndarray | None,
           params: Mapping[str, np.ndarray], coordinate: str, *, rtol: float = RTOL,
           max_iter: int = MAX_ITER) -> RefineResult:
    """Solve C_k(x(w) | prev, Z) = u for w, starting at w0 (see the module docstring).

    ``u``, ``w0``: float64 arrays (n,); ``prev``: (n, k) earlier components or None;
    ``params``: float64 arrays of shape () or (n,); ``coordinate``: the model's coordinate name.

    Each iteration is a Newton step on ln C (lower half) or ln S (upper half): in ln w, resp.
    ln(1 - w), while the residual exceeds ``SWITCH_TO_X`` (power-law tails C ~ w^p are then
    solved in one or two steps), then in x itself, whose float64 resolution is the best a
    sample can have. Steps that leave the bracket of w (or of x) fall back to bisection.
    """
    u = np.asarray(u, dtype=np.float64).reshape(-1)
    n = u.shape[0]
    params = {name: np.asarray(v, dtype=np.float64) for name, v in params.items()}
    w = np.clip(np.asarray(w0, dtype=np.float64).reshape(-1), 0.0, 1.0).copy()
    lower = u <= 0.5
    mass = np.where(lower, u, 1.0 - u)          # the tail mass to hit (1 - u exact for u >= 1/2)
    ends = mass <= 0.0                          # u = 0 or 1: the support's end
    w[ends] = np.where(lower[ends], 0.0, 1.0)
    mass_safe = np.where(ends, 1.0, mass)
    a, b = np.zeros(n), np.ones(n)              # bracket of w
    x = np.empty(n)
    # bracket of x (phase 2), from just outside the float64 support: where the exact quantile lies
    # beyond the support's float64 end (a tail mass below one ulp of it), that end is the answer
    lo_s, hi_s = target.component_support(k, prev, params)
    x_lo = np.nextafter(np.broadcast_to(np.asarray(lo_s, dtype=np.float64), (n,)), -np.inf).copy()
    x_hi = np.nextafter(np.broadcast_to(np.asarray(hi_s, dtype=np.float64), (n,)), np.inf).copy()
    in_x = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.int8)          # 0 active, 1 converged, 2 resolution, 3 capped, 4 floored
    # the float64 floor of each tail: the smallest normal sample above the lower end (the largest
    # below the upper end) and its tail mass; a smaller mass maps onto the end itself
    lo_b = np.broadcast_to(np.asarray(lo_s, dtype=np.float64), (n,))
    hi_b = np.broadcast_to(np.asarray(hi_s, dtype=np.float64), (n,))
    tiny = np.finfo(np.float64).tiny
    # (only where an end is 0: the subnormal numbers next to it, on which CDFs with power-law ends lose
    # all precision; near a non-zero end the x bracket below resolves the last ulp as usual)
    x_floor = np.where(lower, np.where(lo_b == 0.0, tiny, lo_b), np.where(hi_b == 0.0, -tiny, hi_b))
    at_zero = np.where(lower, lo_b == 0.0, hi_b == 0.0)
    floored = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(at_zero & ~ends)      # the floor's tail mass only where an end is at 0
    if cand.size:
        p_c, pv_c = _take(params, prev, cand, n)
        with np.errstate(all="ignore"):
            floor_mass = _residual(target, k, x_floor[cand], u[cand], np.ones(cand.size), lower[cand], pv_c, p_c)
        floored[cand] = np.isfinite(floor_mass) & (mass[cand] < floor_mass)
    w[floored] = np.where(lower[floored], 0.0, 1.0)
    x[floored] = np.where(lower[floored], lo_b[floored], hi_b[floored])
    state[floored] = 4
    active = np.flatnonzero(~floored)
    for it in range(max_iter + 1):
        if active.size == 0:
            break
        p, pv = _take(params, prev, active, n)
        lo_a, m_a = lower[active], mass_safe[active]
        wx = ~in_x[active]
        x_before = x[active].copy() if it > 0 else np.full(active.size, np.nan)
        if np.any(wx):   # samples still iterated in w: recompute x(w) and dx/dw
            pw, pvw = _take(p, pv, np.flatnonzero(wx), active.size)
            xw, slope_w = _x_and_slope(target, k, w[active][wx], pvw, pw, coordinate)
            x[active[wx]] = xw
        xa = x[active]
        ratio = _residual(target, k, xa, u[active], m_a, lo_a, pv, p)
        ratio = np.where(ends[active], 1.0, ratio)
        ok = np.abs(ratio - 1.0) <= rtol
        state[active[ok]] = 1
        too_big = np.where(lo_a, ratio > 1.0, ratio < 1.0)     # x (and w) above the solution
        wa = w[active]
        a[active] = np.where(~too_big & wx, wa, a[active])
        b[active] = np.where(too_big & wx, wa, b[active])
        x_hi[active] = np.where(too_big, np.minimum(x_hi[active], xa), x_hi[active])
        x_lo[active] = np.where(~too_big, np.maximum(x_lo[active], xa), x_lo[active])
        # the quantile lies between neighbouring float64 samples: no float64 x meets the bound
        adjacent = ~ok & (np.nextafter(x_lo[active], np.inf) >= x_hi[active])
        state[active[adjacent]] = 2
        ok = ok | adjacent
        if it == max_iter:
            state[active[~ok]] = 3
            break
        pdf = target.component_pdf(k, xa, pv, p)
        sign = np.where(lo_a, 1.0, -1.0)             # dC/dx = pdf, dS/dx = -pdf
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ln_ratio = np.log(ratio)
            dlog_dx = sign * pdf / (ratio * m_a)     # d ln(C or S) / dx
            # phase 2: Newton in x on the ratio itself (quadratic, float64-resolution limited)
            x_new = xa - sign * (ratio - 1.0) * m_a / pdf
            # phase 1: Newton on ln(ratio) in ln w (lower) or ln(1 - w) (upper)
            w_new = np.empty(active.size)
            if np.any(wx):
                sw = np.zeros(active.size)
                sw[wx] = slope_w
                dlog_dw = dlog_dx * sw
                w_lo = wa * np.exp(-ln_ratio / (dlog_dw * wa))
                w_up = 1.0 - (1.0 - wa) * np.exp(ln_ratio / (dlog_dw * (1.0 - wa)))
                w_new = np.where(lo_a, w_lo, w_up)
        # leave w for x once the residual is small (the x step then converges quadratically)
        go_x = wx & ~ok & (np.abs(ratio - 1.0) <= SWITCH_TO_X)
        aa, bb = a[active], b[active]
        bad_w = (~np.isfinite(w_new) | (w_new < aa) | (w_new > bb) | ((w_new == aa) & (aa == 0.0))
                 | ((w_new == bb) & (bb == 1.0)))
        # fallback: bisection, in ln w (ln(1 - w)) while the bracket spans more than a factor 4 there
        # (a start far above a tail quantile that maps to the support's end reaches it in a few steps)
        with np.errstate(divide="ignore", invalid="ignore"):
            geo_lo = np.where(bb > 4.0 * aa, np.sqrt(aa * bb), 0.5 * (aa + bb))
            geo_up = np.where(1.0 - aa > 4.0 * (1.0 - bb), 1.0 - np.sqrt((1.0 - aa) * (1.0 - bb)), 0.5 * (aa + bb))
        shrink = np.where(lo_a, np.where(aa == 0.0, bb / 16.0, geo_lo),
                          np.where(bb == 1.0, 1.0 - (1.0 - aa) / 16.0, geo_up))
        w_new = np.where(bad_w, shrink, w_new)
        bad_x = ~np.isfinite(x_new) | (x_new < x_lo[active]) | (x_new > x_hi[active])
        two_sided = np.isfinite(x_lo[active]) & np.isfinite(x_hi[active])
        x_new = np.where(bad_x, np.where(two_sided, 0.5 * (x_lo[active] + x_hi[active]), xa), x_new)
        # w cannot move (its float64 resolution): continue in x
        stalled_w = ~ok & wx & (np.abs(w_new - wa) <= np.spacing(np.maximum(np.abs(wa), np.abs(w_new))))
        # the x bracket is down to a few float64 steps that w cannot resolve (x(w) rounds past
        # them, e.g. eps_min (1 + expm1(w S)) moves in steps of 2 ulps near 1): continue in x
        tight = wx & ~ok & (x_hi[active] - x_lo[active] <= 4.0 * np.spacing(np.abs(x_hi[active])))
        # w moved but x(w) did not (x within a few hundred ulps of a support end, where a Newton step
        # in w is a fraction of one ulp of x and would repeat forever): continue in x
        frozen = wx & ~ok & (xa == x_before)
        use_x = (in_x[active] | ((go_x | stalled_w | tight | frozen) & ~bad_x)) & ~ok
        stalled = (use_x & (x_new == xa)) | (stalled_w & ~use_x)   # x_new == xa: xa is the nearest float64
        state[active[stalled & ~ok]] = 2
        move = ~ok & ~stalled
        mx, mw = active[move & use_x], active[move & ~use_x]
        x[mx] = x_new[move & use_x]
        in_x[mx] = True
        w[mw] = w_new[move & ~use_x]
        iterations[active[move]] += 1
        active = active[move]
    # answers beyond the floor are at least the floor (the quantile is: C(x_floor) <= u there)
    rest = ~floored & ~ends
    x[rest & lower] = np.maximum(x[rest & lower], x_floor[rest & lower])
    x[rest & ~lower] = np.minimum(x[rest & ~lower], x_floor[rest & ~lower])
    return RefineResult(w=w, x=x, iterations=iterations, converged=int(np.sum(state == 1)),
                        resolution=int(np.sum(state == 2)), capped=int(np.sum(state == 3)),
                        floored=int(np.sum(state == 4)))
