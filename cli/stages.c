/*
 * stages.c -- the front-ends of `wmel inspect` / `wmel compare` as tables of stages, the
 * float64 reference's stages of chosen frames (wmel_ref_stages), the clip's normalisation
 * max, and float64 .npy files for --stages.
 */
#define _POSIX_C_SOURCE 200809L
#include "stages.h"

#include "out.h"
#include "wmel.h"
#include "msg.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whisper (openai's log_mel_spectrogram): decoded samples -> reflect-padded frames ->
 * windowed frames -> power -> mel -> log10 -> normalised. */
static const cli_stage_desc WHISPER[] = {
    {"padded", "padded frames: 400 samples at hop 160, reflect padding of 200 at both ends",
     "sample value (full scale 1)", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PADDED, NULL, 1},
    {"frames", "windowed frames: padded frame x periodic Hann window (400)",
     "sample value x window", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_WINDOWED, "padded", 0},
    {"power", "power spectrum |DFT|^2 (201 bins, 40 Hz apart)", "|X[k]|^2", WMEL_ROWS_BIN, 1, 0, 0, WMEL_ST_POWER, NULL, 0},
    {"mel", "mel: Slaney filter bank @ power", "filter-weighted power", WMEL_ROWS_MEL, 1, 0, 0, WMEL_ST_MEL, NULL, 0},
    {"log", "log: log10(max(mel, 1e-10))", "log10 units", WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_LOG, NULL, 0},
    {"features", "features: (max(log, M - 8) + 4) / 4, M = the clip's largest log",
     "normalised log10 units", WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_WHOLE, NULL, 0},
};

/* NeMo's FilterbankFeatures (Parakeet, Canary): pre-emphasis on the signal -> centred
 * frames (400 in 512) -> symmetric Hann -> power -> Slaney mel -> ln(. + 2^-24) ->
 * per_feature. The legacy form pads by reflection and counts every frame. */
#define NEMO_TAIL(PAD, VALID)                                                                                    \
    {"padded", "padded frames: 400 samples of the pre-emphasised signal at hop 160, " PAD " padding of 256 at both " \
               "ends (the 400-sample window centred in the 512-point transform)",                              \
     "sample value (full scale 1)", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PADDED, NULL, 0},                         \
    {"windowed", "windowed frames: padded frame x symmetric Hann window (400), zero-padded to 512",               \
     "sample value x window", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_WINDOWED, "padded", 0},                          \
    {"power", "power spectrum |DFT|^2 (257 bins, 31.25 Hz apart; 512-point DFT)", "|X[k]|^2", WMEL_ROWS_BIN, 1, 0, 0, \
     WMEL_ST_POWER, NULL, 0},                                                                                     \
    {"mel", "mel: Slaney filter bank (0 .. 8000 Hz, slaney area norm) @ power", "filter-weighted power",          \
     WMEL_ROWS_MEL, 1, 0, 0, WMEL_ST_MEL, NULL, 0},                                                               \
    {"log", "log: ln(mel + 2^-24) (natural log)", "natural log units", WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_LOG, NULL, 0}, \
    {"features", "features: per_feature: (log - mean) / (std + 1e-5) per mel row over the valid frames" VALID,   \
     "normalised units", WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_NORM, NULL, 0}
static const cli_stage_desc NEMO[] = {NEMO_TAIL("zero", " (n / 160; later frames are 0)")};
static const cli_stage_desc NEMO_LEGACY[] = {NEMO_TAIL("reflect", " (every frame)")};

/* Kaldi's compute-fbank-feats (kaldi-native-fbank, torchaudio.compliance.kaldi.fbank) and
 * SeamlessM4T's extractor, which is Kaldi's fbank plus a per-bin normalisation and
 * stacking. */
