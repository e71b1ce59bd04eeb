/*
 * test_plan_caps.c -- the plan's appended capabilities (wmel.h: WMEL_MEL_HTK / TF, empty
 * filters, the magnitude guard, the fixed max and range of the whole normalisation, the
 * population / mean-only / all-features statistics, the affine, the fixed frame count and
 * pad value, the bfloat16 bank and window, the Blackman and Bartlett windows): each plan's
 * CPU output at every ISA level the machine has, on one and on three threads, against the
 * float64 reference (WMEL_BACKEND_REF) within 2e-5 x max(1, |ref|), on edge lengths (0, 1,
 * one frame and one sample either side, a second), silence, full-scale noise and a chirp;
 * the statuses equal where a length is refused. The frame stream equals wmel_features()
 * with the normalisation off, and the sliding buffer equals wmel_features() of the samples
 * it holds, bit for bit. Hand-made checks of the semantics themselves: a TF bank's empty
 * filters give log(guard); the fixed frame count's padded rows equal the affine of
 * pad_value; the mean-only normalisation leaves columns with mean 0; the bfloat16 window
 * has 8 significant bits.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    wmel_frontend_plan p;
} pcase;

/* Every ISA level's CPU output against the reference; returns the largest error seen as a
 * fraction of max(1, |ref|). */
static double against_ref(const pcase *c)
{
    int st;
    wmel_ctx *ref = t_ctx_plan(&c->p, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st);
    CHECK(ref && st == WMEL_OK, "%s: ref ctx %s", c->name, wmel_strerror(st));
    if (!ref) return 0.0;
    const int fl = c->p.frame_length;
    /* the explicit framing's edges too: a frame's span, the reflection's reach, a multiple */
    const size_t span = (size_t)(c->p.frame_span ? c->p.frame_span : fl);
    const size_t reach = (size_t)(c->p.pad_left > c->p.pad_right ? c->p.pad_left : c->p.pad_right);
    const int framed = c->p.pad_left || c->p.pad_right || c->p.pad_multiple || c->p.frame_span || c->p.window_offset;
    const size_t lens[] = {0, 1, (size_t)fl - 1, (size_t)fl, (size_t)fl + 1, (size_t)c->p.n_fft / 2 + 1, 3 * 160 + 7, 16000,
                           span - 1, span, span + 1, reach, reach + 1, 16001, 9999};
    const size_t n_lens = framed ? 15 : 8;
    static const int isas[] = {WMEL_ISA_C, WMEL_ISA_AVX2, WMEL_ISA_AVX512, WMEL_ISA_NEON};
    char seen[4][64] = {{0}}; /* the kernels done: a level the CPU lacks gives a lower one's */
    double worst = 0.0;
    for (int ii = 0; ii < 4; ii++)
        for (int threads = 1; threads <= 3; threads += 2) {
            wmel_ctx *cpu = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, isas[ii], threads, &st);
            CHECK(cpu && st == WMEL_OK, "%s: cpu ctx %s", c->name, wmel_strerror(st));
            if (!cpu) continue;
            const char *kn = wmel_kernel_name(cpu);
            int dup = 0;
            for (int j = 0; j < ii; j++) dup |= !strcmp(seen[j], kn);
            if (threads == 1) snprintf(seen[ii], sizeof seen[ii], "%s", kn);
            if (dup) {
                wmel_destroy(cpu);
                continue;
            }
            for (size_t li = 0; li < n_lens; li++)
                for (int kind = 0; kind < 3; kind++) {
                    const size_t n = lens[li];
                    float *x = t_signal(kind, n, (unsigned)(li * 7 + kind), 1.0f);
                    size_t r1 = 0, c1 = 0, r2 = 0, c2 = 0;
                    int s1 = wmel_features_shape(ref, n, &r1, &c1), s2 = wmel_features_shape(cpu, n, &r2, &c2);
                    CHECK(s1 == s2 && r1 == r2 && c1 == c2, "%s n %zu: shapes %d %zux%zu vs %d %zux%zu", c->name, n,
                          s1, r1, c1, s2, r2, c2);
                    const size_t len = r1 * c1;
                    float *a = malloc((len ? len : 1) * sizeof(float)), *b = malloc((len ? len : 1) * sizeof(float));
                    s1 = wmel_features(ref, x, n, a, len);
                    s2 = wmel_features(cpu, x, n, b, len);
                    CHECK(s1 == s2, "%s n %zu kind %d: status ref %d, cpu %d (%s)", c->name, n, kind, s1, s2, seen[ii]);
                    if (s1 == WMEL_OK && s2 == WMEL_OK) {
                        double e = 0.0;
                        size_t at = 0;
                        for (size_t i = 0; i < len; i++) {
                            const double d = fabs((double)a[i] - b[i]) / fmax(1.0, fabs(a[i]));
                            if (!(d <= e)) e = d, at = i;
                        }
                        CHECK(e <= 2e-5, "%s n %zu kind %d, %s, %d threads: error %.3g at %zu (%.9g vs %.9g)", c->name,
                              n, kind, seen[ii], threads, e, at, (double)a[at], (double)b[at]);
                        if (e > worst) worst = e;
                    }
                    free(a);
                    free(b);
                    free(x);
                }
            wmel_destroy(cpu);
        }
    wmel_destroy(ref);
    return worst;
}

/* The stream on ctx (a plan q without normalisation) equals wmel_features() on it. */
static void stream_ctx_same(const pcase *c, const wmel_frontend_plan *pq, wmel_ctx *ctx);

/* The stream equals wmel_features() with the normalisation (and the finish) off. */
static void stream_same(const pcase *c)
{
    wmel_frontend_plan q = c->p;
    q.norm = WMEL_NORM_NONE;
    q.norm_flags = 0, q.norm_max = 0, q.norm_range = 0, q.n_frames = 0, q.affine = 0;
    q.post_scale = q.post_shift = 0, q.pad_value = 0, q.pad_to = 0;
    int st;
    wmel_ctx *ctx = t_ctx_plan(&q, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    CHECK(ctx && st == WMEL_OK, "%s stream: ctx %s", c->name, wmel_strerror(st));
    if (!ctx) return;
    stream_ctx_same(c, &q, ctx);
    wmel_destroy(ctx);
}

static void stream_ctx_same(const pcase *c, const wmel_frontend_plan *pq, wmel_ctx *ctx)
{
    const wmel_frontend_plan q = *pq;
    int st;
    const size_t n = 40000;
    float *x = t_signal(0, n, 5, 1.0f);
    size_t rows, cols;
    wmel_features_shape(ctx, n, &rows, &cols);
    float *full = malloc(rows * cols * sizeof(float));
    CHECK(wmel_features(ctx, x, n, full, rows * cols) == WMEL_OK, "%s: features", c->name);
    const size_t nc = (size_t)(q.n_ceps > 0 ? q.n_ceps : q.n_mels + q.use_energy); /* a frame's columns */
    t_gather g = {calloc(rows * cols + nc, sizeof(float)), nc, 0};
    wmel_stream *s = wmel_stream_create(ctx, 0, t_gather_take, &g, &st);
    CHECK(s && st == WMEL_OK, "%s: stream %d", c->name, st);
    t_rng = 11;
    for (size_t pos = 0; s && pos < n;) {
        size_t k = t_push_size(9000);
        if (k > n - pos) k = n - pos;
        CHECK(wmel_stream_push(s, x + pos, k) == WMEL_OK, "%s: push", c->name);
        pos += k;
    }
    CHECK(s && wmel_stream_finish(s) == WMEL_OK, "%s: finish", c->name);
    const int fm = q.layout == WMEL_LAYOUT_FRAMES_MELS;
    const size_t nf = fm ? rows * (size_t)q.stack : cols;
    int same = g.n <= nf;
    for (size_t t = 0; same && t < g.n; t++)
        for (size_t m = 0; m < nc; m++)
            same &= g.v[t * nc + m] == (fm ? full[t * nc + m] : full[m * cols + t]);
    CHECK(same && g.n > 0, "%s: the stream's %zu frames differ from wmel_features' %zu", c->name, g.n, nf);
    wmel_stream_destroy(s);
    free(g.v);
    free(full);
    free(x);
}

/* The sliding buffer equals wmel_features() of the samples it holds, through pushes and
 * trims (multiples of the hop, and not). */
static void sliding_same(const pcase *c)
{
    int st;
    wmel_ctx *ctx = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 2, &st);
    CHECK(ctx && st == WMEL_OK, "%s sliding: ctx %s", c->name, wmel_strerror(st));
    if (!ctx) return;
    wmel_sliding *b = wmel_sliding_create(ctx, &st);
    CHECK(b && st == WMEL_OK, "%s sliding: create %d", c->name, st);
    const size_t n = 64000;
    float *x = t_signal(0, n, 9, 1.0f);
    t_sliding_same(ctx, b, x, n, (size_t)c->p.hop, 3, 40, 0, c->name);
    wmel_sliding_destroy(b);
    free(x);
    wmel_destroy(ctx);
}

