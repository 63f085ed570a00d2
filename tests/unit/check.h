/* hvlab unit tests: a tiny acutest-style harness.
 *
 * A test file defines `static void test_x(void)` functions and a
 * TEST_LIST of { "name", fn } entries, then `CHECK_MAIN()`. CHECK* record a
 * failure with file:line and go on; a test binary exits 1 if any failed.
 * Run one test: `test_tlb lru_order`.
 */
#ifndef HV_CHECK_H
#define HV_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static const char *check_current;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__,        \
                    __LINE__, check_current, #cond);                          \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        unsigned long long check_a_ = (unsigned long long)(a);                \
        unsigned long long check_b_ = (unsigned long long)(b);                \
        if (check_a_ != check_b_) {                                           \
            fprintf(stderr,                                                   \
                    "%s:%d: %s: %s == %s failed: 0x%llx (%llu) != 0x%llx "   \
                    "(%llu)\n",                                               \
                    __FILE__, __LINE__, check_current, #a, #b, check_a_,      \
                    check_a_, check_b_, check_b_);                            \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *check_sa_ = (a), *check_sb_ = (b);                        \
        if (!check_sa_ || !check_sb_ || strcmp(check_sa_, check_sb_) != 0) {  \
            fprintf(stderr, "%s:%d: %s: %s == %s failed: \"%s\" != \"%s\"\n", \
                    __FILE__, __LINE__, check_current, #a, #b,                \
                    check_sa_ ? check_sa_ : "(null)",                         \
                    check_sb_ ? check_sb_ : "(null)");                        \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

#define CHECK_OK(expr) CHECK_EQ((expr), HV_OK)

typedef struct check_test {
    const char *name;
    void (*fn)(void);
} check_test;

static inline int check_run(const check_test *tests, int argc, char **argv)
{
    int ran = 0;
    for (const check_test *t = tests; t->name; t++) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        int before = check_failures;
        check_current = t->name;
        t->fn();
        printf("%s %s\n", check_failures == before ? "ok  " : "FAIL", t->name);
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "?");
        return 1;
    }
    return check_failures ? 1 : 0;
}

#define CHECK_MAIN(list)                                                      \
    int main(int argc, char **argv) { return check_run(list, argc, argv); }

#endif
