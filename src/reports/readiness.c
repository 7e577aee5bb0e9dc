/*
 * NAME
 *	readiness.c - the blockers between a domain and -all / p=reject
 * DESCRIPTION
 *	One pass over the sources: count, decide legitimacy, and for each
 *	legitimate source that would lose mail write what is wrong and the
 *	one change that mends it, most specific first (the service's own
 *	advice, then the address, then the sub-domain for bulk mail).
 * STANDARDS
 *	RFC 7489 3.1 (alignment), 6.6.2 (DMARC pass: either aligned);
 *	RFC 7208 2.6.2 (fail); seed section 8 (SPF "~all to -all", DMARC
 *	"none to reject", bulk senders on a sub-domain).
 */
#include <stdio.h>
#include <string.h>

#include "reports/readiness.h"

bool tk_source_legitimate(const struct tk_source_tally *s, const char *org_domain)
{
    if (s->org != NULL || s->dmarc_pass > 0)
        return true;
    return s->ptr[0] && org_domain && org_domain[0] && tk_name_ends_with(s->ptr, org_domain);
}

static const char *source_name(const struct tk_source_tally *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s", s->org ? s->org->name : "", s->org ? " (" : "", s->ip,
             s->ptr[0] ? ", " : "", s->ptr[0] ? s->ptr : "");
    if (s->org)
        strncat(buf, ")", len - strlen(buf) - 1);
    return buf;
}

/* blocker_fix writes the change that lets the source's mail pass. */
static void blocker_fix(const char *domain, const struct tk_source_tally *s,
                        struct tk_readiness_blocker *b)
{
    size_t used = 0;

    if (s->org && b->blocks_all)
        used +=
            (size_t)snprintf(b->fix + used, sizeof(b->fix) - used,
                             "add include:%s to the SPF record of %s", s->org->spf_include, domain);
    else if (b->blocks_all)
        used += (size_t)snprintf(b->fix + used, sizeof(b->fix) - used,
                                 "add %s:%s to the SPF record of %s (or the include its "
                                 "operator documents)",
                                 strchr(s->ip, ':') ? "ip6" : "ip4", s->ip, domain);
    if (s->dkim_aligned_pass < s->messages && used < sizeof(b->fix))
        used += (size_t)snprintf(b->fix + used, sizeof(b->fix) - used, "%s%s", used ? "; " : "",
                                 s->org ? s->org->dkim_advice
                                        : "sign its mail with DKIM for the domain (d=)");
    if (s->org && s->org->bulk && used < sizeof(b->fix))
        snprintf(b->fix + used, sizeof(b->fix) - used,
                 "%sor move this bulk mail to a sub-domain (e.g. news.%s) with its own SPF, "
                 "DKIM and DMARC, as the framework advises for bulk senders",
                 used ? "; " : "", domain);
}

static void blocker_add(struct tk_readiness *out, const char *domain,
                        const struct tk_source_tally *s, bool reject, bool all)
{
    struct tk_readiness_blocker *b;
    char name[TK_READINESS_TEXT_MAX / 2];

    if (out->nblockers >= TK_READINESS_BLOCKERS_MAX) {
        out->blockers_truncated = true;
        return;
    }
    b = &out->blockers[out->nblockers++];
    memset(b, 0, sizeof(*b));
    b->source = s;
    b->blocks_reject = reject;
    b->blocks_all = all;
    snprintf(b->problem, sizeof(b->problem),
             "%s sent %lu message%s: %lu passed DMARC, %lu passed SPF aligned, %lu passed DKIM "
             "aligned",
             source_name(s, name, sizeof(name)), s->messages, s->messages == 1 ? "" : "s",
             s->dmarc_pass, s->spf_aligned_pass, s->dkim_aligned_pass);
    blocker_fix(domain, s, b);
}

void tk_readiness_assess(const char *domain, const char *org_domain,
                         const struct tk_source_tally *sources, size_t n, struct tk_readiness *out)
{
    bool reject_blocked = false, all_blocked = false, reject, all;
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < n; i++) {
        const struct tk_source_tally *s = &sources[i];

        out->messages += s->messages;
        if (!tk_source_legitimate(s, org_domain)) {
            out->unknown += s->messages;
            out->nunknown_sources++;
            continue;
        }
        out->legitimate += s->messages;
        reject = s->dmarc_pass < s->messages;
        all = s->spf_aligned_pass < s->messages;
        if (!reject && !all)
            continue;
        reject_blocked |= reject;
        all_blocked |= all;
        blocker_add(out, domain, s, reject, all);
    }
    if (out->messages == 0) {
        out->spf_all = out->dmarc_reject = TK_NO_DATA;
        return;
    }
    out->spf_all = all_blocked ? TK_NOT_READY : TK_READY;
    out->dmarc_reject = reject_blocked ? TK_NOT_READY : TK_READY;
}

const char *tk_readiness_name(enum tk_readiness_verdict v)
{
    return v == TK_READY ? "ready" : v == TK_NOT_READY ? "not ready" : "no data";
}
