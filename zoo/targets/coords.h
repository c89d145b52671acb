// Supports and coordinates of the targets base class: the one C source
// of their maps (w in [0, 1] -> sample). The fused CUDA kernel includes these functions (NVRTC:
// RZ_FN = __device__ __forceinline__, rz_map_t = float or double, kernels/radzoo_coords.cuh) and the
// tests compile this file with gcc (tests/test_coords_headers.py). The torch and numpy forms, and
// the map constants' meaning, are beside them in Python (KernelSupport, KernelCoordinate).
// Signatures: rz_support_<s>(int k, const double* p, const double* prev, RzMap* m) sets m->lo, m->hi;
// rz_prep_<c>(const double* p, const double* prev, RzMap* m) sets the map constants (fp64);
// rz_map_<c>(rz_map_t w, const RzMap* m) returns the sample (double).

RZ_FN void rz_support_unit(int k, const double* p, const double* prev, RzMap* m) { (void)k; (void)p; (void)prev; m->lo = 0.0; m->hi = 1.0; }

RZ_FN void rz_prep_linear(const double* p, const double* prev, RzMap* m) { (void)p; (void)prev; (void)m; }
RZ_FN double rz_map_linear(rz_map_t w, const RzMap* m) { return fma((double)w, m->hi - m->lo, m->lo); }

RZ_FN void rz_prep_arcsine(const double* p, const double* prev, RzMap* m) { (void)p; (void)prev; (void)m; }
RZ_FN double rz_map_arcsine(rz_map_t w, const RzMap* m) {
    const rz_map_t v = (rz_map_t)0.63661977236758134 * rz_atan2(rz_sqrt(w), rz_sqrt((rz_map_t)1 - w));
    return fma((double)v, m->hi - m->lo, m->lo);
}
