/* joint.c -- one plan fitted on several clips at once (wmel_dg_run_joint, diagnose.h): the
 * search of diagnose.c runs on the clips the answer so far does not reproduce, each of its
 * candidates is held against every clip, and the answer is the plan that reproduces them all.
 * Clips of several lengths and edges (the probes of probes.c) leave no room for a count or an
 * offset fitted to one clip: only a rule reproduces them all. */
#include "diagnose.h"
#include "diagnose_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the dtype the port's values of a clip hold (wmel__dg_port_dtype) */
static int clip_dtype(const wmel_dg_clip *c)
{
    int cst = 1, seen = 0;
    float v0 = 0;
    for (size_t i = 0; i < c->n_feat && cst; i++) {
        if (!isfinite(c->feat[i])) continue;
        if (!seen) v0 = c->feat[i], seen = 1;
        else if (c->feat[i] != v0) cst = 0;
    }
    return wmel__dg_port_dtype(c->feat, c->n_feat, cst);
}

/* plan held against every clip: the count reproduced, ck[] filled, *first the first clip not
   reproduced (-1 none); -1 on an error (err set) */
static int check_all(const wmel_frontend_plan *plan, const wmel_dg_clip *clips, int n_clips, const int *dtype,
                     const unsigned char *own, wmel_dg_check_result *ck, int *first, char *err, size_t err_len)
{
    int ok = 0;
    *first = -1;
    for (int k = 0; k < n_clips; k++) {
        const wmel_dg_clip *c = &clips[k];
        if (own && own[k]) { /* matched on its own (a match no plan writes): kept */
            ok++;
            continue;
        }
        if (wmel_dg_check(plan, c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, dtype[k], &ck[k], err,
                          err_len)) {
            /* a plan that cannot compute the clip: not reproduced */
            memset(&ck[k], 0, sizeof ck[k]);
            ck[k].max = ck[k].excess = NAN;
            snprintf(ck[k].why, sizeof ck[k].why, "%.190s", err);
        }
        if (ck[k].ok) ok++;
        else if (*first < 0) *first = k;
    }
    return ok;
}

/* r's differences merged into m (the claimed plan's values kept as "preset"): a field found
   again takes the new value, one back at the claimed value is dropped */
static void merge_diffs(wmel_dg_result *m, const wmel_dg_result *r)
{
    for (int i = 0; i < r->n_diff; i++) {
        const wmel_dg_diff *d = &r->diff[i];
        int at = -1;
        for (int j = 0; j < m->n_diff; j++)
            if (!strcmp(m->diff[j].field, d->field)) at = j;
        if (at < 0) {
            if (m->n_diff < WMEL_DG_MAX_DIFF) m->diff[m->n_diff++] = *d;
            continue;
        }
        wmel_dg_diff *t = &m->diff[at];
        memcpy(t->found, d->found, sizeof t->found);
        t->without = d->without;
        if (!strcmp(t->found, t->preset)) {
            memmove(t, t + 1, (size_t)(m->n_diff - at - 1) * sizeof *t);
            m->n_diff--;
        }
    }
}

/* the plan a result answers with: the claimed one on a match, the plan found where it
   reproduces the clip, NULL otherwise */
static const wmel_frontend_plan *answer_of(const wmel_dg_result *r, const wmel_frontend_plan *claimed)
{
    if (r->matches) return r->has_plan ? &r->plan : claimed;
    return r->explained && r->has_plan && r->reproduces ? &r->plan : NULL;
}

/* A port of Whisper's finish (max - R, then (x + 4) / 4, of log10 values) in another log's
   units, u (4 plan - 4): the log10 values themselves (u 1: the affine left out), ln (ln 10),
   dB (10 or 20 log10: max - 8 is 10 log10's top_db 80). Read from the port's values alone,
   on a clip where they hold a floor (at least a tenth of the cells at their least value, as
   the probes' digital silence gives): where that floor is max - R (not the guard's), the
   finish spans exactly R / 4, so the port's span is 4 u times that, whatever its bank. The
   clips whose span is such a multiple must agree (a span that is none: the guard's floor, not
   read). 1 with 4 u in *a. */
static int named_finish(const wmel_frontend_plan *p, const wmel_dg_clip *clips, int n_clips, double *a)
{
    static const double U[] = {1, 2.302585092994046, 10, 20};
    if (p->norm != WMEL_NORM_WHOLE || p->affine || p->log != WMEL_LOG10_CLAMP || p->norm_flags) return 0;
    const double span = (p->norm_range > 0 ? p->norm_range : 8.0) / 4;
    double got = 0;
    for (int k = 0; k < n_clips; k++) {
        const wmel_dg_clip *c = &clips[k];
        float lo = INFINITY, hi = -INFINITY;
        size_t fin = 0, at = 0;
        for (size_t i = 0; i < c->n_feat; i++)
            if (isfinite(c->feat[i])) {
                fin++;
                if (c->feat[i] < lo) lo = c->feat[i], at = 0;
                if (c->feat[i] == lo) at++;
                if (c->feat[i] > hi) hi = c->feat[i];
            }
        if (at < 8 || at * 10 < fin) continue; /* no floor held */
        const double r = ((double)hi - lo) / span;
        int hit = -1;
        for (int i = 0; i < (int)(sizeof U / sizeof U[0]); i++)
            if (fabs(r / (4 * U[i]) - 1) < 1e-4) hit = i;
        if (hit < 0) continue;
        if (got > 0 && got != 4 * U[hit]) return 0; /* the clips disagree: no named finish */
        got = 4 * U[hit];
    }
    *a = got;
    return got > 0;
}

typedef struct joint_state {
    const wmel_frontend_plan *claimed;
    const wmel_dg_clip *clips;
    int n_clips;
    const int *dtype;
    wmel_dg_opts opts;
    wmel_dg_cancel_fn cancel;
    void *cancel_arg;
    wmel_dg_result *best;    /* the answer so far (differences merged from the claimed plan) */
    wmel_dg_result *r;       /* scratch: one search's result */
    wmel_dg_check_result *ck, *ck2, *ck3;
    wmel_frontend_plan plan; /* the answer so far */
    int have, n_ok;
    size_t evals;
    wmel_dg_joint *jt;
    int end_tried;      /* 1: the searches from end_zeros' plans ran */
    unsigned char *own; /* 1: the clip matches the claimed plan on its own, a match no plan writes
                           (Whisper's clip padded to 30 s before its reflect padding) */
    const wmel_dg_opts *opts0; /* the caller's bounds (no units named from the claimed plan) */
    int alts_tried;            /* 1: try_whisper_alternatives ran */
    /* per clip, the last search from the claimed plan and from the answer so far (from_ans its
       start): a search is deterministic, so the same start on the same clip is not run again */
    wmel_dg_result **claim_r, **ans_r;
    wmel_frontend_plan *from_ans;
} joint_state;

static int shape_fits(wmel_frontend_plan *p, const wmel_dg_clip *c);

static const char *const VALID_NAMES[] = {"all", "hop", "trim", "end", "ceil", "but_last"};
/* the plan's log, WMEL_LOG_* order */
static const char *const LOGS[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"};

/* scipy.signal.stft's boundary='zeros', padded=True for q with torch's zero centring: the
   window's sample frame_length / 2 at each hop (torch's centring in n_fft puts an odd-length
   window's one sample earlier), zeros after the clip until the last frame that holds a sample
   of it, every frame kept; the window q's (k 0) or the claimed one's (k 1). 1: p is that plan. */
static int scipy_framing(const wmel_frontend_plan *q, const wmel_frontend_plan *claimed, int k, wmel_frontend_plan *p)
{
    const int fl = k ? claimed->frame_length : q->frame_length;
    if (q->framing != WMEL_FRAMES_CENTER_ZERO || q->pad_left || q->pad_right || q->n_samples ||
        (k && fl == q->frame_length) || fl >= q->n_fft || (q->n_fft - fl) % 2 == 0)
        return 0;
    *p = *q;
    if (p->n_frames) p->n_frames = 0, p->pad_value = claimed->pad_value;
    p->frame_length = fl;
    p->framing = WMEL_FRAMES_SNIP;
    p->pad_mode = WMEL_PAD_ZERO;
    p->pad_left = fl / 2;
    p->pad_right = fl / 2 + q->hop - 1;
    p->pad_multiple = 0;
    p->valid = WMEL_VALID_ALL;
    return !wmel_plan_check(p, NULL, 0);
}

/* zeros after the clip for q with a centred framing: frames from the clip's first sample (snip),
   k 0: frame_length - 1 zeros after it (tf.signal.stft's pad_end=True: ceil(n / hop) frames),
   k 1: hop - 1 (numpy's framing: every frame that starts in the clip); every frame kept. 1: p
   is that plan. */
static int end_zeros(const wmel_frontend_plan *q, const wmel_frontend_plan *claimed, int k, wmel_frontend_plan *p)
{
    if ((q->framing != WMEL_FRAMES_CENTER_REFLECT && q->framing != WMEL_FRAMES_CENTER_ZERO) || q->pad_left ||
        q->pad_right || q->n_samples || q->pad_multiple)
        return 0;
    *p = *q;
    if (p->n_frames) p->n_frames = 0, p->pad_value = claimed->pad_value;
    p->framing = WMEL_FRAMES_SNIP;
    p->pad_mode = WMEL_PAD_ZERO;
    p->pad_left = 0;
    p->pad_right = k ? q->hop - 1 : q->frame_length - 1;
    p->window_offset = 0;
    p->frame_span = 0;
    p->valid = WMEL_VALID_ALL;
    return p->pad_right > 0 && !wmel_plan_check(p, NULL, 0);
}

/* q's frame count as a rule: each valid mode's count, no count fixed (n_frames) and no zeros
   up to one clip's length (pad_multiple); the count of them in v (cap 24: and scipy's zero padding, of the window found or
   claimed, the zeros after the clip of a centred framing's port that frames from the first sample, end_zeros, and
   a stacked plan's other rules for its last row, stack_tail) */
static int rule_variants(const wmel_frontend_plan *q, const wmel_frontend_plan *claimed, wmel_frontend_plan *v)
{
    int n = 0;
    for (int clear = 0; clear < 2; clear++) {
        if (clear && !q->pad_multiple) break;
        for (int m = 0; m < 6; m++) {
            wmel_frontend_plan p = *q;
            if (p.n_frames) p.n_frames = 0, p.pad_value = claimed->pad_value;
            p.valid = m;
            if (clear) p.pad_multiple = 0;
            if ((p.n_frames == q->n_frames && p.valid == q->valid && p.pad_multiple == q->pad_multiple) ||
                wmel_plan_check(&p, NULL, 0))
                continue;
            v[n++] = p;
        }
    }
    /* scipy.signal.stft's boundary='zeros', padded=True: the window's sample frame_length / 2 at
       each hop (torch's centring in n_fft puts an odd-length window's one sample earlier), zeros
       after the clip until the last frame that holds a sample of it: every frame kept */
    for (int k = 0; k < 2; k++)
        if (scipy_framing(q, claimed, k, &v[n])) n++;
    for (int k = 0; k < 2; k++)
        if (end_zeros(q, claimed, k, &v[n])) n++;
    /* stacked rows: the last row's rule (zeros, dropped, trimmed frames, the last frame again) */
    for (int t = 0; t < 4 && q->stack > 1; t++) {
        if (t == q->stack_tail) continue;
        v[n] = *q;
        if (v[n].n_frames) v[n].n_frames = 0, v[n].pad_value = claimed->pad_value;
        v[n].stack_tail = t;
        if (!wmel_plan_check(&v[n], NULL, 0)) n++;
    }
    return n;
}

/* The frame rules of explicit zero padding, where no plan so far gives the port's count on
   every clip: frames every hop from a first at -L (L zeros before the clip: q's own lead, 0,
   the window's centre frame_length / 2 as a centred framing's, or the first frame centred on
   a multiple of hop whose window weighs a sample of the clip, as scipy's ShortTimeFFT slices
   from p_min), R zeros after it (0, hop - 1, frame_length / 2, frame_length - 1: every frame
   that starts in the clip, or less the window's zero first sample: every frame whose window
   weighs a sample of it, as ShortTimeFFT's to p_max; frame_length - frame_length / 2 - 1: with
   the centre's lead, ceil(n / hop) frames; frame_length / 2 + hop - 1 with it, 1 + ceil(n / hop):
   scipy.signal.stft's padded=True of an even window; or those that give round(n / hop) frames),
   and the last frame of that count dropped or not (frame_span
   frame_length + hop: torch.stft(center=False)[..., :-1]'s (n - frame_length) // hop frames).
   Only the rules whose count is the port's on every clip are kept (the frame count alone,
   computed without a transform; every frame kept, no count fixed), simplest first, at most
   cap, in v; their count. */
static int frame_rules(const wmel_frontend_plan *q, const wmel_frontend_plan *claimed, const wmel_dg_clip *clips,
                       int n_clips, wmel_frontend_plan *v, int cap)
{
    const int fl = q->frame_length, hop = q->hop, snip = q->framing == WMEL_FRAMES_SNIP;
    if (cap <= 0 || hop <= 0 || fl <= 1 || q->stack > 1 || q->n_samples || q->pad_multiple || q->pad_to > 1 ||
        q->window_offset || (snip ? q->frame_span != 0 && q->frame_span != fl
                                  : q->framing == WMEL_FRAMES_KALDI_CENTER || (q->n_fft - fl) % 2))
        return 0;
    /* (the window's first and last sample: exact zeros of a Hann, Povey or Bartlett window,
       which weigh no sample of the clip) */
    const int w = q->window, lz = w == WMEL_WINDOW_HANN_PERIODIC || w == WMEL_WINDOW_HANN || w == WMEL_WINDOW_POVEY ||
                                  w == WMEL_WINDOW_BARTLETT || w == WMEL_WINDOW_BARTLETT_PERIODIC;
    const int tz = w == WMEL_WINDOW_HANN || w == WMEL_WINDOW_POVEY || w == WMEL_WINDOW_BARTLETT;
    const int c = fl / 2;
    const int touch = c - hop * ((int)floor((double)(c - fl + tz) / hop) + 1); /* (c - hop p_min) */
    const int leads[] = {snip ? q->pad_left : c, 0, c, touch};
    const int rights[] = {0, hop - 1, c, fl - 1, fl - 1 - lz, fl - c - 1, c + hop - 1};
    /* (keep 1: q's own padding, reflected where q's centring reflects, and its valid frames,
       those past them 0: lhotse's Whisper fbank, centred frames with round(n / hop) of them,
       the last zeros when n % hop >= hop / 2) */
    const int reflect = q->framing == WMEL_FRAMES_CENTER_REFLECT || (snip && q->pad_mode == WMEL_PAD_REFLECT);
    int n = 0;
    for (int keep = 0; keep < 1 + (reflect || q->valid != WMEL_VALID_ALL); keep++)
        for (int m = 0; m < 2; m++)
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 8 && n < cap; k++) {
                    int dup = 0;
                    const int right = k < 7 ? rights[k] : fl - leads[i] - hop / 2; /* (round(n / hop) frames) */
                    for (int i2 = 0; i2 < i; i2++) dup |= leads[i2] == leads[i];
                    for (int k2 = 0; k2 < k && k2 < 7; k2++) dup |= rights[k2] == right;
                    if (dup || right < 0) continue;
                    wmel_frontend_plan p = *q;
                    if (p.n_frames) p.n_frames = 0, p.pad_value = claimed->pad_value;
                    p.framing = WMEL_FRAMES_SNIP;
                    p.pad_mode = keep && reflect ? WMEL_PAD_REFLECT : WMEL_PAD_ZERO;
                    p.pad_left = leads[i];
                    p.pad_right = right;
                    p.frame_span = m ? fl + m * hop : 0;
                    p.valid = !keep ? WMEL_VALID_ALL : q->valid == WMEL_VALID_TRIM ? WMEL_VALID_HOP : q->valid;
                    if (!memcmp(&p, q, sizeof p) || wmel_plan_check(&p, NULL, 0)) continue;
                    int fits = 1;
                    for (int j = 0; j < n_clips && fits; j++) {
                        wmel_frontend_plan t = p;
                        fits = shape_fits(&t, &clips[j]) && t.layout == p.layout;
                    }
                    if (fits) v[n++] = p;
                }
    return n;
}

/* a difference named in m: field, the claimed plan's value and the one found (replaced if listed) */
static void set_diff(wmel_dg_result *m, const char *field, const char *preset, const char *found)
{
    wmel_dg_diff *d = NULL;
    for (int j = 0; j < m->n_diff && !d; j++)
        if (!strcmp(m->diff[j].field, field)) d = &m->diff[j];
    if (!d && m->n_diff < WMEL_DG_MAX_DIFF) d = &m->diff[m->n_diff++], memset(d, 0, sizeof *d), d->without = -1;
    if (!d) return;
    snprintf(d->field, sizeof d->field, "%s", field);
    snprintf(d->preset, sizeof d->preset, "%s", preset);
    snprintf(d->found, sizeof d->found, "%s", found);
}

/* field's difference taken out of m (where named) */
static void drop_diff(wmel_dg_result *m, const char *field)
{
    for (int j = m->n_diff - 1; j >= 0; j--)
        if (!strcmp(m->diff[j].field, field)) {
            memmove(&m->diff[j], &m->diff[j + 1], (size_t)(m->n_diff - j - 1) * sizeof m->diff[0]);
            m->n_diff--;
        }
}

