/*
 * safetensors.c -- validating reader for the safetensors header
 * (https://github.com/huggingface/safetensors, "Format"): 8-byte little-endian header
 * length N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets}, then
 * the data section. Nothing in the header is trusted: every number is range-checked
 * before use, so a malformed file gives WMEL_ERR_WEIGHTS and a message, never an
 * over-read. The JSON is parsed by cJSON (Debian libcjson).
 */
#include "stem/stem_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WMEL_HAVE_CJSON
#include <cJSON.h>
#endif

size_t wmel__dtype_size(int dtype)
{
    switch (dtype) {
    case WMEL_DTYPE_F32: return 4;
    case WMEL_DTYPE_F16:
    case WMEL_DTYPE_BF16: return 2;
    default: return 0;
    }
}

void wmel__st_free(wmel_st_file *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) free(f->t[i].name);
    free(f->t);
    f->t = NULL;
    f->n = 0;
}

const wmel_st_tensor *wmel__st_find(const wmel_st_file *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    return NULL;
}

#ifdef WMEL_HAVE_CJSON

/* The message for a tensor named in the file: the name is untrusted bytes, so control
 * characters (a newline would split the one-line message, escapes would reach a
 * terminal) become '?' and long names are cut (tests/fuzz/fuzz_safetensors feeds such names). */
