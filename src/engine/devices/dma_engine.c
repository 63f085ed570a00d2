/* hvlab engine: dma_engine (STUB: being written). */
#include "dma_engine.h"
