/* hvlab engine: fdc (STUB: being written). */
#include "fdc.h"
