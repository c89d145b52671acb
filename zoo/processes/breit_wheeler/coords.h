// Supports and coordinates of zoo/processes/breit_wheeler: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

// Breit-Wheeler, p[0] = chi_gamma: f = chi_- / chi_gamma in [0, 1]
RZ_FN void rz_support_bw(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)p; (void)prev;
    m->lo = 0.0;
    m->hi = 1.0;
}

// Breit-Wheeler `two_scale`: sigma = 1 / (1/sigma_lin + 1/sigma_log) from u = min(w, 1 - w), then
// f = (z0 / 2z) / (1 + sqrt(sigma / z)), z = z0 + sigma, z0 = 8 / (3 chi_gamma); mirrored above 1/2; fp64
RZ_FN void rz_prep_bw_two_scale(const double* p, const double* prev, RzMap* m) {
    (void)prev;
    m->g = p[0];
}
RZ_FN double rz_map_bw_two_scale(rz_map_t wt, const RzMap* m) {
    const double w = (double)wt, chi = m->g;
    const double z0 = 8.0 / (3.0 * chi);
    const double u = w > 0.5 ? 1.0 - w : w;
    const double d = 1.0 - 2.0 * u, d2 = d * d;
    const double p4 = fmax(4.0 * u * (1.0 - u), 1e-300);
    const double L = u >= 0.25 ? -log1p(-d2) : -log(p4);
    const double q = 0.5 + 15.0 / (15.0 + z0);
    const double xs = L / (2.0 * q);
    const double shrink = 1.0 - 0.5 * (xs < 1e-4 ? 1.0 - xs * (0.5 - xs * (1.0 / 3.0 - 0.25 * xs)) : log1p(xs) / xs);
    const double k = 1.0 + 0.5 * pow(chi, 2.0 / 3.0);   /* bw_tail_offset */
    const double sig_s = L * shrink;
    const double sig_e = log1p(expm1(sig_s) / k);
    const double shr = sig_s > 0.0 ? shrink * (sig_e / sig_s) : shrink / k;
    const double lam = (d2 > 0.0 ? L / d2 : 1.0) * shr;
    const double den = 1.0 + lam * p4 * sqrt(p4) / z0;
    const double sigma = d2 * lam / den;
    const double z = z0 + sigma;
    const double f = u > 0.0 ? (z0 / (2.0 * z)) / (1.0 + d * sqrt(lam / (den * z))) : 0.0;
    return w > 0.5 ? 1.0 - f : f;
}
