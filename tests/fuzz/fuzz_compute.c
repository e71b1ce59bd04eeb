/* fuzz_compute.c -- the compute API with fuzzer-chosen sizes, paddings and modes. The
 * first bytes pick n_mels, norm, smoothing, ISA level, worker threads, padding, batch
 * size, sample type, stream piece sizes; the rest are the samples (raw float32 bits,
 * NaN/Inf/huge included, or int16). The result must be one of the documented statuses,
 * and:
 *  - a ctx with 2-4 workers gives the same status and the same bits as a one-thread ctx;
 *  - a smoothing ctx gives the bits of wmel_smooth3x3() of the plain ctx's output;
 *  - WMEL_NORM_NONE output equals the stream API's frames fed in fuzzer-chosen pieces
 *    bit for bit, and the stream's max is the output's max;
 *  - a batch of clips cut from the samples equals the single calls (per clip, or raw),
 *    with the status the single calls give.
 * ctxs are created once per parameter set and kept (a ctx is read-only). */
#include "fuzz_util.h"
#include "wmel.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* [n_mels 2][norm 2][smooth 2][isa 3][threads 0 = 1, 1 = 2..4 workers] */
static wmel_ctx *ctxs[2][2][2][3][2];

static wmel_ctx *get_ctx(int mi, int norm, int smooth, int isa, int mt)
{
    wmel_ctx **slot = &ctxs[mi][norm][smooth][isa][mt];
    if (!*slot) {
        wmel_params p = wmel_default_params();
        p.backend = WMEL_BACKEND_CPU;
        p.n_mels = mi ? 128 : 80;
        p.norm = norm ? WMEL_NORM_NONE : WMEL_NORM_WHOLE;
        p.smooth = smooth ? WMEL_SMOOTH_3X3 : WMEL_SMOOTH_NONE;
        p.max_isa = isa == 0 ? WMEL_ISA_C : isa == 1 ? WMEL_ISA_AVX2 : WMEL_ISA_AUTO;
        p.n_threads = mt ? 4 : 1;
        int st;
        *slot = wmel_create(&p, &st);
        FZ_CHECK(*slot != NULL, "create: %s", wmel_strerror(st));
    }
    return *slot;
}

static int known_status(int rc)
{
    return rc == WMEL_OK || rc == WMEL_ERR_TOO_SHORT || rc == WMEL_ERR_NOT_FINITE ||
           rc == WMEL_ERR_SAMPLE_RANGE;
}

typedef struct {
    float *out; /* [n_mels][nf] */
    size_t nf, rows, seen;
    int order_ok;
} collect;

