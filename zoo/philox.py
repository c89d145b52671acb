"""Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11) on the CPU, bit-identical to the kernel's.

The sampler's random stream: sample i, component k of a d-dimensional model uses word
m = i d + k of the sequence Philox4x32-10(counter = (j mod 2^32, j >> 32, offset mod 2^32,
offset >> 32), key = (seed mod 2^32, seed >> 32)) with j = m // 4, word m % 4, and
u = (word >> 8) 2^-24 in [0, 1) (exact in float32). ``uniforms`` returns those u, so the torch
path fed with them and the kernel see identical inputs.
"""
from __future__ import annotations

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57   # multipliers
W0, W1 = 0x9E3779B9, 0xBB67AE85   # Weyl key increments
_MASK = np.uint64(0xFFFFFFFF)


def philox4x32(counter, key, rounds: int = 10) -> np.ndarray:
    """Philox4x32-R of counters (4, m) uint32 under key (2,) -> (4, m) uint32."""
    c = [np.asarray(x, dtype=np.uint64) & _MASK for x in np.asarray(counter, dtype=np.uint64)]
    k0, k1 = (int(x) & 0xFFFFFFFF for x in key)
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + W0) & 0xFFFFFFFF, (k1 + W1) & 0xFFFFFFFF
        p0 = np.uint64(M0) * c[0]
        p1 = np.uint64(M1) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0), p1 & _MASK,
             (p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1), p0 & _MASK]
    return np.stack(c).astype(np.uint32)


def _split(x: int, what: str) -> tuple[int, int]:
    if not 0 <= int(x) < 2**64:
        raise ValueError(f"{what} must be an integer in [0, 2^64), got {x}")
    x = int(x)
    return x & 0xFFFFFFFF, x >> 32


def words(start: int, count: int, seed: int, offset: int = 0) -> np.ndarray:
    """Words start .. start + count - 1 of the stream (uint32)."""
    k = _split(seed, "seed")
    o_lo, o_hi = _split(offset, "offset")
    j = np.arange(start // 4, (start + count + 3) // 4, dtype=np.uint64)
    ctr = np.stack([j & _MASK, j >> np.uint64(32), np.full_like(j, o_lo), np.full_like(j, o_hi)])
    flat = philox4x32(ctr, k).T.reshape(-1)
    return flat[start % 4:start % 4 + count]


def uniforms(n: int, dim: int = 1, *, seed: int, offset: int = 0, chunk: int = 1 << 22) -> np.ndarray:
    """The kernel's u for samples 0 .. n-1: float64 array (n, dim), values k 2^-24 in [0, 1)."""
    out = np.empty(n * dim, dtype=np.float64)
    for start in range(0, n * dim, chunk):
        count = min(chunk, n * dim - start)
        out[start:start + count] = (words(start, count, seed, offset) >> np.uint32(8)) * 2.0**-24
    return out.reshape(n, dim)
