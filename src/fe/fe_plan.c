/*
 * fe_plan.c -- the front-end plans: the presets (data only), the checks, and the compiled
 * plan (window, mel bank, transform), each computed in double once at create time.
 *
 * Mel banks: WMEL_MEL_SLANEY follows librosa.filters.mel (Slaney's scale, triangles in Hz
 * between mel-spaced points, norm="slaney" area normalisation), which NeMo builds its
 * filter bank with; WMEL_MEL_KALDI follows Kaldi's MelBanks (1127 ln(1 + f / 700),
 * triangles in mel between equally spaced points, FFT bins 0 .. n_fft/2 - 1), which
 * kaldi-native-fbank, torchaudio.compliance.kaldi and transformers' mel_filter_bank(
 * mel_scale="kaldi", triangularize_in_mel_space=True) compute as well (they in float32,
 * wmel in double).
 */
#include "fe.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846264338327950288;

int wmel_frontend_preset(int frontend, int n_mels, wmel_frontend_plan *plan)
{
    if (!plan) return WMEL_ERR_NULL_POINTER;
    if (frontend < WMEL_FRONTEND_WHISPER || frontend > WMEL_FRONTEND_NEMO_LEGACY)
        return WMEL_ERR_INVALID_ARG;
    if (n_mels == 0) n_mels = 80;
    if (frontend == WMEL_FRONTEND_WHISPER ? (n_mels != 80 && n_mels != 128)
                                          : (n_mels < 1 || n_mels > WMEL_FE_MAX_MELS))
        return WMEL_ERR_INVALID_ARG;
    wmel_frontend_plan p;
    memset(&p, 0, sizeof p);
    p.frontend = frontend;
    p.sample_rate = 16000;
    p.frame_length = 400;
    p.hop = 160;
    p.n_mels = n_mels;
    p.power = 2;
    p.stack = 1;
    p.scale = 1.0;
    switch (frontend) {
    case WMEL_FRONTEND_WHISPER:
        p.n_fft = 400;
        p.window = WMEL_WINDOW_HANN_PERIODIC;
        p.framing = WMEL_FRAMES_CENTER_REFLECT;
        p.mel_scale = WMEL_MEL_SLANEY;
        p.mel_norm = WMEL_MELNORM_SLANEY;
        p.log = WMEL_LOG10_CLAMP;
        p.log_guard = 1e-10;
        p.norm = WMEL_NORM_WHOLE;
        p.valid = WMEL_VALID_TRIM;
        p.layout = WMEL_LAYOUT_MELS_FRAMES;
        break;
    case WMEL_FRONTEND_NEMO:
    case WMEL_FRONTEND_NEMO_LEGACY:
        p.n_fft = 512;
        p.window = WMEL_WINDOW_HANN;
        p.framing = frontend == WMEL_FRONTEND_NEMO ? WMEL_FRAMES_CENTER_ZERO
                                                   : WMEL_FRAMES_CENTER_REFLECT;
        p.preemph_mode = WMEL_PREEMPH_SIGNAL;
        p.preemph = 0.97;
        p.mel_scale = WMEL_MEL_SLANEY;
        p.mel_norm = WMEL_MELNORM_SLANEY;
        p.log = WMEL_LOG_ADD;
        p.log_guard = 5.9604644775390625e-08; /* 2^-24 */
        p.norm = WMEL_NORM_PER_FEATURE;
        p.norm_eps = 1e-5;
        p.valid = frontend == WMEL_FRONTEND_NEMO ? WMEL_VALID_HOP : WMEL_VALID_ALL;
        p.layout = WMEL_LAYOUT_MELS_FRAMES;
        break;
    case WMEL_FRONTEND_KALDI:
    case WMEL_FRONTEND_SEAMLESS:
        p.n_fft = 512;
        p.window = WMEL_WINDOW_POVEY;
        p.framing = WMEL_FRAMES_SNIP;
        p.remove_dc = 1;
        p.preemph_mode = WMEL_PREEMPH_FRAME;
        p.preemph = 0.97;
        p.mel_scale = WMEL_MEL_KALDI;
        p.mel_norm = WMEL_MELNORM_NONE;
        p.low_freq = 20.0;
        p.log = WMEL_LOG_CLAMP;
        p.log_guard = FLT_EPSILON; /* Kaldi: std::numeric_limits<float>::epsilon() */
        p.norm = WMEL_NORM_NONE;
        p.valid = WMEL_VALID_ALL;
        p.layout = WMEL_LAYOUT_FRAMES_MELS;
        p.scale = 32768.0;
        if (frontend == WMEL_FRONTEND_SEAMLESS) {
            p.log_guard = 1.192092955078125e-07; /* transformers' mel_floor, as written there */
            p.norm = WMEL_NORM_MEAN_VAR;
            p.norm_eps = 1e-7;
            p.stack = 2;
        }
        break;
    }
    *plan = p;
    return WMEL_OK;
}

