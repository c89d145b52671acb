// Supports and coordinates of zoo/processes/quantum_synchrotron: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

// quantum synchrotron, p[0] = chi: xi = chi_gamma / chi in [0, 1]
RZ_FN void rz_support_qs(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)p; (void)prev;
    m->lo = 0.0;
    m->hi = 1.0;
}

// quantum synchrotron `cube`: xi = w^3 (the CDF starts as xi^{1/3})
RZ_FN void rz_prep_qs_cube(const double* p, const double* prev, RzMap* m) { (void)p; (void)prev; (void)m; }
RZ_FN double rz_map_qs_cube(rz_map_t wt, const RzMap* m) {
    (void)m;
    const double w = (double)wt;
    return w * w * w;
}

// quantum synchrotron `two_scale`: nu = L / (1 + A L / w^3), L = -ln(1 - w^3), A = c (1 - w)^{3/2} / alpha;
// xi = r / (1 + r), r = c nu, c = 3 chi / 2 (m->g); all in fp64
RZ_FN void rz_prep_qs_two_scale(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->g = 1.5 * p[0];
}
RZ_FN double rz_map_qs_two_scale(rz_map_t wt, const RzMap* m) {
    const double w = (double)wt, c = m->g;
    const double w3 = w * w * w;
    const double L = w <= 0.5 ? -log1p(-w3) : -log(fmax((1.0 - w) * (1.0 + w + w * w), 1e-300));
    const double rt = 15.0 * c;   /* the tail exponent q at nu = 15 (qs_tail_exponent) */
    const double q = 0.5 + 3.0 * rt / (1.0 + rt) - rt * (1.0 + 2.0 * rt) / (1.0 + rt + rt * rt);
    const double xs = L / (2.0 * q);
    const double shrink = 1.0 - 0.5 * (xs < 1e-4 ? 1.0 - xs * (0.5 - xs * (1.0 / 3.0 - 0.25 * xs)) : log1p(xs) / xs);
    const double k = 1.0 + 5.0 * pow(c / 1.5, 2.0 / 3.0);   /* qs_tail_offset */
    const double nu_s = L * shrink;
    const double nu_e = log1p(expm1(nu_s) / k);
    const double shr = nu_s > 0.0 ? shrink * (nu_e / nu_s) : shrink / k;
    const double om = fmax(1.0 - w, 1e-300);
    const double A = 3.0 * c * om * sqrt(om);   /* c (1 - w)^{3/2} / alpha, alpha = 1/3 */
    const double ratio = (w3 < 1e-3 ? 1.0 + w3 * (0.5 + w3 * (1.0 / 3.0 + w3 * (0.25 + w3 * 0.2))) : L / w3) * shr;
    const double nu = w <= 0.5 ? nu_e / (1.0 + A * ratio) : 1.0 / (A / w3 + 1.0 / nu_e);
    const double r = c * nu;
    return w >= 1.0 ? 1.0 : r / (1.0 + r);
}
