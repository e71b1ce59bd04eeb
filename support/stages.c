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
#include <float.h>
#include <math.h>
#include <stdarg.h>
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

#define NST(a) (int)(sizeof a / sizeof a[0])
static const cli_frontend FRONTENDS[] = {
    {"whisper", WMEL_FRONTEND_WHISPER, WMEL_SAMPLE_RATE, WMEL_N_FFT, WMEL_N_FFT, WMEL_HOP, 0, WHISPER, NST(WHISPER),
     "16 kHz samples -> reflect-padded frames (400, hop 160) -> periodic Hann -> |DFT|^2 (201 bins) -> "
     "Slaney mel -> log10(max(., 1e-10)) -> max(x, M - 8), (x + 4) / 4 (openai-whisper)", NULL, 0, 0, 0, 0, 0},
};

const cli_frontend *cli_frontend_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof FRONTENDS / sizeof FRONTENDS[0]; i++)
        if (!strcmp(FRONTENDS[i].name, name)) return &FRONTENDS[i];
    return NULL;
}

int cli_plan_is_whisper(const wmel_frontend_plan *plan)
{
    wmel_frontend_plan w;
    return plan->frontend == WMEL_FRONTEND_WHISPER && !wmel_frontend_preset(WMEL_FRONTEND_WHISPER, plan->n_mels, &w) &&
           !memcmp(&w, plan, sizeof w);
}

/* ---- the texts of a plan's stages, made from its fields */

/* A number as its shortest text that reads back (%.17g at most). */
static const char *num(char *buf, size_t len, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}
#define NUM(v) num((char[40]){0}, 40, (v))

/* snprintf appended at *k (kept within len). */
static void add(char *buf, size_t len, size_t *k, const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 4, 5)));
static void add(char *buf, size_t len, size_t *k, const char *fmt, ...)
{
    if (*k >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *k, len - *k, fmt, ap);
    va_end(ap);
    if (w > 0) *k = *k + (size_t)w < len ? *k + (size_t)w : len - 1;
}

void cli_window_text(const wmel_frontend_plan *p, char *buf, size_t len)
{
    const int n = p->frame_length, d = n - 1;
    const double a = p->window_coeff > 0 ? p->window_coeff : 0.42;
    size_t k = 0;
    switch (p->window) {
    case WMEL_WINDOW_HANN_PERIODIC: add(buf, len, &k, "periodic Hann: 0.5 - 0.5 cos(2 pi k / %d)", n); break;
    case WMEL_WINDOW_HANN: add(buf, len, &k, "symmetric Hann: 0.5 - 0.5 cos(2 pi k / %d)", d); break;
    case WMEL_WINDOW_HAMMING: add(buf, len, &k, "symmetric Hamming: 0.54 - 0.46 cos(2 pi k / %d)", d); break;
    case WMEL_WINDOW_POVEY: add(buf, len, &k, "Povey: (0.5 - 0.5 cos(2 pi k / %d))^0.85", d); break;
    case WMEL_WINDOW_RECT: add(buf, len, &k, "rectangular: 1"); break;
    case WMEL_WINDOW_BLACKMAN:
        add(buf, len, &k, "Blackman: %s - 0.5 cos(2 pi k / %d) + %.15g cos(4 pi k / %d)", NUM(a), d, 0.5 - a, d);
        break;
    case WMEL_WINDOW_BARTLETT: add(buf, len, &k, "Bartlett: 1 - |2 k / %d - 1|", d); break;
    case WMEL_WINDOW_HAMMING_PERIODIC: add(buf, len, &k, "periodic Hamming: 0.54 - 0.46 cos(2 pi k / %d)", n); break;
    case WMEL_WINDOW_BLACKMAN_PERIODIC:
        add(buf, len, &k, "periodic Blackman: %s - 0.5 cos(2 pi k / %d) + %.15g cos(4 pi k / %d)", NUM(a), n, 0.5 - a, n);
        break;
    case WMEL_WINDOW_BARTLETT_PERIODIC: add(buf, len, &k, "periodic Bartlett: 1 - |2 k / %d - 1|", n); break;
    default: add(buf, len, &k, "window %d (no formula known here)", p->window);
    }
    if (p->bank_flags & WMEL_BANK_BF16) add(buf, len, &k, ", rounded to bfloat16");
}

void cli_col_hz(const wmel_frontend_plan *p, double *hz, size_t hz_len)
{
    const size_t e = p->use_energy ? 1 : 0;
    if (hz_len < e + (size_t)p->n_mels) return;
    if (e) hz[0] = 0.0;
    wmel_mel_centres(p, hz + e, hz_len - e);
}

static const char *log_text(const wmel_frontend_plan *p, char *buf, size_t len, const char *x)
{
    const double g = p->log_guard;
    char gs[48];
    if (g == ldexp(1.0, -24)) snprintf(gs, sizeof gs, "2^-24");
    else if (g == (double)FLT_EPSILON) snprintf(gs, sizeof gs, "FLT_EPSILON = %s", NUM(g));
    else snprintf(gs, sizeof gs, "%s", NUM(g));
    switch (p->log) {
    case WMEL_LOG10_CLAMP: snprintf(buf, len, "log10(max(%s, %s))", x, gs); break;
    case WMEL_LOG_ADD: snprintf(buf, len, "ln(%s + %s) (natural log)", x, gs); break;
    case WMEL_LOG_CLAMP: snprintf(buf, len, "ln(max(%s, %s)) (natural log)", x, gs); break;
    case WMEL_LOG_NONE: snprintf(buf, len, "none: the %s values themselves", x); break;
    case WMEL_LOG_ZERO: snprintf(buf, len, "ln(%s), ln(%s) where %s is 0 (natural log)", x, gs, x); break;
    case WMEL_LOG10_ZERO: snprintf(buf, len, "log10(%s), log10(%s) where %s is 0", x, gs, x); break;
    default: snprintf(buf, len, "log kind %d (no formula known here)", p->log);
    }
    return buf;
}