static double high_hz(const wmel_frontend_plan *p)
{
    return p->high_freq > 0.0 ? p->high_freq : p->sample_rate / 2.0 + p->high_freq;
}

/* n / 2 made of 2, 3 and 5 only. */
static int smooth_size(int n)
{
    int m = n / 2;
    while (m % 2 == 0) m /= 2;
    while (m % 3 == 0) m /= 3;
    while (m % 5 == 0) m /= 5;
    return m == 1;
}

int wmel__fe_check(const wmel_frontend_plan *p)
{
    if (p->frontend < WMEL_FRONTEND_WHISPER || p->frontend > WMEL_FRONTEND_NEMO_LEGACY)
        return WMEL_ERR_INVALID_ARG;
    if (p->sample_rate < 1000 || p->sample_rate > 384000) return WMEL_ERR_INVALID_ARG;
    if (p->n_fft < 4 || p->n_fft > WMEL_FE_MAX_NFFT || p->n_fft % 2 || !smooth_size(p->n_fft))
        return WMEL_ERR_INVALID_ARG;
    if (p->frame_length < 2 || p->frame_length > p->n_fft) return WMEL_ERR_INVALID_ARG;
    if (p->hop < 1 || p->hop > (1 << 24)) return WMEL_ERR_INVALID_ARG;
    if (p->window < WMEL_WINDOW_HANN_PERIODIC || p->window > WMEL_WINDOW_RECT) return WMEL_ERR_INVALID_ARG;
    if (p->framing < WMEL_FRAMES_SNIP || p->framing > WMEL_FRAMES_CENTER_ZERO) return WMEL_ERR_INVALID_ARG;
    if ((p->remove_dc | 1) != 1 || (p->use_energy | 1) != 1) return WMEL_ERR_INVALID_ARG;
    if (p->preemph_mode != WMEL_PREEMPH_FRAME && p->preemph_mode != WMEL_PREEMPH_SIGNAL)
        return WMEL_ERR_INVALID_ARG;
    if (p->mel_scale != WMEL_MEL_SLANEY && p->mel_scale != WMEL_MEL_KALDI) return WMEL_ERR_INVALID_ARG;
    if (p->mel_norm != WMEL_MELNORM_NONE && p->mel_norm != WMEL_MELNORM_SLANEY) return WMEL_ERR_INVALID_ARG;
    if (p->n_mels < 1 || p->n_mels > WMEL_FE_MAX_MELS) return WMEL_ERR_INVALID_ARG;
    if (p->power != 1 && p->power != 2) return WMEL_ERR_INVALID_ARG;
    if (p->log < WMEL_LOG10_CLAMP || p->log > WMEL_LOG_NONE) return WMEL_ERR_INVALID_ARG;
    if (p->norm < WMEL_NORM_WHOLE || p->norm > WMEL_NORM_MEAN_VAR) return WMEL_ERR_INVALID_ARG;
    if (p->valid < WMEL_VALID_ALL || p->valid > WMEL_VALID_TRIM) return WMEL_ERR_INVALID_ARG;
    if (p->stack < 1 || p->stack > 8 || p->pad_to < 0 || p->pad_to > 65536) return WMEL_ERR_INVALID_ARG;
    if (p->layout != WMEL_LAYOUT_MELS_FRAMES && p->layout != WMEL_LAYOUT_FRAMES_MELS) return WMEL_ERR_INVALID_ARG;
    if (p->stack > 1 && p->layout != WMEL_LAYOUT_FRAMES_MELS) return WMEL_ERR_INVALID_ARG;
    for (int i = 0; i < 6; i++) if (p->reserved_i[i]) return WMEL_ERR_INVALID_ARG;
    for (int i = 0; i < 5; i++) if (p->reserved_d[i] != 0.0) return WMEL_ERR_INVALID_ARG;
    if (!isfinite(p->scale) || p->scale == 0.0 || fabs(p->scale) > 1e12) return WMEL_ERR_INVALID_ARG;
    if (!(p->preemph >= 0.0 && p->preemph <= 1.0)) return WMEL_ERR_INVALID_ARG;
    const double hi = high_hz(p);
    if (!(p->low_freq >= 0.0) || !isfinite(p->high_freq) || !(hi > p->low_freq) ||
        hi > p->sample_rate / 2.0)
        return WMEL_ERR_INVALID_ARG;
    if (p->log != WMEL_LOG_NONE && !(p->log_guard > 0.0 && isfinite(p->log_guard)))
        return WMEL_ERR_INVALID_ARG;
    if (!(p->norm_eps >= 0.0 && isfinite(p->norm_eps))) return WMEL_ERR_INVALID_ARG;
    if (!(p->energy_floor >= 0.0 && isfinite(p->energy_floor))) return WMEL_ERR_INVALID_ARG;
    return WMEL_OK;
}