/* a numeric difference named in m (set_diff), marked numeric */
static void set_num_diff(wmel_dg_result *m, const char *field, const char *preset, const char *found)
{
    set_diff(m, field, preset, found);
    for (int j = 0; j < m->n_diff; j++)
        if (!strcmp(m->diff[j].field, field)) m->diff[j].numeric = 1;
}
/* field f of plan q named in m where it differs from the claimed plan c's, its values in fmt */
#define NUM_DIFF(m, q, c, f, fmt)                                                                                    \
    do {                                                                                                             \
        if ((q)->f != (c)->f) {                                                                                      \
            char pa_[48], fo_[48];                                                                                   \
            snprintf(pa_, sizeof pa_, fmt, (c)->f), snprintf(fo_, sizeof fo_, fmt, (q)->f);                          \
            set_num_diff(m, #f, pa_, fo_);                                                                           \
        }                                                                                                            \
    } while (0)

/* m's notes ("; "-separated) holding what dropped */
static void drop_notes(wmel_dg_result *m, const char *what)
{
    char kept[sizeof m->notes] = "";
    for (const char *seg = m->notes; *seg;) {
        const char *e = strstr(seg, "; ");
        const size_t len = e ? (size_t)(e - seg) : strlen(seg);
        char one[sizeof m->notes];
        snprintf(one, sizeof one, "%.*s", (int)len, seg);
        seg += len + (e ? 2 : 0);
        if (strstr(one, what)) continue;
        size_t kl = strlen(kept);
        if (kl + len + 3 < sizeof kept) snprintf(kept + kl, sizeof kept - kl, "%s%.500s", kl ? "; " : "", one);
    }
    memcpy(m->notes, kept, sizeof kept);
}

/* the fields of a frame rule taken (frame_rules) named against the claimed plan: framing,
   pad_mode, pad_left, pad_right, frame_span, and a note of the rule */
static void frame_rule_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *claimed)
{
    static const char *const FRAMINGS[] = {"snip", "center_reflect", "center_zero", "kaldi_center"};
    static const char *const FIELDS[] = {"framing", "pad_mode", "pad_left", "pad_right", "frame_span"};
    for (int f = 0; f < 5; f++) drop_diff(m, FIELDS[f]);
    if (q->framing != claimed->framing && (unsigned)q->framing < 4 && (unsigned)claimed->framing < 4)
        set_diff(m, "framing", FRAMINGS[claimed->framing], FRAMINGS[q->framing]);
    if (q->pad_mode != claimed->pad_mode && (q->pad_left || q->pad_right))
        set_diff(m, "pad_mode", claimed->pad_mode == WMEL_PAD_ZERO ? "zero" : "reflect",
                 q->pad_mode == WMEL_PAD_ZERO ? "zero" : "reflect");
    NUM_DIFF(m, q, claimed, pad_left, "%d");
    NUM_DIFF(m, q, claimed, pad_right, "%d");
    NUM_DIFF(m, q, claimed, frame_span, "%d");
    m->not_expressible[0] = '\0';
    drop_notes(m, "samples late");
    drop_notes(m, "zeros after");
    drop_notes(m, "zeros around");
    char t[320];
    const int fl = q->frame_length, span = q->frame_span ? q->frame_span : fl;
    snprintf(t, sizeof t, "frames of %d every %d from sample -%d (%d %s before the clip, %d after), every frame "
             "whose %d samples lie in the padded clip: 1 + (n + %d - %d) // %d frames%s", fl, q->hop, q->pad_left,
             q->pad_left, q->pad_mode == WMEL_PAD_REFLECT ? "samples reflected" : "zeros", q->pad_right, span,
             q->pad_left + q->pad_right, span, q->hop,
             span > fl ? " (the last frame of frame_length's count dropped: frame_span)" : "");
    size_t nl = strlen(m->notes);
    snprintf(m->notes + nl, sizeof m->notes - nl, "%s%s", nl ? "; " : "", t);
}

/* the explicit padding of a rule taken (rule_variants' scipy framing) named: framing, pad_left, pad_right */
static void padding_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *claimed)
{
    static const char *const FRAMINGS[] = {"snip", "center_reflect", "center_zero", "kaldi_center"};
    char a[32], b[32];
    if (q->framing != claimed->framing && q->framing >= 0 && q->framing < 4 && claimed->framing >= 0 &&
        claimed->framing < 4)
        set_diff(m, "framing", FRAMINGS[claimed->framing], FRAMINGS[q->framing]);
    snprintf(a, sizeof a, "%d", claimed->pad_left), snprintf(b, sizeof b, "%d", q->pad_left);
    if (q->pad_left != claimed->pad_left) set_diff(m, "pad_left", a, b);
    snprintf(a, sizeof a, "%d", claimed->pad_right), snprintf(b, sizeof b, "%d", q->pad_right);
    if (q->pad_right != claimed->pad_right) set_diff(m, "pad_right", a, b);
    const char *how = "zeros around the clip as scipy.signal.stft's boundary='zeros', padded=True: frame_length / 2 "
                      "before (the window's middle sample at each hop), frame_length / 2 + hop - 1 after, every frame kept";
    if (!q->pad_left && q->pad_right == q->frame_length - 1)
        how = "frames from the clip's first sample, frame_length - 1 zeros after it (tf.signal.stft's pad_end=True: "
              "ceil(n / hop) frames), every frame kept";
    else if (!q->pad_left && q->pad_right == q->hop - 1)
        how = "frames from the clip's first sample, hop - 1 zeros after it (numpy's framing: every frame that starts "
              "in the clip), every frame kept";
    m->not_expressible[0] = '\0'; /* (an offset the search could not express: this padding's) */
    drop_notes(m, "samples late");
    size_t nl = strlen(m->notes);
    snprintf(m->notes + nl, sizeof m->notes - nl, "%s%s", nl ? "; " : "", how);
}

/* the differences of a rule taken (rule_variants) from the claimed plan: valid's, no fixed count */
static void rule_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *claimed)
{
    for (int j = m->n_diff - 1; j >= 0; j--)
        if (!strcmp(m->diff[j].field, "n_frames") || !strcmp(m->diff[j].field, "valid") ||
            (!q->pad_multiple && !strcmp(m->diff[j].field, "pad_multiple"))) {
            memmove(&m->diff[j], &m->diff[j + 1], (size_t)(m->n_diff - j - 1) * sizeof m->diff[0]);
            m->n_diff--;
        }
    if (q->valid != claimed->valid && q->valid >= 0 && q->valid < 6 && claimed->valid >= 0 && claimed->valid < 6 &&
        m->n_diff < WMEL_DG_MAX_DIFF) {
        wmel_dg_diff *d = &m->diff[m->n_diff++];
        memset(d, 0, sizeof *d);
        snprintf(d->field, sizeof d->field, "valid");
        snprintf(d->preset, sizeof d->preset, "%s", VALID_NAMES[claimed->valid]);
        snprintf(d->found, sizeof d->found, "%s", VALID_NAMES[q->valid]);
        d->without = -1;
    }
    static const char *const TAIL[] = {"zero", "drop", "trim", "last"};
    if (q->stack_tail != claimed->stack_tail && (unsigned)q->stack_tail < 4 && (unsigned)claimed->stack_tail < 4)
        set_diff(m, "stack_tail", TAIL[claimed->stack_tail], TAIL[q->stack_tail]);
    /* the search's notes on its own count dropped */
    drop_notes(m, "extra frame");
    drop_notes(m, "fewer frame");
    drop_notes(m, "padded to");
    drop_notes(m, "on its own");
    size_t nl = strlen(m->notes);
    snprintf(m->notes + nl, sizeof m->notes - nl, "%sthe frame count as the rule valid %s, which holds on every clip "
             "(no count of one clip's)", nl ? "; " : "", q->valid >= 0 && q->valid < 6 ? VALID_NAMES[q->valid] : "?");
}

/* 1: a search's result names frames later than the claimed centred framing's (its pad_left
   below the claimed one's: the port frames from an earlier sample of the padded clip, or from
   the clip's first) */
static int frames_later(const wmel_dg_result *r)
{
    for (int i = 0; i < r->n_diff; i++)
        if (!strcmp(r->diff[i].field, "pad_left")) return atof(r->diff[i].found) < atof(r->diff[i].preset);
    return 0;
}

/* a candidate held against every clip: taken into (*take, *best_ok, ck3) when it reproduces
   more clips than *best_ok */
static int consider(joint_state *s, const wmel_frontend_plan *c, wmel_frontend_plan *take, int *best_ok)
{
    int first;
    char e2[256];
    const int claimed = !memcmp(c, s->claimed, sizeof *c);
    memcpy(s->ck2, s->ck, (size_t)s->n_clips * sizeof *s->ck2); /* (the own matches' lines kept) */
    const int ok = check_all(c, s->clips, s->n_clips, s->dtype, claimed ? s->own : NULL, s->ck2, &first, e2, sizeof e2);
    if (ok <= *best_ok) return 0;
    *best_ok = ok;
    *take = *c;
    memcpy(s->ck3, s->ck2, (size_t)s->n_clips * sizeof *s->ck3);
    return 1;
}

/* the answer's report after a search (s->r) from the answer so far (from_answer) or the claimed plan */
static void take_report(joint_state *s, int from_answer)
{
    if (from_answer && s->have) {
        merge_diffs(s->best, s->r);
        const int nd = s->best->n_diff;
        wmel_dg_diff d[WMEL_DG_MAX_DIFF];
        memcpy(d, s->best->diff, sizeof d);
        char notes[sizeof s->best->notes];
        memcpy(notes, s->best->notes, sizeof notes);
        const double before = s->best->residual_before;
        *s->best = *s->r;
        memcpy(s->best->diff, d, sizeof d);
        s->best->n_diff = nd;
        s->best->residual_before = before;
        memcpy(s->best->notes, notes, sizeof notes);
    } else {
        *s->best = *s->r;
    }
}

/* base's frame count as a rule (rule_variants), or where none gives every clip's count the
   frame rules of explicit padding (frame_rules, *framed set), each held against every clip
   (consider, v their room: 32 plans); 1 where one reproduces more clips than *best_ok */
static int try_rules(joint_state *s, const wmel_frontend_plan *base, wmel_frontend_plan *v, wmel_frontend_plan *take,
                     int *best_ok, int *framed)
{
    int got = 0;
    const int nv = rule_variants(base, s->claimed, v);
    for (int i = 0; i < nv; i++)
        if (consider(s, &v[i], take, best_ok)) got = 1;
    const int nf = *best_ok < s->n_clips ? frame_rules(base, s->claimed, s->clips, s->n_clips, v + nv, 8) : 0;
    for (int i = 0; i < nf; i++)
        if (consider(s, &v[nv + i], take, best_ok)) got = *framed = 1;
    return got;
}

/* a search on clip k from start (the answer so far when from_answer); its answer, or the
   answer's frame count as a rule (try_rules), taken when it reproduces more clips than
   the answer so far. 0, or a wmel_dg_run status. */
static int try_fit(joint_state *s, int k, int from_answer, char *err, size_t err_len)
{
    const wmel_dg_clip *c = &s->clips[k];
    const wmel_frontend_plan *start = from_answer ? &s->plan : s->claimed;
    wmel_dg_result **memo = from_answer ? &s->ans_r[k] : &s->claim_r[k];
    int rc = 0;
    if (*memo && (!from_answer || !memcmp(&s->from_ans[k], &s->plan, sizeof s->plan))) {
        *s->r = **memo; /* (its candidates counted once) */
        s->r->evals = 0;
    } else {
        rc = wmel_dg_run_opts(start, c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, &s->opts, s->cancel,
                              s->cancel_arg, s->r, err, err_len);
        if (!*memo) *memo = malloc(sizeof **memo);
        if (*memo && rc) free(*memo), *memo = NULL;
        if (*memo) **memo = *s->r;
        if (*memo && from_answer) s->from_ans[k] = s->plan;
    }
    if (s->jt->n_fits < WMEL_DG_JOINT_MAX_FITS) s->jt->fitted[s->jt->n_fits] = k;
    s->jt->n_fits++;
    if (rc == WMEL_DG_CANCELLED) return rc;
    if (rc) return 0; /* a clip the search refuses from this start: no candidate */
    s->evals += s->r->evals;
    if (s->r->matches && !s->r->has_plan && s->r->n_diff == 0 && !memcmp(start, s->claimed, sizeof *start)) {
        /* a match no plan writes: this clip matches on its own, no search counted */
        s->own[k] = 1;
        s->jt->n_fits--;
        memset(&s->ck[k], 0, sizeof s->ck[k]);
        s->ck[k].ok = 1;
        s->ck[k].max = s->r->residual_after;
        if (!s->have) *s->best = *s->r, s->have = 1, s->n_ok = 0;
        s->n_ok++;
        return 0;
    }
    const wmel_frontend_plan *a = answer_of(s->r, start);
    const wmel_frontend_plan *base = a ? a : s->r->has_plan ? &s->r->plan : NULL;
    wmel_frontend_plan take, v[16 + 4 + 4 + 8];
    int best_ok = s->have ? s->n_ok : -1, got = 0, rule = 0, framed = 0;
    const int base_framing = base ? base->framing : start->framing; /* (base may point into s->r, which a search reuses) */
    if (a) got = consider(s, a, &take, &best_ok);
    if (base && best_ok < s->n_clips && try_rules(s, base, v, &take, &best_ok, &framed)) got = rule = 1;
    if (!got && best_ok < s->n_clips) {
        /* scipy's zero padding of an odd window, or the zeros after the clip of a port whose
           frames start later than the centred framing's (end_zeros, once a fit): a search from
           it (the gain fitted there) */
        wmel_frontend_plan sv, near = base ? *base : *start;
        const int late = !s->end_tried && frames_later(s->r);
        for (int w = 0; w < 4 && !got; w++) {
            if (w < 2 ? !scipy_framing(&near, s->claimed, w, &sv) : !late || !end_zeros(&near, s->claimed, w - 2, &sv))
                continue;
            if (w >= 2) {
                s->end_tried = 1;
                if (consider(s, &sv, &take, &best_ok)) { /* the padding alone */
                    got = rule = 1;
                    break;
                }
            }
            /* the gain as claimed: the search fits it again from there */
            sv.scale = s->claimed->scale, sv.log_guard = s->claimed->log_guard, sv.affine = s->claimed->affine;
            sv.post_scale = s->claimed->post_scale, sv.post_shift = s->claimed->post_shift;
            rc = wmel_dg_run_opts(&sv, c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, &s->opts, s->cancel,
                                  s->cancel_arg, s->r, err, err_len);
            if (rc == WMEL_DG_CANCELLED) return rc;
            if (rc) continue;
            s->evals += s->r->evals;
            const wmel_frontend_plan *a2 = answer_of(s->r, &sv);
            if (a2 && consider(s, a2, &take, &best_ok)) got = rule = 1;
        }
    }
    if (!got) return 0;
    take_report(s, from_answer);
    if (rule) {
        rule_diffs(s->best, &take, s->claimed);
        if (framed) frame_rule_diffs(s->best, &take, s->claimed);
        else if (base_framing >= 0 && take.framing != base_framing) padding_diffs(s->best, &take, s->claimed);
        s->best->explained = 1;
    }
    s->plan = take;
    s->have = 1;
    s->n_ok = best_ok;
    memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    return 0;
}

static int port_axes(const wmel_dg_clip *c, size_t a[2]);

/* 1: p's output on clip c has the port's shape (either orientation: p's layout turned to the
   port's where transposed) */
static int shape_fits(wmel_frontend_plan *p, const wmel_dg_clip *c)
{
    size_t a[2];
    port_axes(c, a);
    wmel_plan_counts pc;
    if (wmel_plan_check(p, NULL, 0) || wmel_plan_frames(p, c->n, &pc)) return 0;
    if (pc.rows == a[0] && pc.cols == a[1]) return 1;
    if (pc.rows != a[1] || pc.cols != a[0]) return 0;
    p->layout = p->layout == WMEL_LAYOUT_MELS_FRAMES ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
    return 1;
}

/* p added to v (at most cap, no plan twice) where its output has the port's shape on clip c */
static void add_start(wmel_frontend_plan p, const wmel_dg_clip *c, wmel_frontend_plan *v, int *n, int cap)
{
    if (*n >= cap || !shape_fits(&p, c)) return;
    if (c->ndim == 3 && c->shape[0] == 1 && c->shape[1] != 1 && c->shape[2] != 1) p.batch_axis = 1; /* (1, R, C) */
    for (int i = 0; i < *n; i++)
        if (!memcmp(&v[i], &p, sizeof p)) return;
    v[(*n)++] = p;
}

/* The structural starts: plans from the claimed one whose output has the port's values per
   frame where the claimed plan's has not, tried before the search from the claimed plan (whose
   free units and input scale would otherwise take their place):
   - cepstra: a frame of w values well below the claimed mel count (8 <= w < n_mels), or any
     w >= 8 for a claim of cepstra (another n_ceps: Kaldi's mfcc_hires' 40): n_ceps w, Kaldi's
     lifter 22, none, or the claim's, c0 the log energy (use_energy) or not, on the mel counts
     the libraries use (the claim's, 23, 24, 26, 40, 80);
   - FFT bins: w = n_fft / 2 + 1 (the claim's n_fft, 512, 400, 1024): linear_bins, the log the
     claim's or none, without the claim's normalisation where the port's values have none;
   - another bank size: n_mels w (for a claim of cepstra: the bank's values, no DCT), in the
     claim's n_fft and in 512 points around a shorter window.
   Their count in v. */
#define MAX_STARTS 128

/* p with linear_bins and without the mel bank's own options (its norm, Kaldi's HTK bank, the
   VTLN warp), which a plan of FFT bins refuses */
static void to_linear(wmel_frontend_plan *p)
{
    p->linear_bins = 1;
    p->mel_norm = WMEL_MELNORM_NONE;
    p->bank_flags &= ~WMEL_BANK_HTK;
    p->vtln_warp = 0;
}

/* FFT bins in the bank's place besides structural_starts' bins 0 .. n_fft / 2: w values a frame
   as bins 1 .. n_fft / 2 (DC left out) or 0 .. n_fft / 2 - 1 (Nyquist left out), each with or
   without an energy column first (use_energy: torchaudio's kaldi.spectrogram puts the raw log
   energy in bin 0's place; its floor the claim's or 1, torchaudio's default), in the claim's
   n_fft, 512, 400 or 1024 points; the log the claim's or none. Added to v (add_start). */
static void bin_starts(const wmel_frontend_plan *c, const wmel_dg_clip *clip, size_t w, wmel_frontend_plan *v, int *n)
{
    static const int FFTS[] = {0, 512, 400, 1024};
    for (int f = 0; f < 4; f++) {
        const int nf = FFTS[f] ? FFTS[f] : c->n_fft, bins = nf / 2 + 1;
        if (w + 2 < (size_t)bins || w > (size_t)bins + 1) continue;
        for (int e = 0; e < 2; e++)
            for (int first = 0; first < 2; first++) {
                const int nm = (int)w - e;
                if (nm < 8 || first + nm > bins || (!e && !first && nm == bins)) continue; /* (structural_starts') */
                for (int fl = 0; fl < 1 + e; fl++)
                    for (int g = 0; g < 2; g++) {
                        wmel_frontend_plan p = *c;
                        to_linear(&p);
                        p.first_bin = first;
                        p.n_mels = nm;
                        p.n_fft = nf;
                        if (p.frame_length > nf) p.frame_length = nf;
                        p.use_energy = e;
                        if (fl) {
                            if (c->energy_floor == 1) continue;
                            p.energy_floor = 1;
                        }
                        if (g) p.log = WMEL_LOG_NONE;
                        add_start(p, clip, v, n, MAX_STARTS);
                    }
            }
    }
}
static int normalised_values(const wmel_dg_clip *c);
/* 1: the claim normalises its features (per feature, mean and variance) and clip c's values are
   not normalised: the starts without the claim's normalisation (scipy's log spectrogram claimed
   as NeMo's) */
static int claim_norm_absent(const wmel_frontend_plan *claimed, const wmel_dg_clip *c)
{
    return (claimed->norm == WMEL_NORM_PER_FEATURE || claimed->norm == WMEL_NORM_MEAN_VAR) && !normalised_values(c);
}

