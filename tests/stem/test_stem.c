/* test_stem.c -- the Whisper encoder stem against the goldens (stem_out_f32 from
 * stem_tiny_f32.safetensors: max abs 1e-4; stem_out_f16w from the F16 file: 1e-3; both on
 * the golden mel80_30s of speech_en.wav), on every GEMM path;
 * a stem without embed_positions (sinusoids) at another geometry against conv1d + GELU
 * computed here in double; and malformed safetensors files: each must give
 * WMEL_ERR_WEIGHTS with a message, never a crash or an over-read (ASan watches). */
#define _GNU_SOURCE /* mkstemp, setenv */
#include "stem/stem_internal.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A safetensors image: header JSON + data bytes (the data is zeros plus a pattern). */
static unsigned char *make_st(const char *json, size_t data_len, size_t *n)
{
    size_t hl = strlen(json);
    *n = 8 + hl + data_len;
    unsigned char *b = calloc(1, *n);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, json, hl);
    for (size_t i = 0; i < data_len; i++) b[8 + hl + i] = (unsigned char)(i * 7);
    return b;
}

static void expect_bad(const void *img, size_t n, int want, const char *what)
{
    char err[512] = "";
    int st = 12345;
    /* copy into an exact-size buffer so ASan catches any read past the end */
    unsigned char *copy = malloc(n ? n : 1);
    memcpy(copy, img, n);
    wmel_stem *s = wmel_stem_load_memory(copy, n, "bad.safetensors", 1, &st, err, sizeof err);
    CHECK(s == NULL && st == want, "%s: expected status %d, got %d (%s)", what, want, st, err);
    CHECK(strstr(err, "bad.safetensors") != NULL, "%s: message does not name the file: '%s'", what, err);
    wmel_stem_free(s);
    free(copy);
}

