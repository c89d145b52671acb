// radzoo fused sampler kernel: (seed, offset, parameters) -> physical samples in one pass.
//
// Compiled by NVRTC after radzoo_lib.cuh, radzoo_coords.cuh and the code that
// zoo/cuda/codegen.py generates from a model card, which defines:
//   RZ_DIM, RZ_NP (RZ_NP1 = max(RZ_NP, 1)), RZ_NZ1 (parameter input columns, at least 1),
//   RZ_BROADCAST, RZ_BLOCK, RZ_WBYTES, RZ_OUT_T,
//   RZ_CHUNK_TILES (16-row tiles per chunk), RZ_PARAM_DECL, RZ_LOAD_PARAMS(row, p),
//   rz_scale_params(p, z), rz_forward(...), rz_prep_all(p, maps), rz_map_all(w, maps, p, x).
//
// Work split: each warp takes chunks of RZ_CHUNK_TILES * 16 consecutive samples. Lanes first
// draw the chunk's uniforms with Philox (4 words per call, no redundancy) into shared memory,
// then the warp evaluates 16-row tiles: lane (g, c) owns rows g and g + 8 of the tile.
// Random stream: sample i, component k uses word m = i * RZ_DIM + k of the sequence
//   Philox4x32-10(counter = {j_lo, j_hi, offset_lo, offset_hi}, key = {seed_lo, seed_hi}),
//   j = m / 4, word m % 4, u = (word >> 8) * 2^-24  (zoo.cuda.philox replicates it on the CPU).

#define RZ_CHUNK_ROWS (RZ_CHUNK_TILES * 16)
#define RZ_CHUNK_WORDS (RZ_CHUNK_ROWS * RZ_DIM)
#define RZ_CHUNK_BLOCKS (RZ_CHUNK_WORDS / 4)

extern "C" __global__ void __launch_bounds__(RZ_BLOCK)
radzoo_sample(RZ_OUT_T* __restrict__ out, long long n, rz_u64 seed, rz_u64 offset,
              const unsigned char* __restrict__ wglob RZ_PARAM_DECL) {
    extern __shared__ __align__(16) unsigned char rz_w[];  // the packed weights (zoo.cuda.codegen.pack)
    __shared__ float u_sh[RZ_BLOCK / 32][RZ_CHUNK_WORDS];

    for (int i = threadIdx.x; i < RZ_WBYTES / 16; i += RZ_BLOCK)
        reinterpret_cast<uint4*>(rz_w)[i] = reinterpret_cast<const uint4*>(wglob)[i];
    __syncthreads();

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, c = lane & 3;
    const long long n_chunks = (n + RZ_CHUNK_ROWS - 1) / RZ_CHUNK_ROWS;
    const long long n_warps = (long long)gridDim.x * (RZ_BLOCK / 32);
    const rz_u32 k0 = (rz_u32)seed, k1 = (rz_u32)(seed >> 32);

#if RZ_BROADCAST
    // every parameter is a scalar: scale it and prepare the mapping once per thread
    double p[RZ_NP1];
    RZ_LOAD_PARAMS(0, p);
    float zp0[RZ_NZ1];
    rz_scale_params(p, zp0);
    const float (&zp1)[RZ_NZ1] = zp0;
    RzMap maps[RZ_DIM];
    rz_prep_all(p, maps);
#endif

    for (long long ch = (long long)blockIdx.x * (RZ_BLOCK / 32) + warp; ch < n_chunks; ch += n_warps) {
        const long long row0 = ch * RZ_CHUNK_ROWS;
        if (lane < RZ_CHUNK_BLOCKS) {
            const rz_u64 j = (rz_u64)row0 * RZ_DIM / 4 + lane;
            const rz_u32x4 r = rz_philox4x32_10(
                rz_u32x4{(rz_u32)j, (rz_u32)(j >> 32), (rz_u32)offset, (rz_u32)(offset >> 32)}, k0, k1);
            float* dst = &u_sh[warp][lane * 4];
            dst[0] = rz_u01(r.x); dst[1] = rz_u01(r.y); dst[2] = rz_u01(r.z); dst[3] = rz_u01(r.w);
        }
        __syncwarp();
#pragma unroll 1
        for (int t = 0; t < RZ_CHUNK_TILES; ++t) {
            const int lr0 = t * 16 + g, lr1 = lr0 + 8;
            const long long r0 = row0 + lr0, r1 = row0 + lr1;
            float u0[RZ_DIM], u1[RZ_DIM];
#pragma unroll
            for (int k = 0; k < RZ_DIM; ++k) {
                u0[k] = u_sh[warp][lr0 * RZ_DIM + k];
                u1[k] = u_sh[warp][lr1 * RZ_DIM + k];
            }
#if !RZ_BROADCAST
            double p0[RZ_NP1], p1[RZ_NP1];
            RZ_LOAD_PARAMS(r0 < n ? r0 : n - 1, p0);
            RZ_LOAD_PARAMS(r1 < n ? r1 : n - 1, p1);
            float zp0[RZ_NZ1], zp1[RZ_NZ1];
            rz_scale_params(p0, zp0);
            rz_scale_params(p1, zp1);
#endif
            float w0[RZ_DIM], w1[RZ_DIM];
            rz_forward(rz_w, u0, u1, zp0, zp1, lane, w0, w1);  // all 32 lanes: tensor-core MMAs

            // the physical mapping: lane c = 0 takes row g, lane c = 1 row g + 8
            const long long r = c ? r1 : r0;
            if (c < 2 && r < n) {
                float w[RZ_DIM];
#pragma unroll
                for (int k = 0; k < RZ_DIM; ++k) w[k] = c ? w1[k] : w0[k];
#if !RZ_BROADCAST
                double p[RZ_NP1];
#pragma unroll
                for (int i = 0; i < RZ_NP1; ++i) p[i] = c ? p1[i] : p0[i];
                RzMap maps[RZ_DIM];
                rz_prep_all(p, maps);
#endif
                double x[RZ_DIM];
                rz_map_all(w, maps, p, x);
#pragma unroll
                for (int k = 0; k < RZ_DIM; ++k) out[r * RZ_DIM + k] = (RZ_OUT_T)x[k];
            }
        }
        __syncwarp();
    }
}