static int structural_starts(const wmel_frontend_plan *c, const wmel_dg_clip *clip, wmel_frontend_plan *v)
{
    int n = 0;
    wmel_frontend_plan t = *c;
    if (shape_fits(&t, clip) || c->stack > 1 || c->delta_win || c->linear_bins) return 0;
    size_t a[2];
    const int na = port_axes(clip, a);
    for (int ax = 0; ax < na; ax++) {
        const size_t w = a[ax];
        /* (the claim's mels, those users pick, and the width itself: every cepstrum of the bank,
           torchaudio's kaldi.mfcc(num_ceps=num_mel_bins)) */
        static const int MELS[] = {0, 23, 24, 26, 40, 80, -1};
        const double lifts[] = {22, 0, c->cepstral_lifter};
        for (int e = 0; e < 2 && w >= 8 && (c->n_ceps || w < (size_t)c->n_mels); e++)
            for (int l = 0; l < 3; l++)
                for (int m = 0; m < 7; m++) {
                    wmel_frontend_plan p = *c;
                    p.n_mels = MELS[m] > 0 ? MELS[m] : MELS[m] < 0 ? (int)w : c->n_mels;
                    if ((size_t)p.n_mels < w) continue;
                    p.n_ceps = (int)w;
                    p.cepstral_lifter = lifts[l];
                    p.use_energy = e ? !c->use_energy : c->use_energy;
                    if (p.log == WMEL_LOG_NONE) p.log = WMEL_LOG_CLAMP;
                    add_start(p, clip, v, &n, MAX_STARTS);
                }
        /* (and the transform whose bins the width is, 2 (w - 1) points, the window as long:
           deepspeech's 320 at 16 kHz; not where that is under 10 ms or the width the claim's
           mel count) */
        static const int FFTS[] = {0, 512, 400, 1024, -1};
        for (int f = 0; f < 5 && !c->n_ceps; f++) {
            const int nf = FFTS[f] > 0 ? FFTS[f] : FFTS[f] < 0 ? 2 * ((int)w - 1) : c->n_fft;
            if (w != (size_t)nf / 2 + 1 || nf > 8192 ||
                (FFTS[f] < 0 && (100 * nf < c->sample_rate || w == (size_t)c->n_mels))) /* (a window of 10 ms or more;
                                                                                       the claim's mels are a bank) */
                continue;
            const int unnorm = claim_norm_absent(c, clip);
            for (int g = 0; g < 2; g++) {
                wmel_frontend_plan p = *c;
                to_linear(&p);
                p.first_bin = 0;
                p.n_mels = (int)w;
                p.n_fft = nf;
                if (p.frame_length > nf || FFTS[f] < 0) p.frame_length = nf;
                if (g) p.log = WMEL_LOG_NONE;
                if (unnorm) p.norm = WMEL_NORM_NONE, p.norm_flags = 0;
                add_start(p, clip, v, &n, MAX_STARTS);
            }
        }
        if (!c->n_ceps) bin_starts(c, clip, w, v, &n);
        /* an energy column first where the claim has none (torchaudio's kaldi.fbank(use_energy=True):
           its floor 1, the energy of the windowed frame or the raw one), or none where it has one */
        for (int k = 0; k < 6 && w > 1 && w - 1 <= 512 && !c->n_ceps; k++) {
            wmel_frontend_plan p = *c;
            static const double FLOORS[] = {-1, 1, 0};
            p.use_energy = !c->use_energy;
            p.n_mels = (int)w - p.use_energy;
            if (p.use_energy) {
                if (FLOORS[k % 3] >= 0) {
                    if (FLOORS[k % 3] == c->energy_floor) continue;
                    p.energy_floor = FLOORS[k % 3];
                }
                if (k >= 3) p.energy_windowed = !c->energy_windowed;
            } else if (k) {
                break;
            }
            add_start(p, clip, v, &n, MAX_STARTS);
            /* the samples in [-1, 1] where the claim reads int16 units (torchaudio's kaldi.fbank
               on a float waveform): the energy column moves by 2 ln 32768 and its floor holds
               other frames, so no free unit stands in for the scale */
            if (p.use_energy && c->scale == 32768.0) {
                p.scale = 1.0;
                add_start(p, clip, v, &n, MAX_STARTS);
            }
        }
        if (w > (size_t)c->use_energy && w - (size_t)c->use_energy <= 512) {
            wmel_frontend_plan p = *c;
            p.n_mels = (int)(w - (size_t)c->use_energy);
            p.n_ceps = 0, p.cepstral_lifter = 0; /* (a cepstra claim's port giving the bank's values) */
            add_start(p, clip, v, &n, MAX_STARTS);
            if (c->n_fft < 512 && c->frame_length <= 512) {
                p.n_fft = 512;
                add_start(p, clip, v, &n, MAX_STARTS);
            }
        }
    }
    return n;
}

/* The deltas' window W (3, 5, 7 or 9: N = (W - 1) / 2 frames each side) where the second half
   of each frame's values in clip c are the regression deltas of the first half over the frames
   (edges repeated: torchaudio's compute_deltas, python_speech_features' delta, appended as
   numpy's hstack does), in either orientation; 0 where none is */
static int delta_window(const wmel_dg_clip *c)
{
    size_t a[2];
    if (port_axes(c, a) != 2 || a[0] * a[1] != c->n_feat) return 0;
    for (int o = 0; o < 2; o++) {
        const size_t nt = a[o], w = a[1 - o], h = w / 2;
#define X(t, j) ((double)c->feat[o ? (size_t)(j) * a[1] + (size_t)(t) : (size_t)(t) * a[1] + (size_t)(j)])
        if (w % 2 || w < 16 || nt < 8) continue;
        for (int nk = 1; nk <= 4; nk++) {
            double den = 0, err = 0, sc = 0;
            for (int k = 1; k <= nk; k++) den += 2.0 * k * k;
            for (size_t t = 0; t < nt && err <= 1e-3 * (sc > 1 ? sc : 1); t++)
                for (size_t j = 0; j < h; j++) {
                    double d = 0;
                    for (int k = 1; k <= nk; k++) {
                        const size_t up = t + (size_t)k < nt ? t + (size_t)k : nt - 1, dn = t >= (size_t)k ? t - (size_t)k : 0;
                        d += k * (X(up, j) - X(dn, j));
                    }
                    const double y = X(t, h + j), e = fabs(d / den - y);
                    if (!isfinite(e)) return 0;
                    if (e > err) err = e;
                    if (fabs(y) > sc) sc = fabs(y);
                }
            if (err <= 1e-3 * (sc > 1 ? sc : 1)) return 2 * nk + 1;
        }
#undef X
    }
    return 0;
}

/* the fields a structural start sets, named against the claimed plan c */
static void structural_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c)
{
    static const char *const LOG_NAMES[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"};
    /* (a search from a structural start names its moves against the start: a field the search
       took back to the claim's value is no difference) */
#define STRUCT_DIFF(f, fmt)                                                                                           \
    do {                                                                                                             \
        if (q->f != c->f) NUM_DIFF(m, q, c, f, fmt);                                                                 \
        else drop_diff(m, #f);                                                                                       \
    } while (0)
    STRUCT_DIFF(n_mels, "%d");
    STRUCT_DIFF(n_ceps, "%d");
    STRUCT_DIFF(cepstral_lifter, "%.17g");
    STRUCT_DIFF(use_energy, "%d");
    STRUCT_DIFF(linear_bins, "%d");
    STRUCT_DIFF(first_bin, "%d");
    STRUCT_DIFF(energy_floor, "%.17g");
    STRUCT_DIFF(scale, "%.17g");
    STRUCT_DIFF(delta_win, "%d");
    STRUCT_DIFF(n_fft, "%d");
    STRUCT_DIFF(frame_length, "%d");
#undef STRUCT_DIFF
    if (q->log != c->log && (unsigned)q->log < 6 && (unsigned)c->log < 6)
        set_diff(m, "log", LOG_NAMES[c->log], LOG_NAMES[q->log]);
    else if (q->log == c->log)
        drop_diff(m, "log");
    if (q->energy_windowed != c->energy_windowed) /* (the JSON's raw_energy: its negation) */
        set_diff(m, "raw_energy", c->energy_windowed ? "false" : "true", q->energy_windowed ? "false" : "true");
    else
        drop_diff(m, "raw_energy");
    if (q->linear_bins) /* (FFT bins have no bank: its norm, HTK shape and warp are no port's choice) */
        drop_diff(m, "mel_norm"), drop_diff(m, "htk_bank"), drop_diff(m, "vtln_warp");
}

static int cmp_start(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1];
}

/* The structural starts (structural_starts) before the search from the claimed plan: each held
   against the first clip, those reproducing it against every clip; where none reproduces them
   all, a search on the first clip from each of the two nearest to it (the least worst cell's
   excess; those without the claim's normalisation first where the port's values have none,
   their input's scale not fitted before the search). The best taken (the most clips
   reproduced). 0, or a wmel_dg_run status. */
static int try_structural(joint_state *s, char *err, size_t err_len)
{
    wmel_frontend_plan *v = malloc(MAX_STARTS * sizeof *v);
    double (*rank)[2] = malloc(MAX_STARTS * sizeof *rank);
    if (!v || !rank) {
        free(v), free(rank);
        return 0;
    }
    int nv = structural_starts(s->claimed, &s->clips[0], v);
    const int dw = s->claimed->delta_win || s->claimed->stack > 1 ? 0 : delta_window(&s->clips[0]);
    if (dw) { /* each frame's values and their deltas: half the values the bank's (or the cepstra's) */
        size_t a[2];
        port_axes(&s->clips[0], a);
        for (int ax = 0; ax < 2; ax++) {
            wmel_frontend_plan p = *s->claimed;
            if (p.n_ceps) p.n_ceps = (int)(a[ax] / 2);
            else p.n_mels = (int)(a[ax] / 2) - p.use_energy;
            p.delta_win = dw;
            if (p.n_mels >= 8 && p.n_ceps <= p.n_mels) add_start(p, &s->clips[0], v, &nv, MAX_STARTS);
        }
    }
    wmel_frontend_plan take;
    int best_ok = s->have ? s->n_ok : 0, got = 0, searched = 0, rc = 0;
    /* (starts without the claim's normalisation, where the port's values have none) */
    const int unnorm = claim_norm_absent(s->claimed, &s->clips[0]);
    for (int i = 0; i < nv; i++) {
        wmel_dg_check_result ck;
        char e2[256];
        const wmel_dg_clip *c = &s->clips[0];
        rank[i][0] = INFINITY, rank[i][1] = i;
        if (wmel_dg_check(&v[i], c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, s->dtype[0], &ck, e2,
                          sizeof e2))
            continue;
        s->evals++;
        rank[i][0] = isfinite(ck.excess) ? ck.excess : INFINITY;
        if (unnorm && v[i].norm == WMEL_NORM_NONE && isfinite(rank[i][0]))
            rank[i][0] = -1.0 / (1.0 + rank[i][0]); /* (searched first: their scale is not fitted yet) */
        if (ck.ok && consider(s, &v[i], &take, &best_ok)) got = 1;
    }
    if (got) {
        memset(s->best, 0, sizeof *s->best);
        s->best->explained = 1;
        s->best->has_plan = 1;
        structural_diffs(s->best, &take, s->claimed);
        snprintf(s->best->notes, sizeof s->best->notes, "the port's values per frame read as a structural field "
                 "(cepstra, FFT bins, the bank's size or the transform's) before the input's scale and units");
    }
    qsort(rank, (size_t)nv, sizeof *rank, cmp_start);
    for (int i = 0; i < nv && searched < 2 && best_ok < s->n_clips; i++) {
        if (!isfinite(rank[i][0])) break;
        const wmel_frontend_plan *st = &v[(int)rank[i][1]];
        const wmel_dg_clip *c = &s->clips[0];
        searched++;
        rc = wmel_dg_run_opts(st, c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, &s->opts, s->cancel,
                              s->cancel_arg, s->r, err, err_len);
        if (s->jt->n_fits < WMEL_DG_JOINT_MAX_FITS) s->jt->fitted[s->jt->n_fits] = 0;
        s->jt->n_fits++;
        if (rc == WMEL_DG_CANCELLED) break;
        if (rc) {
            rc = 0;
            continue;
        }
        s->evals += s->r->evals;
        const wmel_frontend_plan *a2 = answer_of(s->r, st);
        if (a2 && consider(s, a2, &take, &best_ok)) {
            const wmel_frontend_plan t2 = take;
            take_report(s, 0);
            s->best->matches = 0;
            s->best->explained = 1;
            structural_diffs(s->best, &t2, s->claimed);
            got = 1;
        }
    }
    if (got) {
        s->plan = take;
        s->have = 1;
        s->n_ok = best_ok;
        memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    }
    free(v), free(rank);
    return rc;
}

/* 1: clip c's values read as energies, not their log: every value finite and >= 0, the largest
   over 1e4, or over 1e6 times the least positive one (a power spectrum's range; a log's values,
   in dB too, stay within a few hundred) */
static int linear_values(const wmel_dg_clip *c)
{
    float hi = 0, lo = INFINITY;
    int ok = c->n_feat > 0;
    for (size_t i = 0; ok && i < c->n_feat; i++) {
        const float v = c->feat[i];
        if (!isfinite(v) || v < 0) ok = 0;
        else if (v > 0) hi = v > hi ? v : hi, lo = v < lo ? v : lo;
    }
    return ok && hi > 0 && (hi > 1e4f || (double)hi > 1e6 * (double)lo);
}

/* 2: clip c's values normalised per row or per column (each series' mean within 1e-3 of 0
   and its spread within 2 % of 1, over at least 8 values), 1: their means 0 only, 0: neither */
static int normalised_values(const wmel_dg_clip *c)
{
    size_t a[2];
    if (port_axes(c, a) != 2 || a[0] * a[1] != c->n_feat) return 0;
    int best = 0;
    for (int o = 0; o < 2; o++) {
        const size_t ns = a[1 - o], len = a[o]; /* series, values in each */
        if (len < 8) continue;
        int means = 1, spreads = 1;
        for (size_t k = 0; k < ns && means; k++) {
            double s1 = 0, s2 = 0;
            for (size_t i = 0; i < len; i++) {
                const double v = c->feat[o ? k * a[1] + i : i * a[1] + k];
                s1 += v, s2 += v * v;
            }
            const double mean = s1 / (double)len, var = s2 / (double)len - mean * mean;
            means = isfinite(mean) && fabs(mean) < 1e-3;
            spreads &= var > 0 && fabs(sqrt(var) - 1) < 2e-2;
        }
        const int got = means ? (spreads ? 2 : 1) : 0;
        if (got > best) best = got;
    }
    return best;
}

static void start_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c);

/* Plans the port's values call for whatever its shape, each taken only as it is (no search from
   them), where the claimed plan does not reproduce the first clip: the claimed plan without its
   log where the values are energies (linear_values: kaldi-native-fbank's use_log_fbank false),
   and each built-in preset of the claimed family at its rate whose output has the port's shape
   (a sibling preset: a streaming extractor's chunk for its whole-clip preset), held against the
   first clip, then every clip; the one reproducing the most taken, its fields named. 1 when taken. */
static int try_exact_starts(joint_state *s)
{
    const wmel_frontend_plan *c = s->claimed;
    const wmel_dg_clip *c0 = &s->clips[0];
    wmel_dg_check_result ck;
    char e2[256];
    if (s->have || (wmel_dg_check(c, c0->audio, c0->n, c0->feat, c0->n_feat, c0->shape, c0->ndim, s->dtype[0], &ck,
                                  e2, sizeof e2) == 0 &&
                    ck.ok))
        return 0;
    enum { CAP = 24 };
    wmel_frontend_plan v[CAP];
    const char *names[CAP];
    int n = 0;
    if (c->log != WMEL_LOG_NONE && c->norm == WMEL_NORM_NONE && !c->n_ceps && !c->affine && linear_values(c0)) {
        wmel_frontend_plan p = *c;
        p.log = WMEL_LOG_NONE;
        add_start(p, c0, v, &n, CAP);
        if (n) names[n - 1] = NULL;
    }
    /* values normalised per row or column the claim leaves as they are: a normalisation after
       the claim's (then_norm after Whisper's whole: SpeechBrain's sentence InputNormalization),
       or one where it has none, the spread divided with ddof 0 and 1 */
    const int normed = c->norm == WMEL_NORM_WHOLE || c->norm == WMEL_NORM_NONE ? normalised_values(c0) : 0;
    for (int k = 0; normed && k < 6; k++) {
        static const char *const KIND[] = {"mean_var", "mean", "per_feature"};
        if (k / 2 == 2 && (normed != 2 || c->norm == WMEL_NORM_WHOLE || c->frontend != WMEL_FRONTEND_NEMO)) continue;
        if (k / 2 == 0 && normed != 2) continue;
        wmel_frontend_plan p = *c;
        if (wmel_plan_set(&p, c->norm == WMEL_NORM_WHOLE ? "then_norm" : "normalize", KIND[k / 2], NULL, 0) ||
            (k % 2 && wmel_plan_set(&p, "norm_ddof", "0", NULL, 0)))
            continue;
        const int before = n;
        add_start(p, c0, v, &n, CAP);
        if (n > before) names[n - 1] = NULL;
    }
    if (c->n_ceps) { /* c0 as the log energy (Kaldi's MFCC use_energy: kaldi-native-fbank's), or the reverse */
        wmel_frontend_plan p = *c;
        p.use_energy = !c->use_energy;
        const int before = n;
        add_start(p, c0, v, &n, CAP);
        if (n > before) names[n - 1] = NULL;
    }
    for (size_t i = 0; i < wmel_preset_count() && n < CAP; i++) {
        wmel_frontend_plan p;
        const int before = n;
        if (wmel_preset_plan(wmel_preset_name(i), &p, NULL, 0) || p.frontend != c->frontend ||
            p.sample_rate != c->sample_rate || !memcmp(&p, c, sizeof p))
            continue;
        add_start(p, c0, v, &n, CAP);
        if (n > before) names[n - 1] = wmel_preset_name(i);
    }
    wmel_frontend_plan take;
    int best_ok = 0, at = -1;
    for (int i = 0; i < n; i++) {
        if (wmel_dg_check(&v[i], c0->audio, c0->n, c0->feat, c0->n_feat, c0->shape, c0->ndim, s->dtype[0], &ck, e2,
                          sizeof e2) ||
            !ck.ok)
            continue;
        s->evals++;
        if (consider(s, &v[i], &take, &best_ok)) at = i;
    }
    if (at < 0) return 0;
    wmel_dg_result *m = s->best;
    memset(m, 0, sizeof *m);
    m->explained = 1;
    m->has_plan = 1;
    start_diffs(m, &take, c);
    if (names[at])
        snprintf(m->notes, sizeof m->notes, "the built-in preset %s states the port (a sibling of the claimed plan, "
                 "held as it is against every clip)", names[at]);
    else if (take.use_energy != c->use_energy)
        snprintf(m->notes, sizeof m->notes, "c0 as the log energy of each frame (Kaldi's MFCC use_energy) or the "
                 "reverse: the claimed plan so, held as it is against every clip");
    else if (take.log == WMEL_LOG_NONE && c->log != WMEL_LOG_NONE)
        snprintf(m->notes, sizeof m->notes, "the port's values are energies (all >= 0, a power spectrum's range): "
                 "the claimed plan without its log, held as it is against every clip");
    else
        snprintf(m->notes, sizeof m->notes, "the port's values are normalised per row or column (means 0): the "
                 "claimed plan with a normalisation after its own, held as it is against every clip");
    s->plan = take;
    s->have = 1;
    s->n_ok = best_ok;
    memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    return 1;
}

