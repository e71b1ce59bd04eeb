/*
 * kernel_c.c -- the portable C level of the kernel (one frame at a time). Compiled
 * without ISA flags; the same source as the SIMD levels (kernel.inc).
 */
#include "../internal.h"

#include <stdint.h>
#include <string.h>

typedef double VD;
typedef float VF;
typedef int32_t VI;
#define W 1
#define KFN wmel__block_c
#define KFN_RFFT wmel__rfft_c
#define KFN_NORM wmel__norm_c

static inline VI c_f2i(VF x)
{
    VI i;
    memcpy(&i, &x, sizeof i);
    return i;
}
static inline VF c_i2f(VI i)
{
    VF x;
    memcpy(&x, &i, sizeof x);
    return x;
}
#define V_SET1(s) ((VF)(s))
#define V_SET1I(s) ((VI)(s))
#define V_SET1D(s) ((VD)(s))
#define V_MAX(a, b) ((a) > (b) ? (a) : (b))
#define V_MAXD(a, b) ((a) > (b) ? (a) : (b))
#define V_F2I(x) c_f2i(x)
#define V_I2F(i) c_i2f(i)
#define V_CVT(i) ((VF)(i))
#define V_F2D(x) ((VD)(x))
#define V_D2F(x) ((VF)(x))
#if defined(__SSE2__)
#include <emmintrin.h>
#define V_STREAM_LINE(o, s)                                                             \
    do {                                                                                \
        for (int q_ = 0; q_ < 16; q_ += 4) _mm_stream_ps((o) + q_, _mm_loadu_ps((s) + q_)); \
    } while (0)
#endif
#define V_GATHER_SETUP(nv, hop) ((void)(nv), (void)(hop))
#define V_GATHER(base, k) ((base)[k])

float KFN(const wmel_plan *pl, const float *x, size_t nf, float *out, size_t stride,
          void *scratch, int *bad);
void KFN_NORM(float *x, size_t n, float max_val);
void KFN_RFFT(const wmel_plan *pl, const float *x, size_t nf, size_t hop, double *ore,
              double *oim, void *scratch);
#include "kernel.inc"

static const wmel_kernel k_c = {"cpu-c-w1", WMEL_ISA_C, 1, wmel__block_c, wmel__rfft_c, wmel__norm_c};
const wmel_kernel *wmel__kernel_c(void) { return &k_c; }
