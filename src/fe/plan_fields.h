/*
 * plan_fields.h -- the options of a front-end plan (wmel_plan_set), one line each, in the
 * order wmel_plan_set applies them and a plan's JSON writes them. The one list of their
 * names: the setter's and the JSON writer's dispatch (fe_options.c, fe_json.c: each field's
 * code is its set_NAME and put_NAME), the JSON reader's keys, wmel_plan_field_info() (the
 * command line's options and help, the Python keywords) and docs/plan-options.md
 * (tools/plan_fields_doc.py) all come from it.
 *
 * X(name, kind, group, front-ends, flags, placeholder, range, values, one-line doc)
 *   kind        WMEL_PLAN_FIELD_<kind>: the JSON value's and the Python keyword's type
 *   group       WMEL_PLAN_GROUP_<group>: the help's heading (contiguous in this order)
 *   front-ends  PF_ALL, or the families that take it (PF_NKS: nemo, kaldi, seamless)
 *   flags       WMEL_PLAN_FIELD_SWITCH (the command line's switch without a value), _FINISH
 *               (an option of the output's finish), _SET_ONLY (sets other fields; not a
 *               JSON key the writer uses), _OWN_HELP (listed with a command's own options),
 *               _STAGED (ST: `wmel inspect`'s stage texts describe it; the page names the
 *               others as "name value")
 *   range       the plan member of the option's name and what wmel_plan_check and the setter
 *               take in it (fe_plan.c's loop over wmel__pf_ranges): R(lo, hi) lo..hi, R0(lo, hi)
 *               0 or lo..hi, RU(lo, hi) lo..hi of the int read as unsigned, RGE(lo) finite and
 *               >= lo, RB 0 or 1; NR: no member of one range (its rules are fe_plan.c's and
 *               set_NAME's own)
 *   values      the help's and the page's text of the values: after the range's own text
 *               ("lo..hi", "0, lo..hi", ">= lo", "1|0"), or the whole text with NR
 * Adding an option: its line here, then set_NAME in fe_options.c and put_NAME in fe_json.c
 * (the compiler asks for both), then `python3 tools/plan_fields_doc.py` for the docs; an
 * option with a new member of wmel_frontend_plan adds it to WMEL_FRONTEND_PLAN_MEMBERS
 * beside the struct (wmel.h: the JSON check's and the Python package's list of members;
 * test_plan_fields fails while it is missing).
 */
#ifndef WMEL_PLAN_FIELDS_H
#define WMEL_PLAN_FIELDS_H

#include "wmel.h"

#include <float.h>
#include <stddef.h>

#define WMEL__PF_ALL 0x1fu
#define WMEL__PF_NKS 0x1eu /* nemo, kaldi, seamless, nemo-legacy */
#define WMEL__PF_KN 0x16u  /* kaldi, nemo, nemo-legacy */
#define WMEL__PF_K 0x04u
#define WMEL__PF_N 0x12u
#define WMEL__PF_SW WMEL_PLAN_FIELD_SWITCH
#define WMEL__PF_FIN WMEL_PLAN_FIELD_FINISH
#define WMEL__PF_SO WMEL_PLAN_FIELD_SET_ONLY
#define WMEL__PF_ST WMEL_PLAN_FIELD_STAGED

/* The range column, pasted onto WMEL__PF_: how, lo, hi and the range's text (the values
 * text starts with it). how is a WMEL__PF_HOW_* name's tail (each ends in _R: windows.h
 * defines IN and OUT as empty macros). */
#define WMEL__PF_R(lo, hi) IN_R, lo, hi, #lo ".." #hi
#define WMEL__PF_R0(lo, hi) IN0_R, lo, hi, "0, " #lo ".." #hi
#define WMEL__PF_RU(lo, hi) INU_R, lo, hi, #lo ".." #hi
#define WMEL__PF_RGE(lo) GE_R, lo, DBL_MAX, ">= " #lo
#define WMEL__PF_RB ONE_R, 0, 1, "1|0"
#define WMEL__PF_NR NONE_R, 0, 0, ""
enum { WMEL__PF_HOW_NONE_R, WMEL__PF_HOW_IN_R, WMEL__PF_HOW_IN0_R, WMEL__PF_HOW_INU_R, WMEL__PF_HOW_GE_R, WMEL__PF_HOW_ONE_R };
/* The values text of a line's range and values columns. */
#define WMEL__PF_TEXT(range, values) WMEL__PF_TEXT1(WMEL__PF_##range, values)
#define WMEL__PF_TEXT1(...) WMEL__PF_TEXT2(__VA_ARGS__)
#define WMEL__PF_TEXT2(how, lo, hi, text, values) text values

