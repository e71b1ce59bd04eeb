/* msg.h -- the wmel command's messages: every file name, option value or error text that
 * came from outside reaches the terminal escaped, so that no byte of it can move the
 * cursor, retitle or recolour the terminal. */
#ifndef WMEL_CLI_MSG_H
#define WMEL_CLI_MSG_H

#include <stdarg.h>
#include <stddef.h>

#include "../src/printf_fmt.h" /* WMEL_PRINTF_FMT */

/* s into dst (len bytes, always NUL-terminated, cut before an escape that would not fit)
 * with each C0 control (0x00..0x1f), DEL (0x7f), C1 control (U+0080..U+009F) and byte
 * that is not part of valid UTF-8 written as \xNN (one per byte); other text, UTF-8
 * included, as it is. Returns dst. */
char *cli_escape(char *dst, size_t len, const char *s);

/* s escaped as cli_escape does, in one of 4 buffers of this thread used in turn
 * (so up to 4 in one call stay valid); for a name in a line that is not a message. */
const char *cli_esc(const char *s);

/* v as the shortest of %.15g, %.16g, %.17g that strtod reads back as v (a value the user
 * gave, shown or passed on as given, not rounded to %g's six digits), in one of 4 buffers
 * of this thread used in turn, as cli_esc's. */
const char *cli_num(double v);

/* One message line on stderr: the text fmt makes, escaped as cli_escape does (a
 * newline in it included: the line is one line), then '\n'. */
void cli_msg(const char *fmt, ...) __attribute__((format(WMEL_PRINTF_FMT, 1, 2)));
void cli_vmsg(const char *fmt, va_list ap) __attribute__((format(WMEL_PRINTF_FMT, 1, 0)));

/* Messages of this thread into buf (len bytes, emptied now; each message appended, lines
 * joined by '\n', cut when full) instead of stderr, for a caller that reports them itself
 * (the Python extensions: an exception's text); len 0 (or buf NULL) restores stderr. */
void cli_msg_capture(char *buf, size_t len);

#endif