static void malformed(void)
{
    size_t n, fn;
    unsigned char *good = t_read_file(t_golden("ref/stem_tiny_f16.safetensors"), &fn);
    /* truncated anywhere: inside the length, inside the header, inside the data */
    size_t cuts[] = {0, 3, 7, 8, 9, 100, 479, 480, 481, 1000, fn / 2, fn - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "truncated at %zu", cuts[i]);
        expect_bad(good, cuts[i], WMEL_ERR_WEIGHTS, what);
    }
    /* huge header length */
    unsigned char *b = malloc(fn);
    memcpy(b, good, fn);
    b[7] = 0x7f;
    expect_bad(b, fn, WMEL_ERR_WEIGHTS, "huge header length");
    memcpy(b, good, fn);
    b[0] = 0xff, b[1] = 0xff, b[2] = 0x00, b[3] = 0x06; /* 100 MB < len, > file */
    expect_bad(b, fn, WMEL_ERR_WEIGHTS, "header length past the end");
    /* JSON broken inside an otherwise good file */
    memcpy(b, good, fn);
    b[8 + 20] = '{';
    expect_bad(b, fn, WMEL_ERR_WEIGHTS, "bad JSON in the file");
    free(b);
    free(good);

    const struct {
        const char *json;
        size_t data;
        const char *what;
    } cases[] = {
        {"{\"a\": ", 0, "bad JSON"},
        {"[1, 2]", 0, "header not an object"},
        {"{\"a\": 5}", 0, "entry not an object"},
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 1, 3], \"data_offsets\": [0, 24]}}", 16, "offsets past the end"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, "overlapping offsets"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8, "shape/size mismatch"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8, "begin > end"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8, "negative dim"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", 8, "fractional dim"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 8]}}", 8, "overflowing shape"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 1e300]}}", 8, "huge offset"},
        {"{\"x\": {\"dtype\": \"F33\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "unknown dtype"},
        {"{\"x\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "no dtype"},
        {"{\"x\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}", 8, "no shape"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8, "no offsets"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", 8, "one offset"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "duplicate name"},
        {"{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "no conv1 (valid file, wrong content)"},
        /* valid headers, wrong stem content */
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"I32\", \"shape\": [2, 1, 3], \"data_offsets\": [0, 24]}}", 24, "wrong dtype"},
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 1, 3], \"data_offsets\": [0, 24]}}", 24, "conv1.bias missing"},
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 1, 5], \"data_offsets\": [0, 40]}}", 40, "kernel 5"},
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [4, 2, 3], \"data_offsets\": [0, 96]},"
         "\"model.encoder.conv1.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [96, 112]},"
         "\"model.encoder.conv2.weight\": {\"dtype\": \"F32\", \"shape\": [4, 2, 3], \"data_offsets\": [112, 208]},"
         "\"model.encoder.conv2.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [208, 224]}}", 224, "conv2 shape does not fit conv1"},
        {"{\"model.encoder.conv1.weight\": {\"dtype\": \"F32\", \"shape\": [4, 2, 3], \"data_offsets\": [0, 96]},"
         "\"model.encoder.conv1.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [96, 112]},"
         "\"model.encoder.conv2.weight\": {\"dtype\": \"F32\", \"shape\": [4, 4, 3], \"data_offsets\": [112, 304]},"
         "\"model.encoder.conv2.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [304, 320]},"
         "\"model.encoder.embed_positions.weight\": {\"dtype\": \"F32\", \"shape\": [1, 4], \"data_offsets\": [320, 336]}}", 336, "positions shape"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *img = make_st(cases[i].json, cases[i].data, &n);
        expect_bad(img, n, WMEL_ERR_WEIGHTS, cases[i].what);
        free(img);
    }
    /* an empty header (no qsort(NULL, 0), which is undefined behaviour: UBSan checks)
       and one with only metadata: valid files without conv1 */
    {
        const char *empties[] = {"{}", "{\"__metadata__\": {}}", "{\"__metadata__\": {\"a\": \"b\"}}"};
        for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
            unsigned char *img = make_st(empties[i], 0, &n);
            expect_bad(img, n, WMEL_ERR_WEIGHTS, empties[i]);
            free(img);
        }
    }
    /* duplicates and overlaps are found after a sort, not pairwise (pairwise, 160,000 empty
       tensors take 46 s). 300,000 (a 14 MB header, far below the 100 MB cap) must be
       refused in seconds; sorted, it takes ~0.3 s here under ASan. The duplicate is
       the last entry, so every name is compared. */
    {
        const size_t count = 300000;
        size_t cap = count * 96 + 256, len = 0;
        char *json = malloc(cap);
        len += (size_t)snprintf(json + len, cap - len, "{");
        for (size_t i = 0; i < count; i++)
            len += (size_t)snprintf(json + len, cap - len,
                                    "\"t%zu\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}, ", i);
        snprintf(json + len, cap - len, "\"t7\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}");
        unsigned char *img = make_st(json, 0, &n);
        double t0 = now_s();
        char err[512] = "";
        int st = 0;
        wmel_stem *s = wmel_stem_load_memory(img, n, "many", 1, &st, err, sizeof err);
        double dt = now_s() - t0;
        CHECK(!s && st == WMEL_ERR_WEIGHTS && strstr(err, "'t7' appears twice"),
              "300,000 empty tensors and a duplicate: status %d, '%s'", st, err);
        CHECK(dt < 20.0, "300,000 empty tensors took %.1f s (a quadratic check is back?)", dt);
        printf("300,000 tensors refused in %.2f s\n", dt);
        wmel_stem_free(s);
        free(img);
        /* the same without the duplicate: a routine "no conv1" error, as fast */
        snprintf(json + len - 2, cap - len + 2, "}");
        img = make_st(json, 0, &n);
        t0 = now_s();
        s = wmel_stem_load_memory(img, n, "many", 1, &st, err, sizeof err);
        dt = now_s() - t0;
        CHECK(!s && st == WMEL_ERR_WEIGHTS && dt < 20.0, "300,000 empty tensors: status %d in %.1f s (%s)", st, dt, err);
        wmel_stem_free(s);
        free(img);
        free(json);
    }
    /* a tensor name with control characters and 300 bytes: the message stays one line
       of printable text (tests/fuzz/fuzz_safetensors exercises this too) */
    {
        char json[1024];
        char name[301];
        memset(name, 'x', 300);
        name[300] = 0;
        memcpy(name, "bad\\nname\\u001b[31m", 19);
        snprintf(json, sizeof json, "{\"%s\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", name);
        unsigned char *img = make_st(json, 8, &n);
        char err[512] = "";
        int st = 0;
        wmel_stem *s = wmel_stem_load_memory(img, n, "ctl", 1, &st, err, sizeof err);
        int clean = 1;
        for (const char *c = err; *c; c++) clean &= (unsigned char)*c >= 0x20 && *c != 0x7f;
        CHECK(!s && st == WMEL_ERR_WEIGHTS && clean && strlen(err) < 200 && strstr(err, "bad?name?[31m"),
              "control characters in a tensor name: '%s'", err);
        wmel_stem_free(s);
        free(img);
    }
    /* the file path too: missing file, truncated file */
    char err[512];
    int st;
    CHECK(!wmel_stem_load("/nonexistent/x.safetensors", 0, &st, err, sizeof err) && st == WMEL_ERR_IO,
          "missing file: %d", st);
    char tmp[] = "/tmp/wmel_stem_XXXXXX";
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        unsigned char *img = make_st("{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 16, &n);
        CHECK(write(fd, img, n - 5) == (ssize_t)(n - 5), "write");
        close(fd);
        wmel_stem *s = wmel_stem_load(tmp, 0, &st, err, sizeof err);
        CHECK(!s && st == WMEL_ERR_WEIGHTS && strstr(err, tmp), "truncated file: %d '%s'", st, err);
        remove(tmp);
        free(img);
    }
}