int wmel__fe_is_whisper(const wmel_frontend_plan *p)
{
    return p->sample_rate == WMEL_SAMPLE_RATE && p->frame_length == WMEL_N_FFT &&
           p->hop == WMEL_HOP && p->n_fft == WMEL_N_FFT && p->window == WMEL_WINDOW_HANN_PERIODIC &&
           p->framing == WMEL_FRAMES_CENTER_REFLECT && !p->remove_dc && p->preemph == 0.0 &&
           p->scale == 1.0 && p->mel_scale == WMEL_MEL_SLANEY && p->mel_norm == WMEL_MELNORM_SLANEY &&
           p->low_freq == 0.0 && high_hz(p) == WMEL_SAMPLE_RATE / 2.0 &&
           (p->n_mels == 80 || p->n_mels == 128) && p->power == 2 && p->log == WMEL_LOG10_CLAMP &&
           p->log_guard == 1e-10 && !p->use_energy &&
           (p->norm == WMEL_NORM_WHOLE || p->norm == WMEL_NORM_NONE) &&
           p->valid == WMEL_VALID_TRIM && p->stack == 1 && p->pad_to <= 1 &&
           p->layout == WMEL_LAYOUT_MELS_FRAMES;
}

/* ---- geometry ---- */

size_t wmel__fe_frames(const wmel_frontend_plan *p, size_t n)
{
    if (p->framing == WMEL_FRAMES_SNIP)
        return n < (size_t)p->frame_length ? 0 : 1 + (n - (size_t)p->frame_length) / (size_t)p->hop;
    return 1 + n / (size_t)p->hop;
}

size_t wmel__fe_valid(const wmel_frontend_plan *p, size_t n)
{
    size_t nf = wmel__fe_frames(p, n), h = n / (size_t)p->hop;
    return p->valid == WMEL_VALID_ALL ? nf : (h < nf ? h : nf);
}

int wmel__fe_shape(const wmel_frontend_plan *p, size_t n, size_t *rows, size_t *cols)
{
    if (n == 0) return WMEL_ERR_NO_SAMPLES;
    if (n > SIZE_MAX / 8) return WMEL_ERR_OVERFLOW;
    if (p->framing == WMEL_FRAMES_CENTER_REFLECT && n <= (size_t)p->n_fft / 2)
        return WMEL_ERR_TOO_SHORT;
    size_t f = p->valid == WMEL_VALID_TRIM ? wmel__fe_valid(p, n) : wmel__fe_frames(p, n);
    if (p->pad_to > 1) f = (f + (size_t)p->pad_to - 1) / (size_t)p->pad_to * (size_t)p->pad_to;
    const size_t nc = (size_t)p->n_mels + (size_t)p->use_energy;
    if (p->layout == WMEL_LAYOUT_MELS_FRAMES) {
        *rows = nc;
        *cols = f;
    } else {
        *rows = (f + (size_t)p->stack - 1) / (size_t)p->stack;
        *cols = nc * (size_t)p->stack;
    }
    if (*rows && *cols > SIZE_MAX / 8 / *rows) return WMEL_ERR_OVERFLOW;
    return WMEL_OK;
}

