"""The rates of the QED processes in C: G(chi) of quantum synchrotron and T(chi_gamma) of nonlinear
Breit-Wheeler (PICSAR-QED's normalisations), over the WHOLE range chi >= 0.

    python -m zoo.processes.qed_rates --write     # regenerate the two rates.h (deterministic)
    python -m zoo.processes.qed_rates --check     # exit 1 if a committed rates.h differs

Each rate is, between its two crossovers, the exact Python rate (quadrature, ~1e-15 relative;
checked against mpmath in tests/test_qed.py) fitted by Chebyshev interpolation in log10(chi), one
polynomial of degree ``DEGREE`` per decade, of a smooth function with the asymptote divided out:

    quantum synchrotron:  ln[G(chi) / (G_ZERO chi)],              chi in [1e-5, 1e8]
    Breit-Wheeler:        ln[T(chi) e^{8 / (3 chi)} / T_ZERO],    chi in [1e-3, 1e8]

(fit error <= 6e-14 in the log, i.e. relative). Outside, the asymptotic forms of the physics modules
take over where their first omitted term is below 1e-9 relative (measured at the crossovers, see
``CROSSOVER``): G = G_ZERO chi (1 + G_ZERO_1 chi) below 1e-5, G = G_INF chi^{2/3} - 5/4 above 1e8;
T = T_INF chi^{-1/3} - 2 / (3 chi) above 1e8, and T = 0 below 1e-3 (e^{-8/(3 chi)} underflows float64
below chi = 3.6e-3 already). ``rate_G`` and ``rate_T`` are the same piecewise definitions with the
exact rates in the middle (what ``Sampler.rate`` returns).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from numpy.polynomial import chebyshev as C

from ..targets.base import KernelRate, header_source

#: Clenshaw's sum of a Chebyshev series, and the series of a decade (shared by both rates' C)
CHEB = Path(__file__).with_name("qed_rates.h")


def _physics():
    """(quantum synchrotron, Breit-Wheeler) physics modules, imported on first use: the targets import
    this module, and each physics module's package imports its target."""
    from .breit_wheeler import physics as BW
    from .quantum_synchrotron import physics as QS

    return QS, BW

#: polynomial degree per decade of chi (fit error 6e-14 at 16, 1e-12 at 12: measured by ``fit_error``)
DEGREE = 16
#: (lo, hi) of the fitted range in chi, per rate: the asymptotic forms take over outside
RANGE = {"G": (1e-5, 1e8), "T": (1e-3, 1e8)}
#: the asymptotes' relative error at the crossovers (measured against the exact rates; ``crossovers``)
CROSSOVER = {"G": (-3.5e-10, -2.1e-11), "T": (None, 5.3e-11)}


def _log_g(x):
    QS, _ = _physics()
    chi = 10.0 ** np.asarray(x, dtype=np.float64)
    return np.log(QS.G(chi) / (QS.G_ZERO * chi))


def _log_t(x):
    _, BW = _physics()
    chi = 10.0 ** np.asarray(x, dtype=np.float64)
    return np.log(BW.T_scaled(chi) / BW.T_ZERO)


_FITTED = {"G": _log_g, "T": _log_t}


def coefficients(which: str) -> np.ndarray:
    """(decades, DEGREE + 1) Chebyshev coefficients of the fitted function, decade by decade from
    log10(lo); t = 2 (log10 chi - a) - 1 on the decade [a, a + 1]."""
    lo, hi = (round(math.log10(v)) for v in RANGE[which])
    f = _FITTED[which]
    return np.array([C.chebinterpolate(lambda t, a=a: f(a + 0.5 * (t + 1.0)), DEGREE) for a in range(lo, hi)])


def fit_error(which: str, n: int = 301) -> float:
    """Largest |fit - function| (the relative error of the rate) on n points per decade."""
    lo = round(math.log10(RANGE[which][0]))
    worst = 0.0
    for i, c in enumerate(coefficients(which)):
        t = np.linspace(-1.0, 1.0, n)
        worst = max(worst, float(np.abs(C.chebval(t, c) - _FITTED[which](lo + i + 0.5 * (t + 1.0))).max()))
    return worst


