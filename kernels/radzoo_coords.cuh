// radzoo fused sampler: the w -> physical-sample mapping, one small device function per
// squash (radzoo_lib.cuh) and per (target, coordinate) pair (here). Mirrors zoo/transforms.py
// and each target's `to_physical`; zoo/cuda/codegen.py maps card names onto these functions.
//
// A coordinate is a pair:
//   rz_prep_<name>(const double* p, RzMap& m)   float64 parameters (card order) -> constants
//   rz_map_<name>(rz_map_t w, const RzMap& m)   w in [0, 1] -> sample, as double (the caller
//                                               clamps it to [lo, hi] in fp64)
// and a target supplies rz_support_<target>(p, m) setting m.lo, m.hi. The prep runs in fp64
// (once per thread for broadcast parameters, once per sample otherwise); the map's transcendental
// part runs in rz_map_t (fp32 by default) and only its last step in fp64 where the sample needs
// more than 24 bits (IC: eps within a few units of gamma ~ 1e10).
// Adding a coordinate: one prep/map pair here and one line in zoo/cuda/codegen.py COORDINATES.

struct RzMap { double lo, hi, g; rz_map_t c0, c1; };

__device__ __forceinline__ float rz_exp(float x) { return expf(x); }
__device__ __forceinline__ double rz_exp(double x) { return exp(x); }
__device__ __forceinline__ float rz_expm1(float x) { return expm1f(x); }
__device__ __forceinline__ double rz_expm1(double x) { return expm1(x); }

// ---------------------------------------------------------------- supports
// bessel-test, gaussian-2d: [0, 1]
__device__ __forceinline__ void rz_support_unit(const double*, RzMap& m) { m.lo = 0.0; m.hi = 1.0; }

// inverse Compton, p = {gamma, eps0} [1, m_e c^2]: eps in [eps0, gamma b / (1 + b)], b = 4 gamma eps0
__device__ __forceinline__ void rz_support_ic(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m.lo = e0;
    m.hi = g * b / (1.0 + b);
}

// ---------------------------------------------------------------- coordinates
// linear: x = lo + w (hi - lo), in fp64 (one DFMA; the support may reach 1e10)
__device__ __forceinline__ void rz_prep_linear(const double*, RzMap&) {}
__device__ __forceinline__ double rz_map_linear(rz_map_t w, const RzMap& m) { return fma((double)w, m.hi - m.lo, m.lo); }

// eps = gamma bq / (1 + bq), relative-accurate at both ends with bq in rz_map_t:
// below bq = 1 directly, above as gamma - gamma / (1 + bq) in fp64 (gamma - eps keeps bq's precision)
__device__ __forceinline__ double rz_ic_eps(rz_map_t bq, double g) {
    const rz_map_t r = (rz_map_t)1 / ((rz_map_t)1 + bq);
    return bq < (rz_map_t)1 ? (double)(bq * r) * g : g - g * (double)r;
}

// inverse Compton `log_q`: ln q spaced evenly from ln q_min (w = 0) to 0 (w = 1);
// q = exp((1 - w) ln q_min), eps = gamma (b q) / (1 + b q).  c0 = ln q_min, c1 = b
__device__ __forceinline__ void rz_prep_ic_log_q(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m.c0 = (rz_map_t)log(e0 / (b * (g - e0)));
    m.c1 = (rz_map_t)b;
    m.g = g;
}
__device__ __forceinline__ double rz_map_ic_log_q(rz_map_t w, const RzMap& m) {
    return rz_ic_eps(m.c1 * rz_exp(((rz_map_t)1 - w) * m.c0), m.g);
}

// inverse Compton `log1p_bq`: t = ln(1 + b q) / ln(1 + b) spaced evenly from t_min to 1;
// b q = expm1(t ln(1 + b)), eps = gamma (b q) / (1 + b q).  c0 = ln(1 + b), c1 = t_min.
// log1p/expm1 keep b q relative-accurate in the Thomson limit (b q down to ~1e-20).
__device__ __forceinline__ void rz_prep_ic_log1p_bq(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    const double ln1pb = log1p(b);
    m.c0 = (rz_map_t)ln1pb;
    m.c1 = (rz_map_t)(log1p(e0 / (g - e0)) / ln1pb);  // b q_min = eps0 / (gamma - eps0)
    m.g = g;
}
__device__ __forceinline__ double rz_map_ic_log1p_bq(rz_map_t w, const RzMap& m) {
    const rz_map_t t = m.c1 + w * ((rz_map_t)1 - m.c1);
    return rz_ic_eps(rz_expm1(t * m.c0), m.g);
}
