/*
 * test_hf_config.c -- transformers configurations to plans (wmel_plan_from_hf_config): each
 * mapped class's default configuration gives its preset's plan field for field; fields change
 * it as the class's computation reads them (feature_size, geometry, band, normalisation
 * switches, AST's affine, SpeechT5's milliseconds); processor_config.json's nested dict is
 * read; every refusal (a value wmel does not compute, an unknown class, a raw-waveform class,
 * a class waiting for its preset, malformed or truncated JSON, random damage) is
 * WMEL_ERR_INVALID_ARG naming the field and leaves the plan unchanged. The per-column values
 * (CLVP's mel_norms, Gemma's per_bin_mean / per_bin_stddev) through
 * wmel_plan_from_hf_config_cols: wmel.hf's affine bit for bit, nested arrays flattened, every
 * refusal (count, non-numbers, zeros, a short buffer) leaving the plan unchanged; under a
 * damaged configuration too.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int plan_eq(const wmel_frontend_plan *a, const wmel_frontend_plan *b) { return !memcmp(a, b, sizeof *a); }

static int map(const char *text, wmel_frontend_plan *p, char *preset, char *msg, size_t msg_len)
{
    return wmel_plan_from_hf_config(text, strlen(text), p, preset, 64, msg, msg_len);
}

/* text must be refused with a sentence holding want, the plan unchanged. */
static void refused(const char *text, const char *want)
{
    wmel_frontend_plan p, before;
    memset(&p, 0x5a, sizeof p);
    before = p;
    char msg[1024], preset[64];
    const int rc = map(text, &p, preset, msg, sizeof msg);
    CHECK(rc == WMEL_ERR_INVALID_ARG, "refused %.80s: status %d", text, rc);
    CHECK(strstr(msg, want) != NULL, "refused %.80s: the sentence lacks '%s': %s", text, want, msg);
    CHECK(plan_eq(&p, &before), "refused %.80s: the plan changed", text);
}

/* The plan of text equals the preset's with the options given (name, value pairs). */
static void maps_to(const char *text, const char *preset, const char *const *opts)
{
    wmel_frontend_plan want, got;
    char msg[1024], name[64];
    CHECK(wmel_preset_plan(preset, &want, msg, sizeof msg) == WMEL_OK, "preset %s: %s", preset, msg);
    for (int i = 0; opts && opts[i]; i += 2)
        CHECK(wmel_plan_set(&want, opts[i], opts[i + 1], msg, sizeof msg) == WMEL_OK, "%s %s: %s", opts[i], opts[i + 1], msg);
    const int rc = map(text, &got, name, msg, sizeof msg);
    CHECK(rc == WMEL_OK, "%.80s: status %d: %s", text, rc, msg);
    if (rc) return;
    CHECK(!strcmp(name, preset), "%.80s: preset %s, want %s", text, name, preset);
    CHECK(plan_eq(&want, &got), "%.80s: the plan differs from %s's with the options", text, preset);
}

/* wmel_plan_from_hf_config_cols on text: status, the plan, the vectors and their count. */
static int map_cols(const char *text, wmel_frontend_plan *p, double *sc, double *sh, size_t cap, size_t *n, char *msg,
                    size_t msg_len)
{
    return wmel_plan_from_hf_config_cols(text, strlen(text), p, NULL, 0, sc, sh, cap, n, msg, msg_len);
}

/* text's per-column values refused by the _cols call with a sentence holding want (status
 * st), the plan unchanged and no count. */
static void cols_refused(const char *text, int st, const char *want)
{
    wmel_frontend_plan p, before;
    memset(&p, 0x5a, sizeof p);
    before = p;
    double sc[512], sh[512];
    size_t n = 7;
    char msg[1024];
    const int rc = map_cols(text, &p, sc, sh, 512, &n, msg, sizeof msg);
    CHECK(rc == st, "cols refused %.80s: status %d, want %d", text, rc, st);
    CHECK(strstr(msg, want) != NULL, "cols refused %.80s: the sentence lacks '%s': %s", text, want, msg);
    CHECK(plan_eq(&p, &before) && n == 0, "cols refused %.80s: the plan or the count changed", text);
}

