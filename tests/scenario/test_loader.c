/* hvlab scenario loader: unit tests of the parts that need no guest — the
 * second pass (positions and paths), typed values, suggestions, question
 * checking, NASM's map and listing — through the library's API. */
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "scn_internal.h"

/* Parses `text`; returns the first message as "L:C: PATH: msg" in buf. */
static hv_scn_err parse(const char *text, hv_scn **out, char *buf, size_t len)
{
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_scn *s = NULL;
    hv_scn_err e = hv_scn_parse("t.json", text, strlen(text), &s, &d);
    buf[0] = 0;
    if (d.n)
        snprintf(buf, len, "%u:%u: %s: %s", d.v[0].line, d.v[0].col,
                 d.v[0].path ? d.v[0].path : "-", d.v[0].msg);
    hv_scn_diags_free(&d);
    if (out)
        *out = s;
    else
        hv_scn_free(s);
    return e;
}

#define MINIMAL(steps)                                                        \
    "{\"title\": \"t\", \"summary\": \"s\",\n"                                \
    " \"vms\": [{\"guest\": \"g.asm\"}],\n"                                   \
    " \"steps\": [" steps "]}"

static void test_positions_and_paths(void)
{
    scn_posmap *m;
    scn_scan_error e;
    const char *t = "{\"a\": [1, {\"b c\": \"x\"}],\n \"q\\\"k\": {\"d\": null},"
                    " \"\\u00e9\": true}";
    CHECK_EQ(scn_scan(t, strlen(t), &m, &e), SCN_SCAN_OK);
    scn_pos p;
    CHECK(scn_posmap_find(m, "$", &p) && p.val_off == 0);
    CHECK(scn_posmap_find(m, "$.a[1][\"b c\"]", &p));
    CHECK_EQ(p.val_off, strstr(t, "\"x\"") - t);
    CHECK(scn_posmap_find(m, "$[\"q\\\"k\"].d", &p));
    uint32_t line, col;
    scn_linecol(t, strlen(t), p.val_off, &line, &col);
    CHECK_EQ(line, 2);
    CHECK(scn_posmap_find(m, "$[\"\xc3\xa9\"]", &p));
    CHECK(!scn_posmap_find(m, "$.a[2]", &p));
    scn_posmap_free(m);
}

static void test_syntax_errors(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "1:1: $: the file is empty"},
        {"{\"a\": [1, 2,]}", "1:12: $.a: trailing comma"},
        {"{\"a\": {\"b\": tru}}", "1:13: $.a.b: unexpected word 'tru'"},
        {"{\"a\": 1}\n\n x", "3:2: $: unexpected text"},
        {"{\"a\":\n  \"\xc3(\"}", "2:4: $.a: invalid UTF-8 byte 0xc3"},
        {"{\"a\": 1, \"a\": 2}", "1:10: $.a: duplicate key"},
        {"{\"a\": -}", "1:7: $.a: a '-' must be followed by digits"},
        {"{\"a\": 1.}", "1:7: $.a: a '.' in a number"},
        {"{\"a\": \"\\u0000\"}", "1:8: $.a: \\u0000"},
        {"\xEF\xBB\xBF[]", "1:1: $: a scenario is a JSON object"},
        /* An error in a key, or before a '}', names the object being
         * parsed, not the member before it. */
        {"{\"machine\": {\"paging\": \"x\",}}",
         "1:27: $.machine: trailing comma before '}'"},
        {"{\"a\": {\"b\": 1, \"c\x01\": 2}}", "1:18: $.a: control character"},
        {"{\"a\": {\"b\": 1, \"c\n\": 2}}", "1:16: $.a: this string runs past"},
        {"{\"a\": {\"b\": 1, \"\\q\": 2}}", "1:17: $.a: invalid escape"},
        {"{\"a\": {\"b\": {}, \"c", "1:17: $.a: this string has no closing"},
        {"{\"a\": {\"b\": [1], ", "1:18: $.a: the file ends inside an object"},
        {"{\"a\": 1, \"b\" 2}", "1:14: $.b: expected ':' after the key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[300];
        CHECK_EQ(parse(cases[i].text, NULL, msg, sizeof msg),
                 HV_SCN_ERR_INPUT);
        if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0) {
            fprintf(stderr, "case %zu: got '%s', want '%s...'\n", i, msg,
                    cases[i].want);
            check_failures++;
        }
    }
}