/* The mel scale's formula and band. */
static void bank_text(const wmel_frontend_plan *p, char *buf, size_t len)
{
    const double nyq = p->sample_rate / 2.0, hi = p->high_freq > 0 ? p->high_freq : nyq + p->high_freq;
    size_t k = 0;
    switch (p->mel_scale) {
    case WMEL_MEL_SLANEY:
        add(buf, len, &k, "Slaney filter bank (Slaney's mel scale: linear below 1000 Hz, logarithmic above; triangles in Hz over "
                          "all %d bins)", p->n_fft / 2 + 1);
        break;
    case WMEL_MEL_KALDI:
        add(buf, len, &k, "Kaldi filter bank (1127 ln(1 + f / 700), triangles in mel, the Nyquist bin left out)");
        break;
    case WMEL_MEL_HTK:
        add(buf, len, &k, "HTK filter bank (2595 log10(1 + f / 700), triangles in Hz over all %d bins)", p->n_fft / 2 + 1);
        break;
    case WMEL_MEL_TF:
        add(buf, len, &k, "TensorFlow filter bank (1127 ln(1 + f / 700), triangles in mel over all bins, bin 0 weight 0, "
                          "the Nyquist bin kept)");
        break;
    default: add(buf, len, &k, "mel scale %d (no formula known here)", p->mel_scale);
    }
    add(buf, len, &k, ", %d filters, %s .. %s Hz, %s", p->n_mels, NUM(p->low_freq), NUM(hi),
        p->mel_norm == WMEL_MELNORM_SLANEY ? "slaney area norm (2 / (f[m+2] - f[m]))" : "peak 1");
    if (p->bank_flags & WMEL_BANK_ALLOW_EMPTY) add(buf, len, &k, ", filters with no FFT bin kept (all 0)");
    if (p->bank_flags & WMEL_BANK_BF16) add(buf, len, &k, ", weights rounded to bfloat16");
    if (p->bank_flags & WMEL_BANK_SYMMETRIC)
        add(buf, len, &k, ", each triangle symmetric about its centre with its left half's width (SpeechBrain)");
    if (p->bank_flags & WMEL_BANK_SNAP_BINS)
        add(buf, len, &k, ", the points snapped to FFT bins floor((n_fft + 1) f / sample_rate), the triangles between "
                          "those bins (python_speech_features)");
}

/* The clip-wide steps after the log, in order. */
static void finish_text(const wmel_frontend_plan *p, char *buf, size_t len, char *brief, size_t blen)
{
    size_t k = 0;
    const int f = p->norm_flags;
    const char *over = p->valid == WMEL_VALID_ALL ? "every frame" : "the valid frames (the first n / hop)";
    const char *var = f & WMEL_NORMF_POPULATION ? "var over n" : "var with n - 1";
    const char *per = f & WMEL_NORMF_ALL ? "one mean and denominator over every column and valid frame"
                                         : "per column over";
    const char *what = "";
    switch (p->norm) {
    case WMEL_NORM_WHOLE:
        if (f & WMEL_NORMF_FIXED_MAX)
            add(buf, len, &k, "(max(log, M - %s) + 4) / 4 with M = norm_max %s (fixed, not the clip's)",
                NUM(p->norm_range > 0 ? p->norm_range : 8.0), NUM(p->norm_max));
        else
            add(buf, len, &k, "(max(log, M - %s) + 4) / 4, M = the largest log of %s", NUM(p->norm_range > 0 ? p->norm_range : 8.0),
                over);
        what = f & WMEL_NORMF_FIXED_MAX ? "max(x, norm_max - range), (x + 4) / 4" : "max(x, M - range), (x + 4) / 4";
        break;
    case WMEL_NORM_PER_FEATURE:
    case WMEL_NORM_MEAN_VAR:
        if (f & WMEL_NORMF_MEAN_ONLY) add(buf, len, &k, "log - mean, %s %s", per, f & WMEL_NORMF_ALL ? "" : over);
        else if (p->norm == WMEL_NORM_PER_FEATURE)
            add(buf, len, &k, "(log - mean) / (std + %s), %s%s%s (std: sqrt(%s))", NUM(p->norm_eps), per,
                f & WMEL_NORMF_ALL ? "" : " ", f & WMEL_NORMF_ALL ? "" : over, var);
        else
            add(buf, len, &k, "(log - mean) / sqrt(var + %s), %s%s%s (%s)", NUM(p->norm_eps), per,
                f & WMEL_NORMF_ALL ? "" : " ", f & WMEL_NORMF_ALL ? "" : over, var);
        what = f & WMEL_NORMF_MEAN_ONLY ? "mean" : p->norm == WMEL_NORM_PER_FEATURE ? "per_feature" : "mean/var";
        break;
    case WMEL_NORM_NONE: add(buf, len, &k, "the log as it is (no normalisation)"); break;
    default: add(buf, len, &k, "normalisation %d (no formula known here)", p->norm);
    }
    if (p->valid == WMEL_VALID_HOP) add(buf, len, &k, "; frames from n / hop on: %s", NUM(p->pad_value));
    if (p->valid == WMEL_VALID_TRIM) add(buf, len, &k, "; only the first n / hop frames kept");
    if (p->n_frames) add(buf, len, &k, "; exactly %d frames (cut, or padded with %s)", p->n_frames, NUM(p->pad_value));
    else if (p->pad_to > 1) add(buf, len, &k, "; frame count padded to a multiple of %d with %s", p->pad_to, NUM(p->pad_value));
    if (p->affine) add(buf, len, &k, "; then x %s + %s (affine)", NUM(p->post_scale), NUM(p->post_shift));
    if (p->norm == WMEL_NORM_WHOLE && (f & WMEL_NORMF_THEN_MEAN_VAR)) {
        if (f & WMEL_NORMF_MEAN_ONLY) add(buf, len, &k, "; then x - mean, per column over %s (then_norm mean)", over);
        else
            add(buf, len, &k, "; then (x - mean) / max(std, %s), per column over %s (std: sqrt(%s); then_norm mean_var)",
                NUM(p->norm_eps), over, var);
    }
    size_t b = 0;
    add(brief, blen, &b, "%s", p->norm == WMEL_NORM_NONE ? "" : what);
    if (p->n_frames || p->pad_to > 1) add(brief, blen, &b, "%spadded", b ? ", " : "");
    if (p->affine) add(brief, blen, &b, "%saffine", b ? ", " : "");
    if (p->norm == WMEL_NORM_WHOLE && (f & WMEL_NORMF_THEN_MEAN_VAR))
        add(brief, blen, &b, "%s%s", b ? ", then " : "", f & WMEL_NORMF_MEAN_ONLY ? "mean" : "mean/std");
}

