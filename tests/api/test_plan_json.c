/*
 * test_plan_json.c -- a plan as JSON (wmel_plan_from_json, wmel_plan_to_json) and the
 * built-in presets (wmel_preset_*): every preset parses, its plan survives plan -> JSON ->
 * plan field for field, and the five families' files equal wmel_frontend_preset(); random
 * plans reached through wmel_plan_set round-trip exactly (doubles through their shortest
 * digits); a plan the options cannot reach is refused naming the field; the parser's
 * refusals (unknown key, bad value, trailing text, duplicate key, nesting, huge numbers,
 * non-UTF-8, every truncation, random byte damage) are WMEL_ERR_INVALID_ARG with a sentence
 * naming the line, and leave the plan unchanged.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long g_rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    g_rng = g_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(g_rng >> 33) % n;
}

/* text must be refused with a sentence holding `want`, and the plan left as it was. */
static void refused(const char *text, size_t len, const char *want)
{
    wmel_frontend_plan p, before;
    memset(&p, 0x5a, sizeof p);
    before = p;
    char msg[1024];
    int rc = wmel_plan_from_json(text, len, &p, msg, sizeof msg);
    CHECK(rc == WMEL_ERR_INVALID_ARG, "refused %.60s: status %d", text, rc);
    CHECK(strstr(msg, want) != NULL, "refused %.60s: the sentence lacks '%s': %s", text, want, msg);
    CHECK(!memcmp(&p, &before, sizeof p), "refused %.60s: the plan changed", text);
}

static void roundtrip(const wmel_frontend_plan *p, const char *what)
{
    char buf[WMEL_PLAN_JSON_MAX], buf2[WMEL_PLAN_JSON_MAX], msg[600];
    int rc = wmel_plan_to_json(p, buf, sizeof buf, msg, sizeof msg);
    CHECK(rc == WMEL_OK, "%s: to_json %d: %s", what, rc, msg);
    if (rc) return;
    wmel_frontend_plan q;
    rc = wmel_plan_from_json(buf, strlen(buf), &q, msg, sizeof msg);
    CHECK(rc == WMEL_OK, "%s: from_json %d: %s\n%s", what, rc, msg, buf);
    CHECK(!memcmp(p, &q, sizeof q), "%s: the plan read back differs\n%s", what, buf);
    rc = wmel_plan_to_json(&q, buf2, sizeof buf2, msg, sizeof msg);
    CHECK(rc == WMEL_OK && !strcmp(buf, buf2), "%s: the JSON of the plan read back differs", what);
}

