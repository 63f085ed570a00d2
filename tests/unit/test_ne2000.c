/* Unit tests of the ne2000 model: being written. */
#include "devices/ne2000.h"

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
