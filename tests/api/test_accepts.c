/* test_accepts.c -- wmel_backend_accepts: each backend's answer, with its reason, for a
 * few plans (Whisper's, Whisper's geometry with snip edges and with a fixed max, NeMo's, a
 * dithered Kaldi plan, a plan whose finish no device makes), the argument checks, and, on
 * each device backend built whose device is here (lavapipe, the CUDA emulator), that the
 * answer is what a ctx of every preset and of those plans then does: the frames where
 * wmel_op_backend says after a call, the finish where the device's counter says, device
 * memory where wmel_op_backend(WMEL_OP_DEVICE) says; and wmel_devices' list. */
#include "testutil.h"

#include <string.h>

static char why[600];

static int ask(int backend, const wmel_frontend_plan *p, int op)
{
    return wmel_backend_accepts(backend, p, op, why, sizeof why);
}

static void set(wmel_frontend_plan *p, const char *name, const char *value)
{
    char msg[300];
    const int rc = wmel_plan_set(p, name, value, msg, sizeof msg);
    CHECK(rc == WMEL_OK, "wmel_plan_set %s %s: %s", name, value, msg);
}

typedef struct plans {
    wmel_frontend_plan whisper, snip, fixed, nemo, dithered, rows_all;
} plans;

static void make_plans(plans *P)
{
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_WHISPER, 80, &P->whisper) == WMEL_OK, "whisper");
    P->snip = P->whisper;
    set(&P->snip, "framing", "snip");
    set(&P->snip, "valid", "all");
    P->fixed = P->whisper;
    P->fixed.norm_flags |= WMEL_NORMF_FIXED_MAX;
    P->fixed.norm_max = 1.0;
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_NEMO, 80, &P->nemo) == WMEL_OK, "nemo");
    CHECK(wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &P->dithered) == WMEL_OK, "kaldi");
    set(&P->dithered, "dither", "1.0");
    /* a post stage (deltas, in the frames x mels layout it needs): on the devices' finish too */
    P->rows_all = P->nemo;
    set(&P->rows_all, "layout", "frames_mels");
    set(&P->rows_all, "delta_win", "5");
    CHECK(wmel_plan_check(&P->snip, why, sizeof why) == WMEL_OK, "snip plan: %s", why);
    CHECK(wmel_plan_check(&P->fixed, why, sizeof why) == WMEL_OK, "fixed plan: %s", why);
    CHECK(wmel_plan_check(&P->rows_all, why, sizeof why) == WMEL_OK, "deltas plan: %s", why);
}

static void host_backends(const plans *P)
{
    const int ids[2] = {WMEL_BACKEND_CPU, WMEL_BACKEND_REF};
    for (int i = 0; i < 2; i++) {
        const int b = ids[i];
        CHECK(ask(b, &P->whisper, WMEL_OP_LOG_MEL) == 1 && *why, "%d whisper frames: %s", b, why);
        CHECK(ask(b, &P->dithered, WMEL_OP_LOG_MEL_BATCH) == 1, "%d dithered frames: %s", b, why);
        CHECK(ask(b, &P->rows_all, WMEL_OP_FINISH) == 1, "%d deltas finish: %s", b, why);
        CHECK(ask(b, &P->nemo, WMEL_OP_DEVICE) == 0 && strstr(why, "host memory only"), "%d device memory: %s", b, why);
    }
    CHECK(ask(WMEL_BACKEND_CPU, &P->nemo, WMEL_OP_STREAM) == 1 && strstr(why, "CPU backend"), "cpu stream: %s", why);
    CHECK(ask(WMEL_BACKEND_REF, &P->whisper, WMEL_OP_STREAM) == 1, "ref whisper stream: %s", why);
    CHECK(ask(WMEL_BACKEND_REF, &P->nemo, WMEL_OP_STREAM) == 0 && strstr(why, "CPU backend"), "ref nemo stream: %s", why);
}

static void arguments(const plans *P)
{
    CHECK(wmel_backend_accepts(WMEL_BACKEND_CPU, NULL, WMEL_OP_LOG_MEL, why, sizeof why) == WMEL_ERR_NULL_POINTER, "NULL");
    CHECK(ask(WMEL_BACKEND_AUTO, &P->nemo, WMEL_OP_LOG_MEL) == WMEL_ERR_INVALID_ARG && strstr(why, "backend 0"), "%s", why);
    CHECK(ask(WMEL_BACKEND_CPU, &P->nemo, 99) == WMEL_ERR_INVALID_ARG && strstr(why, "op 99"), "%s", why);
    CHECK(ask(WMEL_BACKEND_CPU, &P->nemo, -1) == WMEL_ERR_INVALID_ARG, "op -1: %s", why);
    wmel_frontend_plan bad = P->nemo;
    bad.n_fft = 3;
    CHECK(ask(WMEL_BACKEND_CPU, &bad, WMEL_OP_LOG_MEL) == WMEL_ERR_INVALID_ARG && strstr(why, "n_fft"), "bad plan: %s", why);
    CHECK(wmel_backend_accepts(WMEL_BACKEND_CPU, &P->nemo, WMEL_OP_LOG_MEL, NULL, 0) == 1, "why NULL");
    char small[8];
    CHECK(wmel_backend_accepts(WMEL_BACKEND_CPU, &P->nemo, WMEL_OP_LOG_MEL, small, sizeof small) == 1 &&
              strlen(small) == sizeof small - 1, "a short why is cut and terminated");
}

