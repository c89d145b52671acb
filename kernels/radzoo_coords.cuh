// radzoo fused sampler: the w -> physical-sample mapping, one small device function per
// squash (radzoo_lib.cuh) and per (target, coordinate) pair (here). Mirrors zoo/transforms.py
// and each target's `to_physical`; zoo/cuda/codegen.py maps card names onto these functions.
//
// A coordinate is a pair:
//   rz_prep_<name>(const double* p, RzMap& m)   float64 parameters (card order) -> constants
//   rz_map_<name>(rz_map_t w, const RzMap& m)   w in [0, 1] -> sample (clamped to [lo, hi] by the caller)
// and a target supplies rz_support_<target>(p, m) setting m.lo, m.hi. The prep runs in fp64
// (once per thread for broadcast parameters, once per sample otherwise); the map runs in rz_map_t.
// Adding a coordinate: one prep/map pair here and one line in zoo/cuda/codegen.py COORDINATES.

struct RzMap { rz_map_t lo, hi, c0, c1, c2; };

__device__ __forceinline__ float rz_exp(float x) { return expf(x); }
__device__ __forceinline__ double rz_exp(double x) { return exp(x); }
__device__ __forceinline__ float rz_expm1(float x) { return expm1f(x); }
__device__ __forceinline__ double rz_expm1(double x) { return expm1(x); }
__device__ __forceinline__ float rz_fclamp(float x, float lo, float hi) { return fminf(fmaxf(x, lo), hi); }
__device__ __forceinline__ double rz_fclamp(double x, double lo, double hi) { return fmin(fmax(x, lo), hi); }

// ---------------------------------------------------------------- supports
// bessel-test, gaussian-2d: [0, 1]
__device__ __forceinline__ void rz_support_unit(const double*, RzMap& m) { m.lo = (rz_map_t)0; m.hi = (rz_map_t)1; }

// inverse Compton, p = {gamma, eps0} [1, m_e c^2]: eps in [eps0, gamma b / (1 + b)], b = 4 gamma eps0
__device__ __forceinline__ void rz_support_ic(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m.lo = (rz_map_t)e0;
    m.hi = (rz_map_t)(g * b / (1.0 + b));
}

// ---------------------------------------------------------------- coordinates
// linear: x = lo + w (hi - lo)
__device__ __forceinline__ void rz_prep_linear(const double*, RzMap&) {}
__device__ __forceinline__ rz_map_t rz_map_linear(rz_map_t w, const RzMap& m) { return m.lo + w * (m.hi - m.lo); }

// inverse Compton `log_q`: ln q spaced evenly from ln q_min (w = 0) to 0 (w = 1);
// q = exp((1 - w) ln q_min), eps = gamma (b q) / (1 + b q).  c0 = ln q_min, c1 = b, c2 = gamma
__device__ __forceinline__ void rz_prep_ic_log_q(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    m.c0 = (rz_map_t)log(e0 / (b * (g - e0)));
    m.c1 = (rz_map_t)b;
    m.c2 = (rz_map_t)g;
}
__device__ __forceinline__ rz_map_t rz_map_ic_log_q(rz_map_t w, const RzMap& m) {
    const rz_map_t bq = m.c1 * rz_exp(((rz_map_t)1 - w) * m.c0);
    return m.c2 * bq / ((rz_map_t)1 + bq);
}

// inverse Compton `log1p_bq`: t = ln(1 + b q) / ln(1 + b) spaced evenly from t_min to 1;
// b q = expm1(t ln(1 + b)), eps = gamma (b q) / (1 + b q).  c0 = ln(1 + b), c1 = t_min, c2 = gamma.
// log1p/expm1 keep b q relative-accurate in the Thomson limit (b q down to ~1e-20).
__device__ __forceinline__ void rz_prep_ic_log1p_bq(const double* p, RzMap& m) {
    const double g = p[0], e0 = p[1], b = 4.0 * g * e0;
    const double ln1pb = log1p(b);
    m.c0 = (rz_map_t)ln1pb;
    m.c1 = (rz_map_t)(log1p(e0 / (g - e0)) / ln1pb);  // b q_min = eps0 / (gamma - eps0)
    m.c2 = (rz_map_t)g;
}
__device__ __forceinline__ rz_map_t rz_map_ic_log1p_bq(rz_map_t w, const RzMap& m) {
    const rz_map_t t = m.c1 + w * ((rz_map_t)1 - m.c1);
    const rz_map_t bq = rz_expm1(t * m.c0);
    return m.c2 * bq / ((rz_map_t)1 + bq);
}