static wmel_frontend_plan preset(int fr, int n_mels)
{
    wmel_frontend_plan p;
    wmel_frontend_preset(fr, n_mels, &p);
    return p;
}

/* The plans: each capability on the front-end that uses it. */
static int make_cases(pcase *c)
{
    int k = 0;
    wmel_frontend_plan p;
    /* HTK scale, triangles in Hz, no norm, magnitude (Gemma3n's bank on NeMo's framing) */
    p = preset(WMEL_FRONTEND_NEMO, 128);
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.power = 1, p.low_freq = 125, p.high_freq = 7600;
    p.log = WMEL_LOG_CLAMP, p.log_guard = 1e-5, p.norm = WMEL_NORM_NONE, p.preemph = 0;
    c[k++] = (pcase){"htk none", p};
    /* HTK with Slaney's norm on Whisper's geometry (CLVP-like), the general path's n_fft 400 */
    p = preset(WMEL_FRONTEND_WHISPER, 80);
    p.mel_scale = WMEL_MEL_HTK;
    c[k++] = (pcase){"htk slaney whisper-geometry", p};
    /* TF's bank with empty filters (LASR: 125..7500 Hz, 128 mels at n_fft 512) */
    p = preset(WMEL_FRONTEND_KALDI, 128);
    p.window = WMEL_WINDOW_HANN, p.remove_dc = 0, p.preemph = 0, p.scale = 1;
    p.mel_scale = WMEL_MEL_TF, p.low_freq = 125, p.high_freq = 7500, p.log_guard = 1e-5;
    p.bank_flags = WMEL_BANK_ALLOW_EMPTY;
    c[k++] = (pcase){"tf empty (lasr)", p};
    /* Kaldi's bank with empty filters allowed, power 1 and an additive guard */
    p = preset(WMEL_FRONTEND_KALDI, 128);
    p.bank_flags = WMEL_BANK_ALLOW_EMPTY, p.mag_guard_mode = WMEL_MAG_GUARD_ADD, p.mag_guard = 1e-9, p.power = 1;
    c[k++] = (pcase){"kaldi empty + add guard", p};
    /* the magnitude's clamp (Inkling: sqrt(max(p, 1e-10)), log10) */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.power = 1, p.mag_guard_mode = WMEL_MAG_GUARD_MAX, p.mag_guard = 1e-10;
    p.log = WMEL_LOG10_CLAMP, p.log_guard = 1e-10, p.norm = WMEL_NORM_NONE;
    c[k++] = (pcase){"max guard (inkling)", p};
    /* Whisper's normalisation with a fixed max (Voxtral realtime) and with a range */
    p = preset(WMEL_FRONTEND_WHISPER, 128);
    p.norm_flags = WMEL_NORMF_FIXED_MAX, p.norm_max = 1.5;
    c[k++] = (pcase){"fixed max 1.5 (voxtral-rt)", p};
    p = preset(WMEL_FRONTEND_NEMO, 64);
    p.norm = WMEL_NORM_WHOLE, p.norm_range = 6.0, p.log = WMEL_LOG10_CLAMP, p.log_guard = 1e-10;
    c[k++] = (pcase){"whole range 6", p};
    /* Speech2Text: MEAN_VAR over n, eps 0 */
    p = preset(WMEL_FRONTEND_KALDI, 80);
    p.norm = WMEL_NORM_MEAN_VAR, p.norm_flags = WMEL_NORMF_POPULATION, p.norm_eps = 0;
    c[k++] = (pcase){"population eps 0 (speech2text)", p};
    /* WeSpeaker's CMN */
    p = preset(WMEL_FRONTEND_KALDI, 80);
    p.window = WMEL_WINDOW_HAMMING, p.norm = WMEL_NORM_MEAN_VAR, p.norm_flags = WMEL_NORMF_MEAN_ONLY;
    c[k++] = (pcase){"mean only (wespeaker)", p};
    /* NeMo all_features, columns x frames, with pad_to and a pad value */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.norm_flags = WMEL_NORMF_ALL, p.pad_to = 16, p.pad_value = -1.25;
    c[k++] = (pcase){"all features + pad value (nemo)", p};
    /* AST: Kaldi, scale 1, Hann, 128 mels, n_frames, affine (frames x mels) */
    p = preset(WMEL_FRONTEND_KALDI, 128);
    p.window = WMEL_WINDOW_HANN, p.scale = 1, p.n_frames = 60, p.affine = 1;
    p.bank_flags = WMEL_BANK_ALLOW_EMPTY; /* filter 3 has no bin: torchaudio keeps it */
    p.post_scale = 1.0 / (2 * 4.5689974), p.post_shift = 4.2677393 / (2 * 4.5689974);
    c[k++] = (pcase){"n_frames + affine (ast)", p};
    /* the same with a stack and a pad value, and a statistics normalisation after truncation */
    p = preset(WMEL_FRONTEND_SEAMLESS, 40);
    p.n_frames = 33, p.pad_value = 0.5, p.affine = 1, p.post_scale = 2.0, p.post_shift = -1.0;
    c[k++] = (pcase){"seamless n_frames 33 + pad + affine", p};
    /* bfloat16 bank and window (Nemotron) */
    p = preset(WMEL_FRONTEND_NEMO, 128);
    p.bank_flags = WMEL_BANK_BF16, p.norm = WMEL_NORM_NONE;
    c[k++] = (pcase){"bf16 (nemotron)", p};
    /* windows */
    p = preset(WMEL_FRONTEND_KALDI, 80);
    p.window = WMEL_WINDOW_BLACKMAN;
    c[k++] = (pcase){"kaldi blackman 0.42", p};
    p.window_coeff = 0.35;
    c[k++] = (pcase){"kaldi blackman 0.35", p};
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.window = WMEL_WINDOW_BARTLETT;
    c[k++] = (pcase){"nemo bartlett", p};
    p.window = WMEL_WINDOW_BLACKMAN, p.use_energy = 0;
    c[k++] = (pcase){"nemo blackman", p};
    /* Kaldi's dither (the noise a function of the absolute frame index) and the windowed
       log energy (raw_energy=false), on the radix-4 and the other transforms */
    p = preset(WMEL_FRONTEND_KALDI, 80);
    p.dither = 1.0, p.dither_seed = 7;
    c[k++] = (pcase){"kaldi dither 1", p};
    p.use_energy = 1, p.energy_windowed = 1, p.dither = 3e-5 * 32768;
    c[k++] = (pcase){"kaldi dither + windowed energy", p};
    p.dither = 0.0, p.energy_floor = 1.0;
    c[k++] = (pcase){"kaldi windowed energy, floor 1", p};
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.dither = 1e-3, p.dither_seed = -3; /* well above the log's guard: silence's columns stay
                                            well-conditioned for the per-feature statistics */
    c[k++] = (pcase){"nemo dither 1e-3", p};
    p = preset(WMEL_FRONTEND_WHISPER, 80);
    p.dither = 1e-4;
    c[k++] = (pcase){"whisper geometry + dither (n_fft 400)", p};
    /* the explicit framing: Gemma3n's unfold of 513 (pre-emphasis in the frame, a 1024-point
       transform, samples padded to a multiple of 128) */
    p = preset(WMEL_FRONTEND_KALDI, 128);
    p.frame_length = 512, p.n_fft = 1024, p.window = WMEL_WINDOW_HANN_PERIODIC, p.remove_dc = 0, p.scale = 1;
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.low_freq = 125, p.high_freq = 7600, p.power = 1;
    p.log_guard = 1e-5, p.frame_span = 513, p.pad_multiple = 128;
    c[k++] = (pcase){"span 513, multiple 128 (gemma3n)", p};
    /* Gemma4: 160 zeros on the left, unfold of 321, frames whose end is padding zeroed */
    p = preset(WMEL_FRONTEND_KALDI, 128);
    p.frame_length = 320, p.window = WMEL_WINDOW_HANN_PERIODIC, p.remove_dc = 0, p.scale = 1, p.preemph = 0;
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.low_freq = 0, p.high_freq = 8000, p.power = 1;
    p.log = WMEL_LOG_ADD, p.log_guard = 1e-3, p.pad_left = 160, p.frame_span = 321, p.pad_multiple = 128;
    p.valid = WMEL_VALID_END;
    c[k++] = (pcase){"left 160, span 321, valid end (gemma4)", p};
    /* Inkling: causal (n_fft - hop zeros on the left, the right to a multiple of the hop) */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.frame_length = p.n_fft = 1600, p.hop = 800, p.window = WMEL_WINDOW_HANN_PERIODIC, p.preemph = 0;
    p.framing = WMEL_FRAMES_SNIP, p.pad_left = 800, p.pad_multiple = 800, p.valid = WMEL_VALID_CEIL;
    p.power = 1, p.mag_guard_mode = WMEL_MAG_GUARD_MAX, p.mag_guard = 1e-10;
    p.log = WMEL_LOG10_CLAMP, p.log_guard = 1e-10, p.norm = WMEL_NORM_NONE, p.layout = WMEL_LAYOUT_FRAMES_MELS;
    c[k++] = (pcase){"causal, valid ceil (inkling)", p};
    /* UnivNet: reflect (n_fft - hop) / 2 on both sides at 24 kHz */
    p = preset(WMEL_FRONTEND_NEMO, 100);
    p.sample_rate = 24000, p.frame_length = p.n_fft = 1024, p.hop = 256, p.window = WMEL_WINDOW_HANN_PERIODIC;
    p.preemph = 0, p.high_freq = 12000, p.framing = WMEL_FRAMES_SNIP, p.pad_left = p.pad_right = 384;
    p.pad_mode = WMEL_PAD_REFLECT, p.valid = WMEL_VALID_ALL, p.power = 1;
    p.mag_guard_mode = WMEL_MAG_GUARD_ADD, p.mag_guard = 1e-9, p.log = WMEL_LOG_CLAMP, p.log_guard = 1e-5;
    p.norm = WMEL_NORM_NONE, p.layout = WMEL_LAYOUT_FRAMES_MELS;
    c[k++] = (pcase){"reflect 384 both sides (univnet)", p};
    /* NeMo exact_pad: the reflection, the signal's pre-emphasis, every frame but the last */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    wmel_plan_set(&p, "exact_pad", "1", NULL, 0);
    c[k++] = (pcase){"exact_pad (nemo)", p};
    p = preset(WMEL_FRONTEND_NEMO_LEGACY, 80);
    wmel_plan_set(&p, "exact_pad", "1", NULL, 0);
    c[k++] = (pcase){"exact_pad (nemo legacy)", p};
    /* the padded signal's pre-emphasis with the window one sample in (Gemma3n's non-HTK flavour), zeros to a
       multiple of 128 after the clip and 37 before it; and cut (NeMo's mask) with zeros 100 on both sides */
    p = preset(WMEL_FRONTEND_KALDI, 64);
    p.remove_dc = 0, p.scale = 1, p.preemph_mode = WMEL_PREEMPH_PADDED, p.frame_span = 401, p.window_offset = 1;
    p.pad_left = 37, p.pad_multiple = 128;
    c[k++] = (pcase){"padded pre-emphasis (gemma3n non-htk)", p};
    p = preset(WMEL_FRONTEND_KALDI, 64);
    p.remove_dc = 0, p.preemph_mode = WMEL_PREEMPH_PADDED_CUT, p.pad_left = p.pad_right = 100, p.preemph = 0.9;
    c[k++] = (pcase){"padded pre-emphasis, cut", p};
    /* torch.stft(center=False) with the window centred in n_fft (Nemotron's streaming chunks),
       and the last chunk's 96 zeros */
    p = preset(WMEL_FRONTEND_NEMO, 128);
    p.norm = WMEL_NORM_NONE, p.framing = WMEL_FRAMES_SNIP, p.frame_span = 512, p.window_offset = 56;
    p.valid = WMEL_VALID_ALL;
    c[k++] = (pcase){"span 512, offset 56 (nemotron chunk)", p};
    p.pad_right = 96;
    c[k++] = (pcase){"span 512, offset 56, right 96 (last chunk)", p};
    /* linear_bins: the power spectrum's bins themselves (torchaudio Spectrogram, n_fft 400),
       and Kaldi's spectrogram (the energy column, bins 1 .. 256 of n_fft 512, their log) */
    p = preset(WMEL_FRONTEND_KALDI, 201);
    p.n_fft = 400, p.linear_bins = 1, p.log = WMEL_LOG_NONE, p.norm = WMEL_NORM_NONE, p.remove_dc = 0, p.preemph = 0;
    p.window = WMEL_WINDOW_HANN_PERIODIC, p.framing = WMEL_FRAMES_CENTER_REFLECT, p.scale = 1.0;
    c[k++] = (pcase){"linear bins (torchaudio spectrogram)", p};
    p = preset(WMEL_FRONTEND_KALDI, 256);
    p.linear_bins = 1, p.first_bin = 1, p.use_energy = 1, p.energy_floor = 0, p.low_freq = 0, p.high_freq = 0;
    c[k++] = (pcase){"linear bins 1.. (kaldi spectrogram)", p};
    /* SpeechBrain's Fbank: HTK scale, symmetric triangles, dB clamped at max - 80 */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.window = WMEL_WINDOW_HAMMING_PERIODIC, p.n_fft = 400, p.preemph = 0, p.mel_scale = WMEL_MEL_HTK;
    p.mel_norm = WMEL_MELNORM_NONE, p.bank_flags = WMEL_BANK_SYMMETRIC, p.log = WMEL_LOG10_CLAMP, p.log_guard = 1e-10;
    p.norm = WMEL_NORM_WHOLE, p.norm_range = 8, p.affine = 1, p.post_scale = 40, p.post_shift = -40;
    p.valid = WMEL_VALID_ALL, p.layout = WMEL_LAYOUT_FRAMES_MELS;
    c[k++] = (pcase){"htk symmetric dB (speechbrain)", p};
    /* then SpeechBrain's sentence InputNormalization: the dB values' mean and std (over n, floored
       at 1e-10), or the mean only (std_norm False) */
    p.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_POPULATION, p.norm_eps = 1e-10;
    c[k++] = (pcase){"then mean_var (speechbrain sentence)", p};
    p.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_MEAN_ONLY, p.norm_eps = 0;
    c[k++] = (pcase){"then mean (speechbrain std_norm False)", p};
    /* python_speech_features' logfbank: HTK points snapped to FFT bins, no window, pre-emphasis
       on the whole signal, |X|^2 / NFFT (scale 512^-1/2), ln with eps, zeros after the clip up to
       its last started hop; and Slaney's points snapped, 40 filters from 133 Hz, a Hann window */
    p = preset(WMEL_FRONTEND_KALDI, 26);
    p.window = WMEL_WINDOW_RECT, p.remove_dc = 0, p.preemph = 0.97, p.preemph_mode = WMEL_PREEMPH_SIGNAL;
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.bank_flags = WMEL_BANK_SNAP_BINS;
    p.low_freq = 0, p.high_freq = 0, p.log = WMEL_LOG_CLAMP, p.log_guard = 2.220446049250313e-16;
    p.scale = 0.044194173824159216, p.pad_right = 159, p.pad_mode = WMEL_PAD_ZERO;
    c[k++] = (pcase){"htk snapped to bins (python_speech_features)", p};
    p = preset(WMEL_FRONTEND_NEMO, 40);
    p.mel_scale = WMEL_MEL_SLANEY, p.mel_norm = WMEL_MELNORM_NONE, p.bank_flags = WMEL_BANK_SNAP_BINS, p.low_freq = 133;
    c[k++] = (pcase){"slaney snapped to bins", p};
    /* Bessel's std, eps 0, columns x frames, a pad value past the valid frames, no affine */
    p = preset(WMEL_FRONTEND_NEMO, 64);
    p.norm = WMEL_NORM_WHOLE, p.norm_range = 5, p.log = WMEL_LOG10_CLAMP, p.log_guard = 1e-10, p.pad_to = 16;
    p.pad_value = -0.75, p.norm_flags = WMEL_NORMF_THEN_MEAN_VAR, p.norm_eps = 0;
    c[k++] = (pcase){"then mean_var bessel, pad (mels x frames)", p};
    /* cepstra: Kaldi's MFCC (kaldi-native-fbank's defaults: 23 mels, 13 cepstra, lifter 22,
       the log energy in c0), HTK's order without the energy under the per-feature
       statistics, and every cepstrum of NeMo's log mels (columns x frames, no lifter) */
    p = preset(WMEL_FRONTEND_KALDI, 23);
    p.n_ceps = 13, p.cepstral_lifter = 22, p.use_energy = 1, p.energy_floor = 0;
    c[k++] = (pcase){"mfcc 13 of 23, lifter 22, energy (knf)", p};
    p.use_energy = 0, p.ceps_htk = 1, p.norm = WMEL_NORM_PER_FEATURE;
    c[k++] = (pcase){"mfcc htk order, per-feature", p};
    p = preset(WMEL_FRONTEND_NEMO, 40);
    p.n_ceps = 40, p.norm = WMEL_NORM_NONE;
    c[k++] = (pcase){"mfcc 40 of 40, nemo log, by column", p};
    /* torch's periodic windows (the last three cases: the window check below reads them) */
    p = preset(WMEL_FRONTEND_NEMO, 80);
    p.window = WMEL_WINDOW_HAMMING_PERIODIC;
    c[k++] = (pcase){"nemo hamming periodic", p};
    p = preset(WMEL_FRONTEND_KALDI, 80);
    p.window = WMEL_WINDOW_BLACKMAN_PERIODIC, p.window_coeff = 0.35;
    c[k++] = (pcase){"kaldi blackman periodic 0.35", p};
    p = preset(WMEL_FRONTEND_NEMO, 64);
    p.window = WMEL_WINDOW_BARTLETT_PERIODIC, p.frame_length = 300;
    c[k++] = (pcase){"nemo bartlett periodic, 300 of 512", p};
    return k;
}

