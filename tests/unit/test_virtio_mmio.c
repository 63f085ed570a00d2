/* Unit tests of the virtio_mmio model: being written. */
#include "devices/virtio_mmio.h"

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
