/*
 * NAME
 *	senders.c - the known mail services and how to recognise them
 * DESCRIPTION
 *	Each row: the service, the SPF include it documents for customers,
 *	how to set up DKIM with it, and the names that give it away. Keep
 *	rows to services New Zealand agencies use; add a row rather than a
 *	special case in the analysis.
 * STANDARDS
 *	The services' published SPF and DKIM set-up pages (Microsoft 365:
 *	spf.protection.outlook.com, selector1/selector2 CNAMEs; Google
 *	Workspace: _spf.google.com, google._domainkey; Mailchimp:
 *	servers.mcsv.net, k2/k3._domainkey CNAMEs; SendGrid: sendgrid.net,
 *	s1/s2._domainkey CNAMEs; Amazon SES: amazonses.com, Easy DKIM CNAMEs).
 */
#include <string.h>
#include <strings.h>

#include "reports/senders.h"

static const char *const m365_ptr[] = {"protection.outlook.com", "outlook.com", NULL};
static const char *const m365_dom[] = {"onmicrosoft.com", "outlook.com", NULL};
static const char *const google_ptr[] = {"google.com", "googlemail.com", NULL};
static const char *const google_dom[] = {"gappssmtp.com", "google.com", "googlemail.com", NULL};
static const char *const mailchimp_ptr[] = {"mcsv.net", "rsgsv.net", "mcdlv.net", NULL};
static const char *const mailchimp_dom[] = {"mcsv.net", "mcdlv.net", "mailchimpapp.net", NULL};
static const char *const sendgrid_ptr[] = {"sendgrid.net", NULL};
static const char *const sendgrid_dom[] = {"sendgrid.net", "sendgrid.info", NULL};
static const char *const ses_ptr[] = {"amazonses.com", "smtp-out.amazonses.com", NULL};
static const char *const ses_dom[] = {"amazonses.com", NULL};
static const char *const mimecast_ptr[] = {"mimecast.com", "mimecast-offshore.com", NULL};
static const char *const mimecast_dom[] = {"mimecast.com", NULL};
static const char *const none[] = {NULL};

const struct tk_sender_org tk_sender_orgs[] = {
    {"Microsoft 365", "spf.protection.outlook.com",
     "enable DKIM signing for the domain in Microsoft 365 Defender and publish the "
     "selector1/selector2 CNAMEs it gives",
     false, m365_ptr, m365_dom},
    {"Google Workspace", "_spf.google.com",
     "generate a DKIM key in the Google Admin console and publish it at google._domainkey", false,
     google_ptr, google_dom},
    {"Mailchimp", "servers.mcsv.net",
     "authenticate the domain in Mailchimp and publish its k2/k3._domainkey CNAMEs", true,
     mailchimp_ptr, mailchimp_dom},
    {"SendGrid", "sendgrid.net",
     "authenticate the domain in SendGrid and publish its s1/s2._domainkey CNAMEs", true,
     sendgrid_ptr, sendgrid_dom},
    {"Amazon SES", "amazonses.com",
     "verify the domain with Easy DKIM in Amazon SES and publish its three CNAMEs", true, ses_ptr,
     ses_dom},
    {"Mimecast", "_netblocks.mimecast.com",
     "turn on DKIM signing for the domain in the Mimecast administration console", false,
     mimecast_ptr, mimecast_dom},
    {NULL, NULL, NULL, false, none, none},
};

bool tk_name_ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);

    while (n > 0 && name[n - 1] == '.')
        n--;
    if (k == 0 || n < k || strncasecmp(name + n - k, suffix, k) != 0)
        return false;
    return n == k || name[n - k - 1] == '.';
}

static bool ends_with_any(const char *name, const char *const *suffixes)
{
    size_t i;

    for (i = 0; name && name[0] && suffixes[i]; i++)
        if (tk_name_ends_with(name, suffixes[i]))
            return true;
    return false;
}

const struct tk_sender_org *tk_sender_identify(const char *ptr, const char *const *domains,
                                               size_t ndomains)
{
    const struct tk_sender_org *o;
    size_t i;

    for (o = tk_sender_orgs; o->name; o++)
        if (ends_with_any(ptr, o->ptr_suffixes))
            return o;
    for (o = tk_sender_orgs; o->name; o++)
        for (i = 0; i < ndomains; i++)
            if (ends_with_any(domains[i], o->mail_domains))
                return o;
    return NULL;
}