/* ---- window and mel bank ---- */

static double window_at(int kind, int i, int n)
{
    const double a = 2.0 * PI * i / (double)(n - 1);
    switch (kind) {
    case WMEL_WINDOW_HANN_PERIODIC: return 0.5 - 0.5 * cos(2.0 * PI * i / (double)n);
    case WMEL_WINDOW_HANN: return 0.5 - 0.5 * cos(a);
    case WMEL_WINDOW_HAMMING: return 0.54 - 0.46 * cos(a);
    case WMEL_WINDOW_POVEY: return pow(0.5 - 0.5 * cos(a), 0.85);
    default: return 1.0;
    }
}

static double slaney_mel(double f)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : f / f_sp;
}

static double slaney_hz(double m)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : f_sp * m;
}

static double kaldi_mel(double f) { return 1127.0 * log(1.0 + f / 700.0); }

/* Dense [n_mels][n_bins] bank; WMEL_ERR_INVALID_ARG for an empty Kaldi filter (Kaldi
 * refuses such a bank: too many mel bins for the FFT size). */
static int mel_bank(const wmel_frontend_plan *p, int n_bins, double *w)
{
    const int nm = p->n_mels;
    const double lo = p->low_freq, hi = high_hz(p), sr = p->sample_rate;
    if (p->mel_scale == WMEL_MEL_SLANEY) {
        double *f = malloc(sizeof(double) * (size_t)(nm + 2));
        if (!f) return WMEL_ERR_NO_MEMORY;
        const double m0 = slaney_mel(lo), m1 = slaney_mel(hi);
        for (int i = 0; i < nm + 2; i++)
            f[i] = slaney_hz(i == nm + 1 ? m1 : m0 + (m1 - m0) * i / (double)(nm + 1));
        for (int m = 0; m < nm; m++) {
            const double d0 = f[m + 1] - f[m], d1 = f[m + 2] - f[m + 1];
            const double en = p->mel_norm == WMEL_MELNORM_SLANEY ? 2.0 / (f[m + 2] - f[m]) : 1.0;
            for (int k = 0; k < n_bins; k++) {
                const double fk = k * sr / p->n_fft;
                const double a = (fk - f[m]) / d0, b = (f[m + 2] - fk) / d1;
                const double v = a < b ? a : b;
                w[(size_t)m * n_bins + k] = (v > 0.0 ? v : 0.0) * en;
            }
        }
        free(f);
        return WMEL_OK;
    }
    const double ml = kaldi_mel(lo), mh = kaldi_mel(hi), delta = (mh - ml) / (nm + 1);
    for (int m = 0; m < nm; m++) {
        const double left = ml + m * delta, centre = ml + (m + 1) * delta, right = ml + (m + 2) * delta;
        int any = 0;
        for (int k = 0; k < n_bins; k++) {
            double v = 0.0;
            if (k < n_bins - 1) { /* the Nyquist bin is not in Kaldi's bank */
                const double mk = kaldi_mel(k * sr / p->n_fft);
                if (mk > left && mk < right)
                    v = mk <= centre ? (mk - left) / (centre - left) : (right - mk) / (right - centre);
            }
            if (v > 0.0 && p->mel_norm == WMEL_MELNORM_SLANEY) {
                /* area normalisation by the band's width in Hz, as librosa's */
                const double fl = 700.0 * (exp(left / 1127.0) - 1.0), fr = 700.0 * (exp(right / 1127.0) - 1.0);
                v *= 2.0 / (fr - fl);
            }
            any |= v > 0.0;
            w[(size_t)m * n_bins + k] = v;
        }
        if (!any) return WMEL_ERR_INVALID_ARG;
    }
    return WMEL_OK;
}

int wmel__fe_new(const wmel_frontend_plan *p, wmel_fe **out)
{
    *out = NULL;
    if (wmel__fe_is_whisper(p)) return WMEL_OK;
    return wmel__fe_compile(p, out);
}

