/*
 * cmd_probes.c -- `wmel probes DIR [--preset NAME | --plan FILE.json | --hf-config PATH]`:
 * the designed probe signals (diagnose/probes.c) as 16-bit WAV files at the plan's rate, and
 * DIR/probes.json naming each one, what it probes and its length. A port computes its
 * features of each DIR/STEM.wav into OUTDIR/STEM.npy; `wmel diagnose --probes DIR --outputs
 * OUTDIR` fits one plan on all of them. The files are written atomically (temporary and
 * rename); a file of DIR that an earlier `wmel probes` did not write is never replaced
 * (--force replaces it). Exit 0 written, 2 usage errors (a file not ours), 3 a write failed.
 */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "commands.h"
#include "diagnose.h"
#include "frontend.h"
#include "msg.h"
#include "out.h"
#include "platform.h"
#include "readall.h"
#include "wmel.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROBES_TAG "\"generator\": \"wmel probes\""
#define PROBES_MANIFEST "probes.json"

const char PROBES_HELP[] =
    "wmel probes DIR [options]\n"
    "    designed probe clips for wmel diagnose --probes DIR: 16-bit WAV files at the plan's\n"
    "    rate, each chosen to tell one convention apart (edge padding, the frame-count rule,\n"
    "    the bank, DC removal, the window, the log's guard, the input's scale, dither), and\n"
    "    DIR/probes.json (each stem, what it probes, its length); under 60 s in all, the\n"
    "    same bytes on every run\n"
    "      --preset NAME      the front-end the port claims: its rate, hop and frame length\n"
    "                         shape the probes (default whisper)\n"
    "      --plan FILE.json   or a plan's JSON file\n"
    "      --hf-config PATH   or a transformers feature extractor's configuration\n"
    "      --force            replace files of DIR that wmel probes did not write\n"
    "      -q, --quiet        no summary line\n"
    "    exit 0 written; 2 usage errors (a file in the way: nothing written); 3 a write failed\n";

/* the manifest's text of DIR (NULL: none or not read), cap 1 MiB */
static char *read_manifest(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, PROBES_MANIFEST) >= (int)sizeof path) return NULL;
    FILE *f = cli_fopen(path, "rb");
    if (!f) return NULL;
    size_t len = 0;
    char *t = cli_read_all(f, 1 << 20, &len);
    fclose(f);
    return t;
}

/* 1 when name may be written in dir: not there, or listed by a manifest wmel probes wrote */
static int ours(const char *dir, const char *name, const char *manifest)
{
    char path[4096], quoted[300];
    cli_stat_t st;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 0;
    if (cli_stat(path, &st) != 0) return 1;
    if (!manifest || !strstr(manifest, PROBES_TAG) || !S_ISREG(st.st_mode)) return 0;
    if (!strcmp(name, PROBES_MANIFEST)) return 1;
    snprintf(quoted, sizeof quoted, "\"%.280s\"", name);
    return strstr(manifest, quoted) != NULL;
}

static void le16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8); }
static void le32(unsigned char *p, uint32_t v) { le16(p, v & 0xffff), le16(p + 2, v >> 16); }