/* wmel_long_* equals wmel_features() on the whole input, bit for bit (normalisation and
 * finish included), at a few lengths. */
static void long_same(const pcase *c)
{
    static const size_t lens[] = {40000, 16001, 1000, 385};
    t_long_same(&c->p, lens, sizeof lens / sizeof lens[0], 1, c->name);
}

/* WMEL_NORMF_THEN_MEAN_VAR on an output past the team finish's threshold (n_cols x frames >=
 * 2^18: fe_cpu.c's fin_worker): 1 and 3 threads bit-identical, and within 2e-5 x max(1, |ref|)
 * of the float64 reference; and the statistics hold: each column's mean over the valid frames
 * is 0 and (mean_var over n) its std 1, in float64 from the output. */
static void then_threads(const pcase *c)
{
    int st;
    const size_t n = 16000 * 42 + 123;
    float *x = t_signal(2, n, 5, 1.0f), *ch = t_signal(0, n, 6, 1.0f);
    for (size_t i = 0; i < n; i++) /* noise at a rising level, and a chirp */
        x[i] = (float)(0.5 * ch[i] + 0.4 * x[i] * (0.05 + 0.95 * (double)i / (double)n));
    free(ch);
    wmel_ctx *one = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    wmel_ctx *three = t_ctx_plan(&c->p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 3, &st);
    wmel_ctx *ref = t_ctx_plan(&c->p, WMEL_BACKEND_REF, WMEL_ISA_AUTO, 1, &st);
    CHECK(one && three && ref, "%s threads: ctx", c->name);
    size_t r = 0, k = 0;
    if (one && three && ref && wmel_features_shape(one, n, &r, &k) == WMEL_OK) {
        CHECK(r * k >= ((size_t)1 << 18), "%s threads: %zu values, under the team finish's threshold", c->name, r * k);
        float *a = malloc(r * k * sizeof(float)), *b = malloc(r * k * sizeof(float)), *f = malloc(r * k * sizeof(float));
        CHECK(wmel_features(one, x, n, a, r * k) == WMEL_OK && wmel_features(three, x, n, b, r * k) == WMEL_OK &&
                  wmel_features(ref, x, n, f, r * k) == WMEL_OK,
              "%s threads: features", c->name);
        CHECK(!memcmp(a, b, r * k * sizeof(float)), "%s: 1 and 3 threads differ", c->name);
        const double e = t_rel_err_ff(b, f, r * k);
        CHECK(e <= 2e-5, "%s threads: %.3g vs the reference", c->name, e);
        printf("  %-40s 42 s, 3 threads: max error vs float64 reference %.3g\n", c->name, e);
        const int fm = c->p.layout == WMEL_LAYOUT_FRAMES_MELS;
        const size_t nc = (size_t)(c->p.n_mels + c->p.use_energy), nv = n / (size_t)c->p.hop + (c->p.valid == WMEL_VALID_ALL);
        double worst_m = 0.0, worst_s = 0.0;
        for (size_t m = 0; m < nc; m++) {
            /* column m: every `step` values from col (one plain strided loop each: gcc 12's AArch64
               vectoriser fails with an internal error on the two layouts' select in one loop) */
            const float *col = fm ? b + m : b + m * k;
            const size_t step = fm ? nc : 1;
            double s = 0.0, ss = 0.0;
            for (size_t t = 0; t < nv; t++) s += col[t * step];
            const double mu = s / (double)nv;
            for (size_t t = 0; t < nv; t++) {
                const double d = col[t * step] - mu;
                ss += d * d;
            }
            worst_m = fmax(worst_m, fabs(mu));
            const double sd = sqrt(ss / (double)(c->p.norm_flags & WMEL_NORMF_POPULATION ? nv : nv - 1));
            if (!(c->p.norm_flags & WMEL_NORMF_MEAN_ONLY)) worst_s = fmax(worst_s, fabs(sd - 1.0));
        }
        CHECK(worst_m <= 1e-5 && worst_s <= 1e-5, "%s: column means %.3g, stds off by %.3g", c->name, worst_m, worst_s);
        free(a);
        free(b);
        free(f);
    }
    wmel_destroy(one);
    wmel_destroy(three);
    wmel_destroy(ref);
    free(x);
}

