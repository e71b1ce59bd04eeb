/*
 * plan.c -- window, Slaney mel filter bank and FFT twiddles, computed in double and
 * rounded once to float (the kissfft/pocketfft habit).
 *
 * The filter bank follows librosa.filters.mel(sr=16000, n_fft=400, n_mels, htk=False,
 * norm="slaney"), which openai-whisper ships as mel_filters.npz.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846264338327950288;

/* Slaney's mel scale (librosa htk=False): linear below 1 kHz, logarithmic above; one
 * definition for Whisper's bank here and the plans' banks and centres (fe/fe_plan.c). */
double wmel__slaney_mel(double f)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : f / f_sp;
}

double wmel__slaney_hz(double m)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : f_sp * m;
}

void wmel__mel_filters_f64(int n_mels, double *out)
{
    double mel_f[WMEL_MAX_MELS + 2];
    const double mmin = wmel__slaney_mel(0.0), mmax = wmel__slaney_mel(WMEL_SAMPLE_RATE / 2.0);
    for (int i = 0; i < n_mels + 2; i++) {
        /* np.linspace: start + i * step, with the end point exact */
        double m = (i == n_mels + 1) ? mmax : mmin + (mmax - mmin) * i / (double)(n_mels + 1);
        mel_f[i] = wmel__slaney_hz(m);
    }
    for (int i = 0; i < n_mels; i++) {
        double fd0 = mel_f[i + 1] - mel_f[i], fd1 = mel_f[i + 2] - mel_f[i + 1];
        double enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (int k = 0; k < WMEL_N_BINS; k++) {
            double f = k * (double)WMEL_SAMPLE_RATE / WMEL_N_FFT;
            double lower = -(mel_f[i] - f) / fd0;
            double upper = (mel_f[i + 2] - f) / fd1;
            double w = lower < upper ? lower : upper;
            out[i * WMEL_N_BINS + k] = (w > 0.0 ? w : 0.0) * enorm;
        }
    }
}

int wmel__plan_init(wmel_plan *pl, int n_mels)
{
    memset(pl, 0, sizeof *pl);
    pl->n_mels = n_mels;
    for (int n = 0; n < WMEL_N_FFT; n++) {
        pl->window_d[n] = 0.5 - 0.5 * cos(2.0 * PI * n / WMEL_N_FFT); /* periodic Hann */
        pl->dft_cos[n] = cos(2.0 * PI * n / WMEL_N_FFT);
        pl->dft_sin[n] = sin(2.0 * PI * n / WMEL_N_FFT);
    }
    pl->filters_d = malloc(sizeof(double) * (size_t)n_mels * WMEL_N_BINS);
    if (!pl->filters_d) return WMEL_ERR_NO_MEMORY;
    wmel__mel_filters_f64(n_mels, pl->filters_d);

    int nnz = 0;
    for (int m = 0; m < n_mels; m++) {
        const double *row = pl->filters_d + (size_t)m * WMEL_N_BINS;
        int lo = 0, hi = WMEL_N_BINS;
        while (lo < WMEL_N_BINS && row[lo] == 0.0) lo++;
        while (hi > lo && row[hi - 1] == 0.0) hi--;
        if (lo == WMEL_N_BINS) lo = hi = 0; /* an empty filter (never for 80/128) */
        pl->mel_lo[m] = lo;
        pl->mel_len[m] = hi - lo;
        pl->mel_off[m] = nnz;
        nnz += hi - lo;
    }
    pl->mel_nnz = nnz;
    int nq = 0;
    for (int m = 0; m < n_mels; m++) {
        pl->mel_offq[m] = nq;
        pl->mel_npair[m] = pl->mel_len[m] ? (pl->mel_len[m] + 1) / 2 : 1;
        nq += 2 * pl->mel_npair[m];
    }
    int no = 0;
    for (int len = 1; len <= 9; len++) {
        pl->mel_run[len - 1] = (short)no;
        for (int m = 0; m < n_mels; m++)
            if (pl->mel_npair[m] == len || (len == 9 && pl->mel_npair[m] > 9))
                pl->mel_order[no++] = (short)m;
    }
    pl->mel_run[9] = (short)no;
    pl->mel_wd = malloc(sizeof(double) * (size_t)(nnz ? nnz : 1));
    pl->mel_wqf = calloc((size_t)nq, sizeof(float));
    if (!pl->mel_wd || !pl->mel_wqf) {
        wmel__plan_free(pl);
        return WMEL_ERR_NO_MEMORY;
    }
    for (int m = 0; m < n_mels; m++)
        for (int j = 0; j < pl->mel_len[m]; j++) {
            double w = pl->filters_d[(size_t)m * WMEL_N_BINS + pl->mel_lo[m] + j];
            pl->mel_wd[pl->mel_off[m] + j] = w;
            pl->mel_wqf[pl->mel_offq[m] + j] = (float)w;
        }

    for (int k1 = 0; k1 < 8; k1++)
        for (int n2 = 0; n2 < 25; n2++) {
            double a = -2.0 * PI * (double)(n2 * k1) / 200.0;
            pl->tw200_re[k1 * 25 + n2] = cos(a);
            pl->tw200_im[k1 * 25 + n2] = sin(a);
        }
    for (int k = 0; k < WMEL_N_BINS; k++) {
        /* 0.5 * (-i) * (cos a + i sin a), a = -2 pi k / 400 */
        double a = -2.0 * PI * (double)k / WMEL_N_FFT;
        pl->post_re[k] = 0.5 * sin(a);
        pl->post_im[k] = -0.5 * cos(a);
    }
    wmel__pfa400_tables(pl->tw25_re, pl->tw25_im, pl->zq, pl->pwi);
    return WMEL_OK;
}

void wmel__pfa400_tables(double *tw_re, double *tw_im, short *zq, short *pwi)
{
    for (int b = 0; b < 5; b++)
        for (int c = 0; c < 5; c++) {
            double a = -2.0 * PI * (double)(b * c) / 25.0;
            tw_re[b * 5 + c] = cos(a);
            tw_im[b * 5 + c] = sin(a);
        }
    for (int n = 0; n < WMEL_N_FFT; n++) zq[n] = (short)WMEL_ZQ(n);
    for (int k1 = 0; k1 <= 8; k1++)
        for (int k2 = 0; k2 < 25; k2++) {
            int k = (225 * k1 + 176 * k2) % 400; /* k = k1 (mod 16), k = k2 (mod 25) */
            pwi[25 * k1 + k2] = (short)(k <= 200 ? k : 400 - k);
        }
}

void wmel__plan_free(wmel_plan *pl)
{
    free(pl->filters_d);
    free(pl->mel_wd);
    free(pl->mel_wqf);
    pl->mel_wd = NULL;
    pl->mel_wqf = NULL;
    pl->filters_d = NULL;
}

void wmel__rowtail_flush(wmel_rowtail *t)
{
    for (int r = 0; r < t->rows; r++)
        if (t->np[r] > 0)
            memcpy(t->next + (size_t)r * t->stride - t->np[r], t->pend[r],
                   (size_t)t->np[r] * sizeof(float));
    t->rows = 0;
    /* the kernels' non-temporal stores are weakly ordered: a full fence (mfence on
       x86) before the caller's barrier hands the rows to other threads */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
