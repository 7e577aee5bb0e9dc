/*
 * NAME
 *	show_text.c - the readable table of a check, and the progress line
 * DESCRIPTION
 *	One block per domain: a heading with the verdict, then one line per
 *	rule (status, level, rule, evidence) and, under anything that does
 *	not pass, the exact change to make. Colour only on a terminal.
 */
#include <string.h>

#include "show/show.h"

#define ANSI_RED "\033[31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREY "\033[90m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RESET "\033[0m"

static const char *text_colour(const struct tk_show *s, enum tk_verdict v)
{
    static const char *const colours[] = {ANSI_GREEN, ANSI_RED, ANSI_YELLOW, ANSI_GREY};

    return s->colour && (unsigned)v < 4 ? colours[v] : "";
}

static const char *text_reset(const struct tk_show *s)
{
    return s->colour ? ANSI_RESET : "";
}

static void text_heading(struct tk_show *s, const struct tk_observation *obs,
                         const struct tk_judgement *j)
{
    const char *verdict = j->all_unknown ? "NOT CHECKED"
                          : j->compliant ? "COMPLIANT"
                                         : "NOT COMPLIANT";
    enum tk_verdict colour = j->all_unknown ? TK_VERDICT_UNKNOWN
                             : j->compliant ? TK_VERDICT_PASS
                                            : TK_VERDICT_FAIL;

    fprintf(s->out, "%s%s%s  %s%s%s\n", s->colour ? ANSI_BOLD : "", obs->domain, text_reset(s),
            text_colour(s, colour), verdict, text_reset(s));
    fprintf(s->out, "  profile %s (%s)%s%s\n", tk_profile_name(obs->profile), obs->profile_reason,
            obs->agency[0] ? "; agency " : "", obs->agency);
}

void tk_show_text(struct tk_show *s, const struct tk_observation *obs, const struct tk_judgement *j)
{
    size_t i;

    if (s->domains > 1)
        fputc('\n', s->out);
    text_heading(s, obs, j);
    for (i = 0; i < j->n; i++) {
        const struct tk_finding *f = &j->findings[i];

        fprintf(s->out, "  %s%-7s%s %-6s %-18s %s\n", text_colour(s, f->status),
                tk_verdict_name(f->status), text_reset(s), tk_level_name(f->rule->level),
                f->rule->id, f->evidence);
        if (f->remediation[0] && (f->status != TK_VERDICT_PASS || s->verbose))
            fprintf(s->out, "  %-7s %-6s %-18s fix: %s\n", "", "", "", f->remediation);
    }
}

void tk_show_end(struct tk_show *s, unsigned long rejected)
{
    if (s->format != TK_FORMAT_TEXT)
        return;
    fprintf(s->out, "\n%lu domain%s checked: %lu compliant, %lu not compliant", s->domains,
            s->domains == 1 ? "" : "s", s->compliant, s->domains - s->compliant);
    if (rejected)
        fprintf(s->out, "; %lu input%s refused", rejected, rejected == 1 ? "" : "s");
    fprintf(s->out, ".\n");
    if (s->unprobed)
        fprintf(s->out, "Transport rules (TLS-MIN-1.2, TLS-REQUIRED, TLS-CERT, MTA-STS-ENFORCE, "
                        "DANE) need connections to the mail hosts and were not judged for %lu "
                        "domain%s (--no-probe).\n",
                s->unprobed, s->unprobed == 1 ? "" : "s");
}

void tk_show_progress(FILE *tty, unsigned long finished, unsigned long total, bool done)
{
    const int width = 30;
    int filled;

    if (total > 0) {
        filled = (int)(finished * (unsigned long)width / (total ? total : 1));
        if (filled > width)
            filled = width;
        fprintf(tty, "\r[%.*s%*s] %lu/%lu domains", filled, "##############################",
                width - filled, "", finished, total);
    } else {
        fprintf(tty, "\r%lu domains checked", finished);
    }
    if (done)
        fputs("\r\033[K", tty);
    fflush(tty);
}