int wmel__fe_compile(const wmel_frontend_plan *p, wmel_fe **out)
{
    *out = NULL;
    wmel_fe *fe = calloc(1, sizeof *fe);
    if (!fe) return WMEL_ERR_NO_MEMORY;
    fe->p = *p;
    fe->n_bins = p->n_fft / 2 + 1;
    fe->n_cols = p->n_mels + p->use_energy;
    fe->off = p->framing == WMEL_FRAMES_SNIP
                  ? 0
                  : (long long)((p->n_fft - p->frame_length) / 2) - p->n_fft / 2;
    const size_t nb = (size_t)fe->n_bins, nm = (size_t)p->n_mels;
    fe->window = malloc(sizeof(double) * (size_t)p->frame_length);
    fe->dense = malloc(sizeof(double) * nm * nb);
    fe->mel_lo = malloc(sizeof(int) * nm);
    fe->mel_len = malloc(sizeof(int) * nm);
    fe->mel_off = malloc(sizeof(int) * nm);
    fe->dft_cos = malloc(sizeof(double) * (size_t)p->n_fft);
    fe->dft_sin = malloc(sizeof(double) * (size_t)p->n_fft);
    int rc = WMEL_ERR_NO_MEMORY;
    if (!fe->window || !fe->dense || !fe->mel_lo || !fe->mel_len || !fe->mel_off ||
        !fe->dft_cos || !fe->dft_sin)
        goto fail;
    for (int i = 0; i < p->frame_length; i++) fe->window[i] = window_at(p->window, i, p->frame_length);
    for (int j = 0; j < p->n_fft; j++) {
        fe->dft_cos[j] = cos(2.0 * PI * j / p->n_fft);
        fe->dft_sin[j] = sin(2.0 * PI * j / p->n_fft);
    }
    if ((rc = mel_bank(p, fe->n_bins, fe->dense)) != WMEL_OK) goto fail;
    size_t nnz = 0;
    for (size_t m = 0; m < nm; m++) {
        const double *row = fe->dense + m * nb;
        int lo = 0, hi = fe->n_bins;
        while (lo < hi && row[lo] == 0.0) lo++;
        while (hi > lo && row[hi - 1] == 0.0) hi--;
        fe->mel_lo[m] = lo;
        fe->mel_len[m] = hi - lo;
        fe->mel_off[m] = (int)nnz;
        nnz += (size_t)(hi - lo);
    }
    rc = WMEL_ERR_NO_MEMORY;
    fe->mel_w = malloc(sizeof(double) * (nnz ? nnz : 1));
    if (!fe->mel_w) goto fail;
    for (size_t m = 0; m < nm; m++)
        memcpy(fe->mel_w + fe->mel_off[m], fe->dense + m * nb + fe->mel_lo[m],
               sizeof(double) * (size_t)fe->mel_len[m]);
    if ((rc = wmel__fft_init(&fe->fft, p->n_fft)) != WMEL_OK) goto fail;
    *out = fe;
    return WMEL_OK;
fail:
    wmel__fe_free(fe);
    return rc;
}

void wmel__fe_free(wmel_fe *fe)
{
    if (!fe) return;
    free(fe->window);
    free(fe->dense);
    free(fe->mel_lo);
    free(fe->mel_len);
    free(fe->mel_off);
    free(fe->mel_w);
    free(fe->dft_cos);
    free(fe->dft_sin);
    wmel__fft_free(&fe->fft);
    free(fe);
}

/* ---- samples ---- */

/* Sample i of the scaled, pre-emphasised (signal mode) signal, 0 <= i < n. */
static double pre_at(const wmel_fe *fe, const float *x, size_t i)
{
    const double s = fe->p.scale;
    if (fe->p.preemph_mode == WMEL_PREEMPH_SIGNAL && fe->p.preemph != 0.0 && i > 0)
        return s * (double)x[i] - fe->p.preemph * (s * (double)x[i - 1]);
    return s * (double)x[i];
}

double wmel__fe_sample(const wmel_fe *fe, const float *x, size_t n, long long i)
{
    if (i < 0 || i >= (long long)n) {
        if (fe->p.framing != WMEL_FRAMES_CENTER_REFLECT) return 0.0;
        if (i < 0) i = -i;
        if (i >= (long long)n) i = 2 * ((long long)n - 1) - i;
        if (i < 0 || i >= (long long)n) return 0.0; /* not reached: n > n_fft / 2 */
    }
    return pre_at(fe, x, (size_t)i);
}
