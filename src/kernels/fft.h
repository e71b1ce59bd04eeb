// fft.h -- the FFT's twiddle and one stage's butterflies (radices 2, 3, 4, 5 and 8), written
// once for every device: the Vulkan frame shader (src/vulkan/shaders/frames.comp) and the
// CUDA plan kernel (src/cuda/plan_kernels.cu) include it, in either arithmetic (float64 or
// float-float: r_add, r_sub, r_mul on the number type R).  The text is the common subset of
// GLSL 4.50 and CUDA C++; the includer defines, before including:
//
//   R              the number type (GLSL: the arithmetic's R; CUDA: the template parameter)
//   FFT_FN         a function's head: nothing in GLSL, template <typename R> __device__
//                  __forceinline__ in CUDA
//   FFT_INOUT(T)   an in-out parameter: GLSL inout T, CUDA T &
//   FFT_SH_PARAM   the frame's shared array as the first parameter (CUDA `R *sh,`; nothing
//                  in GLSL, whose shared array is global), and SH(i) its word i (an lvalue)
//   FFT_TAB        the handle of the exact cos / sin tables (GLSL an index into the table
//                  buffer, CUDA a pointer), and TCOS(i), TSIN(i) their entry i as R
//   WG             the invocations (threads) of one frame
//
// The M-point complex transform (M = N / 2) of z[n] = x[2n] + i x[2n+1] runs in place in
// shared memory (z[n] at words 2n, 2n + 1), decimation in time, digit-reversed in and
// natural out: a stage of radix r joins sub-transforms of L points into ones of L r; each
// butterfly writes where it read.  Every twiddle is an entry of the host's exact float64
// cos / sin table, index j k mod N.  The caller places the barrier after each stage.

#ifndef WMEL_KERNELS_FFT_H
#define WMEL_KERNELS_FFT_H

/* (re, im) times W^idx = cos - i sin */
FFT_FN void twiddle(FFT_INOUT(R) re, FFT_INOUT(R) im, int idx, FFT_TAB co, FFT_TAB so)
{
    const R c = TCOS(idx), s = TSIN(idx);
    const R nr = r_add(r_mul(re, c), r_mul(im, s));
    im = r_sub(r_mul(im, c), r_mul(re, s));
    re = nr;
}

/* The butterflies of one stage of radix r of the M-point FFT (N = 2 M), its sub-transforms
   of L points joined into ones of L r, butterfly b by invocation b mod WG. Called with a
   constant r in the shaders (each stage holds its radix's butterfly only). */
