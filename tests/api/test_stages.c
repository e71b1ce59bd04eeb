/*
 * test_stages.c -- wmel_ref_stages(), the float64 reference stage by stage: its log stage
 * rounded to float equals the ref backend's raw output bit for bit (the same arithmetic);
 * the stages are consistent with each other (frames = padded * Hann, power = |DFT|^2 of
 * the frames against an independent naive DFT, mel = filters @ power, log = log10 of the
 * clamped mel); frame selection (first, step) equals the contiguous computation; the
 * reflect padding at both ends; argument errors; and wmel_decoder_format()'s line.
 */
#include "testutil.h"
#include "wmel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

/* The power of a naive DFT written independently (angle computed per term, no table):
 * agreement within 1e-9 relative shows the stage is |DFT|^2 of the windowed frame. */
#define POWER_REL_TOL 1e-9

static void check_clip(const float *x, size_t n, size_t padding, int n_mels, size_t first,
                       size_t step, size_t nf, const char *what)
{
    wmel_ctx *c = t_ctx(WMEL_BACKEND_REF, n_mels, WMEL_ISA_AUTO, 1, WMEL_NORM_NONE, WMEL_SMOOTH_NONE);
    if (!c) return;
    size_t total = wmel_n_frames(n, padding);
    float *raw = malloc((size_t)n_mels * total * sizeof *raw);
    CHECK(wmel_log_mel(c, x, n, padding, raw, (size_t)n_mels * total) == WMEL_OK, "%s: ref", what);
    double *padded = malloc(nf * 400 * sizeof(double)), *frames = malloc(nf * 400 * sizeof(double));
    double *power = malloc(nf * 201 * sizeof(double)), *mel = malloc(nf * (size_t)n_mels * sizeof(double));
    double *lg = malloc(nf * (size_t)n_mels * sizeof(double));
    float *filt = malloc((size_t)n_mels * 201 * sizeof(float));
    wmel_mel_filters(n_mels, filt, (size_t)n_mels * 201);
    wmel_stage_span sp = {first, nf, step};
    wmel_ref_stage_out o = {padded, frames, power, mel, lg};
    CHECK(wmel_ref_stages(n_mels, x, n, padding, &sp, &o) == WMEL_OK, "%s: stages", what);
    size_t log_bits = 0, frame_bad = 0, pad_bad = 0;
    double pow_rel = 0, mel_rel = 0, log_err = 0;
    for (size_t i = 0; i < nf; i++) {
        size_t f = first + i * step;
        for (int k = 0; k < 400; k++) {
            /* the padded frame: samples 160 f - 200 + k of the clip, reflected at both ends of
               the clip with its padding */
            long long j = (long long)(f * 160 + (size_t)k) - 200, N = (long long)(n + padding);
            if (j < 0) j = -j;
            if (j >= N) j = 2 * (N - 1) - j;
            double want = j < (long long)n ? (double)x[j] : 0.0;
            if (padded[i * 400 + (size_t)k] != want) pad_bad++;
            double w = 0.5 - 0.5 * cos(2.0 * PI * k / 400.0);
            if (fabs(frames[i * 400 + (size_t)k] - padded[i * 400 + (size_t)k] * w) > 1e-15) frame_bad++;
        }
        for (int b = 0; b < 201; b++) {
            double re = 0, im = 0;
            for (int k = 0; k < 400; k++) {
                double a = -2.0 * PI * (double)((long)b * k % 400) / 400.0;
                re += frames[i * 400 + (size_t)k] * cos(a);
                im += frames[i * 400 + (size_t)k] * sin(a);
            }
            double p = re * re + im * im, got = power[(size_t)b * nf + i];
            double r = fabs(got - p) / (p > 1e-20 ? p : 1e-20);
            if (r > pow_rel) pow_rel = r;
        }
        for (int m = 0; m < n_mels; m++) {
            double acc = 0;
            for (int b = 0; b < 201; b++) acc += (double)filt[(size_t)m * 201 + (size_t)b] * power[(size_t)b * nf + i];
            double got = mel[(size_t)m * nf + i];
            /* the float32 filters differ from the double ones by 6e-8 relative */
            double r = fabs(got - acc) / (acc > 1e-20 ? acc : 1e-20);
            if (r > mel_rel) mel_rel = r;
            double l = lg[(size_t)m * nf + i], lw = log10(got < 1e-10 ? 1e-10 : got);
            if (fabs(l - lw) > log_err) log_err = fabs(l - lw);
            if ((float)l != raw[(size_t)m * total + f]) log_bits++;
        }
    }
    CHECK(pad_bad == 0, "%s: %zu padded samples wrong", what, pad_bad);
    CHECK(frame_bad == 0, "%s: %zu windowed samples wrong", what, frame_bad);
    CHECK(pow_rel < POWER_REL_TOL, "%s: power vs naive DFT rel %.3g", what, pow_rel);
    CHECK(mel_rel < 1e-6, "%s: mel vs float32 filters @ power rel %.3g", what, mel_rel);
    /* the log stage is wmel's log10 (src/fe/fe_ln.h: the same bits on every platform), within
       5e-13 absolute plus a few double ulp of libm's */
    CHECK(log_err < 1e-12, "%s: log stage is not log10 of the mel stage (%.3g)", what, log_err);
    CHECK(log_bits == 0, "%s: %zu log values differ from the ref backend", what, log_bits);
    free(padded);
    free(frames);
    free(power);
    free(mel);
    free(lg);
    free(filt);
    free(raw);
    wmel_destroy(c);
}

