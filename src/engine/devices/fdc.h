/* hvlab engine: fdc (STUB: being written). */
#ifndef HV_FDC_H
#define HV_FDC_H

#include "bus.h"

#endif
