/* radzoo export: the common part of every exported CUDA header (inlined into each by zoo export). */
#ifndef RADZOO_COMMON_CUH_
#define RADZOO_COMMON_CUH_
#define RZ_FN static __device__ __forceinline__
#define RZ_API static __device__ __forceinline__
#define RZ_VFN static __device__ __forceinline__
#define RZ_DATA static __device__ const
#define RZ_NAN __longlong_as_double(0x7ff8000000000000LL)
#define RZ_VECTOR 0
#define RZ_ALIGN
#define rz_tanh tanh
#define rz_tanhf tanhf

#include "radzoo_philox.h"  /* inlined by zoo export */
#endif /* RADZOO_COMMON_CUH_ */
