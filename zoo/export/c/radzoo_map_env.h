/* radzoo export: the environment of the transforms, supports and coordinates (zoo/transforms.h,
   zoo/processes/<p>/coords.h) in the export, inlined into each exported header by zoo export. */
#ifndef RADZOO_MAP_ENV_
#define RADZOO_MAP_ENV_
/* the transforms, supports and coordinates below are the fused kernel's C (zoo/transforms.h,
   zoo/processes/<p>/coords.h), here with the map type rz_map_t and the transforms' type rz_tf_t
   double (rz_tanh: the common part's) */
typedef double rz_map_t;
typedef double rz_tf_t;
#define RZ_C(x) x
typedef struct RzMap { double lo, hi, g; rz_map_t c[4]; } RzMap;   /* 4: KernelCoordinate.MAX_CONSTANTS */
RZ_FN int rz_clampi(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }
RZ_FN double rz_exp(double x) { return exp(x); }
RZ_FN double rz_expm1(double x) { return expm1(x); }
RZ_FN double rz_sqrt(double x) { return sqrt(x); }
RZ_FN double rz_sinh(double x) { return sinh(x); }
RZ_FN double rz_asinh(double x) { return asinh(x); }
RZ_FN double rz_cbrt(double x) { return cbrt(x); }
RZ_FN double rz_sin(double x) { return sin(x); }
RZ_FN double rz_atan2(double y, double x) { return atan2(y, x); }
RZ_FN double rz_log(double x) { return log(x); }
RZ_FN double rz_log10(double x) { return log10(x); }
RZ_FN double rz_fmin(double x, double y) { return fmin(x, y); }
RZ_FN double rz_fmax(double x, double y) { return fmax(x, y); }
#endif /* RADZOO_MAP_ENV_ */
