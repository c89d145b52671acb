// radzoo fused sampler: device building blocks (header-free: no CUDA toolkit header needed).
//
// The generated prologue (zoo/cuda/codegen.py) defines before this file:
//   RZ_TANH_MODE   0 exact tanhf | 1 tanh.approx.f32 | 2 tanh.approx.f16x2 for layers feeding an MMA
//                  (tanh.approx.f32 for the last hidden layer) | 3 tanh.approx.f16x2 for every layer
//   (the tensor-core mode is chosen by the generated code: rz_act_to_a + rz_dense_mma for one f16 MMA per
//    tile ("f16"), rz_act_to_a_split + rz_dense_mma3 for the split-f16 product ("3xf16", near fp32))
//   rz_map_t       float or double: precision of the w -> physical-sample mapping
//   RZ_TANH_PAPER_ALPHA, RZ_TANH_PAPER_BETA  (float literals of the tanh_paper squash)
// Layout conventions (PTX ISA, mma.m16n8k16 with .f16 inputs and .f32 accumulators),
// g = lane / 4 ("groupID"), c = lane % 4 ("threadID_in_group"):
//   C/D fragment of an m16n8 tile: d0,d1 = row g,   cols 2c, 2c+1;  d2,d3 = row g+8, same cols
//   A fragment (16x16, row-major):  reg0 = row g, cols 2c..2c+1;  reg1 = row g+8, cols 2c..2c+1;
//                                   reg2 = row g, cols 2c+8..+9;  reg3 = row g+8, cols 2c+8..+9
//   B fragment (16x8, "col"):       reg0 = k 2c..2c+1, col g;     reg1 = k 2c+8..2c+9, col g
// Hidden activations are kept in the C layout h[W/8][4] (fp32): n-tile nt holds, for rows g and
// g+8, the columns 8nt+2c and 8nt+2c+1. Two adjacent n-tiles are exactly one k-tile of the A
// fragment of the next layer, so activations never leave registers.

typedef unsigned int rz_u32;
typedef unsigned long long rz_u64;

// ---------------------------------------------------------------- Philox4x32-10 (Salmon et al. 2011)
#define RZ_PHILOX_M0 0xD2511F53u
#define RZ_PHILOX_M1 0xCD9E8D57u
#define RZ_PHILOX_W0 0x9E3779B9u
#define RZ_PHILOX_W1 0xBB67AE85u

struct rz_u32x4 { rz_u32 x, y, z, w; };

__device__ __forceinline__ rz_u32x4 rz_philox4x32_10(rz_u32x4 c, rz_u32 k0, rz_u32 k1) {
#pragma unroll
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += RZ_PHILOX_W0; k1 += RZ_PHILOX_W1; }
        const rz_u32 hi0 = __umulhi(RZ_PHILOX_M0, c.x), lo0 = RZ_PHILOX_M0 * c.x;
        const rz_u32 hi1 = __umulhi(RZ_PHILOX_M1, c.z), lo1 = RZ_PHILOX_M1 * c.z;
        c = rz_u32x4{hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
    }
    return c;
}

// 32-bit word -> u in [0, 1): the top 24 bits times 2^-24 (exact in fp32, same as zoo.cuda.philox)
__device__ __forceinline__ float rz_u01(rz_u32 x) { return (float)(x >> 8) * 5.9604644775390625e-08f; }