/* a mono 16-bit WAV of x (values k / 32768) at rate, atomically */
static int write_wav(const char *path, const float *x, size_t n, int rate, char *err, size_t err_len)
{
    unsigned char h[44];
    memcpy(h, "RIFF", 4);
    le32(h + 4, (uint32_t)(36 + 2 * n));
    memcpy(h + 8, "WAVEfmt ", 8);
    le32(h + 16, 16);
    le16(h + 20, 1);
    le16(h + 22, 1);
    le32(h + 24, (uint32_t)rate);
    le32(h + 28, (uint32_t)rate * 2);
    le16(h + 32, 2);
    le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    le32(h + 40, (uint32_t)(2 * n));
    unsigned char *b = malloc(2 * n);
    if (!b) {
        snprintf(err, err_len, "%.900s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        long v = (long)(x[i] * 32768.0f);
        le16(b + 2 * i, (unsigned)(v & 0xffff));
    }
    cli_out o;
    int rc = -1;
    if (cli_out_open(&o, path, 0, err, err_len) == 0) {
        if (fwrite(h, 1, sizeof h, o.f) != sizeof h || fwrite(b, 1, 2 * n, o.f) != 2 * n) {
            snprintf(err, err_len, "%.900s: write failed: %s", path, strerror(errno));
            cli_out_abort(&o);
        } else {
            rc = cli_out_commit(&o, err, err_len) ? -1 : 0;
        }
    }
    free(b);
    return rc;
}

/* the manifest: each probe's stem, file, what it probes and its length */
static int write_manifest(const char *dir, const wmel_frontend_plan *plan, const char *label, char *err, size_t err_len)
{
    const int np = wmel_dg_probe_count();
    char lab[256];
    size_t ll = 0;
    for (const char *c = label; *c && ll + 1 < sizeof lab; c++) lab[ll++] = *c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '_' : *c;
    lab[ll] = 0;
    size_t cap = 4096 + (size_t)np * 512, l = 0, total = 0;
    char *t = malloc(cap);
    if (!t) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (int k = 0; k < np; k++) {
        wmel_dg_probe p;
        wmel_dg_probe_get(plan, k, &p, NULL);
        total += p.n;
    }
    l += (size_t)snprintf(t + l, cap - l,
                          "{\n  " PROBES_TAG ",\n  \"plan\": \"%s\",\n  \"sample_rate\": %d,\n  \"hop\": %d,\n"
                          "  \"frame_length\": %d,\n  \"n_fft\": %d,\n  \"total_samples\": %zu,\n"
                          "  \"total_seconds\": %.3f,\n  \"probes\": [\n",
                          lab, plan->sample_rate, plan->hop, plan->frame_length, plan->n_fft, total,
                          (double)total / plan->sample_rate);
    for (int k = 0; k < np && l < cap; k++) {
        wmel_dg_probe p;
        wmel_dg_probe_get(plan, k, &p, NULL);
        l += (size_t)snprintf(t + l, cap - l,
                              "    {\"stem\": \"%s\", \"file\": \"%s.wav\", \"samples\": %zu, \"seconds\": %.4f, "
                              "\"probes\": \"%s\"}%s\n",
                              p.stem, p.stem, p.n, (double)p.n / plan->sample_rate, p.what, k + 1 < np ? "," : "");
    }
    if (l < cap) l += (size_t)snprintf(t + l, cap - l, "  ]\n}\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, PROBES_MANIFEST);
    cli_out o;
    int rc = -1;
    if (l >= cap) snprintf(err, err_len, "the manifest does not fit");
    else if (cli_out_open(&o, path, 0, err, err_len) == 0) {
        if (fputs(t, o.f) < 0) {
            snprintf(err, err_len, "%.900s: write failed: %s", path, strerror(errno));
            cli_out_abort(&o);
        } else {
            rc = cli_out_commit(&o, err, err_len) ? -1 : 0;
        }
    }
    free(t);
    return rc;
}

int cmd_probes(int argc, char **argv)
{
    cli_fe fe;
    cli_fe_init(&fe);
    const char *dir = NULL;
    int force = 0, quiet = 0, pr;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--force")) force = 1;
        else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) quiet = 1;
        else if (o[0] == '-' && o[1] && (pr = cli_fe_opt(o, v, &fe)) != 0) {
            if (pr == 2) return 2;
            if (pr == 1) i++;
        } else if (o[0] == '-' && o[1]) {
            cli_msg("wmel: probes: unknown argument '%s' (see wmel probes --help)", o);
            return 2;
        } else if (dir) {
            return cli_usage("probes: one folder (DIR)");
        } else {
            dir = o;
        }
    }
    if (!dir) return cli_usage("probes: name the folder: wmel probes DIR [--preset NAME]");
    if (!fe.preset && !fe.plan_file && !fe.hf_config && !fe.frontend_given) fe.preset = "whisper";
    wmel_frontend_plan plan;
    if (cli_fe_plan(&fe, &plan)) return 2;
    cli_stat_t st;
    if (cli_stat(dir, &st) != 0) {
        if (cli_mkdir(dir) != 0) {
            cli_msg("wmel: probes: %s: cannot create the folder: %s", dir, strerror(errno));
            return 3;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        cli_msg("wmel: probes: %s exists and is not a folder", dir);
        return 2;
    }
    char *man = read_manifest(dir);
    const int np = wmel_dg_probe_count();
    char name[300];
    for (int k = 0; k <= np && !force; k++) { /* every file checked before any is written */
        wmel_dg_probe p;
        if (k < np) wmel_dg_probe_get(&plan, k, &p, NULL), snprintf(name, sizeof name, "%s.wav", p.stem);
        else snprintf(name, sizeof name, "%s", PROBES_MANIFEST);
        if (!ours(dir, name, man)) {
            cli_msg("wmel: probes: %s/%s exists and wmel probes did not write it: --force replaces it, or choose "
                    "another folder", dir, name);
            free(man);
            return 2;
        }
    }
    free(man);
    char err[1024], path[4096];
    size_t total = 0;
    for (int k = 0; k < np; k++) {
        wmel_dg_probe p;
        wmel_dg_probe_get(&plan, k, &p, NULL);
        float *x = malloc(p.n * sizeof *x);
        if (!x) {
            cli_msg("wmel: probes: out of memory");
            return 3;
        }
        wmel_dg_probe_get(&plan, k, NULL, x);
        snprintf(path, sizeof path, "%s/%s.wav", dir, p.stem);
        const int rc = write_wav(path, x, p.n, plan.sample_rate, err, sizeof err);
        free(x);
        if (rc) {
            cli_msg("wmel: probes: %s", err);
            return 3;
        }
        total += p.n;
    }
    if (write_manifest(dir, &plan, cli_fe_label(&fe), err, sizeof err)) {
        cli_msg("wmel: probes: %s", err);
        return 3;
    }
    if (!quiet)
        printf("%d probes, %.2f s at %d Hz, in %s (%s names each and what it probes)\n", np,
               (double)total / plan.sample_rate, plan.sample_rate, dir, PROBES_MANIFEST);
    return 0;
}