#define KALDI_HEAD(GUARD)                                                                                         \
    {"frames", "frames: 400 samples x 32768 at hop 160 (snip_edges: whole frames inside the signal)",             \
     "sample value (x 32768)", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PADDED, NULL, 0},                               \
    {"dc", "DC removed: frame - its mean", "sample value (x 32768)", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_DC, NULL, 0}, \
    {"preemph", "pre-emphasised in the frame: x[i] -= 0.97 x[i-1] (from the end), x[0] -= 0.97 x[0]",             \
     "sample value (x 32768)", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PREEMPH, NULL, 0},                              \
    {"windowed", "windowed: x Povey window (Hann^0.85, 400), zero-padded to 512", "sample value x window",         \
     WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_WINDOWED, "preemph", 0},                                                  \
    {"power", "power spectrum |DFT|^2 (257 bins, 31.25 Hz apart; 512-point DFT)", "|X[k]|^2", WMEL_ROWS_BIN, 1, 0, 0, \
     WMEL_ST_POWER, NULL, 0},                                                                                     \
    {"mel", "mel: Kaldi filter bank (1127 ln(1 + f / 700), 20 .. 8000 Hz, triangles in mel, peak 1) @ power",     \
     "filter-weighted power", WMEL_ROWS_MEL, 1, 0, 0, WMEL_ST_MEL, NULL, 0},                                      \
    {"log", "log: ln(max(mel, " GUARD "))", "natural log units", WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_LOG, NULL, 0}
static const cli_stage_desc KALDI[] = {
    KALDI_HEAD("FLT_EPSILON = 1.1920929e-07")
    ,
    {"features", "features: the log as Kaldi writes it, (n_frames, n_mels); drawn transposed (mel up, time across)",
     "natural log units", WMEL_ROWS_MEL, 0, 0, 1, WMEL_ST_OUTPUT, NULL, 0},
};
static const cli_stage_desc SEAMLESS[] = {
    KALDI_HEAD("1.192092955078125e-07")
    ,
    {"normalised", "normalised: (log - mean) / sqrt(var + 1e-7) per mel bin over all frames (var with n - 1); "
                   "file (n_frames, n_mels), drawn transposed",
     "normalised units", WMEL_ROWS_MEL, 0, 0, 1, WMEL_ST_NORM, NULL, 0},
    {"features", "features: frames 2r and 2r + 1 side by side, (ceil(n_frames / 2), 2 n_mels); drawn transposed: "
                 "columns 0 .. n_mels - 1 are frame 2r, the rest frame 2r + 1",
     "normalised units", WMEL_ROWS_STACK, 0, 0, 1, WMEL_ST_STACKED, NULL, 0},
};

