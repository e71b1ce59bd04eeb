/*
 * test_vulkan_spv.c -- the float controls given to the built-in float-float shaders when a
 * device has them (wmel__vk_spv_fc): for each module (frames, finish, the self-test) and each
 * set of controls, the capabilities, the extension and each entry point's execution modes in
 * SPIR-V's order, and the module's own words unchanged around them; a module it cannot read
 * refused with a status. No device needed. With a folder argument, the patched modules are
 * written there (NAME_z.spv, NAME_zd.spv) for spirv-val (ctest: test_vulkan_spv_valid_*).
 */
#include "internal.h"
#include "testutil.h"
#include "vulkan/vk_internal.h"
#include "wmel.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const uint32_t wmel__spv_frames_ff[];
extern const size_t wmel__spv_frames_ff_words;
extern const uint32_t wmel__spv_finish_ff[];
extern const size_t wmel__spv_finish_ff_words;
extern const uint32_t wmel__spv_ffcheck[];
extern const size_t wmel__spv_ffcheck_words;

enum { OP_EXTENSION = 10, OP_EXT_INST_IMPORT = 11, OP_MEMORY_MODEL = 14, OP_ENTRY_POINT = 15, OP_EXECUTION_MODE = 16,
       OP_CAPABILITY = 17 };

/* the SPIR-V layout's section of an opcode for the instructions before the debug section:
   0 capability, 1 extension, 2 extended set, 3 memory model, 4 entry point, 5 execution mode,
   6 anything later */
static int section(uint32_t op)
{
    switch (op) {
    case OP_CAPABILITY: return 0;
    case OP_EXTENSION: return 1;
    case OP_EXT_INST_IMPORT: return 2;
    case OP_MEMORY_MODEL: return 3;
    case OP_ENTRY_POINT: return 4;
    case OP_EXECUTION_MODE: return 5;
    default: return 6;
    }
}

/* 1 when instruction i of m (at word at, wc words) is one the patch adds for fc */
static int added(const uint32_t *m, size_t at, int fc, int *n_cap, int *n_ext, int *n_mode)
{
    const uint32_t op = m[at] & 0xffffu, wc = m[at] >> 16;
    if (op == OP_CAPABILITY && wc == 2 && (m[at + 1] == 4466 || (m[at + 1] == 4464 && (fc & VKW_FC_DENORM)))) {
        ++*n_cap;
        return 1;
    }
    if (op == OP_EXTENSION && !strncmp((const char *)(m + at + 1), "SPV_KHR_float_controls", 23)) {
        ++*n_ext;
        return 1;
    }
    if (op == OP_EXECUTION_MODE && wc == 4 && m[at + 3] == 32 &&
        (m[at + 2] == 4461 || (m[at + 2] == 4459 && (fc & VKW_FC_DENORM)))) {
        ++*n_mode;
        return 1;
    }
    return 0;
}