/* clang-format off */
#define WMEL__PLAN_FIELDS(X) \
X(n_mels, INT, FRONTEND, ALL, WMEL_PLAN_FIELD_OWN_HELP | ST, "N", R(1, 512), " (whisper: 80|128)", "mel bins") \
X(normalize, STR, FRONTEND, NKS, FIN | ST, "K", NR, "nemo per_feature|all_features|mean|whole|none; kaldi, seamless mean_var|mean|whole|none", "the normalisation (whole: max - 8, (x + 4) / 4)") \
X(window, STR, FRONTEND, KN, ST, "W", NR, "kaldi povey|hamming|hann|blackman|bartlett|sine|rect (nemo: not povey); hann_periodic|hamming_periodic|blackman_periodic|bartlett_periodic", "the window") \
X(scale, NUM, FRONTEND, NKS, ST, "S", R(-1e12, 1e12), ", non-zero", "input scale (kaldi, seamless: 32768; nemo: 1)") \
X(low_freq, NUM, FRONTEND, NKS, ST, "F", RGE(0), " Hz", "lowest mel edge in Hz") \
X(high_freq, NUM, FRONTEND, NKS, ST, "F", NR, "Hz (<= 0: Nyquist plus F)", "highest mel edge in Hz") \
X(use_energy, BOOL, FRONTEND, K, SW | ST, "B", RB, "", "the log energy as an extra first column") \
X(energy_floor, NUM, FRONTEND, K, ST, "F", RGE(0), ", after use_energy", "floor of the log energy (ln F; 0: none)") \
X(legacy, BOOL, FRONTEND, N, SW | SO | ST, "B", NR, "1|0", "NeMo before mid-2025: reflect padding, all frames valid (the nemo-legacy front-end)") \
X(pad_to, INT, FRONTEND, N, FIN | ST, "N", R(0, 65536), "", "pad the frame count to a multiple of N (NeMo: 0 or 16)") \
X(mel_scale, STR, CAPS, ALL, ST, "S", NR, "slaney|kaldi|htk|tf", "the mel scale (htk: triangles in Hz; tf: in mel, the Nyquist bin kept)") \
X(mel_norm, STR, CAPS, ALL, ST, "N", NR, "none|slaney", "the mel filters' area normalisation") \
X(empty_filters, BOOL, CAPS, ALL, SW | ST, "B", NR, "1|0", "keep mel filters with no FFT bin (their log is the guard's)") \
X(bf16, BOOL, CAPS, ALL, SW | ST, "B", NR, "1|0", "the window and the mel bank rounded to bfloat16") \
X(window_coeff, NUM, CAPS, ALL, ST, "A", NR, "0 < A < 1, after window blackman", "the blackman window's coefficient (default 0.42)") \
X(power, INT, CAPS, ALL, ST, "P", R(1, 2), "", "1 (magnitude) or 2 (power)") \
X(mag_guard, GUARD, CAPS, ALL, ST, "G", NR, "none|max:G|add:G, G > 0", "a guard on each bin's power p before power: max(p, G) or p + G") \
X(log_guard, NUM, CAPS, ALL, ST, "G", NR, "> 0", "the log's clamp (or offset, or what replaces an exact 0)") \
X(norm_eps, NUM, CAPS, ALL, FIN | ST, "E", RGE(0), "", "the normalisation's epsilon") \
X(norm_ddof, INT, CAPS, ALL, FIN | ST, "D", NR, "1|0", "1: Bessel's variance (default); 0: over n (np.std)") \
X(norm_max, NUM, CAPS, ALL, FIN | ST, "M", R(-1e30, 1e30), "", "whisper-style normalisation with a fixed max M") \
X(norm_range, NUM, CAPS, ALL, FIN | ST, "R", NR, "0 < R <= 1e30", "whisper-style normalisation: floor at max - R (default 8)") \
X(n_frames, INT, CAPS, ALL, FIN | ST, "N", R(0, 1048576), "", "exactly N frames: truncated, or padded with pad_value (0: as computed)") \
X(pad_value, NUM, CAPS, ALL, FIN | ST, "V", R(-1e30, 1e30), "", "frames past the valid ones and padding (default 0)") \
X(post_scale, NUM, CAPS, ALL, FIN | ST, "A", R(-1e30, 1e30), "", "x A + B after the normalisation and padding (the affine)") \
X(post_shift, NUM, CAPS, ALL, FIN | ST, "B", R(-1e30, 1e30), "", "the affine's B (see post_scale)") \
X(remove_dc, BOOL, GEOMETRY, ALL, ST, "B", RB, "", "subtract each frame's mean (kaldi: 1)") \
X(preemph, NUM, GEOMETRY, ALL, ST, "P", R(0, 1), "", "the pre-emphasis coefficient (0: none)") \
X(sample_rate, INT, GEOMETRY, ALL, ST, "N", R(1000, 384000), "", "the rate the mel bank's frequencies refer to (Hz)") \
X(frame_length, INT, GEOMETRY, ALL, ST, "N", R(2, 65536), ", <= n_fft", "the window's length in samples") \
X(hop, INT, GEOMETRY, ALL, ST, "N", R(1, 16777216), "", "the frame shift in samples") \
X(n_fft, INT, GEOMETRY, ALL, ST, "N", R(4, 65536), ", n_fft / 2 a product of 2, 3 and 5", "the transform's size") \
X(stack, INT, GEOMETRY, ALL, ST, "N", R(1, 8), "", "consecutive frames per output row") \
X(framing, STR, GEOMETRY, ALL, ST, "F", NR, "snip|center_reflect|center_zero|kaldi_center", "where frames start (kaldi_center: Kaldi's snip_edges=false)") \
X(preemph_mode, STR, GEOMETRY, ALL, ST, "M", NR, "frame|signal|padded|padded_cut", "the pre-emphasis per frame (Kaldi's), of the signal (NeMo's) or of the padded signal") \
X(log, STR, GEOMETRY, ALL, ST, "L", NR, "log10_clamp|ln_add|ln_clamp|none|ln_zero|log10_zero", "the log of the mel energies (_zero: the guard in place of an exact 0 only)") \
X(valid, STR, GEOMETRY, ALL, ST, "V", NR, "all|hop|trim|end|ceil|but_last", "the frames kept and counted") \
X(layout, STR, GEOMETRY, ALL, ST, "L", NR, "mels_frames|frames_mels", "the output's layout") \
X(batch_axis, BOOL, GEOMETRY, ALL, 0, "B", RB, "", "the output with a leading axis of 1 (a batch of one): its shape, not its values") \
X(dither, NUM, GEOMETRY, ALL, ST, "D", R(0, 1e30), "", "Kaldi's dither: Gaussian noise of std D per frame (wmel_dither_gauss)") \
X(dither_seed, INT, GEOMETRY, ALL, ST, "S", RU(0, 4294967295), "", "the dither's seed (default 0)") \
X(raw_energy, BOOL, GEOMETRY, ALL, ST, "B", NR, "1|0, after use_energy", "1 (default) | 0: the log energy after the window") \
X(exact_pad, BOOL, FRAMING, N, SW | SO, "B", NR, "1|0", "NeMo's exact_pad: (n_fft - hop) / 2 zeros on each side, center=False") \
X(pad_left, INT, FRAMING, ALL, 0, "N", R(0, 1048576), "", "samples padded before the signal") \
X(pad_right, INT, FRAMING, ALL, 0, "N", R(0, 1048576), "", "samples padded after it") \
X(pad_multiple, INT, FRAMING, ALL, 0, "N", R(0, 1048576), "", "zeros after the signal up to a multiple of N samples") \
X(n_samples, INT, FRAMING, ALL, 0, "N", R(0, 67108864), "", "exactly N samples: the clip cut to N or zeros after it, first (Whisper's pad_or_trim: 480000; 0: as given)") \
X(pad_mode, STR, FRAMING, ALL, 0, "M", NR, "zero|reflect", "what pad_left and pad_right add") \
X(frame_span, INT, FRAMING, ALL, 0, "N", R(0, 1048576), "", "the samples a frame spans for the count (0: the frame length)") \
X(window_offset, INT, FRAMING, ALL, 0, "N", R(0, 1048576), "", "the window's first sample in the span") \
X(vtln_warp, NUM, MORE, ALL, 0, "W", R0(0.01, 100), " (1: none)", "Kaldi's VTLN warp factor of the kaldi mel bank") \
X(vtln_low, NUM, MORE, ALL, 0, "F", R(0, 1e7), " Hz, after vtln_warp", "the VTLN lower cutoff (0: Kaldi's 100)") \
X(vtln_high, NUM, MORE, ALL, 0, "F", R(-1e7, 1e7), " Hz, after vtln_warp", "the VTLN upper cutoff (< 0: Nyquist plus it; 0: Kaldi's -500)") \
X(htk_bank, BOOL, MORE, ALL, 0, "B", NR, "1|0", "Kaldi's htk_mode bank: the first filter's lowest weight 0 (low_freq > 0)") \
X(lfr, STR, MORE, ALL, FIN | SO, "M/N", NR, "M/N, 1..8 each", "LFR: rows of M frames every N, (M-1)/2 copies of frame 0 first, last frame after") \
X(stack_stride, INT, MORE, ALL, FIN, "N", R(0, 8), "", "frames from one row to the next (0: the stack)") \
X(stack_left, INT, MORE, ALL, FIN, "L", R(0, 7), ", < stack", "copies of frame 0 before it (LFR's (M-1)/2)") \
X(stack_tail, STR, MORE, ALL, FIN, "T", NR, "zero|drop|trim|last|fill:V", "a row's slots past the last frame") \
X(delta_win, INT, MORE, ALL, FIN, "W", R0(3, 63), "", "deltas (torchaudio compute_deltas, window W) appended before stacking") \
X(cols_stacked, BOOL, MORE, ALL, FIN, "B", RB, "", "the per-column affine (--cmvn) on the stacked rows (FunASR's am.mvn)") \
X(linear_bins, BOOL, MORE, ALL, 0, "B", RB, "", "no mel bank: the columns are FFT bins first_bin .. + n_mels - 1 themselves") \
X(first_bin, INT, MORE, ALL, 0, "K", R(0, 32768), "", "linear_bins' first bin (K + n_mels <= n_fft / 2 + 1)") \
X(symmetric_bank, BOOL, MORE, ALL, ST, "B", NR, "1|0", "SpeechBrain's bank: each Hz triangle symmetric, its left half's width") \
X(then_norm, STR, MORE, ALL, FIN | ST, "K", NR, "none|mean|mean_var", "after normalize whole and the affine, each column's mean (and std) over the valid frames") \
X(n_ceps, INT, MORE, ALL, ST, "N", R(0, 512), ", <= n_mels", "Kaldi's MFCC: N cepstra of the log mels in their place (0: none)") \
X(cepstral_lifter, NUM, MORE, ALL, ST, "Q", R(0, 1e6), "", "the cepstra's lifter 1 + Q/2 sin(pi i / Q) (Kaldi's 22; 0: none)") \
X(ceps_htk, BOOL, MORE, ALL, ST, "B", RB, "", "Kaldi's htk_compat order: c0 (or the energy) last") \
X(snap_bins, BOOL, MORE, ALL, ST, "B", NR, "1|0", "the classic MFCC bank: Hz points snapped to FFT bins (python_speech_features)")
/* clang-format on */

/* The options' indices (WMEL__PF_I_NAME) and count. */
#define WMEL__PF_INDEX(name, ...) WMEL__PF_I_##name,
enum { WMEL__PLAN_FIELDS(WMEL__PF_INDEX) WMEL__PF_COUNT };
#undef WMEL__PF_INDEX

/* An option's range (its line's range column): the plan member's offset (its type is the
 * kind's: int, or double for NUM) and what it may hold. */
typedef struct wmel__pf_range {
    int how; /* WMEL__PF_HOW_* */
    size_t off;
    double lo, hi;
    const char *text; /* "lo..hi", "0, lo..hi", ">= lo", "1|0" */
} wmel__pf_range;
extern const wmel__pf_range wmel__pf_ranges[WMEL__PF_COUNT];
/* 1 when v lies in option k's range (NONE: always). */
int wmel__pf_in(int k, double v);
/* The value of option k's member in plan p (its range's how not NONE), as a double. */
double wmel__pf_value(const wmel_frontend_plan *p, int k);

/* The index of an option's name, or -1. */
int wmel__pf_find(const char *name);
/* The options' names in order, ", " between them (the refusals' list), into buf. */
void wmel__pf_list(char *buf, size_t len);

#endif /* WMEL_PLAN_FIELDS_H */
