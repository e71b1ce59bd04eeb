/* The public header compiles alone as C11. */
#include "wmel.h"
int wmel_header_c_compiles(void);
int wmel_header_c_compiles(void) { return WMEL_OK; }
