/* Unit tests of the iommu model: being written. */
#include "devices/iommu.h"

#include "check.h"

static void test_placeholder(void)
{
    CHECK(1);
}

static const check_test tests[] = {
    {"placeholder", test_placeholder},
    {NULL, NULL},
};
CHECK_MAIN(tests)