/* The libraries' own conventions for the part of a front-end before its log (docs/
   porting-libraries.md, each from the library's source): a port written with one of them is
   often five to ten fields from the plan it claims, past the search's reach from the claim, and
   one field or two from the library's start. Each start: the kaldi family (the one with every
   field) at the claim's rate, frame and hop, the library's fields, its n_fft (0: the claim's;
   -1: the power of two >= the frame), the port's frame width as its mel count, or as its cepstra
   over the library's and the claim's mel counts; the finish the library's own (its log) or the
   claim's (its log, its guard and a whole normalisation where the claim has Whisper's). */
typedef struct lib_conv {
    const char *name;
    const char *fields; /* "key=value ..." for wmel_plan_set */
    const char *log;    /* the library's own log: "key=value ..." */
    int n_fft;          /* 0: the claim's; -1: the power of two >= the frame */
    int n_mels, lifter; /* the cepstra's defaults: the bank under them, Kaldi's lifter or none */
    int claim_band;     /* 1: the claim's low_freq and high_freq (edges its users name) */
} lib_conv;
static const lib_conv LIBS[] = {
    /* python_speech_features 0.6: sigproc.framesig (rect, 1 + ceil((n - len) / hop) frames over
       zeros after the clip), preemphasis of the signal, powspec |X|^2 / NFFT, get_filterbanks'
       bins floor((nfft + 1) f / sr), log with numpy's eps in place of an exact 0 */
    {"python_speech_features",
     "window=rect remove_dc=0 preemph=0.97 preemph_mode=signal mel_scale=htk mel_norm=none snap_bins=1 "
     "low_freq=0 high_freq=0 framing=snip valid=all pad_right=-1 dither=0 power=2 scale=rsqrt_nfft",
     "log=ln_zero log_guard=2.220446049250313e-16", 512, 26, 22, 0},
    /* numpy filter banks as Fayek's tutorial writes them (copied widely): the signal's
       pre-emphasis, ceil(|n - len| / hop) frames (those that fit, but one less where n - len is
       a multiple of the hop), a symmetric Hamming, |rfft|^2 / NFFT, HTK triangles on the bins
       floor((nfft + 1) f / sr), eps for an exact 0, 20 log10, each filter's mean over the frames
       subtracted */
    {"numpy filter banks (Fayek)",
     "window=hamming remove_dc=0 preemph=0.97 preemph_mode=signal mel_scale=htk mel_norm=none snap_bins=1 "
     "low_freq=0 high_freq=0 framing=snip valid=all dither=0 power=2 scale=rsqrt_nfft normalize=mean",
     "log=ln_zero log_guard=2.220446049250313e-16 post_scale=8.685889638065035", 512, 40, 22, 0},
    /* spafe 0.3: the signal's pre-emphasis, Hamming frames (SlidingWindow: the frames that fit),
       |X|^2 / nfft, mel_filter_banks' triangles in Hz at the bins' frequencies */
    {"spafe",
     "window=hamming remove_dc=0 preemph=0.97 preemph_mode=signal mel_scale=htk mel_norm=none low_freq=0 "
     "high_freq=0 framing=snip valid=all dither=0 power=2 scale=rsqrt_nfft",
     "log=ln_zero log_guard=2.220446049250313e-16", 512, 24, 0, 0},
    /* librosa >= 0.10: stft(center=True, pad_mode='constant'), get_window('hann', fftbins=True),
       filters.mel(htk=False, norm='slaney'), power 2 */
    {"librosa",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=slaney mel_norm=slaney low_freq=0 high_freq=0 "
     "framing=center_zero valid=all dither=0 power=2 scale=1",
     "log=ln_add log_guard=1e-06", 0, 128, 0, 0},
    /* scipy.signal.spectrogram (then a librosa bank and a log, as its users write it): the
       segments that fit, get_window('hann') (periodic), detrend 'constant' (each segment's mean
       removed), scaling 'density': |X|^2 2 / (fs sum w^2), the input's scale its square root */
    {"scipy.signal.spectrogram",
     "window=hann_periodic remove_dc=1 preemph=0 mel_scale=slaney mel_norm=slaney low_freq=0 high_freq=0 "
     "framing=snip valid=all dither=0 power=2 scale=density",
     "log=ln_add log_guard=1e-06", 0, 128, 0, 0},
    /* torchaudio.transforms.MelSpectrogram: center, reflect, torch.hann_window (periodic), an HTK
       bank without norm, power 2 */
    {"torchaudio",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=htk mel_norm=none low_freq=0 high_freq=0 "
     "framing=center_reflect valid=all dither=0 power=2 scale=1",
     "log=ln_add log_guard=1e-06", 0, 128, 0, 0},
    /* nnAudio, torchlibrosa: centre reflect, scipy's periodic Hann, librosa's Slaney bank */
    {"nnAudio, torchlibrosa",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=slaney mel_norm=slaney low_freq=0 high_freq=0 "
     "framing=center_reflect valid=all dither=0 power=2 scale=1",
     "log=log10_clamp log_guard=1e-10", 0, 128, 0, 0},
    /* tf.signal: stft with hann_window(periodic=True) in the next power of two, |X|,
       linear_to_mel_weight_matrix between the edges its users name; pad_end=False (the frames
       that fit) or True (zeros to ceil(n / hop) frames: frame - 1 after the clip) */
    {"tf.signal",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=tf mel_norm=none framing=snip valid=all dither=0 "
     "power=1",
     "log=ln_add log_guard=1e-06", -1, 80, 0, 1},
    {"tf.signal (pad_end)",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=tf mel_norm=none framing=snip valid=all dither=0 "
     "power=1 pad_right=-2",
     "log=ln_add log_guard=1e-06", -1, 80, 0, 1},
    /* keras.layers.MelSpectrogram (Keras 3): ops.stft(center=True: reflect) with a periodic
       Hann, |X|^2, linear_to_mel_weight_matrix(min_freq 20, max_freq sr / 2), decibels with
       top_db 80 over the whole array */
    {"keras",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=tf mel_norm=none low_freq=20 high_freq=0 "
     "framing=center_reflect valid=all dither=0 power=2 scale=1",
     "log=log10_clamp log_guard=1e-10 normalize=whole norm_range=8 post_scale=40 post_shift=-40", 0, 128, 0, 0},
    /* HiFi-GAN's meldataset.mel_spectrogram, which the vocoders copy (BigVGAN, VITS, UnivNet):
       (n_fft - hop) / 2 samples reflected at each end, torch.stft(center=False) with a periodic
       Hann, sqrt(|X|^2 + 1e-9), librosa's Slaney bank, ln(clamp(x, 1e-5)) */
    {"HiFi-GAN",
     "window=hann_periodic remove_dc=0 preemph=0 mel_scale=slaney mel_norm=slaney low_freq=0 high_freq=0 "
     "framing=snip pad_mode=reflect pad_left=-3 pad_right=-3 valid=all dither=0 power=1 mag_guard=add:1e-9 scale=1",
     "log=ln_clamp log_guard=1e-05", 0, 80, 0, 0},
};
#define N_LIBS (sizeof LIBS / sizeof LIBS[0])

/* decibels of the mel energies, as librosa's power_to_db and torchaudio's AmplitudeToDB give
   them: 10 log10(max(m, 1e-10)) floored at the clip's largest less 80 dB (their top_db default:
   Whisper's whole normalisation in log10 units, its (x + 4) / 4 undone), or without the floor */
static const char *const DB_FINISH[3] = {
    "log=log10_clamp log_guard=1e-10 normalize=whole norm_range=8 post_scale=40 post_shift=-40",
    "log=log10_clamp log_guard=1e-10 normalize=none post_scale=10 post_shift=0",
    /* (and the log users write after any of them: ln(m + 1e-6)) */
    "log=ln_add log_guard=1e-06 normalize=none"};

/* the library's fields on p ("key=value ..."; pad_right=-1: hop - 1, -2: frame - 1, scale=rsqrt_nfft:
   1 / sqrt(n_fft), set after n_fft); 0 where each took */
static int lib_apply(wmel_frontend_plan *p, const char *fields)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", fields);
    for (char *kv = buf, *next; *kv; kv = next) {
        next = kv + strcspn(kv, " ");
        if (*next) *next++ = 0;
        char *eq = strchr(kv, '=');
        if (!eq) return -1;
        *eq = 0;
        char val[64];
        if (!strcmp(kv, "pad_right") && !strcmp(eq + 1, "-1")) snprintf(val, sizeof val, "%d", p->hop - 1);
        else if (!strcmp(kv, "pad_right") && !strcmp(eq + 1, "-2")) snprintf(val, sizeof val, "%d", p->frame_length - 1);
        else if ((!strcmp(kv, "pad_left") || !strcmp(kv, "pad_right")) && !strcmp(eq + 1, "-3"))
            snprintf(val, sizeof val, "%d", (p->n_fft - p->hop) / 2);
        else if (!strcmp(kv, "scale") && !strcmp(eq + 1, "rsqrt_nfft"))
            snprintf(val, sizeof val, "%.17g", 1.0 / sqrt((double)p->n_fft));
        else if (!strcmp(kv, "scale") && !strcmp(eq + 1, "density")) /* (a periodic Hann's sum of squares: 3 N / 8) */
            snprintf(val, sizeof val, "%.17g", sqrt(2.0 / ((double)p->sample_rate * 0.375 * p->frame_length)));
        else snprintf(val, sizeof val, "%s", eq + 1);
        if (wmel_plan_set(p, kv, val, NULL, 0)) return -1;
    }
    return 0;
}

/* the claim's finish on a library's start p: its log and guard, Whisper's whole normalisation
   where the claim has it (kaldi's normalize whole), no other */
static int claim_finish(wmel_frontend_plan *p, const wmel_frontend_plan *c)
{
    static const char *const LOGN[] = {"log10_clamp", "ln_add", "ln_clamp", "none", "ln_zero", "log10_zero"};
    char g[40];
    snprintf(g, sizeof g, "%.17g", c->log_guard);
    if ((unsigned)c->log >= 6 || wmel_plan_set(p, "log", LOGN[c->log], NULL, 0) ||
        (c->log != WMEL_LOG_NONE && wmel_plan_set(p, "log_guard", g, NULL, 0)))
        return -1;
    const int whole = c->norm == WMEL_NORM_WHOLE || (c->frontend == WMEL_FRONTEND_WHISPER && c->norm == 0);
    return wmel_plan_set(p, "normalize", whole ? "whole" : "none", NULL, 0);
}

/* A geometry a library's start takes in place of the claim's: its hop, frame length and n_fft. */
typedef struct geom {
    int hop, frame, n_fft;
} geom;
#define MAX_GEOM 24

/* 1: q gives every clip's frame count (the port's axis ax) */
static int counts_hold(const wmel_frontend_plan *q, const joint_state *s, int ax)
{
    if (wmel_plan_check(q, NULL, 0)) return 0;
    for (int k = 0; k < s->n_clips; k++) {
        size_t a[2];
        wmel_plan_counts pc;
        port_axes(&s->clips[k], a);
        if (wmel_plan_frames(q, s->clips[k].n, &pc) || pc.frames != a[ax]) return 0;
    }
    return 1;
}

/* the frame length (> 0) with which hop h gives every clip's count under a framing the
   libraries use: centring (reflect or zeros: 1 + n / h, the window free: -1), Kaldi's
   centring, the frames that fit a window of 2, 2.5 or 4 hops, the claim's or a power of two
   (that window), tf's pad_end (ceil(n / h): -1); 0 where none does */
static int hop_holds(const joint_state *s, int ax, int h)
{
    wmel_frontend_plan q = *s->claimed;
    q.hop = h, q.stack = 1, q.n_frames = 0, q.pad_to = 0, q.n_samples = 0, q.pad_left = q.pad_right = 0;
    q.pad_multiple = 0, q.frame_span = 0, q.window_offset = 0;
    static const int FR[] = {WMEL_FRAMES_CENTER_REFLECT, WMEL_FRAMES_KALDI_CENTER};
    for (int f = 0; f < 2; f++) {
        q.framing = FR[f], q.valid = WMEL_VALID_ALL;
        if (counts_hold(&q, s, ax)) return -1;
    }
    const int lens[] = {s->claimed->frame_length, 2 * h, h % 2 ? 0 : 5 * h / 2, 4 * h, 256, 512, 1024, 2048, 4096};
    q.framing = WMEL_FRAMES_SNIP, q.valid = WMEL_VALID_ALL;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        if (lens[i] < 2) continue;
        q.frame_length = lens[i];
        if (q.n_fft < q.frame_length) q.n_fft = q.frame_length;
        if (counts_hold(&q, s, ax)) return lens[i];
    }
    q.frame_length = s->claimed->frame_length, q.n_fft = s->claimed->n_fft;
    q.pad_right = q.frame_length - 1;
    return counts_hold(&q, s, ax) ? -1 : 0;
}

/* The geometries the port's frame counts allow a library's start where the claim's hop gives
   them under none of the libraries' framings (ESPnet's preset at hop 160, Keras' defaults,
   torchaudio's hop n_fft / 2): each common hop that does, with the window the count names or
   2.5, 2 and 4 hops and the claim's, each in its own length of transform and the power of two
   above; where the claim's hop gives them with centred frames, the power of two at least twice
   the hop; into g, their count (0: the claim's geometry) */
static int port_geometries(const joint_state *s, geom *g)
{
    size_t a0[2], a[2];
    port_axes(&s->clips[0], a0);
    int ax = -1;
    for (int k = 1; k < s->n_clips && ax < 0; k++) {
        port_axes(&s->clips[k], a);
        if (a[0] != a0[0] && a[1] == a0[1]) ax = 0;
        if (a[1] != a0[1] && a[0] == a0[0]) ax = 1;
    }
    const wmel_frontend_plan *c = s->claimed;
    if (ax < 0 || c->stack > 1 || c->delta_win || c->linear_bins) return 0;
    const int Lc = hop_holds(s, ax, c->hop); /* (the claim's hop with another window: audioflux's 512 at 160) */
    if (Lc == c->frame_length) return 0;
    if (Lc < 0) { /* (centred frames, the window free: the power of two at least twice the hop as the window
                     and the transform, PANNs' 512 at 160, where the claim has another) */
        int p2 = 2;
        while (p2 < 2 * c->hop) p2 *= 2;
        if (p2 == c->frame_length && p2 == c->n_fft) return 0;
        g[0] = (geom){c->hop, p2, p2};
        return 1;
    }
    static const int HOPS[] = {160, 128, 100, 80, 200, 256, 320, 240, 120, 441, 480, 512, 400, 64, 220, 882, 1024};
    int ng = 0, nh = 0;
    for (int i = -1; i < (int)(sizeof HOPS / sizeof HOPS[0]) && nh < 2; i++) {
        const int h = i < 0 ? c->hop : HOPS[i], L = i < 0 ? Lc : h == c->hop ? 0 : hop_holds(s, ax, h);
        if (!L) continue;
        nh++;
        int p2h = 2; /* (the power of two at least twice the hop: PANNs' 512 at 160) */
        while (p2h < 2 * h) p2h *= 2;
        const int fr[] = {L, 5 * h / 2, 2 * h, 4 * h, c->frame_length, p2h};
        for (int j = L > 0 ? 0 : 1; j < 6 && (L < 0 || j == 0); j++) {
            if (fr[j] < 2 || (j == 1 && h % 2)) continue;
            int p2 = 2;
            while (p2 < fr[j]) p2 *= 2;
            for (int t = 0; t < 2 && ng < MAX_GEOM; t++) {
                const geom x = {h, fr[j], t ? p2 : fr[j]};
                int seen = 0;
                for (int k = 0; k < ng; k++) seen |= !memcmp(&g[k], &x, sizeof x);
                if (!seen) g[ng++] = x;
            }
        }
    }
    return ng;
}

static int library_starts_in(const wmel_frontend_plan *cg, const wmel_frontend_plan *c, const wmel_dg_clip *clip,
                             wmel_frontend_plan *v, const char **names, int n, int cap);

/* the libraries' starts (LIBS) for claim c whose output has clip's shape, added to v (names[i]
   the library's), in the claim's geometry and each of g's; their count */
static int library_starts(const wmel_frontend_plan *c, const wmel_dg_clip *clip, wmel_frontend_plan *v,
                          const char **names, int n, int cap, const geom *g, int ng)
{
    if (c->linear_bins || c->stack > 1 || c->delta_win) return n;
    const int dw = delta_window(clip); /* (each frame's values and their deltas: python_speech_features' delta) */
    /* (at the claim's rate, then at 16 kHz where the claim has another: a port written for
       16 kHz audio fed the claim's samples, whose bank is 16 kHz's; after every start at the
       claim's rate, so that the room's cap drops these first) */
    for (int r = 0; r < (c->sample_rate != 16000 ? 2 : 1); r++)
        for (int d = 0; d < (dw ? 2 : 1); d++)
            for (int i = -1; i < ng; i++) { /* (the claim's geometry, then g's: a library's own framing may give the count) */
                wmel_frontend_plan cg = *c;
                if (i >= 0) cg.hop = g[i].hop, cg.frame_length = g[i].frame, cg.n_fft = g[i].n_fft;
                cg.delta_win = d ? dw : 0;
                if (r) cg.sample_rate = 16000;
                n = library_starts_in(&cg, c, clip, v, names, n, cap);
            }
    return n;
}

/* library_starts in one geometry: cg's rate, frame, hop and n_fft, the finish claim c's */
static int library_starts_in(const wmel_frontend_plan *cg, const wmel_frontend_plan *c, const wmel_dg_clip *clip,
                             wmel_frontend_plan *v, const char **names, int n, int cap)
{
    size_t a[2];
    const int na = port_axes(clip, a);
    static const int CEPS_MELS[] = {0, 0, 40, 80}; /* the library's, the claim's, then the counts users pick */
    for (size_t L = 0; L < N_LIBS; L++)
        for (int ax = 0; ax < na; ax++)
            for (int ceps = 0; ceps < 2; ceps++)
                for (int m = 0; m < (ceps ? 4 : 1); m++)
                    for (int fin = 0; fin < (ceps ? 2 : 5); fin++)
                        for (int lo = 0; lo < 2; lo++) {
                            const size_t w = cg->delta_win ? a[ax] / 2 : a[ax];
                            const int nm = !ceps ? (int)w : m == 0 ? LIBS[L].n_mels : m == 1 ? c->n_mels : CEPS_MELS[m];
                            if (w < 8 || w > 512 || (ceps && (w > 40 || (size_t)nm <= w)))
                                continue;
                            int seen = 0; /* (a mel count an earlier m gave) */
                            for (int k = 0; ceps && k < m; k++)
                                seen |= nm == (k == 0 ? LIBS[L].n_mels : k == 1 ? c->n_mels : CEPS_MELS[k]);
                            if (seen) continue;
                            wmel_frontend_plan p;
                            if (wmel_frontend_preset(WMEL_FRONTEND_KALDI, 80, &p)) continue;
                            p.sample_rate = cg->sample_rate, p.frame_length = cg->frame_length, p.hop = cg->hop;
                            int nf = LIBS[L].n_fft > 0 ? LIBS[L].n_fft : cg->n_fft;
                            if (LIBS[L].n_fft < 0)
                                for (nf = 2; nf < cg->frame_length; nf *= 2) {}
                            if (nf < p.frame_length) nf = cg->n_fft;
                            p.n_fft = nf;
                            p.n_mels = nm;
                            if (lib_apply(&p, LIBS[L].fields) ||
                                (fin == 1 ? claim_finish(&p, c) : lib_apply(&p, fin == 0 ? LIBS[L].log : DB_FINISH[fin - 2])))
                                continue;
                            if (LIBS[L].claim_band && 2 * c->high_freq <= p.sample_rate)
                                p.low_freq = c->low_freq, p.high_freq = c->high_freq;
                            /* (a Slaney bank from 50 Hz, as the AudioSet taggers take it: PANNs,
                               CLAP, HTS-AT, and the classifiers written on librosa or nnAudio) */
                            if (lo && (p.mel_scale != WMEL_MEL_SLANEY || p.low_freq != 0)) continue;
                            if (lo) p.low_freq = 50;
                            p.n_ceps = ceps ? (int)w : 0;
                            p.cepstral_lifter = ceps ? LIBS[L].lifter : 0;
                            p.delta_win = cg->delta_win;
                            const int before = n;
                            add_start(p, clip, v, &n, cap);
                            if (n > before) names[n - 1] = LIBS[L].name;
                        }
    return n;
}