/* A JSON array of the n values v (%.17g: each double exactly), nested in pairs when nest. */
static void json_array(char *out, size_t cap, const double *v, size_t n, int nest)
{
    size_t o = (size_t)snprintf(out, cap, "[");
    for (size_t j = 0; j < n && o < cap; j++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s%.17g%s", j ? ", " : "", nest && !(j % 2) ? "[" : "", v[j],
                              nest && (j % 2 || j + 1 == n) ? "]" : "");
    if (o < cap) snprintf(out + o, cap - o, "]");
}

/* text = {"feature_extractor_type": cls, key: [v]} (tmp: the array's text, CAP bytes each). */
static void one_vector(char *text, char *tmp, size_t cap, const char *cls, const char *key, const double *v, size_t n)
{
    json_array(tmp, cap, v, n, 0);
    snprintf(text, cap, "{\"feature_extractor_type\": \"%s\", \"%s\": %s}", cls, key, tmp);
}

static void hf_cols_tests(void)
{
    enum { CAP = 16384 };
    char *text = malloc(CAP), *a1 = malloc(CAP), *a2 = malloc(CAP);
    if (!text || !a1 || !a2) {
        CHECK(0, "out of memory");
        free(text);
        free(a1);
        free(a2);
        return;
    }
    double norms[80], mean[128], sd[128], sc[512], sh[512];
    for (int j = 0; j < 80; j++) norms[j] = 0.37 + 0.113 * j * (j % 3 ? 1.0 : -0.5); /* signs, no zero */
    for (int j = 0; j < 128; j++) {
        mean[j] = -6.0 + 7.0 * j / 127.0;
        sd[j] = 0.5 + 0.02 * j;
    }
    wmel_frontend_plan want, got;
    char msg[1024];
    size_t n = 9;
    /* CLVP: x / mel_norms as scale 1 / norms, shift 0; flat and nested arrays alike */
    for (int nest = 0; nest < 2; nest++) {
        json_array(a1, CAP, norms, 80, nest);
        snprintf(text, CAP, "{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": %s}", a1);
        CHECK(wmel_preset_plan("clvp", &want, msg, sizeof msg) == WMEL_OK, "clvp: %s", msg);
        int rc = map_cols(text, &got, sc, sh, 512, &n, msg, sizeof msg);
        CHECK(rc == WMEL_OK && n == 80, "clvp mel_norms (nest %d): status %d, %zu values: %s", nest, rc, n, msg);
        CHECK(plan_eq(&want, &got), "clvp mel_norms: the plan is the preset's");
        int same = n == 80;
        for (size_t j = 0; same && j < n; j++) same = sc[j] == 1.0 / norms[j] && sh[j] == 0.0;
        CHECK(same, "clvp mel_norms: scale 1 / norms, shift 0 (nest %d)", nest);
        /* the plain call still refuses them */
        rc = wmel_plan_from_hf_config(text, strlen(text), &got, NULL, 0, msg, sizeof msg);
        CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(msg, "wmel_plan_from_hf_config_cols"), "plain call: %d %s", rc, msg);
    }
    /* null or absent: no values */
    n = 9;
    CHECK(map_cols("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": null}", &got, sc, sh, 512,
                   &n, msg, sizeof msg) == WMEL_OK && n == 0, "mel_norms null: none");
    n = 9;
    CHECK(map_cols("{\"feature_extractor_type\": \"WhisperFeatureExtractor\"}", &got, sc, sh, 512, &n, msg,
                   sizeof msg) == WMEL_OK && n == 0, "Whisper: none");
    /* feature_size sets the count */
    json_array(a1, CAP, norms, 64, 0);
    snprintf(text, CAP, "{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"feature_size\": 64, \"mel_norms\": %s}", a1);
    CHECK(map_cols(text, &got, sc, sh, 512, &n, msg, sizeof msg) == WMEL_OK && n == 64 && got.n_mels == 64,
          "clvp 64 mels: %zu values: %s", n, msg);
    /* Gemma: x / std - mean / std; a missing one is mean 0 or std 1 */
    for (int which = 0; which < 3; which++) {
        json_array(a1, CAP, mean, 128, 0);
        json_array(a2, CAP, sd, 128, 1);
        snprintf(text, CAP, "{\"feature_extractor_type\": \"%s\", \"per_bin_mean\": %s, \"per_bin_stddev\": %s}",
                 which == 1 ? "Gemma3nAudioFeatureExtractor" : "Gemma4AudioFeatureExtractor", which == 2 ? "null" : a1,
                 which == 1 ? "null" : a2);
        const int rc = map_cols(text, &got, sc, sh, 512, &n, msg, sizeof msg);
        CHECK(rc == WMEL_OK && n == 128, "gemma per_bin (%d): status %d, %zu values: %s", which, rc, n, msg);
        int same = n == 128;
        for (size_t j = 0; same && j < n; j++) {
            const double m = which == 2 ? 0.0 : mean[j], s = which == 1 ? 1.0 : sd[j];
            same = sc[j] == 1.0 / s && sh[j] == -m / s;
        }
        CHECK(same, "gemma per_bin (%d): scale 1 / std, shift -mean / std", which);
    }
    /* refusals: the count, non-numbers, zeros, a short buffer */
    cols_refused("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": [1, 2]}", WMEL_ERR_INVALID_ARG,
                 "mel_norms: 2 numbers where the plan has 80 mels");
    cols_refused("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": [1, \"2\"]}",
                 WMEL_ERR_INVALID_ARG, "an array of numbers");
    cols_refused("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": 3}", WMEL_ERR_INVALID_ARG,
                 "mel_norms 3: an array of numbers");
    cols_refused("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"per_bin_mean\": [1, [2, null]]}",
                 WMEL_ERR_INVALID_ARG, "per_bin_mean [...]: an array of numbers");
    /* a nesting numpy's array refuses (unequal lengths, numbers beside arrays) is refused */
    cols_refused("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"per_bin_mean\": [[1, 2], [3]]}",
                 WMEL_ERR_INVALID_ARG, "per_bin_mean [...]: nested arrays of unequal lengths");
    cols_refused("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": [1, [2]]}",
                 WMEL_ERR_INVALID_ARG, "mel_norms [...]: nested arrays of unequal lengths");
    const char *clvp = "ClvpFeatureExtractor", *g4 = "Gemma4AudioFeatureExtractor";
    norms[5] = 0.0;
    one_vector(text, a1, CAP, clvp, "mel_norms", norms, 80);
    cols_refused(text, WMEL_ERR_INVALID_ARG, "mel_norms: value 5 is 0");
    norms[5] = 1e308;
    one_vector(text, a1, CAP, clvp, "mel_norms", norms, 80);
    n = 0;
    CHECK(map_cols(text, &got, sc, sh, 512, &n, msg, sizeof msg) == WMEL_OK && n == 80 && sc[5] == 1e-308,
          "a huge norm: its reciprocal");
    snprintf(text, CAP, "{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": [%s1e999]}",
             "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
             "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
             "1, 1, 1, 1, 1, 1, 1, 1, 1, ");
    cols_refused(text, WMEL_ERR_INVALID_ARG, "mel_norms: value 79 is not finite");
    sd[3] = 0.0;
    one_vector(text, a2, CAP, g4, "per_bin_stddev", sd, 128);
    cols_refused(text, WMEL_ERR_INVALID_ARG, "per_bin_stddev: value 3 is 0");
    sd[3] = 1e-40;
    one_vector(text, a2, CAP, g4, "per_bin_stddev", sd, 128);
    cols_refused(text, WMEL_ERR_INVALID_ARG, "above 1e30 in magnitude");
    sd[3] = 0.56;
    one_vector(text, a2, CAP, g4, "per_bin_stddev", sd, 128);
    {
        wmel_frontend_plan p, before;
        memset(&p, 0x5a, sizeof p);
        before = p;
        n = 3;
        const int rc = wmel_plan_from_hf_config_cols(text, strlen(text), &p, NULL, 0, sc, sh, 100, &n, msg, sizeof msg);
        CHECK(rc == WMEL_ERR_BUFFER_TOO_SMALL && n == 0 && plan_eq(&p, &before) && strstr(msg, "128 values"),
              "cap 100 < 128: %d %s", rc, msg);
        CHECK(wmel_plan_from_hf_config_cols(text, strlen(text), &p, NULL, 0, NULL, sh, 512, &n, msg, sizeof msg) ==
                  WMEL_ERR_NULL_POINTER, "NULL scale");
        CHECK(wmel_plan_from_hf_config_cols(text, strlen(text), &p, NULL, 0, sc, sh, 512, NULL, msg, sizeof msg) ==
                  WMEL_ERR_NULL_POINTER, "NULL count");
        /* damaged configurations with arrays: a status, never a crash (ASan) */
        const size_t len = strlen(text);
        unsigned long long s = 777;
        for (int it = 0; it < 3000; it++) {
            memcpy(a1, text, len);
            for (int k = 0; k < 2; k++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                a1[(s >> 33) % len] = "[],1e-\" n"[(s >> 20) % 9];
            }
            const int r2 = wmel_plan_from_hf_config_cols(a1, len, &p, NULL, 0, sc, sh, 512, &n, msg, sizeof msg);
            CHECK(r2 == WMEL_OK || r2 == WMEL_ERR_INVALID_ARG, "damaged cols: status %d", r2);
        }
    }
    free(text);
    free(a1);
    free(a2);
}

