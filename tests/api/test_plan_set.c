/*
 * test_plan_set.c -- wmel_plan_set(), the front-ends' options by name (the rules the
 * command line and the Python package use): every option on every front-end, accepted
 * where it applies and refused with a sentence naming it elsewhere; values out of range;
 * the plan untouched by a refusal; numbers read back exactly; the result equal to the
 * preset fields it documents; NULL arguments and a short message buffer. wmel_mel_centres():
 * Whisper's at its filters' peaks, Kaldi's equally spaced on its scale.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name, *value;
    /* 1 where the option applies: whisper, nemo, kaldi, seamless */
    int applies[4];
} opt_case;

int main(void)
{
    static const int fronts[] = {WMEL_FRONTEND_WHISPER, WMEL_FRONTEND_NEMO, WMEL_FRONTEND_KALDI,
                                 WMEL_FRONTEND_SEAMLESS};
    static const char *const fnames[] = {"whisper", "nemo", "kaldi", "seamless"};
    static const opt_case cases[] = {
        {"n_mels", "128", {1, 1, 0, 1}}, /* kaldi: set, but its 128-bin bank is refused by the check */
        {"normalize", "none", {0, 1, 1, 1}},
        {"window", "hamming", {0, 1, 1, 0}},
        {"scale", "2", {0, 1, 1, 1}},
        {"low_freq", "40", {0, 1, 1, 1}},
        {"high_freq", "-400", {0, 1, 1, 1}},
        {"use_energy", "1", {0, 0, 1, 0}},
        {"legacy", "true", {0, 1, 0, 0}},
        {"pad_to", "16", {0, 1, 0, 0}},
    };
    char msg[512];
    for (int f = 0; f < 4; f++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            wmel_frontend_plan p, before;
            wmel_frontend_preset(fronts[f], 0, &p);
            before = p;
            int rc = wmel_plan_set(&p, cases[c].name, cases[c].value, msg, sizeof msg);
            const int want = cases[c].applies[f] || (f == 2 && !strcmp(cases[c].name, "n_mels"));
            CHECK((rc == WMEL_OK) == want, "%s %s on %s: %d (%s)", cases[c].name, cases[c].value, fnames[f], rc, msg);
            if (rc) {
                CHECK(rc == WMEL_ERR_INVALID_ARG, "%s on %s: status %d", cases[c].name, fnames[f], rc);
                CHECK(strstr(msg, cases[c].name) && strstr(msg, fnames[f]), "%s on %s: the sentence names neither: %s",
                      cases[c].name, fnames[f], msg);
                CHECK(!memcmp(&p, &before, sizeof p), "%s on %s: a refusal changed the plan", cases[c].name, fnames[f]);
            } else {
                CHECK(msg[0] == '\0', "%s on %s: message on success: %s", cases[c].name, fnames[f], msg);
            }
        }

    /* values: what each option takes */
    wmel_frontend_plan p;
    static const struct {
        int fr;
        const char *name, *value;
        int ok;
    } vals[] = {
        {WMEL_FRONTEND_WHISPER, "n_mels", "80", 1},       {WMEL_FRONTEND_WHISPER, "n_mels", "100", 0},
        {WMEL_FRONTEND_NEMO, "n_mels", "512", 1},         {WMEL_FRONTEND_NEMO, "n_mels", "513", 0},
        {WMEL_FRONTEND_NEMO, "n_mels", "0", 0},           {WMEL_FRONTEND_NEMO, "n_mels", "80.0", 0},
        {WMEL_FRONTEND_NEMO, "n_mels", "-1", 0},          {WMEL_FRONTEND_NEMO, "n_mels", "", 0},
        {WMEL_FRONTEND_NEMO, "normalize", "per_feature", 1}, {WMEL_FRONTEND_NEMO, "normalize", "mean_var", 0},
        {WMEL_FRONTEND_SEAMLESS, "normalize", "mean_var", 1}, {WMEL_FRONTEND_SEAMLESS, "normalize", "per_feature", 0},
        {WMEL_FRONTEND_KALDI, "normalize", "per_feature", 0}, {WMEL_FRONTEND_NEMO, "window", "povey", 0},
        {WMEL_FRONTEND_KALDI, "window", "povey", 1},      {WMEL_FRONTEND_KALDI, "window", "blackman", 1},
        {WMEL_FRONTEND_KALDI, "window", "sine", 1},       {WMEL_FRONTEND_NEMO, "window", "bartlett", 1},
        {WMEL_FRONTEND_KALDI, "normalize", "mean_var", 1}, {WMEL_FRONTEND_KALDI, "normalize", "mean", 1},
        {WMEL_FRONTEND_NEMO, "normalize", "all_features", 1}, {WMEL_FRONTEND_SEAMLESS, "normalize", "all_features", 0},
        {WMEL_FRONTEND_NEMO, "mel_scale", "htk", 1},      {WMEL_FRONTEND_NEMO, "mel_scale", "HTK", 0},
        {WMEL_FRONTEND_KALDI, "mel_scale", "tf", 1},      {WMEL_FRONTEND_KALDI, "mel_norm", "slaney", 1},
        {WMEL_FRONTEND_KALDI, "mel_norm", "l1", 0},       {WMEL_FRONTEND_KALDI, "empty_filters", "yes", 0},
        {WMEL_FRONTEND_NEMO, "power", "3", 0},            {WMEL_FRONTEND_NEMO, "power", "1", 1},
        {WMEL_FRONTEND_NEMO, "mag_guard", "max:1e-10", 1}, {WMEL_FRONTEND_NEMO, "mag_guard", "add:0", 0},
        {WMEL_FRONTEND_NEMO, "mag_guard", "mul:1", 0},    {WMEL_FRONTEND_NEMO, "mag_guard", "none", 1},
        {WMEL_FRONTEND_NEMO, "log_guard", "0", 0},        {WMEL_FRONTEND_NEMO, "norm_eps", "-1", 0},
        {WMEL_FRONTEND_NEMO, "norm_ddof", "2", 0},        {WMEL_FRONTEND_WHISPER, "norm_max", "1.5", 1},
        {WMEL_FRONTEND_WHISPER, "norm_range", "0", 0},    {WMEL_FRONTEND_KALDI, "n_frames", "1024", 1},
        {WMEL_FRONTEND_KALDI, "n_frames", "-1", 0},       {WMEL_FRONTEND_KALDI, "pad_value", "nan", 0},
        {WMEL_FRONTEND_KALDI, "post_scale", "0.1", 1},    {WMEL_FRONTEND_KALDI, "post_shift", "1e31", 0},
        {WMEL_FRONTEND_KALDI, "window_coeff", "0.42", 0}, /* the preset's window is povey */
        {WMEL_FRONTEND_KALDI, "scale", "0", 0},           {WMEL_FRONTEND_KALDI, "scale", "1e13", 0},
        {WMEL_FRONTEND_KALDI, "scale", "nan", 0},         {WMEL_FRONTEND_KALDI, "scale", "2x", 0},
        {WMEL_FRONTEND_KALDI, "low_freq", "-1", 0},       {WMEL_FRONTEND_KALDI, "high_freq", "inf", 0},
        {WMEL_FRONTEND_KALDI, "use_energy", "yes", 0},    {WMEL_FRONTEND_KALDI, "energy_floor", "1", 0},
        {WMEL_FRONTEND_NEMO, "pad_to", "65537", 0},       {WMEL_FRONTEND_NEMO, "legacy", "2", 0},
        {WMEL_FRONTEND_NEMO, "frame_len", "512", 0},      {WMEL_FRONTEND_NEMO, "Window", "hann", 0},
        {WMEL_FRONTEND_NEMO, "frame_length", "512", 1},   {WMEL_FRONTEND_NEMO, "frame_length", "1", 0},
        {WMEL_FRONTEND_KALDI, "hop", "0", 0},             {WMEL_FRONTEND_KALDI, "hop", "256", 1},
        {WMEL_FRONTEND_KALDI, "n_fft", "1024", 1},        {WMEL_FRONTEND_KALDI, "n_fft", "3", 0},
        {WMEL_FRONTEND_KALDI, "sample_rate", "999", 0},   {WMEL_FRONTEND_KALDI, "sample_rate", "24000", 1},
        {WMEL_FRONTEND_KALDI, "stack", "9", 0},           {WMEL_FRONTEND_KALDI, "stack", "2", 1},
        {WMEL_FRONTEND_NEMO, "framing", "centre", 0},     {WMEL_FRONTEND_NEMO, "framing", "center_reflect", 1},
        {WMEL_FRONTEND_KALDI, "preemph_mode", "signal", 1}, {WMEL_FRONTEND_KALDI, "log", "log2", 0},
        {WMEL_FRONTEND_KALDI, "log", "log10_clamp", 1},   {WMEL_FRONTEND_NEMO, "valid", "trim", 1},
        {WMEL_FRONTEND_NEMO, "layout", "frames_mels", 1}, {WMEL_FRONTEND_NEMO, "layout", "rows", 0},
        {WMEL_FRONTEND_NEMO, "window", "hann_periodic", 1}, {WMEL_FRONTEND_WHISPER, "window", "hann_periodic", 0},
        {WMEL_FRONTEND_KALDI, "remove_dc", "false", 1},   {WMEL_FRONTEND_KALDI, "preemph", "1.01", 0},
        {WMEL_FRONTEND_KALDI, "vtln_warp", "0.9", 1},     {WMEL_FRONTEND_KALDI, "vtln_warp", "0.001", 0},
        {WMEL_FRONTEND_KALDI, "vtln_warp", "-1", 0},      {WMEL_FRONTEND_KALDI, "vtln_warp", "inf", 0},
        {WMEL_FRONTEND_KALDI, "vtln_low", "150", 0},      /* before vtln_warp: the forgotten switch */
        {WMEL_FRONTEND_KALDI, "vtln_high", "-800", 0},    {WMEL_FRONTEND_KALDI, "htk_bank", "1", 1},
        {WMEL_FRONTEND_KALDI, "htk_bank", "yes", 0},
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        wmel_frontend_preset(vals[i].fr, 0, &p);
        int rc = wmel_plan_set(&p, vals[i].name, vals[i].value, msg, sizeof msg);
        CHECK((rc == WMEL_OK) == vals[i].ok, "%s '%s' (front-end %d): %d %s", vals[i].name, vals[i].value,
              vals[i].fr, rc, msg);
    }
    /* VTLN: the cutoffs after the factor; Kaldi's refusals in the plan's check */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    CHECK(wmel_plan_set(&p, "vtln_warp", "1.1", msg, sizeof msg) == WMEL_OK &&
              wmel_plan_set(&p, "vtln_low", "150", msg, sizeof msg) == WMEL_OK &&
              wmel_plan_set(&p, "vtln_high", "-800", msg, sizeof msg) == WMEL_OK && p.vtln_warp == 1.1 &&
              p.vtln_low == 150.0 && p.vtln_high == -800.0 && wmel_plan_check(&p, msg, sizeof msg) == WMEL_OK,
          "vtln: %s", msg);
    CHECK(wmel_plan_set(&p, "vtln_low", "10", msg, sizeof msg) == WMEL_OK &&
              wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
              strstr(msg, "vtln_low 10 Hz, vtln_high 7200 Hz: Kaldi's VTLN needs low_freq (20) < vtln_low"),
          "vtln_low below low_freq: %s", msg);
    p.vtln_low = 0.0, p.vtln_high = 9000.0;
    CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "vtln_high 9000 Hz"),
          "vtln_high above the bank: %s", msg);
    p.vtln_high = 0.0, p.mel_scale = WMEL_MEL_SLANEY;
    CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "mel_scale kaldi"),
          "vtln on another bank: %s", msg);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    p.vtln_low = 150.0; /* no factor */
    CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "needs vtln_warp"),
          "a cutoff without the factor: %s", msg);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &p);
    CHECK(wmel_plan_set(&p, "htk_bank", "1", msg, sizeof msg) == WMEL_OK &&
              wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "mel_scale kaldi"),
          "htk_bank on the Slaney bank: %s", msg);
    /* energy_floor after use_energy; numbers exactly as written */
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    CHECK(!wmel_plan_set(&p, "use_energy", "1", msg, sizeof msg) && !wmel_plan_set(&p, "energy_floor", "1", msg, sizeof msg) &&
              p.use_energy == 1 && p.energy_floor == 1.0, "energy floor after use_energy: %s", msg);
    CHECK(!wmel_plan_set(&p, "high_freq", "8000.001", msg, sizeof msg) && p.high_freq == 8000.001, "high_freq text");
    CHECK(!wmel_plan_set(&p, "scale", "0.1", msg, sizeof msg) && p.scale == 0.1, "scale 0.1");
    CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "8000.001"),
          "the whole plan checked after: %s", msg);
    /* legacy equals the legacy preset; normalize none equals norm none */
    wmel_frontend_plan a, b;
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 64, &a);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO_LEGACY, 64, &b);
    CHECK(!wmel_plan_set(&a, "legacy", "1", NULL, 0) && !memcmp(&a, &b, sizeof a), "legacy = the NEMO_LEGACY preset");
    CHECK(!wmel_plan_set(&a, "legacy", "0", NULL, 0), "legacy 0");
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 64, &b);
    CHECK(!memcmp(&a, &b, sizeof a), "legacy 0 = the NEMO preset");
    /* a sentence a user can act on, and a control character in a value shown as '?' */
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &p);
    CHECK(wmel_plan_set(&p, "window", "povey", msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
              !strcmp(msg, "window povey: the nemo front-end takes hann, hamming, blackman, bartlett, sine or rect (periodic: hann_periodic, "
                           "hamming_periodic, blackman_periodic, bartlett_periodic)"),
          "sentence: %s", msg);
    CHECK(wmel_plan_set(&p, "window", "\x1b]0;x\x07", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && !strchr(msg, 0x1b),
          "escape in a message: %s", msg);
    /* the capabilities: every front-end takes them, the fields as documented */
    for (int f = 0; f < 4; f++) {
        wmel_frontend_preset(fronts[f], 0, &p);
        CHECK(!wmel_plan_set(&p, "mel_scale", "htk", msg, sizeof msg) && p.mel_scale == WMEL_MEL_HTK, "%s htk", fnames[f]);
        CHECK(!wmel_plan_set(&p, "bf16", "1", msg, sizeof msg) && !wmel_plan_set(&p, "empty_filters", "true", msg, sizeof msg) &&
                  p.bank_flags == (WMEL_BANK_BF16 | WMEL_BANK_ALLOW_EMPTY), "%s bank flags", fnames[f]);
        CHECK(!wmel_plan_set(&p, "bf16", "0", msg, sizeof msg) && p.bank_flags == WMEL_BANK_ALLOW_EMPTY, "%s bf16 0", fnames[f]);
        CHECK(!wmel_plan_set(&p, "mag_guard", "add:1e-9", msg, sizeof msg) && p.mag_guard_mode == WMEL_MAG_GUARD_ADD &&
                  p.mag_guard == 1e-9, "%s add guard", fnames[f]);
        CHECK(!wmel_plan_set(&p, "post_shift", "0.25", msg, sizeof msg) && p.affine == 1 && p.post_scale == 1.0 &&
                  p.post_shift == 0.25, "%s post_shift alone: the identity's scale", fnames[f]);
        CHECK(!wmel_plan_set(&p, "post_scale", "10", msg, sizeof msg) && p.post_scale == 10.0 && p.post_shift == 0.25,
              "%s post_scale after post_shift", fnames[f]);
        CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_OK, "%s: the capabilities' plan checks: %s", fnames[f], msg);
    }
    /* Voxtral realtime, Speech2Text, WeSpeaker, NeMo all_features, AST through the names */
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 128, &p);
    CHECK(!wmel_plan_set(&p, "norm_max", "1.5", msg, sizeof msg) && p.norm_flags == WMEL_NORMF_FIXED_MAX &&
              p.norm_max == 1.5 && !wmel_plan_check(&p, msg, sizeof msg), "voxtral-rt: %s", msg);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p);
    CHECK(!wmel_plan_set(&p, "normalize", "mean_var", msg, sizeof msg) && !wmel_plan_set(&p, "norm_ddof", "0", msg, sizeof msg) &&
              !wmel_plan_set(&p, "norm_eps", "0", msg, sizeof msg) && p.norm == WMEL_NORM_MEAN_VAR &&
              p.norm_flags == WMEL_NORMF_POPULATION && p.norm_eps == 0.0 && !wmel_plan_check(&p, msg, sizeof msg),
          "speech2text: %s", msg);
    CHECK(!wmel_plan_set(&p, "normalize", "mean", msg, sizeof msg) &&
              p.norm_flags == (WMEL_NORMF_POPULATION | WMEL_NORMF_MEAN_ONLY), "mean keeps ddof");
    CHECK(!wmel_plan_set(&p, "normalize", "none", msg, sizeof msg) && p.norm == WMEL_NORM_NONE &&
              p.norm_flags == WMEL_NORMF_POPULATION && wmel_plan_check(&p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
              strstr(msg, "norm_flags"), "ddof 0 with no normalisation refused by the check: %s", msg);
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &p);
    CHECK(!wmel_plan_set(&p, "normalize", "all_features", msg, sizeof msg) && p.norm == WMEL_NORM_PER_FEATURE &&
              p.norm_flags == WMEL_NORMF_ALL, "all_features");
    CHECK(!wmel_plan_set(&p, "norm_max", "1", msg, sizeof msg) && wmel_plan_check(&p, msg, sizeof msg) && strstr(msg, "WHOLE"),
          "norm_max needs the whole normalisation: %s", msg);
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 128, &p);
    CHECK(wmel_plan_check(&p, msg, sizeof msg) && strstr(msg, "empty filters"), "kaldi 128: %s", msg);
    CHECK(!wmel_plan_set(&p, "empty_filters", "1", msg, sizeof msg) && !wmel_plan_check(&p, msg, sizeof msg),
          "kaldi 128 with empty filters: %s", msg);
    CHECK(!wmel_plan_set(&p, "n_frames", "1024", msg, sizeof msg) && !wmel_plan_set(&p, "post_shift", "0.467", msg, sizeof msg) &&
              p.n_frames == 1024 && p.affine == 1 && !wmel_plan_check(&p, msg, sizeof msg), "ast: %s", msg);
    CHECK(!wmel_plan_set(&p, "window", "blackman", msg, sizeof msg) && !wmel_plan_set(&p, "window_coeff", "0.4", msg, sizeof msg) &&
              p.window_coeff == 0.4, "blackman coeff");
    CHECK(!wmel_plan_set(&p, "window", "hamming", msg, sizeof msg) && p.window_coeff == 0.0, "another window clears it");
    wmel_frontend_plan keep = p;
    CHECK(wmel_plan_set(&p, "mag_guard", "max:-1", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "mag_guard") &&
              !memcmp(&p, &keep, sizeof p), "bad guard leaves the plan: %s", msg);
    CHECK(wmel_plan_set(&p, "bogus", "1", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, "post_shift"),
          "unknown option lists the capabilities: %s", msg);
    /* NULLs and short buffers */
    wmel_frontend_preset(WMEL_FRONTEND_NEMO, 0, &p);
    CHECK(wmel_plan_set(NULL, "n_mels", "80", msg, sizeof msg) == WMEL_ERR_NULL_POINTER && strstr(msg, "plan"), "NULL plan");
    CHECK(wmel_plan_set(&p, NULL, "80", msg, sizeof msg) == WMEL_ERR_NULL_POINTER, "NULL name");
    CHECK(wmel_plan_set(&p, "n_mels", NULL, NULL, 0) == WMEL_ERR_NULL_POINTER, "NULL value");
    char tiny[8];
    CHECK(wmel_plan_set(&p, "window", "povey", tiny, sizeof tiny) == WMEL_ERR_INVALID_ARG && strlen(tiny) == 7,
          "truncated: '%s'", tiny);
    /* wmel_mel_centres: each filter's peak, on the plan's scale and band */
    double hz[256];
    float bank[80 * 201];
    wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &p);
    CHECK(wmel_mel_centres(&p, hz, 256) == WMEL_OK && wmel_mel_filters(80, bank, 80 * 201) == WMEL_OK, "centres");
    for (int m = 0; m < 80; m++) {
        int best = 0;
        for (int k = 1; k < 201; k++)
            if (bank[m * 201 + k] > bank[m * 201 + best]) best = k;
        CHECK(fabs(best * 40.0 - hz[m]) <= 40.0, "whisper filter %d: peak at %g Hz, centre %g Hz", m, best * 40.0, hz[m]);
        CHECK(m == 0 || hz[m] > hz[m - 1], "centres increase");
    }
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 23, &p);
    CHECK(wmel_mel_centres(&p, hz, 23) == WMEL_OK && hz[0] > 20.0 && hz[22] < 8000.0 && hz[22] > 6000.0,
          "kaldi centres %g .. %g", hz[0], hz[22]);
    /* Kaldi's mel: 1127 ln(1 + f / 700), centres equally spaced on it */
    const double m0 = 1127.0 * log(1.0 + hz[0] / 700.0), m1 = 1127.0 * log(1.0 + hz[1] / 700.0),
                 m2 = 1127.0 * log(1.0 + hz[2] / 700.0);
    CHECK(fabs((m2 - m1) - (m1 - m0)) < 1e-9 * m2, "kaldi centres equally spaced in mel");
    CHECK(wmel_mel_centres(&p, hz, 22) == WMEL_ERR_BUFFER_TOO_SMALL, "centres: short buffer");
    CHECK(wmel_mel_centres(NULL, hz, 23) == WMEL_ERR_NULL_POINTER && wmel_mel_centres(&p, NULL, 23) == WMEL_ERR_NULL_POINTER,
          "centres: NULL");
    p.low_freq = -1;
    CHECK(wmel_mel_centres(&p, hz, 23) == WMEL_ERR_INVALID_ARG, "centres: a refused plan");
    return t_done("test_plan_set");
}