static const wmel_frontend_plan *named(const pcase *c, int nc, const char *prefix)
{
    for (int i = 0; i < nc; i++)
        if (!strncmp(c[i].name, prefix, strlen(prefix))) return &c[i].p;
    return NULL;
}

/* The explicit framing's counts, valid rules and refusals, by hand (wmel.h's framing
 * paragraph with the originals' numbers). */
static void framing_semantics(const pcase *c, int nc)
{
    char msg[400];
    int st;
    size_t r, k;
    const wmel_frontend_plan *g3 = named(c, nc, "span 513"), *g4 = named(c, nc, "left 160"),
                             *ink = named(c, nc, "causal"), *uni = named(c, nc, "reflect 384"),
                             *ex = named(c, nc, "exact_pad"), *nt = named(c, nc, "span 512, offset 56 (");
    if (!g3 || !g4 || !ink || !uni || !ex || !nt) {
        CHECK(0, "the framing cases are missing");
        return;
    }
    /* Gemma3n: 16001 samples padded to 16128, (16128 - 513) / 160 + 1 = 98 frames */
    wmel_ctx *x3 = t_ctx_plan(g3, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(x3 && wmel_features_shape(x3, 16001, &r, &k) == WMEL_OK && r == 98 && k == 128, "gemma3n 16001: %zux%zu", r, k);
    CHECK(x3 && wmel_features_shape(x3, 1, &r, &k) == WMEL_OK && r == 0, "gemma3n 1 sample: %zu frames", r);
    wmel_destroy(x3);
    /* Gemma4: 15800 samples padded to 15872, 160 + 15872 in all, (16032 - 321) / 160 + 1 = 99
       frames; frame 98 ends on sample 98 160 + 160 = 15840, padding: zero; frame 97 not */
    wmel_ctx *x4 = t_ctx_plan(g4, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 3, &st);
    float *x = t_signal(0, 15800, 3, 1.0f);
    CHECK(x4 && wmel_features_shape(x4, 15800, &r, &k) == WMEL_OK && r == 99 && k == 128, "gemma4 15800: %zux%zu", r, k);
    if (x4 && r == 99) {
        float *o = malloc(r * k * sizeof(float));
        CHECK(wmel_features(x4, x, 15800, o, r * k) == WMEL_OK, "gemma4 features");
        int last0 = 1, prev0 = 1;
        for (size_t m = 0; m < k; m++) last0 &= o[98 * k + m] == 0.0f, prev0 &= o[97 * k + m] == 0.0f;
        CHECK(last0 && !prev0, "gemma4: frame 98 zero (%d), frame 97 not (%d)", last0, !prev0);
        free(o);
    }
    wmel_destroy(x4);
    free(x);
    /* Inkling: ceil(n / 800) frames, all valid */
    wmel_ctx *xi = t_ctx_plan(ink, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(xi && wmel_features_shape(xi, 16001, &r, &k) == WMEL_OK && r == 21, "inkling 16001: %zu frames", r);
    CHECK(xi && wmel_features_shape(xi, 800, &r, &k) == WMEL_OK && r == 1, "inkling 800: %zu frames", r);
    wmel_destroy(xi);
    /* UnivNet: n / 256 frames; the reflection needs n > 384 */
    wmel_ctx *xu = t_ctx_plan(uni, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(xu && wmel_features_shape(xu, 24000, &r, &k) == WMEL_OK && r == 93 && k == 100, "univnet 24000: %zux%zu", r, k);
    CHECK(xu && wmel_features_shape(xu, 384, &r, &k) == WMEL_ERR_TOO_SHORT, "univnet 384 samples: too short");
    CHECK(xu && wmel_features_shape(xu, 385, &r, &k) == WMEL_OK && r == 1, "univnet 385: %zu frames", r);
    wmel_destroy(xu);
    /* NeMo exact_pad: zeros, the padded signal's pre-emphasis cut at padded index n, n / 160 frames, the last
       zero (seq_len = n / 160 - 1); legacy: the reflection, no cut, every frame */
    CHECK(ex->framing == WMEL_FRAMES_SNIP && ex->pad_left == 176 && ex->pad_right == 176 && ex->pad_mode == WMEL_PAD_ZERO &&
              ex->frame_span == 512 && ex->window_offset == 56 && ex->valid == WMEL_VALID_BUT_LAST &&
              ex->preemph_mode == WMEL_PREEMPH_PADDED_CUT,
          "exact_pad's fields");
    const wmel_frontend_plan *exl = named(c, nc, "exact_pad (nemo legacy)");
    CHECK(exl->pad_mode == WMEL_PAD_REFLECT && exl->valid == WMEL_VALID_ALL && exl->preemph_mode == WMEL_PREEMPH_PADDED &&
              exl->pad_left == 176 && exl->frontend == WMEL_FRONTEND_NEMO_LEGACY,
          "legacy exact_pad's fields");
    wmel_ctx *xe = t_ctx_plan(ex, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(xe && wmel_features_shape(xe, 16000, &r, &k) == WMEL_OK && r == 80 && k == 100, "exact_pad 16000: %zux%zu", r, k);
    wmel_destroy(xe);
    wmel_frontend_plan q = *ex;
    CHECK(wmel_plan_set(&q, "exact_pad", "0", msg, sizeof msg) == WMEL_OK && q.framing == WMEL_FRAMES_CENTER_ZERO &&
              !q.pad_left && !q.pad_right && !q.pad_mode && !q.frame_span && !q.window_offset && q.valid == WMEL_VALID_HOP &&
              q.preemph_mode == WMEL_PREEMPH_SIGNAL,
          "exact_pad 0 gives NeMo's framing back: %s", msg);
    q = preset(WMEL_FRONTEND_KALDI, 80);
    CHECK(wmel_plan_set(&q, "exact_pad", "1", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "nemo"),
          "exact_pad on kaldi: %s", msg);
    /* Nemotron's chunk: (n - 512) / 160 + 1 frames; the window reads samples t 160 + 56 .. + 456 */
    wmel_ctx *xn = t_ctx_plan(nt, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(xn && wmel_features_shape(xn, 16000, &r, &k) == WMEL_OK && r == 128 && k == 97, "nemotron chunk: %zux%zu", r, k);
    CHECK(xn && wmel_features_shape(xn, 511, &r, &k) == WMEL_OK && k == 0, "nemotron chunk 511: %zu frames", k);
    wmel_destroy(xn);
    /* refusals name the field */
    static const struct {
        int what;
        const char *needle;
    } bad[] = {{0, "pad_left 160: explicit framing needs framing snip"},
               {1, "window_offset 57"},
               {2, "pad_multiple 128 with pad_mode reflect"},
               {3, "frame_span 100: below frame_length"},
               {4, "pad_mode 2"},
               {5, "pad_right -1"},
               {6, "valid 6"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wmel_frontend_plan b = *g4;
        switch (bad[i].what) {
        case 0: b = preset(WMEL_FRONTEND_NEMO, 80), b.pad_left = 160; break;
        case 1: b.window_offset = 57; break;
        case 2: b.pad_mode = WMEL_PAD_REFLECT; break;
        case 3: b.frame_span = 100; break;
        case 4: b.pad_mode = 2; break;
        case 5: b.pad_right = -1; break;
        default: b.valid = 6; break;
        }
        CHECK(wmel_plan_check(&b, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, bad[i].needle),
              "framing refusal %zu: %s", i, msg);
    }
}

/* WMEL_BANK_SYMMETRIC's weights, read back one FFT bin at a time: a rectangular frame of
 * n_fft samples of cos(2 pi k i / n_fft) has all its power, (n_fft / 2)^2, in bin k, so
 * the linear mel energies are (n_fft / 2)^2 w[m][k]; w from SpeechBrain's definition
 * (HTK points evenly spaced in mel, centre c = f[m + 1], band d = f[m + 1] - f[m],
 * max(0, 1 - |f - c| / d)), written here. Bound 1e-6: float32 samples and output against
 * weights of at most 1. Then the flag's refusals. */
static void symmetric_bank_semantics(void)
{
    enum { N = 400, NM = 40 };
    wmel_frontend_plan p;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, NM, &p);
    p.window = WMEL_WINDOW_RECT, p.frame_length = N, p.n_fft = N, p.framing = WMEL_FRAMES_SNIP, p.preemph = 0;
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.bank_flags = WMEL_BANK_SYMMETRIC;
    p.low_freq = 133, p.high_freq = 6900, p.log = WMEL_LOG_NONE, p.norm = WMEL_NORM_NONE, p.valid = WMEL_VALID_ALL;
    p.layout = WMEL_LAYOUT_FRAMES_MELS;
    int st;
    wmel_ctx *ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(ctx != NULL, "symmetric bank ctx: %d", st);
    double f[NM + 2];
    const double m0 = 2595.0 * log10(1.0 + 133.0 / 700.0), m1 = 2595.0 * log10(1.0 + 6900.0 / 700.0);
    for (int i = 0; i < NM + 2; i++) f[i] = 700.0 * (pow(10.0, (m0 + (m1 - m0) * i / (NM + 1)) / 2595.0) - 1.0);
    float x[N], out[NM];
    double worst = 0.0;
    int wider = 0;
    for (int k = 0; ctx && k <= N / 2; k++) {
        for (int i = 0; i < N; i++) x[i] = (float)cos(2.0 * 3.14159265358979323846 * k * (double)i / N);
        CHECK(wmel_features(ctx, x, N, out, NM) == WMEL_OK, "bin %d", k);
        const double e = (k == 0 || k == N / 2) ? (double)N * N : (double)N * N / 4.0;
        for (int m = 0; m < NM; m++) {
            const double fk = k * 16000.0 / N, c = f[m + 1], d = f[m + 1] - f[m];
            const double w = fmax(0.0, 1.0 - fabs(fk - c) / d);
            worst = fmax(worst, fabs(out[m] / e - w));
            /* the plain triangle (right half to f[m + 2]) differs where the right half is wider */
            wider += fk > c && fk < f[m + 2] && fabs(out[m] / e - (f[m + 2] - fk) / (f[m + 2] - c)) > 1e-3;
        }
    }
    printf("  %-40s max weight error %.3g (bins read back)\n", "symmetric bank (speechbrain)", worst);
    CHECK(worst <= 1e-6, "symmetric bank: weight error %.3g", worst);
    CHECK(wider > 20, "symmetric bank: only %d weights differ from the plain triangles", wider);
    wmel_destroy(ctx);
    char msg[400];
    wmel_frontend_plan q = p;
    q.mel_scale = WMEL_MEL_KALDI;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "symmetric_bank") &&
              strstr(msg, "mel_scale kaldi"), "symmetric with kaldi: %s", msg);
    q = p, q.mel_norm = WMEL_MELNORM_SLANEY;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "mel_norm none"),
          "symmetric with slaney norm: %s", msg);
    q = p, q.linear_bins = 1;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "linear_bins"),
          "symmetric with linear bins: %s", msg);
    q = p, q.mel_scale = WMEL_MEL_SLANEY;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_OK, "symmetric with slaney's scale: %s", msg);
}

