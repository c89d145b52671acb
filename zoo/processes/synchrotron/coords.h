// Supports and coordinates of zoo/processes/synchrotron: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

// synchrotron (no parameters): x = E / E_c in [0, 700] (the mass above 700 is ~1e-305)
RZ_FN void rz_support_sync(int k, const double* p, const double* prev, RzMap* m) {
    (void)k; (void)p; (void)prev;
    m->lo = 0.0;
    m->hi = 700.0;
}

// synchrotron `log_cube`: x = L - ln(1 + L)/2, L = -ln(1 - w^3) (-log1p(-w^3) below w = 1/2,
// -ln((1 - w)(1 + w + w^2)) above); fp64
RZ_FN void rz_prep_sync_log_cube(const double* p, const double* prev, RzMap* m) { (void)p; (void)prev; (void)m; }
RZ_FN double rz_map_sync_log_cube(rz_map_t wt, const RzMap* m) {
    (void)m;
    const double w = (double)wt;
    const double w3 = w * w * w;
    const double L = w <= 0.5 ? -log1p(-w3) : -log(fmax((1.0 - w) * (1.0 + w + w * w), 1e-300));
    const double q = 0.5;
    const double xs = L / (2.0 * q);
    const double shrink = 1.0 - 0.5 * (xs < 1e-4 ? 1.0 - xs * (0.5 - xs * (1.0 / 3.0 - 0.25 * xs)) : log1p(xs) / xs);
    return w >= 1.0 ? 700.0 : L * shrink;
}