/* A key of a plan's JSON that a stage's text reads: a plan option of the library's table
 * marked WMEL_PLAN_FIELD_STAGED, or the preset and the metadata keys. */
static int staged_key(const char *key, size_t n)
{
    static const char *const META[] = {"frontend", "name", "models", "original", "matched", "notes", NULL};
    for (int i = 0; META[i]; i++)
        if (strlen(META[i]) == n && !strncmp(META[i], key, n)) return 1;
    for (size_t i = 0; i < wmel_plan_field_count(); i++) {
        const wmel_plan_field *f = wmel_plan_field_info(i);
        if ((f->flags & WMEL_PLAN_FIELD_STAGED) && strlen(f->name) == n && !strncmp(f->name, key, n)) return 1;
    }
    return 0;
}

/* The keys of a plan's JSON that no stage's text reads: named in the page as they are. */
static void others_of(const char *json, char *out, size_t len)
{
    size_t k = 0;
    out[0] = 0;
    for (const char *c = json; c && (c = strchr(c, '"')) != NULL;) {
        const char *e = strchr(c + 1, '"');
        if (!e) break;
        const char *after = e + 1 + strspn(e + 1, " ");
        if (*after != ':') { /* a value, not a key */
            c = e + 1;
            continue;
        }
        const int known = staged_key(c + 1, (size_t)(e - c - 1));
        const char *v = after + 1 + strspn(after + 1, " "), *ve = v;
        if (*v == '"') ve = strchr(v + 1, '"') ? strchr(v + 1, '"') + 1 : v + strlen(v);
        else ve = v + strcspn(v, ",}");
        if (!known) add(out, len, &k, "%s%.*s %.*s", k ? ", " : "", (int)(e - c - 1), c + 1, (int)(ve - v), v);
        c = ve;
    }
}

/* ", every S frames from frame -L" when the rows overlap or start before frame 0 (LFR). */
static const char *stride_text(const wmel_frontend_plan *p)
{
    static _Thread_local char t[96];
    const int S = p->stack_stride ? p->stack_stride : p->stack;
    t[0] = '\0';
    if (S != p->stack || p->stack_left) snprintf(t, sizeof t, ", one every %d frames from frame %d", S, -p->stack_left);
    return t;
}

/* The stacked stage's title: which frame each slot of a row holds, the tail, the deltas. */
static void stack_text(const wmel_frontend_plan *p, char *buf, size_t len)
{
    size_t k = 0;
    const int S = p->stack_stride ? p->stack_stride : p->stack, L = p->stack_left, m = p->stack;
    const char *w = p->delta_win ? "2 n_cols" : "n_cols";
    add(buf, len, &k, "features: ");
    if (p->delta_win)
        add(buf, len, &k, "each frame followed by its deltas (win %d: sum_k k (x[t + k] - x[t - k]) / %d, edge frames "
            "repeated), ", p->delta_win, (p->delta_win - 1) / 2 * ((p->delta_win - 1) / 2 + 1) * (p->delta_win) / 3);
    if (m > 1) {
        char f0[32];
        if (L) snprintf(f0, sizeof f0, "%d r - %d", S, L);
        else snprintf(f0, sizeof f0, "%d r", S);
        add(buf, len, &k, "frames %s .. %s + %d side by side in row r (slot h: %s column h %s + c)", f0, f0, m - 1,
            w, w);
        if (L) add(buf, len, &k, ", frame 0 repeated before the first");
        switch (p->stack_tail) {
        case WMEL_STACK_TAIL_LAST: add(buf, len, &k, ", the last frame repeated past the end"); break;
        case WMEL_STACK_TAIL_FILL: add(buf, len, &k, ", %s past the end", NUM(p->stack_fill)); break;
        case WMEL_STACK_TAIL_DROP: add(buf, len, &k, ", an incomplete last row dropped"); break;
        case WMEL_STACK_TAIL_TRIM: add(buf, len, &k, ", the frames past the last whole row left out"); break;
        default: add(buf, len, &k, ", 0 past the end"); break;
        }
    }
    add(buf, len, &k, "; (rows, %s%s) drawn transposed", m > 1 ? "stack x " : "", w);
}

/* b->json on one line: each newline and its indent as one space, no trailing space. */
static void json_one_line(cli_fe_built *b)
{
    size_t w = 0;
    for (size_t r = 0; b->json[r]; r++) {
        if (b->json[r] == '\n') {
            while (b->json[r + 1] == ' ') r++;
            if (w && b->json[w - 1] != '{' && b->json[r + 1] != '}') b->json[w++] = ' ';
            continue;
        }
        b->json[w++] = b->json[r];
    }
    while (w && b->json[w - 1] == ' ') w--;
    b->json[w] = 0;
}

