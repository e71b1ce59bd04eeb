/*
 * base.c -- the low-level helpers every layer of the library may use: aligned memory,
 * the frame count, the per-thread failure detail. Nothing here knows a ctx.
 */
#define _POSIX_C_SOURCE 200809L
#ifndef WMEL_POSIX_ONLY /* -DWMEL_POSIX_ONLY=ON: POSIX.1-2008 alone, every fallback below */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#define _GNU_SOURCE     /* O_TMPFILE */
#endif
#include "internal.h"
#include "config.h"
#include "fe/fe.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <io.h>
#include <malloc.h>
#else
#include <unistd.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if !defined(_SC_NPROCESSORS_ONLN) && (defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
                                       defined(__OpenBSD__) || defined(__DragonFly__))
#include <sys/types.h>
#include <sys/sysctl.h>
#define WMEL_HW_NCPU 1
#endif

/* Online cores (docs/platforms.md): sysconf(_SC_NPROCESSORS_ONLN) where the C library has
 * it (glibc, musl, macOS, the BSDs outside a strict POSIX build), else sysctl's hw.ncpu
 * (macOS, the BSDs), GetActiveProcessorCount on Windows, else 1. */
int wmel__cpu_count(void)
{
#if defined(_WIN32)
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    if (n > 0) return n > 4096 ? 4096 : (int)n;
#elif defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n > 0) return n > 4096 ? 4096 : (int)n;
#elif defined(WMEL_HW_NCPU)
    int n = 0, mib[2] = {CTL_HW, HW_NCPU};
    size_t len = sizeof n;
    if (sysctl(mib, 2, &n, &len, NULL, 0) == 0 && n > 0) return n > 4096 ? 4096 : n;
#endif
    return 1;
}

/* Aligned blocks: posix_memalign, or _aligned_malloc on Windows (whose blocks only
 * _aligned_free may free). */
static void *aligned_block(size_t align, size_t bytes)
{
#if defined(_WIN32)
    return _aligned_malloc(bytes ? bytes : 64, align);
#else
    void *p = NULL;
    if (posix_memalign(&p, align, bytes ? bytes : 64) != 0) return NULL;
    return p;
#endif
}

