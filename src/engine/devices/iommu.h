/* hvlab engine: iommu (STUB: being written). */
#ifndef HV_IOMMU_H
#define HV_IOMMU_H

#include "bus.h"

#endif