/* The family switch's starts: the nemo family's cepstra for a claim of Kaldi's MFCC (the
   kaldi front-end with n_ceps): the DCT of ln(mel + 1e-6) of a periodic Hann's power spectrum,
   centred (reflect: torchaudio's MFCC(log_mels=True); zeros: librosa's mfcc(S=log(mel +
   1e-6))), every frame kept, an HTK bank without norm or Slaney's with its norm, no
   pre-emphasis, no lifter, the claim's n_ceps, on the mel counts the libraries use (the
   claim's, 40, 64, 80, 128) in the claim's window length and 512 points; then the libraries'
   own (library_starts). Their count in v (those whose output has the port's shape); names[i]
   the library a start is, NULL for the nemo family's. */
#define MAX_FAMILY 480
static const char C0_START[] = "c0";

/* a plan of cepstra p with c0 as the frame's log energy or not, the other way (a search's start
   named C0_START), added to v where its output has the clip's shape */
static void add_c0_start(const wmel_frontend_plan *p, const wmel_dg_clip *clip, wmel_frontend_plan *v,
                         const char **names, int *n)
{
    if (p->n_ceps < 1) return;
    wmel_frontend_plan q = *p;
    q.use_energy = !p->use_energy;
    const int before = *n;
    add_start(q, clip, v, n, MAX_FAMILY);
    if (*n > before) names[*n - 1] = C0_START;
}
static int family_starts(const wmel_frontend_plan *c, const wmel_dg_clip *clip, wmel_frontend_plan *v,
                         const char **names, const geom *g, int ng)
{
    int n = 0;
    static const int MELS[] = {0, 40, 64, 80, 128};
    const int kaldi_ceps = c->frontend == WMEL_FRONTEND_KALDI && c->n_ceps >= 1 && !c->linear_bins && c->stack <= 1 &&
                           !c->delta_win;
    for (int m = 0; m < 5 * kaldi_ceps; m++)
        for (int f = 0; f < 2; f++)
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 2; t++) {
                    const int nm = MELS[m] ? MELS[m] : c->n_mels;
                    wmel_frontend_plan p;
                    if ((m && nm == c->n_mels) || nm < c->n_ceps || wmel_frontend_preset(WMEL_FRONTEND_NEMO, nm, &p))
                        continue;
                    p.sample_rate = c->sample_rate;
                    p.hop = c->hop;
                    p.frame_length = c->frame_length;
                    p.n_fft = t ? 512 : c->frame_length;
                    if (p.n_fft < p.frame_length || (t && c->frame_length == 512)) continue;
                    p.window = WMEL_WINDOW_HANN_PERIODIC;
                    p.framing = f ? WMEL_FRAMES_CENTER_ZERO : WMEL_FRAMES_CENTER_REFLECT;
                    p.valid = WMEL_VALID_ALL;
                    p.mel_scale = b ? WMEL_MEL_SLANEY : WMEL_MEL_HTK;
                    p.mel_norm = b ? WMEL_MELNORM_SLANEY : WMEL_MELNORM_NONE;
                    p.preemph = 0;
                    p.norm = WMEL_NORM_NONE;
                    p.norm_eps = 0;
                    p.log = WMEL_LOG_ADD;
                    p.log_guard = 1e-6;
                    p.n_ceps = c->n_ceps;
                    p.cepstral_lifter = 0;
                    const int before = n;
                    if (n < MAX_FAMILY) add_start(p, clip, v, &n, MAX_FAMILY);
                    if (n > before) names[n - 1] = NULL;
                }
    add_c0_start(c, clip, v, names, &n);
    return library_starts(c, clip, v, names, n, MAX_FAMILY, g, ng);
}

static void bank_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c);

/* the plan's normalisation as the JSON's normalize names it */
static const char *norm_word(const wmel_frontend_plan *p)
{
    const int mean = !!(p->norm_flags & WMEL_NORMF_MEAN_ONLY);
    switch (p->norm) {
    case WMEL_NORM_WHOLE: return "whole";
    case WMEL_NORM_PER_FEATURE: return p->norm_flags & WMEL_NORMF_ALL ? "all_features" : mean ? "mean" : "per_feature";
    case WMEL_NORM_MEAN_VAR: return mean ? "mean" : "mean_var";
    default: return "none";
    }
}

/* the fields a family switch (family_starts) sets, named in m against the claimed plan c */
static void family_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c)
{
    static const char *const SC[] = {"slaney", "kaldi", "htk", "tf"}, *const MN[] = {"none", "slaney"};
    static const char *const LOGN[] = {"log10_clamp", "ln_add", "ln_clamp", "none"};
    static const char *const FE[] = {"whisper", "nemo", "kaldi", "seamless"};
    char a[64], b[64];
    if (q->frontend != c->frontend && (unsigned)q->frontend < 4 && (unsigned)c->frontend < 4)
        set_diff(m, "frontend", FE[c->frontend], FE[q->frontend]);
    structural_diffs(m, q, c);
    bank_diffs(m, q, c);
    if (q->valid != c->valid && (unsigned)q->valid < 6 && (unsigned)c->valid < 6)
        set_diff(m, "valid", VALID_NAMES[c->valid], VALID_NAMES[q->valid]);
    if (q->mel_scale != c->mel_scale && (unsigned)q->mel_scale < 4 && (unsigned)c->mel_scale < 4)
        set_diff(m, "mel_scale", SC[c->mel_scale], SC[q->mel_scale]);
    if (q->mel_norm != c->mel_norm && (unsigned)q->mel_norm < 2 && (unsigned)c->mel_norm < 2)
        set_diff(m, "mel_norm", MN[c->mel_norm], MN[q->mel_norm]);
    if (q->log != c->log && (unsigned)q->log < 4 && (unsigned)c->log < 4) set_diff(m, "log", LOGN[c->log], LOGN[q->log]);
    if (strcmp(norm_word(q), norm_word(c))) /* (Whisper's max - 8 and (x + 4) / 4 left out; another family's) */
        set_diff(m, "normalize", norm_word(c), norm_word(q));
    /* (numbers in their shortest text that reads back) */
#define FDIFF(f)                                                                                                     \
    if (q->f != c->f) {                                                                                              \
        snprintf(a, sizeof a, "%.17g", (double)c->f), snprintf(b, sizeof b, "%.17g", (double)q->f);                  \
        for (int pr = 1; pr <= 17; pr++)                                                                             \
            if (snprintf(b, sizeof b, "%.*g", pr, (double)q->f) > 0 && strtod(b, NULL) == (double)q->f) break;       \
        set_diff(m, #f, a, b);                                                                                       \
        for (int j = 0; j < m->n_diff; j++)                                                                          \
            if (!strcmp(m->diff[j].field, #f)) m->diff[j].numeric = 1;                                               \
    }
    FDIFF(log_guard)
    FDIFF(preemph)
    FDIFF(remove_dc)
    FDIFF(scale)
    FDIFF(dither)
    FDIFF(use_energy)
    FDIFF(low_freq)
    FDIFF(high_freq)
#undef FDIFF
}

/* A plan's JSON (wmel_plan_to_json) as its entries, "frontend" first: each key and its value's
   text; their count, or -1 */
typedef struct jentry {
    char key[40];
    char val[104];
} jentry;
static int json_entries(const wmel_frontend_plan *p, jentry *e, int cap)
{
    char js[WMEL_PLAN_JSON_MAX];
    if (wmel_plan_to_json(p, js, sizeof js, NULL, 0)) return -1;
    int n = 0;
    for (char *line = js, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        if ((nl = strchr(line, '\n')) != NULL) *nl = '\0';
        char *k0 = strchr(line, '"'), *k1 = k0 ? strchr(k0 + 1, '"') : NULL;
        if (!k1 || k1[1] != ':' || n >= cap) continue;
        size_t vl = strlen(k1 + 3);
        if (vl && k1[3 + vl - 1] == ',') vl--;
        snprintf(e[n].key, sizeof e[n].key, "%.*s", (int)(k1 - k0 - 1), k0 + 1);
        snprintf(e[n].val, sizeof e[n].val, "%.*s", (int)vl, k1 + 3);
        n++;
    }
    return n > 0 && !strcmp(e[0].key, "frontend") ? n : -1;
}

/* the family's own value of option key (the one that leaves the family's plan as it is), as
   text, for a word or a switch; fe: the JSON's "frontend" value (quoted). 1 when found. */
static int family_value(const char *fe, const char *key, char *out, size_t len)
{
    const wmel_plan_field *f = NULL;
    for (size_t i = 0; i < wmel_plan_field_count() && !f; i++)
        if (!strcmp(wmel_plan_field_info(i)->name, key)) f = wmel_plan_field_info(i);
    char js[256];
    wmel_frontend_plan b, p;
    snprintf(js, sizeof js, "{\"frontend\": %s}", fe);
    if (!f || (f->kind != WMEL_PLAN_FIELD_STR && f->kind != WMEL_PLAN_FIELD_BOOL) ||
        wmel_plan_from_json(js, strlen(js), &b, NULL, 0))
        return 0;
    const char *t = f->kind == WMEL_PLAN_FIELD_BOOL ? "true false" : f->values;
    while (*t) {
        size_t n = 0;
        while (t[n] && (t[n] == '_' || (t[n] >= 'a' && t[n] <= 'z') || (t[n] >= '0' && t[n] <= '9'))) n++;
        if (n > 0 && n < 48) {
            const int sw = f->kind == WMEL_PLAN_FIELD_BOOL;
            snprintf(js, sizeof js, "{\"frontend\": %s, \"%s\": %s%.*s%s}", fe, key, sw ? "" : "\"", (int)n, t,
                     sw ? "" : "\"");
            if (!wmel_plan_from_json(js, strlen(js), &p, NULL, 0) && !memcmp(&p, &b, sizeof p)) {
                snprintf(out, len, "%.*s", (int)n, t);
                return 1;
            }
        }
        t += n ? n : 1;
    }
    return 0;
}

/* every field a start or a sibling preset may set, named in m against the claimed plan c: the
   family's (family_diffs), the explicit framing's, the finish's */
static void start_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c)
{
    family_diffs(m, q, c);
    NUM_DIFF(m, q, c, pad_left, "%d");
    NUM_DIFF(m, q, c, pad_right, "%d");
    NUM_DIFF(m, q, c, frame_span, "%d");
    NUM_DIFF(m, q, c, hop, "%d");
    NUM_DIFF(m, q, c, sample_rate, "%d");
    NUM_DIFF(m, q, c, norm_max, "%.17g");
    NUM_DIFF(m, q, c, norm_range, "%.17g");
    NUM_DIFF(m, q, c, n_samples, "%d");
    const int qp = !!(q->norm_flags & WMEL_NORMF_POPULATION), cp = !!(c->norm_flags & WMEL_NORMF_POPULATION);
    if (qp != cp && q->norm != WMEL_NORM_NONE) /* (the spread's ddof, where q divides by one) */
        set_diff(m, "norm_ddof", cp ? "0" : "1", qp ? "0" : "1");
    if (q->layout != c->layout)
        set_diff(m, "layout", c->layout == WMEL_LAYOUT_MELS_FRAMES ? "mels_frames" : "frames_mels",
                 q->layout == WMEL_LAYOUT_MELS_FRAMES ? "mels_frames" : "frames_mels");
    /* the affine a start carries (a library's dB: 20 log10 as 8.69 ln) as the search names its units */
    const double qa = q->affine ? q->post_scale : 1, qb = q->affine ? q->post_shift : 0;
    const double ca = c->affine ? c->post_scale : 1, cb = c->affine ? c->post_shift : 0;
    int units_named = 0;
    for (int j = 0; j < m->n_diff; j++) units_named |= !strcmp(m->diff[j].field, "units");
    if ((qa != ca || qb != cb) && !units_named) {
        char pa[64], fo[64];
        snprintf(pa, sizeof pa, "x %.6g %+.6g", ca, cb), snprintf(fo, sizeof fo, "x %.6g %+.6g", qa, qb);
        set_diff(m, "units", pa, fo);
    }
    /* every other option whose JSON differs (the normalisation's, ...), as the JSON writes it */
    jentry qe[72], ce[72];
    const int nq = json_entries(q, qe, 72), nc = json_entries(c, ce, 72);
    if (nq < 0 || nc < 0 || strcmp(qe[0].val, ce[0].val)) return;
    for (int i = 1; i < nq + nc; i++) {
        const jentry *e = i < nq ? &qe[i] : &ce[i - nq];
        const jentry *o = NULL, *mine = NULL;
        for (int j = 1; j < (i < nq ? nc : nq); j++)
            if (!strcmp((i < nq ? ce : qe)[j].key, e->key)) o = &(i < nq ? ce : qe)[j];
        if (i == nq || (i >= nq && o)) continue; /* (the family; a key named from q's side) */
        if (o && !strcmp(o->val, e->val)) continue;
        int named = 0;
        for (int j = 0; j < m->n_diff; j++) named |= !strcmp(m->diff[j].field, e->key);
        if (named || !strcmp(e->key, "batch_axis")) continue;
        mine = i < nq ? e : o;
        const jentry *theirs = i < nq ? o : e;
        char ta[104], tb[104]; /* (a value the family sets: its text where a word or a switch, else not named) */
        if (!theirs ? !family_value(qe[0].val, e->key, ta, sizeof ta) : snprintf(ta, sizeof ta, "%s", theirs->val) < 0)
            continue;
        if (!mine ? !family_value(qe[0].val, e->key, tb, sizeof tb) : snprintf(tb, sizeof tb, "%s", mine->val) < 0)
            continue;
        for (char *t = ta; t; t = t == ta ? tb : NULL) { /* (a string's quotes dropped; a switch as the search names it) */
            if (t[0] == '"' && strlen(t) > 1) memmove(t, t + 1, strlen(t)), t[strlen(t) - 1] = 0;
            if (!strcmp(t, "true") || !strcmp(t, "false")) snprintf(t, 104, "%d", t[0] == 't');
        }
        set_diff(m, e->key, ta, tb);
    }
}

/* How far plan p's output on clip c is from the port's whatever its units: the RMS of the
   port's values less the best affine map of p's (least squares over the finite cells), over
   the port's own spread; INFINITY where p cannot compute the clip or its shape differs (p's
   layout set to the port's orientation by shape_fits). A start a search moves units from. */
static double affine_gap(const wmel_frontend_plan *p, const wmel_dg_clip *c)
{
    wmel_params pr = wmel_default_params();
    pr.n_threads = 1;
    int st = 0;
    size_t R = 0, C = 0;
    wmel_ctx *ctx = wmel_create_plan(&pr, p, &st);
    double gap = INFINITY;
    float *y = NULL;
    if (!ctx || wmel_features_shape(ctx, c->n, &R, &C) || R * C != c->n_feat || !(y = malloc(R * C * sizeof *y)) ||
        wmel_features(ctx, c->audio, c->n, y, R * C))
        goto done;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, k = 0;
    for (size_t i = 0; i < R * C; i++) {
        const double a = y[i], b = c->feat[i];
        if (!isfinite(a) || !isfinite(b)) continue;
        sx += a, sy += b, sxx += a * a, sxy += a * b, syy += b * b, k++;
    }
    if (k < 2) goto done;
    const double vx = sxx - sx * sx / k, vy = syy - sy * sy / k, cxy = sxy - sx * sy / k;
    if (!(vy > 0)) goto done;
    const double res = vx > 0 ? vy - cxy * cxy / vx : vy; /* the residual's sum of squares */
    gap = sqrt(fmax(res, 0) / vy);
done:
    free(y);
    wmel_destroy(ctx);
    return gap;
}

/* The starts whose gap on the first clip is near the least (within twice it and 1e-4: a floor
   or a guard that few of its cells reach, float32's noise), where the least is under 1e-2 (a
   start that holds the first clip up to its units), told apart on every clip: each
   start's gap moved by the number of clips on which it is not near the least of them (the
   start that holds the most clips first, then the nearest on the first). */
static void near_gaps(joint_state *s, const wmel_frontend_plan *v, double *gap, int nv)
{
    double g0 = INFINITY;
    if (nv < 2) return;
    for (int i = 0; i < nv; i++)
        if (gap[i] < g0) g0 = gap[i];
    int *near = malloc((size_t)nv * sizeof *near), nn = 0;
    double *gk = malloc((size_t)nv * sizeof *gk);
    int *missed = calloc((size_t)nv, sizeof *missed);
    for (int i = 0; near && i < nv && g0 < 1e-2; i++) /* (starts that hold the first clip up to its units) */
        if (gap[i] <= 2 * g0 + 1e-4) near[nn++] = i;
    for (int k = 1; gk && missed && nn > 1 && k < s->n_clips; k++) {
        double best = INFINITY;
        for (int j = 0; j < nn; j++) {
            gk[j] = affine_gap(&v[near[j]], &s->clips[k]);
            s->evals++;
            if (gk[j] < best) best = gk[j];
        }
        for (int j = 0; j < nn; j++) missed[j] += !(gk[j] <= 2 * best + 1e-4);
    }
    for (int j = 0; missed && j < nn; j++) gap[near[j]] += missed[j];
    free(near), free(gk), free(missed);
}

/* 1: the claimed plan reproduces the first clip as it is (no other start before its own search) */
static int claim_holds_first(const joint_state *s)
{
    const wmel_dg_clip *c0 = &s->clips[0];
    wmel_dg_check_result ck;
    char e[256];
    return wmel_dg_check(s->claimed, c0->audio, c0->n, c0->feat, c0->n_feat, c0->shape, c0->ndim, s->dtype[0], &ck, e,
                         sizeof e) == 0 &&
           ck.ok;
}

/* phase 1's search from start v on the first clip; its answer taken where it reproduces more
   clips (1, into take), 0 not; a wmel_dg_run status in *rc */
static int search_from(joint_state *s, const wmel_frontend_plan *v, wmel_frontend_plan *take, int *best_ok, int *rc,
                       char *err, size_t err_len)
{
    const wmel_dg_clip *c = &s->clips[0];
    *rc = wmel_dg_run_opts(v, c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, &s->opts, s->cancel, s->cancel_arg,
                           s->r, err, err_len);
    if (s->jt->n_fits < WMEL_DG_JOINT_MAX_FITS) s->jt->fitted[s->jt->n_fits] = 0;
    s->jt->n_fits++;
    if (*rc && *rc != WMEL_DG_CANCELLED) *rc = 0;
    if (*rc) return 0;
    s->evals += s->r->evals;
    const wmel_frontend_plan *a2 = answer_of(s->r, v);
    if (!a2) return 0;
    int got = consider(s, a2, take, best_ok), framed = 0;
    if (*best_ok < s->n_clips) { /* (the start's frame count as a rule: scipy's padded frames) */
        wmel_frontend_plan base = *a2, *rv = malloc(32 * sizeof *rv);
        if (rv && try_rules(s, &base, rv, take, best_ok, &framed)) got = 1;
        free(rv);
    }
    if (!got) return 0;
    const wmel_frontend_plan t2 = *take;
    take_report(s, 0);
    s->best->n_diff = 0;
    *take = t2;
    return 1;
}

/* A claim of one family whose port computes another's, or a library's conventions
   (family_starts): phase 0, before the search from the claimed plan (whose free units would
   stand in for the structure): each start held against the first clip, those that reproduce it
   against every clip, the best taken; phase 1, where the answer does not reproduce every clip:
   a search on the first clip from the start nearest to it whatever its units (affine_gap), then
   from the nearest of another library, each answer taken where it reproduces more clips. 0, or
   a wmel_dg_run status. */
static int try_family_switch(joint_state *s, int phase, char *err, size_t err_len)
{
    if (s->have && s->n_ok >= s->n_clips) return 0;
    /* (the claimed plan that reproduces the first clip is searched from first: a start that
       computes the same is no other family) */
    if (phase == 0 && claim_holds_first(s)) return 0;
    wmel_frontend_plan *v = malloc(MAX_FAMILY * sizeof *v);
    const char **names = malloc(MAX_FAMILY * sizeof *names);
    double *gap = malloc(MAX_FAMILY * sizeof *gap);
    if (!v || !names || !gap) {
        free(v), free(names), free(gap);
        return 0;
    }
    const wmel_dg_clip *c = &s->clips[0];
    geom g[MAX_GEOM];
    const int ng = port_geometries(s, g);
    int nv = family_starts(s->claimed, c, v, names, g, ng);
    if (phase == 1 && s->have) add_c0_start(&s->plan, c, v, names, &nv); /* (the answer so far's) */
    wmel_frontend_plan take;
    int best_ok = s->have ? s->n_ok : 0, got = -1, rc = 0;
    for (int i = 0; i < nv; i++) {
        wmel_dg_check_result ck;
        char e2[256];
        gap[i] = INFINITY;
        if (phase == 1) {
            gap[i] = affine_gap(&v[i], c);
            s->evals++;
            continue;
        }
        if (names[i]) continue; /* (the libraries' starts: after the claimed family's search, phase 1) */
        if (wmel_dg_check(&v[i], c->audio, c->n, c->feat, c->n_feat, c->shape, c->ndim, s->dtype[0], &ck, e2, sizeof e2))
            continue;
        s->evals++;
        if (ck.ok && consider(s, &v[i], &take, &best_ok)) got = i;
    }
    if (phase == 1) near_gaps(s, v, gap, nv);
    /* round 0 the nearest start; round 1 the nearest of another library; round 2 the nearest in
       a geometry (rate, hop, window, transform) neither took: the units' gap barely tells
       geometries apart where the bank's edges differ too (a 16 kHz port's 50 Hz) */
    const char *tried = "";
    int took[2] = {-1, -1};
    for (int round = 0; phase == 1 && round < 3 && !rc && best_ok < s->n_clips; round++) {
        int near = -1;
        for (int i = 0; i < nv; i++) {
            int fresh = 1;
            for (int t = 0; t < round && round == 2; t++)
                fresh &= took[t] < 0 || v[i].sample_rate != v[took[t]].sample_rate || v[i].hop != v[took[t]].hop ||
                         v[i].frame_length != v[took[t]].frame_length || v[i].n_fft != v[took[t]].n_fft;
            if (isfinite(gap[i]) && (near < 0 || gap[i] < gap[near] * (1 - 1e-3)) && /* (near-ties, float32's noise among them: the first, the library's own finish) */
                (round != 1 || (names[i] ? names[i] : "") != tried) && fresh)
                near = i;
        }
        if (near < 0) break;
        tried = names[near] ? names[near] : "";
        if (round < 2) took[round] = near;
        if (search_from(s, &v[near], &take, &best_ok, &rc, err, err_len)) got = near;
    }
    if (got >= 0) {
        if (phase == 0) memset(s->best, 0, sizeof *s->best);
        s->best->matches = 0;
        s->best->explained = 1;
        s->best->has_plan = 1;
        start_diffs(s->best, &take, s->claimed);
        size_t nl = strlen(s->best->notes);
        if (names[got] == C0_START)
            snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sa search from the claimed plan with c0 as "
                     "the frame's log energy or not (Kaldi's MFCC use_energy)", nl ? "; " : "");
        else if (names[got])
            snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sthe front part as %s computes it (a start "
                     "from that library's conventions) before the claimed family's search and its free units",
                     nl ? "; " : "", names[got]);
        else
            snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sthe cepstra as the nemo family's (a DCT of "
                     "ln(mel + 1e-6), centred frames) before the claimed family's search and its free units",
                     nl ? "; " : "");
        s->plan = take;
        s->have = 1;
        s->n_ok = best_ok;
        memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    }
    free(v), free(names), free(gap);
    return rc;
}

