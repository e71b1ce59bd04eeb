#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int t_failures = 0;
int t_checks = 0;

int t_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

const char *t_golden(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", WMEL_GOLDEN, rel);
    return buf;
}

double *t_load_npy(const char *rel, wmel_npy *a)
{
    char err[512];
    if (wmel__npy_read(t_golden(rel), a, err, sizeof err) != WMEL_OK) {
        fprintf(stderr, "FATAL: golden file: %s (is ../shared/golden present?)\n", err);
        exit(1);
    }
    double *d = wmel__npy_as_f64(a);
    if (!d) {
        fprintf(stderr, "FATAL: out of memory\n");
        exit(1);
    }
    return d;
}

float *t_load_wav(const char *rel, size_t *n)
{
    float *pcm = NULL;
    char err[512];
    if (wmel_read_wav(t_golden(rel), &pcm, n, err, sizeof err, NULL, 0) != WMEL_OK) {
        fprintf(stderr, "FATAL: %s\n", err);
        exit(1);
    }
    return pcm;
}

double t_max_abs_diff_fd(const float *a, const double *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

double t_max_abs_diff_ff(const float *a, const float *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}
