/*
 * fe_c.c -- the front-end plans' frame kernel at the portable C level: one frame per
 * "vector" of one double (fe/fe_lanes.inc with LANES 1), so that the C level runs the
 * vector levels' source -- the same transforms, in the same order, with the same log --
 * and gives their bits. Compiled without ISA flags, on every architecture.
 */
#include "fe/fe.h"

typedef double VD __attribute__((vector_size(sizeof(double))));
#define LANES 1
#define FE_FN fe_frames_c
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"c-f64", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm, fe_cast_group, fe_finite};
const wmel_fe_kernel *wmel__fe_kernel_c(void) { return &K; }