/* wmel_ref_plan_stages: the log stage of every frame, rounded to float, equals the ref
 * backend's wmel_features output with the normalisation off, bit for bit (the same steps);
 * windowed = preemph x window; power against a naive DFT; argument errors. */
static void check_plan(const float *x, size_t n, int frontend)
{
    wmel_frontend_plan pl;
    CHECK(wmel_frontend_preset(frontend, 80, &pl) == WMEL_OK, "preset %d", frontend);
    pl.norm = WMEL_NORM_NONE;
    pl.stack = 1;
    wmel_params p = wmel_default_params();
    p.backend = WMEL_BACKEND_REF;
    int st;
    wmel_ctx *c = wmel_create_plan(&p, &pl, &st);
    size_t rows = 0, cols = 0;
    CHECK(c && wmel_features_shape(c, n, &rows, &cols) == WMEL_OK, "plan %d: shape", frontend);
    float *ref = malloc(rows * cols * sizeof *ref);
    CHECK(ref && wmel_features(c, x, n, ref, rows * cols) == WMEL_OK, "plan %d: ref", frontend);
    const int mf = pl.layout == WMEL_LAYOUT_MELS_FRAMES;
    const size_t nf = mf ? cols : rows, fl = 400, nb = 257;
    size_t nv = pl.valid == WMEL_VALID_HOP ? n / 160 : nf;
    double *lg = malloc(80 * nf * sizeof *lg), *pre = malloc(nf * fl * sizeof *pre);
    double *win = malloc(nf * fl * sizeof *win), *pw = malloc(nb * nf * sizeof *pw), w[400];
    wmel_plan_stage_out o = {w, NULL, NULL, pre, win, pw, NULL, lg};
    wmel_stage_span sp = {0, nf, 1};
    CHECK(wmel_ref_plan_stages(&pl, x, n, &sp, &o) == WMEL_OK, "plan %d: stages", frontend);
    size_t bits = 0, wbad = 0;
    double prel = 0;
    for (size_t t = 0; t < nv; t++)
        for (size_t m = 0; m < 80; m++) {
            float a = (float)lg[m * nf + t], b = mf ? ref[m * cols + t] : ref[t * cols + m];
            bits += memcmp(&a, &b, sizeof a) != 0;
        }
    for (size_t t = 0; t < nf; t++) {
        for (size_t j = 0; j < fl; j++) wbad += win[t * fl + j] != pre[t * fl + j] * w[j];
        if (t % 50) continue;
        double mx = 0;
        for (size_t k = 0; k < nb; k++) mx = fmax(mx, pw[k * nf + t]);
        for (size_t k = 0; k < nb; k += 8) {
            double re = 0, im = 0;
            for (size_t j = 0; j < fl; j++) {
                re += win[t * fl + j] * cos(2 * PI * (double)(j * k % 512) / 512);
                im -= win[t * fl + j] * sin(2 * PI * (double)(j * k % 512) / 512);
            }
            prel = fmax(prel, fabs(re * re + im * im - pw[k * nf + t]) / (mx > 0 ? mx : 1));
        }
    }
    CHECK(bits == 0, "plan %d: %zu log values differ from the ref backend", frontend, bits);
    CHECK(wbad == 0, "plan %d: %zu windowed samples are not preemph x window", frontend, wbad);
    CHECK(prel < 1e-10, "plan %d: power vs naive DFT %.3g of the peak", frontend, prel);
    wmel_stage_span bad = {nf, 1, 1}, zero = {0, 0, 1}, step0 = {0, 1, 0};
    wmel_plan_stage_out none = {0};
    CHECK(wmel_ref_plan_stages(&pl, x, n, &bad, &none) == WMEL_ERR_INVALID_ARG, "plan %d: past the end", frontend);
    CHECK(wmel_ref_plan_stages(&pl, x, n, &step0, &none) == WMEL_ERR_INVALID_ARG, "plan %d: step 0", frontend);
    CHECK(wmel_ref_plan_stages(&pl, x, n, &zero, &none) == WMEL_OK, "plan %d: no frames", frontend);
    CHECK(wmel_ref_plan_stages(NULL, x, n, &zero, &none) == WMEL_ERR_NULL_POINTER, "plan NULL");
    CHECK(wmel_ref_plan_stages(&pl, x, 0, &zero, &none) == WMEL_ERR_NO_SAMPLES, "plan %d: no samples", frontend);
    wmel_frontend_plan badp = pl;
    badp.n_fft = 14;
    CHECK(wmel_ref_plan_stages(&badp, x, n, &zero, &none) == WMEL_ERR_INVALID_ARG, "plan %d: n_fft 14", frontend);
    float nanx[1000] = {0};
    nanx[500] = NAN;
    wmel_stage_span one = {0, 1, 1};
    CHECK(wmel_ref_plan_stages(&pl, nanx, 1000, &one, &none) == WMEL_ERR_NOT_FINITE, "plan %d: NaN", frontend);
    free(ref);
    free(lg);
    free(pre);
    free(win);
    free(pw);
    wmel_destroy(c);
}