static int on_frames(void *user, const float *raw, size_t first, size_t n)
{
    collect *c = user;
    if (first != c->seen || first + n > c->nf) {
        c->order_ok = 0;
        return 1;
    }
    for (size_t m = 0; m < c->rows; m++) memcpy(c->out + m * c->nf + first, raw + m * n, n * sizeof(float));
    c->seen += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_bytes b = {data, size};
    const unsigned mode = fz_u8(&b), mode2 = fz_u8(&b);
    const int mi = mode & 1, norm = (mode >> 1) & 1, smooth = (mode >> 2) & 1;
    const int isa = (int)((mode >> 3) % 3), s16 = (mode >> 5) & 1, batch_norm = (mode >> 6) & 1;
    const size_t padding = fz_u16(&b) % 4000;
    const size_t batch = 1 + (mode2 & 3);
    const size_t piece = 1 + (size_t)fz_u16(&b) % 3000;
    const size_t rows = mi ? 128 : 80;

    /* the samples: int16 or raw float32 bits; float32 with mode2 bit 2 set are scaled
       into [-1, 1) from 16-bit values, so that most inputs compute */
    size_t n;
    float *x;
    int16_t *xi = NULL;
    if (s16) {
        n = b.n / 2;
        xi = malloc((n ? n : 1) * sizeof *xi);
        memcpy(xi, b.p, n * 2);
        x = malloc((n ? n : 1) * sizeof *x);
        for (size_t i = 0; i < n; i++) x[i] = (float)xi[i] / 32768.0f;
    } else if (mode2 & 4) {
        n = b.n / 2;
        x = malloc((n ? n : 1) * sizeof *x);
        for (size_t i = 0; i < n; i++) x[i] = (float)(int16_t)(b.p[2 * i] | b.p[2 * i + 1] << 8) / 32768.0f;
    } else {
        n = b.n / 4;
        x = malloc((n ? n : 1) * sizeof *x);
        memcpy(x, b.p, n * 4);
    }
    const size_t nf = wmel_n_frames(n, padding), per = rows * nf;
    float *o1 = malloc((per ? per : 1) * sizeof(float)), *o2 = malloc((per ? per : 1) * sizeof(float));

    /* one thread against several workers, same params */
    wmel_ctx *c1 = get_ctx(mi, norm, smooth, isa, 0), *c4 = get_ctx(mi, norm, smooth, isa, 1);
    int r1 = s16 ? wmel_log_mel_s16(c1, xi, n, padding, o1, per) : wmel_log_mel(c1, x, n, padding, o1, per);
    int r4 = s16 ? wmel_log_mel_s16(c4, xi, n, padding, o2, per) : wmel_log_mel(c4, x, n, padding, o2, per);
    FZ_CHECK(known_status(r1), "status %d (%s)", r1, wmel_strerror(r1));
    FZ_CHECK(r1 == r4, "1 thread: %d, 4 workers: %d", r1, r4);
    if (r1 == WMEL_OK) FZ_CHECK(!memcmp(o1, o2, per * sizeof(float)), "4 workers differ from 1 thread");
    FZ_CHECK(n + padding > 200 || r1 == WMEL_ERR_TOO_SHORT, "%zu + %zu samples: %d", n, padding, r1);
    if (s16) FZ_CHECK(r1 == WMEL_OK || r1 == WMEL_ERR_TOO_SHORT, "int16 input: %d", r1);

    /* smoothing == wmel_smooth3x3 of the plain output */
    if (r1 == WMEL_OK && smooth) {
        wmel_ctx *plain = get_ctx(mi, norm, 0, isa, (int)(mode2 >> 7));
        int rp = s16 ? wmel_log_mel_s16(plain, xi, n, padding, o2, per) : wmel_log_mel(plain, x, n, padding, o2, per);
        FZ_CHECK(rp == WMEL_OK, "plain: %d", rp);
        FZ_CHECK(wmel_smooth3x3(o2, rows, nf, o2, per) == WMEL_OK, "smooth3x3");
        FZ_CHECK(!memcmp(o1, o2, per * sizeof(float)), "fused smoothing differs from wmel_smooth3x3");
    }

    /* stream (raw frames) == NORM_NONE whole, bit for bit */
    if (!s16 && (mode2 & 8)) {
        wmel_ctx *raw = get_ctx(mi, 1, 0, isa, (int)((mode2 >> 4) & 1));
        int rw = wmel_log_mel(raw, x, n, padding, o1, per);
        collect c = {o2, nf, rows, 0, 1};
        int st;
        wmel_stream *s = wmel_stream_create(raw, padding, on_frames, &c, &st);
        FZ_CHECK(s != NULL, "stream_create: %d", st);
        int rs = WMEL_OK;
        for (size_t i = 0; i < n && rs == WMEL_OK; i += piece)
            rs = wmel_stream_push(s, x + i, n - i < piece ? n - i : piece);
        if (rs == WMEL_OK) rs = wmel_stream_finish(s);
        FZ_CHECK(c.order_ok, "stream frames out of order");
        /* the stream sees the samples in order: a too-large sample before the first NaN
           stops it with SAMPLE_RANGE where the whole call finds the NaN (wmel.h) */
        FZ_CHECK(rs == rw || (rw == WMEL_ERR_NOT_FINITE && rs == WMEL_ERR_SAMPLE_RANGE),
                 "stream %d, whole %d", rs, rw);
        if (rw == WMEL_OK) {
            FZ_CHECK(c.seen == nf, "stream gave %zu of %zu frames", c.seen, nf);
            FZ_CHECK(!memcmp(o1, o2, per * sizeof(float)), "stream frames differ from the whole");
            float mx = -1e30f;
            for (size_t i = 0; i < per; i++) mx = o1[i] > mx ? o1[i] : mx;
            FZ_CHECK(wmel_stream_max(s) == mx, "stream max %g, output max %g", wmel_stream_max(s), mx);
        }
        wmel_stream_destroy(s);
    }

    /* batch: clips of n / batch samples at that stride */
    if (!s16 && batch > 1 && n / batch > 0) {
        const size_t cn = n / batch, cnf = wmel_n_frames(cn, padding), cper = rows * cnf;
        wmel_ctx *c = get_ctx(mi, norm, smooth, isa, (int)((mode2 >> 5) & 1));
        float *bo = malloc(batch * cper * sizeof(float)), *so = malloc(cper * sizeof(float));
        int bn = batch_norm ? WMEL_BATCH_GLOBAL : WMEL_BATCH_PER_CLIP;
        int rb = wmel_log_mel_batch(c, x, batch, cn, cn, padding, bn, bo, batch * cper);
        FZ_CHECK(known_status(rb), "batch status %d", rb);
        int worst = WMEL_OK;
        for (size_t k = 0; k < batch; k++) {
            int rk = wmel_log_mel(c, x + k * cn, cn, padding, so, cper);
            if (rk == WMEL_ERR_NOT_FINITE || worst == WMEL_OK) worst = rk == WMEL_OK ? worst : rk;
            if (rb == WMEL_OK && (bn == WMEL_BATCH_PER_CLIP || norm))
                FZ_CHECK(!memcmp(bo + k * cper, so, cper * sizeof(float)), "batch clip %zu differs from the single call", k);
        }
        FZ_CHECK(rb == worst, "batch %d, single calls %d", rb, worst);
        free(bo);
        free(so);
    }
    free(o1);
    free(o2);
    free(x);
    free(xi);
    return 0;
}