static int fail(char *err, size_t err_len, const char *fmt, const char *a)
{
    char safe[100];
    size_t n = 0;
    for (; a && a[n] && n < 80; n++) {
        unsigned char c = (unsigned char)a[n];
        safe[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (a && a[n]) memcpy(safe + n, "...", 3), n += 3;
    safe[n] = 0;
    if (err && err_len) snprintf(err, err_len, fmt, safe);
    return WMEL_ERR_WEIGHTS;
}

/* dtypes of the format: the ones wmel loads map to WMEL_DTYPE_*, the rest are accepted
 * in the header (other tensors of a checkpoint) but cannot be loaded. */
static const struct {
    const char *name;
    int dtype;
    size_t size;
} DTYPES[] = {
    {"F32", WMEL_DTYPE_F32, 4}, {"F16", WMEL_DTYPE_F16, 2}, {"BF16", WMEL_DTYPE_BF16, 2},
    {"F64", -1, 8}, {"I64", -1, 8}, {"U64", -1, 8}, {"I32", -1, 4}, {"U32", -1, 4},
    {"I16", -1, 2}, {"U16", -1, 2}, {"I8", -1, 1}, {"U8", -1, 1}, {"BOOL", -1, 1},
    {"F8_E4M3", -1, 1}, {"F8_E5M2", -1, 1},
};

/* A JSON number that is an exact integer in [0, 2^53]. */
static int get_u53(const cJSON *j, uint64_t *out)
{
    if (!cJSON_IsNumber(j)) return -1;
    double v = j->valuedouble;
    if (!(v >= 0.0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    const wmel_st_tensor *x = *(const wmel_st_tensor *const *)a;
    const wmel_st_tensor *y = *(const wmel_st_tensor *const *)b;
    return strcmp(x->name, y->name);
}

static int cmp_begin(const void *a, const void *b)
{
    const wmel_st_tensor *x = *(const wmel_st_tensor *const *)a;
    const wmel_st_tensor *y = *(const wmel_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static int parse_entry(const cJSON *e, uint64_t data_size, wmel_st_tensor *t, char *err,
                       size_t err_len)
{
    const char *name = e->string;
    if (!cJSON_IsObject(e)) return fail(err, err_len, "tensor '%s' is not a JSON object", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !dt->valuestring)
        return fail(err, err_len, "tensor '%s' has no dtype string", name);
    t->dtype = -2;
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
        if (!strcmp(dt->valuestring, DTYPES[i].name)) {
            t->dtype = DTYPES[i].dtype;
            t->itemsize = DTYPES[i].size;
        }
    if (t->dtype == -2) return fail(err, err_len, "tensor '%s' has an unknown dtype", name);
    if (!cJSON_IsArray(sh)) return fail(err, err_len, "tensor '%s' has no shape array", name);
    int nd = cJSON_GetArraySize(sh);
    if (nd > WMEL_ST_MAX_DIMS) return fail(err, err_len, "tensor '%s' has too many dimensions", name);
    t->ndim = nd;
    uint64_t count = 1;
    int zero = 0;
    for (int i = 0; i < nd; i++) {
        uint64_t d;
        if (get_u53(cJSON_GetArrayItem(sh, i), &d))
            return fail(err, err_len, "tensor '%s' has a shape entry that is not a size", name);
        if (d > SIZE_MAX) return fail(err, err_len, "tensor '%s' is too large", name);
        t->shape[i] = (size_t)d;
        if (d == 0) zero = 1;
        else if (count > UINT64_MAX / d || count * d > SIZE_MAX)
            return fail(err, err_len, "tensor '%s': shape and dtype do not match its byte size", name);
        else count *= d;
    }
    if (zero) count = 0;
    t->count = (size_t)count;
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return fail(err, err_len, "tensor '%s' has no data_offsets [begin, end]", name);
    if (get_u53(cJSON_GetArrayItem(off, 0), &t->begin) || get_u53(cJSON_GetArrayItem(off, 1), &t->end))
        return fail(err, err_len, "tensor '%s' has data_offsets that are not sizes", name);
    if (t->begin > t->end) return fail(err, err_len, "tensor '%s' has data_offsets begin > end", name);
    if (t->end > data_size)
        return fail(err, err_len, "tensor '%s' has data_offsets past the end of the file", name);
    if (count > UINT64_MAX / t->itemsize || count * t->itemsize != t->end - t->begin)
        return fail(err, err_len, "tensor '%s': shape and dtype do not match its byte size", name);
    return 0;
}

int wmel__st_parse(const char *hdr, size_t hdr_len, uint64_t data_size, wmel_st_file *out,
                   char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    out->data_start = 8 + (uint64_t)hdr_len;
    cJSON *root = cJSON_ParseWithLength(hdr, hdr_len);
    if (!root) return fail(err, err_len, "the header is not valid JSON%s", NULL);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, err_len, "the header is not a JSON object%s", NULL);
    }
    size_t n = 0;
    for (const cJSON *e = root->child; e; e = e->next) n++;
    out->t = n ? calloc(n, sizeof *out->t) : NULL;
    wmel_st_tensor **order = n ? malloc(n * sizeof *order) : NULL;
    if (n && (!out->t || !order)) {
        free(order);
        cJSON_Delete(root);
        wmel__st_free(out);
        return WMEL_ERR_NO_MEMORY;
    }
    int rc = 0;
    for (const cJSON *e = root->child; e && !rc; e = e->next) {
        if (!e->string) {
            rc = fail(err, err_len, "the header has an entry without a name%s", NULL);
            break;
        }
        if (!strcmp(e->string, "__metadata__")) {
            if (!cJSON_IsObject(e)) rc = fail(err, err_len, "__metadata__ is not an object%s", NULL);
            continue;
        }
        wmel_st_tensor *t = &out->t[out->n];
        t->name = malloc(strlen(e->string) + 1);
        if (!t->name) {
            rc = WMEL_ERR_NO_MEMORY;
            break;
        }
        strcpy(t->name, e->string);
        out->n++;
        rc = parse_entry(e, data_size, t, err, err_len);
    }
    cJSON_Delete(root);
    /* Duplicates and overlaps by sorting, O(n log n): a header may hold millions of
     * (empty) tensors within the size cap, and a pairwise check spun for minutes.
     * qsort is not called on an empty array (NULL base: undefined behaviour). */
    if (!rc && out->n > 1) {
        for (size_t i = 0; i < out->n; i++) order[i] = &out->t[i];
        qsort(order, out->n, sizeof *order, cmp_name);
        for (size_t i = 1; i < out->n && !rc; i++)
            if (!strcmp(order[i - 1]->name, order[i]->name))
                rc = fail(err, err_len, "tensor '%s' appears twice", order[i]->name);
    }
    if (!rc && out->n > 1) {
        qsort(order, out->n, sizeof *order, cmp_begin);
        uint64_t end = 0; /* the furthest end of the non-empty tensors so far */
        for (size_t i = 0; i < out->n && !rc; i++) {
            /* empty tensors occupy no bytes and cannot overlap anything */
            if (order[i]->begin == order[i]->end) continue;
            if (order[i]->begin < end)
                rc = fail(err, err_len, "tensor '%s' overlaps another tensor's bytes", order[i]->name);
            if (order[i]->end > end) end = order[i]->end;
        }
    }
    free(order);
    if (rc) wmel__st_free(out);
    return rc;
}

#else

int wmel__st_parse(const char *hdr, size_t hdr_len, uint64_t data_size, wmel_st_file *out,
                   char *err, size_t err_len)
{
    (void)hdr;
    (void)hdr_len;
    (void)data_size;
    memset(out, 0, sizeof *out);
    if (err && err_len) snprintf(err, err_len, "wmel was built without cJSON: cannot read safetensors");
    return WMEL_ERR_NOT_BUILT;
}

#endif
