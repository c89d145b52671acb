"""How well the head-on approximation (ic-isotropic-2d's target, marginal of gamma z) reproduces the
exact-kinematics isotropic inverse Compton target, in CDF units, over the ic-isotropic domain.

    python benchmarks/ic_head_on_vs_isotropic.py

For each (gamma, eps0): max over 2000 log-spaced eps of |C_iso(eps) - C_2d-marginal(eps)|, and where.
"""
import numpy as np

from zoo.targets import get_target


def main():
    t2, t1 = get_target("inverse-compton-isotropic-2d"), get_target("inverse-compton-isotropic")
    print("| gamma | eps0 | b = 4 gamma eps0 | max abs dC | at eps / eps_max |")
    print("|---|---|---|---|---|")
    for g in (3.0, 10.0, 100.0, 1e3, 1e5, 1e7, 1e10):
        for e0 in (1e-10, 1e-6, 10**-4.5, 1e-2):
            lo, hi = (float(v) for v in t1.support(gamma=g, eps0=e0))
            x = np.geomspace(max(lo, hi * 1e-12), hi, 2000)[1:-1]
            d = np.abs(t1.cdf(x, gamma=g, eps0=e0) - t2.marginal_cdf(x, g, e0, n_mu=1024))
            i = int(np.argmax(d))
            print(f"| {g:.0e} | {e0:.1e} | {4 * g * e0:.1e} | {d[i]:.1e} | {x[i] / hi:.2g} |", flush=True)


if __name__ == "__main__":
    main()
