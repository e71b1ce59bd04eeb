/*
 * test_plan_fields.c -- the table of plan options (wmel_plan_field_count/_info,
 * src/fe/plan_fields.h) against what reads the names: wmel_plan_set takes every name and
 * refuses another with the table's list, the JSON reader takes every name as a key, the
 * records are whole (unique names, a kind, the families, the groups in order), a whole
 * number's range in its values text ("lo..hi", "0, lo..hi") is what wmel_plan_set and
 * wmel_plan_check take, and docs/plan-options.md (tools/plan_fields_doc.py) holds one row
 * per option, the same text, in the same order.
 *
 * usage: test_plan_fields DOCS/plan-options.md
 */
#include "wmel.h"
#include "testutil.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The page's row of option i, as tools/plan_fields_doc.py writes it. */
static void doc_row(const wmel_plan_field *f, char *out, size_t len)
{
    static const char *const KIND[] = {"word", "bool", "integer", "number", "guard"};
    static const char *const FAM[] = {"whisper", "nemo", "kaldi", "seamless"};
    char cli[64], fam[64] = "", vals[512], doc[512];
    size_t o = (size_t)snprintf(cli, sizeof cli, "--%s", f->name);
    for (size_t k = 2; k < o; k++)
        if (cli[k] == '_') cli[k] = '-';
    if (!(f->flags & WMEL_PLAN_FIELD_SWITCH)) snprintf(cli + o, sizeof cli - o, " %s", f->arg);
    if ((f->frontends & 0x1fu) == 0x1fu) snprintf(fam, sizeof fam, "all");
    else
        for (int b = 0; b < 4; b++)
            if (f->frontends & (1u << b)) snprintf(fam + strlen(fam), sizeof fam - strlen(fam), "%s%s", *fam ? ", " : "", FAM[b]);
    const char *src[2] = {f->values, f->doc};
    char *dst[2] = {vals, doc};
    for (int s = 0; s < 2; s++) { /* '|' escaped as in a Markdown table */
        size_t n = 0;
        for (const char *c = src[s]; *c && n + 3 < sizeof vals; c++) {
            if (*c == '|') dst[s][n++] = '\\';
            dst[s][n++] = *c;
        }
        dst[s][n] = '\0';
    }
    snprintf(out, len, "| `%s` | `%s` | %s | %s | %s | %s |", f->name, cli, KIND[f->kind], vals, fam, doc);
}

static void check_records(size_t n)
{
    int group = 0;
    for (size_t i = 0; i < n; i++) {
        const wmel_plan_field *f = wmel_plan_field_info(i);
        CHECK(f && f->name && f->arg && f->values && f->doc && *f->name && *f->doc && *f->values, "record %zu whole", i);
        if (!f) continue;
        CHECK(f->kind >= WMEL_PLAN_FIELD_STR && f->kind <= WMEL_PLAN_FIELD_GUARD, "%s: a kind", f->name);
        CHECK(f->frontends && !(f->frontends & ~0x1fu), "%s: the families", f->name);
        CHECK(f->group >= group && f->group <= WMEL_PLAN_GROUP_MORE, "%s: the groups in order", f->name);
        group = f->group;
        CHECK(!(f->flags & WMEL_PLAN_FIELD_SWITCH) || f->kind == WMEL_PLAN_FIELD_BOOL, "%s: a switch is a bool", f->name);
        CHECK(!(f->flags & ~(WMEL_PLAN_FIELD_SWITCH | WMEL_PLAN_FIELD_FINISH | WMEL_PLAN_FIELD_SET_ONLY |
                             WMEL_PLAN_FIELD_OWN_HELP | WMEL_PLAN_FIELD_STAGED)),
              "%s: the flags (%u)", f->name, f->flags);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(f->name, wmel_plan_field_info(j)->name), "%s: one record", f->name);
        for (const char *c = f->name; *c; c++)
            CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_', "%s: a C name", f->name);
    }
    CHECK(wmel_plan_field_info(n) == NULL, "NULL past the end");
}

/* Each whole-number option whose values text starts with its range ("lo..hi" or "0, lo..hi"):
 * wmel_plan_set takes lo and hi (and 0 with "0, "), refuses lo - 1 and hi + 1 naming the
 * range, and wmel_plan_check does not refuse a Kaldi (or NeMo) preset with hi for its range
 * (the rules between fields may: n_mels against the bank, pad_left against n_fft, ...). */
