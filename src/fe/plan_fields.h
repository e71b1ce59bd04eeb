/*
 * plan_fields.h -- the options of a front-end plan (wmel_plan_set), one line each, in the
 * order wmel_plan_set applies them and a plan's JSON writes them. The one list of their
 * names: the setter's and the JSON writer's dispatch (fe_options.c, fe_json.c: each field's
 * code is its set_NAME and put_NAME), the JSON reader's keys, wmel_plan_field_info() (the
 * command line's options and help, the Python keywords) and docs/plan-options.md
 * (tools/plan_fields_doc.py) all come from it.
 *
 * X(name, kind, group, front-ends, flags, placeholder, values, one-line doc)
 *   kind        WMEL_PLAN_FIELD_<kind>: the JSON value's and the Python keyword's type
 *   group       WMEL_PLAN_GROUP_<group>: the help's heading (contiguous in this order)
 *   front-ends  PF_ALL, or the families that take it (PF_NKS: nemo, kaldi, seamless)
 *   flags       WMEL_PLAN_FIELD_SWITCH (the command line's switch without a value), _FINISH
 *               (an option of the output's finish), _SET_ONLY (sets other fields; not a
 *               JSON key the writer uses), _OWN_HELP (listed with a command's own options)
 * Adding an option: its line here, then set_NAME in fe_options.c and put_NAME in fe_json.c
 * (the compiler asks for both), then `python3 tools/plan_fields_doc.py` for the docs.
 */
#ifndef WMEL_PLAN_FIELDS_H
#define WMEL_PLAN_FIELDS_H

#include "wmel.h"

#define WMEL__PF_ALL 0x1fu
#define WMEL__PF_NKS 0x1eu /* nemo, kaldi, seamless, nemo-legacy */
#define WMEL__PF_KN 0x16u  /* kaldi, nemo, nemo-legacy */
#define WMEL__PF_K 0x04u
#define WMEL__PF_N 0x12u
#define WMEL__PF_SW WMEL_PLAN_FIELD_SWITCH
#define WMEL__PF_FIN WMEL_PLAN_FIELD_FINISH
#define WMEL__PF_SO WMEL_PLAN_FIELD_SET_ONLY

