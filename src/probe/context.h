/*
 * NAME
 *	context.h - inside the probe context (probe/ only)
 * DESCRIPTION
 *	What every probe of a run shares: the trust store built once from
 *	the system's roots and --ca-file, the options, and one SSL_CTX per
 *	way of connecting (best version with verification; each protocol
 *	version alone). SSL_CTX and X509_STORE are safe to share between
 *	threads once configured; nothing here changes after
 *	tk_probe_context_new returns.
 */
#ifndef TIAKI_PROBE_CONTEXT_H
#define TIAKI_PROBE_CONTEXT_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "probe/probe.h"


struct tk_probe_context {
    X509_STORE *store;          /* the roots a certificate must chain to */
    char ca_file[4096];         /* --ca-file, or "" */
    bool ca_file_only;
    int timeout_ms;
    char helo_name[TK_DOMAIN_MAX + 1];
    SSL_CTX *best;                          /* STARTTLS as a sender would: TLS 1.0..1.3 */
    SSL_CTX *alone[TK_TLS_VERSIONS];        /* one version each; NULL: not possible here */
    char alone_why[TK_TLS_VERSIONS][96];    /* why a version cannot be tried */
};

#endif