int main(void)
{
    char msg[1200];
    /* the built-in presets */
    CHECK(wmel_preset_count() >= 6, "%zu presets", wmel_preset_count());
    CHECK(wmel_preset_name(wmel_preset_count()) == NULL, "a name past the end");
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *name = wmel_preset_name(i), *t = wmel_preset_json(name);
        CHECK(name && t, "preset %zu", i);
        wmel_frontend_plan p;
        int rc = wmel_preset_plan(name, &p, msg, sizeof msg);
        CHECK(rc == WMEL_OK && !msg[0], "preset %s: %d %s", name, rc, msg);
        roundtrip(&p, name);
        char meta[512];
        CHECK(wmel_plan_json_meta(t, strlen(t), "name", meta, sizeof meta) == WMEL_OK && !strcmp(meta, name),
              "preset %s: its name key says %s", name, meta);
        CHECK(wmel_plan_json_meta(t, strlen(t), "models", meta, sizeof meta) == WMEL_OK && meta[0],
              "preset %s: no models", name);
        CHECK(wmel_plan_json_meta(t, strlen(t), "original", meta, sizeof meta) == WMEL_OK && meta[0],
              "preset %s: no original", name);
    }
    /* the families' files are wmel_frontend_preset's plans */
    static const struct {
        const char *name;
        int fe, n_mels;
    } fam[] = {{"whisper", WMEL_FRONTEND_WHISPER, 80},      {"whisper-128", WMEL_FRONTEND_WHISPER, 128},
               {"nemo", WMEL_FRONTEND_NEMO, 0},             {"nemo-legacy", WMEL_FRONTEND_NEMO_LEGACY, 0},
               {"kaldi", WMEL_FRONTEND_KALDI, 0},           {"seamless", WMEL_FRONTEND_SEAMLESS, 0}};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
        wmel_frontend_plan a, b;
        CHECK(wmel_preset_plan(fam[i].name, &a, msg, sizeof msg) == WMEL_OK, "%s: %s", fam[i].name, msg);
        wmel_frontend_preset(fam[i].fe, fam[i].n_mels, &b);
        CHECK(!memcmp(&a, &b, sizeof a), "preset %s differs from wmel_frontend_preset", fam[i].name);
    }
    /* the field's presets are their options' plans */
    static const struct {
        const char *name;
        int fe;
        const char *opts[12][2];
    } field[] = {
        {"wespeaker", WMEL_FRONTEND_KALDI, {{"window", "hamming"}, {"normalize", "mean"}}},
        {"lhotse-fbank",
         WMEL_FRONTEND_KALDI,
         {{"scale", "1"}, {"high_freq", "-400"}, {"framing", "kaldi_center"}}},
        {"sherpa-onnx", WMEL_FRONTEND_KALDI, {{"scale", "1"}, {"high_freq", "-400"}, {"framing", "kaldi_center"}}},
        {"lhotse-mfcc",
         WMEL_FRONTEND_KALDI,
         {{"n_mels", "23"},
          {"scale", "1"},
          {"high_freq", "-400"},
          {"framing", "kaldi_center"},
          {"n_ceps", "13"},
          {"cepstral_lifter", "22"}}},
        {"nemotron-streaming", WMEL_FRONTEND_NEMO, {{"normalize", "none"}}},
        {"cohere-asr", WMEL_FRONTEND_NEMO, {{"n_mels", "128"}}},
        {"voxtral-realtime", WMEL_FRONTEND_WHISPER, {{"n_mels", "128"}, {"norm_max", "1.5"}}},
        {"speech2text",
         WMEL_FRONTEND_KALDI,
         {{"normalize", "mean_var"}, {"log_guard", "1.192092955078125e-07"}, {"norm_eps", "0"}, {"norm_ddof", "0"}}},
        {"ast",
         WMEL_FRONTEND_KALDI,
         {{"n_mels", "128"},
          {"window", "hann"},
          {"scale", "1"},
          {"empty_filters", "1"},
          {"log_guard", "1.192092955078125e-07"},
          {"n_frames", "1024"},
          {"post_scale", "0.10943319862690226"},
          {"post_shift", "0.4670323625047368"}}},
        {"lasr",
         WMEL_FRONTEND_KALDI,
         {{"n_mels", "128"},
          {"window", "hann"},
          {"scale", "1"},
          {"low_freq", "125"},
          {"high_freq", "7500"},
          {"mel_scale", "tf"},
          {"empty_filters", "1"},
          {"log_guard", "1e-5"},
          {"remove_dc", "0"},
          {"preemph", "0"}}},
        {"phi4-mm",
         WMEL_FRONTEND_KALDI,
         {{"window", "hamming"},
          {"low_freq", "0"},
          {"high_freq", "7690"},
          {"mel_scale", "tf"},
          {"log_guard", "1"},
          {"remove_dc", "0"}}},
    };
    for (size_t i = 0; i < sizeof field / sizeof field[0]; i++) {
        wmel_frontend_plan a, b;
        CHECK(wmel_preset_plan(field[i].name, &a, msg, sizeof msg) == WMEL_OK, "%s: %s", field[i].name, msg);
        wmel_frontend_preset(field[i].fe, 0, &b);
        for (int k = 0; k < 12 && field[i].opts[k][0]; k++)
            CHECK(wmel_plan_set(&b, field[i].opts[k][0], field[i].opts[k][1], msg, sizeof msg) == WMEL_OK, "%s %s: %s",
                  field[i].name, field[i].opts[k][0], msg);
        CHECK(!memcmp(&a, &b, sizeof a), "preset %s differs from its options' plan", field[i].name);
    }

    /* random plans through the options */
    static const char *const fe_names[] = {"whisper", "nemo", "kaldi", "seamless", "nemo-legacy"};
    int trips = 0, framed = 0, linear = 0, ceps = 0;
    for (int it = 0; it < 3000; it++) {
        wmel_frontend_plan p;
        wmel_frontend_preset((int)rnd(5), 0, &p);
        const int n_opt = 1 + (int)rnd(8);
        for (int k = 0; k < n_opt; k++) {
            char v[64];
            const char *name;
            switch (rnd(46)) {
            case 0: name = "n_mels", snprintf(v, sizeof v, "%u", rnd(2) ? 80 + 48 * rnd(2) : 1 + rnd(100)); break;
            case 1: name = "normalize", snprintf(v, sizeof v, "%s", (const char *[]){"none", "mean", "mean_var", "per_feature", "all_features"}[rnd(5)]); break;
            case 2: name = "window", snprintf(v, sizeof v, "%s", (const char *[]){"povey", "hamming", "hann", "rect", "blackman", "bartlett", "sine", "hamming_periodic", "blackman_periodic", "bartlett_periodic"}[rnd(10)]); break;
            case 3: name = "scale", snprintf(v, sizeof v, "%.17g", ldexp(1.0 + rnd(1000) / 997.0, (int)rnd(30) - 5)); break;
            case 4: name = "low_freq", snprintf(v, sizeof v, "%.17g", rnd(300) * 0.37); break;
            case 5: name = "high_freq", snprintf(v, sizeof v, "%.17g", rnd(2) ? 7000 + rnd(1000) / 3.0 : -(double)rnd(400)); break;
            case 6: name = "use_energy", snprintf(v, sizeof v, "%s", rnd(2) ? "true" : "0"); break;
            case 7: name = "energy_floor", snprintf(v, sizeof v, "%.17g", rnd(100) / 7.0); break;
            case 8: name = "pad_to", snprintf(v, sizeof v, "%u", rnd(3) * 8); break;
            case 9: name = "mel_scale", snprintf(v, sizeof v, "%s", (const char *[]){"slaney", "kaldi", "htk", "tf"}[rnd(4)]); break;
            case 10: name = "mel_norm", snprintf(v, sizeof v, "%s", rnd(2) ? "none" : "slaney"); break;
            case 11: name = rnd(2) ? "empty_filters" : "bf16", snprintf(v, sizeof v, "%u", rnd(2)); break;
            case 12: name = "window_coeff", snprintf(v, sizeof v, "%.17g", 0.3 + rnd(1000) / 5000.0); break;
            case 13: name = "power", snprintf(v, sizeof v, "%u", 1 + rnd(2)); break;
            case 14: name = "mag_guard", snprintf(v, sizeof v, "%s:%.17g", rnd(2) ? "max" : "add", exp(-(double)rnd(300) / 7.0)); break;
            case 15: name = "log_guard", snprintf(v, sizeof v, "%.17g", exp(-(double)rnd(400) / 9.0)); break;
            case 16: name = "norm_eps", snprintf(v, sizeof v, "%.17g", rnd(3) ? exp(-(double)rnd(300) / 11.0) : 0.0); break;
            case 17: name = "norm_ddof", snprintf(v, sizeof v, "%u", rnd(2)); break;
            case 18: name = "norm_max", snprintf(v, sizeof v, "%.17g", (double)rnd(4000) / 1000.0 - 2.0); break;
            case 19: name = "norm_range", snprintf(v, sizeof v, "%.17g", 0.5 + rnd(200) / 13.0); break;
            case 20: name = "n_frames", snprintf(v, sizeof v, "%u", rnd(3) ? rnd(3000) : 0); break;
            case 21: name = "pad_value", snprintf(v, sizeof v, "%.17g", (double)rnd(2000) / 77.0 - 10.0); break;
            case 22: name = rnd(2) ? "post_scale" : "post_shift", snprintf(v, sizeof v, "%.17g", (double)rnd(2000) / 91.0 - 7.0); break;
            case 23: name = rnd(2) ? "remove_dc" : "preemph", snprintf(v, sizeof v, rnd(2) ? "%u" : "0.9%u", rnd(2)); break;
            case 24: name = "frame_length", snprintf(v, sizeof v, "%u", 200 + rnd(400)); break;
            case 25: name = "hop", snprintf(v, sizeof v, "%u", 80 + rnd(300)); break;
            case 26: name = "n_fft", snprintf(v, sizeof v, "%u", (const unsigned[]){400, 512, 1024, 640}[rnd(4)]); break;
            case 27: name = "framing", snprintf(v, sizeof v, "%s", (const char *[]){"snip", "center_reflect", "center_zero"}[rnd(3)]); break;
            case 28: name = "log", snprintf(v, sizeof v, "%s", (const char *[]){"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"}[rnd(6)]); break;
            case 29: name = rnd(2) ? "valid" : "layout", snprintf(v, sizeof v, "%s", (const char *[]){"all", "hop", "trim", "mels_frames", "frames_mels"}[rnd(5)]); break;
            case 30: name = rnd(2) ? "stack" : "sample_rate", snprintf(v, sizeof v, "%u", rnd(2) ? 1 + rnd(3) : 16000 + 8000 * rnd(3)); break;
            case 32: name = rnd(2) ? "dither" : "dither_seed",
                     rnd(2) ? snprintf(v, sizeof v, "%.17g", rnd(1000) / 37.0)
                            : snprintf(v, sizeof v, "%u", rnd(2) ? 4294967295u : rnd(1000)); break;
            case 33: name = "raw_energy", snprintf(v, sizeof v, "%s", rnd(2) ? "0" : "true"); break;
            case 34: name = rnd(2) ? "pad_left" : "pad_right", snprintf(v, sizeof v, "%u", rnd(3) ? rnd(800) : 0); break;
            case 35: name = rnd(2) ? "pad_multiple" : "frame_span", snprintf(v, sizeof v, "%u", rnd(2) ? rnd(200) : 400 + rnd(700)); break;
            case 36: name = rnd(2) ? "pad_mode" : "window_offset",
                     snprintf(v, sizeof v, "%s", name[4] == 'm' ? (rnd(2) ? "reflect" : "zero") : rnd(2) ? "56" : "0"); break;
            case 37: name = rnd(2) ? "exact_pad" : "valid", snprintf(v, sizeof v, "%s", name[0] == 'e' ? (rnd(2) ? "1" : "false")
                                                                                  : (const char *[]){"end", "ceil", "but_last"}[rnd(3)]); break;
            case 38: name = (const char *[]){"vtln_warp", "vtln_warp", "vtln_low", "vtln_high"}[rnd(4)],
                     snprintf(v, sizeof v, "%.17g", name[5] == 'w' ? 0.8 + rnd(400) / 997.0
                                                    : name[5] == 'l' ? 50.0 + rnd(500) / 3.0
                                                                     : rnd(2) ? -(double)rnd(2000) / 7.0 : 5000.0 + rnd(300));
                     break;
            case 39: name = "htk_bank", snprintf(v, sizeof v, "%s", rnd(2) ? "1" : "false"); break;
            case 40: name = rnd(2) ? "lfr" : "stack_stride", rnd(2) ? snprintf(v, sizeof v, "%u/%u", 1 + rnd(8), 1 + rnd(8))
                                                                    : snprintf(v, sizeof v, "%u", rnd(9)); break;
            case 41: name = rnd(2) ? "stack_left" : "stack_tail",
                     rnd(2) ? snprintf(v, sizeof v, "%u", rnd(4))
                            : snprintf(v, sizeof v, "%s", (const char *[]){"zero", "drop", "trim", "last", "fill:1", "fill:-2.75"}[rnd(6)]); break;
            case 42: name = rnd(2) ? "delta_win" : "cols_stacked", snprintf(v, sizeof v, "%u", rnd(2) ? 3 + 2 * rnd(4) : rnd(2)); break;
            case 43: name = rnd(2) ? "linear_bins" : "first_bin", snprintf(v, sizeof v, "%u", name[0] == 'l' ? rnd(2) : rnd(3) ? rnd(40) : 0); break;
            case 44: name = (const char *[]){"n_ceps", "n_ceps", "cepstral_lifter", "ceps_htk"}[rnd(4)],
                     snprintf(v, sizeof v, "%s", name[1] == '_' ? (rnd(4) ? "13" : "0") : name[5] == 'h' ? (rnd(2) ? "1" : "false")
                                                 : (rnd(2) ? "22" : "0.37")); break;
            default: name = rnd(2) ? "preemph_mode" : "window", snprintf(v, sizeof v, "%s", (const char *[]){"frame", "signal", "padded", "padded_cut", "hann_periodic"}[rnd(5)]); break;
            }
            wmel_frontend_plan q = p;
            if (wmel_plan_set(&q, name, v, NULL, 0) == WMEL_OK) p = q;
        }
        if (wmel_plan_check(&p, NULL, 0) != WMEL_OK) continue;
        char what[64];
        snprintf(what, sizeof what, "random plan %d (%s)", it, fe_names[p.frontend]);
        roundtrip(&p, what);
        trips++;
        framed += p.pad_left || p.pad_right || p.pad_multiple || p.pad_mode || p.frame_span || p.window_offset;
        linear += p.linear_bins;
        ceps += p.n_ceps > 0;
    }
    CHECK(trips > 1500, "only %d random plans were valid", trips);
    CHECK(framed > 100, "only %d random plans had an explicit framing", framed);
    CHECK(linear > 8, "only %d random plans had linear_bins", linear);
    CHECK(ceps > 8, "only %d random plans had cepstra", ceps);

    /* SpeechBrain's symmetric bank through the option, the JSON and back; the toolkit presets
       are their options' plans */
    for (int f = 0; f < 5; f++)
        for (int s = 0; s < 2; s++) {
            wmel_frontend_plan p;
            wmel_frontend_preset(f, 0, &p);
            CHECK(wmel_plan_set(&p, "mel_norm", "none", msg, sizeof msg) == WMEL_OK &&
                      wmel_plan_set(&p, "mel_scale", s ? "htk" : "slaney", msg, sizeof msg) == WMEL_OK &&
                      wmel_plan_set(&p, "symmetric_bank", "true", msg, sizeof msg) == WMEL_OK &&
                      (p.bank_flags & WMEL_BANK_SYMMETRIC),
                  "%s symmetric_bank: %s", fe_names[f], msg);
            roundtrip(&p, "symmetric_bank");
            wmel_frontend_plan q = p;
            q.mel_scale = WMEL_MEL_TF;
            CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "symmetric_bank") &&
                      strstr(msg, "mel_scale tf"), "%s symmetric tf: %s", fe_names[f], msg);
            CHECK(wmel_plan_set(&p, "symmetric_bank", "2", msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
                      strstr(msg, "symmetric_bank 2: 1 or 0"), "symmetric_bank 2: %s", msg);
            CHECK(wmel_plan_set(&p, "symmetric_bank", "0", msg, sizeof msg) == WMEL_OK && !p.bank_flags, "symmetric off");
        }
    /* the bank snapped to FFT bins (python_speech_features) the same way: the option, the JSON
       and back, the refusals naming the field */
    for (int f = 0; f < 5; f++)
        for (int s = 0; s < 2; s++) {
            wmel_frontend_plan p;
            wmel_frontend_preset(f, 0, &p);
            CHECK(wmel_plan_set(&p, "mel_norm", "none", msg, sizeof msg) == WMEL_OK &&
                      wmel_plan_set(&p, "mel_scale", s ? "htk" : "slaney", msg, sizeof msg) == WMEL_OK &&
                      wmel_plan_set(&p, "snap_bins", "true", msg, sizeof msg) == WMEL_OK &&
                      p.bank_flags == WMEL_BANK_SNAP_BINS,
                  "%s snap_bins: %s", fe_names[f], msg);
            roundtrip(&p, "snap_bins");
            wmel_frontend_plan q = p;
            q.mel_scale = WMEL_MEL_KALDI;
            CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "snap_bins") &&
                      strstr(msg, "mel_scale kaldi"), "%s snap_bins kaldi: %s", fe_names[f], msg);
            q = p, q.mel_norm = WMEL_MELNORM_SLANEY;
            CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "snap_bins") &&
                      strstr(msg, "mel_norm none"), "%s snap_bins slaney norm: %s", fe_names[f], msg);
            q = p, q.bank_flags |= WMEL_BANK_SYMMETRIC;
            CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "symmetric_bank"),
                  "%s snap_bins symmetric: %s", fe_names[f], msg);
            q = p, q.bank_flags = 32;
            CHECK(wmel_plan_check(&q, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "bank_flags 32") &&
                      strstr(msg, "WMEL_BANK_SNAP_BINS (16)"), "bank_flags 32: %s", msg);
            CHECK(wmel_plan_set(&p, "snap_bins", "yes", msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
                      strstr(msg, "snap_bins yes: 1 or 0"), "snap_bins yes: %s", msg);
            CHECK(wmel_plan_set(&p, "snap_bins", "false", msg, sizeof msg) == WMEL_OK && !p.bank_flags, "snap_bins off");
        }
    {
        static const struct {
            const char *name, *opts[20][2];
        } tk[] = {
            {"speechbrain-fbank",
             {{"normalize", "whole"}, {"window", "hamming_periodic"}, {"high_freq", "8000"}, {"mel_scale", "htk"}, {"mel_norm", "none"},
              {"log_guard", "1e-10"}, {"norm_range", "8"}, {"post_scale", "40"}, {"post_shift", "-40"},
              {"preemph", "0"}, {"n_fft", "400"}, {"framing", "center_zero"}, {"log", "log10_clamp"},
              {"valid", "all"}, {"layout", "frames_mels"}, {"symmetric_bank", "1"}}},
            {"espnet-fbank",
             {{"normalize", "none"}, {"window", "hann_periodic"}, {"high_freq", "8000"}, {"log_guard", "1e-10"}, {"preemph", "0"},
              {"frame_length", "512"}, {"hop", "128"}, {"n_fft", "512"}, {"framing", "center_reflect"},
              {"log", "ln_clamp"}, {"valid", "all"}, {"layout", "frames_mels"}}},
        };
        for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++) {
            wmel_frontend_plan a, b;
            CHECK(wmel_preset_plan(tk[i].name, &a, msg, sizeof msg) == WMEL_OK, "%s: %s", tk[i].name, msg);
            wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &b);
            for (int k = 0; k < 20 && tk[i].opts[k][0]; k++)
                CHECK(wmel_plan_set(&b, tk[i].opts[k][0], tk[i].opts[k][1], msg, sizeof msg) == WMEL_OK, "%s %s: %s",
                      tk[i].name, tk[i].opts[k][0], msg);
            CHECK(!memcmp(&a, &b, sizeof a), "preset %s differs from its options' plan", tk[i].name);
        }
    }

    /* the logs that guard exact zeros only: their names through JSON and back, the same plan */
    for (int lg = WMEL_LOG_ZERO; lg <= WMEL_LOG10_ZERO; lg++) {
        wmel_frontend_plan p, q;
        char buf[WMEL_PLAN_JSON_MAX];
        const char *want = lg == WMEL_LOG_ZERO ? "\"ln_zero\"" : "\"log10_zero\"";
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        p.log = lg, p.log_guard = 2.220446049250313e-16;
        CHECK(wmel_plan_to_json(&p, buf, sizeof buf, msg, sizeof msg) == WMEL_OK && strstr(buf, want) &&
                  strstr(buf, "2.220446049250313e-16"), "log %d to JSON: %s %s", lg, buf, msg);
        CHECK(wmel_plan_from_json(buf, strlen(buf), &q, msg, sizeof msg) == WMEL_OK && !memcmp(&p, &q, sizeof p),
              "log %d: JSON and back differs (%s)", lg, msg);
    }
    {
        wmel_frontend_plan p;
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        CHECK(wmel_plan_set(&p, "log", "ln_zero", msg, sizeof msg) == WMEL_OK && p.log == WMEL_LOG_ZERO, "ln_zero: %s", msg);
        CHECK(wmel_plan_set(&p, "log", "log10_zero", msg, sizeof msg) == WMEL_OK && p.log == WMEL_LOG10_ZERO,
              "log10_zero: %s", msg);
        CHECK(wmel_plan_set(&p, "log", "zero", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "ln_zero or log10_zero"),
              "log zero: %s", msg);
        p.log = WMEL_LOG10_ZERO + 1;
        CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "log 6: not a WMEL_LOG_* value (0..5)"),
              "log 6: %s", msg);
    }

    /* a plan the options do not reach */
    {
        wmel_frontend_plan p;
        char buf[WMEL_PLAN_JSON_MAX];
        wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 0, &p);
        p.norm = WMEL_NORM_NONE; /* whisper takes no normalize option */
        CHECK(wmel_plan_to_json(&p, buf, sizeof buf, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "field norm:"),
              "an unreachable norm: %s", msg);
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        p.n_fft = 7;
        CHECK(wmel_plan_to_json(&p, buf, sizeof buf, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "n_fft"),
              "an invalid plan: %s", msg);
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        CHECK(wmel_plan_to_json(&p, buf, 10, msg, sizeof msg) == WMEL_ERR_BUFFER_TOO_SMALL, "a short buffer");
        CHECK(wmel_plan_to_json(NULL, buf, sizeof buf, msg, sizeof msg) == WMEL_ERR_NULL_POINTER, "NULL plan");
        CHECK(wmel_plan_from_json(NULL, 0, &p, msg, sizeof msg) == WMEL_ERR_NULL_POINTER, "NULL text");
        CHECK(wmel_preset_plan("nope", &p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "kaldi"),
              "an unknown preset: %s", msg);
        CHECK(wmel_preset_json("nope") == NULL, "an unknown preset's JSON");
    }

    /* the parser's refusals */