static void goldens(const char *label)
{
    wmel_npy a_mel;
    double *mel_d = t_load_npy("ref/speech_en_wav.mel80_30s.npy", &a_mel);
    double *g32 = t_load_stem_golden("ref/speech_en_wav.stem_out_f32.npy");
    double *g16 = t_load_stem_golden("ref/speech_en_wav.stem_out_f16w.npy");
    CHECK(a_mel.count == 80 * 3000, "golden shapes");
    float *mel = malloc(a_mel.count * sizeof(float));
    for (size_t i = 0; i < a_mel.count; i++) mel[i] = (float)mel_d[i];
    float *out = malloc(2 * 1500 * 384 * sizeof(float));
    const char *files[2] = {"ref/stem_tiny_f32.safetensors", "ref/stem_tiny_f16.safetensors"};
    const double *want[2] = {g32, g16};
    const double tol[2] = {1e-4, 1e-3};
    for (int f = 0; f < 2; f++) {
        char err[512];
        int st;
        wmel_stem *s = wmel_stem_load(t_golden(files[f]), 0, &st, err, sizeof err);
        CHECK(s && st == WMEL_OK, "load %s: %s", files[f], err);
        if (!s) continue;
        CHECK(wmel_stem_n_mels(s) == 80 && wmel_stem_d_model(s) == 384 && wmel_stem_file_positions(s),
              "geometry");
        /* two windows at once: the second must equal the first */
        float *mel2 = malloc(2 * a_mel.count * sizeof(float));
        memcpy(mel2, mel, a_mel.count * sizeof(float));
        memcpy(mel2 + a_mel.count, mel, a_mel.count * sizeof(float));
        CHECK(wmel_stem_forward(s, mel2, 2, out, 2 * 1500 * 384 - 1) == WMEL_ERR_BUFFER_TOO_SMALL, "small out");
        /* mel and out must not overlap (wmel.h): refused before any work */
        CHECK(wmel_stem_forward(s, mel2, 1, mel2 + a_mel.count - 1, 1500 * 384) == WMEL_ERR_INVALID_ARG,
              "out overlaps mel");
        st = wmel_stem_forward(s, mel2, 2, out, 2 * 1500 * 384);
        CHECK(st == WMEL_OK, "forward: %s", wmel_strerror(st));
        double e = t_max_abs_diff_fd(out, want[f], 1500 * 384);
        double e2 = t_max_abs_diff_ff(out, out + 1500 * 384, 1500 * 384);
        printf("%s %s (%s): max abs err %.3g vs golden (limit %.0e)\n", label, files[f],
               wmel_stem_gemm_name(s), e, tol[f]);
        CHECK(e <= tol[f], "%s %s: max abs err %g > %g", label, files[f], e, tol[f]);
        CHECK(e2 == 0.0, "window 2 differs from window 1 by %g", e2);
        /* the same bytes from memory */
        if (f == 0) {
            size_t n;
            unsigned char *img = t_read_file(t_golden(files[f]), &n);
            wmel_stem *m = wmel_stem_load_memory(img, n, NULL, 1, &st, err, sizeof err);
            CHECK(m && st == WMEL_OK, "load from memory: %s", err);
            if (m) {
                CHECK(wmel_stem_forward(m, mel, 1, out + 1500 * 384, 1500 * 384) == WMEL_OK, "fwd");
                double e3 = t_max_abs_diff_ff(out, out + 1500 * 384, 1500 * 384);
                CHECK(e3 == 0.0, "memory load differs by %g", e3);
            }
            wmel_stem_free(m);
            free(img);
        }
        free(mel2);
        wmel_stem_free(s);
    }
    free(mel);
    free(out);
    free(mel_d);
    free(g32);
    free(g16);
    wmel__npy_free(&a_mel);
}

