/*
 * NAME
 *	fuzz_mtasts_policy.c - libFuzzer harness for the MTA-STS policy parser
 * DESCRIPTION
 *	Feeds any bytes to tk_mtasts_policy_parse, then matches every mx
 *	pattern it kept against host names made from the same patterns.
 *	Checks the contract: a known status, an accepted policy with a mode,
 *	max_age in range and mx patterns when the mode needs them, patterns
 *	lower-cased and NUL-terminated, printable notes and errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/mtasts.h"
#include "fuzz_util.h"

static void check_patterns(const struct tk_mtasts_policy *p)
{
    char host[TK_DOMAIN_MAX + 8];
    size_t i, j;

    check(p->nmx <= TK_MX_MAX);
    for (i = 0; i < p->nmx; i++) {
        const char *pat = p->mx[i];

        check(printable(pat, TK_DOMAIN_MAX + 1) && pat[0] != '\0');
        for (j = 0; pat[j]; j++)
            check(pat[j] < 'A' || pat[j] > 'Z');
        if (pat[0] == '*') {
            snprintf(host, sizeof(host), "mx%s", pat + 1);
            check(tk_mtasts_mx_matches(pat, host));
            snprintf(host, sizeof(host), "a.b%s", pat + 1);
            check(!tk_mtasts_mx_matches(pat, host));
        } else {
            check(tk_mtasts_mx_matches(pat, pat));
        }
        for (j = 0; j < p->nmx; j++)
            (void)tk_mtasts_mx_matches(pat, p->mx[j]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_mtasts_policy *p = malloc(sizeof(*p));
    struct tk_error err;
    enum tk_status st;

    if (p == NULL)
        return 0;
    tk_error_clear(&err);
    st = tk_mtasts_policy_parse((const char *)data, size, p, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    if (st == TK_OK) {
        check(p->mode != TK_MTASTS_MODE_UNSET && p->max_age <= TK_MTASTS_MAX_AGE_MAX);
        check(p->mode == TK_MTASTS_MODE_NONE || p->nmx > 0);
    }
    check_patterns(p);
    check_notes(&p->notes);
    free(p);
    return 0;
}