static int run_joint(const wmel_frontend_plan *plan, const wmel_dg_clip *clips, int n_clips, const wmel_dg_opts *opts,
                     wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out, wmel_dg_check_result *checks,
                     wmel_dg_joint *jt, int alternatives, char *err, size_t err_len);
/* the fits an alternative's own joint fit runs at most (its first clip's and one more: the
   alternatives are plans one or two fields from the port's, or none is) */
#define ALT_MAX_FITS 2
/* and the candidates each of its searches computes at most */
#define ALT_MAX_CANDIDATES 1000

static double affine_gap(const wmel_frontend_plan *p, const wmel_dg_clip *c);
/* 1: one of the libraries' starts at the claim's rate computes the first clip as the port does
   up to its units (affine_gap under 1e-3) */
static int near_library(joint_state *s)
{
    wmel_frontend_plan *v = malloc(MAX_FAMILY * sizeof *v);
    const char **names = malloc(MAX_FAMILY * sizeof *names);
    int got = 0;
    if (v && names) {
        geom g[MAX_GEOM];
        const int ng = port_geometries(s, g);
        const int nv = library_starts(s->claimed, &s->clips[0], v, names, 0, MAX_FAMILY, g, ng);
        for (int i = 0; i < nv && !got; i++) {
            if (v[i].sample_rate != s->claimed->sample_rate) continue; /* (another rate: after the claimed search) */
            got = affine_gap(&v[i], &s->clips[0]) < 1e-3;
            s->evals++;
        }
    }
    free(v), free(names);
    return got;
}

/* 1: some clip's port values span more than Whisper's finish leaves (max - R, then / 4: R / 4) */
static int span_exceeds(const joint_state *s, double range)
{
    for (int k = 0; k < s->n_clips; k++) {
        const wmel_dg_clip *c = &s->clips[k];
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < c->n_feat; i++)
            if (isfinite(c->feat[i])) {
                if (c->feat[i] < lo) lo = c->feat[i];
                if (c->feat[i] > hi) hi = c->feat[i];
            }
        if (hi > lo && (double)hi - lo > range / 4 * (1 + 1e-3)) return 1;
    }
    return 0;
}

/* A whisper claim the answer does not reproduce on every clip: the plans the whisper family's
   search does not reach, held against every clip and searched from on the first clip not
   reproduced: Whisper's finish without its max - R floor (norm_range 1e30) where the port's
   values span more than R / 4, and the same plan in the nemo front-end with no normalisation
   (a log of the mel energies the port finishes itself: ln(m + guard)). The best taken. 0, or
   a wmel_dg_run status. */
static int try_whisper_alternatives(joint_state *s, char *err, size_t err_len)
{
    const wmel_frontend_plan *c = s->claimed;
    if (c->frontend != WMEL_FRONTEND_WHISPER || (s->have && s->n_ok >= s->n_clips) || s->alts_tried) return 0;
    s->alts_tried = 1;
    wmel_frontend_plan v[5];
    int nv = 0, k0 = 0;
    const double range = c->norm_range > 0 ? c->norm_range : 8.0;
    if (c->norm == WMEL_NORM_WHOLE && !c->affine && span_exceeds(s, range)) {
        for (int from = 0; from < 2; from++) {
            wmel_frontend_plan p = from && s->have ? s->plan : *c;
            if (from && !s->have) break;
            p.norm_range = 1e30;
            if (!wmel_plan_check(&p, NULL, 0) && (!nv || memcmp(&p, &v[0], sizeof p))) v[nv++] = p;
        }
    }
    if (c->norm == WMEL_NORM_WHOLE) {
        wmel_frontend_plan p = *c;
        p.frontend = WMEL_FRONTEND_NEMO;
        p.norm = WMEL_NORM_NONE;
        wmel_frontend_plan pl = p;
        pl.log = WMEL_LOG_ADD; /* (the port's own log: ln(m + guard), first) */
        if (!wmel_plan_check(&pl, NULL, 0)) v[nv++] = pl;
        if (!wmel_plan_check(&p, NULL, 0)) v[nv++] = p;
    }
    for (int k = 0; k < s->n_clips; k++)
        if (!s->ck[k].ok) {
            k0 = k;
            break;
        }
    wmel_frontend_plan take;
    int best_ok = s->have ? s->n_ok : 0, rc = 0;
    (void)k0;
    wmel_dg_opts alt_opts = s->opts0 ? *s->opts0 : (wmel_dg_opts){0};
    if (!alt_opts.max_candidates || alt_opts.max_candidates > ALT_MAX_CANDIDATES)
        alt_opts.max_candidates = ALT_MAX_CANDIDATES;
    wmel_dg_result *r2 = malloc(sizeof *r2);
    wmel_dg_check_result *ck = malloc((size_t)s->n_clips * sizeof *ck);
    wmel_dg_joint *jt2 = malloc(sizeof *jt2);
    for (int i = 0; i < nv && best_ok < s->n_clips && r2 && ck && jt2; i++) {
        int got = consider(s, &v[i], &take, &best_ok);
        if (got) {
            memset(s->best, 0, sizeof *s->best);
            s->best->explained = 1;
        } else {
            /* one plan on every clip from it (its own search on each clip not reproduced) */
            rc = run_joint(&v[i], s->clips, s->n_clips, &alt_opts, s->cancel, s->cancel_arg, r2, ck, jt2, 0, err,
                           err_len);
            if (rc == WMEL_DG_CANCELLED) break;
            if (rc) {
                rc = 0;
                continue;
            }
            s->evals += r2->evals;
            s->jt->n_fits += jt2->n_fits;
            int ok = 0;
            for (int k = 0; k < s->n_clips; k++) ok += ck[k].ok;
            if (!r2->has_plan || ok <= best_ok) continue;
            best_ok = ok;
            take = r2->plan;
            memcpy(s->ck3, ck, (size_t)s->n_clips * sizeof *ck);
            *s->best = *r2;
            s->best->matches = 0;
            s->best->explained = 1;
            s->best->notes[0] = 0;
        }
        if (take.norm_range != c->norm_range) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%.17g", c->norm_range > 0 ? c->norm_range : 8.0);
            snprintf(b, sizeof b, "%.17g", take.norm_range);
            set_diff(s->best, "norm_range", a, b);
        }
        if (take.norm != c->norm) set_diff(s->best, "normalize", "whole", "none");
        if (take.frontend != c->frontend) {
            set_diff(s->best, "frontend", "whisper", "nemo");
            size_t nl = strlen(s->best->notes);
            snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sa nemo front-end's plan with Whisper's "
                     "values and no normalisation (the whisper front-end has none)", nl ? "; " : "");
        }
        structural_diffs(s->best, &take, c);
        s->best->has_plan = 1;
        s->plan = take;
        s->have = 1;
        s->n_ok = best_ok;
        memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    }
    free(r2), free(ck), free(jt2);
    return rc;
}

/* The least value the plan's output takes: the log of its guard (a clamp's floor, an offset's
   least), through the affine after it, or the value of frames past the valid ones where less;
   0 for a plan whose output has no such floor (a normalisation, cepstra, deltas, an energy
   column, stacked rows, a fixed frame count) */
static int log_floor(const wmel_frontend_plan *p, double *fl)
{
    if (p->norm != WMEL_NORM_NONE || p->n_ceps || p->delta_win || p->use_energy || p->stack > 1 || p->n_frames ||
        p->pad_to > 1 || p->linear_bins || !(p->log_guard > 0))
        return 0;
    double v;
    if (p->log == WMEL_LOG_CLAMP || p->log == WMEL_LOG_ADD) v = log(p->log_guard);
    else if (p->log == WMEL_LOG10_CLAMP) v = log10(p->log_guard);
    else return 0;
    if (p->pad_value < v) v = p->pad_value; /* (frames past the valid ones hold it) */
    if (p->affine) {
        if (!(p->post_scale > 0)) return 0;
        v = v * p->post_scale + p->post_shift;
        if (p->pad_value < v) v = p->pad_value;
    }
    *fl = v;
    return isfinite(v);
}

/* The clip holding the port's least value below the answer's floor (log_floor) by more than 1 %
   of it, that floor in *fl and the value in *lo; -1 for none. An answer whose guard replaces
   exact zeros only (ln_zero, log10_zero) and reproduces not every clip: its clamp's floor. */
static int floor_breach(const joint_state *s, double *fl, float *lo)
{
    wmel_frontend_plan q = s->plan;
    if (s->n_ok < s->n_clips && (q.log == WMEL_LOG_ZERO || q.log == WMEL_LOG10_ZERO))
        q.log = q.log == WMEL_LOG_ZERO ? WMEL_LOG_CLAMP : WMEL_LOG10_CLAMP;
    if (!log_floor(&q, fl)) return -1;
    const double lim = *fl - 1e-2 * (fabs(*fl) > 1 ? fabs(*fl) : 1);
    int at = -1;
    *lo = INFINITY;
    for (int k = 0; k < s->n_clips; k++)
        for (size_t i = 0; i < s->clips[k].n_feat; i++) {
            const float v = s->clips[k].feat[i];
            if (isfinite(v) && v < lim && v < *lo) *lo = v, at = k;
        }
    return at;
}

/* take (a plan with another log or guard, reproducing best_ok clips: consider's) as the answer,
   its log and guard named against the claimed plan's */
static void take_guard(joint_state *s, const wmel_frontend_plan *take, int best_ok)
{
    s->plan = *take;
    s->n_ok = best_ok;
    memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
    wmel_dg_result *m = s->best;
    drop_diff(m, "log");
    if ((unsigned)s->claimed->log < 6 && (unsigned)take->log < 6 && take->log != s->claimed->log)
        set_diff(m, "log", LOGS[s->claimed->log], LOGS[take->log]);
    char a[40], b[40];
    snprintf(a, sizeof a, "%.17g", s->claimed->log_guard);
    snprintf(b, sizeof b, "%.17g", take->log_guard);
    drop_diff(m, "log_guard");
    if (take->log_guard != s->claimed->log_guard) set_num_diff(m, "log_guard", a, b);
    m->explained = 1;
}

/* A guard that replaces exact zeros only (python_speech_features' and spafe's np.where(x == 0,
   eps, x) before the log): where the answer so far has a clamp (ln_clamp, log10_clamp) and
   reproduces not every clip, or the port's values go below its floor (floor_breach: energies
   under the guard logged as they are), the same plan with the log that takes every energy as
   it is and the guard in place of a 0 (ln_zero, log10_zero), the guard the answer's, numpy's
   float64 eps or float32's, held against every clip; taken where it reproduces them all.
   1 when taken. */
static int zero_guard(joint_state *s)
{
    const wmel_frontend_plan *q = &s->plan;
    double fl;
    float lo;
    if (!s->have || (q->log != WMEL_LOG_CLAMP && q->log != WMEL_LOG10_CLAMP) ||
        (s->n_ok == s->n_clips && floor_breach(s, &fl, &lo) < 0))
        return 0;
    const double guards[] = {q->log_guard, DBL_EPSILON, FLT_EPSILON};
    wmel_frontend_plan take;
    int best_ok = s->n_ok < s->n_clips ? s->n_ok : s->n_clips - 1, got = 0;
    for (int i = 0; i < 3 && !got; i++) {
        wmel_frontend_plan p = *q;
        p.log = q->log == WMEL_LOG_CLAMP ? WMEL_LOG_ZERO : WMEL_LOG10_ZERO;
        p.log_guard = guards[i];
        if ((i && guards[i] == q->log_guard) || wmel_plan_check(&p, NULL, 0)) continue;
        got = consider(s, &p, &take, &best_ok) && best_ok == s->n_clips;
    }
    if (!got) return 0;
    take_guard(s, &take, best_ok);
    const size_t nl = strlen(s->best->notes);
    snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sthe log's guard replaces energies of exactly 0 "
             "only (log %s): energies under it are logged as they are", nl ? "; " : "", LOGS[take.log]);
    return 1;
}

/* The guard that puts the answer's floor (log_floor) at the port's least value, where the two
   differ by more than 0.1 % and the answer reproduces not every clip (a silence's cells are
   the log of the guard alone: log10(m + 1e-9) read at a grid's 1e-6): that guard, its one
   significant digit and its nearest power of two, each with the answer's log and its twin
   (a clamp or an added guard; log10's added one as ln_add with the affine's 1 / ln 10), held
   against every clip; the one that reproduces the most (more than the answer) taken. 1 when
   taken. */
