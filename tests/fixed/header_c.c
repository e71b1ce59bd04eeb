/* wmel_fx.h compiles alone as C11. */
#include "wmel_fx.h"
int wmel_fx_header_c_compiles(void);
int wmel_fx_header_c_compiles(void) { return WMEL_FX_OK + WMEL_FX_RAW_Q; }