static double gelu_d(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

/* n_mels 6, d 10, BF16 weights, no positions, "encoder." prefix: against conv1d + GELU +
 * sinusoids done here in double. */
static void no_positions(void)
{
    enum { NM = 6, D = 10 };
    const size_t n1 = D * NM * 3, n2 = D * D * 3;
    char json[1024];
    size_t o1 = n1 * 2, o2 = o1 + D * 2, o3 = o2 + n2 * 2, o4 = o3 + D * 2;
    snprintf(json, sizeof json,
             "{\"__metadata__\": {\"format\": \"pt\"},"
             "\"encoder.conv1.weight\": {\"dtype\": \"BF16\", \"shape\": [%d, %d, 3], \"data_offsets\": [0, %zu]},"
             "\"encoder.conv1.bias\": {\"dtype\": \"BF16\", \"shape\": [%d], \"data_offsets\": [%zu, %zu]},"
             "\"encoder.conv2.weight\": {\"dtype\": \"BF16\", \"shape\": [%d, %d, 3], \"data_offsets\": [%zu, %zu]},"
             "\"encoder.conv2.bias\": {\"dtype\": \"BF16\", \"shape\": [%d], \"data_offsets\": [%zu, %zu]}}",
             D, NM, o1, D, o1, o2, D, D, o2, o3, D, o3, o4);
    size_t n;
    unsigned char *img = make_st(json, o4, &n);
    size_t hl = strlen(json);
    uint16_t *w = malloc(o4);
    for (size_t i = 0; i < o4 / 2; i++) /* bf16 values in [-0.5, 0.5) */
        w[i] = (uint16_t)(0x3e00u + (i * 37) % 0x100u) | (uint16_t)(i % 3 == 0 ? 0x8000u : 0);
    memcpy(img + 8 + hl, w, o4);
    char err[512];
    int st;
    wmel_stem *s = wmel_stem_load_memory(img, n, "small", 2, &st, err, sizeof err);
    CHECK(s && st == WMEL_OK, "small stem: %s", err);
    if (s) {
        CHECK(wmel_stem_n_mels(s) == NM && wmel_stem_d_model(s) == D && !wmel_stem_file_positions(s), "geometry");
        float *mel = malloc(NM * 3000 * sizeof(float)), *out = malloc(1500 * D * sizeof(float));
        float *pos = malloc(1500 * D * sizeof(float));
        double *h = malloc(D * 3000 * sizeof(double));
        for (size_t i = 0; i < NM * 3000; i++) mel[i] = (float)sin(0.01 * (double)i) * 1.5f;
        CHECK(wmel_stem_forward(s, mel, 1, out, 1500 * D) == WMEL_OK, "forward");
        CHECK(wmel_sinusoids(1500, D, pos, 1500 * D) == WMEL_OK, "sinusoids");
        const uint16_t *w1 = w, *b1 = w + n1, *w2 = w + n1 + D, *b2 = w + n1 + D + n2;
        for (size_t o = 0; o < D; o++)
            for (size_t t = 0; t < 3000; t++) {
                double a = wmel__bf16_to_f32(b1[o]);
                for (size_t c = 0; c < NM; c++)
                    for (size_t j = 0; j < 3; j++) {
                        size_t p = t + j;
                        if (p >= 1 && p - 1 < 3000) a += (double)mel[c * 3000 + p - 1] * wmel__bf16_to_f32(w1[(o * NM + c) * 3 + j]);
                    }
                h[o * 3000 + t] = gelu_d(a);
            }
        double worst = 0;
        for (size_t t = 0; t < 1500; t++)
            for (size_t o = 0; o < D; o++) {
                double a = wmel__bf16_to_f32(b2[o]);
                for (size_t c = 0; c < D; c++)
                    for (size_t j = 0; j < 3; j++) {
                        size_t p = 2 * t + j;
                        if (p >= 1 && p - 1 < 3000) a += h[c * 3000 + p - 1] * wmel__bf16_to_f32(w2[(o * D + c) * 3 + j]);
                    }
                double e = fabs(gelu_d(a) + pos[t * D + o] - out[t * D + o]);
                if (e > worst) worst = e;
            }
        CHECK(worst <= 1e-5, "small stem vs double: %g", worst);
        /* sinusoids: whisper's formula; row 0 is sin 0 = 0, cos 0 = 1 */
        CHECK(pos[0] == 0.0f && pos[D / 2] == 1.0f, "sinusoids row 0");
        double se = fabs(pos[7 * D + 1] - sin(7.0 * exp(-log(10000.0) / (D / 2 - 1))));
        CHECK(se < 1e-6, "sinusoids (7, 1): %g", se);
        free(mel);
        free(out);
        free(pos);
        free(h);
    }
    wmel_stem_free(s);
    free(w);
    free(img);
    CHECK(wmel_sinusoids(10, 5, NULL, 0) == WMEL_ERR_INVALID_ARG, "odd channels");
}

/* The file's embed_positions are whisper's sinusoids(1500, 384) as computed in float32 by
 * torch; wmel_sinusoids follows those float32 steps, so it must match far more closely than
 * the same formula in double (which is 9.6e-5 away). */
static void sinusoids_vs_file(void)
{
    size_t n;
    unsigned char *img = t_read_file(t_golden("ref/stem_tiny_f32.safetensors"), &n);
    size_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | img[i];
    const char *key = "\"model.encoder.embed_positions.weight\"";
    char *hdr = malloc(hl + 1);
    memcpy(hdr, img + 8, hl);
    hdr[hl] = 0;
    char *k = strstr(hdr, key);
    char *off = k ? strstr(k, "data_offsets") : NULL;
    size_t begin = off ? strtoull(strchr(off, '[') + 1, NULL, 10) : 0;
    CHECK(off != NULL, "embed_positions in the golden file");
    float *pos = malloc(1500 * 384 * sizeof(float)), *file = malloc(1500 * 384 * sizeof(float));
    memcpy(file, img + 8 + hl + begin, 1500 * 384 * sizeof(float));
    CHECK(wmel_sinusoids(1500, 384, pos, 1500 * 384) == WMEL_OK, "sinusoids");
    double e = t_max_abs_diff_ff(pos, file, 1500 * 384);
    printf("sinusoids(1500, 384) vs the checkpoint's embed_positions: max abs %.3g\n", e);
    CHECK(e <= 2e-5, "sinusoids vs file: %g", e);
    free(pos);
    free(file);
    free(hdr);
    free(img);
}

int main(void)
{
    if (!t_have_stem()) return 77;
    malformed();
    goldens("auto");
    t_setenv("WMEL_STEM_GEMM", "own", 1);
    goldens("own");
    t_setenv("WMEL_MAX_ISA", "avx2", 1);
    goldens("own");
    t_unsetenv("WMEL_MAX_ISA");
    t_unsetenv("WMEL_STEM_GEMM");
    no_positions();
    sinusoids_vs_file();
    CHECK(wmel_stem_forward(NULL, NULL, 1, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL stem");
    wmel_stem_free(NULL);
    return t_done("test_stem");
}