def rate_G(chi):
    """G(chi) for every chi >= 0 (0 at 0; NaN below 0): the exact quadrature in [1e-5, 1e8], the
    asymptotes outside (relative error <= 3.5e-10 there)."""
    QS, _ = _physics()
    chi = np.asarray(chi, dtype=np.float64)
    lo, hi = RANGE["G"]
    mid = (chi >= lo) & (chi <= hi)
    with np.errstate(over="ignore", invalid="ignore"):
        small = QS.G_ZERO * chi * (1.0 + QS.G_ZERO_1 * chi)
        large = QS.G_INF * np.cbrt(chi) ** 2 + QS.G_INF_0
    out = np.where(chi < lo, small, large)
    if mid.any():
        out = np.where(mid, QS.G(np.where(mid, chi, 1.0)), out)
    return np.where(chi >= 0.0, out, np.nan)


def rate_T(chi):
    """T(chi_gamma) for every chi >= 0 (0 below 1e-3, where it underflows; NaN below 0): the exact
    quadrature in [1e-3, 1e8], the asymptote above (relative error <= 5.3e-11 there)."""
    _, BW = _physics()
    chi = np.asarray(chi, dtype=np.float64)
    lo, hi = RANGE["T"]
    mid = (chi >= lo) & (chi <= hi)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        large = BW.T_INF / np.cbrt(chi) + BW.T_INF_1 / chi
    out = np.where(chi < lo, 0.0, large)
    if mid.any():
        with np.errstate(under="ignore"):
            out = np.where(mid, BW.T(np.where(mid, chi, 1.0)), out)
    return np.where(chi >= 0.0, out, np.nan)


def _array(name: str, c: np.ndarray) -> list[str]:
    rows = [", ".join(float(v).hex() for v in row) for row in c]
    return [f"    static const double {name}[{c.shape[0]}][{c.shape[1]}] = {{"] + \
        [f"        {{{r}}}," for r in rows] + ["    };"]


_HEAD = """\
// GENERATED by `python -m zoo.processes.qed_rates --write` (zoo/processes/qed_rates.py): do not edit.
// {what}, float64, for every chi >= 0: Chebyshev interpolation of {fitted} in log10(chi), degree {deg} per
// decade, for chi in [{lo:g}, {hi:g}] (fit error {err:.1e} relative, against the exact quadrature of
// zoo/processes/{pkg}/physics.py), the asymptotic forms outside (error at the crossovers: {cross}).
// tests/test_rates.py checks it against the exact rates, PICSAR-QED's check values and both asymptotes.

// (rz_qed_cheb, rz_qed_decades: zoo/processes/qed_rates.h)
"""