/* The first stage's title: the samples each frame of b->plan reads, into t. */
static void frames_title(const wmel_frontend_plan *p, char *t, size_t len)
{
    const int fl = p->frame_length, snip = p->framing == WMEL_FRAMES_SNIP;
    size_t k = 0;
    add(t, len, &k, "%s: %d samples", snip ? "frames" : "padded frames", fl);
    if (p->scale != 1.0) add(t, len, &k, " x %s", NUM(p->scale));
    if (p->preemph_mode == WMEL_PREEMPH_SIGNAL && p->preemph > 0)
        add(t, len, &k, " of the pre-emphasised signal (y[i] = x[i] - %s x[i-1], y[0] = x[0])", NUM(p->preemph));
    else if (p->preemph_mode >= WMEL_PREEMPH_PADDED && p->preemph > 0)
        add(t, len, &k, " of the pre-emphasised padded signal (y[i] = s[i] - %s s[i-1] from its second sample%s)",
            NUM(p->preemph), p->preemph_mode == WMEL_PREEMPH_PADDED_CUT ? ", 0 from padded index n on" : "");
    add(t, len, &k, " at hop %d, ", p->hop);
    if (snip) add(t, len, &k, "whole frames inside the signal (snip_edges): 1 + (n - %d) / %d frames", fl, p->hop);
    else if (p->framing == WMEL_FRAMES_CENTER_REFLECT || p->framing == WMEL_FRAMES_CENTER_ZERO)
        add(t, len, &k, "centred: the signal %s by %d (n_fft / 2) at both ends, 1 + n / %d frames%s",
            p->framing == WMEL_FRAMES_CENTER_REFLECT ? "reflect-padded" : "zero-padded", p->n_fft / 2, p->hop,
            fl < p->n_fft ? "; the frame in the middle of the transform" : "");
    else if (p->framing == WMEL_FRAMES_KALDI_CENTER)
        add(t, len, &k, "Kaldi snip_edges=false: frame t from sample %d t %c %d, (n + %d) / %d frames, samples "
            "outside the signal reflected Kaldi's way (-i - 1, 2 n - 1 - i, the edge repeated)", p->hop,
            p->hop / 2 < fl / 2 ? '-' : '+', abs(p->hop / 2 - fl / 2), p->hop / 2, p->hop);
    else add(t, len, &k, "framing %d (no rule known here)", p->framing);
    if (p->dither > 0) add(t, len, &k, "; plus dither %s x wmel_dither_gauss(seed %u, t, j)", NUM(p->dither), (unsigned)p->dither_seed);
}

/* The stages of the frame, from b->st[n] on: the samples, DC removal, pre-emphasis in the
 * frame, the window. Returns the next stage's index. */
static int stages_frame(cli_fe_built *b, int n)
{
    const wmel_frontend_plan *p = &b->plan;
    const int fl = p->frame_length, snip = p->framing == WMEL_FRAMES_SNIP;
    char t[480];
    frames_title(p, t, sizeof t);
    const char *sunits = p->scale != 1.0 ? "sample value (x scale)" : "sample value (full scale 1)";
    const char *prev = snip ? "frames" : "padded";
    b->st[n] = (cli_stage_desc){prev, NULL, sunits, WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PADDED, NULL, 0};
    snprintf(b->title[n++], sizeof b->title[0], "%s", t);
    if (p->remove_dc) {
        b->st[n] = (cli_stage_desc){"dc", NULL, sunits, WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_DC, NULL, 0};
        snprintf(b->title[n++], sizeof b->title[0], "DC removed: frame - its mean");
        prev = "dc";
    }
    if (p->preemph_mode == WMEL_PREEMPH_FRAME && p->preemph > 0) {
        b->st[n] = (cli_stage_desc){"preemph", NULL, sunits, WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_PREEMPH, NULL, 0};
        snprintf(b->title[n++], sizeof b->title[0], "pre-emphasised in the frame: x[i] -= %s x[i-1] (from the end), x[0] -= %s x[0]",
                 NUM(p->preemph), NUM(p->preemph));
        prev = "preemph";
    }
    b->st[n] = (cli_stage_desc){"windowed", NULL, "sample value x window", WMEL_ROWS_SAMPLE, 0, 1, 1, WMEL_ST_WINDOWED, prev, 0};
    snprintf(b->title[n++], sizeof b->title[0], "windowed: frame x window (%d samples)%s; the window: %s", fl,
             fl < p->n_fft ? (snip ? ", zero-padded to the transform's size" : ", centred in the transform") : "",
             b->window);
    return n;
}

/* The stages of the spectrum, from b->st[n] on: the power (or magnitude), the mel filters,
 * the log (and the energy). Returns the next stage's index; *lunits: the log's units. */
