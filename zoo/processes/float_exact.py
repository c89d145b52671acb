"""Error-free float64 transformations shared by the process packages (plain module: declares no
process): products and sums carried exactly as (value, error) pairs, so that a cancelling
difference of physical quantities stays relative-accurate (Klein-Nishina's lower span,
inverse Compton's 1 - q at the kinematic end, the head-on kernel's spans)."""
from __future__ import annotations

import numpy as np


def two_product(a, b):
    """(p, e) with p = fl(a b) and a b = p + e exactly (Dekker's product, Veltkamp splitting)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    p = a * b

    def split(x):
        c = 134217729.0 * x  # 2^27 + 1
        hi = c - (c - x)
        return hi, x - hi

    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def two_sum(a, b):
    """(s, e) with s = fl(a + b) and a + b = s + e exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def sum3(a, b, c):
    """a + b + c with one final rounding error (compensated: exact partial sums and their errors)."""
    s1, e1 = two_sum(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    s2, e2 = two_sum(s1, np.asarray(c, dtype=np.float64))
    return s2 + (e1 + e2)
