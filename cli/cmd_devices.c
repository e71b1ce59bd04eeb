/*
 * cmd_devices.c -- `wmel devices [--json] [--preset NAME]...`: each device of each backend
 * built in (the CPU with its ISA level, each CUDA device, each Vulkan device), its
 * arithmetic and its self-tests' results (wmel_devices), and for each preset whether its
 * frames and its finish run on that device, or the reason they do not
 * (wmel_backend_accepts, answered from the plan before any ctx is made).
 */
#include "commands.h"
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHY 400

/* One preset's verdict on one device. */
typedef struct verdict {
    int frames, finish, devmem; /* 1 on the device, 0 not, negative: a status */
    char why[WHY], finish_why[WHY], devmem_why[WHY];
} verdict;

static const char *backend_key(int b)
{
    return b == WMEL_BACKEND_CUDA ? "cuda" : b == WMEL_BACKEND_VULKAN ? "vulkan" : "cpu";
}

static void judge(const wmel_device *d, const wmel_frontend_plan *plan, verdict *v)
{
    memset(v, 0, sizeof *v);
    if (!d->usable) {
        v->frames = v->finish = v->devmem = 0;
        snprintf(v->why, sizeof v->why, "no arithmetic runs on this device (%.300s)", d->self_test);
        snprintf(v->finish_why, sizeof v->finish_why, "%s", v->why);
        snprintf(v->devmem_why, sizeof v->devmem_why, "%s", v->why);
        return;
    }
    v->frames = wmel_backend_accepts(d->backend, plan, WMEL_OP_LOG_MEL, v->why, sizeof v->why);
    v->finish = wmel_backend_accepts(d->backend, plan, WMEL_OP_FINISH, v->finish_why, sizeof v->finish_why);
    v->devmem = wmel_backend_accepts(d->backend, plan, WMEL_OP_DEVICE, v->devmem_why, sizeof v->devmem_why);
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void text_line(const char *name, const verdict *v, int cpu)
{
    if (v->frames == 1 && v->finish == 1 && cpu) printf("    %-26s runs: frames and finish on the CPU\n", name);
    else if (v->frames == 1 && v->finish == 1) printf("    %-26s runs: frames and finish on the device\n", name);
    else if (v->frames == 1) printf("    %-26s runs: frames on the device; the finish on the host: %s\n", name, v->finish_why);
    else printf("    %-26s no: %s\n", name, v->why);
}

static void json_preset(const char *name, const verdict *v, int last)
{
    printf("      {\"preset\": ");
    jstr(stdout, name);
    printf(", \"frames\": %s, \"why\": ", v->frames == 1 ? "true" : "false");
    jstr(stdout, v->why);
    printf(", \"finish\": %s, \"finish_why\": ", v->finish == 1 ? "true" : "false");
    jstr(stdout, v->finish_why);
    printf(", \"device_memory\": %s, \"device_memory_why\": ", v->devmem == 1 ? "true" : "false");
    jstr(stdout, v->devmem_why);
    printf("}%s\n", last ? "" : ",");
}

static void json_device(const wmel_device *d)
{
    printf("    {\"backend\": \"%s\", \"index\": %d, \"name\": ", backend_key(d->backend), d->index);
    jstr(stdout, d->name);
    printf(", \"kind\": ");
    jstr(stdout, d->kind);
    printf(", \"arithmetic\": ");
    jstr(stdout, d->arith);
    printf(", \"usable\": %s, \"self_test\": ", d->usable ? "true" : "false");
    jstr(stdout, d->self_test);
    printf(",\n     \"presets\": [\n");
}

int cmd_devices(int argc, char **argv)
{
    int json = 0;
    const char **only = calloc((size_t)argc + 1, sizeof *only);
    size_t n_only = 0;
    if (!only) {
        cli_msg("wmel: devices: out of memory");
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--preset") && i + 1 < argc) {
            only[n_only++] = argv[++i];
        } else {
            free(only);
            cli_msg("wmel: devices: unknown argument '%s' (wmel devices [--json] [--preset NAME]...)", argv[i]);
            return 2;
        }
    }
    size_t n = 0;
    wmel_devices(NULL, 0, &n);
    wmel_device *devs = calloc(n ? n : 1, sizeof *devs);
    if (!devs) {
        free(only);
        cli_msg("wmel: devices: out of memory");
        return 1;
    }
    size_t got = 0;
    wmel_devices(devs, n, &got);
    if (got < n) n = got;
    /* the presets asked for (each checked), or all */
    const size_t n_pre = n_only ? n_only : wmel_preset_count();
    int rc = 0;
    for (size_t k = 0; k < n_only; k++) {
        wmel_frontend_plan p;
        char msg[600];
        if (wmel_preset_plan(only[k], &p, msg, sizeof msg) != WMEL_OK) {
            cli_msg("wmel: devices: --preset %s: %s", only[k], msg);
            rc = 2;
        }
    }
    if (json && rc == 0) printf("{\"devices\": [\n");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const wmel_device *d = &devs[i];
        if (json) json_device(d);
        else if (d->backend == WMEL_BACKEND_CPU) printf("cpu: %s, arithmetic %s\n  self-tests: %s\n", d->kind, d->arith, d->self_test);
        else
            printf("%s %d: %s (%s), arithmetic %s%s\n  self-tests: %s\n", backend_key(d->backend), d->index, d->name, d->kind,
                   d->arith, d->usable ? "" : ", not usable", d->self_test);
        if (!json) printf("  presets:\n");
        for (size_t k = 0; k < n_pre; k++) {
            const char *name = n_only ? only[k] : wmel_preset_name(k);
            wmel_frontend_plan p;
            verdict v;
            if (wmel_preset_plan(name, &p, NULL, 0) != WMEL_OK) continue;
            judge(d, &p, &v);
            if (json) json_preset(name, &v, k + 1 == n_pre);
            else text_line(name, &v, devs[i].backend == WMEL_BACKEND_CPU);
        }
        if (json) printf("     ]}%s\n", i + 1 == n ? "" : ",");
    }
    if (json && rc == 0) printf("]}\n");
    free(devs);
    free(only);
    if (rc) return rc;
    return fflush(stdout) ? 1 : 0;
}