// ---------------------------------------------------------------- tensor-core MMA and packing
__device__ __forceinline__ void rz_mma16816(float (&d)[4], const rz_u32 (&a)[4], rz_u32 b0, rz_u32 b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// two fp32 -> f16x2 (round to nearest even); `lo` goes to the low half (the lower column)
__device__ __forceinline__ rz_u32 rz_pack_h2(float lo, float hi) {
    rz_u32 r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

__device__ __forceinline__ void rz_unpack_h2(rz_u32 x, float& lo, float& hi) {
    unsigned short a, b;
    asm("mov.b32 {%0, %1}, %2;" : "=h"(a), "=h"(b) : "r"(x));
    asm("cvt.f32.f16 %0, %1;" : "=f"(lo) : "h"(a));
    asm("cvt.f32.f16 %0, %1;" : "=f"(hi) : "h"(b));
}

// split-f16 ("3xf16"): x = hi + lo * 2^-RZ_SPLIT_SHIFT with hi = f16(x), lo = f16((x - hi) * 2^RZ_SPLIT_SHIFT);
// x - hi is exact in fp32 and the scaling keeps lo out of the f16 subnormals
#define RZ_SPLIT_SHIFT 11
#define RZ_SPLIT_UP 2048.0f
#define RZ_SPLIT_DOWN 4.8828125e-04f
__device__ __forceinline__ void rz_split_h2(float x0, float x1, rz_u32& hi, rz_u32& lo) {
    hi = rz_pack_h2(x0, x1);
    float h0, h1;
    rz_unpack_h2(hi, h0, h1);
    lo = rz_pack_h2((x0 - h0) * RZ_SPLIT_UP, (x1 - h1) * RZ_SPLIT_UP);
}

__device__ __forceinline__ rz_u32 rz_tanh_h2(rz_u32 x) {
    rz_u32 r;
    asm("tanh.approx.f16x2 %0, %1;" : "=r"(r) : "r"(x));
    return r;
}

__device__ __forceinline__ float rz_tanh_approx(float x) {
    float r;
    asm("tanh.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

// ---------------------------------------------------------------- activations
#define RZ_ACT_TANH 0
#define RZ_ACT_RELU 1
#define RZ_ACT_SILU 2
#define RZ_ACT_GELU 3

template <int ACT>
__device__ __forceinline__ float rz_act(float x) {
    if constexpr (ACT == RZ_ACT_TANH) {
        if constexpr (RZ_TANH_MODE == 0) return tanhf(x);
        else return rz_tanh_approx(x);
    } else if constexpr (ACT == RZ_ACT_RELU) {
        return fmaxf(x, 0.0f);
    } else if constexpr (ACT == RZ_ACT_SILU) {
        return x / (1.0f + expf(-x));
    } else {
        return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));  // exact (erf) GELU, as torch
    }
}

// activation of two pre-activations, packed as f16x2 for the next MMA
template <int ACT>
__device__ __forceinline__ rz_u32 rz_act_h2(float lo, float hi) {
    if constexpr (ACT == RZ_ACT_TANH && RZ_TANH_MODE >= 2) return rz_tanh_h2(rz_pack_h2(lo, hi));
    else return rz_pack_h2(rz_act<ACT>(lo), rz_act<ACT>(hi));
}

// ---------------------------------------------------------------- layers
// first layer on the CUDA cores in fp32 (keeps u's 24 bits): h = W x + b for rows g and g+8
template <int NIN, int W>
__device__ __forceinline__ void rz_dense_in(const float* __restrict__ w, const float* __restrict__ b,
                                            const float (&x0)[NIN], const float (&x1)[NIN], int c,
                                            float (&h)[W / 8][4]) {
#pragma unroll
    for (int nt = 0; nt < W / 8; ++nt) {
        const int j = nt * 8 + 2 * c;
        float a0 = b[j], a1 = b[j + 1], a2 = b[j], a3 = b[j + 1];
#pragma unroll
        for (int i = 0; i < NIN; ++i) {
            const float w0 = w[j * NIN + i], w1 = w[(j + 1) * NIN + i];
            a0 = fmaf(w0, x0[i], a0);
            a1 = fmaf(w1, x0[i], a1);
            a2 = fmaf(w0, x1[i], a2);
            a3 = fmaf(w1, x1[i], a3);
        }
        h[nt][0] = a0; h[nt][1] = a1; h[nt][2] = a2; h[nt][3] = a3;
    }
}

// activation, then the C layout (fp32) -> A fragments (f16) of the next layer
template <int ACT, int W>
__device__ __forceinline__ void rz_act_to_a(const float (&h)[W / 8][4], rz_u32 (&a)[W / 16][4]) {
#pragma unroll
    for (int kt = 0; kt < W / 16; ++kt) {
        a[kt][0] = rz_act_h2<ACT>(h[2 * kt][0], h[2 * kt][1]);
        a[kt][1] = rz_act_h2<ACT>(h[2 * kt][2], h[2 * kt][3]);
        a[kt][2] = rz_act_h2<ACT>(h[2 * kt + 1][0], h[2 * kt + 1][1]);
        a[kt][3] = rz_act_h2<ACT>(h[2 * kt + 1][2], h[2 * kt + 1][3]);
    }
}

// hidden -> hidden on the tensor cores: f16 x f16, fp32 accumulators initialised with the fp32 bias.
// bf: B fragments pre-swizzled on the host, bf[(kt * N/8 + nt) * 32 + lane] = {reg0, reg1}
template <int K, int N>
__device__ __forceinline__ void rz_dense_mma(const uint2* __restrict__ bf, const float* __restrict__ b,
                                             const rz_u32 (&a)[K / 16][4], int lane, float (&h)[N / 8][4]) {
    const int c = lane & 3;
#pragma unroll
    for (int nt = 0; nt < N / 8; ++nt) {
        const int j = nt * 8 + 2 * c;
        h[nt][0] = b[j]; h[nt][1] = b[j + 1]; h[nt][2] = b[j]; h[nt][3] = b[j + 1];
#pragma unroll
        for (int kt = 0; kt < K / 16; ++kt) {
            const uint2 bb = bf[(kt * (N / 8) + nt) * 32 + lane];
            rz_mma16816(h[nt], a[kt], bb.x, bb.y);
        }
    }
}

// split-f16 mode: activation in fp32 (tanhf unless RZ_TANH_MODE says otherwise), then hi and lo A fragments
template <int ACT, int W>
__device__ __forceinline__ void rz_act_to_a_split(const float (&h)[W / 8][4], rz_u32 (&a)[W / 16][4],
                                                  rz_u32 (&al)[W / 16][4]) {
#pragma unroll
    for (int kt = 0; kt < W / 16; ++kt) {
        rz_split_h2(rz_act<ACT>(h[2 * kt][0]), rz_act<ACT>(h[2 * kt][1]), a[kt][0], al[kt][0]);
        rz_split_h2(rz_act<ACT>(h[2 * kt][2]), rz_act<ACT>(h[2 * kt][3]), a[kt][1], al[kt][1]);
        rz_split_h2(rz_act<ACT>(h[2 * kt + 1][0]), rz_act<ACT>(h[2 * kt + 1][1]), a[kt][2], al[kt][2]);
        rz_split_h2(rz_act<ACT>(h[2 * kt + 1][2]), rz_act<ACT>(h[2 * kt + 1][3]), a[kt][3], al[kt][3]);
    }
}

// split-f16 hidden -> hidden: A B ~ Ahi Bhi + (Alo Bhi + Ahi Blo) 2^-11, three MMAs per tile. The main
// product accumulates onto the bias, the two correction products into their own accumulator (so the
// tensor core's rounding of the large running sum does not swallow them); one fp32 FMA joins them.
// bl: the lo B fragments (scaled by 2^11 on the host), same swizzle as bf
template <int K, int N>
__device__ __forceinline__ void rz_dense_mma3(const uint2* __restrict__ bf, const uint2* __restrict__ bl,
                                              const float* __restrict__ b, const rz_u32 (&a)[K / 16][4],
                                              const rz_u32 (&al)[K / 16][4], int lane, float (&h)[N / 8][4]) {
    const int c = lane & 3;
#pragma unroll
    for (int nt = 0; nt < N / 8; ++nt) {
        const int j = nt * 8 + 2 * c;
        h[nt][0] = b[j]; h[nt][1] = b[j + 1]; h[nt][2] = b[j]; h[nt][3] = b[j + 1];
        float e[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
        for (int kt = 0; kt < K / 16; ++kt) {
            const uint2 bb = bf[(kt * (N / 8) + nt) * 32 + lane];
            const uint2 bbl = bl[(kt * (N / 8) + nt) * 32 + lane];
            rz_mma16816(e, al[kt], bb.x, bb.y);
            rz_mma16816(e, a[kt], bbl.x, bbl.y);
            rz_mma16816(h[nt], a[kt], bb.x, bb.y);
        }
#pragma unroll
        for (int i = 0; i < 4; ++i) h[nt][i] = fmaf(e[i], RZ_SPLIT_DOWN, h[nt][i]);
    }
}

// activation of the last hidden layer, kept in fp32 for the output layer (mode 3: via f16x2)
template <int ACT, int W>
__device__ __forceinline__ void rz_act_inplace(float (&h)[W / 8][4]) {
#pragma unroll
    for (int nt = 0; nt < W / 8; ++nt) {
        if constexpr (ACT == RZ_ACT_TANH && RZ_TANH_MODE == 3) {
            rz_unpack_h2(rz_act_h2<ACT>(h[nt][0], h[nt][1]), h[nt][0], h[nt][1]);
            rz_unpack_h2(rz_act_h2<ACT>(h[nt][2], h[nt][3]), h[nt][2], h[nt][3]);
        } else {
#pragma unroll
            for (int i = 0; i < 4; ++i) h[nt][i] = rz_act<ACT>(h[nt][i]);
        }
    }
}

// output layer (W -> 1) in fp32 on the CUDA cores, reduced over the 4 lanes of a quad:
// every lane of the quad ends with the same z for rows g (z0) and g+8 (z1)
template <int W>
__device__ __forceinline__ void rz_dense_out(const float* __restrict__ wo, float bo, const float (&h)[W / 8][4],
                                             int c, float& z0, float& z1) {
    float s0 = 0.0f, s1 = 0.0f;
#pragma unroll
    for (int nt = 0; nt < W / 8; ++nt) {
        const int j = nt * 8 + 2 * c;
        s0 = fmaf(wo[j], h[nt][0], s0); s0 = fmaf(wo[j + 1], h[nt][1], s0);
        s1 = fmaf(wo[j], h[nt][2], s1); s1 = fmaf(wo[j + 1], h[nt][3], s1);
    }
    s0 += __shfl_xor_sync(0xffffffffu, s0, 1); s1 += __shfl_xor_sync(0xffffffffu, s1, 1);
    s0 += __shfl_xor_sync(0xffffffffu, s0, 2); s1 += __shfl_xor_sync(0xffffffffu, s1, 2);
    z0 = s0 + bo; z1 = s1 + bo;
}

// u transforms, parameter input columns and squashes: their device functions are defined
// in zoo/transforms.h (their other forms: zoo/transform_defs.py) and included by zoo/cuda/codegen.py.
