/*
 * amctkit bench kernels --compare-c: builds ../shared/bench/fq_limit.c unchanged (FQ_SOURCE names it) with its own
 * flags, gcc -O3 -march=native -fno-trapping-math -fopenmp. Where the CPU has AVX-512 its own main runs. Where it has
 * not, its AVX-512 variants are spelled with the AVX2 intrinsics so that the file compiles, and this main runs only its
 * portable loops (the plain copy and the plain one-pass fake quant), on the same data and with the same timing.
 */
#include <immintrin.h>
#ifndef __AVX512F__
#define __m512 __m256
#define _mm512_set1_ps _mm256_set1_ps
#define _mm512_load_ps _mm256_load_ps
#define _mm512_mul_ps _mm256_mul_ps
#define _mm512_min_ps _mm256_min_ps
#define _mm512_max_ps _mm256_max_ps
#define _mm512_add_ps _mm256_add_ps
#define _mm512_setzero_ps _mm256_setzero_ps
#define _mm512_stream_ps _mm256_stream_ps
#define _mm512_roundscale_ps(v, mode) _mm256_round_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
static inline float amctkit_reduce_add(__m256 v) {
    float t[8];
    _mm256_storeu_ps(t, v);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}
#define _mm512_reduce_add_ps amctkit_reduce_add
#endif

#define main fq_limit_main
#include FQ_SOURCE
#undef main

int main(int argc, char **argv) {
#ifdef __AVX512F__
    return fq_limit_main(argc, argv);
#else
    (void)argc;
    (void)argv;
    const size_t n = (size_t)64 << 20;  // 64M floats = 256 MiB, as fq_limit.c
    float *x = aligned_alloc(64, n * 4), *y = aligned_alloc(64, n * 4);
    if (!x || !y) return 1;
    uint32_t st = 12345;
    for (size_t i = 0; i < n; i++) {  // fq_limit.c's first touch and data in [-8, 8)
        st = st * 1664525u + 1013904223u;
        x[i] = ((st >> 8) * (1.0f / 16777216.0f)) * 16.0f - 8.0f;
        y[i] = 0.0f;
    }
    const double B = (double)n * 4;
    printf("metric\tthreads\tmedian_s\tmin_s\tnominal_bytes\tGB/s\n");
    bench("C.copy_plain", copy_plain, x, y, n, 2 * B);
    bench("C.fq_per_tensor_plain", fq_plain, x, y, n, 2 * B);
    double cs = 0;
    for (size_t i = 0; i < n; i += 4096) cs += y[i];
    fprintf(stderr, "checksum %.6f\n", cs);
    return 0;
#endif
}