static void check_ranges(size_t n)
{
    char msg[1024], v[32], out[160];
    int ranged = 0;
    for (size_t i = 0; i < n; i++) {
        const wmel_plan_field *f = wmel_plan_field_info(i);
        const int zero = !strncmp(f->values, "0, ", 3);
        long long lo, hi;
        int used = 0;
        if (f->kind != WMEL_PLAN_FIELD_INT ||
            sscanf(f->values + (zero ? 3 : 0), "%lld..%lld%n", &lo, &hi, &used) != 2 || !used)
            continue;
        ranged++;
        char range[64];
        snprintf(range, sizeof range, "%.*s", used + (zero ? 3 : 0), f->values);
        const int fe = (f->frontends >> WMEL_FRONTEND_KALDI) & 1u ? WMEL_FRONTEND_KALDI : WMEL_FRONTEND_NEMO;
        const long long take[3] = {lo, hi, 0}, refuse[2] = {lo - 1, hi + 1};
        for (int j = 0; j < 2 + zero; j++) {
            wmel_frontend_plan p;
            wmel_frontend_preset(fe, 0, &p);
            snprintf(v, sizeof v, "%lld", take[j]);
            CHECK(wmel_plan_set(&p, f->name, v, msg, sizeof msg) == WMEL_OK, "%s %s: taken (%s)", f->name, v, msg);
            snprintf(out, sizeof out, "%s %s: outside %s", f->name, v, range);
            if (j == 1 && hi <= 2147483647)
                CHECK(wmel_plan_check(&p, msg, sizeof msg) == WMEL_OK || !strstr(msg, out), "%s %s: in the check's range (%s)",
                      f->name, v, msg);
        }
        for (int j = 0; j < 2; j++) {
            wmel_frontend_plan p;
            wmel_frontend_preset(fe, 0, &p);
            snprintf(v, sizeof v, "%lld", refuse[j]);
            if (refuse[j] < 0) continue; /* not a whole number's text */
            CHECK(wmel_plan_set(&p, f->name, v, msg, sizeof msg) == WMEL_ERR_INVALID_ARG && strstr(msg, range),
                  "%s %s: refused naming %s (%s)", f->name, v, range, msg);
        }
    }
    CHECK(ranged >= 20, "the whole numbers' ranges (%d)", ranged);
}

/* wmel_plan_check's refusals of a member outside its range name the field, the value and the
 * range (the table's text), and take the range's ends. */
static void check_members(void)
{
    static const struct {
        const char *field;
        int hop, use_energy;
        double norm_eps, dither;
        const char *want; /* NULL: accepted */
    } cases[] = {{"hop", 16777216, 0, 0.0, 0.0, NULL},
                 {"hop", 16777217, 0, 0.0, 0.0, "hop 16777217: outside 1..16777216 (the frame shift in samples)"},
                 {"use_energy", 160, 2, 0.0, 0.0, "use_energy 2: must be 0 or 1"},
                 {"norm_eps", 160, 0, -1.0, 0.0, "norm_eps -1: must be finite, >= 0"},
                 {"dither", 160, 0, 0.0, 1e30, NULL},
                 {"dither", 160, 0, 0.0, 2e30, "dither 2e+30: outside 0..1e30"}};
    char msg[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wmel_frontend_plan p;
        wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
        p.hop = cases[i].hop, p.use_energy = cases[i].use_energy, p.norm_eps = cases[i].norm_eps;
        p.dither = cases[i].dither;
        const int rc = wmel_plan_check(&p, msg, sizeof msg);
        if (!cases[i].want) CHECK(rc == WMEL_OK, "%s: accepted (%s)", cases[i].field, msg);
        else CHECK(rc == WMEL_ERR_INVALID_ARG && strstr(msg, cases[i].want), "%s: \"%s\", want \"%s\"", cases[i].field,
                   msg, cases[i].want);
    }
}

/* Every name is an option of wmel_plan_set and a JSON key; another name is refused with the
 * table's list, in its order. */
