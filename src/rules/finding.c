/*
 * NAME
 *	finding.c - helpers the rule checks share to fill a finding
 */
#include <stdarg.h>
#include <stdio.h>

#include "rules/finding.h"

void tk_finding_set(struct tk_finding *f, enum tk_verdict status, const char *fmt, ...)
{
    va_list ap;

    f->status = status;
    va_start(ap, fmt);
    vsnprintf(f->evidence, sizeof(f->evidence), fmt, ap);
    va_end(ap);
}

void tk_finding_fix(struct tk_finding *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(f->remediation, sizeof(f->remediation), fmt, ap);
    va_end(ap);
}

const char *tk_finding_quote(const char *text, size_t len, char *out, size_t outlen)
{
    size_t i, o = 0;

    if (outlen < 8) {
        if (outlen)
            out[0] = '\0';
        return out;
    }
    out[o++] = '"';
    for (i = 0; i < len && i < TK_QUOTE_MAX; i++) {
        unsigned char ch = (unsigned char)text[i];
        size_t need = (ch < 0x20 || ch > 0x7e || ch == '\\') ? 4 : 1;

        if (o + need + 5 >= outlen)
            break;
        if (need == 4)
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
        else
            out[o++] = (char)ch;
    }
    if (i < len)
        o += (size_t)snprintf(out + o, outlen - o, "...");
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

void tk_finding_fix_retry(struct tk_finding *f, const char *name)
{
    tk_finding_fix(f, "Check that the name servers for %s answer; tiaki will check again.", name);
}

int tk_finding_lookup_unknown(struct tk_finding *f, const struct tk_lookup *l)
{
    if (l->status != TK_TEMP)
        return 0;
    tk_finding_set(f, TK_VERDICT_UNKNOWN, "the look-up of %s failed: %s", l->name, l->why);
    tk_finding_fix_retry(f, l->name);
    return 1;
}

void tk_part_set(struct tk_part_verdict *p, enum tk_verdict v, const char *fmt, ...)
{
    va_list ap;

    p->v = v;
    va_start(ap, fmt);
    vsnprintf(p->why, sizeof(p->why), fmt, ap);
    va_end(ap);
}

int tk_verdict_rank(enum tk_verdict v)
{
    return v == TK_VERDICT_FAIL ? 2 : v == TK_VERDICT_UNKNOWN ? 1 : 0;
}