static int solve_guard(joint_state *s)
{
    const wmel_frontend_plan *q = &s->plan;
    double fl;
    if (!s->have || s->n_ok >= s->n_clips || !log_floor(q, &fl) || q->pad_value < fl) return 0;
    float lo = INFINITY;
    for (int k = 0; k < s->n_clips; k++)
        for (size_t i = 0; i < s->clips[k].n_feat; i++)
            if (isfinite(s->clips[k].feat[i]) && s->clips[k].feat[i] < lo) lo = s->clips[k].feat[i];
    if (!isfinite(lo) || !(fabs(lo - fl) > 1e-3 * (fabs(fl) > 1 ? fabs(fl) : 1))) return 0;
    const double a = q->affine ? q->post_scale : 1, b = q->affine ? q->post_shift : 0;
    const double v = ((double)lo - b) / a, g = q->log == WMEL_LOG10_CLAMP ? pow(10, v) : exp(v);
    if (!(g > 0) || !isfinite(g)) return 0;
    const double dec = pow(10, floor(log10(g))), guards[] = {nearbyint(g / dec) * dec, pow(2, nearbyint(log2(g))), g};
    wmel_frontend_plan take;
    int best_ok = s->n_ok, got = 0;
    for (int i = 0; i < 3 && best_ok < s->n_clips; i++)
        for (int twin = 0; twin < 2 && best_ok < s->n_clips; twin++) {
            wmel_frontend_plan p = *q;
            p.log_guard = guards[i];
            if (twin && q->log == WMEL_LOG10_CLAMP) {
                p.log = WMEL_LOG_ADD;
                p.affine = 1, p.post_scale = a / log(10.0), p.post_shift = b;
            } else if (twin) {
                p.log = q->log == WMEL_LOG_ADD ? WMEL_LOG_CLAMP : WMEL_LOG_ADD;
            }
            if (wmel_plan_check(&p, NULL, 0)) continue;
            if (consider(s, &p, &take, &best_ok)) got = 1;
        }
    if (!got) return 0;
    take_guard(s, &take, best_ok);
    if (take.affine && !s->claimed->affine) {
        char t[48];
        snprintf(t, sizeof t, "%.17g", take.post_scale);
        set_num_diff(s->best, "post_scale", "1", t);
    }
    const size_t nl = strlen(s->best->notes);
    snprintf(s->best->notes + nl, sizeof s->best->notes - nl, "%sthe log's guard read from the port's least value "
             "(%.6g: the log of the guard alone)", nl ? "; " : "", (double)lo);
    return 1;
}

/* A plan that reproduces every clip, where a port's value lies below the plan's floor
   (log_floor) by more than 1 % of it: the port's log of energies under the guard, which a
   guard replacing exact zeros only gives (python_speech_features' np.where(x == 0, eps, x)),
   and no clamp or offset of a plan computes (zero_guard's plans, ln_zero with the guards it
   tries, not reproducing every clip) -- the cells' bounds took them for float rounding (far
   below their frame's largest). The clip named (its check failed, jt->failed) and the
   answer's reason set. 1 when refused. */
static int below_floor(joint_state *s)
{
    double fl;
    float lo;
    const int at = floor_breach(s, &fl, &lo);
    if (at < 0) return 0;
    char t[200];
    snprintf(t, sizeof t, "the port's values go below its log guard's floor (%.4g) to %.4g: energies under it logged "
             "as they are; ln_zero (a guard of exact zeros only) with the guards tried reproduces not all", fl,
             (double)lo);
    s->jt->failed = at;
    s->ck[at].ok = 0;
    snprintf(s->ck[at].why, sizeof s->ck[at].why, "%s", t);
    snprintf(s->best->not_expressible, sizeof s->best->not_expressible, "%s", t);
    return 1;
}

/* the axes of clip c's features longer than 1 (at most two) into a[2]; their count */
static int port_axes(const wmel_dg_clip *c, size_t a[2])
{
    int na = 0;
    a[0] = a[1] = 1;
    for (int i = 0; i < c->ndim; i++)
        if (c->shape[i] != 1 && na < 2) a[na++] = c->shape[i];
    return na;
}

/* The port's frame count fixed whatever the clip's length (every clip's features of one
   shape, the clips' lengths several times apart): a padding (or cut) to a fixed duration.
   The plan so far with zeros up to each whole second whose frame count is the port's
   (n_samples: Whisper's 30 s, CLAP's 10 s) is held against every clip, taken where it
   reproduces more; where none reproduces them all, the reason in why. 1: the count is fixed. */
static int fixed_length(joint_state *s, char *why, size_t wl)
{
    size_t a0[2], a[2], nmin = (size_t)-1, nmax = 0;
    port_axes(&s->clips[0], a0);
    for (int k = 0; k < s->n_clips; k++) {
        port_axes(&s->clips[k], a);
        if (a[0] != a0[0] || a[1] != a0[1]) return 0;
        if (s->clips[k].n < nmin) nmin = s->clips[k].n;
        if (s->clips[k].n > nmax) nmax = s->clips[k].n;
    }
    if (s->n_clips < 2 || nmax < 2 * nmin) return 0;
    wmel_frontend_plan take;
    int best_ok = s->n_ok, got = 0, tried = 0;
    size_t sec = 0;
    for (int k = 1; k <= 360 && !got; k++) { /* each second up to 60 s, from the claimed plan, then the answer so far,
                                                 then each with the port's width as its mel count (k > 120) */
        const int kk = (k - 1) % 120 + 1, wide = (k - 1) / 120; /* wide 1, 2: the width on axis 0, 1 */
        wmel_frontend_plan p = kk > 60 && s->have ? s->plan : *s->claimed;
        if (kk > 60 && !s->have) continue;
        if (wide) {
            if (a0[wide - 1] > 512 || (int)a0[wide - 1] == p.n_mels + p.use_energy || p.n_ceps || p.linear_bins) continue;
            p.n_mels = (int)a0[wide - 1] - p.use_energy;
        }
        p.n_frames = 0;
        p.pad_value = s->claimed->pad_value;
        p.n_samples = (kk - 1) % 60 * p.sample_rate + p.sample_rate;
        wmel_plan_counts pc;
        if (wmel_plan_check(&p, NULL, 0) || wmel_plan_frames(&p, nmin, &pc) ||
            !((pc.rows == a0[0] && pc.cols == a0[1]) || (pc.rows == a0[1] && pc.cols == a0[0])))
            continue;
        if (pc.rows != a0[0]) p.layout = p.layout == WMEL_LAYOUT_MELS_FRAMES ? WMEL_LAYOUT_FRAMES_MELS : WMEL_LAYOUT_MELS_FRAMES;
        tried++;
        sec = (size_t)((kk - 1) % 60 + 1);
        if (consider(s, &p, &take, &best_ok)) {
            got = 1;
            s->plan = take;
            s->have = 1;
            s->n_ok = best_ok;
            memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
        }
    }
    if (got && s->n_ok == s->n_clips) {
        wmel_dg_result *m = s->best;
        if (m->n_diff < WMEL_DG_MAX_DIFF) {
            wmel_dg_diff *d = &m->diff[m->n_diff++];
            memset(d, 0, sizeof *d);
            snprintf(d->field, sizeof d->field, "n_samples");
            snprintf(d->preset, sizeof d->preset, "%d", s->claimed->n_samples);
            snprintf(d->found, sizeof d->found, "%d", s->plan.n_samples);
            d->numeric = 1;
            d->without = -1;
        }
        NUM_DIFF(m, &s->plan, s->claimed, n_mels, "%d");
        m->explained = 1;
        return 1;
    }
    char t[320];
    if (tried)
        snprintf(t, sizeof t, "a fixed frame count (%zu x %zu for clips of %zu to %zu samples): zeros to %zu s "
                 "(n_samples) do not reproduce it, the padding is not silence", a0[0], a0[1], nmin, nmax, sec);
    else
        snprintf(t, sizeof t, "a fixed frame count (%zu x %zu for clips of %zu to %zu samples): no padding to "
                 "1 to 60 s gives it", a0[0], a0[1], nmin, nmax);
    snprintf(why, wl, "%.*s", (int)(wl - 1), t);
    return 1;
}

/* The bank's and the transform's conventions the field search does not walk, tried where the
   answer does not reproduce every clip, as changes of the answer so far and of the claimed plan:
   SpeechBrain's symmetric triangles off (the Hz triangles of torchaudio's and librosa's banks),
   the window in a 512-point transform (librosa's n_fft 512 around a 400 window), a floor on
   each bin's power before the magnitude (mag_guard max:1e-10, espnet2's TTS LogMelFbank), and
   the periodic Hann with reflect centring (torch.stft's); every combination of them, the fewest
   changes first, held against every clip, the first that reproduces the most taken with its
   fields named against the claimed plan. */
enum {
    ALT_SYM = 1, ALT_NFFT = 2, ALT_GUARD = 4, ALT_HANN = 8, ALT_TWIN = 16, ALT_TF = 32, ALT_KC = 64, ALT_POW = 128,
    ALT_DDOF = 256, ALT_SBMAG = 512
};
/* a window's twin: the periodic window of a symmetric one and the reverse (-1: none) */
static int window_twin(int w)
{
    static const int PAIRS[][2] = {{WMEL_WINDOW_HANN, WMEL_WINDOW_HANN_PERIODIC},
                                   {WMEL_WINDOW_HAMMING, WMEL_WINDOW_HAMMING_PERIODIC},
                                   {WMEL_WINDOW_BLACKMAN, WMEL_WINDOW_BLACKMAN_PERIODIC},
                                   {WMEL_WINDOW_BARTLETT, WMEL_WINDOW_BARTLETT_PERIODIC}};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 2; k++)
            if (PAIRS[i][k] == w) return PAIRS[i][1 - k];
    return -1;
}
static int bank_variant(const wmel_frontend_plan *b, int mask, wmel_frontend_plan *p)
{
    *p = *b;
    if (mask & ALT_TWIN) {
        if (window_twin(b->window) < 0 || (mask & ALT_HANN)) return 0;
        p->window = window_twin(b->window);
    }
    if (mask & ALT_TF) {
        if (b->mel_scale != WMEL_MEL_HTK && b->mel_scale != WMEL_MEL_KALDI) return 0;
        p->mel_scale = WMEL_MEL_TF;
    }
    if (mask & ALT_DDOF) { /* the spread's ddof 0 for 1 or the reverse (numpy's std, torch's) */
        if (b->norm == WMEL_NORM_NONE || (b->norm == WMEL_NORM_WHOLE && !(b->norm_flags & WMEL_NORMF_THEN_MEAN_VAR)))
            return 0;
        p->norm_flags ^= WMEL_NORMF_POPULATION;
    }
    if (mask & ALT_SBMAG) { /* SpeechBrain's spectral_magnitude(power=0.5): sqrt(|X|^2 + 1e-14) */
        if (b->power != 2 || b->mag_guard_mode != WMEL_MAG_GUARD_NONE || (mask & (ALT_POW | ALT_GUARD))) return 0;
        p->power = 1;
        p->mag_guard_mode = WMEL_MAG_GUARD_ADD;
        p->mag_guard = 1e-14;
    }
    if (mask & ALT_POW) { /* the magnitude's spectrum for the power's, or the reverse */
        if (b->power != 1 && b->power != 2) return 0;
        p->power = 3 - b->power;
    }
    if (mask & ALT_KC) { /* Kaldi's centring (snip_edges false: the edges mirrored) in another family */
        if (b->framing == WMEL_FRAMES_KALDI_CENTER || (mask & ALT_HANN)) return 0;
        p->framing = WMEL_FRAMES_KALDI_CENTER;
        p->pad_left = p->pad_right = p->frame_span = p->window_offset = 0;
        p->valid = WMEL_VALID_ALL;
    }
    if (mask & ALT_SYM) {
        if (!(b->bank_flags & WMEL_BANK_SYMMETRIC)) return 0;
        p->bank_flags &= ~WMEL_BANK_SYMMETRIC;
    }
    if (mask & ALT_NFFT) {
        if (b->n_fft >= 512 || b->frame_length > 512 || b->linear_bins) return 0;
        p->n_fft = 512;
    }
    if (mask & ALT_GUARD) {
        if (b->mag_guard_mode != WMEL_MAG_GUARD_NONE) return 0;
        p->mag_guard_mode = WMEL_MAG_GUARD_MAX;
        p->mag_guard = 1e-10;
    }
    if (mask & ALT_HANN) {
        if ((b->window == WMEL_WINDOW_HANN_PERIODIC && b->framing == WMEL_FRAMES_CENTER_REFLECT) || b->pad_left ||
            b->pad_right)
            return 0;
        p->window = WMEL_WINDOW_HANN_PERIODIC;
        p->framing = WMEL_FRAMES_CENTER_REFLECT;
    }
    return !wmel_plan_check(p, NULL, 0);
}

/* the fields bank_variant changes, named in m against the claimed plan c */
static void bank_diffs(wmel_dg_result *m, const wmel_frontend_plan *q, const wmel_frontend_plan *c)
{
    static const char *const WIN[] = {"hann_periodic", "hann", "hamming", "povey", "rect", "blackman", "bartlett",
                                      "sine", "hamming_periodic", "blackman_periodic", "bartlett_periodic"};
    static const char *const FR[] = {"snip", "center_reflect", "center_zero", "kaldi_center"};
    char a[64], b[64];
    const int sq = !!(q->bank_flags & WMEL_BANK_SYMMETRIC), sc = !!(c->bank_flags & WMEL_BANK_SYMMETRIC);
    if (sq != sc) set_diff(m, "symmetric_bank", sc ? "true" : "false", sq ? "true" : "false");
    if (q->n_fft != c->n_fft) {
        snprintf(a, sizeof a, "%d", c->n_fft), snprintf(b, sizeof b, "%d", q->n_fft);
        set_diff(m, "n_fft", a, b);
    }
    if (q->mag_guard_mode != c->mag_guard_mode || q->mag_guard != c->mag_guard) {
        snprintf(a, sizeof a, "%s", "none");
        if (c->mag_guard_mode) snprintf(a, sizeof a, "%s:%g", c->mag_guard_mode == WMEL_MAG_GUARD_MAX ? "max" : "add", c->mag_guard);
        snprintf(b, sizeof b, "%s:%g", q->mag_guard_mode == WMEL_MAG_GUARD_MAX ? "max" : "add", q->mag_guard);
        set_diff(m, "mag_guard", a, b);
    }
    if (q->window != c->window && (unsigned)q->window < 11 && (unsigned)c->window < 11)
        set_diff(m, "window", WIN[c->window], WIN[q->window]);
    if (q->framing != c->framing && (unsigned)q->framing < 4 && (unsigned)c->framing < 4)
        set_diff(m, "framing", FR[c->framing], FR[q->framing]);
    static const char *const SC[] = {"slaney", "kaldi", "htk", "tf"};
    if (q->mel_scale != c->mel_scale && (unsigned)q->mel_scale < 4 && (unsigned)c->mel_scale < 4)
        set_diff(m, "mel_scale", SC[c->mel_scale], SC[q->mel_scale]);
    if (q->power != c->power) {
        snprintf(a, sizeof a, "%d", (int)c->power), snprintf(b, sizeof b, "%d", (int)q->power);
        set_diff(m, "power", a, b);
    }
    const int qp = !!(q->norm_flags & WMEL_NORMF_POPULATION), cp = !!(c->norm_flags & WMEL_NORMF_POPULATION);
    if (qp != cp && q->norm != WMEL_NORM_NONE) set_diff(m, "norm_ddof", cp ? "0" : "1", qp ? "0" : "1");
    static const char *const TAIL[] = {"zero", "drop", "trim", "last"};
    if (q->stack_tail != c->stack_tail && (unsigned)q->stack_tail < 4 && (unsigned)c->stack_tail < 4)
        set_diff(m, "stack_tail", TAIL[c->stack_tail], TAIL[q->stack_tail]);
    NUM_DIFF(m, q, c, sample_rate, "%d");
    NUM_DIFF(m, q, c, low_freq, "%.17g");
    NUM_DIFF(m, q, c, high_freq, "%.17g");
    /* the explicit framing a variant clears (Kaldi's centring): named anew, or dropped where
       the claimed plan's again */
    static const char *const VN[] = {"all", "hop", "trim", "end", "ceil", "but_last"};
    const int qv[] = {q->pad_left, q->pad_right, q->frame_span}, cv[] = {c->pad_left, c->pad_right, c->frame_span};
    static const char *const FN[] = {"pad_left", "pad_right", "frame_span", "valid"};
    for (int f = 0; f < 4; f++) {
        const int same = f < 3 ? qv[f] == cv[f] : q->valid == c->valid;
        if (same) drop_diff(m, FN[f]);
        if (same) continue;
        if (f < 3) snprintf(a, sizeof a, "%d", cv[f]), snprintf(b, sizeof b, "%d", qv[f]);
        else if ((unsigned)q->valid < 6 && (unsigned)c->valid < 6) snprintf(a, sizeof a, "%s", VN[c->valid]), snprintf(b, sizeof b, "%s", VN[q->valid]);
        else continue;
        set_diff(m, FN[f], a, b);
    }
}

/* the bank at another sample rate (the port's own, fixed whatever the clips' rate: a 16 kHz
   HiFi-GAN mel claimed as a 24 kHz vocoder's): every frequency of the bank scaled with it */
static int rate_variant(const wmel_frontend_plan *b, int rate, wmel_frontend_plan *p)
{
    if (rate == b->sample_rate || b->linear_bins) return 0;
    *p = *b;
    const double k = (double)rate / b->sample_rate;
    p->sample_rate = rate;
    p->low_freq = b->low_freq * k;
    p->high_freq = b->high_freq * k;
    return !wmel_plan_check(p, NULL, 0);
}

/* the claimed plan with the answer's shape and geometry (the bank's size, cepstra, the frames'
   lengths, hop and padding, the layout and the batch axis): the conventions tried without the
   free choices a search made in the values */
static void shape_base(const joint_state *s, wmel_frontend_plan *p)
{
    *p = *s->claimed;
    const wmel_frontend_plan *q = &s->plan;
    p->n_mels = q->n_mels, p->n_ceps = q->n_ceps, p->use_energy = q->use_energy, p->linear_bins = q->linear_bins;
    p->first_bin = q->first_bin, p->hop = q->hop, p->layout = q->layout, p->batch_axis = q->batch_axis;
    p->framing = q->framing, p->pad_left = q->pad_left, p->pad_right = q->pad_right, p->pad_mode = q->pad_mode;
    p->frame_span = q->frame_span, p->frame_length = q->frame_length, p->n_fft = q->n_fft;
    p->window_offset = q->window_offset, p->stack_tail = q->stack_tail;
    if (wmel_plan_check(p, NULL, 0)) { /* (a geometry the claimed family refuses: the shape alone) */
        *p = *s->claimed;
        p->n_mels = q->n_mels, p->n_ceps = q->n_ceps, p->use_energy = q->use_energy, p->linear_bins = q->linear_bins;
        p->first_bin = q->first_bin, p->hop = q->hop, p->layout = q->layout, p->batch_axis = q->batch_axis;
    }
}

