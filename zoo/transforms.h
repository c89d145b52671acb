// radzoo transforms: the C of every squash, u transform, parameter input column and earlier-output
// column (zoo/transform_defs.py holds each one's torch form and float32 emulation and names its
// function here). One source for both users:
//   - the fused CUDA kernel (environment: kernels/radzoo_coords.cuh): RZ_FN = __device__ __forceinline__,
//     rz_tf_t = float, RZ_C(x) = x##f (float literals), rz_<fn> = <fn>f;
//   - zoo export (environment: zoo/export/cgen.py): rz_tf_t = double, RZ_C(x) = x, rz_<fn> = <fn>.
// Every function is `RZ_FN <type> rz_<squash|u|col|earlier>_<name>(...)`; the tests compile this file
// with gcc in double and check each function against the torch form (tests/test_transform_defs.py).

// ---- squashes: raw network output z -> w in [0, 1] ----
RZ_FN rz_tf_t rz_squash_sigmoid(rz_tf_t z) { return RZ_C(1.0) / (RZ_C(1.0) + rz_exp(-z)); }

RZ_FN rz_tf_t rz_squash_clamp(rz_tf_t z) { return rz_fmin(rz_fmax(z, RZ_C(0.0)), RZ_C(1.0)); }

// seed paper eq. 24-25: w = (1 + alpha tanh(beta z)) / 2, clamped; beta = 5, alpha = 1 / tanh(5)
RZ_FN rz_tf_t rz_squash_tanh_paper(rz_tf_t z) {
    return rz_fmin(rz_fmax(RZ_C(0.5) * (RZ_C(1.0) + RZ_C(0x1.0005f37022142p+0) * rz_tanh(RZ_C(0x1.4p+2) * z)),
                           RZ_C(0.0)), RZ_C(1.0));
}

// ---- u transforms: u in [0, 1] -> the network's u input ----
RZ_FN rz_tf_t rz_u_identity(rz_tf_t u) { return u; }

// arcsine: v = (2/pi) atan2(sqrt(u), sqrt(1 - u)) (u and 1 - u exact in fp32)
RZ_FN rz_tf_t rz_u_arcsine(rz_tf_t u) {
    return RZ_C(0x1.45f306dc9c883p-1) * rz_atan2(rz_sqrt(u), rz_sqrt(RZ_C(1.0) - u));
}

// logit: v = ln u - ln(1 - u), u clamped to [2^-53, 1 - 2^-53] (1 - u exact in fp32 above 1/2)
RZ_FN rz_tf_t rz_u_logit(rz_tf_t u) {
    return rz_log(rz_fmax(u, RZ_C(0x1p-53))) - rz_log(rz_fmax(RZ_C(1.0) - u, RZ_C(0x1p-53)));
}

// ---- parameter input columns: T(p) of the float64 parameter p; the network's column is
// 2 (T(p) - T(lo)) / (T(hi) - T(lo)) - 1 over the trained domain [lo, hi] ----
RZ_FN rz_tf_t rz_col_identity(double p) { return (rz_tf_t)p; }

RZ_FN rz_tf_t rz_col_log10(double p) { return rz_log10((rz_tf_t)p); }

// 1/p^2 (e.g. q_min = 1/(4 gamma^2) of inverse Compton), from fp64
RZ_FN rz_tf_t rz_col_inverse_square(double p) { return (rz_tf_t)(1.0 / (p * p)); }

// ---- earlier-output columns: a further input from an earlier output w in [0, 1] ----
// log_tail: ln(max(1 - w, 2^-24)) / (12 ln 2) + 1 in [-1, 1] (1 - w exact in fp32 above 1/2)
RZ_FN rz_tf_t rz_earlier_log_tail(rz_tf_t w) {
    return rz_log(rz_fmax(RZ_C(1.0) - w, RZ_C(0x1p-24))) * RZ_C(0x1.ec709dc3a03fep-4) + RZ_C(1.0);
}