#define NST(a) (int)(sizeof a / sizeof a[0])
static const cli_frontend FRONTENDS[] = {
    {"whisper", WMEL_FRONTEND_WHISPER, WMEL_SAMPLE_RATE, WMEL_N_FFT, WMEL_N_FFT, WMEL_HOP, 0, WHISPER, NST(WHISPER),
     "16 kHz samples -> reflect-padded frames (400, hop 160) -> periodic Hann -> |DFT|^2 (201 bins) -> "
     "Slaney mel -> log10(max(., 1e-10)) -> max(x, M - 8), (x + 4) / 4 (openai-whisper)"},
    {"nemo", WMEL_FRONTEND_NEMO, 16000, 400, 512, 160, 0, NEMO, NST(NEMO),
     "16 kHz samples -> pre-emphasis y[i] = x[i] - 0.97 x[i-1] -> zero-padded centred frames (400 in 512, hop 160) -> "
     "symmetric Hann -> |DFT|^2 (257 bins) -> Slaney mel -> ln(. + 2^-24) -> per_feature (mean, std + 1e-5 per "
     "mel row over the n / 160 valid frames; later frames 0) -> (n_mels, n / 160 + 1) (NeMo FilterbankFeatures)"},
    {"nemo-legacy", WMEL_FRONTEND_NEMO_LEGACY, 16000, 400, 512, 160, 0, NEMO_LEGACY, NST(NEMO_LEGACY),
     "16 kHz samples -> pre-emphasis y[i] = x[i] - 0.97 x[i-1] -> reflect-padded centred frames (400 in 512, hop "
     "160) -> symmetric Hann -> |DFT|^2 (257 bins) -> Slaney mel -> ln(. + 2^-24) -> per_feature over every frame "
     "-> (n_mels, n / 160 + 1) (NeMo before mid-2025)"},
    {"kaldi", WMEL_FRONTEND_KALDI, 16000, 400, 512, 160, 200, KALDI, NST(KALDI),
     "16 kHz samples x 32768 -> frames of 400 at hop 160 (snip_edges) -> DC removal -> pre-emphasis 0.97 in the "
     "frame -> Povey window -> |DFT|^2 (512-point, 257 bins) -> Kaldi mel (20 .. 8000 Hz) -> ln(max(., FLT_EPSILON)) "
     "-> (n_frames, n_mels) (Kaldi compute-fbank-feats, kaldi-native-fbank)"},
    {"seamless", WMEL_FRONTEND_SEAMLESS, 16000, 400, 512, 160, 200, SEAMLESS, NST(SEAMLESS),
     "Kaldi's fbank (x 32768, snip_edges, DC removal, pre-emphasis, Povey, 512-point, Kaldi mel, ln(max(., "
     "1.19e-7))) -> (x - mean) / sqrt(var + 1e-7) per mel bin over all frames -> two frames per row: "
     "(ceil(n_frames / 2), 2 n_mels) (transformers' SeamlessM4TFeatureExtractor)"},
};

const cli_frontend *cli_frontend_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof FRONTENDS / sizeof FRONTENDS[0]; i++)
        if (!strcmp(FRONTENDS[i].name, name)) return &FRONTENDS[i];
    return NULL;
}

const char *cli_frontend_names(void) { return "whisper, nemo, nemo-legacy, kaldi, seamless"; }

size_t cli_stage_rows(const cli_frontend *fe, const cli_stage_desc *s, int n_mels)
{
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE: return (size_t)fe->frame_length;
    case WMEL_ROWS_BIN: return (size_t)fe->n_fft / 2 + 1;
    case WMEL_ROWS_STACK: return 2 * (size_t)n_mels;
    default: return (size_t)n_mels;
    }
}

int cli_stage_of(const cli_frontend *fe, int kind)
{
    for (int s = 0; s < fe->n_stages; s++)
        if (fe->stages[s].kind == kind) return s;
    return -1;
}

int cli_clip_init(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len)
{
    int rc = wmel_frontend_preset(fe->preset, clip->n_mels, &clip->plan);
    if (rc) {
        snprintf(err, err_len, "--n-mels %d: not one the %s front-end takes", clip->n_mels, fe->name);
        return rc;
    }
    const wmel_frontend_plan *p = &clip->plan;
    const size_t n = clip->n, fl = (size_t)p->frame_length, hop = (size_t)p->hop;
    if (fe->preset == WMEL_FRONTEND_WHISPER) {
        if (n <= WMEL_N_FFT / 2) {
            snprintf(err, err_len, "%zu samples: too short for a frame (more than 200 needed)", n);
            return WMEL_ERR_TOO_SHORT;
        }
        clip->n_frames = clip->n_valid = wmel_n_frames(n, 0);
        return WMEL_OK;
    }
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT && n <= (size_t)p->n_fft / 2) {
        snprintf(err, err_len, "%zu samples: too short to reflect-pad (more than %d needed)", n, p->n_fft / 2);
        return WMEL_ERR_TOO_SHORT;
    }
    size_t nf = p->framing == WMEL_FRAMES_SNIP ? (n < fl ? 0 : 1 + (n - fl) / hop) : 1 + n / hop;
    size_t nv = p->valid == WMEL_VALID_ALL ? nf : (n / hop < nf ? n / hop : nf);
    if (p->valid == WMEL_VALID_TRIM) nf = nv;
    if (nf == 0 || nv == 0) {
        snprintf(err, err_len, "%zu samples: too short for a frame (%zu needed)", n,
                 p->framing == WMEL_FRAMES_SNIP ? fl : hop);
        return WMEL_ERR_TOO_SHORT;
    }
    clip->n_frames = nf;
    clip->n_valid = nv;
    return WMEL_OK;
}

