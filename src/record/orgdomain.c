/*
 * NAME
 *	orgdomain.c - the organisational domain of a name (public suffix list)
 * DESCRIPTION
 *	The list is loaded once, on first use; later calls only look up.
 *	Not thread-safe on the first call.
 */
#include <libpsl.h>
#include <string.h>

#include "record/orgdomain.h"

static const psl_ctx_t *orgdomain_psl(void)
{
    static const psl_ctx_t *psl;

    if (psl == NULL) {
        psl = psl_latest(NULL);
        if (psl == NULL)
            psl = psl_builtin();
    }
    return psl;
}

enum tk_status tk_org_domain(const char *domain, char out[TK_DOMAIN_MAX + 1])
{
    const psl_ctx_t *psl = orgdomain_psl();
    const char *reg = psl ? psl_registrable_domain(psl, domain) : NULL;
    size_t n;

    if (reg == NULL)
        reg = domain;
    n = strlen(reg);
    if (n > TK_DOMAIN_MAX)
        return TK_INVALID;
    memcpy(out, reg, n + 1);
    return TK_OK;
}