static void test_nul_and_binary(void)
{
    const char text[] = "{\"title\": \"t\"\0 garbage}";
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_scn *s;
    CHECK_EQ(hv_scn_parse("b.json", text, sizeof text - 1, &s, &d),
             HV_SCN_ERR_INPUT);
    CHECK(d.n == 1 && strstr(d.v[0].msg, "expected ','"));
    hv_scn_diags_free(&d);
}

static void test_values(void)
{
    hv_scn *s;
    char msg[300];
    CHECK_EQ(parse("{\"title\": \"t\", \"summary\": \"s\",\n"
                   " \"machine\": {\"seed\": 18446744073709551615,"
                   " \"host_memory\": \"0x0100_0000\","
                   " \"tlb\": {\"entries\": 128, \"ways\": 8, \"policy\": \"fifo\"}},\n"
                   " \"vms\": [{\"guest\": \"g.asm\", \"ram\": \"4 MiB\","
                   " \"entry\": \"start+0x10\"}],\n"
                   " \"steps\": [{\"narration\": [\"a\", \"b\"],"
                   " \"until\": {\"event\": \"tlb_miss\","
                   " \"fields\": {\"access\": \"write\", \"va\": \"0x400000\"}}}]}",
                   &s, msg, sizeof msg),
             HV_SCN_OK);
    if (!s) {
        fprintf(stderr, "%s\n", msg);
        check_failures++;
        return;
    }
    CHECK_EQ(s->seed, UINT64_MAX);
    CHECK_EQ(s->host_mem_bytes, 16u << 20);
    CHECK_EQ(s->tlb.entries, 128);
    CHECK_EQ(s->tlb.policy, HV_TLB_FIFO);
    CHECK_EQ(s->vms[0].ram_bytes, 4u << 20);
    CHECK_STR(s->vms[0].entry.symbol, "start");
    CHECK_EQ(s->vms[0].entry.offset, 0x10);
    CHECK_STR(s->vms[0].guest_path, "g.asm");
    CHECK_STR(s->steps[0].narration, "a\nb");
    const hv_scn_until *u = &s->steps[0].until;
    CHECK_EQ(u->kind, HV_SCN_RUN_EVENT);
    CHECK_EQ(u->nfields, 2);
    CHECK_EQ(u->fields[0].value.v, HV_ACC_WRITE);
    CHECK_EQ(u->fields[1].value.v, 0x400000);
    CHECK_EQ(u->loc.line, 4);
    CHECK_STR(u->loc.path, "$.steps[0].until");
    hv_scn_free(s);
}