#define R(text, want) refused(text, sizeof(text) - 1, want)
    R("{\"frontend\": \"kaldi\",\n\n \"windw\": \"hamming\"}", "line 3: key \"windw\": not an option");
    R("{\"frontend\": \"kaldi\", \"window\": \"hamm\"}", "window hamm: the kaldi front-end takes");
    R("{\"frontend\": \"whisper\", \"window\": \"hann\"}", "not an option of the whisper front-end");
    R("{\"frontend\": \"kaldi\", \"n_mels\": 80.5}", "n_mels 80.5");
    R("{\"frontend\": \"kaldi\"} x", "text after the plan's object");
    R("{\"frontend\": \"kaldi\"}{}", "text after the plan's object");
    R("{\"frontend\": \"kaldi\",\n \"scale\": 2,\n \"scale\": 3}", "line 3: key \"scale\" appears twice (first on line 2)");
    R("{\"frontend\": \"kaldi\", \"notes\": {\"a\": 1}}", "a plan is flat");
    R("{\"frontend\": \"kaldi\", \"scale\": [1]}", "a plan is flat");
    R("{\"frontend\": \"kaldi\", \"models\": [\"a\", [\"b\"]]}", "an array of strings only");
    R("{\"frontend\": \"kaldi\", \"scale\": 1e999}", "scale 1e999");
    R("{\"frontend\": \"kaldi\", \"scale\": -1e-999}", "scale -1e-999");
    R("{\"frontend\": \"kaldi\", \"scale\": 1234567890123456789012345678901234567890123456789012345678901234567890}",
      "more than 64 characters");
    R("{\"frontend\": \"kaldi\", \"scale\": 01}", "a ',' or '}' expected");
    R("{\"frontend\": \"kaldi\", \"scale\": 1.}", "a digit after its '.'");
    R("{\"frontend\": \"kaldi\", \"scale\": +1}", "a value expected");
    R("{\"frontend\": \"kaldi\", \"scale\": null}", "null is not a value");
    R("{\"frontend\": \"kaldi\", \"notes\": \"caf\xe9\"}", "not valid UTF-8");
    R("{\"frontend\": \"kaldi\", \"notes\": \"\xc0\xaf\"}", "not valid UTF-8");
    R("{\"frontend\": \"kaldi\", \"notes\": \"\xed\xa0\x80\"}", "not valid UTF-8");
    R("{\"frontend\": \"kaldi\", \"notes\": \"\\ud800\"}", "lone high surrogate");
    R("{\"frontend\": \"kaldi\", \"notes\": \"\\udc00\"}", "lone low surrogate");
    R("{\"frontend\": \"kaldi\", \"notes\": \"a\\u0000b\"}", "\\u0000");
    R("{\"frontend\": \"kaldi\", \"notes\": \"a\\qb\"}", "unknown escape");
    R("{\"frontend\": \"kaldi\", \"notes\": \"a\nb\"}", "control character");
    R("{\"frontend\": \"kald\"}", "frontend \"kald\"");
    R("{\"frontend\": 2}", "key \"frontend\": a string");
    R("{\"name\": \"x\"}", "no \"frontend\" key");
    R("{\"name\": 3, \"frontend\": \"kaldi\"}", "metadata is a string");
    R("", "the text is empty");
    R("   \n ", "the text is empty");
    R("[]", "one JSON object");
    R("{\"frontend\": \"kaldi\" \"scale\": 1}", "a ',' or '}' expected");
    R("{\"frontend\": \"kaldi\",}", "a key (a string in double quotes) expected");
    R("{\"frontend\": \"kaldi\", \"n_mels\": 300}", "n_mels 300");
    R("{\"frontend\": \"kaldi\", \"n_mels\": 128}", "the plan: n_mels 128: Kaldi mel filter");
    R("{\"frontend\": \"kaldi\", \"energy_floor\": 1}", "needs use_energy");
    R("{\"frontend\": \"kaldi\", \"preemph\": 1.5}", "preemph 1.5");
    R("{\"frontend\": \"kaldi\", \"remove_dc\": 2}", "remove_dc 2");
    R("{\"frontend\": \"kaldi\", \"a_very_long_key_that_is_not_an_option_at_all\": 1}", "not an option");
    R("\"frontend\"", "one JSON object");
    {
        /* deep nesting: refused at the first level, no recursion */
        static char deep[200001];
        memcpy(deep, "{\"frontend\": \"kaldi\", \"notes\": ", 31);
        memset(deep + 31, '[', sizeof deep - 32);
        refused(deep, sizeof deep - 1, "an array of strings only");
        memset(deep + 31, '{', sizeof deep - 32);
        refused(deep, sizeof deep - 1, "a plan is flat");
    }
    /* a BOM and the spellings the grammar allows */
    {
        static const char ok[] = "\xef\xbb\xbf {\"frontend\":\"kaldi\",\"scale\":3.2768E4,\"notes\":\"\\u00e9\\ud83d\\ude00\\n\","
                                 "\"models\":[],\"use_energy\":true}\r\n";
        wmel_frontend_plan p, b;
        CHECK(wmel_plan_from_json(ok, sizeof ok - 1, &p, msg, sizeof msg) == WMEL_OK, "a valid text: %s", msg);
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &b);
        b.use_energy = 1;
        CHECK(!memcmp(&p, &b, sizeof p), "a valid text's plan");
        char out[8];
        CHECK(wmel_plan_json_meta(ok, sizeof ok - 1, "notes", out, sizeof out) == WMEL_OK && !strcmp(out, "\xc3\xa9\xf0\x9f\x98\x80\n"),
              "a string's escapes: %s", out);
        CHECK(wmel_plan_json_meta(ok, sizeof ok - 1, "scale", out, sizeof out) == WMEL_ERR_INVALID_ARG, "meta of an option");
    }
    /* every truncation of every preset is refused; random byte damage never crashes */
    int damaged_ok = 0;
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *t = wmel_preset_json(wmel_preset_name(i));
        const size_t n = strlen(t), close = (size_t)(strrchr(t, '}') - t);
        for (size_t l = 0; l <= close; l++) {
            wmel_frontend_plan p;
            const int rc = wmel_plan_from_json(t, l, &p, msg, sizeof msg);
            CHECK(rc == WMEL_ERR_INVALID_ARG && !strncmp(msg, "line ", 5), "%s cut to %zu bytes: %d %s",
                  wmel_preset_name(i), l, rc, msg);
        }
        char *d = malloc(n);
        for (int it = 0; it < 2000; it++) {
            memcpy(d, t, n);
            for (unsigned k = 0, m = 1 + rnd(4); k < m; k++) d[rnd((unsigned)n)] = (char)rnd(256);
            wmel_frontend_plan p;
            char small[16];
            const int big = (int)rnd(2);
            const int rc = wmel_plan_from_json(d, n, &p, big ? msg : small, big ? sizeof msg : sizeof small);
            CHECK(rc == WMEL_OK || rc == WMEL_ERR_INVALID_ARG, "damaged %s: status %d", wmel_preset_name(i), rc);
            damaged_ok += rc == WMEL_OK;
        }
        free(d);
    }
    printf("random plans round-tripped: %d; damaged texts still valid: %d\n", trips, damaged_ok);
    return t_done("test_plan_json");
}
