/* fuzz_manifest.c -- a conformance pack's manifest (vectors/vectors_check.c,
 * cli_pack_manifest_parse): the JSON reader and the checks of its form that `wmel vectors
 * check` and `wmel vectors --force` rely on. A document accepted must hold what the check
 * promises: at least one case, plain names, known rules, tolerances in range, valid shapes. */
#include "fuzz_util.h"
#include "vectors.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_json m;
    char err[400];
    memset(err, 'x', sizeof err);
    if (cli_pack_manifest_parse((const char *)data, size, &m, err, sizeof err)) {
        fz_check_message(err, sizeof err);
        return 0;
    }
    const cli_json *cases = cli_json_get(&m, "cases");
    FZ_CHECK(cases && cases->type == CLI_J_ARR && cases->n >= 1, "cases");
    for (size_t c = 0; c < cases->n; c++) {
        const cli_json *e = &cases->kids[c];
        FZ_CHECK(cli_pack_name_ok(cli_json_str(e, "name")), "case name");
        if (cli_json_num(e, "refused", 0) != 0) continue;
        size_t shape[4];
        FZ_CHECK(cli_pack_path_ok(cli_json_str(e, "expected")), "expected");
        FZ_CHECK(cli_pack_tol_ok(cli_json_num(e, "tol", NAN)), "tol");
        FZ_CHECK(cli_pack_shape(e, shape) >= 0, "shape");
        const cli_json *st = cli_json_get(e, "stages");
        for (size_t s = 0; st && s < st->n; s++) {
            FZ_CHECK(cli_pack_name_ok(cli_json_str(&st->kids[s], "name")), "stage name");
            FZ_CHECK(cli_pack_path_ok(cli_json_str(&st->kids[s], "file")), "stage file");
            FZ_CHECK(cli_pack_tol_ok(cli_json_num(&st->kids[s], "tol", NAN)), "stage tol");
            FZ_CHECK(cli_pack_shape(&st->kids[s], shape) >= 0, "stage shape");
        }
    }
    cli_json_free(&m);
    return 0;
}
