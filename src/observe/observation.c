/*
 * NAME
 *	observation.c - helpers over an observation's look-ups
 */
#include <stdlib.h>

#include "observe/observation.h"
#include "record/dmarc.h"

size_t tk_lookup_select(const struct tk_lookup *l, bool (*is_record)(const char *, size_t),
                        const struct tk_rr_text **first)
{
    size_t i, n = 0;

    if (first)
        *first = NULL;
    if (l->status != TK_OK)
        return 0;
    for (i = 0; i < l->n; i++) {
        if (!is_record(l->rr[i].text, l->rr[i].len))
            continue;
        if (n++ == 0 && first)
            *first = &l->rr[i];
    }
    return n;
}

size_t tk_lookup_dmarc(const struct tk_lookup *l, struct tk_dmarc_record *first,
                       const struct tk_rr_text **rr, enum tk_status *st, struct tk_error *err)
{
    struct tk_dmarc_record other;
    size_t i, n = 0;

    *st = TK_ABSENT;
    *rr = NULL;
    for (i = 0; l->status == TK_OK && i < l->n; i++) {
        enum tk_status s;

        if (n == 0)
            s = tk_dmarc_record_parse(l->rr[i].text, l->rr[i].len, first, err);
        else
            s = tk_dmarc_record_parse(l->rr[i].text, l->rr[i].len, &other, NULL);
        if (s == TK_ABSENT)
            continue;
        if (n++ == 0) {
            *st = s;
            *rr = &l->rr[i];
        }
    }
    return n;
}

void tk_observation_lookup_free(struct tk_lookup *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->rr[i].text);
    free(l->rr);
    l->rr = NULL;
    l->n = 0;
}

void tk_observation_free(struct tk_observation *obs)
{
    size_t i;

    tk_observation_lookup_free(&obs->mx);
    tk_observation_lookup_free(&obs->txt);
    tk_observation_lookup_free(&obs->dmarc);
    tk_observation_lookup_free(&obs->dmarc_org);
    tk_observation_lookup_free(&obs->tlsrpt);
    tk_observation_lookup_free(&obs->tlsrpt_seed);
    tk_observation_lookup_free(&obs->mta_sts);
    tk_observation_lookup_free(&obs->dkim_wildcard);
    for (i = 0; i < obs->ndkim; i++)
        tk_observation_lookup_free(&obs->dkim[i].key);
    for (i = 0; i < obs->spf.n; i++) {
        tk_observation_lookup_free(&obs->spf.nodes[i].txt);
        free(obs->spf.nodes[i].record);
    }
    for (i = 0; i < obs->nrua_auth; i++)
        tk_observation_lookup_free(&obs->rua_auth[i].txt);
    for (i = 0; i < obs->nmx_hosts; i++) {
        tk_observation_lookup_free(&obs->mx_hosts[i].a);
        tk_observation_lookup_free(&obs->mx_hosts[i].aaaa);
        tk_observation_lookup_free(&obs->mx_hosts[i].tlsa);
    }
    tk_observation_lookup_free(&obs->sts_a);
    tk_observation_lookup_free(&obs->sts_aaaa);
    tk_mtasts_fetch_clear(&obs->sts_fetch);
}

const char *tk_profile_name(enum tk_profile p)
{
    switch (p) {
    case TK_PROFILE_EMAIL:
        return "email";
    case TK_PROFILE_PARKED:
        return "parked";
    case TK_PROFILE_UNSET:
        break;
    }
    return "";
}