static int stages_spectrum(cli_fe_built *b, int n, const char **lunits)
{
    const wmel_frontend_plan *p = &b->plan;
    const int nb = p->n_fft / 2 + 1;
    char t[480], x[200], pw[96];
    size_t k;
    if (p->mag_guard_mode == WMEL_MAG_GUARD_MAX) snprintf(pw, sizeof pw, "max(|X[k]|^2, %s)", NUM(p->mag_guard));
    else if (p->mag_guard_mode == WMEL_MAG_GUARD_ADD) snprintf(pw, sizeof pw, "|X[k]|^2 + %s", NUM(p->mag_guard));
    else snprintf(pw, sizeof pw, "|X[k]|^2");
    if (p->power == 1) {
        if (p->mag_guard_mode) snprintf(x, sizeof x, "sqrt(%s)", pw);
        else snprintf(x, sizeof x, "|X[k]|");
    } else snprintf(x, sizeof x, "%s", pw);
    snprintf(b->units[n], sizeof b->units[0], "%s", p->power == 1 ? "|X[k]|" : "|X[k]|^2");
    b->st[n] = (cli_stage_desc){"power", NULL, b->units[n], WMEL_ROWS_BIN, 1, 0, 0, WMEL_ST_POWER, NULL, 0};
    snprintf(b->title[n++], sizeof b->title[0], "%s spectrum %s (%d bins, %s Hz apart; %d-point DFT)",
             p->power == 1 ? "magnitude" : "power", x, nb, NUM((double)p->sample_rate / p->n_fft), p->n_fft);
    char bank[400];
    bank_text(p, bank, sizeof bank);
    b->st[n] = (cli_stage_desc){"mel", NULL, "filter-weighted power", WMEL_ROWS_MEL, 1, 0, 0, WMEL_ST_MEL, NULL, 0};
    if (p->power == 1) b->st[n].units = "filter-weighted magnitude";
    snprintf(b->title[n++], sizeof b->title[0], "mel: %s @ %s", bank, p->power == 1 ? "magnitude" : "power");
    /* the log (and the energy) */
    char lg[160];
    log_text(p, lg, sizeof lg, "mel");
    *lunits = p->log == WMEL_LOG10_CLAMP || p->log == WMEL_LOG10_ZERO ? "log10 units"
            : p->log == WMEL_LOG_NONE                                   ? "mel energy"
                                                                        : "natural log units";
    snprintf(b->units[n], sizeof b->units[0], "%s", *lunits);
    b->st[n] = (cli_stage_desc){"log", NULL, b->units[n], p->use_energy ? WMEL_ROWS_COLS : WMEL_ROWS_MEL, 0, 0, 0, WMEL_ST_LOG, NULL, 0};
    k = 0;
    add(t, sizeof t, &k, "log: %s", lg);
    if (p->use_energy) {
        add(t, sizeof t, &k, "; row 0: the log energy ln(max(sum x^2, FLT_EPSILON)) of the frame %s",
            p->energy_windowed ? "after the window" : "after dither and DC removal (raw_energy)");
        if (p->energy_floor > 0) add(t, sizeof t, &k, ", at least ln(%s)", NUM(p->energy_floor));
    }
    snprintf(b->title[n++], sizeof b->title[0], "%s", t);
    return n;
}

/* The last stages, from b->st[n] on: the clip-wide finish (its text in b->finish, its
 * brief in brief), then the stacking. lunits: the log's units. Returns the stage count. */
static int stages_finish(cli_fe_built *b, int n, const char *lunits, char *brief, size_t blen)
{
    const wmel_frontend_plan *p = &b->plan;
    char t[480];
    size_t k;
    finish_text(p, b->finish, sizeof b->finish, brief, blen);
    const int fm = p->layout == WMEL_LAYOUT_FRAMES_MELS, stk = p->stack > 1 || p->delta_win;
    const int rows = p->use_energy ? WMEL_ROWS_COLS : WMEL_ROWS_MEL;
    const char *funits = p->norm == WMEL_NORM_NONE && !p->affine ? lunits : "normalised units";
    b->st[n] = (cli_stage_desc){stk ? "normalised" : "features", NULL, funits, rows, 0, 0, stk || fm,
                                p->norm == WMEL_NORM_NONE ? WMEL_ST_OUTPUT : WMEL_ST_NORM, NULL, 0};
    k = 0;
    add(t, sizeof t, &k, "%s: %s", stk ? "normalised" : "features", b->finish);
    if (!stk) add(t, sizeof t, &k, "; the output: (%s)%s", fm ? "n_frames, n_cols" : "n_cols, n_frames",
                  fm ? ", drawn transposed (time across)" : "");
    else add(t, sizeof t, &k, "; file (n_frames, n_cols), drawn transposed");
    snprintf(b->title[n++], sizeof b->title[0], "%s", t);
    if (stk) {
        b->st[n] = (cli_stage_desc){"features", NULL, funits, WMEL_ROWS_STACK, 0, 0, 1, WMEL_ST_STACKED, NULL, 0};
        stack_text(p, b->title[n++], sizeof b->title[0]);
    }
    return n;
}

/* The chain in one line into b->summary (brief: the finish's, "" when none). */
static void chain_summary(cli_fe_built *b, const char *brief)
{
    const wmel_frontend_plan *p = &b->plan;
    const int fl = p->frame_length, nb = p->n_fft / 2 + 1, snip = p->framing == WMEL_FRAMES_SNIP;
    const int fm = p->layout == WMEL_LAYOUT_FRAMES_MELS;
    char *sm = b->summary;
    const size_t sl = sizeof b->summary;
    size_t k = 0;
    add(sm, sl, &k, "%s Hz samples%s%s -> %s frames (%d, hop %d)", NUM(p->sample_rate),
        p->scale != 1.0 ? " x " : "", p->scale != 1.0 ? NUM(p->scale) : "",
        snip                                         ? "snip_edges"
        : p->framing == WMEL_FRAMES_CENTER_REFLECT ? "reflect-padded centred"
        : p->framing == WMEL_FRAMES_KALDI_CENTER   ? "Kaldi-reflected (snip_edges=false)"
                                                   : "zero-padded centred",
        fl, p->hop);
    if (p->preemph_mode != WMEL_PREEMPH_FRAME && p->preemph > 0)
        add(sm, sl, &k, " of the pre-emphasised %ssignal (%s)",
            p->preemph_mode == WMEL_PREEMPH_SIGNAL ? "" : "padded ", NUM(p->preemph));
    if (p->dither > 0) add(sm, sl, &k, " -> dither %s", NUM(p->dither));
    if (p->remove_dc) add(sm, sl, &k, " -> DC removal");
    if (p->preemph_mode == WMEL_PREEMPH_FRAME && p->preemph > 0) add(sm, sl, &k, " -> pre-emphasis %s in the frame", NUM(p->preemph));
    char wn[64], lg[160];
    size_t wl = strcspn(b->window, ":");
    snprintf(wn, sizeof wn, "%.*s", (int)(wl < sizeof wn - 1 ? wl : sizeof wn - 1), b->window);
    log_text(p, lg, sizeof lg, ".");
    add(sm, sl, &k, " -> %s -> %s (%d-point, %d bins) -> %s mel (%d, %s .. %s Hz) -> %s%s", wn,
        p->power == 1 ? "|DFT|" : "|DFT|^2", p->n_fft, nb,
        p->mel_scale == WMEL_MEL_SLANEY ? "Slaney" : p->mel_scale == WMEL_MEL_KALDI ? "Kaldi" : p->mel_scale == WMEL_MEL_HTK ? "HTK" : "TF",
        p->n_mels, NUM(p->low_freq), NUM(p->high_freq > 0 ? p->high_freq : p->sample_rate / 2.0 + p->high_freq), lg,
        p->use_energy ? " (+ log energy)" : "");
    if (p->n_ceps > 0)
        add(sm, sl, &k, " -> %d cepstra (Kaldi's DCT-II%s%s%s)", p->n_ceps,
            p->cepstral_lifter > 0 ? ", lifter " : "", p->cepstral_lifter > 0 ? NUM(p->cepstral_lifter) : "",
            p->use_energy ? (p->ceps_htk ? ", the log energy last" : ", the log energy as c0")
                          : p->ceps_htk ? ", c0 x sqrt(2) last" : "");
    if (brief[0]) add(sm, sl, &k, " -> %s", brief);
    if (p->delta_win) add(sm, sl, &k, " -> deltas (win %d)", p->delta_win);
    if (p->stack > 1) add(sm, sl, &k, " -> %d frames a row%s", p->stack, stride_text(p));
    add(sm, sl, &k, " -> (%s) (%s)", fm ? "n_frames, n_cols" : "n_cols, n_frames", b->name);
}