/* WMEL_BANK_SNAP_BINS's weights, read back one FFT bin at a time as symmetric_bank_semantics
 * does: w from python_speech_features' get_filterbanks (HTK points evenly spaced in mel,
 * bin[i] = floor((n_fft + 1) hz[i] / sr), weight (k - bin[m]) / (bin[m + 1] - bin[m]) from
 * bin[m] up to bin[m + 1] - 1 and (bin[m + 2] - k) / (bin[m + 2] - bin[m + 1]) from bin[m + 1]
 * up to bin[m + 2] - 1), written here as its loops. Bound 1e-6. */
static void snap_bins_semantics(void)
{
    enum { N = 512, NM = 26 };
    wmel_frontend_plan p;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, NM, &p);
    p.window = WMEL_WINDOW_RECT, p.frame_length = N, p.n_fft = N, p.framing = WMEL_FRAMES_SNIP, p.preemph = 0;
    p.mel_scale = WMEL_MEL_HTK, p.mel_norm = WMEL_MELNORM_NONE, p.bank_flags = WMEL_BANK_SNAP_BINS;
    p.low_freq = 0, p.high_freq = 8000, p.log = WMEL_LOG_NONE, p.norm = WMEL_NORM_NONE, p.valid = WMEL_VALID_ALL;
    p.layout = WMEL_LAYOUT_FRAMES_MELS;
    int st;
    wmel_ctx *ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(ctx != NULL, "snapped bank ctx: %d", st);
    double w[NM][N / 2 + 1];
    memset(w, 0, sizeof w);
    {
        double bin[NM + 2];
        const double hi = 2595.0 * log10(1.0 + 8000.0 / 700.0);
        for (int i = 0; i < NM + 2; i++)
            bin[i] = floor((N + 1) * 700.0 * (pow(10.0, hi * i / (NM + 1) / 2595.0) - 1.0) / 16000.0);
        for (int j = 0; j < NM; j++) {
            for (int i = (int)bin[j]; i < (int)bin[j + 1]; i++) w[j][i] = (i - bin[j]) / (bin[j + 1] - bin[j]);
            for (int i = (int)bin[j + 1]; i < (int)bin[j + 2]; i++) w[j][i] = (bin[j + 2] - i) / (bin[j + 2] - bin[j + 1]);
        }
    }
    float x[N], out[NM];
    double worst = 0.0;
    int off_hz = 0; /* weights the plain HTK triangles (on the bins' own frequencies) do not have */
    wmel_frontend_plan q = p;
    q.bank_flags = 0;
    wmel_ctx *plain = t_ctx_plan(&q, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    float outp[NM];
    for (int k = 0; ctx && plain && k <= N / 2; k++) {
        for (int i = 0; i < N; i++) x[i] = (float)cos(2.0 * 3.14159265358979323846 * k * (double)i / N);
        CHECK(wmel_features(ctx, x, N, out, NM) == WMEL_OK && wmel_features(plain, x, N, outp, NM) == WMEL_OK, "bin %d", k);
        const double e = (k == 0 || k == N / 2) ? (double)N * N : (double)N * N / 4.0;
        /* a compare, not fmax, and two loops: gcc 12's AArch64 vectoriser fails (an internal
           error) on this reduction written with fmax and the count together */
        for (int m = 0; m < NM; m++) {
            const double d = fabs(out[m] / e - w[m][k]);
            if (!(d <= worst)) worst = d; /* a NaN too */
        }
        for (int m = 0; m < NM; m++)
            if (fabs(outp[m] / e - w[m][k]) > 1e-3) off_hz++;
    }
    printf("  %-40s max weight error %.3g (bins read back)\n", "bank snapped to bins (psf)", worst);
    CHECK(worst <= 1e-6, "snapped bank: weight error %.3g", worst);
    CHECK(off_hz > 50, "snapped bank: only %d weights differ from the plain triangles", off_hz);
    wmel_destroy(ctx);
    wmel_destroy(plain);
}

