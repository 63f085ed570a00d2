/* hvlab engine: virtio_mmio (STUB: being written). */
#include "virtio_mmio.h"
