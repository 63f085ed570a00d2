/* hvlab engine: ne2000 (STUB: being written). */
#include "ne2000.h"