int main(void)
{
    pcase cases[64];
    const int nc = make_cases(cases);
    char msg[400];
    for (int i = 0; i < nc; i++) {
        CHECK(wmel_plan_check(&cases[i].p, msg, sizeof msg) == WMEL_OK, "%s: refused: %s", cases[i].name, msg);
        const double e = against_ref(&cases[i]);
        printf("  %-40s max error vs float64 reference %.3g (x max(1, |ref|))\n", cases[i].name, e);
        stream_same(&cases[i]);
        sliding_same(&cases[i]);
        const wmel_frontend_plan *q = &cases[i].p;
        if (q->pad_left || q->pad_right || q->pad_multiple || q->frame_span || q->window_offset ||
            (q->norm_flags & WMEL_NORMF_THEN_MEAN_VAR))
            long_same(&cases[i]);
        if (q->norm_flags & WMEL_NORMF_THEN_MEAN_VAR) then_threads(&cases[i]);
    }

    /* semantics by hand */
    int st;
    { /* the cepstra's refusals name the field, its value and what is allowed */
        static const struct {
            int n_ceps, linear, log, htk;
            double lifter;
            const char *want;
        } bad[] = {{24, 0, WMEL_LOG_CLAMP, 0, 22, "n_ceps 24: outside 0..n_mels (23)"},
                   {-1, 0, WMEL_LOG_CLAMP, 0, 22, "n_ceps -1: outside"},
                   {13, 0, WMEL_LOG_CLAMP, 0, -1, "cepstral_lifter -1: outside 0..1e6"},
                   {13, 0, WMEL_LOG_CLAMP, 2, 22, "ceps_htk 2: must be 0"},
                   {13, 1, WMEL_LOG_CLAMP, 0, 22, "n_ceps 13 with linear_bins"},
                   {13, 0, WMEL_LOG_NONE, 0, 22, "n_ceps 13 with log none"},
                   {0, 0, WMEL_LOG_CLAMP, 0, 22, "cepstral_lifter: an option of the cepstra"}};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            wmel_frontend_plan b = preset(WMEL_FRONTEND_KALDI, 23);
            b.n_ceps = bad[i].n_ceps, b.linear_bins = bad[i].linear, b.log = bad[i].log, b.ceps_htk = bad[i].htk;
            b.cepstral_lifter = bad[i].lifter;
            CHECK(wmel_plan_check(&b, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, bad[i].want),
                  "cepstra refusal %zu: \"%s\", want \"%s\"", i, msg, bad[i].want);
        }
        /* Kaldi's order: with use_energy c0 is the energy column of the same plan without the
           cepstra, and ceps_htk moves it last; without the energy HTK's last is c0 x sqrt(2) */
        wmel_frontend_plan a = preset(WMEL_FRONTEND_KALDI, 23), e;
        a.use_energy = 1, a.energy_floor = 0;
        e = a;
        a.n_ceps = 13, a.cepstral_lifter = 22;
        float *xs = t_signal(2, 4000, 3, 1.0f), fe_[23 * 24], fc[23 * 13], fh[23 * 13];
        wmel_ctx *ca = t_ctx_plan(&a, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st), *ce = t_ctx_plan(&e, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
        a.ceps_htk = 1;
        wmel_ctx *ch = t_ctx_plan(&a, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
        CHECK(ca && ce && ch && wmel_features(ca, xs, 4000, fc, 23 * 13) == WMEL_OK &&
                  wmel_features(ce, xs, 4000, fe_, 23 * 24) == WMEL_OK && wmel_features(ch, xs, 4000, fh, 23 * 13) == WMEL_OK,
              "mfcc order features");
        for (int t = 0; t < 23; t++) {
            CHECK(fc[t * 13] == fe_[t * 24], "frame %d: c0 %g is not the energy %g", t, (double)fc[t * 13], (double)fe_[t * 24]);
            CHECK(fh[t * 13 + 12] == fc[t * 13] && fh[t * 13] == fc[t * 13 + 1], "frame %d: htk order", t);
        }
        wmel_destroy(ca), wmel_destroy(ce), wmel_destroy(ch);
        free(xs);
    }
    wmel_frontend_plan p = cases[2].p; /* LASR: filter 0 has no bin at n_fft 512 */
    wmel_frontend_plan q = p;
    q.bank_flags = 0;
    CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "empty filters"),
          "an empty TF filter refused without the flag: %s", msg);
    wmel_ctx *ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    float *x = t_signal(2, 4000, 1, 1.0f), out[24 * 128];
    CHECK(ctx && wmel_features(ctx, x, 4000, out, 24 * 128) == WMEL_OK, "lasr features");
    for (int t = 0; t < 23; t++) CHECK(out[t * 128] == (float)log(1e-5), "empty filter 0, frame %d: %g", t, (double)out[t * 128]);
    wmel_destroy(ctx);
    /* AST: frames past the clip are the affine of 0 */
    p = cases[10].p;
    ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    size_t rows, cols;
    CHECK(ctx && wmel_features_shape(ctx, 4000, &rows, &cols) == WMEL_OK && rows == 60 && cols == 128, "ast shape");
    float *o = malloc(60 * 128 * sizeof(float));
    CHECK(wmel_features(ctx, x, 4000, o, 60 * 128) == WMEL_OK, "ast features");
    for (int c = 0; c < 128; c++)
        CHECK(o[59 * 128 + c] == (float)(0.0 * p.post_scale + p.post_shift), "ast pad row: %g", (double)o[59 * 128 + c]);
    CHECK(o[0] != o[59 * 128], "ast first frame computed");
    free(o);
    wmel_destroy(ctx);
    /* mean only: every column's mean over the frames is 0 */
    p = cases[8].p;
    ctx = t_ctx_plan(&p, WMEL_BACKEND_CPU, WMEL_ISA_AUTO, 1, &st);
    CHECK(ctx && wmel_features(ctx, x, 4000, out, 23 * 80) == WMEL_OK, "cmn features");
    for (int c = 0; c < 80; c++) {
        double s = 0.0, a = 0.0;
        for (int t = 0; t < 23; t++) s += out[t * 80 + c], a += fabs(out[t * 80 + c]);
        CHECK(fabs(s) <= 1e-5 * (1.0 + a), "cmn column %d: mean %g", c, s / 23);
    }
    wmel_destroy(ctx);
    /* the bfloat16 window: 8 significant bits; the window of each kind against its formula */
    double w[512];
    wmel_plan_stage_out so = {0};
    so.window = w;
    wmel_stage_span span = {0, 1, 1}; /* first 0, one frame, step 1 */
    p = cases[12].p;
    CHECK(wmel_ref_plan_stages(&p, x, 4000, &span, &so) == WMEL_OK, "bf16 stages");
    for (int i = 0; i < p.frame_length; i++) {
        int e;
        const double m = frexp(w[i], &e) * 256.0;
        CHECK(m == floor(m), "bf16 window %d: %.17g has more than 8 bits", i, w[i]);
        const double h = 0.5 - 0.5 * cos(2.0 * 3.141592653589793 * i / (p.frame_length - 1));
        CHECK(fabs(w[i] - h) <= h * 0x1p-8, "bf16 window %d: %g vs %g", i, w[i], h);
    }
    p = cases[14].p; /* blackman 0.35 */
    CHECK(wmel_ref_plan_stages(&p, x, 4000, &span, &so) == WMEL_OK, "blackman stages");
    for (int i = 0; i < 400; i++) {
        const double a = 2.0 * 3.141592653589793 * i / 399.0;
        CHECK(fabs(w[i] - (0.35 - 0.5 * cos(a) + 0.15 * cos(2 * a))) < 1e-15, "blackman %d", i);
    }
    p = cases[15].p; /* bartlett */
    CHECK(wmel_ref_plan_stages(&p, x, 4000, &span, &so) == WMEL_OK, "bartlett stages");
    CHECK(w[0] == 0.0 && w[399] == 0.0 && fabs(w[200] - (1.0 - fabs(400.0 / 399.0 - 1.0))) < 1e-15, "bartlett ends");
    /* the periodic windows: denominator N (torch's periodic=True) */
    for (int j = 0; j < 3; j++) {
        p = cases[nc - 3 + j].p;
        CHECK(wmel_ref_plan_stages(&p, x, 4000, &span, &so) == WMEL_OK, "%s stages", cases[nc - 3 + j].name);
        const int N = p.frame_length;
        for (int i = 0; i < N; i++) {
            const double a = 2.0 * 3.141592653589793 * i / N;
            const double want = j == 0 ? 0.54 - 0.46 * cos(a)
                                : j == 1 ? 0.35 - 0.5 * cos(a) + 0.15 * cos(2 * a)
                                         : 1.0 - fabs(2.0 * i / N - 1.0);
            CHECK(fabs(w[i] - want) < 1e-15, "%s %d: %.17g vs %.17g", cases[nc - 3 + j].name, i, w[i], want);
        }
        CHECK(w[0] != w[N - 1], "%s: not symmetric", cases[nc - 3 + j].name);
    }
    /* HTK centres equally spaced on 2595 log10(1 + f / 700) */
    double hz[128];
    p = cases[0].p;
    CHECK(wmel_mel_centres(&p, hz, 128) == WMEL_OK, "htk centres");
    const double m0 = 2595 * log10(1 + hz[0] / 700), m1 = 2595 * log10(1 + hz[1] / 700), m2 = 2595 * log10(1 + hz[2] / 700);
    CHECK(fabs((m2 - m1) - (m1 - m0)) < 1e-9 * m2, "htk centres equally spaced");
    free(x);

    /* the per-column affine (wmel_create_plan_cols): the plain output, then x s[c] + b[c] in
       double with one rounding, on any geometry (Whisper's included), CPU and reference */
    {
        static const int frs[] = {WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI, WMEL_FRONTEND_WHISPER};
        float *y = t_signal(0, 20000, 4, 1.0f);
        for (int f = 0; f < 3; f++) {
            p = preset(frs[f], 80);
            double sc[81], sh[81], g1[81], g2[81];
            for (int c = 0; c < 80; c++) sc[c] = 1.0 / (1.0 + 0.01 * c), sh[c] = 0.5 - 0.003 * c;
            for (int b = 0; b < 2; b++) {
                wmel_params pr = wmel_default_params();
                pr.backend = b ? WMEL_BACKEND_REF : WMEL_BACKEND_CPU;
                pr.n_threads = 2;
                wmel_ctx *plain = wmel_create_plan(&pr, &p, &st);
                wmel_ctx *cc = wmel_create_plan_cols(&pr, &p, sc, sh, 80, &st);
                CHECK(plain && cc && st == WMEL_OK, "cols ctx %d: %s", f, wmel_strerror(st));
                if (!plain || !cc) continue;
                CHECK(wmel_ctx_cols(cc, g1, g2, 81) == WMEL_OK && !memcmp(g1, sc, 80 * sizeof(double)) &&
                          !memcmp(g2, sh, 80 * sizeof(double)), "wmel_ctx_cols");
                CHECK(wmel_ctx_cols(plain, g1, g2, 81) == WMEL_ERR_INVALID_ARG, "no cols");
                CHECK(wmel_ctx_cols(cc, g1, g2, 79) == WMEL_ERR_BUFFER_TOO_SMALL, "cols buffer");
                size_t r, k;
                wmel_features_shape(cc, 20000, &r, &k);
                float *u = malloc(r * k * sizeof(float)), *v = malloc(r * k * sizeof(float));
                CHECK(wmel_features(plain, y, 20000, u, r * k) == WMEL_OK && wmel_features(cc, y, 20000, v, r * k) == WMEL_OK,
                      "cols features");
                const int fm = p.layout == WMEL_LAYOUT_FRAMES_MELS;
                double e = 0.0;
                for (size_t i = 0; i < r * k; i++) {
                    const size_t c = fm ? i % k : i / k;
                    const float want = (float)((double)u[i] * sc[c] + sh[c]);
                    if (b == 0 && f != 2) /* the CPU: the same float values, then the affine */
                        CHECK(v[i] == want, "cpu cols %d at %zu: %.9g vs %.9g", f, i, (double)v[i], (double)want);
                    else
                        e = fmax(e, fabs((double)v[i] - want) / fmax(1.0, fabs(want)));
                }
                /* the reference rounds once after the affine; Whisper's geometry: the plain ctx
                   runs Whisper's float32 kernels, the cols ctx the general path */
                CHECK(e <= 2e-5, "cols %d backend %d: %.3g", f, b, e);
                free(u);
                free(v);
                if (b == 0) { /* the sliding buffer takes them too */
                    wmel_sliding *sb = wmel_sliding_create(cc, &st);
                    CHECK(sb && wmel_sliding_push(sb, y, 12345) == WMEL_OK && wmel_sliding_trim(sb, 320) == WMEL_OK,
                          "cols sliding");
                    wmel_features_shape(cc, 12025, &r, &k);
                    u = malloc(r * k * sizeof(float)), v = malloc(r * k * sizeof(float));
                    CHECK(wmel_sliding_features(sb, 0, u, r * k) == WMEL_OK &&
                              wmel_features(cc, y + 320, 12025, v, r * k) == WMEL_OK && !memcmp(u, v, r * k * sizeof(float)),
                          "cols sliding = offline");
                    free(u);
                    free(v);
                    wmel_sliding_destroy(sb);
                    /* and the stream, each frame with them: the offline output of the
                       stream's plan (normalisation off) */
                    wmel_frontend_plan sp;
                    CHECK(wmel_plan_for_stream(&p, &sp, NULL, 0) == WMEL_OK, "cols stream plan");
                    wmel_ctx *qc = wmel_create_plan_cols(&pr, &sp, sc, sh, 80, &st);
                    CHECK(qc != NULL, "cols stream ctx %d", f);
                    const pcase pc = {"cols stream", sp};
                    if (qc) stream_ctx_same(&pc, &sp, qc);
                    wmel_destroy(qc);
                }
                wmel_destroy(plain);
                wmel_destroy(cc);
            }
        }
        { /* a per-column affine of the stacked rows: no stream (its frames are unstacked) */
            wmel_frontend_plan fq;
            char why[300];
            CHECK(wmel_preset_plan("funasr", &fq, why, sizeof why) == WMEL_OK && fq.cols_stacked, "funasr: %s", why);
            CHECK(wmel_plan_for_stream(&fq, &fq, why, sizeof why) == WMEL_OK, "funasr stream plan: %s", why);
            const size_t fn = (size_t)(fq.n_mels + fq.use_energy) * (size_t)fq.stack;
            double *one = malloc(2 * fn * sizeof(double));
            for (size_t c = 0; c < fn; c++) one[c] = 1.0, one[fn + c] = 0.0;
            wmel_ctx *sc = wmel_create_plan_cols(NULL, &fq, one, one + fn, fn, &st);
            t_gather g = {NULL, 0, 0};
            CHECK(sc && !wmel_stream_create(sc, 0, t_gather_take, &g, &st) && st == WMEL_ERR_INVALID_ARG,
                  "a stacked rows' affine: stream refused (%d)", st);
            wmel_destroy(sc);
            free(one);
        }
        p = preset(WMEL_FRONTEND_NEMO, 80);
        double sc1[80], sh1[80];
        for (int c = 0; c < 80; c++) sc1[c] = 1.0, sh1[c] = 0.0;
        CHECK(!wmel_create_plan_cols(NULL, &p, sc1, sh1, 81, &st) && st == WMEL_ERR_INVALID_ARG, "cols count");
        sh1[3] = NAN;
        CHECK(!wmel_create_plan_cols(NULL, &p, sc1, sh1, 80, &st) && st == WMEL_ERR_INVALID_ARG, "cols NaN");
        CHECK(!wmel_create_plan_cols(NULL, &p, NULL, sh1, 80, &st) && st == WMEL_ERR_NULL_POINTER, "cols NULL");
        free(y);
    }

    /* the checks' sentences */
    static const struct {
        const char *what, *needle;
        int field;
    } bad[] = {
        {"bank_flags 32", "bank_flags", 0},       {"mag_guard without a mode", "mag_guard", 1},
        {"mode without a guard", "mag_guard", 2}, {"population with norm none", "norm_flags", 3},
        {"fixed max with per_feature", "WMEL_NORM_WHOLE", 4}, {"norm_range with mean_var", "norm_range", 5},
        {"n_frames with pad_to", "pad_to", 6},   {"post_scale without affine", "post_scale", 7},
        {"window_coeff without blackman", "window_coeff", 8}, {"blackman coeff 1", "window_coeff", 9},
        {"mel_scale 4", "mel_scale", 10},         {"window 11", "window", 11},
        {"pad_value inf", "pad_value", 12},       {"reserved_i2", "reserved_i2", 13},
        {"then_norm with per_feature", "WMEL_NORMF_THEN_MEAN_VAR", 14},
        {"then_norm with norm none", "WMEL_NORM_WHOLE", 15},
        {"all features with whole", "all-features", 16},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wmel_frontend_plan b = preset(WMEL_FRONTEND_NEMO, 80);
        switch (bad[i].field) {
        case 0: b.bank_flags = 32; break;
        case 1: b.mag_guard = 1e-9; break;
        case 2: b.mag_guard_mode = WMEL_MAG_GUARD_ADD; break;
        case 3: b.norm = WMEL_NORM_NONE, b.norm_flags = WMEL_NORMF_POPULATION; break;
        case 4: b.norm_flags = WMEL_NORMF_FIXED_MAX, b.norm_max = 1; break;
        case 5: b.norm_range = 4; break;
        case 6: b.n_frames = 100, b.pad_to = 16; break;
        case 7: b.post_scale = 2; break;
        case 8: b.window_coeff = 0.42; break;
        case 9: b.window = WMEL_WINDOW_BLACKMAN, b.window_coeff = 1.0; break;
        case 10: b.mel_scale = 4; break;
        case 11: b.window = 11; break;
        case 12: b.pad_value = INFINITY; break;
        case 14: b.norm_flags = WMEL_NORMF_THEN_MEAN_VAR; break;
        case 15: b.norm = WMEL_NORM_NONE, b.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_POPULATION; break;
        case 16: b.norm = WMEL_NORM_WHOLE, b.norm_flags = WMEL_NORMF_THEN_MEAN_VAR | WMEL_NORMF_ALL; break;
        case 13: b.reserved_i2[1] = 1; break;
        default: break;
        }
        CHECK(wmel_plan_check(&b, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, bad[i].needle),
              "%s: %s", bad[i].what, msg);
        CHECK(!wmel_create_plan(NULL, &b, &st) && st == WMEL_ERR_INVALID_ARG, "%s: create refused", bad[i].what);
    }
    symmetric_bank_semantics();
    snap_bins_semantics();
    /* every preset still has the appended fields zero */
    for (int f = 0; f <= WMEL_FRONTEND_NEMO_LEGACY; f++) {
        p = preset(f, 80);
        CHECK(!p.bank_flags && !p.mag_guard_mode && !p.norm_flags && !p.n_frames && !p.affine && p.mag_guard == 0 &&
                  p.norm_max == 0 && p.norm_range == 0 && p.post_scale == 0 && p.post_shift == 0 && p.pad_value == 0 &&
                  p.window_coeff == 0,
              "preset %d: appended fields zero", f);
    }
    framing_semantics(cases, nc);
    return t_done("test_plan_caps");
}