static void try_bank_alternatives(joint_state *s)
{
    static const int MASKS[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 3, 5, 6, 9, 10, 12, 17, 18, 33, 34, 65, 66, 129,
                                130, 513, 514, 7, 11, 13, 14, 35, 15};
    static const int RATES[] = {16000, 22050, 24000, 44100, 48000, 8000};
    wmel_frontend_plan take, p, sb;
    int best_ok = s->have ? s->n_ok : 0, got = 0, from = 0;
    if (s->have) shape_base(s, &sb);
    for (int b = 0; b < 3 && best_ok < s->n_clips; b++) {
        const wmel_frontend_plan *base = b == 1 ? s->claimed : b == 2 ? &sb : &s->plan;
        if (b != 1 && (!s->have || !memcmp(&s->plan, s->claimed, sizeof s->plan) ||
                       (b == 2 && (!memcmp(&sb, s->claimed, sizeof sb) || !memcmp(&sb, &s->plan, sizeof sb)))))
            continue;
        for (int i = 0; i < (int)(sizeof MASKS / sizeof MASKS[0]) && best_ok < s->n_clips; i++)
            if (bank_variant(base, MASKS[i], &p) && consider(s, &p, &take, &best_ok)) got = 1, from = b;
        for (int i = 0; i < 6 && best_ok < s->n_clips; i++)
            if (rate_variant(base, RATES[i], &p) && consider(s, &p, &take, &best_ok)) got = 1, from = b;
    }
    if (!got) return;
    wmel_dg_result *m = s->best;
    if (from) { /* from the claimed plan: the search's differences are not the answer's */
        m->n_diff = 0;
        m->notes[0] = 0;
    }
    m->not_expressible[0] = 0;
    if (from) start_diffs(m, &take, s->claimed);
    else bank_diffs(m, &take, s->claimed);
    size_t nl = strlen(m->notes);
    snprintf(m->notes + nl, sizeof m->notes - nl, "%sthe bank's and the transform's conventions (symmetric_bank, n_fft "
             "512, mag_guard, periodic Hann with reflect centring, the window's periodic or symmetric twin, TF's mel "
             "scale, Kaldi's centring, the magnitude for the power (SpeechBrain's with its 1e-14), the spread's ddof, "
             "the bank's sample rate) tried on the %s", nl ? "; " : "",
             from == 1 ? "claimed plan" : from == 2 ? "claimed plan with the answer's shape" : "answer");
    m->explained = 1;
    m->has_plan = 1;
    s->plan = take;
    s->have = 1;
    s->n_ok = best_ok;
    memcpy(s->ck, s->ck3, (size_t)s->n_clips * sizeof *s->ck);
}

/* the answer's plan with its entry `key` as the claimed plan has it (ce's, or the family's own
   where ce has none) into *p; 1 where it parses to a plan other than the answer's */
static int reverted(const joint_state *s, const jentry *qe, int nq, const jentry *ce, int nc, const char *key,
                    wmel_frontend_plan *p)
{
    char js[WMEL_PLAN_JSON_MAX + 160];
    size_t l = (size_t)snprintf(js, sizeof js, "{");
    for (int i = 0; i < nq && l < sizeof js; i++)
        if (strcmp(qe[i].key, key))
            l += (size_t)snprintf(js + l, sizeof js - l, "%s\"%s\": %s", i ? ", " : "", qe[i].key, qe[i].val);
    for (int j = 0; j < nc && l < sizeof js; j++)
        if (!strcmp(ce[j].key, key)) l += (size_t)snprintf(js + l, sizeof js - l, ", \"%s\": %s", ce[j].key, ce[j].val);
    if (l + 2 >= sizeof js) return 0;
    snprintf(js + l, sizeof js - l, "}");
    return !wmel_plan_from_json(js, strlen(js), p, NULL, 0) && memcmp(p, &s->plan, sizeof *p);
}

/* The answer's fields set back one at a time to the claimed plan's (a free choice of the search
   that a convention found later made needless: a frame count's valid mode fitted before the
   window's twin was found): each plan held against every clip, taken where it reproduces more
   clips, or as many when that is all of them (the fewer differences); its difference dropped.
   Until none is taken (at most three rounds). */
static void try_reverts(joint_state *s)
{
    jentry qe[72], ce[72];
    for (int round = 0; round < 3 && s->have; round++) {
        const int nq = json_entries(&s->plan, qe, 72), nc = json_entries(s->claimed, ce, 72);
        if (nq < 0 || nc < 0 || strcmp(qe[0].val, ce[0].val)) return;
        int taken = 0;
        for (int i = 1; i < nq + nc && !taken; i++) {
            const jentry *e = i < nq ? &qe[i] : &ce[i - nq];
            int other = -1, dup = 0;
            for (int j = 1; j < nc; j++)
                if (!strcmp(ce[j].key, e->key)) other = j;
            for (int j = 1; j < nq && i >= nq; j++) dup |= !strcmp(qe[j].key, e->key);
            if (i == 0 || dup || (i < nq && other >= 0 && !strcmp(ce[other].val, e->val)) || !strcmp(e->key, "layout") ||
                !strcmp(e->key, "batch_axis"))
                continue;
            wmel_frontend_plan p;
            if (!reverted(s, qe, nq, ce, nc, e->key, &p)) continue;
            int first;
            char e2[256];
            memcpy(s->ck2, s->ck, (size_t)s->n_clips * sizeof *s->ck2);
            const int ok = check_all(&p, s->clips, s->n_clips, s->dtype, NULL, s->ck2, &first, e2, sizeof e2);
            if (ok < s->n_ok || (ok == s->n_ok && ok < s->n_clips)) continue;
            s->plan = p;
            s->n_ok = ok;
            memcpy(s->ck, s->ck2, (size_t)s->n_clips * sizeof *s->ck);
            wmel_dg_result *m = s->best;
            drop_diff(m, e->key);
            taken = 1;
        }
        if (!taken) return;
    }
}

/* The bank's and the transform's variants (try_bank_alternatives), with the fields set back
   (try_reverts), kept only where they reproduce every clip: a variant that reproduces more
   clips but not all is no answer, and the answer so far (whose reason a refusal names) stays. */
static void try_variants(joint_state *s)
{
    const wmel_frontend_plan plan = s->plan;
    const int have = s->have, n_ok = s->n_ok;
    wmel_dg_result *best = malloc(sizeof *best);
    wmel_dg_check_result *ck = malloc((size_t)s->n_clips * sizeof *ck);
    if (!best || !ck) {
        free(best), free(ck);
        return;
    }
    *best = *s->best;
    memcpy(ck, s->ck, (size_t)s->n_clips * sizeof *ck);
    try_bank_alternatives(s);
    if (s->n_ok > n_ok) try_reverts(s);
    if (s->n_ok < s->n_clips) {
        s->plan = plan, s->have = have, s->n_ok = n_ok;
        *s->best = *best;
        memcpy(s->ck, ck, (size_t)s->n_clips * sizeof *ck);
    }
    free(best), free(ck);
}

/* Why no plan expresses the port, from what the clips show (the answer not reproducing them
   all): a fixed frame count (fixed_length, which first tries zeros to a fixed duration), or
   each frame's values a multiple of the mel count the plan has: deltas and delta-deltas
   (delta_win appends the first-order deltas only). "" where none is seen. */
/* 1: every clip's largest value is one number (within 1e-4) while the values spread over more
   than 1 in each: values relative to each clip's max (librosa's power_to_db(ref=np.max)) */
static int max_relative(const joint_state *s, float *top)
{
    for (int k = 0; k < s->n_clips; k++) {
        float hi = -INFINITY, lo = INFINITY;
        const wmel_dg_clip *c = &s->clips[k];
        for (size_t i = 0; i < c->n_feat; i++)
            if (isfinite(c->feat[i])) hi = fmaxf(hi, c->feat[i]), lo = fminf(lo, c->feat[i]);
        if (!(hi - lo > 1) || (k && fabsf(hi - *top) > 1e-4f)) return 0;
        if (!k) *top = hi;
    }
    return s->n_clips >= 3;
}

static void refusal(joint_state *s, char *why, size_t wl)
{
    why[0] = 0;
    if (fixed_length(s, why, wl)) return;
    float top;
    double fl;
    const int zero = s->have && (s->plan.log == WMEL_LOG_ZERO || s->plan.log == WMEL_LOG10_ZERO);
    const int at = zero ? floor_breach(s, &fl, &top) : -1;
    if (at >= 0) { /* (an answer with a guard of exact zeros only that leaves a clip: below_floor's reason) */
        snprintf(why, wl, "the port's values go below its log guard's floor (%.4g) to %.4g: energies under it "
                 "logged as they are; ln_zero (a guard of exact zeros only) with the guards tried reproduces not all",
                 fl, (double)top);
        if (!s->ck[at].ok) snprintf(s->ck[at].why, sizeof s->ck[at].why, "%s", why);
        return;
    }
    if (max_relative(s, &top)) {
        snprintf(why, wl, "every clip's largest value is %.6g: values relative to each clip's max (librosa's "
                 "power_to_db(ref=np.max), x - x.max()), which no plan field subtracts", (double)top);
        return;
    }
    const wmel_frontend_plan *p = s->claimed; /* (the answer so far may have stacked frames in their place) */
    size_t a[2];
    port_axes(&s->clips[0], a);
    const size_t w = (size_t)p->n_mels + (p->use_energy ? 1 : 0);
    for (int k = 3; k >= 2 && w > 0 && !p->delta_win && p->stack <= 1 && !p->n_ceps; k--)
        for (int ax = 0; ax < 2; ax++)
            if (a[ax] == (size_t)k * w) {
                char t[240];
                snprintf(t, sizeof t, "%zu values a frame, %d x the %zu mel values: %s (delta_win appends "
                         "first-order deltas only)", a[ax], k, w, k == 3 ? "deltas and delta-deltas" : "deltas");
                snprintf(why, wl, "%.*s", (int)(wl - 1), t);
                return;
            }
}

static void finish(joint_state *s, int all)
{
    wmel_dg_result *o = s->best;
    const int was_match = o->matches && o->n_diff == 0;
    double mx = 0, ex = 0;
    for (int k = 0; k < s->n_clips; k++) {
        if (isfinite(s->ck[k].max) && s->ck[k].max > mx) mx = s->ck[k].max;
        if (isfinite(s->ck[k].excess) && s->ck[k].excess > ex) ex = s->ck[k].excess;
    }
    o->evals = s->evals;
    o->matches = all && was_match;
    o->reproduces = all;
    int owns = 0;
    for (int k = 0; k < s->n_clips; k++) owns |= s->own[k];
    o->plan = s->plan;
    for (int i = 0; i < o->n_diff; i++) /* (fields found besides the output's shape) */
        if (strcmp(o->diff[i].field, "layout") && strcmp(o->diff[i].field, "batch_axis")) {
            drop_notes(o, "differs only in layout");
            break;
        }
    o->has_plan = !owns; /* the claimed plan does not compute the clips matched on their own */
    o->plan_max = mx;
    o->plan_excess = ex;
    if (o->matches) o->residual_after = mx;
    if (!all) {
        o->explained = 0;
        o->matches = 0;
    }
    char t[200];
    size_t l = 0;
    const int nf = s->jt->n_fits < WMEL_DG_JOINT_MAX_FITS ? s->jt->n_fits : WMEL_DG_JOINT_MAX_FITS;
    if (nf == 0 && !owns)
        l += (size_t)snprintf(t + l, sizeof t - l, "one plan for %d clips (no search)", s->n_clips);
    else if (nf == 0)
        l += (size_t)snprintf(t + l, sizeof t - l, "each of the %d clips matches the claimed plan on its own", s->n_clips);
    else
        l += (size_t)snprintf(t + l, sizeof t - l, "one plan for %d clips (search on clip", s->n_clips);
    for (int i = 0; i < nf && l < sizeof t; i++)
        l += (size_t)snprintf(t + l, sizeof t - l, "%s %d", i ? "," : "", s->jt->fitted[i] + 1);
    if (nf && l < sizeof t) snprintf(t + l, sizeof t - l, ")");
    size_t nl = strlen(o->notes);
    snprintf(o->notes + nl, sizeof o->notes - nl, "%s%s", nl ? "; " : "", t);
}

int wmel_dg_run_joint(const wmel_frontend_plan *plan, const wmel_dg_clip *clips, int n_clips, const wmel_dg_opts *opts,
                      wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out, wmel_dg_check_result *checks,
                      wmel_dg_joint *jt, char *err, size_t err_len)
{
    return run_joint(plan, clips, n_clips, opts, cancel, cancel_arg, out, checks, jt, 1, err, err_len);
}

/* wmel_dg_run_joint; alternatives 1: the whisper alternatives tried where the answer does not
   reproduce every clip (try_whisper_alternatives, whose own fits run with 0) */
static int run_joint(const wmel_frontend_plan *plan, const wmel_dg_clip *clips, int n_clips, const wmel_dg_opts *opts,
                     wmel_dg_cancel_fn cancel, void *cancel_arg, wmel_dg_result *out, wmel_dg_check_result *checks,
                     wmel_dg_joint *jt, int alternatives, char *err, size_t err_len)
{
    if (!plan || !clips || n_clips < 1 || !out || !checks || !jt) {
        snprintf(err, err_len, "no clips to fit");
        return WMEL_DG_ERROR;
    }
    const clock_t t0 = clock();
    memset(jt, 0, sizeof *jt);
    jt->failed = -1;
    int *dtype = malloc((size_t)n_clips * sizeof *dtype);
    wmel_dg_check_result *ck2 = malloc(2 * (size_t)n_clips * sizeof *ck2);
    wmel_dg_result *r = malloc(sizeof *r);
    if (!dtype || !ck2 || !r) {
        free(dtype), free(ck2), free(r);
        snprintf(err, err_len, "out of memory");
        return WMEL_DG_ERROR;
    }
    for (int k = 0; k < n_clips; k++) dtype[k] = clip_dtype(&clips[k]);
    joint_state s = {plan, clips, n_clips, dtype, {0, 0, 0, 0, 0, 0}, cancel, cancel_arg, out, r, checks, ck2, ck2 + n_clips, *plan, 0, 0, 0, jt, 0, NULL, NULL, 0, NULL, NULL, NULL};
    if (opts) s.opts = *opts;
    s.opts0 = opts;
    if (!s.opts.max_candidates) s.opts.max_candidates = WMEL_DG_JOINT_MAX_CANDIDATES;
    double ua;
    if (!s.opts.units_a && named_finish(plan, clips, n_clips, &ua)) s.opts.units_a = ua, s.opts.units_b = -ua;
    memset(out, 0, sizeof *out);
    /* the first clip's search sets the report (layout, units, floor); then each clip the
       answer does not reproduce, at most twice each */
    memset(checks, 0, (size_t)n_clips * sizeof *checks);
    unsigned char *fits = calloc((size_t)n_clips, 1);
    s.own = calloc((size_t)n_clips, 1);
    s.claim_r = calloc(2 * (size_t)n_clips, sizeof *s.claim_r);
    s.ans_r = s.claim_r ? s.claim_r + n_clips : NULL;
    s.from_ans = malloc((size_t)n_clips * sizeof *s.from_ans);
    if (!s.claim_r || !s.from_ans) free(s.own), s.own = NULL;
    int rc = fits && s.own ? (try_exact_starts(&s), try_structural(&s, err, err_len)) : WMEL_DG_ERROR;
    if (!rc && alternatives) rc = try_family_switch(&s, 0, err, err_len);
    /* a port whose values span more than Whisper's finish leaves, in no named units: the
       whisper alternatives before the whisper search (whose free units would take their place) */
    if (!rc && alternatives && !s.opts.units_a && span_exceeds(&s, plan->norm_range > 0 ? plan->norm_range : 8.0)) {
        /* (a library's start that holds the first clip up to its units first, where the claimed
           plan does not hold it as it is: found in a search or two, where each alternative's
           joint fit searches every clip) */
        if (!claim_holds_first(&s) && near_library(&s)) rc = try_family_switch(&s, 1, err, err_len);
        if (!rc) rc = try_whisper_alternatives(&s, err, err_len);
    }
    if (!rc && fits && (!s.have || s.n_ok < n_clips)) rc = try_fit(&s, 0, 0, err, err_len);
    if (!fits || !s.own) snprintf(err, err_len, "out of memory");
    /* a convention no plan expresses, seen on every clip before any search (values relative to
       each clip's max, or the caller's: opts.inexpressible): no fit on a further clip can
       reproduce them; the first clip's fit above is the report */
    float top;
    const int doomed = s.opts.inexpressible || max_relative(&s, &top);
    if (!rc && !s.have) {
        /* the first clip alone not explained: its report, the claimed plan held against all */
        int first;
        char e2[256];
        *out = *r;
        s.n_ok = check_all(plan, clips, n_clips, dtype, NULL, checks, &first, e2, sizeof e2);
        s.have = 1;
        if (fits) fits[0] = 1;
    }
    for (int k = 0; doomed && !rc && k < n_clips && jt->failed < 0; k++)
        if (!checks[k].ok) jt->failed = k;
    if (doomed && !rc && jt->failed >= 0) {
        size_t nl = strlen(out->notes);
        snprintf(out->notes + nl, sizeof out->notes - nl, "%sthe other clips not searched: a convention no plan "
                 "expresses holds on every clip", nl ? "; " : "");
    }
    while (!rc && fits && !doomed) {
        int first = -1, next = -1;
        for (int k = 0; k < n_clips; k++)
            if (!checks[k].ok) {
                if (first < 0) first = k;
                if (next < 0 && fits[k] < 2) next = k;
            }
        if (next < 0 || jt->n_fits >= (alternatives ? WMEL_DG_JOINT_MAX_FITS : ALT_MAX_FITS)) {
            jt->failed = first;
            break;
        }
        fits[next]++;
        const int before = s.n_ok;
        if ((rc = try_fit(&s, next, 1, err, err_len)) != 0) break;
        if (s.n_ok == before && jt->n_fits < WMEL_DG_JOINT_MAX_FITS && memcmp(&s.plan, plan, sizeof *plan) &&
            (rc = try_fit(&s, next, 0, err, err_len)) != 0)
            break;
        if (s.n_ok == before) fits[next] = 2; /* no candidate from this clip: the next one */
    }
    free(fits);
    if (!rc && jt->failed >= 0 && alternatives && !doomed) solve_guard(&s);
    if (!rc && jt->failed >= 0 && alternatives && s.n_ok < n_clips && !doomed) try_variants(&s);
    if (!rc && alternatives && !doomed) try_reverts(&s);
    if (!rc && jt->failed >= 0 && alternatives && s.n_ok < n_clips && !doomed) {
        rc = try_family_switch(&s, 1, err, err_len);
        if (!rc) solve_guard(&s);
    }
    if (!rc && jt->failed >= 0) {
        jt->failed = -1;
        for (int k = 0; k < n_clips && jt->failed < 0; k++)
            if (!checks[k].ok) jt->failed = k;
    }
    if (!rc && zero_guard(&s)) jt->failed = -1;
    char why[sizeof out->not_expressible] = "";
    if (!rc && jt->failed >= 0) {
        refusal(&s, why, sizeof why);
        if (s.n_ok == n_clips) jt->failed = -1; /* (zeros to a fixed duration reproduce every clip) */
    }
    if (!rc) {
        finish(&s, jt->failed < 0 && !below_floor(&s));
        if (why[0] && jt->failed >= 0) snprintf(out->not_expressible, sizeof out->not_expressible, "%s", why);
        out->seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    }
    for (int k = 0; s.claim_r && k < 2 * n_clips; k++) free(s.claim_r[k]);
    free(dtype), free(ck2), free(r), free(s.own), free(s.claim_r), free(s.from_ans);
    return rc;
}
