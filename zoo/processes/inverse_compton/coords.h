// Supports and coordinates of zoo/processes/inverse_compton: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

// inverse Compton, head-on, p[0] = b = 2 gamma eps0 (1 - cos theta): z in [0, b / (1 + b)]
RZ_FN void rz_support_ic_head_on(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)prev;
    m->lo = 0.0;
    m->hi = p[0] / (1.0 + p[0]);
}

// head-on IC `log1p_br`: s = w ln(1 + b) (c[0] = ln(1 + b)), z = 1 - e^{-s}; below s = ln 2 as
// -expm1(-s) (z relative-accurate), above as 1 - e^{-s} in fp64 (1 - z relative-accurate)
RZ_FN void rz_prep_ic_head_on_log1p_br(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->c[0] = (rz_map_t)log1p(p[0]);
}
RZ_FN double rz_map_ic_head_on_log1p_br(rz_map_t w, const RzMap* m) {
    const rz_map_t s = w * m->c[0];
    if (s < (rz_map_t)0.69314718055994531) return (double)(-rz_expm1(-s));
    return 1.0 - (double)rz_exp(-s);
}

// constants of the log1p_bq coordinates: c[0] = ln(1 + b), c[1] = t_min, g = gamma
RZ_FN void rz_ic_prep_log1p(const double* p, RzMap* m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    const double ln1pb = log1p(b);
    m->c[0] = (rz_map_t)ln1pb;
    m->c[1] = (rz_map_t)(log1p(e0 / (g - e0)) / ln1pb);  // b q_min = eps0 / (gamma - eps0)
    m->g = g;
}
// eps = gamma bq / (1 + bq), relative-accurate at both ends with bq in rz_map_t:
// below bq = 1 directly, above as gamma - gamma / (1 + bq) in fp64 (gamma - eps keeps bq's precision)
RZ_FN double rz_ic_eps(rz_map_t bq, double g) {
    const rz_map_t r = (rz_map_t)1 / ((rz_map_t)1 + bq);
    return bq < (rz_map_t)1 ? (double)(bq * r) * g : g - g * (double)r;
}

// inverse Compton, p = {gamma, eps0} [1, m_e c^2]: eps in [eps0, gamma b / (1 + b)], b = 4 gamma eps0
RZ_FN void rz_support_ic(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)prev;
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m->lo = e0;
    m->hi = g * b / (1.0 + b);
}

// inverse Compton `log_q`: ln q spaced evenly from ln q_min (w = 0) to 0 (w = 1);
// q = exp((1 - w) ln q_min), eps = gamma (b q) / (1 + b q).  c[0] = ln q_min, c[1] = b
RZ_FN void rz_prep_ic_log_q(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m->c[0] = (rz_map_t)log(e0 / (b * (g - e0)));
    m->c[1] = (rz_map_t)b;
    m->g = g;
}
RZ_FN double rz_map_ic_log_q(rz_map_t w, const RzMap* m) {
    return rz_ic_eps(m->c[1] * rz_exp(((rz_map_t)1 - w) * m->c[0]), m->g);
}

// inverse Compton `log1p_bq`: t = ln(1 + b q) / ln(1 + b) spaced evenly from t_min to 1;
// b q = expm1(t ln(1 + b)), eps = gamma (b q) / (1 + b q).  c[0] = ln(1 + b), c[1] = t_min.
// log1p/expm1 keep b q relative-accurate in the Thomson limit (b q down to ~1e-20).
RZ_FN void rz_prep_ic_log1p_bq(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    rz_ic_prep_log1p(p, m);
}
RZ_FN double rz_map_ic_log1p_bq(rz_map_t w, const RzMap* m) {
    const rz_map_t t = m->c[1] + w * ((rz_map_t)1 - m->c[1]);
    return rz_ic_eps(rz_expm1(t * m->c[0]), m->g);
}

// inverse Compton `log1p_bq_tails`: `log1p_bq` at the fraction f = 1 - sqrt(1 - w) (computed as
// w / (1 + sqrt(1 - w))): the density in t vanishes linearly at q = 1, so 1 - C ~ (1 - t)^2 ~ 1 - w
// and the exact map is linear in w at both ends
RZ_FN void rz_prep_ic_log1p_bq_tails(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    rz_ic_prep_log1p(p, m);
}
RZ_FN double rz_map_ic_log1p_bq_tails(rz_map_t w, const RzMap* m) {
    const rz_map_t f = w / ((rz_map_t)1 + rz_sqrt((rz_map_t)1 - w));
    const rz_map_t t = m->c[1] + f * ((rz_map_t)1 - m->c[1]);
    return rz_ic_eps(rz_expm1(t * m->c[0]), m->g);
}

// inverse Compton 2-D (head-on chain), p = {gamma, eps0}: mu in [-1, 1], then z in [0, b / (1 + b)],
// b = 2 gamma eps0 (1 - mu) from the sampled mu (prev[0])
RZ_FN void rz_support_ic_2d(int k, const double* p, const double* prev, RzMap* m) {
    if (k == 0) { m->lo = -1.0; m->hi = 1.0; return; }
    const double b = fmax(2.0 * p[0] * p[1] * (1.0 - prev[0]), 1e-30);
    m->lo = 0.0;
    m->hi = b / (1.0 + b);
}

// ic-2d `mu_mixed`: 1 - mu = 2 [(1 - a) sqrt(1 - w) + a (1 - w)], a = c / (1 + c), c = 2 gamma eps0;
// from the nearer end (1 + mu = 2 [(1 - a) w / (1 + sqrt(1 - w)) + a w] below w = 1/2). c[0] = 1 - a
RZ_FN void rz_prep_ic_2d_mu(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->c[0] = (rz_map_t)(1.0 / (1.0 + 2.0 * p[0] * p[1]));
}
RZ_FN double rz_map_ic_2d_mu(rz_map_t w, const RzMap* m) {
    const rz_map_t a = (rz_map_t)1 - m->c[0], root = rz_sqrt((rz_map_t)1 - w);
    if (w < (rz_map_t)0.5) return -1.0 + 2.0 * (double)(m->c[0] * (w / ((rz_map_t)1 + root)) + a * w);
    return 1.0 - 2.0 * (double)(m->c[0] * root + a * ((rz_map_t)1 - w));
}

// ic-2d `log1p_br` for z given mu: the head-on map at b = 2 gamma eps0 (1 - mu) (c[0] = ln(1 + b))
RZ_FN void rz_prep_ic_2d_z(const double* p, const double* prev, RzMap* m) {
    m->c[0] = (rz_map_t)log1p(fmax(2.0 * p[0] * p[1] * (1.0 - prev[0]), 1e-30));
}
RZ_FN double rz_map_ic_2d_z(rz_map_t w, const RzMap* m) {
    const rz_map_t s = w * m->c[0];
    if (s < (rz_map_t)0.69314718055994531) return (double)(-rz_expm1(-s));
    return 1.0 - (double)rz_exp(-s);
}
