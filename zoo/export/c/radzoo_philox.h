/* The fused kernel's random stream (zoo.cuda.philox), for callers that want the Python path's
   samples: u of sample i, component k of a d-dimensional model is radzoo_philox_u(i * d + k,
   seed, offset), i.e. word m of Philox4x32-10(counter = {j lo, j hi, offset lo, offset hi},
   key = {seed lo, seed hi}), j = m / 4, word m % 4, u = (word >> 8) * 2^-24 in [0, 1). */
RZ_FN double radzoo_philox_u(unsigned long long m, unsigned long long seed, unsigned long long offset) {
    const unsigned long long j = m >> 2;
    unsigned int c0 = (unsigned int)j, c1 = (unsigned int)(j >> 32);
    unsigned int c2 = (unsigned int)offset, c3 = (unsigned int)(offset >> 32);
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        const unsigned long long p0 = (unsigned long long)0xD2511F53u * c0;
        const unsigned long long p1 = (unsigned long long)0xCD9E8D57u * c2;
        const unsigned int n0 = (unsigned int)(p1 >> 32) ^ c1 ^ k0, n1 = (unsigned int)p1;
        const unsigned int n2 = (unsigned int)(p0 >> 32) ^ c3 ^ k1, n3 = (unsigned int)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    }
    const unsigned int w = (m & 3) == 0 ? c0 : (m & 3) == 1 ? c1 : (m & 3) == 2 ? c2 : c3;
    return (double)(w >> 8) * 0x1p-24;
}
