/* fuzz_plan_json.c -- a plan's JSON (wmel_plan_from_json, wmel_plan_json_meta,
 * wmel_plan_to_json) and a transformers configuration (wmel_plan_from_hf_config and its _cols
 * form with the per-column values): any bytes
 * are a plan or WMEL_ERR_INVALID_ARG with a sentence; a plan read is valid, and its JSON reads
 * back as the same plan. */
#include <math.h>

#include "fuzz_util.h"
#include "wmel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wmel_frontend_plan p, q;
    char msg[512], out[64], buf[WMEL_PLAN_JSON_MAX];
    int rc = wmel_plan_from_json((const char *)data, size, &p, msg, size & 1 ? sizeof msg : 20);
    FZ_CHECK(rc == WMEL_OK || rc == WMEL_ERR_INVALID_ARG, "status %d", rc);
    FZ_CHECK(rc == WMEL_OK ? msg[0] == '\0' : msg[0] != '\0', "message on status %d", rc);
    fz_check_message(msg, size & 1 ? sizeof msg : 20);
    (void)wmel_plan_json_meta((const char *)data, size, "models", out, sizeof out);
    {
        wmel_frontend_plan h;
        char hmsg[600];
        const int hrc = wmel_plan_from_hf_config((const char *)data, size, &h, out, size & 2 ? sizeof out : 4, hmsg,
                                                 size & 1 ? sizeof hmsg : 20);
        FZ_CHECK(hrc == WMEL_OK || hrc == WMEL_ERR_INVALID_ARG, "hf config: status %d", hrc);
        FZ_CHECK(hrc == WMEL_OK ? hmsg[0] == '\0' : hmsg[0] != '\0', "hf config: message on status %d", hrc);
        fz_check_message(hmsg, size & 1 ? sizeof hmsg : 20);
        if (hrc == WMEL_OK) FZ_CHECK(wmel_plan_check(&h, NULL, 0) == WMEL_OK, "a configuration's plan is refused by the check");
        /* with its per-column values: the same plan where the plain call takes it; finite values */
        static double sc[512], sh[512];
        wmel_frontend_plan hc;
        size_t nc = 0;
        const int crc = wmel_plan_from_hf_config_cols((const char *)data, size, &hc, NULL, 0, sc, sh, 512, &nc, hmsg,
                                                      sizeof hmsg);
        FZ_CHECK(crc == WMEL_OK || crc == WMEL_ERR_INVALID_ARG, "hf config cols: status %d", crc);
        FZ_CHECK(crc == WMEL_OK ? hmsg[0] == '\0' : hmsg[0] != '\0', "hf config cols: message on status %d", crc);
        if (hrc == WMEL_OK) FZ_CHECK(crc == WMEL_OK && nc == 0 && !memcmp(&h, &hc, sizeof h), "cols: another plan");
        if (crc == WMEL_OK)
            for (size_t j = 0; j < nc; j++) FZ_CHECK(isfinite(sc[j]) && isfinite(sh[j]), "cols: value %zu not finite", j);
    }
    if (rc == WMEL_OK) {
        FZ_CHECK(wmel_plan_check(&p, NULL, 0) == WMEL_OK, "a plan read is refused by the check");
        rc = wmel_plan_to_json(&p, buf, sizeof buf, msg, sizeof msg);
        FZ_CHECK(rc == WMEL_OK, "to_json %d: %s", rc, msg);
        rc = wmel_plan_from_json(buf, strlen(buf), &q, msg, sizeof msg);
        FZ_CHECK(rc == WMEL_OK && !memcmp(&p, &q, sizeof p), "the plan's JSON reads back differently: %s", msg);
    }
    return 0;
}
