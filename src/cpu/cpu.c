/*
 * cpu.c -- the CPU's instruction-set level, decided in one place: what the processor
 * runs (detected once), capped by params.max_isa and the WMEL_MAX_ISA environment
 * variable (c|scalar|avx2|avx512|neon|simd128, parsed here only), and the log-Mel kernel table
 * for a level (the CPU backend's table, its stages on these kernels: backend_cpu.c). The
 * stem's GELU and GEMM pick their kernels from the same level (libopus's
 * arch tables: chosen once, hot loops never test features).
 *
 * Levels are ordered within one family: x86 C < AVX2 < AVX-512, AArch64 C < NEON
 * (Advanced SIMD is part of the AArch64 base architecture: always there), WebAssembly C <
 * SIMD128 (the build's: a module compiled with -msimd128 runs only where SIMD128 is, and
 * WebAssembly has no feature test). A cap from the other family than the CPU's leaves the
 * only level the two share, C.
 */
#include "internal.h"
#include "config.h"
#include "fe/fe.h"
#include "stem/gemm.h"
#include "stem/stem_internal.h"

#include <stdlib.h>
#include <string.h>

int wmel__cpu_isa(void)
{
    static int level; /* 0 until detected; the answer never changes */
    int l = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (l) return l;
    l = WMEL_ISA_C;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        l = WMEL_ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        l = WMEL_ISA_AVX2;
#elif defined(__aarch64__) && defined(__ARM_NEON)
    l = WMEL_ISA_NEON;
#elif defined(__wasm_simd128__)
    l = WMEL_ISA_WASM_SIMD128;
#endif
    __atomic_store_n(&level, l, __ATOMIC_RELAXED);
    return l;
}

/* WMEL_MAX_ISA (config.h: read once; a test changes it with WMEL__TC_ENV_RELOAD);
 * unknown values are ignored rather than fatal. */
static int isa_from_env(void)
{
    const char *e = wmel__env(WMEL__CFG_MAX_ISA);
    if (!e || !*e) return WMEL_ISA_AUTO;
    if (!strcmp(e, "c") || !strcmp(e, "scalar")) return WMEL_ISA_C;
    if (!strcmp(e, "avx2")) return WMEL_ISA_AVX2;
    if (!strcmp(e, "avx512")) return WMEL_ISA_AVX512;
    if (!strcmp(e, "neon")) return WMEL_ISA_NEON;
    if (!strcmp(e, "simd128") || !strcmp(e, "wasm-simd128")) return WMEL_ISA_WASM_SIMD128;
    return WMEL_ISA_AUTO;
}

/* a level's family above C: 0 x86, 1 AArch64, 2 WebAssembly */
static int isa_family(int level)
{
    return level == WMEL_ISA_NEON ? 1 : level == WMEL_ISA_WASM_SIMD128 ? 2 : 0;
}

/* level capped at cap (AUTO: none): the lower of the two within a family, C across */
static int isa_cap(int level, int cap)
{
    if (cap == WMEL_ISA_AUTO || level == WMEL_ISA_C) return level;
    if (cap == WMEL_ISA_C || isa_family(cap) != isa_family(level)) return WMEL_ISA_C;
    return cap < level ? cap : level;
}

int wmel__isa_level(int max_isa)
{
    return isa_cap(isa_cap(wmel__cpu_isa(), max_isa), isa_from_env());
}

/* The general front-end kernel's level (src/fe: float64 lanes). Where the CPU has AVX-512
 * and nobody asked for it by name (params.max_isa or WMEL_MAX_ISA), AUTO takes AVX2: its
 * four-lane kernel is the faster one on the AVX-512 machines measured (docs/performance.md:
 * Intel Xeon, AMD Zen 4), while Whisper's float32 kernel is faster at AVX-512 there and
 * keeps it. Both kernels are held to the same float64 reference at every level. */
int wmel__fe_isa_level(int max_isa)
{
    const int l = wmel__isa_level(max_isa);
    if (l == WMEL_ISA_AVX512 && max_isa != WMEL_ISA_AVX512 && isa_from_env() != WMEL_ISA_AVX512)
        return WMEL_ISA_AVX2;
    return l;
}

/* The kernels of one level, every family from one ladder: the level's own where this build
 * has it (its file in cpu/x86/ or cpu/arm/ compiled with that level's flags, CMake's
 * wmel_isa_sources; cpu/wasm/ in a build with -msimd128), else the next level down, else
 * the portable C one. */
void wmel__isa_kernels(int level, wmel_isa_kernels *k)
{
    memset(k, 0, sizeof *k);
    k->level = level;
    if (level == WMEL_ISA_NEON) {
        k->mel = wmel__kernel_neon();
        k->fe = wmel__fe_kernel_neon();
    } else if (level == WMEL_ISA_WASM_SIMD128) {
        k->mel = wmel__kernel_simd128();
        k->fe = wmel__fe_kernel_simd128();
    }
    if (isa_family(level) == 0 && level >= WMEL_ISA_AVX512) {
        k->mel = wmel__kernel_avx512();
        k->fe = wmel__fe_kernel_avx512();
        k->gemm = wmel__gemm_kernel_avx512();
        k->gelu = wmel__gelu_kernel_avx512();
    }
    if (isa_family(level) == 0 && level >= WMEL_ISA_AVX2) {
        if (!k->mel) k->mel = wmel__kernel_avx2();
        if (!k->fe) k->fe = wmel__fe_kernel_avx2();
        if (!k->gemm) k->gemm = wmel__gemm_kernel_avx2();
        if (!k->gelu) k->gelu = wmel__gelu_kernel_avx2();
    }
    if (!k->mel) k->mel = wmel__kernel_c();
    if (!k->fe) k->fe = wmel__fe_kernel_c();
    if (!k->gemm) k->gemm = wmel__gemm_kernel_c();
    if (!k->gelu) k->gelu = wmel__gelu_kernel_c();
}

const wmel_kernel *wmel__kernel_for(int level)
{
    wmel_isa_kernels k;
    wmel__isa_kernels(level, &k);
    return k.mel;
}

const wmel_fe_kernel *wmel__fe_kernel_for(int level)
{
    wmel_isa_kernels k;
    wmel__isa_kernels(level, &k);
    return k.fe;
}

const wmel_gelu_kernel *wmel__gelu_for(int level)
{
    wmel_isa_kernels k;
    wmel__isa_kernels(level, &k);
    return k.gelu;
}

const wmel_gelu_kernel *wmel__gelu_pick(void) { return wmel__gelu_for(wmel__isa_level(WMEL_ISA_AUTO)); }
