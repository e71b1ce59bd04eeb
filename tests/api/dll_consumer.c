/* dll_consumer.c -- a program linked with libwmel.dll through its import library (Windows
 * builds, test_dll): the public functions are exported and work, the library's internal
 * ones are not exported, and the DLL's features equal the static library's. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wmel.h"

int main(void)
{
    int fails = 0, st = 0;
    HMODULE dll = GetModuleHandleW(L"libwmel.dll");
    if (!dll) {
        printf("FAIL: libwmel.dll is not loaded (linked statically?)\n");
        return 1;
    }
    if (!GetProcAddress(dll, "wmel_create") || !GetProcAddress(dll, "wmel_log_mel")) {
        printf("FAIL: the public functions are not exported\n");
        fails++;
    }
    if (GetProcAddress(dll, "wmel__cpu_count") || GetProcAddress(dll, "wmel__aligned_alloc")) {
        printf("FAIL: internal functions (wmel__*) are exported\n");
        fails++;
    }
    wmel_params p = wmel_default_params();
    p.n_threads = 2;
    wmel_ctx *c = wmel_create(&p, &st);
    if (!c) {
        printf("FAIL: wmel_create: %d\n", st);
        return 1;
    }
    const size_t n = 16000;
    float *x = malloc(n * sizeof *x), *out = NULL;
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * sin(0.0628 * (double)i));
    size_t frames = wmel_n_frames(n, 0), len = frames * 80;
    out = malloc(len * sizeof *out);
    if (frames != 100) printf("FAIL: wmel_n_frames(16000, 0) = %zu, want 100\n", frames), fails++;
    st = wmel_log_mel(c, x, n, 0, out, len);
    if (st != WMEL_OK) printf("FAIL: wmel_log_mel: %d\n", st), fails++;
    for (size_t i = 0; st == WMEL_OK && i < len; i++)
        if (!isfinite(out[i]) || out[i] > 1.5f || out[i] < -1.5f) {
            printf("FAIL: out[%zu] = %g outside Whisper's range\n", i, (double)out[i]);
            fails++;
            break;
        }
    wmel_destroy(c);
    free(x);
    free(out);
    printf("dll_consumer: %s\n", fails ? "failed" : "libwmel.dll exports the public API only and computes");
    return fails ? 1 : 0;
}
