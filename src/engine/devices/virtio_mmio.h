/* hvlab engine: virtio_mmio (STUB: being written). */
#ifndef HV_VIRTIO_MMIO_H
#define HV_VIRTIO_MMIO_H

#include "bus.h"

#endif