int main(void)
{
    /* every mapped class's bare configuration: its preset (the class's defaults are the preset's) */
    size_t mapped = 0;
    for (size_t i = 0; i < wmel_hf_class_count(); i++) {
        const char *preset;
        int ok;
        const char *cls = wmel_hf_class_name(i, &preset, &ok);
        char text[200];
        snprintf(text, sizeof text, "{\"feature_extractor_type\": \"%s\"%s}", cls,
                 !strcmp(cls, "CohereAsrFeatureExtractor") ? ", \"dither\": 0.0" : "");
        if (ok) {
            maps_to(text, preset, NULL);
            mapped++;
        } else {
            char want[96];
            snprintf(want, sizeof want, wmel_preset_json(preset) ? "the preset %s" : "needs preset %s", preset);
            refused(text, want);
        }
    }
    CHECK(mapped >= 26, "%zu classes mapped, want at least 26", mapped);
    CHECK(wmel_hf_class_name(wmel_hf_class_count(), NULL, NULL) == NULL, "past the end");

    /* fields that change the plan */
    maps_to("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"feature_size\": 128, \"chunk_length\": 30,"
            " \"n_fft\": 400.0, \"padding_value\": 0.0, \"return_attention_mask\": true, \"processor_class\": \"X\"}",
            "whisper", (const char *const[]){"n_mels", "128", NULL});
    maps_to("{\"feature_extractor_type\": \"ParakeetFeatureExtractor\", \"feature_size\": 128}", "nemo",
            (const char *const[]){"n_mels", "128", NULL});
    maps_to("{\"feature_extractor_type\": \"ParakeetFeatureExtractor\", \"preemphasis\": null, \"n_fft\": 1024,"
            " \"win_length\": 800, \"hop_length\": 320, \"sampling_rate\": 32000}",
            "nemo", (const char *const[]){"preemph", "0", "n_fft", "1024", "frame_length", "800", "hop", "320",
                                          "sample_rate", "32000", NULL});
    maps_to("{\"feature_extractor_type\": \"ParakeetFeatureExtractor\", \"sampling_rate\": 16000.0, \"hop_length\": 1.6e2,"
            " \"feature_size\": 128.0, \"preemphasis\": 0.5}",
            "nemo", (const char *const[]){"n_mels", "128", "preemph", "0.5", NULL});
    maps_to("{\"feature_extractor_type\": \"NemotronAsrStreamingFeatureExtractor\", \"mel_filters_dtype\": \"bfloat16\"}",
            "nemotron-streaming", (const char *const[]){"bf16", "1", NULL});
    maps_to("{\"feature_extractor_type\": \"Speech2TextFeatureExtractor\", \"normalize_vars\": false}", "speech2text",
            (const char *const[]){"normalize", "mean", NULL});
    maps_to("{\"feature_extractor_type\": \"Speech2TextFeatureExtractor\", \"do_ceptral_normalize\": false}",
            "speech2text", (const char *const[]){"norm_ddof", "1", "normalize", "none", NULL});
    maps_to("{\"feature_extractor_type\": \"ASTFeatureExtractor\", \"max_length\": 512, \"num_mel_bins\": 64}", "ast",
            (const char *const[]){"n_frames", "512", "n_mels", "64", NULL});
    maps_to("{\"feature_extractor_type\": \"VoxtralRealtimeFeatureExtractor\", \"global_log_mel_max\": 2.25}",
            "voxtral-realtime", (const char *const[]){"norm_max", "2.25", NULL});
    maps_to("{\"feature_extractor_type\": \"SpeechT5FeatureExtractor\", \"win_length\": 50, \"hop_length\": 10,"
            " \"fmin\": 0, \"fmax\": 8000, \"mel_floor\": 1e-5}",
            "speecht5", (const char *const[]){"frame_length", "800", "hop", "160", "n_fft", "1024", "low_freq", "0",
                                              "high_freq", "8000", "log_guard", "1e-5", NULL});
    maps_to("{\"feature_extractor_type\": \"Phi4MultimodalFeatureExtractor\", \"mel_max_frequency\": 8000,"
            " \"audio_compression_rate\": 4, \"hop_length\": 80, \"preemphasis\": 0.5}",
            "phi4-mm", (const char *const[]){"high_freq", "8000", "hop", "80", "preemph", "0.5", NULL});
    /* Dots 3 Note and MOSS-Transcribe-Diarize: Whisper's log-Mel of each chunk (the chunks are the call's) */
    maps_to("{\"feature_extractor_type\": \"Dots3NoteFeatureExtractor\", \"feature_size\": 80, \"chunk_seconds\": 30,"
            " \"chunk_length\": 45, \"dither\": 0.0}",
            "whisper-128", (const char *const[]){"n_mels", "80", NULL});
    maps_to("{\"feature_extractor_type\": \"MossTranscribeDiarizeFeatureExtractor\", \"feature_size\": 128,"
            " \"chunk_length\": 20, \"return_attention_mask\": true}",
            "whisper", (const char *const[]){"n_mels", "128", NULL});
    refused("{\"feature_extractor_type\": \"Dots3NoteFeatureExtractor\", \"n_fft\": 512}", "n_fft 512");
    refused("{\"feature_extractor_type\": \"MossTranscribeDiarizeFeatureExtractor\", \"dither\": 1e-5}", "dither");
    /* Gemma3n / Gemma4: milliseconds rounded half to even, n_fft the next power of two
     * (doubled with fft_overdrive), the unfold one sample longer, Gemma4's left half frame */
    maps_to("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"feature_size\": 80, \"frame_length_ms\": 25.0,"
            " \"hop_length_ms\": 12.5, \"min_frequency\": 0.0, \"max_frequency\": 8000, \"mel_floor\": 1e-3,"
            " \"preemphasis\": 0.9, \"input_scale_factor\": 32768.0, \"per_bin_mean\": null, \"dither\": 0.0,"
            " \"padding_value\": 0.0, \"return_attention_mask\": true, \"frame_length\": 7}",
            "gemma3n", (const char *const[]){"n_mels", "80", "frame_length", "400", "frame_span", "401", "hop", "200",
                                             "n_fft", "1024", "low_freq", "0", "high_freq", "8000", "log_guard", "1e-3",
                                             "preemph", "0.9", "scale", "32768", NULL});
    maps_to("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"fft_overdrive\": false, \"preemphasis\": -1,"
            " \"preemphasis_htk_flavor\": false, \"sampling_rate\": 24000}",
            "gemma3n", (const char *const[]){"sample_rate", "24000", "frame_length", "768", "frame_span", "769", "hop",
                                             "240", "n_fft", "1024", "preemph", "0", NULL});
    maps_to("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"frame_length_ms\": 32.0, \"fft_overdrive\": true,"
            " \"preemphasis\": 0.97, \"mel_floor\": 1e-5}",
            "gemma4", (const char *const[]){"frame_length", "512", "frame_span", "513", "pad_left", "256", "n_fft", "1024",
                                            "preemph", "0.97", "log_guard", "1e-5", NULL});
    maps_to("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"frame_length_ms\": 20.03125}", "gemma4",
            (const char *const[]){"frame_length", "320", "frame_span", "321", NULL}); /* 320.5: half to even */
    /* UnivNet: the window n_fft long, reflect (n_fft - hop) / 2 each side, fmax null the
     * Nyquist frequency, the compression factor and do_normalize as the affine */
    maps_to("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"num_mel_bins\": 80, \"hop_length\": 200,"
            " \"win_length\": 512, \"filter_length\": null, \"sampling_rate\": 16000, \"fmax\": null, \"fmin\": 20,"
            " \"mel_floor\": 0, \"compression_clip_val\": 1e-4, \"model_in_channels\": 32, \"pad_end_length\": 5}",
            "univnet", (const char *const[]){"n_mels", "80", "sample_rate", "16000", "frame_length", "512", "n_fft",
                                             "512", "hop", "200", "pad_left", "156", "pad_right", "156", "low_freq", "20",
                                             "high_freq", "8000", "mag_guard", "none", "log_guard", "1e-4", NULL});
    {
        wmel_frontend_plan p;
        char msg[600];
        CHECK(map("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"do_normalize\": true, \"normalize_min\": -10,"
                  " \"normalize_max\": 2, \"compression_factor\": 2.0}", &p, NULL, msg, sizeof msg) == WMEL_OK, "%s", msg);
        const double a = 2.0 / 12.0, b = a * (log(2.0) + 10.0) - 1.0;
        CHECK(p.affine == 1 && fabs(p.post_scale - a) <= 2e-16 * a && fabs(p.post_shift - b) <= 4e-16 * fabs(b),
              "UnivNet affine %.17g %.17g, want %.17g %.17g", p.post_scale, p.post_shift, a, b);
        CHECK(map("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"compression_factor\": 0.5}", &p, NULL, msg,
                  sizeof msg) == WMEL_OK, "%s", msg);
        CHECK(p.affine == 1 && p.post_scale == 1 && p.post_shift == log(0.5), "UnivNet compression %g", p.post_shift);
    }
    /* Inkling: hop and window from the token duration, n_fft above the window centres it */
    maps_to("{\"feature_extractor_type\": \"InklingFeatureExtractor\", \"feature_size\": 64, \"audio_token_duration_s\": 0.02,"
            " \"window_size_multiplier\": 1.5, \"n_fft\": 512, \"sampling_rate\": 16000, \"hop_length\": 1}",
            "inkling", (const char *const[]){"n_mels", "64", "hop", "320", "frame_length", "480", "n_fft", "512",
                                             "frame_span", "512", "window_offset", "16", "pad_left", "192",
                                             "pad_multiple", "320", NULL});
    maps_to("{\"feature_extractor_type\": \"InklingFeatureExtractor\", \"sampling_rate\": 24000, \"n_fft\": 0}", "inkling",
            (const char *const[]){"sample_rate", "24000", "hop", "1200", "frame_length", "2400", "n_fft", "2400",
                                  "pad_left", "1200", "pad_multiple", "1200", NULL});
    /* GraniteSpeech / GraniteSpeech5: MelSpectrogram's geometry, the band to sampling_rate // 2;
     * GraniteSpeech5's floor and deltas; FunAsrNano's milliseconds truncated as int(), the next
     * power of two, its window and LFR; the codecs' stacking fill */
    maps_to("{\"feature_extractor_type\": \"GraniteSpeechFeatureExtractor\", \"n_mels\": 64, \"n_fft\": 1024,"
            " \"win_length\": 800, \"hop_length\": 320, \"sampling_rate\": 32000, \"projector_window_size\": 10,"
            " \"melspec_kwargs\": {\"n_mels\": 7}}",
            "granite-speech", (const char *const[]){"n_mels", "64", "n_fft", "1024", "frame_length", "800", "hop", "320",
                                                    "sample_rate", "32000", NULL});
    maps_to("{\"feature_extractor_type\": \"GraniteSpeechFeatureExtractor\", \"sampling_rate\": 22051}", "granite-speech",
            (const char *const[]){"sample_rate", "22051", "high_freq", "11025", NULL});
    maps_to("{\"feature_extractor_type\": \"GraniteSpeech5FeatureExtractor\", \"num_mel_bins\": 128,"
            " \"logmel_floor_db\": 10.0, \"delta_win_length\": 5, \"padding_value\": 0.0}",
            "granite-speech5", (const char *const[]){"n_mels", "128", "norm_range", "10", "delta_win", "5", NULL});
    maps_to("{\"feature_extractor_type\": \"FunAsrNanoFeatureExtractor\", \"feature_size\": 64, \"frame_length\": 32,"
            " \"frame_shift\": 12.5, \"window\": \"hanning\", \"num_frames_lfr\": 5, \"stride_lfr\": 3}",
            "fun-asr-nano", (const char *const[]){"n_mels", "64", "frame_length", "512", "n_fft", "512", "hop", "200",
                                                  "window", "hann", "lfr", "5/3", NULL});
    maps_to("{\"feature_extractor_type\": \"FunAsrNanoFeatureExtractor\", \"sampling_rate\": 8000, \"window\": \"blackman\"}",
            "fun-asr-nano", (const char *const[]){"sample_rate", "8000", "frame_length", "200", "n_fft", "256", "hop", "80",
                                                  "window", "blackman", "window_coeff", "0.42", NULL});
    maps_to("{\"feature_extractor_type\": \"Xcodec2FeatureExtractor\", \"padding_value\": 0.0, \"hop_length\": 640,"
            " \"num_mel_bins\": 128, \"stride\": 3}",
            "xcodec2", (const char *const[]){"stack_tail", "fill:0", NULL});
    maps_to("{\"feature_extractor_type\": \"NeuCodecFeatureExtractor\", \"padding_value\": -2.5}", "neucodec",
            (const char *const[]){"stack_tail", "fill:-2.5", NULL});
    {   /* AST's affine: 1 / (2 std), -mean / (2 std); off without do_normalize */
        wmel_frontend_plan p;
        char msg[600];
        CHECK(map("{\"feature_extractor_type\": \"ASTFeatureExtractor\", \"mean\": 1.5, \"std\": 0.25}", &p, NULL, msg,
                  sizeof msg) == WMEL_OK, "%s", msg);
        CHECK(p.affine == 1 && p.post_scale == 2.0 && p.post_shift == -3.0, "AST affine %g %g", p.post_scale, p.post_shift);
        CHECK(map("{\"feature_extractor_type\": \"ASTFeatureExtractor\", \"do_normalize\": false}", &p, NULL, msg,
                  sizeof msg) == WMEL_OK, "%s", msg);
        CHECK(p.affine == 0 && p.post_scale == 0 && p.post_shift == 0, "AST without do_normalize");
        CHECK(map("{\"feature_extractor_type\": \"VoxtralRealtimeFeatureExtractor\", \"global_log_mel_max\": null}", &p,
                  NULL, msg, sizeof msg) == WMEL_OK, "%s", msg);
        wmel_frontend_plan w;
        wmel_preset_plan("whisper-128", &w, msg, sizeof msg);
        CHECK(plan_eq(&p, &w), "Voxtral realtime without a fixed max is whisper-128");
    }
    /* processor_config.json: the nested dict, with other nested values around it */
    maps_to("{\"processor_class\": \"P\", \"chat_template\": \"a very long template text that is longer than the "
            "one hundred and twenty-seven bytes a kept value holds, so that it is cut and marked as cut ...\", "
            "\"tokenizer\": {\"x\": [1, 2, {\"y\": null}]}, \"feature_extractor\": {\"feature_extractor_type\": "
            "\"ParakeetFeatureExtractor\", \"feature_size\": 128, \"nested\": {\"feature_size\": 7}}, \"feature_size\": 3}",
            "nemo", (const char *const[]){"n_mels", "128", NULL});

    maps_to("{\"audio_processor\": {\"feature_extractor_type\": \"LasrFeatureExtractor\", \"feature_size\": 80}}", "lasr",
            (const char *const[]){"n_mels", "80", NULL});
    /* refusals name the field, its value and why */
    refused("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"dither\": 0.5}", "dither 0.5: wmel computes dither 0 only");
    refused("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"n_fft\": 512}", "n_fft 512");
    refused("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"feature_size\": 64}", "feature_size 64: n_mels 64");
    refused("{\"feature_extractor_type\": \"CohereAsrFeatureExtractor\"}", "dither 1e-05");
    refused("{\"feature_extractor_type\": \"SeamlessM4TFeatureExtractor\", \"stride\": 3}", "stride 3");
    refused("{\"feature_extractor_type\": \"SeamlessM4TFeatureExtractor\", \"num_mel_bins\": 128}", "no FFT bin");
    refused("{\"feature_extractor_type\": \"Speech2TextFeatureExtractor\", \"normalize_means\": false}", "normalize_means false");
    refused("{\"feature_extractor_type\": \"SpeechT5FeatureExtractor\", \"win_function\": \"povey\"}",
            "win_function \"povey\": the periodic Povey window");
    /* transformers' window_function(periodic=True) names: a periodic Hamming, ones */
    maps_to("{\"feature_extractor_type\": \"SpeechT5FeatureExtractor\", \"win_function\": \"hamming_window\"}", "speecht5",
            (const char *const[]){"window", "hamming_periodic", NULL});
    maps_to("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"win_function\": \"boxcar\"}", "univnet",
            (const char *const[]){"window", "rect", NULL});
    refused("{\"feature_extractor_type\": \"NemotronAsrStreamingFeatureExtractor\", \"mel_filters_dtype\": \"float16\"}",
            "mel_filters_dtype \"float16\"");
    refused("{\"feature_extractor_type\": \"ParakeetFeatureExtractor\", \"feature_size\": \"80\"}", "feature_size \"80\": a number expected");
    refused("{\"feature_extractor_type\": \"Phi4MultimodalFeatureExtractor\", \"hop_length\": 0}", "hop_length 0");
    refused("{\"feature_extractor_type\": \"ASTFeatureExtractor\", \"std\": 0}", "std 0");
    refused("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"dither\": 1e-4}", "dither 1e-4: wmel computes dither 0 only");
    refused("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"per_bin_mean\": [1, 2]}",
            "per_bin_mean [...]: wmel computes per_bin_mean null only: a plan holds no per-column values");
    refused("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"per_bin_stddev\": [1]}", "per_bin_stddev [...]");
    /* not HTK's flavour: the unfold's frames[1:] - c frames[:-1], the padded signal's pre-emphasis one sample in */
    maps_to("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"preemphasis_htk_flavor\": false}", "gemma3n",
            (const char *const[]){"preemph_mode", "padded", "window_offset", "1", NULL});
    refused("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"preemphasis_htk_flavor\": 2}",
            "preemphasis_htk_flavor 2");
    refused("{\"feature_extractor_type\": \"Gemma3nAudioFeatureExtractor\", \"max_frequency\": 0}", "max_frequency 0");
    refused("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"input_scale_factor\": 0}", "input_scale_factor 0");
    refused("{\"feature_extractor_type\": \"Gemma4AudioFeatureExtractor\", \"frame_length_ms\": \"20\"}", "frame_length_ms \"20\"");
    refused("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"center\": true}", "center true");
    refused("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"win_length\": 800}",
            "win_length 800: the window (win_length 800) must be n_fft (1024) long");
    refused("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"win_function\": \"kaiser_window\"}",
            "win_function \"kaiser_window\": transformers' window_function takes");
    refused("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"do_normalize\": true, \"normalize_max\": -11.512925148010254}",
            "normalize_max -11.512925148010254");
    refused("{\"feature_extractor_type\": \"UnivNetFeatureExtractor\", \"compression_factor\": 0}", "compression_factor 0");
    refused("{\"feature_extractor_type\": \"InklingFeatureExtractor\", \"audio_token_duration_s\": 0.0501}",
            "audio_token_duration_s 0.0501: audio_token_duration_s * sampling_rate must be a whole number");
    refused("{\"feature_extractor_type\": \"InklingFeatureExtractor\", \"n_fft\": 1024}", "n_fft 1024: below the window's 1600");
    refused("{\"feature_extractor_type\": \"GraniteSpeechFeatureExtractor\", \"sampling_rate\": 16000.5}", "sampling_rate 16000.5");
    refused("{\"feature_extractor_type\": \"GraniteSpeechFeatureExtractor\", \"win_length\": 600}", "win_length 600: the window must fit n_fft (512)");
    refused("{\"feature_extractor_type\": \"GraniteSpeech5FeatureExtractor\", \"delta_win_length\": 2}", "delta_win_length 2");
    refused("{\"feature_extractor_type\": \"GraniteSpeech5FeatureExtractor\", \"logmel_floor_db\": -1}", "logmel_floor_db -1");
    refused("{\"feature_extractor_type\": \"FunAsrNanoFeatureExtractor\", \"window\": \"hann\"}",
            "window \"hann\": torchaudio's kaldi window_type");
    refused("{\"feature_extractor_type\": \"FunAsrNanoFeatureExtractor\", \"num_frames_lfr\": 9}", "num_frames_lfr 9");
    refused("{\"feature_extractor_type\": \"FunAsrNanoFeatureExtractor\", \"frame_length\": 0.1}", "frame_length 0.1");
    refused("{\"feature_extractor_type\": \"Xcodec2FeatureExtractor\", \"sampling_rate\": 24000}",
            "sampling_rate 24000: wmel computes sampling_rate 16000 only");
    refused("{\"feature_extractor_type\": \"NeuCodecFeatureExtractor\", \"padding_value\": \"x\"}", "padding_value \"x\"");
    refused("{\"feature_extractor_type\": \"InklingFeatureExtractor\", \"feature_size\": 600}", "feature_size 600");
    refused("{\"feature_extractor_type\": \"Wav2Vec2FeatureExtractor\"}", "computes no spectrogram");
    refused("{\"feature_extractor_type\": \"MusicgenMelodyFeatureExtractor\"}", "not a class wmel maps");
    /* a decoded control character in a quoted value keeps the sentence one line */
    refused("{\"feature_extractor_type\": \"Parake\\nfd\\tureExtractor\"}", "Parake?fd?ureExtractor: not a class");
    refused("{\"feature_extractor_type\": \"NeuCodecFeatureExtractor\", \"padding_value\": \"a\\u001fb\\u007f\"}",
            "padding_value \"a?b?\"");
    /* CLVP, CLAP, Pop2Piano: one field is both the window and the transform; CLAP's truncation
     * picks the bank; Pop2Piano's bank ends at sampling_rate // 2; mel_norms is the drop-in's */
    maps_to("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"n_fft\": 2048, \"hop_length\": 300,"
            " \"mel_norms\": null, \"n_samples\": 661500, \"nb_max_frames\": 2583}",
            "clvp", (const char *const[]){"n_fft", "2048", "frame_length", "2048", "hop", "300", NULL});
    maps_to("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"n_fft\": 512}", "clvp",
            (const char *const[]){"frame_length", "512", "n_fft", "512", NULL});
    maps_to("{\"feature_extractor_type\": \"ClapFeatureExtractor\", \"truncation\": \"rand_trunc\","
            " \"fft_window_size\": 2048, \"feature_size\": 128, \"top_db\": null}",
            "clap", (const char *const[]){"mel_scale", "slaney", "mel_norm", "slaney", "n_fft", "2048",
                                          "frame_length", "2048", "n_mels", "128", NULL});
    maps_to("{\"feature_extractor_type\": \"Pop2PianoFeatureExtractor\", \"sampling_rate\": 16001,"
            " \"window_size\": 2048, \"min_frequency\": 20}",
            "pop2piano", (const char *const[]){"sample_rate", "16001", "high_freq", "8000", "n_fft", "2048",
                                               "frame_length", "2048", "low_freq", "20", NULL});
    refused("{\"feature_extractor_type\": \"ClvpFeatureExtractor\", \"mel_norms\": [1, 2]}",
            "mel_norms [...]: wmel computes mel_norms null only");
    refused("{\"feature_extractor_type\": \"ClapFeatureExtractor\", \"truncation\": \"crop\"}", "truncation \"crop\"");
    refused("{\"feature_extractor_type\": \"Pop2PianoFeatureExtractor\", \"window_size\": 4096.5}",
            "window_size 4096.5: a whole number of samples");
    refused("{\"feature_extractor_type\": \"Pop2PianoFeatureExtractor\", \"sampling_rate\": 22050.5}",
            "sampling_rate 22050.5");
    refused("{\"feature_size\": 80}", "no \"feature_extractor_type\"");
    refused("{\"feature_extractor_type\": 3}", "feature_extractor_type is not a string: 3");
    /* a nested extractor object, even an empty one, is the configuration (transformers') */
    refused("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"feature_extractor\": {}}",
            "the nested \"feature_extractor\" object names no class");
    refused("{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"audio_processor\": {}}",
            "the nested \"audio_processor\" object names no class");
    {   /* a class name longer than any: the value and the classes, not "not a string" */
        char big[400] = "{\"feature_extractor_type\": \"";
        for (int i = 0; i < 200; i++) strcat(big, "A");
        strcat(big, "\"}");
        refused(big, "(a string of 128 bytes or more, longer than any class name): not a class wmel maps to a plan "
                     "(WhisperFeatureExtractor,");
    }
    {   /* a UTF-8 byte-order mark is skipped, as every JSON file the library reads */
        wmel_frontend_plan p;
        char msg[300], preset[64];
        const char *bom = "\xef\xbb\xbf{\"feature_extractor_type\": \"WhisperFeatureExtractor\", \"feature_size\": 128}";
        CHECK(map(bom, &p, preset, msg, sizeof msg) == WMEL_OK && p.n_mels == 128, "a byte-order mark: %s", msg);
    }
    refused("[1, 2]", "line 1: a configuration is one JSON object");
    refused("{\"a\": [1, 2,]}", "a ',' before a closing bracket");
    refused("{\"a\": 1} x", "text after");
    refused("{\"a\": NaN}", "a value expected");
    {   /* nesting past 64 levels */
        char deep[300] = "{\"a\": ";
        for (int i = 0; i < 70; i++) strcat(deep, "[");
        refused(deep, "nested more than 64 deep");
    }
    /* every truncation of a valid configuration is refused; damage never crashes */
    const char *ok = "{\n  \"feature_extractor_type\": \"ParakeetFeatureExtractor\",\n  \"feature_size\": 128,\n"
                     "  \"list\": [1, \"two\", {\"three\": null}, true, false],\n  \"hop_length\": 160\n}\n";
    const size_t n = strlen(ok);
    for (size_t l = 0; l < n - 2; l++) {
        wmel_frontend_plan p;
        char msg[600];
        const int rc = wmel_plan_from_hf_config(ok, l, &p, NULL, 0, msg, sizeof msg);
        CHECK(rc == WMEL_ERR_INVALID_ARG, "cut to %zu bytes: %d", l, rc);
    }
    unsigned long long s = 12345;
    char *d = malloc(n);
    for (int it = 0; it < 5000; it++) {
        memcpy(d, ok, n);
        for (int k = 0; k < 3; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            d[(s >> 33) % n] = (char)(s >> 20);
        }
        wmel_frontend_plan p;
        char small[8];
        const int rc = wmel_plan_from_hf_config(d, n, &p, NULL, 0, small, sizeof small);
        CHECK(rc == WMEL_OK || rc == WMEL_ERR_INVALID_ARG, "damaged: status %d", rc);
    }
    free(d);
    {
        wmel_frontend_plan p;
        CHECK(wmel_plan_from_hf_config(NULL, 0, &p, NULL, 0, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL text");
        CHECK(wmel_plan_from_hf_config("{}", 2, NULL, NULL, 0, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL plan");
    }
    hf_cols_tests();
    return t_done("test_hf_config");
}
