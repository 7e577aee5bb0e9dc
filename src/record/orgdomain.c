/*
 * NAME
 *	orgdomain.c - the organisational domain of a name (public suffix list)
 * DESCRIPTION
 *	The list is loaded once, on first use (pthread_once, so any thread
 *	may be first); later calls only look up, which libpsl allows from
 *	several threads at once.
 */
#include <libpsl.h>
#include <pthread.h>
#include <string.h>

#include "record/orgdomain.h"

static const psl_ctx_t *orgdomain_list;
static pthread_once_t orgdomain_once = PTHREAD_ONCE_INIT;

static void orgdomain_load(void)
{
    orgdomain_list = psl_latest(NULL);
    if (orgdomain_list == NULL)
        orgdomain_list = psl_builtin();
}

/* Loaded once, on first use, from whichever thread gets there first. */
static const psl_ctx_t *orgdomain_psl(void)
{
    pthread_once(&orgdomain_once, orgdomain_load);
    return orgdomain_list;
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