static void test_semantic_errors(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {MINIMAL("{\"narration\": \"n\", \"instructions\": 0}"),
         "3:47: $.steps[0].instructions: 0 is less than the minimum, 1"},
        {MINIMAL("{\"narration\": \"n\", \"until\": {\"label\": 5}}"),
         "3:50: $.steps[0].until.label: a label is a name"},
        {MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"counter\": "
                 "\"tlb_misses\", \"min\": 1, \"equals\": 2}]}"),
         "3:83: $.steps[0].checkpoints[0].equals: give equals, or min"},
        {MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"tlb\": \"1\", "
                 "\"present\": false, \"set\": [\"G\"]}]}"),
         "3:47: $.steps[0].checkpoints[0]: an absent TLB entry"},
        {MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"tlb\": \"1\", "
                 "\"set\": [\"A\"]}]}"),
         "3:68: $.steps[0].checkpoints[0].set[0]: a TLB entry caches no A"},
        {MINIMAL("{\"narration\": \"n\", \"questions\": [{\"kind\": "
                 "\"number\", \"prompt\": \"p\", \"explanation\": \"e\"}]}"),
         "3:45: $.steps[0].questions[0]: a number question needs answer"},
        {MINIMAL("{\"narration\": \"n\", \"id\": \"a\"}, {\"narration\": "
                 "\"n\", \"id\": \"a\"}"),
         "3:68: $.steps[1].id: two steps have the id 'a'"},
        {"{\"title\": \"t\", \"summary\": \"s\", \"vms\": [], \"steps\": []}",
         "1:39: $.vms: needs at least 1 item"},
        /* A count is written as an integer: not 2.0, not 1e0. */
        {MINIMAL("{\"narration\": \"n\", \"instructions\": 2.0}"),
         "3:47: $.steps[0].instructions: must be an integer (digits only, "
         "no fraction or exponent), not 2.0"},
        {MINIMAL("{\"narration\": \"n\", \"until\": {\"label\": \"x\", "
                 "\"count\": 1e0}}"),
         "3:64: $.steps[0].until.count: must be an integer"},
        {"{\"title\": \"t\", \"summary\": \"s\", \"machine\": {\"seed\": 1E2},"
         " \"vms\": [{\"guest\": \"g.asm\"}], \"steps\": [{\"narration\": "
         "\"n\"}]}",
         "1:52: $.machine.seed: must be an integer"},
        {"{\"title\": \"t\", \"summary\": \"s\", \"vms\": [{\"guest\": "
         "\"g.asm\","
         " \"ram\": 4194304.0}], \"steps\": [{\"narration\": \"n\"}]}",
         "1:66: $.vms[0].ram: a size in bytes must be an integer"},
        {MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"register\": "
                 "\"eax\", \"equals\": 1.0}]}"),
         "3:77: $.steps[0].checkpoints[0].equals: must be an integer"},
        /* A bad scope: one message, without saying "total or step" twice. */
        {MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"counter\": "
                 "\"tlb_hits\", \"scope\": \"bogus\", \"equals\": 1}]}"),
         "3:80: $.steps[0].checkpoints[0].scope: 'bogus' is not a scope "
         "(one of: total, step)"},
        /* Choices a student could not tell apart. */
        {MINIMAL("{\"narration\": \"n\", \"questions\": [{\"kind\": "
                 "\"choice\", \"prompt\": \"p\", \"explanation\": \"e\", "
                 "\"choices\": [\"Both\", \"BOTH \"], \"answer\": \"Both\"}]}"),
         "3:119: $.steps[0].questions[0].choices[1]: 'BOTH ' is the same "
         "choice as choices[0], 'Both', to a student"},
        /* A guest stays inside the scenario's directory. */
        {"{\"title\": \"t\", \"summary\": \"s\", \"vms\": [{\"guest\": "
         "\"../g.asm\"}], \"steps\": [{\"narration\": \"n\"}]}",
         "1:50: $.vms[0].guest: '../g.asm' leaves the scenario's directory"},
        {"{\"title\": \"t\", \"summary\": \"s\", \"vms\": [{\"guest\": "
         "\"/tmp/g.asm\"}], \"steps\": [{\"narration\": \"n\"}]}",
         "1:50: $.vms[0].guest: '/tmp/g.asm' is an absolute path"},
        {"{\"title\": \"t\", \"summary\": \"s\", \"vms\": [{\"guest\": "
         "\"g.asm\", \"devices\": [\"exit_port\"]}], \"steps\": "
         "[{\"narration\": \"n\"}]}",
         "1:70: $.vms[0].devices: leaves out uart"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[300];
        CHECK_EQ(parse(cases[i].text, NULL, msg, sizeof msg),
                 HV_SCN_ERR_INPUT);
        if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0) {
            fprintf(stderr, "case %zu: got '%s', want '%s...'\n", i, msg,
                    cases[i].want);
            check_failures++;
        }
    }
}

