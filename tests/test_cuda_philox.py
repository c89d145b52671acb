"""The CPU replica of the kernel's Philox4x32-10 stream."""
import numpy as np
import pytest
import torch

import zoo
from zoo.cuda import philox

# Random123 (D. E. Shaw Research) examples/kat_vectors: counter[4] key[2] -> output[4]
KAT = [
    (10, [0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]),
    (10, [0xffffffff] * 4, [0xffffffff] * 2, [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]),
    (10, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
     [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]),
    (7, [0, 0, 0, 0], [0, 0], [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48]),
    (7, [0xffffffff] * 4, [0xffffffff] * 2, [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662]),
    (7, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
     [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a]),
]


@pytest.mark.parametrize("rounds,ctr,key,want", KAT)
def test_known_answer_vectors(rounds, ctr, key, want):
    got = philox.philox4x32(np.array(ctr, dtype=np.uint64)[:, None], key, rounds=rounds)[:, 0]
    assert [int(x) for x in got] == want


def test_vectorised_over_counters():
    ctr = np.array([[0, 0xffffffff, 0x243f6a88], [0, 0xffffffff, 0x85a308d3],
                    [0, 0xffffffff, 0x13198a2e], [0, 0xffffffff, 0x03707344]], dtype=np.uint64)
    got = philox.philox4x32(ctr, [0x12345678, 0x9abcdef0])
    for j in range(3):
        one = philox.philox4x32(ctr[:, j:j + 1], [0x12345678, 0x9abcdef0])[:, 0]
        np.testing.assert_array_equal(got[:, j], one)


def test_stream_layout_words_and_uniforms():
    seed, offset = 2**40 + 7, 3
    w = philox.words(0, 12, seed, offset)
    block1 = philox.philox4x32(np.array([[1], [0], [3], [0]], dtype=np.uint64), [7, 2**8])[:, 0]
    np.testing.assert_array_equal(w[4:8], block1)                            # counter = (j, 0, offset, 0)
    np.testing.assert_array_equal(philox.words(5, 6, seed, offset), w[5:11])  # any start, same stream
    u = philox.uniforms(6, 2, seed=seed, offset=offset)
    np.testing.assert_array_equal(u.reshape(-1), (w >> np.uint32(8)) * 2.0**-24)
    np.testing.assert_array_equal(u, u.astype(np.float32))                   # exact in fp32
    assert not np.array_equal(u, philox.uniforms(6, 2, seed=seed, offset=offset + 1))
    big = philox.uniforms(10_001, 3, seed=1, chunk=4096)
    np.testing.assert_array_equal(big, philox.uniforms(10_001, 3, seed=1))   # chunking is invisible


def test_uniforms_look_uniform():
    from scipy import stats

    u = philox.uniforms(200_000, 1, seed=123)[:, 0]
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        philox.uniforms(1, seed=-1)
    with pytest.raises(ValueError, match="offset"):
        philox.uniforms(1, seed=0, offset=2**64)


def test_torch_backend_with_seed_uses_the_stream():
    s = zoo.load("gaussian-2d")
    x = s.sample(1000, seed=5, backend="torch", dtype=torch.float64)
    u = torch.from_numpy(philox.uniforms(1000, 2, seed=5))
    torch.testing.assert_close(x, s.ppf(u, dtype=torch.float64), rtol=0, atol=0)
    assert torch.equal(x, s.sample(1000, seed=5, dtype=torch.float64))
    assert not torch.equal(x, s.sample(1000, seed=5, offset=1, dtype=torch.float64))
