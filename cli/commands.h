/* commands.h -- the wmel subcommands; each takes the arguments after its name and
 * returns the process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef WMEL_CLI_COMMANDS_H
#define WMEL_CLI_COMMANDS_H

#include <stddef.h>

#include "wmel.h"

int cmd_mel(int argc, char **argv);     /* cli/cmd_mel.c */
int cmd_bench(int argc, char **argv);   /* cli/cmd_bench.c */
int cmd_decode(int argc, char **argv);  /* cli/cmd_decode.c */
int cmd_windows(int argc, char **argv); /* cli/cmd_windows.c */
int cmd_stem(int argc, char **argv);    /* cli/cmd_stem.c */
int cmd_batch(int argc, char **argv);   /* cli/cmd_batch.c */
int cmd_inspect(int argc, char **argv); /* cli/cmd_inspect.c */
int cmd_compare(int argc, char **argv); /* cli/cmd_compare.c */
int cmd_stream(int argc, char **argv);  /* cli/cmd_stream.c */
int cmd_presets(int argc, char **argv); /* cli/cmd_presets.c */
int cmd_devices(int argc, char **argv); /* cli/cmd_devices.c */
int cmd_diagnose(int argc, char **argv); extern const char DIAGNOSE_HELP[]; /* cli/cmd_diagnose.c */
int cmd_probes(int argc, char **argv); extern const char PROBES_HELP[];     /* cli/cmd_probes.c */
int cmd_vectors(int argc, char **argv); /* cli/cmd_vectors.c, over vectors/ */

/* `wmel mel --fixed-point` (cli/mel_fixed.c): the integer front-end. dtype: 0 float32
 * (dequantised), 1 int16, 2 int8 (only with norm WMEL_NORM_WHOLE). Returns the exit status. */
int cli_mel_fixed(const char *in, const char *out, int n_mels, int norm, int dtype,
                       size_t padding, int pad30, int quiet, int verbose, int raw_f32);

/* The windows loop of `wmel windows`, shared with `wmel stem` (cli/cmd_windows.c). */
/* Turns each of `fn`'s outputs for the transcribe windows of `in` (wmel_windows_open
 * on ctx: bounded memory, progress on stderr unless quiet, the decoder's warning too)
 * into one float32 OUT.npy of shape (n_windows, d1, d2), written atomically. fn (NULL:
 * the window itself, d1 x d2 = n_mels x 3000) maps one window [n_mels][3000] to d1 x d2
 * floats, returning 0 or a status with a message in msg. Returns 0, or a status with a
 * message naming the input in err; *count gets the number of windows. */
typedef int (*cli_window_fn)(void *arg, const float *mel, float *out, char *msg,
                                  size_t msg_len);
int cli_windows_npy(wmel_ctx *ctx, const char *in, int quiet, const char *out, size_t d1,
                         size_t d2, cli_window_fn fn, void *arg, size_t *count, char *err,
                         size_t err_len);

#endif
