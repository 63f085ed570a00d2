/* hvlab: a libFuzzer target for the scenario loader (STYLE.md practice
 * 13; cJSON's fuzzing/ is the model). It drives hv_scn_parse, the pure
 * stage (no files, no NASM): both passes over the text, the typed
 * getters, and the message formatter. Any crash, leak, hang or undefined
 * behaviour is a bug in src/scenario. */
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hv_scn_diags d;
    hv_scn_diags_init(&d);
    hv_scn *s = NULL;
    hv_scn_err err = hv_scn_parse("fuzz.json", (const char *)data, size, &s,
                                  &d);
    char buf[512];
    for (size_t i = 0; i < d.n; i++)
        hv_scn_diag_format(&d.v[i], buf, sizeof buf);
    if (err == HV_SCN_OK && s) {
        /* Walk what was parsed, as a front end would. */
        for (uint32_t i = 0; i < s->nsteps; i++) {
            hv_scn_until_describe(s, &s->steps[i].until, buf, sizeof buf);
            for (uint32_t k = 0; k < s->steps[i].nchecks; k++)
                hv_scn_check_label(&s->steps[i].checks[k], k, buf,
                                   sizeof buf);
            for (uint32_t k = 0; k < s->steps[i].nquestions; k++) {
                hv_scn_answer a = {.known = true, .value = 2};
                hv_scn_question_accepts(&s->steps[i].questions[k], &a, "2");
                hv_scn_question_accepts(&s->steps[i].questions[k], &a, "a");
            }
        }
    }
    hv_scn_free(s);
    hv_scn_diags_free(&d);
    return 0;
}
