// radzoo fused sampler: the environment of the w -> physical-sample maps and of the transforms (the
// RzMap struct, the RZ_FN qualifier, the rz_* math in both map types, rz_tf_t). The maps themselves are C functions in one
// header per process (zoo/processes/<p>/coords.h, zoo/targets/coords.h), mirrored in torch and numpy
// by the KernelCoordinate / KernelSupport objects; zoo/cuda/codegen.py maps card names onto them.
//
// A coordinate is a pair rz_prep_<name> / rz_map_<name> and a target supplies rz_support_<name>
// (signatures below). The prep runs in fp64
// (once per thread for broadcast parameters, once per sample otherwise); the map's transcendental
// part runs in rz_map_t (fp32 by default) and only its last step in fp64 where the sample needs
// more than 24 bits (IC: eps within a few units of gamma ~ 1e10).
// Adding a coordinate: its C in the process's coords.h and a KernelCoordinate on its target (zoo/targets/base.py).

// the qualifier of the supports' and coordinates' functions (zoo/processes/*/coords.h, zoo/targets/coords.h)
#define RZ_FN __device__ __forceinline__

// the map's constants: lo, hi (the support), g (fp64) and RZ_NC in rz_map_t, RZ_NC set per card by
// zoo/cuda/codegen.py (the most any of its supports and coordinates uses: zoo.targets.base.map_constants)
struct RzMap { double lo, hi, g; rz_map_t c[RZ_NC]; };

// each rz_<fn> in both map types: fp32 (<fn>f) and fp64 (<fn>)
#define RZ_MATH1(fn) \
    RZ_FN float rz_##fn(float x) { return fn##f(x); } \
    RZ_FN double rz_##fn(double x) { return fn(x); }
RZ_MATH1(exp)
RZ_MATH1(expm1)
RZ_MATH1(sqrt)
RZ_MATH1(sinh)
RZ_MATH1(asinh)
RZ_MATH1(cbrt)
RZ_MATH1(tanh)
RZ_MATH1(log)
RZ_MATH1(log10)
#undef RZ_MATH1
RZ_FN int rz_clampi(int x, int lo, int hi) { return min(max(x, lo), hi); }
RZ_FN float rz_atan2(float y, float x) { return atan2f(y, x); }
RZ_FN double rz_atan2(double y, double x) { return atan2(y, x); }
RZ_FN float rz_fmin(float x, float y) { return fminf(x, y); }
RZ_FN double rz_fmin(double x, double y) { return fmin(x, y); }
RZ_FN float rz_fmax(float x, float y) { return fmaxf(x, y); }
RZ_FN double rz_fmax(double x, double y) { return fmax(x, y); }

// the transforms (zoo/transforms.h: squashes, u transforms, input and earlier-output columns) run
// in fp32 in the kernel: rz_tf_t is float and RZ_C(x) a float literal
typedef float rz_tf_t;
#define RZ_C(x) x##f
// sin x for x in [0, pi] (the Kepler coordinate): through sinpi, whose range reduction is exact and
// needs no local memory (sin/sinf keep a Payne-Hanek slow path with a local array for large x)
RZ_FN float rz_sin(float x) { return sinpif(x * 0.318309886183790672f); }
RZ_FN double rz_sin(double x) { return sinpi(x * 0.31830988618379067); }

// Supports and coordinates are defined in the processes' coords.h (Target.kernel_support,
// Target.kernel_coordinates name them) and emitted by zoo/cuda/codegen.py:
//   rz_support_<name>(int k, const double* p, const double* prev, RzMap* m)   sets m->lo, m->hi of component k
//   rz_prep_<name>(const double* p, const double* prev, RzMap* m)      fp64 map constants
//   rz_map_<name>(rz_map_t w, const RzMap* m)                          w -> sample (double)
// prev holds the earlier components (nullptr where neither the support nor the coordinate depends on them).