/* A device backend's answers for the plans (name: "Vulkan" or "CUDA"). */
static void device_rules(int b, const char *name, const plans *P)
{
    CHECK(ask(b, &P->whisper, WMEL_OP_LOG_MEL) == 1 && strstr(why, "Whisper's geometry"), "%s whisper: %s", name, why);
    CHECK(ask(b, &P->whisper, WMEL_OP_DEVICE) == 1, "%s whisper device memory: %s", name, why);
    CHECK(ask(b, &P->snip, WMEL_OP_LOG_MEL) == 1 && strstr(why, "general algorithm"), "%s snip: %s", name, why);
    CHECK(ask(b, &P->fixed, WMEL_OP_LOG_MEL) == 1 && strstr(why, "general algorithm"), "%s fixed max: %s", name, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_LOG_MEL_S16) == 1, "%s nemo frames: %s", name, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_FINISH) == 1 && strstr(why, "finish"), "%s nemo finish: %s", name, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_DEVICE) == 1, "%s nemo device memory: %s", name, why);
    /* a dithered plan: CUDA's frame kernel and Vulkan's frame shader draw the noise (Vulkan's in
       float64 with shaderInt64: its sentence says so first); the windowed energy stays on the CPU */
    const int cu = b == WMEL_BACKEND_CUDA;
    CHECK(ask(b, &P->dithered, WMEL_OP_LOG_MEL) == 1 && strstr(why, "general algorithm") &&
              (cu || (!strncmp(why, "the dither's noise needs float64", 32) && strstr(why, "shaderInt64") &&
                      strstr(why, "float-float"))),
          "%s dithered frames: %s", name, why);
    CHECK(ask(b, &P->dithered, WMEL_OP_FINISH) == 1 && strstr(why, "finish"), "%s dithered finish: %s", name, why);
    CHECK(ask(b, &P->dithered, WMEL_OP_DEVICE) == 1, "%s dithered device memory: %s", name, why);
    wmel_frontend_plan windowed = P->dithered;
    windowed.use_energy = 1, windowed.energy_windowed = 1;
    CHECK(ask(b, &windowed, WMEL_OP_LOG_MEL) == 0 && strstr(why, "windowed"), "%s windowed energy: %s", name, why);
    CHECK(ask(b, &P->rows_all, WMEL_OP_LOG_MEL) == 1, "%s deltas frames: %s", name, why);
    CHECK(ask(b, &P->rows_all, WMEL_OP_FINISH) == 1 && strstr(why, "post stage"), "%s deltas finish: %s", name, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_STREAM) == 0 && strstr(why, "CPU backend"), "%s stream: %s", name, why);
}

/* What a ctx of plan p on backend b does, against the answers. */
static void agree(int b, const char *bname, long long (*finishes)(void), const wmel_frontend_plan *p, const char *pname)
{
    wmel_params prm = wmel_default_params();
    prm.backend = b;
    int st = 0;
    wmel_ctx *c = wmel_create_plan(&prm, p, &st);
    CHECK(c != NULL, "%s on %s: %s", pname, bname, wmel_strerror(st));
    if (!c) return;
    const size_t n = 16000;
    float *x = malloc(n * sizeof *x);
    t_chirp(x, n, 7);
    const long long f0 = finishes();
    float *o = NULL;
    size_t len = 0;
    st = t_features_new(c, x, n, &o, &len);
    CHECK(st == WMEL_OK, "%s on %s: features: %s", pname, bname, wmel_strerror(st));
    const long long f1 = finishes();
    int frames = ask(b, p, WMEL_OP_LOG_MEL);
    const char *ran = wmel_op_backend(c, WMEL_OP_LOG_MEL);
    /* Vulkan's float-float (or a device without shaderInt64): a dithered plan's frames on the
       CPU, as the sentence's first words and the ctx's reason say */
    const int no_noise = b == WMEL_BACKEND_VULKAN && p->dither != 0.0 && strstr(wmel_backend_reason(c), "dither's noise");
    if (no_noise) frames = 0;
    CHECK(frames == !strcmp(ran, bname), "%s on %s: accepts says %d (%s), the frames ran on %s", pname, bname, frames, why,
          ran);
    const int fin = ask(b, p, WMEL_OP_FINISH) && !no_noise;
    /* CUDA's Whisper kernels normalise on the device without the general finish's counter */
    const int counted = strncmp(wmel_kernel_name(c), "cuda-f64fft", 11) != 0 && strncmp(wmel_kernel_name(c), "cuda-fffft", 10) != 0;
    CHECK(!counted || fin == (f1 > f0), "%s on %s: accepts says %d (%s) for the finish; the device's finishes went %lld -> %lld",
          pname, bname, fin, why, f0, f1);
    const int dev = ask(b, p, WMEL_OP_DEVICE) && !no_noise;
    ran = wmel_op_backend(c, WMEL_OP_DEVICE);
    CHECK(dev == !strcmp(ran, bname), "%s on %s: accepts says %d (%s) for device memory; wmel_op_backend says %s", pname,
          bname, dev, why, ran);
    free(o);
    free(x);
    wmel_destroy(c);
}

