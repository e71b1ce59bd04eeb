/*
 * fe_c.c -- the front-end plans' frame kernel at the portable C level: fe/fe_lanes.inc over
 * GCC's generic vector of 2 doubles, so that the C level runs the vector levels' source --
 * the same transforms, in the same order, with the same log -- and gives their bits.
 * Compiled without ISA flags, on every architecture: where the target has 2-double
 * vectors in its base instruction set (x86-64's SSE2) the compiler uses them, elsewhere it
 * splits each operation into scalar ones. (One lane, a vector of one double, measured
 * 1.2-1.3x slower on n_fft 512 plans: the compiler moves such vectors through integer
 * registers.)
 */
#include "fe/fe.h"

typedef double VD __attribute__((vector_size(2 * sizeof(double))));
#define LANES 2
#define FE_FN fe_frames_c
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"c-f64", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm, fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_c(void) { return &K; }