int cli_clip_max(cli_clip *clip, char *err, size_t err_len)
{
    wmel_params p = wmel_default_params();
    p.n_mels = clip->n_mels;
    p.backend = WMEL_BACKEND_CPU;
    p.norm = WMEL_NORM_NONE;
    int st;
    wmel_ctx *ctx = wmel_create(&p, &st);
    if (!ctx) {
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    size_t nf = clip->n_frames, cnt = (size_t)clip->n_mels * nf;
    float *raw = malloc(cnt * sizeof *raw);
    st = raw ? wmel_log_mel(ctx, clip->pcm, clip->n, 0, raw, cnt) : WMEL_ERR_NO_MEMORY;
    wmel_destroy(ctx);
    if (st) {
        free(raw);
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    float cmax = -INFINITY;
    for (size_t i = 0; i < cnt; i++) cmax = raw[i] > cmax ? raw[i] : cmax;
    double best = -INFINITY, lg[WMEL_N_FFT];
    size_t cand = 0;
    wmel_ref_stage_out o = {NULL, NULL, NULL, NULL, lg};
    for (size_t t = 0; t < nf && st == WMEL_OK; t++) {
        int hit = 0;
        for (int m = 0; m < clip->n_mels && !hit; m++) hit = raw[(size_t)m * nf + t] >= cmax - WMEL_MAX_MARGIN;
        if (!hit) continue;
        cand++;
        wmel_stage_span sp = {t, 1, 1};
        st = wmel_ref_stages(clip->n_mels, clip->pcm, clip->n, 0, &sp, &o);
        for (int m = 0; m < clip->n_mels && st == WMEL_OK; m++)
            if (lg[m] > best) {
                best = lg[m];
                clip->max_frame = t;
                clip->max_mel = (size_t)m;
            }
    }
    free(raw);
    if (st) {
        snprintf(err, err_len, "%s", wmel_strerror(st));
        return st;
    }
    clip->log_max = best;
    clip->max_candidates = cand;
    return WMEL_OK;
}

/* mean and denominator of each mel row over the valid frames: two passes in double, frames
 * in order (the library adds the same values in chunks of 64 frames: the same statistics
 * up to the rounding of the sums). x(t, m) = x[t * ts + m * ms]. */
static void row_stats(cli_clip *clip, const double *xd, const float *xf, size_t ts, size_t ms)
{
    const size_t nv = clip->n_valid;
    for (int m = 0; m < clip->n_mels; m++) {
        double s = 0.0, ss = 0.0;
        for (size_t t = 0; t < nv; t++) s += xd ? xd[t * ts + (size_t)m * ms] : (double)xf[t * ts + (size_t)m * ms];
        const double mean = s / (double)nv;
        for (size_t t = 0; t < nv; t++) {
            const double d = (xd ? xd[t * ts + (size_t)m * ms] : (double)xf[t * ts + (size_t)m * ms]) - mean;
            ss += d * d;
        }
        const double var = nv > 1 ? ss / (double)(nv - 1) : 0.0;
        clip->mean[m] = mean;
        clip->denom[m] = clip->plan.norm == WMEL_NORM_PER_FEATURE ? sqrt(var) + clip->plan.norm_eps
                                                                  : sqrt(var + clip->plan.norm_eps);
    }
}

int cli_clip_stats(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len)
{
    (void)fe;
    const wmel_frontend_plan *p = &clip->plan;
    if (p->norm != WMEL_NORM_PER_FEATURE && p->norm != WMEL_NORM_MEAN_VAR) {
        clip->stats_from = NULL;
        return WMEL_OK;
    }
    const size_t nv = clip->n_valid, nm = (size_t)clip->n_mels;
    int rc;
    if (nv <= WMEL_REF_STATS_FRAMES) {
        double *lg = malloc(nv * nm * sizeof *lg);
        wmel_stage_span sp = {0, nv, 1};
        wmel_plan_stage_out o = {0};
        o.logmel = lg;
        rc = lg ? wmel_ref_plan_stages(p, clip->pcm, clip->n, &sp, &o) : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) row_stats(clip, lg, NULL, 1, nv);
        free(lg);
        clip->stats_from = "the float64 reference's log of every valid frame";
    } else {
        wmel_frontend_plan q = *p;
        q.norm = WMEL_NORM_NONE;
        q.stack = 1;
        wmel_params bp = wmel_default_params();
        bp.backend = WMEL_BACKEND_CPU;
        wmel_ctx *ctx = wmel_create_plan(&bp, &q, &rc);
        size_t rows = 0, cols = 0;
        if (ctx) rc = wmel_features_shape(ctx, clip->n, &rows, &cols);
        float *x = ctx && rc == WMEL_OK ? malloc(rows * cols * sizeof *x) : NULL;
        if (ctx && rc == WMEL_OK) rc = x ? wmel_features(ctx, clip->pcm, clip->n, x, rows * cols) : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) {
            if (q.layout == WMEL_LAYOUT_MELS_FRAMES) row_stats(clip, NULL, x, 1, cols);
            else row_stats(clip, NULL, x, cols, 1);
        }
        free(x);
        wmel_destroy(ctx);
        clip->stats_from = "the CPU backend's log (float64, rounded once to float32) of every valid frame: "
                           "within about 1e-7 of the reference's (clips over 120 s)";
    }
    if (rc) snprintf(err, err_len, "statistics: %s", wmel_strerror(rc));
    return rc;
}

