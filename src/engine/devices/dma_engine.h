/* hvlab engine: dma_engine (STUB: being written). */
#ifndef HV_DMA_ENGINE_H
#define HV_DMA_ENGINE_H

#include "bus.h"

#endif
