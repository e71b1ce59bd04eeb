/*
 * consumer.c -- a tiny C program built against an installed wmel (test_install.sh), the
 * way a user's program is: <wmel.h> from the install prefix, linked through pkg-config or
 * find_package(wmel). One second of a 440 Hz tone through wmel_log_mel().
 */
#include <wmel.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    if (strncmp(wmel_version(), WMEL_VERSION_STRING, strlen(WMEL_VERSION_STRING)) != 0) {
        fprintf(stderr, "header %s, library %s\n", WMEL_VERSION_STRING, wmel_version());
        return 1;
    }
    enum { N = 16000 };
    static float pcm[N];
    for (int i = 0; i < N; i++) pcm[i] = 0.5f * (float)sin(2.0 * 3.14159265358979 * 440.0 * i / 16000.0);
    wmel_params p = wmel_default_params();
    p.n_threads = 1;
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        fprintf(stderr, "wmel_create: %s\n", wmel_strerror(st));
        return 1;
    }
    size_t nf = wmel_n_frames(N, 0);
    float *mel = malloc(sizeof(float) * 80 * nf);
    st = mel ? wmel_log_mel(ctx, pcm, N, 0, mel, 80 * nf) : WMEL_ERR_NO_MEMORY;
    if (st != WMEL_OK) {
        fprintf(stderr, "wmel_log_mel: %s\n", wmel_strerror(st));
        return 1;
    }
    /* normalised output: max 1.5 at most ((max + 4) / 4 with log10 power <= 2), floor max - 2 */
    float lo = mel[0], hi = mel[0];
    for (size_t i = 0; i < 80 * nf; i++) {
        lo = mel[i] < lo ? mel[i] : lo;
        hi = mel[i] > hi ? mel[i] : hi;
    }
    printf("wmel %s: (80, %zu) on %s, range [%.3f, %.3f]\n", wmel_version(), nf,
           wmel_backend_name(ctx), lo, hi);
    free(mel);
    wmel_destroy(ctx);
    return nf == 100 && hi - lo <= 2.0f + 1e-6f && hi > lo ? 0 : 1;
}
