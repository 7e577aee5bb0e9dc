/*
 * NAME
 *	fuzz_taglist.c - libFuzzer harness for the tag=value list splitter
 * DESCRIPTION
 *	Parses any bytes as a tag list and checks the contract: TK_OK or
 *	TK_LIMIT (with a message), at most TK_TAGS_MAX tags, every span
 *	inside the input, names that are ALPHA *(ALPHA / DIGIT / "_") with no
 *	white space around names or values, no ';' in any span, bad segments
 *	counted and at most TK_TAGLIST_BAD_MAX kept with a reason;
 *	tk_taglist_find returns the first tag of each name, and
 *	tk_taglist_first_duplicate agrees with find. A broken contract
 *	aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/taglist.h"
#include "fuzz_util.h"

static void check_span(struct tk_span s, const uint8_t *data, size_t size)
{
    const char *base = (const char *)data;

    check(s.len == 0 || (s.p >= base && s.p + s.len <= base + size));
    check(memchr(s.p, ';', s.len) == NULL);
    if (s.len > 0)
        check(!tk_char_is_fws((unsigned char)s.p[0]) &&
              !tk_char_is_fws((unsigned char)s.p[s.len - 1]));
}

static void check_name(struct tk_span s)
{
    size_t i;

    check(s.len > 0 && tk_char_is_alpha((unsigned char)s.p[0]));
    for (i = 1; i < s.len; i++)
        check(tk_char_is_alnum((unsigned char)s.p[i]) || s.p[i] == '_');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_taglist *tl = malloc(sizeof(*tl));
    const struct tk_tag *dup;
    struct tk_error err;
    enum tk_status st;
    size_t i;
    int any_dup = 0;

    if (tl == NULL)
        return 0;
    tk_error_clear(&err);
    st = tk_taglist_parse((const char *)data, size, tl, &err);
    check(st == TK_OK || st == TK_LIMIT);
    check(st == TK_OK || (err.code == TK_LIMIT && err.msg[0] != '\0'));
    check(tl->n <= TK_TAGS_MAX);
    for (i = 0; i < tl->n; i++) {
        char *name = tk_span_dup(tl->tags[i].name);
        const struct tk_tag *f;

        check_name(tl->tags[i].name);
        check_span(tl->tags[i].name, data, size);
        check_span(tl->tags[i].value, data, size);
        if (name == NULL)
            abort();
        f = tk_taglist_find(tl, name);
        free(name);
        check(f != NULL && f <= &tl->tags[i]);
        if (f != &tl->tags[i])
            any_dup = 1;
    }
    for (i = 0; i < tl->nbad && i < TK_TAGLIST_BAD_MAX; i++) {
        check_span(tl->bad[i].text, data, size);
        check(tl->bad[i].text.len > 0 && tl->bad[i].why != NULL && tl->bad[i].why[0] != '\0');
    }
    dup = tk_taglist_first_duplicate(tl);
    /* find is case-insensitive over ASCII letters; names are letters,
     * digits and '_', so the two notions of "same name" agree. */
    check((dup != NULL) == any_dup);
    free(tl);
    return 0;
}
