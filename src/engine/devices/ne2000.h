/* hvlab engine: ne2000 (STUB: being written). */
#ifndef HV_NE2000_H
#define HV_NE2000_H

#include "bus.h"

#endif