const cli_frontend *cli_frontend_of_plan(const wmel_frontend_plan *plan, const char *name, cli_fe_built *b)
{
    if (cli_plan_is_whisper(plan)) return &FRONTENDS[0];
    memset(b, 0, sizeof *b);
    b->plan = *plan;
    const wmel_frontend_plan *p = &b->plan;
    snprintf(b->name, sizeof b->name, "%s", name);
    char why[320];
    if (wmel_plan_to_json(p, b->json, sizeof b->json, why, sizeof why))
        snprintf(b->json, sizeof b->json, "(no JSON: %s)", why);
    else
        others_of(b->json, b->others, sizeof b->others);
    json_one_line(b);
    cli_window_text(p, b->window, sizeof b->window);
    const int fl = p->frame_length, snip = p->framing == WMEL_FRAMES_SNIP, stk = p->stack > 1 || p->delta_win;
    const char *lunits = NULL;
    char brief[96] = "";
    int n = stages_frame(b, 0);
    n = stages_spectrum(b, n, &lunits);
    n = stages_finish(b, n, lunits, brief, sizeof brief);
    for (int i = 0; i < n; i++) b->st[i].title = b->title[i];
    chain_summary(b, brief);
    b->fe = (cli_frontend){b->name, p->frontend, p->sample_rate, fl, p->n_fft, p->hop, snip ? fl / 2 : 0, b->st, n,
                           b->summary, p, p->use_energy ? 1 : 0, stk ? p->stack : 0,
                           p->stack_stride ? p->stack_stride : p->stack, p->stack_left, p->delta_win ? 1 : 0};
    return &b->fe;
}