/* Every message of `text`, and how many there are. */
static size_t parse_all(const char *text, size_t len, char *buf, size_t buflen)
{
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_scn *s = NULL;
    hv_scn_parse("t.json", text, len, &s, &d);
    hv_scn_free(s);
    size_t o = 0, n = d.n;
    buf[0] = 0;
    for (size_t i = 0; i < d.n && o < buflen; i++) {
        int w = hv_scn_diag_format(&d.v[i], buf + o, buflen - o);
        o += w > 0 ? (size_t)w : 0;
        if (o + 1 < buflen)
            buf[o++] = '|', buf[o] = 0;
    }
    hv_scn_diags_free(&d);
    return n;
}

static void test_escape(void)
{
    char b[SCN_SHOW_LEN];
    const char *s = "a\nb\x1b[31m\xc2\x9b\\\"\t\x7f\xff\xe2\x80\xae\xc3\xa9";
    CHECK_STR(scn_escape(s, strlen(s), 60, false, b, sizeof b),
              "a\\nb\\x1B[31m\\u009B\\\\\\\"\\t\\x7F\\xFF\\u202E\xc3\xa9");
    char big[200];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    scn_escape(big, strlen(big), 60, false, b, sizeof b);
    CHECK_EQ(strlen(b), 60 + 3);
    CHECK(strcmp(b + 60, "\xE2\x80\xA6") == 0);
    big[198] = 'z';
    scn_escape(big, strlen(big), 5, true, b, sizeof b);
    CHECK_STR(b, "\xE2\x80\xA6kkkkz");
    /* A small buffer: cut, marked, terminated; a UTF-8 character whole. */
    char small[10];
    scn_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, 60, false, small,
               sizeof small);
    CHECK_STR(small, "\xc3\xa9\xc3\xa9\xc3\xa9\xE2\x80\xA6");
    CHECK(scn_is_plain("walk refs", 60) && !scn_is_plain("a\nb", 60) &&
          !scn_is_plain(big, 60));
}

/* Text from the file cannot forge a line of the output or make a message
 * as long as itself. */
static void test_messages_escape_user_text(void)
{
    static char buf[1 << 16];
    /* A key, an enum value and a label with a newline and ESC in them. */
    const char *t =
        "{\"title\": \"t\", \"summary\": \"s\", \"x\\nt.json:1:1: $: forged "
        "\\u001b[2J\": 1,\n \"machine\": {\"paging\": \"nat\\u001bive\\n\"},\n"
        " \"vms\": [{\"guest\": \"g.asm\", \"name\": \"v\\r\"}],\n"
        " \"steps\": [{\"narration\": \"n\", \"until\": {\"label\": \"a\\nb\"},"
        " \"checkpoints\": [{\"counter\": \"c\\u009b\", \"equals\": 1}]},"
        " {\"narration\": \"n\", \"until\": \"ex\\nit\"}]}";
    size_t n = parse_all(t, strlen(t), buf, sizeof buf);
    CHECK(n >= 5);
    for (const char *p = buf; *p; p++)
        CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
    CHECK(strstr(buf, "unknown key 'x\\nt.json:1:1: $: forged \\x1B[2J'"));
    CHECK(strstr(buf, "'nat\\x1Bive\\n' is not a paging mode"));
    CHECK(strstr(buf, "'v\\r' is not a VM name"));
    CHECK(strstr(buf, "'c\\u009B' is not a counter"));
    CHECK(strstr(buf, "'ex\\nit': until is"));
    if (check_failures)
        fprintf(stderr, "%s\n", buf);

    /* A 1 MB key: the message shows 60 characters of it, then "…". */
    size_t klen = 1 << 20;
    char *big = malloc(klen + 200);
    if (!big) {
        check_failures++;
        return;
    }
    int o = snprintf(big, 200, "{\"title\": \"t\", \"summary\": \"s\", \"");
    memset(big + o, 'k', klen);
    snprintf(big + o + klen, 200,
             "\": 1, \"vms\": [{\"guest\": \"g.asm\"}], \"steps\": "
             "[{\"narration\": \"n\"}]}");
    n = parse_all(big, strlen(big), buf, sizeof buf);
    CHECK_EQ(n, 1);
    CHECK(strlen(buf) < 600);
    CHECK(strstr(buf, "kkk\xE2\x80\xA6' (allowed here"));
    free(big);
}

