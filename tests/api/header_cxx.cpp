// The public header compiles alone as C++.
#include "wmel.h"
int wmel_header_cxx_compiles() { return WMEL_OK + (int)sizeof(wmel_params); }
