/*
 * NAME
 *	fuzz_tlsrpt_json.c - libFuzzer harness for the TLS-RPT report parser
 * DESCRIPTION
 *	Feeds any bytes to tk_tlsrpt_json_parse, and to the payload sink
 *	adapter in two pieces, and checks the contract: a known status, the
 *	same from both, a printable error, required members present when
 *	accepted, every count of kept things within its limit, no control
 *	byte in any kept text, printable notes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/tlsrpt_json.h"
#include "fuzz_util.h"

/* no_controls: s (which may be NULL) holds no byte below 0x20 or 0x7f. */
static int no_controls(const char *s)
{
    if (s == NULL)
        return 1;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

static void check_failure(const struct tk_tlsrpt_failure *f)
{
    check(f->result_type != NULL);
    check(no_controls(f->result_type) && no_controls(f->sending_mta_ip) &&
          no_controls(f->receiving_mx_hostname) && no_controls(f->receiving_mx_helo) &&
          no_controls(f->receiving_ip) && no_controls(f->additional_information) &&
          no_controls(f->failure_reason_code));
}

static void check_report(const struct tk_tlsrpt_report *r)
{
    size_t i, k, failures = 0;

    check(r->organization_name != NULL && r->organization_name[0] != '\0');
    check(r->report_id != NULL && r->report_id[0] != '\0');
    check(no_controls(r->organization_name) && no_controls(r->report_id) &&
          no_controls(r->contact_info));
    check(r->npolicies <= TK_TLSRPT_POLICIES_MAX);
    for (i = 0; i < r->npolicies; i++) {
        const struct tk_tlsrpt_policy *p = &r->policies[i];

        check(p->policy_type != NULL && p->policy_domain != NULL);
        check(no_controls(p->policy_type) && no_controls(p->policy_domain));
        check(p->npolicy_string <= TK_TLSRPT_POLICY_STRINGS_MAX);
        check(p->nmx_host <= TK_TLSRPT_POLICY_STRINGS_MAX);
        for (k = 0; k < p->npolicy_string; k++)
            check(no_controls(p->policy_string[k]) &&
                  strlen(p->policy_string[k]) <= TK_TLSRPT_TEXT_MAX);
        for (k = 0; k < p->nmx_host; k++)
            check(no_controls(p->mx_host[k]));
        for (k = 0; k < p->nfailures; k++)
            check_failure(&p->failures[k]);
        failures += p->nfailures;
    }
    check(failures == r->failures_total && failures <= TK_TLSRPT_FAILURES_MAX);
    check_notes(&r->notes);
}

static enum tk_status seen(void *arg, const struct tk_tlsrpt_report *r,
                           const struct tk_payload_origin *origin, struct tk_error *err)
{
    (void)origin;
    (void)err;
    check_report(r);
    (*(int *)arg)++;
    return TK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_payload_origin o = {"fuzz"};
    struct tk_tlsrpt_report r;
    struct tk_tlsrpt_sink ts;
    struct tk_payload_sink s;
    struct tk_error err, err2;
    enum tk_status st, st2;
    int reports = 0;

    tk_error_clear(&err);
    st = tk_tlsrpt_json_parse(data, size, &r, &err);
    check(st == TK_OK || st == TK_INVALID || st == TK_LIMIT);
    check_err(st, &err);
    if (st == TK_OK)
        check_report(&r);
    else
        check(r.organization_name == NULL && r.npolicies == 0);
    tk_tlsrpt_report_free(&r);

    tk_tlsrpt_sink_init(&ts, 0, seen, &reports);
    s = tk_tlsrpt_sink_payload(&ts);
    tk_error_clear(&err2);
    check(s.begin(s.arg, TK_PAYLOAD_TLSRPT_JSON, &o, &err2) == TK_OK);
    check(s.data(s.arg, data, size / 2, &err2) == TK_OK);
    check(s.data(s.arg, data + size / 2, size - size / 2, &err2) == TK_OK);
    st2 = s.end(s.arg, true, NULL, &err2);
    check(st2 == st && reports == (st == TK_OK));
    tk_tlsrpt_sink_free(&ts);
    return 0;
}
