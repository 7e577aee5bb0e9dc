/*
 * NAME
 *	rules_dkim.c - DKIM-SIGNED: the keys an email domain publishes
 * DESCRIPTION
 *	From outside, signing shows only as keys: each selector named by
 *	the inventory and each common selector that answers is judged. A
 *	usable key is RSA of 2048 bits or more, or ed25519; 1024-2047 is
 *	weak (warn); under 1024, unparsable, or a named selector with no key
 *	fails. No key anywhere is unknown: tiaki cannot guess every selector.
 * STANDARDS
 *	RFC 6376 3.6.1, RFC 8301 (1024-bit minimum), RFC 8463 (ed25519).
 *	Seed section 8 "DKIM".
 */
#include <stdio.h>
#include <string.h>

#include "record/dkimkey.h"
#include "rules/checks.h"
#include "rules/finding.h"

enum dkim_grade {
    DKIM_NONE,    /* nothing published at the selector */
    DKIM_TEMP,    /* look-up failed */
    DKIM_REVOKED, /* p= empty */
    DKIM_BROKEN,  /* does not parse or too short: mail signed with it fails */
    DKIM_MISSING, /* an inventory selector with no key */
    DKIM_WEAK,    /* RSA 1024-2047 */
    DKIM_GOOD,
};

struct dkim_tally {
    size_t count[DKIM_GOOD + 1];
    const struct tk_dkim_observation *first[DKIM_GOOD + 1];
    char detail[DKIM_GOOD + 1][TK_ERROR_MSG_MAX];
};

static enum dkim_grade dkim_grade_key(const struct tk_dkim_observation *d, char *detail,
                                      size_t dlen)
{
    const struct tk_rr_text *rr = d->key.n > 0 ? &d->key.rr[0] : NULL;
    struct tk_dkim_key key;
    struct tk_error err = {0};
    enum dkim_grade g;

    if (d->key.status == TK_TEMP)
        return DKIM_TEMP;
    if (d->key.status != TK_OK || rr == NULL)
        return d->from_inventory ? DKIM_MISSING : DKIM_NONE;
    if (tk_dkim_key_parse(rr->text, rr->len, &key, &err) != TK_OK) {
        snprintf(detail, dlen, "%s", err.msg);
        return DKIM_BROKEN;
    }
    if (key.revoked)
        g = DKIM_REVOKED;
    else if (key.type == TK_DKIM_KEY_ED25519 || (key.type == TK_DKIM_KEY_RSA && key.bits >= 2048))
        g = DKIM_GOOD;
    else if (key.type == TK_DKIM_KEY_RSA && key.bits >= 1024)
        g = DKIM_WEAK;
    else
        g = DKIM_BROKEN;
    snprintf(detail, dlen, "%s %u bits", tk_dkim_key_type_name(key.type), key.bits);
    tk_dkim_key_free(&key);
    return g;
}

static void dkim_tally(const struct tk_observation *obs, struct dkim_tally *t)
{
    char detail[TK_ERROR_MSG_MAX];
    size_t i;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < obs->ndkim; i++) {
        enum dkim_grade g = dkim_grade_key(&obs->dkim[i], detail, sizeof(detail));

        if (t->count[g]++ == 0) {
            t->first[g] = &obs->dkim[i];
            snprintf(t->detail[g], sizeof(t->detail[g]), "%s", detail);
        }
    }
}

static void dkim_tried(const struct tk_observation *obs, char *out, size_t len)
{
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < obs->ndkim && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : "", obs->dkim[i].selector);
}

static int dkim_failures(const struct tk_observation *obs, const struct dkim_tally *t,
                         struct tk_finding *f)
{
    const struct tk_dkim_observation *d;

    if ((d = t->first[DKIM_MISSING]) != NULL) {
        tk_finding_set(f, TK_VERDICT_FAIL,
                       "selector %s (named in the inventory) publishes no "
                       "key at %s",
                       d->selector, d->key.name);
        tk_finding_fix(f,
                       "Publish the public key of selector %s at %s, or correct the "
                       "inventory's selectors.",
                       d->selector, d->key.name);
        return 1;
    }
    if ((d = t->first[DKIM_BROKEN]) != NULL) {
        tk_finding_set(f, TK_VERDICT_FAIL, "the key at %s is unusable: %s", d->key.name,
                       t->detail[DKIM_BROKEN]);
        tk_finding_fix(f,
                       "Publish a valid RSA key of 2048 bits (or ed25519) at %s and sign "
                       "with its private key.",
                       d->key.name);
        return 1;
    }
    return 0;
}

void check_dkim_signed(const struct tk_rule_input *in, struct tk_finding *f)
{
    const struct tk_observation *obs = in->obs;
    struct dkim_tally t;
    char tried[400];

    if (obs->ndkim == 0 && tk_finding_lookup_unknown(f, &obs->mx))
        return;
    dkim_tally(obs, &t);
    if (dkim_failures(obs, &t, f))
        return;
    if (t.first[DKIM_GOOD]) {
        tk_finding_set(f, TK_VERDICT_PASS, "selector %s: %s%s", t.first[DKIM_GOOD]->selector,
                       t.detail[DKIM_GOOD],
                       t.count[DKIM_WEAK] ? " (a weaker key is also published)" : "");
        return;
    }
    if (t.first[DKIM_WEAK]) {
        tk_finding_set(f, TK_VERDICT_WARN, "selector %s: %s; 2048 bits is recommended",
                       t.first[DKIM_WEAK]->selector, t.detail[DKIM_WEAK]);
        tk_finding_fix(f, "Generate a 2048-bit RSA key, publish it under a new selector and "
                          "sign with it.");
        return;
    }
    dkim_tried(obs, tried, sizeof(tried));
    tk_finding_set(f, TK_VERDICT_UNKNOWN, "no DKIM key found at the selectors tried (%s)%s%s",
                   tried, t.count[DKIM_TEMP] ? "; some look-ups failed" : "",
                   t.count[DKIM_REVOKED] ? "; only revoked keys" : "");
    if (t.count[DKIM_TEMP] > 0 && t.count[DKIM_NONE] == 0 && t.count[DKIM_REVOKED] == 0) {
        tk_finding_fix_retry(f, t.first[DKIM_TEMP]->key.name);
        return;
    }
    tk_finding_fix(f,
                   "Name the selectors %s signs with in the inventory (dkim_selectors) or "
                   "with --dkim-selector.",
                   obs->domain);
}