size_t cli_stage_rows(const cli_frontend *fe, const cli_stage_desc *s, int n_mels)
{
    switch (s->rows) {
    case WMEL_ROWS_SAMPLE: return (size_t)fe->frame_length;
    case WMEL_ROWS_BIN: return (size_t)fe->n_fft / 2 + 1;
    case WMEL_ROWS_STACK:
        return (size_t)(fe->stack > 0 ? fe->stack : 1) * ((size_t)n_mels + (size_t)fe->energy) * (fe->deltas ? 2u : 1u);
    case WMEL_ROWS_COLS: return (size_t)n_mels + (size_t)fe->energy;
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
    int rc = fe->plan ? WMEL_OK : wmel_frontend_preset(fe->preset, clip->n_mels, &clip->plan);
    if (fe->plan) clip->plan = *fe->plan;
    if (rc) {
        snprintf(err, err_len, "--n-mels %d: not one the %s front-end takes", clip->n_mels, fe->name);
        return rc;
    }
    const wmel_frontend_plan *p = &clip->plan;
    const size_t n = clip->n, fl = (size_t)p->frame_length, hop = (size_t)p->hop;
    if (!fe->plan && fe->preset == WMEL_FRONTEND_WHISPER) {
        if (n <= WMEL_N_FFT / 2) {
            snprintf(err, err_len, "%zu samples: too short for a frame (more than 200 needed)", n);
            return WMEL_ERR_TOO_SHORT;
        }
        clip->n_frames = clip->n_valid = clip->n_out = wmel_n_frames(n, 0);
        return WMEL_OK;
    }
    /* as the library counts them */
    wmel_plan_counts c;
    int rc2 = wmel_plan_frames(p, n, &c);
    if (rc2 == WMEL_ERR_TOO_SHORT) { /* the reflection reaches further than the clip */
        const size_t reach = p->framing == WMEL_FRAMES_CENTER_REFLECT ? (size_t)p->n_fft / 2
                             : (size_t)(p->pad_left > p->pad_right ? p->pad_left : p->pad_right);
        snprintf(err, err_len, "%zu samples: too short to reflect-pad (more than %zu needed)", n, reach);
        return rc2;
    }
    if (rc2) {
        snprintf(err, err_len, "%s", wmel_strerror(rc2));
        return rc2;
    }
    /* the STFT frames the output holds (the valid ones for TRIM), the valid ones, the output's */
    size_t nf = p->valid == WMEL_VALID_TRIM ? c.valid : c.stft;
    const size_t nv = c.valid, no = c.frames;
    if (nf > no) nf = no;
    if (nf == 0 || nv == 0) {
        snprintf(err, err_len, "%zu samples: too short for a frame (%zu needed)", n,
                 p->framing == WMEL_FRAMES_SNIP ? fl : hop);
        return WMEL_ERR_TOO_SHORT;
    }
    clip->n_frames = nf;
    clip->n_valid = nv;
    clip->n_out = no;
    clip->n_rows = fe->stack ? c.rows : no;
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

/* The denominator of the plan's normalisation from the sum of squared deviations over nv
 * values (as the library's: Bessel's variance, 0 for one value, over nv with
 * WMEL_NORMF_POPULATION; 1 with WMEL_NORMF_MEAN_ONLY; with norm_eps 0 a denominator below
 * 1e-12 |mean| is 0, a constant column). */
static double denom_of(const wmel_frontend_plan *p, double ss, size_t nv, double mean)
{
    if (p->norm_flags & WMEL_NORMF_MEAN_ONLY) return 1.0;
    double var = nv > 1 ? ss / (double)(nv - 1) : 0.0;
    if (p->norm_flags & WMEL_NORMF_POPULATION) var = nv ? ss / (double)nv : 0.0;
    double d = p->norm == WMEL_NORM_PER_FEATURE ? sqrt(var) + p->norm_eps : sqrt(var + p->norm_eps);
    return p->norm_eps == 0.0 && d <= 1e-12 * fabs(mean) ? 0.0 : d;
}

/* The clip-wide values of the normalisation over the valid frames: each column's mean and
 * denominator (or one over every column: WMEL_NORMF_ALL), or the largest value (WHOLE).
 * Two passes in double, frames in order (the library adds the same values in chunks of 64
 * frames: the same statistics up to the rounding of the sums). x(t, c) = x[t * ts + c * cs]. */
static void col_stats(cli_clip *clip, size_t nc, const double *xd, const float *xf, size_t ts, size_t cs)
{
    const size_t nv = clip->n_valid;
    const wmel_frontend_plan *p = &clip->plan;
#define X(t, c) (xd ? xd[(t) * ts + (c) * cs] : (double)xf[(t) * ts + (c) * cs])
    if (p->norm == WMEL_NORM_WHOLE) {
        double mx = -INFINITY;
        for (size_t t = 0; t < nv; t++)
            for (size_t c = 0; c < nc; c++)
                if (X(t, c) > mx) mx = X(t, c), clip->max_frame = t, clip->max_mel = c;
        clip->log_max = mx;
        return;
    }
    const int all = (p->norm_flags & WMEL_NORMF_ALL) != 0;
    for (size_t c = 0; c < (all ? 1 : nc); c++) {
        size_t c0 = all ? 0 : c, c1 = all ? nc : c + 1;
        double s = 0.0, ss = 0.0;
        for (size_t t = 0; t < nv; t++)
            for (size_t k = c0; k < c1; k++) s += X(t, k);
        const size_t cnt = nv * (c1 - c0);
        const double mean = cnt ? s / (double)cnt : 0.0;
        for (size_t t = 0; t < nv; t++)
            for (size_t k = c0; k < c1; k++) ss += (X(t, k) - mean) * (X(t, k) - mean);
        for (size_t k = c0; k < c1; k++) {
            clip->mean[k] = mean;
            clip->denom[k] = denom_of(p, ss, cnt, mean);
        }
    }
#undef X
}

int cli_clip_stats(const cli_frontend *fe, cli_clip *clip, char *err, size_t err_len)
{
    (void)fe;
    const wmel_frontend_plan *p = &clip->plan;
    clip->stats_from = NULL;
    if (p->norm == WMEL_NORM_WHOLE && (p->norm_flags & WMEL_NORMF_FIXED_MAX)) {
        clip->log_max = p->norm_max;
        clip->stats_from = "the plan's norm_max (fixed, not the clip's)";
        return WMEL_OK;
    }
    if (p->norm != WMEL_NORM_PER_FEATURE && p->norm != WMEL_NORM_MEAN_VAR && p->norm != WMEL_NORM_WHOLE) return WMEL_OK;
    if (p->n_ceps > 0) return WMEL_OK; /* the statistics are the cepstra's, after the stages' log */
    const size_t nv = clip->n_valid, nc = (size_t)clip->n_mels + (p->use_energy ? 1 : 0);
    int rc;
    if (nv <= WMEL_REF_STATS_FRAMES) {
        double *lg = malloc(nv * nc * sizeof *lg);
        wmel_stage_span sp = {0, nv, 1};
        wmel_plan_stage_out o = {0};
        o.logmel = lg;
        rc = lg ? wmel_ref_plan_stages(p, clip->pcm, clip->n, &sp, &o) : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) col_stats(clip, nc, lg, NULL, 1, nv);
        free(lg);
        clip->stats_from = "the float64 reference's log of every valid frame";
    } else {
        wmel_frontend_plan q = *p;
        q.norm = WMEL_NORM_NONE;
        q.norm_flags = 0;
        q.norm_max = q.norm_range = 0.0;
        q.stack = 1;
        q.stack_stride = q.stack_left = q.stack_tail = q.delta_win = q.cols_stacked = 0;
        q.stack_fill = 0.0;
        q.affine = 0;
        q.post_scale = q.post_shift = 0.0;
        wmel_params bp = wmel_default_params();
        bp.backend = WMEL_BACKEND_CPU;
        wmel_ctx *ctx = wmel_create_plan(&bp, &q, &rc);
        size_t rows = 0, cols = 0;
        if (ctx) rc = wmel_features_shape(ctx, clip->n, &rows, &cols);
        float *x = ctx && rc == WMEL_OK ? malloc(rows * cols * sizeof *x) : NULL;
        if (ctx && rc == WMEL_OK) rc = x ? wmel_features(ctx, clip->pcm, clip->n, x, rows * cols) : WMEL_ERR_NO_MEMORY;
        if (rc == WMEL_OK) {
            if (q.layout == WMEL_LAYOUT_MELS_FRAMES) col_stats(clip, nc, NULL, x, 1, cols);
            else col_stats(clip, nc, NULL, x, cols, 1);
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

/* The plan's clip-wide finish of column c of frame t whose log is lg: frames past the valid
 * ones pad_value, the normalisation, then the affine (src/ref/fe_ref.c's order). */
static double finish(const cli_clip *clip, size_t c, size_t t, double lg)
{
    const wmel_frontend_plan *p = &clip->plan;
    double v = lg;
    if (t >= clip->n_valid) v = p->pad_value;
    else if (p->norm == WMEL_NORM_PER_FEATURE || p->norm == WMEL_NORM_MEAN_VAR)
        v = clip->denom[c] > 0.0 ? (lg - clip->mean[c]) / clip->denom[c] : 0.0;
    else if (p->norm == WMEL_NORM_WHOLE) {
        const double lo = clip->log_max - (p->norm_range > 0.0 ? p->norm_range : 8.0);
        v = ((lg > lo ? lg : lo) + 4.0) / 4.0;
    }
    if (p->affine) v = v * p->post_scale + p->post_shift;
    if (clip->col_scale && !p->cols_stacked) v = v * clip->col_scale[c] + clip->col_shift[c];
    return v;
}

static int plan_stages(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf, size_t step,
                       double **out, double *window)
{
    const size_t fl = (size_t)fe->frame_length, nm = (size_t)clip->n_mels + (size_t)fe->energy;
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
            for (size_t i = 0; i < nf; i++) out[s][m * nf + i] = finish(clip, m, first + i * step, lg[m * nf + i]);
    }
    if (lg && (sl < 0 || lg != out[sl])) free(lg);
    for (int k = 0; k < 4; k++) free(smp[k]);
    return rc;
}

int cli_stages_compute(const cli_frontend *fe, const cli_clip *clip, size_t first, size_t nf,
                        size_t step, double **out, double *window)
{
    if (nf == 0) return WMEL_OK;
    if (fe->plan) return plan_stages(fe, clip, first, nf, step, out, window);
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
    const wmel_frontend_plan *p = &clip->plan;
    const size_t nm = (size_t)clip->n_mels + (size_t)fe->energy, w = nm * (fe->deltas ? 2u : 1u);
    const size_t m = fe->stack > 0 ? (size_t)fe->stack : 1, width = m * w;
    const long long S = fe->stride > 0 ? fe->stride : (long long)m, L = fe->left, T = (long long)clip->n_out;
    const long long N = p->delta_win ? (p->delta_win - 1) / 2 : 0;
    const double den = (double)N * (double)(N + 1) * (double)(2 * N + 1) / 3.0;
    memset(out, 0, width * nr * sizeof *out);
    if (nr == 0 || T == 0) return WMEL_OK;
    /* a row reads the finished frames [a, b]: its slots' frames and their delta neighbours */
    const size_t span_max = m + 2 * (size_t)N;
    double *lg = malloc(nm * span_max * sizeof *lg), *fin = malloc(nm * span_max * sizeof *fin);
    if (!lg || !fin) {
        free(lg);
        free(fin);
        return WMEL_ERR_NO_MEMORY;
    }
    int rc = WMEL_OK;
    for (size_t i = 0; i < nr && rc == WMEL_OK; i++) {
        const long long r = (long long)(r0 + i * rstep), s0 = r * S - L;
        long long a = s0 - N, b = s0 + (long long)m - 1 + N;
        if (a < 0) a = 0;
        if (b > T - 1) b = T - 1;
        if (a > b) a = b; /* a row wholly past the end reads the last frame (LAST) */
        const size_t cnt = (size_t)(b - a + 1);
        /* the log of the computed frames among them; the others are the finish's padding */
        const long long ce = b < (long long)clip->n_frames - 1 ? b : (long long)clip->n_frames - 1;
        if (ce >= a) {
            wmel_stage_span span = {(size_t)a, (size_t)(ce - a + 1), 1};
            wmel_plan_stage_out o = {0};
            o.logmel = lg;
            rc = wmel_ref_plan_stages(p, clip->pcm, clip->n, &span, &o);
            if (rc) break;
        }
        const size_t nl = ce >= a ? (size_t)(ce - a + 1) : 0;
        for (size_t c = 0; c < nm; c++)
            for (size_t t = 0; t < cnt; t++)
                fin[t * nm + c] = finish(clip, c, (size_t)a + t, t < nl ? lg[c * nl + t] : 0.0);
#define FX(t, c) ((double)(float)fin[(size_t)((t) - a) * nm + (c)])
        for (size_t h = 0; h < m; h++) {
            long long sf = s0 + (long long)h;
            double *col = out + h * w * nr; /* column h w + c of row i at out[(h w + c) nr + i] */
            if (sf < 0) sf = 0;
            if (sf >= T) {
                if (p->stack_tail == WMEL_STACK_TAIL_LAST) sf = T - 1;
                else {
                    const double v = p->stack_tail == WMEL_STACK_TAIL_FILL ? p->stack_fill : 0.0;
                    for (size_t c = 0; c < w; c++) col[c * nr + i] = v;
                    continue;
                }
            }
            for (size_t c = 0; c < nm; c++) {
                col[c * nr + i] = fin[(size_t)(sf - a) * nm + c];
                if (!N) continue;
                double d = 0.0;
                for (long long k = 1; k <= N; k++)
                    d += (double)k * (FX(sf + k < T ? sf + k : T - 1, c) - FX(sf - k >= 0 ? sf - k : 0, c));
                col[(nm + c) * nr + i] = d / den;
            }
        }
#undef FX
        if (p->cols_stacked && clip->col_scale)
            for (size_t c = 0; c < width; c++) out[c * nr + i] = out[c * nr + i] * clip->col_scale[c] + clip->col_shift[c];
    }
    free(lg);
    free(fin);
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