static void check_module(const char *name, const uint32_t *code, size_t words, int fc, const char *dir)
{
    uint32_t *m = NULL;
    size_t n = 0;
    const int rc = wmel__vk_spv_fc(code, words, fc, &m, &n);
    CHECK(rc == WMEL_OK && m, "%s fc %d: status %d", name, fc, rc);
    if (rc != WMEL_OK || !m) return;
    const int n_modes = (fc & VKW_FC_DENORM) ? 2 : 1;
    /* the header unchanged; every instruction whole and in its section's order; the added
       ones counted; the rest equal to the module's own words in order */
    CHECK(!memcmp(m, code, 5 * sizeof *m), "%s fc %d: the header changed", name, fc);
    int n_cap = 0, n_ext = 0, n_mode = 0, n_entry = 0, last = 0, ordered = 1, whole = 1;
    size_t o = 5;
    int same = 1;
    for (size_t at = 5; at < n;) {
        const uint32_t wc = m[at] >> 16;
        if (wc == 0 || wc > n - at) {
            whole = 0;
            break;
        }
        const int sec = section(m[at] & 0xffffu);
        if (sec < last) ordered = 0;
        if (sec < 6) last = sec;
        if ((m[at] & 0xffffu) == OP_ENTRY_POINT) n_entry++;
        if (!added(m, at, fc, &n_cap, &n_ext, &n_mode)) {
            if (o + wc > words || memcmp(m + at, code + o, wc * sizeof *m)) same = 0;
            o += wc;
        }
        at += wc;
    }
    CHECK(whole, "%s fc %d: an instruction runs past the module's end", name, fc);
    CHECK(ordered, "%s fc %d: an instruction out of SPIR-V's section order", name, fc);
    CHECK(same && o == words, "%s fc %d: the module's own words differ (%zu of %zu matched)", name, fc, o, words);
    CHECK(n_cap == n_modes && n_ext == 1 && n_entry >= 1 && n_mode == n_entry * n_modes,
          "%s fc %d: %d capabilities, %d extensions, %d execution modes for %d entry points", name, fc, n_cap, n_ext,
          n_mode, n_entry);
    if (dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s_%s.spv", dir, name, (fc & VKW_FC_DENORM) ? "zd" : "z");
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(m, sizeof *m, n, f) == n && fclose(f) == 0, "%s: could not write %s", name, path);
    }
    /* patched again: refused (the controls are there already) */
    uint32_t *m2 = NULL;
    size_t n2 = 0;
    CHECK(wmel__vk_spv_fc(m, n, fc, &m2, &n2) == WMEL_ERR_VULKAN && !m2 && n2 == 0, "%s fc %d: patched twice", name,
          fc);
    free(m);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : NULL;
    const struct {
        const char *name;
        const uint32_t *code;
        size_t words;
    } mods[] = {{"frames_ff", wmel__spv_frames_ff, wmel__spv_frames_ff_words},
                {"finish_ff", wmel__spv_finish_ff, wmel__spv_finish_ff_words},
                {"ffcheck", wmel__spv_ffcheck, wmel__spv_ffcheck_words}};
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        check_module(mods[i].name, mods[i].code, mods[i].words, VKW_FC_SZ, dir);
        check_module(mods[i].name, mods[i].code, mods[i].words, VKW_FC_SZ | VKW_FC_DENORM, dir);
    }
    /* modules it cannot read: a status and a message, nothing allocated */
    const uint32_t *fr = wmel__spv_frames_ff;
    const size_t nw = wmel__spv_frames_ff_words;
    uint32_t *copy = malloc(nw * sizeof *copy), *m = NULL;
    size_t n = 0;
    CHECK(copy != NULL, "malloc");
    if (copy) {
        memcpy(copy, fr, nw * sizeof *copy);
        copy[0] ^= 1u; /* not SPIR-V's magic */
        CHECK(wmel__vk_spv_fc(copy, nw, VKW_FC_SZ, &m, &n) == WMEL_ERR_VULKAN && !m, "a bad magic number taken");
        CHECK(strstr(wmel__detail_get(), "SPIR-V") != NULL, "message: %s", wmel__detail_get());
        copy[0] ^= 1u;
        CHECK(wmel__vk_spv_fc(copy, 4, VKW_FC_SZ, &m, &n) == WMEL_ERR_VULKAN && !m, "a 4-word module taken");
        copy[5] = (0xffffu << 16) | OP_CAPABILITY; /* the first instruction runs past the end */
        CHECK(wmel__vk_spv_fc(copy, nw, VKW_FC_SZ, &m, &n) == WMEL_ERR_VULKAN && !m, "a cut module taken");
        copy[5] = fr[5];
        CHECK(wmel__vk_spv_fc(copy, 40, VKW_FC_SZ, &m, &n) == WMEL_ERR_VULKAN && !m,
              "a module cut before its entry point taken");
        free(copy);
    }
    return t_done("test_vulkan_spv");
}