/* clang-format off */
#define WMEL__PLAN_FIELDS(X) \
X(n_mels, INT, FRONTEND, ALL, WMEL_PLAN_FIELD_OWN_HELP, "N", "whisper 80|128; the others 1..512", "mel bins") \
X(normalize, STR, FRONTEND, NKS, FIN, "K", "nemo per_feature|all_features|mean|whole|none; kaldi, seamless mean_var|mean|whole|none", "the normalisation (whole: max - 8, (x + 4) / 4)") \
X(window, STR, FRONTEND, KN, 0, "W", "kaldi povey|hamming|hann|blackman|bartlett|sine|rect (nemo: not povey); hann_periodic|hamming_periodic|blackman_periodic|bartlett_periodic", "the window") \
X(scale, NUM, FRONTEND, NKS, 0, "S", "non-zero, |S| <= 1e12", "input scale (kaldi, seamless: 32768; nemo: 1)") \
X(low_freq, NUM, FRONTEND, NKS, 0, "F", "Hz >= 0", "lowest mel edge in Hz") \
X(high_freq, NUM, FRONTEND, NKS, 0, "F", "Hz (<= 0: Nyquist plus F)", "highest mel edge in Hz") \
X(use_energy, BOOL, FRONTEND, K, SW, "B", "1|0", "the log energy as an extra first column") \
X(energy_floor, NUM, FRONTEND, K, 0, "F", ">= 0, after use_energy", "floor of the log energy (ln F; 0: none)") \
X(legacy, BOOL, FRONTEND, N, SW | SO, "B", "1|0", "NeMo before mid-2025: reflect padding, all frames valid (the nemo-legacy front-end)") \
X(pad_to, INT, FRONTEND, N, FIN, "N", "0..65536", "pad the frame count to a multiple of N (NeMo: 0 or 16)") \
X(mel_scale, STR, CAPS, ALL, 0, "S", "slaney|kaldi|htk|tf", "the mel scale (htk: triangles in Hz; tf: in mel, the Nyquist bin kept)") \
X(mel_norm, STR, CAPS, ALL, 0, "N", "none|slaney", "the mel filters' area normalisation") \
X(empty_filters, BOOL, CAPS, ALL, SW, "B", "1|0", "keep mel filters with no FFT bin (their log is the guard's)") \
X(bf16, BOOL, CAPS, ALL, SW, "B", "1|0", "the window and the mel bank rounded to bfloat16") \
X(window_coeff, NUM, CAPS, ALL, 0, "A", "0 < A < 1, after window blackman", "the blackman window's coefficient (default 0.42)") \
X(power, INT, CAPS, ALL, 0, "P", "1|2", "1 (magnitude) or 2 (power)") \
X(mag_guard, GUARD, CAPS, ALL, 0, "G", "none|max:G|add:G, G > 0", "a guard on each bin's power p before power: max(p, G) or p + G") \
X(log_guard, NUM, CAPS, ALL, 0, "G", "> 0", "the log's clamp (or offset)") \
X(norm_eps, NUM, CAPS, ALL, FIN, "E", ">= 0", "the normalisation's epsilon") \
X(norm_ddof, INT, CAPS, ALL, FIN, "D", "1|0", "1: Bessel's variance (default); 0: over n (np.std)") \
X(norm_max, NUM, CAPS, ALL, FIN, "M", "|M| <= 1e30", "whisper-style normalisation with a fixed max M") \
X(norm_range, NUM, CAPS, ALL, FIN, "R", "0 < R <= 1e30", "whisper-style normalisation: floor at max - R (default 8)") \
X(n_frames, INT, CAPS, ALL, FIN, "N", "0..2^24", "exactly N frames: truncated, or padded with pad_value (0: as computed)") \
X(pad_value, NUM, CAPS, ALL, FIN, "V", "|V| <= 1e30", "frames past the valid ones and padding (default 0)") \
X(post_scale, NUM, CAPS, ALL, FIN, "A", "|A| <= 1e30", "x A + B after the normalisation and padding (the affine)") \
X(post_shift, NUM, CAPS, ALL, FIN, "B", "|B| <= 1e30", "the affine's B (see post_scale)") \
X(remove_dc, BOOL, GEOMETRY, ALL, 0, "B", "1|0", "subtract each frame's mean (kaldi: 1)") \
X(preemph, NUM, GEOMETRY, ALL, 0, "P", "0..1", "the pre-emphasis coefficient (0: none)") \
X(sample_rate, INT, GEOMETRY, ALL, 0, "N", "1000..384000", "the rate the mel bank's frequencies refer to (Hz)") \
X(frame_length, INT, GEOMETRY, ALL, 0, "N", "2..65536", "the window's length in samples") \
X(hop, INT, GEOMETRY, ALL, 0, "N", "1..2^20", "the frame shift in samples") \
X(n_fft, INT, GEOMETRY, ALL, 0, "N", "4..65536", "the transform's size") \
X(stack, INT, GEOMETRY, ALL, 0, "N", "1..8", "consecutive frames per output row") \
X(framing, STR, GEOMETRY, ALL, 0, "F", "snip|center_reflect|center_zero|kaldi_center", "where frames start (kaldi_center: Kaldi's snip_edges=false)") \
X(preemph_mode, STR, GEOMETRY, ALL, 0, "M", "frame|signal|padded|padded_cut", "the pre-emphasis per frame (Kaldi's), of the signal (NeMo's) or of the padded signal") \
X(log, STR, GEOMETRY, ALL, 0, "L", "log10_clamp|ln_add|ln_clamp|none", "the log of the mel energies") \
X(valid, STR, GEOMETRY, ALL, 0, "V", "all|hop|trim|end|ceil|but_last", "the frames kept and counted") \
X(layout, STR, GEOMETRY, ALL, 0, "L", "mels_frames|frames_mels", "the output's layout") \
X(batch_axis, BOOL, GEOMETRY, ALL, 0, "B", "1|0", "the output with a leading axis of 1 (a batch of one): its shape, not its values") \
X(dither, NUM, GEOMETRY, ALL, 0, "D", "0..1e30", "Kaldi's dither: Gaussian noise of std D per frame (wmel_dither_gauss)") \
X(dither_seed, INT, GEOMETRY, ALL, 0, "S", "0..4294967295", "the dither's seed (default 0)") \
X(raw_energy, BOOL, GEOMETRY, ALL, 0, "B", "1|0, after use_energy", "1 (default) | 0: the log energy after the window") \
X(exact_pad, BOOL, FRAMING, N, SW | SO, "B", "1|0", "NeMo's exact_pad: (n_fft - hop) / 2 zeros on each side, center=False") \
X(pad_left, INT, FRAMING, ALL, 0, "N", "0..2^20", "samples padded before the signal") \
X(pad_right, INT, FRAMING, ALL, 0, "N", "0..2^20", "samples padded after it") \
X(pad_multiple, INT, FRAMING, ALL, 0, "N", "0..2^20", "zeros after the signal up to a multiple of N samples") \
X(n_samples, INT, FRAMING, ALL, 0, "N", "0..2^26", "exactly N samples: the clip cut to N or zeros after it, first (Whisper's pad_or_trim: 480000; 0: as given)") \
X(pad_mode, STR, FRAMING, ALL, 0, "M", "zero|reflect", "what pad_left and pad_right add") \
X(frame_span, INT, FRAMING, ALL, 0, "N", "0..2^20", "the samples a frame spans for the count (0: the frame length)") \
X(window_offset, INT, FRAMING, ALL, 0, "N", "0..2^20", "the window's first sample in the span") \
X(vtln_warp, NUM, MORE, ALL, 0, "W", "0.01..100 (0 or 1: none)", "Kaldi's VTLN warp factor of the kaldi mel bank") \
X(vtln_low, NUM, MORE, ALL, 0, "F", "Hz >= 0, after vtln_warp", "the VTLN lower cutoff (0: Kaldi's 100)") \
X(vtln_high, NUM, MORE, ALL, 0, "F", "Hz, after vtln_warp", "the VTLN upper cutoff (< 0: Nyquist plus it; 0: Kaldi's -500)") \
X(htk_bank, BOOL, MORE, ALL, 0, "B", "1|0", "Kaldi's htk_mode bank: the first filter's lowest weight 0 (low_freq > 0)") \
X(lfr, STR, MORE, ALL, FIN | SO, "M/N", "M/N, 1..8 each", "LFR: rows of M frames every N, (M-1)/2 copies of frame 0 first, last frame after") \
X(stack_stride, INT, MORE, ALL, FIN, "N", "0..8", "frames from one row to the next (0: the stack)") \
X(stack_left, INT, MORE, ALL, FIN, "L", "0..7", "copies of frame 0 before it (LFR's (M-1)/2)") \
X(stack_tail, STR, MORE, ALL, FIN, "T", "zero|drop|trim|last|fill:V", "a row's slots past the last frame") \
X(delta_win, INT, MORE, ALL, FIN, "W", "0, 3..63", "deltas (torchaudio compute_deltas, window W) appended before stacking") \
X(cols_stacked, BOOL, MORE, ALL, FIN, "B", "1|0", "the per-column affine (--cmvn) on the stacked rows (FunASR's am.mvn)") \
X(linear_bins, BOOL, MORE, ALL, 0, "B", "1|0", "no mel bank: the columns are FFT bins first_bin .. + n_mels - 1 themselves") \
X(first_bin, INT, MORE, ALL, 0, "K", "0..32768", "linear_bins' first bin (K + n_mels <= n_fft / 2 + 1)") \
X(symmetric_bank, BOOL, MORE, ALL, 0, "B", "1|0", "SpeechBrain's bank: each Hz triangle symmetric, its left half's width") \
X(then_norm, STR, MORE, ALL, FIN, "K", "none|mean|mean_var", "after normalize whole and the affine, each column's mean (and std) over the valid frames") \
X(n_ceps, INT, MORE, ALL, 0, "N", "0..n_mels", "Kaldi's MFCC: N cepstra of the log mels in their place (0: none)") \
X(cepstral_lifter, NUM, MORE, ALL, 0, "Q", "0..1e6", "the cepstra's lifter 1 + Q/2 sin(pi i / Q) (Kaldi's 22; 0: none)") \
X(ceps_htk, BOOL, MORE, ALL, 0, "B", "1|0", "Kaldi's htk_compat order: c0 (or the energy) last") \
X(snap_bins, BOOL, MORE, ALL, 0, "B", "1|0", "the classic MFCC bank: Hz points snapped to FFT bins (python_speech_features)")
/* clang-format on */

/* The options' indices (WMEL__PF_I_NAME) and count. */
#define WMEL__PF_INDEX(name, ...) WMEL__PF_I_##name,
enum { WMEL__PLAN_FIELDS(WMEL__PF_INDEX) WMEL__PF_COUNT };
#undef WMEL__PF_INDEX

/* The index of an option's name, or -1. */
int wmel__pf_find(const char *name);
/* The options' names in order, ", " between them (the refusals' list), into buf. */
void wmel__pf_list(char *buf, size_t len);

#endif /* WMEL_PLAN_FIELDS_H */