FFT_FN void fft_butterflies(FFT_SH_PARAM const int r, const int L, int N, int lid, FFT_TAB co, FFT_TAB so)
{
    const int M = N >> 1, Lt = L * r, nb = M / r, step = N / Lt;
    for (int b = lid; b < nb; b += WG) {
        const int g = b / L, p = b - g * L, i0 = 2 * (g * Lt + p), d = 2 * L;
        R a0r = SH(i0), a0i = SH(i0 + 1), a1r = SH(i0 + d), a1i = SH(i0 + d + 1);
        if (p != 0) twiddle(a1r, a1i, p * step, co, so);
        if (r == 8) {
            R a2r = SH(i0 + 2 * d), a2i = SH(i0 + 2 * d + 1), a3r = SH(i0 + 3 * d), a3i = SH(i0 + 3 * d + 1);
            R a4r = SH(i0 + 4 * d), a4i = SH(i0 + 4 * d + 1), a5r = SH(i0 + 5 * d), a5i = SH(i0 + 5 * d + 1);
            R a6r = SH(i0 + 6 * d), a6i = SH(i0 + 6 * d + 1), a7r = SH(i0 + 7 * d), a7i = SH(i0 + 7 * d + 1);
            if (p != 0) {
                twiddle(a2r, a2i, 2 * p * step, co, so);
                twiddle(a3r, a3i, 3 * p * step, co, so);
                twiddle(a4r, a4i, 4 * p * step, co, so);
                twiddle(a5r, a5i, 5 * p * step, co, so);
                twiddle(a6r, a6i, 6 * p * step, co, so);
                twiddle(a7r, a7i, 7 * p * step, co, so);
            }
            /* E: the 4-point transform of a0, a2, a4, a6; O: of a1, a3, a5, a7 (the radix-4
               butterfly's sums); X[k] = E[k] + W8^k O[k], X[k + 4] = E[k] - W8^k O[k] with
               W8 = (1 - i) h, h = cos(pi / 4) = the table's cos at N / 8 */
            const R h = TCOS(N / 8);
            R t0r = r_add(a0r, a4r), t0i = r_add(a0i, a4i), t1r = r_sub(a0r, a4r), t1i = r_sub(a0i, a4i);
            R t2r = r_add(a2r, a6r), t2i = r_add(a2i, a6i), t3r = r_sub(a2r, a6r), t3i = r_sub(a2i, a6i);
            const R e0r = r_add(t0r, t2r), e0i = r_add(t0i, t2i), e2r = r_sub(t0r, t2r), e2i = r_sub(t0i, t2i);
            const R e1r = r_add(t1r, t3i), e1i = r_sub(t1i, t3r), e3r = r_sub(t1r, t3i), e3i = r_add(t1i, t3r);
            t0r = r_add(a1r, a5r), t0i = r_add(a1i, a5i), t1r = r_sub(a1r, a5r), t1i = r_sub(a1i, a5i);
            t2r = r_add(a3r, a7r), t2i = r_add(a3i, a7i), t3r = r_sub(a3r, a7r), t3i = r_sub(a3i, a7i);
            const R o0r = r_add(t0r, t2r), o0i = r_add(t0i, t2i), o2r = r_sub(t0r, t2r), o2i = r_sub(t0i, t2i);
            const R o1r = r_add(t1r, t3i), o1i = r_sub(t1i, t3r), o3r = r_sub(t1r, t3i), o3i = r_add(t1i, t3r);
            const R u1r = r_mul(h, r_add(o1r, o1i)), u1i = r_mul(h, r_sub(o1i, o1r)); /* W8 O1 */
            const R u3r = r_mul(h, r_sub(o3i, o3r)), u3i = r_mul(h, r_add(o3r, o3i)); /* W8^3 O3 = u3r - i u3i */
            SH(i0) = r_add(e0r, o0r), SH(i0 + 1) = r_add(e0i, o0i);
            SH(i0 + 4 * d) = r_sub(e0r, o0r), SH(i0 + 4 * d + 1) = r_sub(e0i, o0i);
            SH(i0 + d) = r_add(e1r, u1r), SH(i0 + d + 1) = r_add(e1i, u1i);
            SH(i0 + 5 * d) = r_sub(e1r, u1r), SH(i0 + 5 * d + 1) = r_sub(e1i, u1i);
            SH(i0 + 2 * d) = r_add(e2r, o2i), SH(i0 + 2 * d + 1) = r_sub(e2i, o2r);         /* W8^2 O2 = -i O2 */
            SH(i0 + 6 * d) = r_sub(e2r, o2i), SH(i0 + 6 * d + 1) = r_add(e2i, o2r);
            SH(i0 + 3 * d) = r_add(e3r, u3r), SH(i0 + 3 * d + 1) = r_sub(e3i, u3i);
            SH(i0 + 7 * d) = r_sub(e3r, u3r), SH(i0 + 7 * d + 1) = r_add(e3i, u3i);
        } else if (r == 2) {
            SH(i0) = r_add(a0r, a1r), SH(i0 + 1) = r_add(a0i, a1i);
            SH(i0 + d) = r_sub(a0r, a1r), SH(i0 + d + 1) = r_sub(a0i, a1i);
        } else if (r == 4) {
            R a2r = SH(i0 + 2 * d), a2i = SH(i0 + 2 * d + 1), a3r = SH(i0 + 3 * d), a3i = SH(i0 + 3 * d + 1);
            if (p != 0) {
                twiddle(a2r, a2i, 2 * p * step, co, so);
                twiddle(a3r, a3i, 3 * p * step, co, so);
            }
            const R t0r = r_add(a0r, a2r), t0i = r_add(a0i, a2i), t1r = r_sub(a0r, a2r), t1i = r_sub(a0i, a2i);
            const R t2r = r_add(a1r, a3r), t2i = r_add(a1i, a3i), t3r = r_sub(a1r, a3r), t3i = r_sub(a1i, a3i);
            SH(i0) = r_add(t0r, t2r), SH(i0 + 1) = r_add(t0i, t2i);
            SH(i0 + d) = r_add(t1r, t3i), SH(i0 + d + 1) = r_sub(t1i, t3r);         /* t1 - i t3 */
            SH(i0 + 2 * d) = r_sub(t0r, t2r), SH(i0 + 2 * d + 1) = r_sub(t0i, t2i);
            SH(i0 + 3 * d) = r_sub(t1r, t3i), SH(i0 + 3 * d + 1) = r_add(t1i, t3r); /* t1 + i t3 */
        } else if (r == 3) {
            R a2r = SH(i0 + 2 * d), a2i = SH(i0 + 2 * d + 1);
            if (p != 0) twiddle(a2r, a2i, 2 * p * step, co, so);
            const R c = TCOS(N / 3), s = TSIN(N / 3);
            const R t1r = r_add(a1r, a2r), t1i = r_add(a1i, a2i), t2r = r_sub(a1r, a2r), t2i = r_sub(a1i, a2i);
            const R br = r_add(a0r, r_mul(c, t1r)), bi = r_add(a0i, r_mul(c, t1i));
            const R er = r_mul(s, t2r), ei = r_mul(s, t2i);
            SH(i0) = r_add(a0r, t1r), SH(i0 + 1) = r_add(a0i, t1i);
            SH(i0 + d) = r_add(br, ei), SH(i0 + d + 1) = r_sub(bi, er);             /* b - i e */
            SH(i0 + 2 * d) = r_sub(br, ei), SH(i0 + 2 * d + 1) = r_add(bi, er);     /* b + i e */
        } else { /* 5 */
            R a2r = SH(i0 + 2 * d), a2i = SH(i0 + 2 * d + 1), a3r = SH(i0 + 3 * d), a3i = SH(i0 + 3 * d + 1);
            R a4r = SH(i0 + 4 * d), a4i = SH(i0 + 4 * d + 1);
            if (p != 0) {
                twiddle(a2r, a2i, 2 * p * step, co, so);
                twiddle(a3r, a3i, 3 * p * step, co, so);
                twiddle(a4r, a4i, 4 * p * step, co, so);
            }
            const int q = N / 5;
            const R c1 = TCOS(q), s1 = TSIN(q), c2 = TCOS(2 * q), s2 = TSIN(2 * q);
            const R t1r = r_add(a1r, a4r), t1i = r_add(a1i, a4i), t2r = r_add(a2r, a3r), t2i = r_add(a2i, a3i);
            const R t3r = r_sub(a1r, a4r), t3i = r_sub(a1i, a4i), t4r = r_sub(a2r, a3r), t4i = r_sub(a2i, a3i);
            const R b1r = r_add(a0r, r_add(r_mul(c1, t1r), r_mul(c2, t2r)));
            const R b1i = r_add(a0i, r_add(r_mul(c1, t1i), r_mul(c2, t2i)));
            const R b2r = r_add(a0r, r_add(r_mul(c2, t1r), r_mul(c1, t2r)));
            const R b2i = r_add(a0i, r_add(r_mul(c2, t1i), r_mul(c1, t2i)));
            const R e1r = r_add(r_mul(s1, t3r), r_mul(s2, t4r)), e1i = r_add(r_mul(s1, t3i), r_mul(s2, t4i));
            const R e2r = r_sub(r_mul(s2, t3r), r_mul(s1, t4r)), e2i = r_sub(r_mul(s2, t3i), r_mul(s1, t4i));
            SH(i0) = r_add(a0r, r_add(t1r, t2r)), SH(i0 + 1) = r_add(a0i, r_add(t1i, t2i));
            SH(i0 + d) = r_add(b1r, e1i), SH(i0 + d + 1) = r_sub(b1i, e1r);         /* b1 - i e1 */
            SH(i0 + 2 * d) = r_add(b2r, e2i), SH(i0 + 2 * d + 1) = r_sub(b2i, e2r); /* b2 - i e2 */
            SH(i0 + 3 * d) = r_sub(b2r, e2i), SH(i0 + 3 * d + 1) = r_add(b2i, e2r); /* b2 + i e2 */
            SH(i0 + 4 * d) = r_sub(b1r, e1i), SH(i0 + 4 * d + 1) = r_add(b1i, e1r); /* b1 + i e1 */
        }
    }
}

#endif