int main(void)
{
    size_t n = 0;
    float *x = t_load_wav("audio/speech_en.wav", &n);
    size_t total = wmel_n_frames(n, 0);
    check_clip(x, n, 0, 80, 0, 1, 40, "speech head");
    check_clip(x, n, 0, 80, total - 30, 1, 30, "speech tail");
    check_clip(x, n, 0, 128, 3, 97, (total - 4) / 97 + 1, "speech every 97th, 128 mels");
    check_clip(x, n, 5000, 80, total, 7, 3, "appended zeros");
    float shortx[300];
    t_chirp(shortx, 300, 3);
    check_clip(shortx, 300, 0, 80, 0, 1, 1, "300 samples");
    check_plan(x, 48000, WMEL_FRONTEND_NEMO);
    check_plan(x, 48000, WMEL_FRONTEND_NEMO_LEGACY);
    check_plan(x, 48000, WMEL_FRONTEND_KALDI);
    check_plan(x, 48000, WMEL_FRONTEND_SEAMLESS);

    /* NULL outputs compute nothing and succeed */
    wmel_stage_span sp = {0, 5, 1};
    wmel_ref_stage_out none = {NULL, NULL, NULL, NULL, NULL};
    CHECK(wmel_ref_stages(80, x, n, 0, &sp, &none) == WMEL_OK, "all NULL");
    /* errors */
    CHECK(wmel_ref_stages(80, x, n, 0, NULL, &none) == WMEL_ERR_NULL_POINTER, "span NULL");
    CHECK(wmel_ref_stages(80, x, n, 0, &sp, NULL) == WMEL_ERR_NULL_POINTER, "out NULL");
    CHECK(wmel_ref_stages(80, NULL, n, 0, &sp, &none) == WMEL_ERR_NULL_POINTER, "pcm NULL");
    CHECK(wmel_ref_stages(64, x, n, 0, &sp, &none) == WMEL_ERR_INVALID_ARG, "n_mels 64");
    CHECK(wmel_ref_stages(80, x, 200, 0, &sp, &none) == WMEL_ERR_TOO_SHORT, "200 samples");
    wmel_stage_span bad = {0, 2, 0};
    CHECK(wmel_ref_stages(80, x, n, 0, &bad, &none) == WMEL_ERR_INVALID_ARG, "step 0");
    wmel_stage_span past = {total - 1, 2, 1};
    CHECK(wmel_ref_stages(80, x, n, 0, &past, &none) == WMEL_ERR_INVALID_ARG, "past the end");
    wmel_stage_span last = {total - 1, 1, 1};
    CHECK(wmel_ref_stages(80, x, n, 0, &last, &none) == WMEL_OK, "the last frame");
    wmel_stage_span huge = {1, (size_t)-1, (size_t)-1};
    CHECK(wmel_ref_stages(80, x, n, 0, &huge, &none) == WMEL_ERR_INVALID_ARG, "huge step");
    wmel_stage_span zero = {12345678, 0, 0};
    CHECK(wmel_ref_stages(80, x, n, 0, &zero, &none) == WMEL_OK, "no frames");
    float nanx[1000] = {0};
    nanx[500] = NAN;
    CHECK(wmel_ref_stages(80, nanx, 1000, 0, &sp, &none) == WMEL_ERR_NOT_FINITE, "NaN");
    wmel_free(x);

    /* wmel_decoder_format: one line on what is decoded */
    int st;
    wmel_decoder *d = wmel_decoder_open(t_golden("audio/speech_en.wav"), &st, NULL, 0);
    CHECK(d != NULL, "open speech_en.wav");
    if (d) {
        const char *f = wmel_decoder_format(d);
        CHECK(strstr(f, "wav") == f && strstr(f, "16000 Hz"), "format line: '%s'", f);
        wmel_decoder_close(d);
    }
    if (wmel_have_ffmpeg()) {
        d = wmel_decoder_open(t_golden("audio/speech_en_44k_stereo.flac"), &st, NULL, 0);
        CHECK(d != NULL, "open the flac");
        if (d) {
            const char *f = wmel_decoder_format(d);
            CHECK(strstr(f, "flac: flac, 44100 Hz, 2 channels (stereo)") == f, "flac format line: '%s'", f);
            wmel_decoder_close(d);
        }
    }
    CHECK(wmel_decoder_format(NULL)[0] == 0, "NULL decoder");
    return t_done("test_stages");
}
