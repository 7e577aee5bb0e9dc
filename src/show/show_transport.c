/*
 * NAME
 *	show_transport.c - the transport observation as JSON
 * DESCRIPTION
 *	What the probes saw, as data a program (or the store, which keeps
 *	observations as JSON) can read back: per MX host its addresses and
 *	TLSA records, and per address the SMTP and TLS facts; the MTA-STS
 *	policy fetch with the policy text. Certificates appear as their
 *	subject, issuer and dates; their bytes stay in the observation.
 * SECURITY
 *	Every string that came from a peer passes through tk_show_escape.
 */
#include <string.h>

#include "show/show_json.h"

static json_t *show_text(const char *s)
{
    struct tk_buf b = {0};
    json_t *j;

    tk_show_escape(&b, s, strlen(s));
    j = json_string(tk_buf_cstr(&b));
    tk_buf_free(&b);
    return j;
}

static json_t *show_outcome(enum tk_probe_outcome o)
{
    return json_string(tk_probe_outcome_name(o));
}

static json_t *show_chain(const struct tk_smtp_probe *p)
{
    json_t *chain = json_array();
    size_t i;

    for (i = 0; i < p->nchain; i++) {
        json_t *c = json_object();

        json_object_set_new(c, "subject", show_text(p->chain[i].subject));
        json_object_set_new(c, "issuer", show_text(p->chain[i].issuer));
        json_object_set_new(c, "not_before", json_integer(p->chain[i].not_before));
        json_object_set_new(c, "not_after", json_integer(p->chain[i].not_after));
        json_array_append_new(chain, c);
    }
    return chain;
}

static json_t *show_versions(const struct tk_smtp_probe *p)
{
    json_t *v = json_object();
    int i;

    for (i = 0; i < TK_TLS_VERSIONS; i++) {
        json_t *o = json_object();

        json_object_set_new(o, "accepted", show_outcome(p->versions[i].accepted));
        if (p->versions[i].detail[0])
            json_object_set_new(o, "detail", show_text(p->versions[i].detail));
        json_object_set_new(v, tk_tls_version_name((enum tk_tls_version)i), o);
    }
    return v;
}

static json_t *show_probe(const struct tk_smtp_probe *p)
{
    json_t *o = json_object();

    json_object_set_new(o, "address", show_text(p->address));
    json_object_set_new(o, "connected", show_outcome(p->connected));
    if (p->connect_error[0])
        json_object_set_new(o, "error", show_text(p->connect_error));
    json_object_set_new(o, "banner", show_text(p->banner));
    json_object_set_new(o, "starttls", show_outcome(p->starttls_offered));
    json_object_set_new(o, "plaintext_refused", show_outcome(p->plaintext_refused));
    json_object_set_new(o, "mail_code", json_integer(p->mail_code));
    json_object_set_new(o, "rcpt_code", json_integer(p->rcpt_code));
    json_object_set_new(o, "plaintext_reply", show_text(p->plaintext_reply));
    json_object_set_new(o, "tls", show_outcome(p->tls));
    if (p->tls_error[0])
        json_object_set_new(o, "tls_error", show_text(p->tls_error));
    json_object_set_new(o, "protocol", show_text(p->protocol));
    json_object_set_new(o, "cipher", show_text(p->cipher));
    json_object_set_new(o, "chain", show_chain(p));
    json_object_set_new(o, "chain_trusted", json_boolean(p->chain_trusted));
    if (p->verify_error[0])
        json_object_set_new(o, "verify_error", show_text(p->verify_error));
    json_object_set_new(o, "in_date", json_boolean(p->in_date));
    json_object_set_new(o, "name_matches", json_boolean(p->name_matches));
    json_object_set_new(o, "versions", show_versions(p));
    json_object_set_new(o, "started", json_integer(p->started));
    json_object_set_new(o, "elapsed_ms", json_integer(p->elapsed_ms));
    return o;
}

static json_t *show_mx_host(const struct tk_mx_host *h)
{
    json_t *o = json_object(), *probes = json_array();
    size_t i;

    json_object_set_new(o, "name", json_string(h->name));
    json_object_set_new(o, "pref", json_integer(h->pref));
    json_object_set_new(o, "a", tk_show_json_lookup(&h->a));
    json_object_set_new(o, "aaaa", tk_show_json_lookup(&h->aaaa));
    json_object_set_new(o, "tlsa", tk_show_json_lookup(&h->tlsa));
    for (i = 0; i < h->nprobes; i++)
        json_array_append_new(probes, show_probe(h->probes[i]));
    json_object_set_new(o, "probes", probes);
    return o;
}

static json_t *show_sts_fetch(const struct tk_mtasts_fetch *f)
{
    json_t *o = json_object();
    struct tk_buf b = {0};

    json_object_set_new(o, "attempted", show_outcome(f->attempted));
    if (f->attempted == TK_PROBE_NOT_TRIED)
        return o;
    json_object_set_new(o, "url", show_text(f->url));
    json_object_set_new(o, "address", show_text(f->address));
    json_object_set_new(o, "status", json_string(tk_status_name(f->status)));
    if (f->error[0])
        json_object_set_new(o, "error", show_text(f->error));
    json_object_set_new(o, "http_code", json_integer(f->http_code));
    json_object_set_new(o, "content_type", show_text(f->content_type));
    if (f->location[0])
        json_object_set_new(o, "location", show_text(f->location));
    json_object_set_new(o, "cert_valid", json_boolean(f->cert_valid));
    if (f->body) {
        tk_show_escape(&b, f->body, f->body_len);
        json_object_set_new(o, "policy", json_string(tk_buf_cstr(&b)));
        tk_buf_free(&b);
    }
    return o;
}

void tk_show_json_untimed(json_t *records)
{
    json_t *hosts = json_object_get(records, "mx_hosts");

    for (size_t i = 0; i < json_array_size(hosts); i++) {
        json_t *probes = json_object_get(json_array_get(hosts, i), "probes");

        for (size_t k = 0; k < json_array_size(probes); k++) {
            json_object_del(json_array_get(probes, k), "started");
            json_object_del(json_array_get(probes, k), "elapsed_ms");
        }
    }
}

void tk_show_json_transport(json_t *r, const struct tk_observation *obs)
{
    json_t *hosts = json_array();
    size_t i;

    for (i = 0; i < obs->nmx_hosts; i++)
        json_array_append_new(hosts, show_mx_host(&obs->mx_hosts[i]));
    json_object_set_new(r, "mx_hosts", hosts);
    if (obs->mx_hosts_truncated)
        json_object_set_new(r, "mx_hosts_truncated", json_true());
    json_object_set_new(r, "mta_sts_host_a", tk_show_json_lookup(&obs->sts_a));
    json_object_set_new(r, "mta_sts_policy", show_sts_fetch(&obs->sts_fetch));
    json_object_set_new(r, "probed", json_boolean(obs->probed));
}
