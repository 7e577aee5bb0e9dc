/*
 * NAME
 *	domain.c - domain names in text form: check, normalise, compare
 * STANDARDS
 *	RFC 1035 2.3.4 (lengths), RFC 2181 11 (any octet is legal in DNS,
 *	but names we query and print are restricted to LDH plus '_').
 */
#include <stdio.h>
#include <string.h>

#include "core/domain.h"

int tk_ascii_lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

bool tk_ascii_strcaseeq(const char *a, const char *b)
{
    while (*a && *b && tk_ascii_lower((unsigned char)*a) == tk_ascii_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

static bool domain_char_ok(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
           ch == '*';
}

enum tk_status tk_domain_normalise(const char *in, size_t len, char out[TK_DOMAIN_MAX + 1],
                                   struct tk_error *err)
{
    size_t i, label = 0;

    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0)
        return tk_error_set(err, TK_INVALID, "empty domain name");
    if (len > TK_DOMAIN_MAX)
        return tk_error_set(err, TK_INVALID, "domain name longer than %d characters",
                            TK_DOMAIN_MAX);
    for (i = 0; i < len; i++) {
        int ch = tk_ascii_lower((unsigned char)in[i]);

        if (ch == '.') {
            if (label == 0)
                return tk_error_set(err, TK_INVALID, "empty label in domain name");
            label = 0;
        } else if (!domain_char_ok(ch)) {
            return tk_error_set(err, TK_INVALID,
                                "byte 0x%02x at position %zu is not allowed in a domain name",
                                (unsigned char)in[i], i + 1);
        } else if (++label > TK_LABEL_MAX) {
            return tk_error_set(err, TK_INVALID, "label longer than %d characters", TK_LABEL_MAX);
        }
        out[i] = (char)ch;
    }
    if (label == 0)
        return tk_error_set(err, TK_INVALID, "empty label in domain name");
    out[len] = '\0';
    return TK_OK;
}

enum tk_status tk_domain_join(const char *prefix, const char *domain, char out[TK_DOMAIN_MAX + 1])
{
    int n;

    if (prefix[0] == '\0')
        n = snprintf(out, TK_DOMAIN_MAX + 1, "%s", domain);
    else
        n = snprintf(out, TK_DOMAIN_MAX + 1, "%s.%s", prefix, domain);
    if (n < 0 || n > TK_DOMAIN_MAX)
        return TK_LIMIT;
    return TK_OK;
}

bool tk_domain_is_subdomain(const char *name, const char *parent)
{
    size_t n = strlen(name), p = strlen(parent);

    if (n == p)
        return strcmp(name, parent) == 0;
    return n > p && name[n - p - 1] == '.' && strcmp(name + n - p, parent) == 0;
}