/* One mistake, one message. */
static void test_one_message(void)
{
    static const char *const cases[] = {
        /* scope where a checkpoint has none: the unknown key, not also
         * its value */
        MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"register\": "
                "\"eax\", \"scope\": \"bogus\", \"equals\": 1}]}"),
        MINIMAL("{\"narration\": \"n\", \"checkpoints\": [{\"counter\": "
                "\"tlb_hits\", \"scope\": \"bogus\", \"equals\": 1}]}"),
        MINIMAL("{\"narration\": \"n\", \"questions\": [{\"kind\": "
                "\"number\", \"prompt\": \"p\", \"explanation\": \"e\", "
                "\"answer_from\": {\"counter\": \"tlb_hits\", \"scope\": "
                "\"bogus\"}}]}"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[2000];
        size_t n = parse_all(cases[i], strlen(cases[i]), buf, sizeof buf);
        if (n != 1 || strstr(buf, "total or step")) {
            fprintf(stderr, "case %zu: %zu messages: %s\n", i, n, buf);
            check_failures++;
        }
    }
}

/* A checkpoint's name and a step's run condition go into failure lines. */
static void test_labels_in_results(void)
{
    char buf[300];
    hv_scn_check k = {.name = "a\nb"};
    CHECK_STR(hv_scn_check_label(&k, 0, buf, sizeof buf), "a\\nb");
    k.name = "walk refs";
    CHECK(hv_scn_check_label(&k, 0, buf, sizeof buf) == k.name);
    hv_scn *s;
    CHECK_EQ(
        parse("{\"title\": \"t\", \"summary\": \"s\", \"machine\": "
              "{\"paging\": \"nested\"}, \"vms\": [{\"guest\": \"g.asm\", "
              "\"name\": \"left\"}, {\"guest\": \"g.asm\", \"name\": "
              "\"right\"}], \"steps\": [{\"narration\": \"n\", \"until\": "
              "{\"label\": \"first_read\", \"vm\": \"right\", \"count\": 2}}]}",
              &s, buf, sizeof buf),
        HV_SCN_OK);
    if (!s) {
        fprintf(stderr, "%s\n", buf);
        check_failures++;
        return;
    }
    hv_scn_until_describe(s, &s->steps[0].until, buf, sizeof buf);
    CHECK_STR(buf, "to label first_read of VM right (the 2nd time)");
    hv_scn_free(s);
}

static void test_suggest(void)
{
    static const char *const names[] = {"narration", "until", "instructions",
                                        "checkpoints", NULL};
    CHECK_STR(scn_suggest("naration", names), "narration");
    CHECK_STR(scn_suggest("Until", names), "until");
    CHECK_STR(scn_suggest("checkpoint", names), "checkpoints");
    CHECK_STR(scn_suggest("instrcutions", names), "instructions");
    CHECK(scn_suggest("zzz", names) == NULL);
    CHECK(scn_suggest("", names) == NULL);
}