def header(which: str) -> str:
    """The text of the process's rates.h."""
    QS, BW = _physics()
    c = coefficients(which)
    lo, hi = RANGE[which]
    lo10 = round(math.log10(lo))
    n = c.shape[1]
    if which == "G":
        head = _HEAD.format(what="G(chi) of quantum synchrotron emission", fitted="ln[G / (G_ZERO chi)]", deg=DEGREE,
                            lo=lo, hi=hi, err=fit_error("G"), pkg="quantum_synchrotron",
                            cross=f"{abs(CROSSOVER['G'][0]):.1e} below, {abs(CROSSOVER['G'][1]):.1e} above")
        body = [
            "// G(chi) (dN/dt = (2/3) (alpha m c^2 / hbar) G / gamma); NaN for chi < 0 or NaN",
            "RZ_FN double rz_qs_G(double chi) {",
            *_array("c", c),
            "    if (!(chi >= 0.0)) return RZ_NAN;",
            f"    if (chi < {lo.hex()})   /* G_ZERO chi (1 + G_ZERO_1 chi) */",
            f"        return {QS.G_ZERO.hex()} * chi * (1.0 + {QS.G_ZERO_1.hex()} * chi);",
            f"    if (chi > {hi.hex()}) {{   /* G_INF chi^(2/3) - 5/4 */",
            "        const double c3 = cbrt(chi);",
            f"        return {QS.G_INF.hex()} * c3 * c3 + {QS.G_INF_0.hex()};",
            "    }",
            f"    return {QS.G_ZERO.hex()} * chi * exp(rz_qed_decades(&c[0][0], {c.shape[0]}, {n}, {lo10}, "
            "log10(chi)));",
            "}",
            "",
            "// the rate of model quantum-synchrotron: G(chi), p[0] = chi",
            "RZ_FN double rz_rate_qs_G(const double *p) { return rz_qs_G(p[0]); }",
        ]
    else:
        head = _HEAD.format(what="T(chi_gamma) of nonlinear Breit-Wheeler pair creation",
                            fitted="ln[T e^{8/(3 chi)} / T_ZERO]", deg=DEGREE, lo=lo, hi=hi, err=fit_error("T"),
                            pkg="breit_wheeler", cross=f"{abs(CROSSOVER['T'][1]):.1e} above; T = 0 below "
                                                       "(underflow: T < 1e-1100)")
        body = [
            "// T(chi_gamma) (dN/dt = (alpha m c^2 / hbar) (m c^2 / (hbar omega)) chi_gamma T); NaN for chi < 0 or NaN",
            "RZ_FN double rz_bw_T(double chi) {",
            *_array("c", c),
            "    if (!(chi >= 0.0)) return RZ_NAN;",
            f"    if (chi < {lo.hex()}) return 0.0;   /* e^(-8/(3 chi)) < 1e-1100 */",
            f"    if (chi > {hi.hex()})   /* T_INF chi^(-1/3) - 2 / (3 chi) */",
            f"        return {BW.T_INF.hex()} / cbrt(chi) + {BW.T_INF_1.hex()} / chi;",
            f"    return {BW.T_ZERO.hex()} * exp(rz_qed_decades(&c[0][0], {c.shape[0]}, {n}, {lo10}, log10(chi))"
            " - 8.0 / (3.0 * chi));",
            "}",
            "",
            "// the rate of model breit-wheeler: T(chi_gamma), p[0] = chi_gamma",
            "RZ_FN double rz_rate_bw_T(const double *p) { return rz_bw_T(p[0]); }",
        ]
    return head + "\n".join(body) + "\n"


def kernel_rate(which: str, parameter: str, definition: str) -> KernelRate:
    """The ``KernelRate`` of the target whose rate is ``which`` ("G" or "T") of its parameter."""
    fn = {"G": "qs_G", "T": "bw_T"}[which]
    python = {"G": rate_G, "T": rate_T}[which]
    return KernelRate(name=fn, cuda=header_source(CHEB, "rz_qed_cheb", "rz_qed_decades") + "\n" + header_source(
        PATHS[which], f"rz_{fn}", f"rz_rate_{fn}"), python=lambda params: python(params[parameter]),
        unit=f"1 ({which}, PICSAR-QED's normalisation)", definition=definition, domain=((0.0, math.inf),))


#: where each rate's C lives
PATHS = {"G": Path(__file__).parent / "quantum_synchrotron" / "rates.h",
         "T": Path(__file__).parent / "breit_wheeler" / "rates.h"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m zoo.processes.qed_rates", description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="write the two rates.h")
    ap.add_argument("--check", action="store_true", help="exit 1 if a committed rates.h differs from the generator")
    args = ap.parse_args(argv)
    bad = 0
    for which, path in PATHS.items():
        text = header(which)
        print(f"{which}: fit error {fit_error(which):.2e} over {RANGE[which]}", file=sys.stderr)
        if args.write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
        elif args.check and (not path.is_file() or path.read_text(encoding="utf-8") != text):
            print(f"{path} differs from the generator: run python -m zoo.processes.qed_rates --write", file=sys.stderr)
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
