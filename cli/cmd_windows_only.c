/* cmd_windows_only.c -- the commands a Windows build leaves out (docs/platforms.md,
 * "Windows"): `wmel vectors` (its packs are built in a mkdtemp folder renamed into
 * place) and `wmel bench` (its memory and peer measurements read /proc, mmap
 * and start the peers through popen). Each says so and exits with status 2. */
#include "commands.h"
#include "msg.h"

int cmd_vectors(int argc, char **argv)
{
    (void)argc, (void)argv;
    cli_msg("wmel vectors: not in this Windows build (packs are built with POSIX directory "
            "calls): make or check packs with wmel on Linux or macOS");
    return 2;
}

int cmd_bench(int argc, char **argv)
{
    (void)argc, (void)argv;
    cli_msg("wmel bench: not in this Windows build (it measures through /proc, mmap and "
            "POSIX processes): time wmel mel, or run wmel bench on Linux");
    return 2;
}
