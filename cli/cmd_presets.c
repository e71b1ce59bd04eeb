/*
 * cmd_presets.c -- `wmel presets [--json NAME]`: the built-in presets (presets/ at the
 * top of the source tree, compiled into the library): each one's name, the models that use
 * it and its original; --json NAME prints one preset's JSON, which `wmel mel --plan` reads.
 */
#include "args.h"
#include "commands.h"
#include "msg.h"

#include <stdio.h>
#include <string.h>

int cmd_presets(int argc, char **argv)
{
    const char *json = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            if (i + 1 >= argc) return cli_usage("--json needs a preset's name (wmel presets lists them)");
            json = argv[++i];
        } else {
            cli_msg("wmel: presets: unknown argument '%s' (wmel presets [--json NAME])", argv[i]);
            return 2;
        }
    }
    if (json) {
        const char *t = wmel_preset_json(json);
        if (!t) {
            char why[1200];
            wmel_frontend_plan p;
            wmel_preset_plan(json, &p, why, sizeof why);
            cli_msg("wmel: presets --json: %s", why);
            return 2;
        }
        fputs(t, stdout);
        return fflush(stdout) ? 1 : 0;
    }
    for (size_t i = 0; i < wmel_preset_count(); i++) {
        const char *name = wmel_preset_name(i), *t = wmel_preset_json(name);
        char models[1024], orig[512];
        wmel_plan_json_meta(t, strlen(t), "models", models, sizeof models);
        wmel_plan_json_meta(t, strlen(t), "original", orig, sizeof orig);
        printf("%-20s %s\n%-20s   original: %s\n", name, models, "", orig);
    }
    return fflush(stdout) ? 1 : 0;
}
