/*
 * fe_w8emu.c -- the AVX-512 level's 8-lane frame kernel logic (fe/fe_lanes.inc with
 * LANES 8) compiled for AVX2, where GCC and clang split each 8-double vector in two: so
 * the 8-lane code path is held to the reference on machines without AVX-512 too.
 */
#include "fe/fe.h"

const wmel_fe_kernel *t_fe_kernel_w8emu(void);

#if defined(__x86_64__) && defined(__AVX2__)
typedef double VD __attribute__((vector_size(64)));
#define LANES 8
#define FE_FN fe_frames_w8emu
#include "fe/fe_lanes.inc"

static const wmel_fe_kernel K = {"w8emu-f64x8", LANES, FE_FN, fe_lanes_scratch, fe_lanes_norm, fe_cast_group,
                                  fe_finite};
const wmel_fe_kernel *t_fe_kernel_w8emu(void) { return &K; }
#else
const wmel_fe_kernel *t_fe_kernel_w8emu(void) { return NULL; }
#endif
