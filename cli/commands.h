/* commands.h -- the wmel subcommands; each takes the arguments after its name and
 * returns the process exit status (0 ok, 1 failure, 2 usage error). */
#ifndef WMEL_CLI_COMMANDS_H
#define WMEL_CLI_COMMANDS_H

int cmd_mel(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_decode(int argc, char **argv);  /* cli/cmd_decode.c */
int cmd_windows(int argc, char **argv); /* cli/cmd_windows.c */
int cmd_stem(int argc, char **argv);    /* cli/cmd_stem.c */

#endif