/* [nf][w] into [w][nf]. */
static void to_rows(const double *src, size_t nf, size_t w, double *dst)
{
    for (size_t i = 0; i < nf; i++)
        for (size_t k = 0; k < w; k++) dst[k * nf + i] = src[i * w + k];
}

/* The clip-wide step of frame column t of the log stage (NORM, OUTPUT). */
static double finish(const cli_clip *clip, int kind, size_t m, size_t t, double lg)
{
    if (t >= clip->n_valid) return 0.0;
    if (kind == WMEL_ST_OUTPUT) return lg;
    return clip->denom[m] > 0.0 ? (lg - clip->mean[m]) / clip->denom[m] : 0.0;
}

static int plan_stages(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf, size_t step,
                       double **out, double *window)
{
    const size_t fl = (size_t)fe->frame_length, nm = (size_t)clip->n_mels;
    double *smp[4] = {0};
    static const int skind[4] = {WMEL_ST_PADDED, WMEL_ST_DC, WMEL_ST_PREEMPH, WMEL_ST_WINDOWED};
    int rc = WMEL_OK;
    for (int k = 0; k < 4; k++) {
        int s = cli_stage_of(fe, skind[k]);
        if (s >= 0 && out[s] && !(smp[k] = malloc(nf * fl * sizeof(double)))) rc = WMEL_ERR_NO_MEMORY;
    }
    int sp_ = cli_stage_of(fe, WMEL_ST_POWER), sm = cli_stage_of(fe, WMEL_ST_MEL), sl = cli_stage_of(fe, WMEL_ST_LOG);
    int sn = cli_stage_of(fe, WMEL_ST_NORM), so = cli_stage_of(fe, WMEL_ST_OUTPUT);
    double *lg = sl >= 0 ? out[sl] : NULL;
    int need_log = (sn >= 0 && out[sn]) || (so >= 0 && out[so]);
    if (rc == WMEL_OK && !lg && need_log && !(lg = malloc(nf * nm * sizeof *lg))) rc = WMEL_ERR_NO_MEMORY;
    if (rc == WMEL_OK) {
        wmel_stage_span span = {first, nf, step};
        wmel_plan_stage_out o = {window, smp[0], smp[1], smp[2], smp[3], sp_ >= 0 ? out[sp_] : NULL,
                                 sm >= 0 ? out[sm] : NULL, lg};
        rc = wmel_ref_plan_stages(&clip->plan, clip->pcm, clip->n, &span, &o);
    }
    for (int k = 0; k < 4 && rc == WMEL_OK; k++)
        if (smp[k]) to_rows(smp[k], nf, fl, out[cli_stage_of(fe, skind[k])]);
    for (int w = 0; w < 2 && rc == WMEL_OK; w++) {
        int s = w ? so : sn;
        if (s < 0 || !out[s]) continue;
        for (size_t m = 0; m < nm; m++)
            for (size_t i = 0; i < nf; i++)
                out[s][m * nf + i] = finish(clip, fe->stages[s].kind, m, first + i * step, lg[m * nf + i]);
    }
    if (lg && (sl < 0 || lg != out[sl])) free(lg);
    for (int k = 0; k < 4; k++) free(smp[k]);
    return rc;
}

