/*
 * NAME
 *	result.c - names of authentication results (RFC 8601 2.7)
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "auth/result.h"

static const char *const result_names[] = {
    [TK_AUTH_NONE] = "none",           [TK_AUTH_PASS] = "pass",
    [TK_AUTH_FAIL] = "fail",           [TK_AUTH_SOFTFAIL] = "softfail",
    [TK_AUTH_NEUTRAL] = "neutral",     [TK_AUTH_POLICY] = "policy",
    [TK_AUTH_TEMPERROR] = "temperror", [TK_AUTH_PERMERROR] = "permerror",
};

const char *tk_auth_result_name(enum tk_auth_result r)
{
    if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
        return "permerror";
    return result_names[r];
}

bool tk_auth_result_parse(const char *name, size_t len, enum tk_auth_result *out)
{
    size_t i;

    if (len == 8 && strncasecmp(name, "hardfail", 8) == 0) {
        *out = TK_AUTH_FAIL;
        return true;
    }
    for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
        if (strlen(result_names[i]) == len && strncasecmp(name, result_names[i], len) == 0) {
            *out = (enum tk_auth_result)i;
            return true;
        }
    }
    return false;
}
