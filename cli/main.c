/*
 * main.c -- the `wmel` command: Whisper log-Mel features from audio files. Dispatches
 * to one file per subcommand (cli/cmd_*.c); `wmel --help` lists them.
 *
 * Every failure prints one line on stderr naming the file and the reason, exits
 * non-zero, and leaves no output file behind (cli/out.c: outputs are written to a
 * temporary file and renamed into place).
 */
#include "commands.h"
#include "out.h"
#include "wmel.h"

#include <stdio.h>
#include <string.h>

static const char *USAGE =
    "usage: wmel COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  mel INPUT -o OUT.npy   log-Mel spectrogram, float32 (n_mels, n_frames)\n"
    "      --n-mels 80|128    mel bins (default 80)\n"
    "      --padding N        append N zero samples first (openai's padding=)\n"
    "      --pad-30s          pad or trim the audio to 30 s (480000 samples) first\n"
    "      --norm whole|none  whole: openai's max-8 and (x+4)/4 (default); none: raw log10\n"
    "      --backend B        auto|ref|cpu|cuda (default auto)\n"
    "      --threads N        CPU worker threads (default: all cores)\n"
    "      --png FILE.png     also write a picture of the spectrogram\n"
    "      --smooth 3x3       3x3 average smoothing of the result (avg_pool2d, zeros outside);\n"
    "                         --smooth none: none (the default)\n"
    "      --quiet            no warnings on stderr\n"
    "      -v, --verbose      print a summary (shape, range, time, kernel) on stdout\n"
    "\n"
    "  decode INPUT -o OUT.npy  the decoded 16 kHz mono samples, float32 (n,): openai's\n"
    "                         load_audio(INPUT) bit for bit   [--quiet]\n"
    "  windows INPUT -o OUT.npy  transcribe()'s 30 s windows, float32 (n_windows, n_mels, 3000)\n"
    "      --n-mels 80|128  --backend B  --threads N  --quiet\n"
    "  stem INPUT --weights FILE.safetensors -o OUT.npy  the Whisper encoder stem (conv1,\n"
    "                         conv2, GELU, + positions) on each window, float32\n"
    "                         (n_windows, 1500, d)   [--n-mels 80|128  --threads N  -v  --quiet]\n"
    "\n"
    "INPUT: with FFmpeg (see --version) any audio or video file FFmpeg reads, or - for any\n"
    "format on standard input (mel: --raw-f32 reads raw float32 little-endian samples\n"
    "instead); without FFmpeg a 16 kHz mono WAV file (PCM 16-bit or float32), or - for raw\n"
    "float32 samples. Long inputs stream in bounded memory; progress goes to stderr when it\n"
    "is a terminal (--quiet silences it).\n"
    "  batch MANIFEST -o OUTDIR  a whole corpus to WebDataset shards (OUTDIR/shard-NNNNNN.tar,\n"
    "                         <key>.npy + <key>.json per input), index.jsonl, errors.jsonl;\n"
    "                         rerun the same command to resume. MANIFEST: one path per line,\n"
    "                         or .jsonl with \"path\" (and \"key\"); - = stdin\n"
    "      --mode pad30|full|windows  30 s padded (default) | whole input | transcribe windows\n"
    "      --n-mels 80|128  --jobs N (files at once; default all cores)  --shard-size N\n"
    "                         (items per shard, default 1000)  --backend B (default cpu)  --quiet\n"
    "                         exit 0: all done; 3: some inputs failed (errors.jsonl); 1: job failed\n"
    "  bench                  time the CPU backend against FFTW and Python peers\n"
    "                         (wmel bench --help)\n"
    "  wmel --help | --version\n";

/* Subcommands: one file each (cli/cmd_*.c), declared in commands.h. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} COMMANDS[] = {
    {"mel", cmd_mel},
    {"bench", cmd_bench},
    {"decode", cmd_decode},
    {"windows", cmd_windows},
    {"stem", cmd_stem},
    {"batch", cmd_batch},
};

int main(int argc, char **argv)
{
    wmel_out_handle_signals(); /* temporaries removed on SIGINT/SIGTERM/SIGHUP */
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("wmel %s\n", wmel_version());
        return 0;
    }
    for (size_t c = 0; c < sizeof COMMANDS / sizeof COMMANDS[0]; c++) {
        if (strcmp(cmd, COMMANDS[c].name)) continue;
        for (int i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                fputs(USAGE, stdout);
                return 0;
            }
        return COMMANDS[c].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "wmel: unknown command '%s' (see wmel --help)\n", cmd);
    return 2;
}
