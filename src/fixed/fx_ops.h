/* fx_ops.h -- the fixed-point operations of the integer front-end, named by their Q
 * formats (libopus's MULT16_32_Q15 style): value = integer / 2^Q.
 *
 * Signed right shifts are arithmetic (as gcc and clang define them on every target);
 * every product is formed in 64 bits, so nothing here overflows for the operand ranges
 * stated in fx.c. */
#ifndef WMEL_FX_OPS_H
#define WMEL_FX_OPS_H

#include <stdint.h>

/* a (integer or Qn) times b (Q30), rounded to the format of a; the sum of two such
 * products rounded once: MAC2_Q30(a, b, c, d) = round((a*b + c*d) / 2^30) */
#define MULT32_Q30(a, b) ((int64_t)(((int64_t)(a) * (int64_t)(b) + ((int64_t)1 << 29)) >> 30))
#define MAC2_Q30(a, b, c, d) \
    ((int64_t)(((int64_t)(a) * (int64_t)(b) + (int64_t)(c) * (int64_t)(d) + ((int64_t)1 << 29)) >> 30))

/* unsigned 32 x 32 -> 64 (|sample| Q15 times the unsigned Q31 window gives Q46) */
#define UMULL32(a, b) ((uint64_t)(uint32_t)(a) * (uint64_t)(uint32_t)(b))

#endif
