/*
 * NAME
 *	taglist.c - tag=value lists (RFC 6376 3.2)
 * SECURITY
 *	Reads through a bounded cursor; never copies; bounded tag count.
 */
#include "record/taglist.h"

static bool taglist_name_ok(struct tk_span name)
{
    size_t i;

    if (name.len == 0 || !tk_char_is_alpha((unsigned char)name.p[0]))
        return false;
    for (i = 1; i < name.len; i++) {
        int ch = (unsigned char)name.p[i];

        if (!tk_char_is_alnum(ch) && ch != '_')
            return false;
    }
    return true;
}

static void taglist_add_bad(struct tk_taglist *out, struct tk_span seg, const char *why)
{
    if (out->nbad < TK_TAGLIST_BAD_MAX) {
        out->bad[out->nbad].text = seg;
        out->bad[out->nbad].why = why;
    }
    out->nbad++;
}

static enum tk_status taglist_segment(struct tk_taglist *out, struct tk_span seg,
                                      struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span name, value;

    seg = tk_span_trim_fws(seg);
    if (seg.len == 0)
        return TK_OK;
    tk_cursor_init(&c, seg.p, seg.len);
    tk_cursor_span_until(&c, '=', &name);
    if (!tk_cursor_take(&c, '=')) {
        taglist_add_bad(out, seg, "no '=' in tag");
        return TK_OK;
    }
    name = tk_span_trim_fws(name);
    if (!taglist_name_ok(name)) {
        taglist_add_bad(out, seg, "tag name is not letters, digits and '_'");
        return TK_OK;
    }
    tk_cursor_rest(&c, &value);
    if (out->n >= TK_TAGS_MAX)
        return tk_error_set(err, TK_LIMIT, "more than %d tags in one record", TK_TAGS_MAX);
    out->tags[out->n].name = name;
    out->tags[out->n].value = tk_span_trim_fws(value);
    out->n++;
    return TK_OK;
}

enum tk_status tk_taglist_parse(const char *p, size_t len, struct tk_taglist *out,
                                struct tk_error *err)
{
    struct tk_cursor c;
    struct tk_span seg;
    enum tk_status st;

    out->n = 0;
    out->nbad = 0;
    tk_cursor_init(&c, p, len);
    while (!tk_cursor_eof(&c)) {
        tk_cursor_span_until(&c, ';', &seg);
        tk_cursor_take(&c, ';');
        st = taglist_segment(out, seg, err);
        if (st != TK_OK)
            return st;
    }
    return TK_OK;
}

static bool taglist_span_caseeq(struct tk_span a, struct tk_span b)
{
    size_t i;

    if (a.len != b.len)
        return false;
    for (i = 0; i < a.len; i++) {
        int x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];

        if ((x | 0x20) != (y | 0x20) || (tk_char_is_alpha(x) != tk_char_is_alpha(y)) ||
            (!tk_char_is_alpha(x) && x != y))
            return false;
    }
    return true;
}

const struct tk_tag *tk_taglist_find(const struct tk_taglist *tl, const char *name)
{
    size_t i;

    for (i = 0; i < tl->n; i++)
        if (tk_span_eq_ci(tl->tags[i].name, name))
            return &tl->tags[i];
    return NULL;
}

const struct tk_tag *tk_taglist_first_duplicate(const struct tk_taglist *tl)
{
    size_t i, j;

    /* Names start with a letter: their first bytes folded differ for
     * most pairs, which settles them without the full comparison. */
    for (i = 0; i < tl->n; i++)
        for (j = i + 1; j < tl->n; j++)
            if ((tl->tags[i].name.p[0] | 0x20) == (tl->tags[j].name.p[0] | 0x20) &&
                taglist_span_caseeq(tl->tags[i].name, tl->tags[j].name))
                return &tl->tags[j];
    return NULL;
}