int cli_stages_compute(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf,
                        size_t step, double **out, double *window)
{
    if (nf == 0) return WMEL_OK;
    if (fe->preset != WMEL_FRONTEND_WHISPER) return plan_stages(fe, clip, first, nf, step, out, window);
    const size_t n_fft = (size_t)fe->n_fft;
    if (window)
        for (size_t k = 0; k < n_fft; k++) window[k] = 0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * (double)k / (double)n_fft);
    const int s_pad = cli_stage_of(fe, WMEL_ST_PADDED), s_win = cli_stage_of(fe, WMEL_ST_WINDOWED);
    const int s_pow = cli_stage_of(fe, WMEL_ST_POWER), s_mel = cli_stage_of(fe, WMEL_ST_MEL);
    const int s_log = cli_stage_of(fe, WMEL_ST_LOG), s_feat = cli_stage_of(fe, WMEL_ST_WHOLE);
    double *pad = NULL, *win = NULL;
    if (out[s_pad]) pad = malloc(nf * n_fft * sizeof *pad);
    if (out[s_win]) win = malloc(nf * n_fft * sizeof *win);
    if ((out[s_pad] && !pad) || (out[s_win] && !win)) {
        free(pad);
        free(win);
        return WMEL_ERR_NO_MEMORY;
    }
    /* the log stage is needed for the features */
    double *lg = out[s_log];
    if (!lg && out[s_feat] && !(lg = malloc(nf * (size_t)clip->n_mels * sizeof *lg))) {
        free(pad);
        free(win);
        return WMEL_ERR_NO_MEMORY;
    }
    wmel_stage_span sp = {first, nf, step};
    wmel_ref_stage_out o = {pad, win, out[s_pow], out[s_mel], lg};
    int rc = wmel_ref_stages(clip->n_mels, clip->pcm, clip->n, 0, &sp, &o);
    if (rc == WMEL_OK) {
        /* sample stages as [n_fft][nf], like the others */
        if (pad) to_rows(pad, nf, n_fft, out[s_pad]);
        if (win) to_rows(win, nf, n_fft, out[s_win]);
        if (out[s_feat]) {
            const double floor8 = clip->log_max - 8.0;
            for (size_t i = 0; i < (size_t)clip->n_mels * nf; i++)
                out[s_feat][i] = ((lg[i] > floor8 ? lg[i] : floor8) + 4.0) / 4.0;
        }
    }
    if (lg != out[s_log]) free(lg);
    free(pad);
    free(win);
    return rc;
}