static void test_question_accepts(void)
{
    static const char *const choices[] = {"Only the PTE", "Both", NULL};
    hv_scn_question q = {.kind = HV_SCN_Q_CHOICE, .choices = choices,
                         .nchoices = 2, .answer_choice = 0,
                         .has_answer = true};
    CHECK(hv_scn_question_accepts(&q, NULL, " only the pte "));
    CHECK(hv_scn_question_accepts(&q, NULL, "a"));
    CHECK(hv_scn_question_accepts(&q, NULL, "1"));
    CHECK(!hv_scn_question_accepts(&q, NULL, "b"));
    CHECK(!hv_scn_question_accepts(&q, NULL, "Both"));
    CHECK(!hv_scn_question_accepts(&q, NULL, ""));
    hv_scn_question n = {.kind = HV_SCN_Q_NUMBER, .tolerance = 0.5};
    hv_scn_answer a = {.known = true, .value = 14};
    CHECK(hv_scn_question_accepts(&n, &a, "14"));
    CHECK(hv_scn_question_accepts(&n, &a, "0xe"));
    CHECK(hv_scn_question_accepts(&n, &a, "14.4"));
    CHECK(!hv_scn_question_accepts(&n, &a, "15"));
    CHECK(!hv_scn_question_accepts(&n, &a, "fourteen"));
}

static const char map_text[] =
    "\n- NASM Map file ---\n\nSource file:  g.asm\n\n"
    "-- Program origin ---\n\n00001000\n\n"
    "-- Sections (summary) ---\n\n"
    "Vstart            Start             Stop              Length    Class     Name\n"
    "            1000              1000              1008  00000008  progbits  .text\n"
    "            1010              1010              1014  00000004  progbits  .data\n\n"
    "-- Symbols ---\n\n---- No Section ---\n\nValue     Name\n"
    "00400000  VA_DATA\n\n\n"
    "---- Section .text ---\n\nReal              Virtual           Name\n"
    "            1000              1000  start\n"
    "            1005              1005  ..@3.x\n"
    "            1007              1007  start.loop\n\n"
    "---- Section .data ---\n\nReal              Virtual           Name\n"
    "            1010              1010  d1\n";

static const char listing_text[] =
    "     1                                  bits 32\n"
    "     2                                  org 0x1000\n"
    "     3 00000000 B801000000              start: mov eax, 1\n"
    "     4                                  %macro m 0\n"
    "     7                                  m\n"
    "     5 00000005 EB00                <1>  jmp $+2\n"
    "     8                                  section .data align=16\n"
    "     9 00000000 05000000                d1: dd 5\n"
    "    10                                  section .text\n"
    "    11 00000007 90                      .loop: nop\n";

static void test_map_and_listing(void)
{
    hv_scn_arena *a = scn_arena_new();
    hv_scn_guest g = {.image_len = 0x14};
    CHECK(scn_asm_parse_map(a, map_text, &g));
    CHECK(scn_asm_parse_listing(a, listing_text, &g, map_text));
    CHECK_EQ(g.origin, 0x1000);
    CHECK_EQ(g.nsyms, 4); /* ..@ names are NASM's own */
    const hv_scn_symbol *s = hv_scn_symbol_find(&g, "start.loop");
    CHECK(s && s->value == 0x1007 && s->is_label);
    s = hv_scn_symbol_find(&g, "VA_DATA");
    CHECK(s && s->value == 0x400000 && !s->is_label);
    uint32_t line = 0;
    CHECK(hv_scn_addr_line(&g, 0x1000, &line) && line == 3);
    CHECK(hv_scn_addr_line(&g, 0x1006, &line) && line == 7); /* macro */
    CHECK(hv_scn_addr_line(&g, 0x1007, &line) && line == 11);
    CHECK(hv_scn_addr_line(&g, 0x1010, &line) && line == 9); /* .data */
    CHECK(!hv_scn_addr_line(&g, 0x0FFF, &line));
    scn_arena_free(a);
}

static const check_test tests[] = {
    {"positions_and_paths", test_positions_and_paths},
    {"syntax_errors", test_syntax_errors},
    {"nul_and_binary", test_nul_and_binary},
    {"values", test_values},
    {"semantic_errors", test_semantic_errors},
    {"escape", test_escape},
    {"messages_escape_user_text", test_messages_escape_user_text},
    {"labels_in_results", test_labels_in_results},
    {"one_message", test_one_message},
    {"suggest", test_suggest},
    {"question_accepts", test_question_accepts},
    {"map_and_listing", test_map_and_listing},
    {NULL, NULL},
};

CHECK_MAIN(tests)
