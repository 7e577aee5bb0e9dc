/*
 * NAME
 *	test_ptr.c - unit tests of the reverse names of report sources
 * DESCRIPTION
 *	Through the static test resolver: an IPv4 and an IPv6 source get the
 *	names their PTR records give; a source with no record, one whose
 *	look-up times out and a text that is no address get "" (and a name
 *	left from before is cleared), and the others are not held up.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "observe/ptr.h"

static void test_ptr_names(void **state)
{
    static const struct zrr zone[] = {
        PTR("1.2.0.192.in-addr.arpa", "mail.agency.govt.nz"),
        PTR("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
            "mx6.agency.govt.nz"),
        TIMEOUT("3.2.0.192.in-addr.arpa"),
        {0},
    };
    struct tk_source_tally t[5], *p[5];
    struct tk_static_zone *z = NULL;
    struct tk_resolver *r = NULL;
    struct tk_error err = {0};
    const char *ips[5] = {"192.0.2.1", "4321:0:1:2:3:4:567:89ab", "192.0.2.2", "192.0.2.3",
                          "not-an-address"};
    const char *want[5] = {"mail.agency.govt.nz", "mx6.agency.govt.nz", "", "", ""};
    size_t i;

    assert_int_equal(tk_static_zone_new(&z), TK_OK);
    testutil_zone_load(z, zone);
    assert_int_equal(tk_resolver_new_static(z, &r), TK_OK);
    memset(t, 0, sizeof(t));
    for (i = 0; i < NELEM(t); i++) {
        snprintf(t[i].ip, sizeof(t[i].ip), "%s", ips[i]);
        snprintf(t[i].ptr, sizeof(t[i].ptr), "stale.example");
        p[i] = &t[i];
    }
    assert_int_equal(tk_observe_ptr_names(r, p, NELEM(p), &err), TK_OK);
    for (i = 0; i < NELEM(t); i++)
        assert_string_equal(t[i].ptr, want[i]);
    tk_resolver_free(r);
    tk_static_zone_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ptr_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