int cli_stacked_compute(const cli_frontend *fe, const cli_clip *clip, size_t r0, size_t nr,
                         size_t rstep, double *out)
{
    const size_t nm = (size_t)clip->n_mels, nf = clip->n_frames;
    memset(out, 0, 2 * nm * nr * sizeof *out);
    if (nr == 0) return WMEL_OK;
    double *lg = malloc(nm * nr * sizeof *lg);
    if (!lg) return WMEL_ERR_NO_MEMORY;
    int rc = WMEL_OK;
    for (size_t half = 0; half < 2 && rc == WMEL_OK; half++) {
        size_t cnt = 0; /* rows whose frame 2 r + half exists */
        while (cnt < nr && 2 * (r0 + cnt * rstep) + half < nf) cnt++;
        if (cnt == 0) continue;
        wmel_stage_span span = {2 * r0 + half, cnt, 2 * rstep};
        wmel_plan_stage_out o = {0};
        o.logmel = lg;
        rc = wmel_ref_plan_stages(&clip->plan, clip->pcm, clip->n, &span, &o);
        for (size_t m = 0; m < nm && rc == WMEL_OK; m++)
            for (size_t i = 0; i < cnt; i++)
                out[(half * nm + m) * nr + i] = finish(clip, WMEL_ST_NORM, m, 2 * (r0 + i * rstep) + half, lg[m * cnt + i]);
    }
    (void)fe;
    free(lg);
    return rc;
}

int cli_decode_all(const char *path, float **pcm, size_t *n, char *fmt, size_t fmt_len, int quiet,
                    char *err, size_t err_len)
{
    int st;
    wmel_decoder *d = wmel_decoder_open(path, &st, err, err_len);
    if (!d) return st;
    snprintf(fmt, fmt_len, "%s", wmel_decoder_format(d));
    int rc = wmel_decoder_read_all(d, pcm, n);
    if (rc == WMEL_ERR_NO_MEMORY) snprintf(err, err_len, "%s: out of memory", path);
    else if (rc) snprintf(err, err_len, "%s", wmel_decoder_error(d));
    if (rc == WMEL_OK && !quiet && wmel_decoder_warning(d)[0])
        cli_msg("wmel: warning: %s", wmel_decoder_warning(d));
    wmel_decoder_close(d);
    return rc;
}

int cli_write_npy_f64(const char *path, const size_t *shape, int ndim, const double *x,
                       int transpose, char *err, size_t err_len)
{
    char hdr[256], dict[160];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu%s", shape[i], ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
        count *= shape[i];
    }
    snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    size_t dl = strlen(dict), total = 10 + dl + 1;
    size_t padded = (total + 63) / 64 * 64;
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)((padded - 10) & 0xff);
    hdr[9] = (char)((padded - 10) >> 8);
    memcpy(hdr + 10, dict, dl);
    memset(hdr + 10 + dl, ' ', padded - total);
    hdr[padded - 1] = '\n';
    cli_out o;
    int rc = cli_out_open(&o, path, 0, err, err_len);
    if (rc) return rc;
    int ok = fwrite(hdr, 1, padded, o.f) == padded;
    const uint16_t one = 1;
    const int le = *(const unsigned char *)&one == 1;
    size_t rows = ndim == 2 ? shape[1] : 1, cols = ndim == 2 ? shape[0] : count;
    for (size_t i = 0; i < count && ok; i++) {
        /* transposed: element (a, b) of the (shape[0], shape[1]) file is x[b * shape[0] + a] */
        double v = transpose ? x[(i % rows) * cols + i / rows] : x[i];
        unsigned char b[8];
        memcpy(b, &v, 8);
        if (!le)
            for (int j = 0; j < 4; j++) {
                unsigned char t = b[j];
                b[j] = b[7 - j];
                b[7 - j] = t;
            }
        ok = fwrite(b, 1, 8, o.f) == 8;
    }
    if (!ok) {
        snprintf(err, err_len, "%s: write failed: %s", path, strerror(errno));
        cli_out_abort(&o);
        return WMEL_ERR_IO;
    }
    return cli_out_commit(&o, err, err_len);
}