static long long vk_finishes(void) { return t_count(WMEL__CNT_VK_FINISHES); }
static long long cu_finishes(void) { return t_count(WMEL__CNT_CU_FINISHES); }

/* Every preset and the plans on backend b, where its device is here. */
static void device_agrees(int b, const char *bname, long long (*finishes)(void), const plans *P)
{
    wmel_params prm = wmel_default_params();
    prm.backend = b;
    int st = 0;
    wmel_ctx *probe = wmel_create_plan(&prm, &P->nemo, &st);
    if (!probe) {
        printf("%s: no device here (%s): the ctxs' agreement not checked\n", bname, wmel_strerror(st));
        return;
    }
    wmel_destroy(probe);
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        wmel_frontend_plan p;
        const char *name = wmel_preset_name(i);
        CHECK(wmel_preset_plan(name, &p, why, sizeof why) == WMEL_OK, "%s: %s", name, why);
        agree(b, bname, finishes, &p, name);
    }
    agree(b, bname, finishes, &P->snip, "whisper-snip");
    agree(b, bname, finishes, &P->fixed, "whisper-fixed-max");
    agree(b, bname, finishes, &P->dithered, "kaldi-dithered");
    agree(b, bname, finishes, &P->rows_all, "nemo-deltas");
    /* the switch that keeps the finish on the host: named in the answer, and followed */
    const char *sw = b == WMEL_BACKEND_VULKAN ? "WMEL_VULKAN_DEVICE_FINISH" : "WMEL_CUDA_DEVICE_FINISH";
    t_setenv(sw, "0", 1);
    CHECK(ask(b, &P->nemo, WMEL_OP_FINISH) == 0 && strstr(why, sw), "%s=0: %s", sw, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_DEVICE) == 0 && strstr(why, sw), "%s=0, device memory: %s", sw, why);
    CHECK(ask(b, &P->nemo, WMEL_OP_LOG_MEL) == 1, "%s=0, frames: %s", sw, why);
    agree(b, bname, finishes, &P->nemo, "nemo with the host's finish");
    t_unsetenv(sw);
}

static void devices_list(void)
{
    size_t n = 0;
    CHECK(wmel_devices(NULL, 0, &n) == WMEL_OK && n >= 1, "wmel_devices: %zu", n);
    CHECK(wmel_devices(NULL, 1, &n) == WMEL_ERR_NULL_POINTER, "out NULL with room");
    CHECK(wmel_devices(NULL, 0, NULL) == WMEL_ERR_NULL_POINTER, "n NULL");
    wmel_device d[16];
    size_t got = 0;
    CHECK(wmel_devices(d, 16, &got) == WMEL_OK && got == n, "%zu then %zu", n, got);
    CHECK(d[0].backend == WMEL_BACKEND_CPU && d[0].usable && !strncmp(d[0].arith, "float32 ", 8), "cpu: %s", d[0].arith);
    for (size_t i = 1; i < got && i < 16; i++) {
        CHECK(d[i].backend == WMEL_BACKEND_CUDA || d[i].backend == WMEL_BACKEND_VULKAN, "device %zu", i);
        CHECK(*d[i].name && *d[i].kind && *d[i].self_test, "device %zu described", i);
        if (d[i].backend == WMEL_BACKEND_VULKAN)
            CHECK(strstr(d[i].self_test, "float-float self-test") != NULL, "vulkan %d: %s", d[i].index, d[i].self_test);
    }
}

int main(void)
{
    plans P;
    make_plans(&P);
    arguments(&P);
    host_backends(&P);
    devices_list();
    const int dev[2] = {WMEL_BACKEND_VULKAN, WMEL_BACKEND_CUDA};
    const char *label[2] = {"Vulkan", "CUDA"}, *bname[2] = {"vulkan", "cuda"};
    long long (*fin[2])(void) = {vk_finishes, cu_finishes};
    for (int i = 0; i < 2; i++) {
        const int rc = ask(dev[i], &P.nemo, WMEL_OP_LOG_MEL);
        if (rc == WMEL_ERR_NOT_BUILT) {
            CHECK(strstr(why, "not built") != NULL, "%s: %s", label[i], why);
            continue;
        }
        device_rules(dev[i], label[i], &P);
        device_agrees(dev[i], bname[i], fin[i], &P);
    }
    return t_done("test_accepts");
}