static void aligned_block_free(void *p)
{
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

void *wmel__aligned_alloc(size_t bytes) { return aligned_block(64, bytes); }

void wmel__aligned_free(void *p) { aligned_block_free(p); }

/* wmel_alloc: big blocks on a 2 MiB boundary, so that all but their tail can be huge
 * pages (the alignment costs address space, not memory: the skipped head is never
 * touched), and Linux asked for transparent huge pages over them. Each first touch then
 * maps (and zeroes) 2 MiB instead of 4 KiB: on the Zen 3 KVM guest a fresh 100 MB memset
 * took 12 ms instead of 64 (10 MB: 0.75 against 5.5). Advice only: where THP is off or
 * absent nothing changes and nothing fails. */
void *wmel_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    const int big = bytes >= 2 * huge;
    void *p = aligned_block(big ? huge : 64, bytes);
    if (!p) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (big) (void)madvise(p, bytes & ~(huge - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void wmel_free(void *p) { aligned_block_free(p); }

/* Worker t of nt maps its share of an output it is about to write: [p, p + bytes) cut at
 * 2 MiB boundaries into nt shares, share t's whole pages prefaulted writable (Linux's
 * MADV_POPULATE_WRITE). Fresh memory is mapped and zeroed on its first write; when the
 * workers' frames write all over the output (a columns x frames layout writes every row
 * from every chunk), they fault the same pages and the mapping runs on one core at a time
 * (600 s of a 201-bin spectrogram on two threads: 3.6 ms of 14). Shares by address make
 * each worker map its own. Pages already mapped cost a walk of their tables; where the
 * call is unknown (Linux before 5.14, other systems) nothing happens. */
void wmel__populate_share(void *p, size_t bytes, int t, int nt)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    const uintptr_t huge = (uintptr_t)2 << 20, a = (uintptr_t)p, e = a + bytes;
    if (nt < 2 || bytes < 2 * huge) return;
    const uintptr_t h0 = (a + huge - 1) & ~(huge - 1), h1 = e & ~(huge - 1);
    const uintptr_t nh = h1 > h0 ? (h1 - h0) / huge : 0; /* whole 2 MiB blocks */
    /* share t: blocks [nh t / nt, nh (t + 1) / nt); the head before h0 goes to the first,
       the tail after h1 to the last */
    uintptr_t s = h0 + huge * (nh * (uintptr_t)t / (uintptr_t)nt);
    uintptr_t f = h0 + huge * (nh * (uintptr_t)(t + 1) / (uintptr_t)nt);
    if (t == 0) s = a;
    if (t == nt - 1) f = e;
    const uintptr_t pg = 4096, ps = (s + pg - 1) & ~(pg - 1), pf = f & ~(pg - 1);
    if (pf > ps) (void)madvise((void *)ps, pf - ps, MADV_POPULATE_WRITE);
#else
    (void)p, (void)bytes, (void)t, (void)nt;
#endif
}

size_t wmel_n_frames(size_t n_samples, size_t padding)
{
    if (padding > SIZE_MAX - n_samples) return SIZE_MAX / WMEL_HOP;
    return (n_samples + padding) / WMEL_HOP;
}

static _Thread_local char g_detail[512];

wmel_numstr wmel__num(double v)
{
    wmel_numstr r;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(r.s, sizeof r.s, "%.*g", prec, v);
        if (!isfinite(v) || strtod(r.s, NULL) == v) break;
    }
    return r;
}

int wmel__detail(const char *msg)
{
    snprintf(g_detail, sizeof g_detail, "%s", msg);
    return WMEL_ERR_CUDA;
}

const char *wmel__detail_get(void) { return g_detail; }

/* Scratch files go to $TMPDIR (POSIX's variable for it), else /tmp; glibc's tmpfile()
 * knows only /tmp, so a user with a small /tmp could not move the spill elsewhere. */
const char *wmel__tmpdir(void)
{
    const char *d = wmel__env(WMEL__CFG_TMPDIR);
#if defined(_WIN32)
    if (!(d && *d)) d = wmel__env(WMEL__CFG_TEMP);
    return d && *d ? d : ".";
#else
    return d && *d ? d : "/tmp";
#endif
}

#if defined(_WIN32)
/* Windows: a file in the temporary folder ($TMPDIR, else GetTempPathW's, UTF-8 names
 * through UTF-16), opened FILE_FLAG_DELETE_ON_CLOSE: the system removes it when the last
 * handle closes, the process's end included. */
FILE *wmel__tmpfile(void)
{
    wchar_t dir[MAX_PATH + 1], path[MAX_PATH + 1];
    const char *env = wmel__env(WMEL__CFG_TMPDIR);
    if (env && *env) {
        if (!MultiByteToWideChar(CP_UTF8, 0, env, -1, dir, MAX_PATH)) {
            errno = ENAMETOOLONG;
            return NULL;
        }
    } else if (!GetTempPathW(MAX_PATH, dir)) {
        errno = ENOENT;
        return NULL;
    }
    if (!GetTempFileNameW(dir, L"wml", 0, path)) {
        errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : ENOENT;
        return NULL;
    }
    HANDLE h = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DeleteFileW(path);
        errno = EACCES;
        return NULL;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        return NULL;
    }
    FILE *f = _fdopen(fd, "w+b");
    if (!f) _close(fd);
    return f;
}
#else
FILE *wmel__tmpfile(void)
{
    int fd = -1;
#ifdef O_TMPFILE
    /* no name ever exists, so not even SIGKILL leaves one behind (Linux; where the file
       system has no O_TMPFILE, a named file unlinked at once below) */
    fd = open(wmel__tmpdir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return NULL;
#endif
    if (fd >= 0) {
        FILE *f = fdopen(fd, "w+b");
        if (!f) {
            int e = errno;
            close(fd);
            errno = e;
        }
        return f;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/wmel-XXXXXX", wmel__tmpdir()) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path); /* anonymous from here on: nothing is left behind whatever happens */
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
#endif

/* fopen with a UTF-8 name: on Windows through UTF-16 (_wfopen), which the C library's
 * fopen (the ANSI code page) would not read as UTF-8. */
FILE *wmel__fopen(const char *path, const char *mode)
{
#if defined(_WIN32)
    wchar_t wp[32768], wm[16];
    if (!MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wp, 32768) ||
        !MultiByteToWideChar(CP_UTF8, 0, mode, -1, wm, 16)) {
        errno = ENOENT;
        return NULL;
    }
    return _wfopen(wp, wm);
#else
    return fopen(path, mode);
#endif
}

/* 1 when the magnitude bits of every x are at most lim: their integer order is the
 * values' (Inf and NaN lie above every finite bound). Integer operations in blocks, which
 * the compiler vectorises, where a float test per sample is not. */
int wmel__all_abs_bits_le(const float *x, size_t n, uint32_t lim)
{
    const size_t B = 1024;
    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t e = n - i0 < B ? n - i0 : B;
        uint32_t over = 0;
        for (size_t i = 0; i < e; i++) {
            uint32_t u;
            memcpy(&u, x + i0 + i, sizeof u);
            over |= (uint32_t)((u & 0x7fffffffu) > lim);
        }
        if (over) return 0;
    }
    return 1;
}

/* 1 when every |x| is within WMEL_F32_KERNEL_SAFE. */
int wmel__all_f32_kernel_safe(const float *x, size_t n)
{
    const float bound = WMEL_F32_KERNEL_SAFE;
    uint32_t lim;
    memcpy(&lim, &bound, sizeof lim);
    return wmel__all_abs_bits_le(x, n, lim);
}

/* 1 when no sample is NaN or Inf: every magnitude at most FLT_MAX (0x7f7fffff). */
int wmel__all_finite(const float *x, size_t n) { return wmel__all_abs_bits_le(x, n, 0x7f7fffffu); }

/* The bound, from bounds the tables give: a windowed sample is at most 4 (1 + |preemph|)
 * max|window| |scale| |x| (DC removal doubles it, pre-emphasis adds |preemph| of a
 * neighbour; 4 for margin), a bin (every FFT stage's partial sums too, 2 X before the
 * quarter) at most 2 fl times that, a power its square, a mel sum at most max(1, the
 * largest row sum of weights) times the largest power. A frame's energy before the window
 * (Kaldi's raw energy), at most fl (2 (1 + |preemph|) |scale| |x|)^2, is inside it for any
 * window whose largest value is above 1 / (4 sqrt(fl)) (every window kind's); the second
 * bound holds it for any other. Float-float's products stay exact up to float's top
 * (arith_ff.cuh's fma, arith_ff.glsl's split scaled above 2^100), its log takes any finite
 * value; 2^124 leaves a sum of a few such values room. The presets' limits are 7.75e9
 * (Kaldi's and the others' scale of 32768) to 1.44e15 (Whisper's geometry), 4.1e13 the
 * lowest of scale 1 (pop2piano's): samples of |x| <= 1 are at least 2^32 inside. */
double wmel__ff_limit(const double *window, int fl, const double *mel_w, const int *mel_off, const int *mel_len,
                      int n_mels, double preemph, double scale)
{
    double wmax = 0.0, smax = 1.0;
    for (int j = 0; j < fl; j++) wmax = fmax(wmax, fabs(window[j]));
    for (int m = 0; m < n_mels; m++) {
        double r = 0.0;
        for (int i = 0; i < mel_len[m]; i++) r += fabs(mel_w[mel_off[m] + i]);
        smax = fmax(smax, r);
    }
    const double gain = 8.0 * (double)fl * (1.0 + fabs(preemph)) * wmax * fabs(scale);
    const double egain = 2.0 * sqrt((double)fl) * (1.0 + fabs(preemph)) * fabs(scale);
    double lim = (double)FLT_MAX;
    if (gain > 0.0) lim = fmin(lim, ldexp(1.0, 62) / (gain * sqrt(smax)));
    if (egain > 0.0) lim = fmin(lim, ldexp(1.0, 62) / egain);
    return lim;
}

uint32_t wmel__ff_limit_bits(const double *window, int fl, const double *mel_w, const int *mel_off,
                             const int *mel_len, int n_mels, double preemph, double scale)
{
    const float lim = (float)wmel__ff_limit(window, fl, mel_w, mel_off, mel_len, n_mels, preemph, scale);
    uint32_t u;
    memcpy(&u, &lim, sizeof u);
    return u;
}

/* ---------------------------------------------------------------- messages */

const char *wmel_strerror(int status)
{
    switch (status) {
    case WMEL_OK: return "success";
    case WMEL_ERR_INVALID_ARG: return "invalid argument: a parameter is outside its allowed range (see wmel.h)";
    case WMEL_ERR_NULL_POINTER: return "a required pointer argument is NULL";
    case WMEL_ERR_NO_MEMORY: return "out of memory";
    case WMEL_ERR_BUFFER_TOO_SMALL: return "output buffer too small: size it with wmel_n_frames() * n_mels";
    case WMEL_ERR_TOO_SHORT: return "input too short for reflect padding: samples + padding must exceed n_fft/2 (200 for Whisper, 256 for NeMo legacy)";
    case WMEL_ERR_BACKEND_UNAVAILABLE: return "the requested backend is not available (not built in, or no usable CUDA or Vulkan device; wmel_vulkan_error_detail() says why for Vulkan)";
    case WMEL_ERR_NOT_FINITE: return "the input contains NaN or infinite samples";
    case WMEL_ERR_IO: return "input/output error: the file could not be opened, read or written";
    case WMEL_ERR_FORMAT: return "unrecognised data: not an audio format wmel can read";
    case WMEL_ERR_UNSUPPORTED: return "unsupported audio: a valid file whose codec, sample format, channel layout or rate this build does not decode (the loader's message names which; a build with FFmpeg reads more formats)";
    case WMEL_ERR_CORRUPT: return "the file is damaged and cannot be decoded";
    case WMEL_ERR_NO_SAMPLES: return "the input holds no audio samples";
    case WMEL_ERR_THREAD: return "could not start a worker thread";
    case WMEL_ERR_CUDA: return "the CUDA runtime reported an error";
    case WMEL_ERR_OVERFLOW: return "the input is too large: a size computation would overflow";
    case WMEL_ERR_DECODER: return "the audio decoder reported an error";
    case WMEL_ERR_NOT_BUILT: return "this feature was not built into this copy of libwmel";
    case WMEL_ERR_WEIGHTS: return "the weights file is malformed or its tensors do not fit the model";
    case WMEL_ERR_SAMPLE_RANGE: return "values past float32's range: samples above about 1e17 overflow the float32 power spectrum, or the plan's post_scale or per-column (CMVN) scale carries a feature past 3.4e38 (audio samples are normally within [-1, 1]; scale the input or lower the scale)";
    case WMEL_ERR_INTERRUPTED: return "interrupted: the caller asked to stop (a time limit, Ctrl-C)";
    case WMEL_ERR_VULKAN: return "the Vulkan driver reported an error (see wmel_vulkan_error_detail())";
    default: return "unknown wmel status code";
    }
}

/* A failed check: the sentence into msg (when given), WMEL_ERR_INVALID_ARG returned. The
 * sentence stays one line whatever it quotes: a control character from the caller's text (a
 * JSON string's decoded "\n", a tab) shows as '?'. */
int wmel__fe_bad(char *msg, size_t len, const char *fmt, ...)
{
    if (msg && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
        for (char *c = msg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    }
    return WMEL_ERR_INVALID_ARG;
}
