/*
 * NAME
 *	fuzz_from.c - libFuzzer harness for the RFC5322.From extraction
 * DESCRIPTION
 *	Feeds any bytes as a message's header section (tk_msg) and extracts
 *	the From domain, then reads the bytes once more as a single From
 *	field value. Checks the contract: success gives reason ok, a From
 *	field index that names a From field, and a domain that is its own
 *	normal form (lower case, a valid DNS name, no '*'); failure gives a
 *	reason other than ok, an empty domain and a printable-length
 *	message; an overflowing message never succeeds. A broken contract
 *	aborts.
 */
#include <stdint.h>
#include <string.h>

#include "auth/from.h"
#include "auth/message.h"
#include "core/domain.h"
#include "fuzz_util.h"

static void from_check(enum tk_status st, const struct tk_from *f, const struct tk_error *err)
{
    char norm[TK_DOMAIN_MAX + 1];

    if (st != TK_OK) {
        check(f->reason != TK_FROM_OK && f->domain[0] == '\0');
        check(err->msg[0] != '\0' && strlen(err->msg) < TK_ERROR_MSG_MAX);
        return;
    }
    check(f->reason == TK_FROM_OK);
    check(tk_domain_normalise(f->domain, strlen(f->domain), norm, NULL) == TK_OK);
    check(strcmp(norm, f->domain) == 0 && strchr(f->domain, '*') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_error err = {0};
    struct tk_from f;
    struct tk_msg m;
    enum tk_status st;

    tk_msg_init(&m);
    check(tk_msg_feed(&m, (const char *)data, size, NULL, NULL) == TK_OK);
    check(tk_msg_finish(&m) == TK_OK);
    st = tk_from_domain(&m, &f, &err);
    from_check(st, &f, &err);
    if (st == TK_OK)
        check(!tk_msg_overflow(&m) && f.field < m.nfields && tk_msg_field_is(&m, f.field, "from") &&
              tk_msg_count(&m, "from") == 1);
    tk_msg_free(&m);
    memset(&err, 0, sizeof(err));
    st = tk_from_parse_value((const char *)data, size, &f, &err);
    from_check(st, &f, &err);
    return 0;
}
