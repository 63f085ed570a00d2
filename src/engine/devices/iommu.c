/* hvlab engine: iommu (STUB: being written). */
#include "iommu.h"
