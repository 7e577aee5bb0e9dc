/*
 * NAME
 *	senders.h - who sends as an agency: the known mail services
 * DESCRIPTION
 *	DMARC aggregate reports name the IP addresses that sent mail as a
 *	domain. An administrator needs the organisation behind each one
 *	("Microsoft 365", "Mailchimp") and what that organisation needs in
 *	the agency's records to pass: the SPF include it publishes, the
 *	DKIM set-up it offers. This table is that knowledge, kept by hand
 *	from the services' own documentation; tk_sender_identify matches a
 *	source by its reverse DNS name, the DKIM domains that signed its
 *	mail, and its envelope sender's domain.
 *
 *	Pure: no I/O (the reverse DNS name is looked up by the caller).
 */
#ifndef TIAKI_REPORTS_SENDERS_H
#define TIAKI_REPORTS_SENDERS_H

#include <stdbool.h>
#include <stddef.h>

struct tk_sender_org {
    const char *name;                /* "Microsoft 365" */
    const char *spf_include;         /* "spf.protection.outlook.com" */
    const char *dkim_advice;         /* how to sign with this service */
    bool bulk;                       /* a bulk/marketing sender (framework: a sub-domain) */
    const char *const *ptr_suffixes; /* reverse DNS names end with one of these */
    const char *const *mail_domains; /* DKIM d= or envelope-from domains it uses */
};

/* The table, ended by a row whose name is NULL. */
extern const struct tk_sender_org tk_sender_orgs[];

/* tk_sender_identify returns the known organisation of a source, or
 * NULL: by its reverse DNS name (ptr, may be NULL or ""), then by the
 * domains of the DKIM signatures its mail carried and its envelope
 * sender's domain (ndomains strings, any case). */
const struct tk_sender_org *tk_sender_identify(const char *ptr, const char *const *domains,
                                               size_t ndomains);

/* tk_name_ends_with is true when name is suffix or ends with "." suffix
 * (case-insensitive): "mail-sy4aus01.outbound.protection.outlook.com"
 * ends with "protection.outlook.com". */
bool tk_name_ends_with(const char *name, const char *suffix);

#endif