static void check_readers(size_t n)
{
    char msg[2048], list[2048] = "", json[256];
    for (size_t i = 0; i < n; i++) {
        const wmel_plan_field *f = wmel_plan_field_info(i);
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", f->name);
        for (int fe = 0; fe < 4; fe++) {
            wmel_frontend_plan p;
            CHECK(!wmel_frontend_preset(fe, 0, &p), "preset %d", fe);
            const int rc = wmel_plan_set(&p, f->name, "?", msg, sizeof msg);
            CHECK(rc == WMEL_ERR_INVALID_ARG && !strstr(msg, "not an option of a front-end plan"), "%s: an option (%s)",
                  f->name, msg);
            const int takes = (f->frontends >> fe) & 1u;
            CHECK(takes == !strstr(msg, "not an option of the"), "%s on front-end %d: the families (%s)", f->name, fe, msg);
        }
        snprintf(json, sizeof json, "{\"frontend\": \"kaldi\", \"%s\": \"?\"}", f->name);
        wmel_frontend_plan p;
        CHECK(wmel_plan_from_json(json, strlen(json), &p, msg, sizeof msg) == WMEL_ERR_INVALID_ARG &&
                  !strstr(msg, "not an option of a front-end plan"), "%s: a JSON key (%s)", f->name, msg);
    }
    wmel_frontend_plan p;
    wmel_frontend_preset(WMEL_FRONTEND_KALDI, 0, &p);
    char want[2200];
    snprintf(want, sizeof want, "no_such_option: not an option of a front-end plan (%s)", list);
    CHECK(wmel_plan_set(&p, "no_such_option", "1", msg, sizeof msg) == WMEL_ERR_INVALID_ARG && !strcmp(msg, want),
          "an unknown name: the table's list (%s)", msg);
}

static void check_page(const char *path, size_t n)
{
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL, "%s opens", path);
    if (!fp) return;
    char line[2048], want[2048];
    size_t i = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "| `", 3)) continue; /* the rows of options only */
        if (i < n) {
            doc_row(wmel_plan_field_info(i), want, sizeof want);
            CHECK(!strcmp(line, want), "%s row %zu is the table's:\n  page:  %s\n  table: %s\n(python3 "
                  "tools/plan_fields_doc.py writes it)", path, i, line, want);
        }
        i++;
    }
    fclose(fp);
    CHECK(i == n, "%s: %zu rows, the table %zu options (python3 tools/plan_fields_doc.py)", path, i, n);
}

/* WMEL_FRONTEND_PLAN_MEMBERS against the struct: every member once, in order, each gap
 * before the next member narrower than that member's alignment (a member left out of the
 * list leaves a gap at least its own size), the last one ending the struct. */
#define PM_ONE(f, t, n)                                                                                                \
    {#f, offsetof(wmel_frontend_plan, f), sizeof(((wmel_frontend_plan *)0)->f), _Alignof(t)},
#define PM(f, t) PM_ONE(f, t, 1)
static void check_struct_members(void)
{
    static const struct {
        const char *name;
        size_t off, size, align;
    } m[] = {WMEL_FRONTEND_PLAN_MEMBERS(PM, PM_ONE)};
    const size_t n = sizeof m / sizeof m[0];
    CHECK(m[0].off == 0, "the first member (%s) at %zu", m[0].name, m[0].off);
    for (size_t i = 1; i < n; i++) {
        const size_t end = m[i - 1].off + m[i - 1].size;
        CHECK(m[i].off >= end && m[i].off - end < m[i].align, "%s at %zu after %s ending at %zu: a member missing between",
              m[i].name, m[i].off, m[i - 1].name, end);
    }
    const size_t end = m[n - 1].off + m[n - 1].size;
    CHECK(end <= sizeof(wmel_frontend_plan) && sizeof(wmel_frontend_plan) - end < _Alignof(wmel_frontend_plan),
          "the last member (%s) ends at %zu, the struct at %zu", m[n - 1].name, end, sizeof(wmel_frontend_plan));
}
#undef PM
#undef PM_ONE

int main(int argc, char **argv)
{
    check_struct_members();
    const size_t n = wmel_plan_field_count();
    CHECK(n > 0 && n < 128, "a count (%zu)", n);
    check_records(n);
    check_readers(n);
    check_ranges(n);
    check_members();
    if (argc > 1) check_page(argv[1], n);
    else CHECK(0, "usage: test_plan_fields DOCS/plan-options.md");
    return t_done("test_plan_fields");
}
