// wmel_fx.h compiles alone as C++.
#include "wmel_fx.h"
int wmel_fx_header_cxx_compiles() { return WMEL_FX_OK + (int)sizeof(wmel_fx_state *); }
