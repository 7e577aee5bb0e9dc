/*
 * NAME
 *	limits.h - every limit tiaki enforces, in one place
 * DESCRIPTION
 *	Each limit has a default and a reason. Input from DNS, HTTPS, SMTP,
 *	reports and mail is attacker-controlled: nothing is sized from a
 *	number a peer sent, and every loop over peer data is bounded by one
 *	of these. Where an operator may tune a limit, the CLI exposes it and
 *	clamps it to the hard bound given here.
 */
#ifndef TIAKI_CORE_LIMITS_H
#define TIAKI_CORE_LIMITS_H

/* RFC 1035 2.3.4: 255 octets on the wire, so at most 253 characters in
 * text form without the trailing dot. */
#define TK_DOMAIN_MAX 253
#define TK_LABEL_MAX 63

/* A TXT RRset can legally be ~64 KB; real SPF/DMARC records are < 1 KB.
 * 4 KB is generous for published policy records and keeps a hostile
 * zone from making us hold megabytes per domain. Longer records are
 * reported, not truncated silently. */
#define TK_TXT_RECORD_MAX 4096

/* Records of one RRset we look at. A domain that publishes more TXT
 * records than this at one name is broken or hostile. */
#define TK_RRSET_MAX 64

/* RFC 7208 4.6.4: at most 10 DNS-querying terms per check_host(). */
#define TK_SPF_DNS_TERMS_MAX 10
/* RFC 7208 4.6.4: at most 2 void look-ups. */
#define TK_SPF_VOID_LOOKUPS_MAX 2
/* RFC 7208 4.6.4: at most 10 names from one mx or ptr term. */
#define TK_SPF_MX_PTR_NAMES_MAX 10
/* Terms in one SPF record. A record of 4 KB holds at most ~1000 terms of
 * a few bytes; 512 is plenty for any real record and bounds the parse. */
#define TK_SPF_TERMS_MAX 512
/* Records fetched while walking an include/redirect tree. The RFC limit
 * of 10 querying terms is what a receiver enforces; we walk a little
 * further so a report can say how far over the limit a domain is, but no
 * further than this: a hostile tree cannot make us fetch without end. */
#define TK_SPF_TREE_NODES_MAX 40
/* Expanded macro string length (RFC 7208 7.3 truncates domains to 253). */
#define TK_SPF_MACRO_EXPANSION_MAX 1024
/* RFC 7208 4.6.4: a check_host() may take this long in all (the RFC
 * asks for a limit of at least 20 s) before it is temperror: every
 * question has its own deadline, but a record of 10 terms whose servers
 * answer just in time would otherwise hold a mail filter for minutes. */
#define TK_SPF_CHECK_TIMEOUT_MS_DEFAULT 20000
/* tiaki spf check --batch: SPF checks in flight at once on one resolver
 * (each holds ~30 KB and asks at most 10 questions at a time), and
 * one input line (an address, a sender of at most 256 bytes by RFC 5321
 * 4.5.3.1.3, a HELO name of 255). */
#define TK_SPF_CHECKS_INFLIGHT_DEFAULT 256
#define TK_SPF_CHECKS_INFLIGHT_MAX 4096
#define TK_SPF_BATCH_LINE_MAX 1024

/* DMARC: URIs in one rua= or ruf= list. RFC 7489 does not bound it;
 * receivers send to the first two. 16 is plenty to judge. */
#define TK_DMARC_URIS_MAX 16
/* DMARC tags in one record. */
#define TK_DMARC_TAGS_MAX 64

/* DKIM: selectors tried per domain (inventory + common list). */
#define TK_DKIM_SELECTORS_MAX 32
/* DKIM: the base64 text of p= in a key record. 16384-bit RSA is ~2.8 KB
 * of base64; anything longer is refused. */
#define TK_DKIM_KEY_B64_MAX 4096

/* TLS-RPT and MTA-STS TXT: URIs in one rua= list. */
#define TK_TLSRPT_URIS_MAX 16

/* MX: hosts kept per domain (RFC does not bound; 32 covers reality). */
#define TK_MX_MAX 32

/* MX hosts of one domain that are probed, and addresses probed per
 * host: the first few by preference carry the mail; a hostile zone
 * naming hundreds of hosts or addresses gets the first ones probed and
 * a note that the rest were not. */
#define TK_MX_HOSTS_MAX 10
#define TK_MX_ADDRESSES_MAX 8

/* Probing: mail hosts probed at once, and connections at once to one
 * address (politeness: one by default, as a sending MTA would). */
#define TK_PROBE_WORKERS_DEFAULT 32
#define TK_PROBE_WORKERS_MAX 256
#define TK_PROBE_HOST_CONNECTIONS_MAX 16
/* Probing: one connection's whole exchange (banner, EHLO, STARTTLS,
 * handshake) must finish within this, so a host that trickles bytes
 * costs at most this per connection. RFC 5321 4.5.3.2 lets a sender
 * wait minutes; a checker needs an answer. */
#define TK_PROBE_TIMEOUT_MS_DEFAULT 10000

/* Tag-value lists (DMARC, DKIM, TLS-RPT, MTA-STS TXT): tags per record. */
#define TK_TAGS_MAX 64

/* DNS: default time one query may take before it counts as temperror.
 * libunbound has no per-query deadline of its own (FIELD-NOTES). */
#define TK_DNS_TIMEOUT_MS_DEFAULT 5000
#define TK_DNS_TIMEOUT_MS_MAX 120000
/* DNS: queries in flight at once across all domains. */
#define TK_DNS_INFLIGHT_DEFAULT 1000
#define TK_DNS_INFLIGHT_MAX 20000

/* DNS: libunbound's answer cache for mail checking (SPF, DKIM keys,
 * DMARC policies), which asks the same names for message after message.
 * 32 MB of messages (and 64 of rrsets) hold a few hundred thousand
 * answers; more is allowed, up to the hard bound. */
#define TK_DNS_CACHE_MB_MAIL 32
#define TK_DNS_CACHE_MB_MAX 4096

/* Reverse names of report sources asked at once (observe/ptr.h). */
#define TK_PTR_INFLIGHT 256

/* Scanning: domains observed at once. */
#define TK_SCAN_DOMAINS_INFLIGHT_DEFAULT 256
#define TK_SCAN_DOMAINS_INFLIGHT_MAX 4096

/* Inventory: one CSV line, and fields in it. */
#define TK_CSV_LINE_MAX 8192
#define TK_CSV_FIELDS_MAX 32

/* Reports (issue 5): one report's decompressed size (a zip or gzip bomb
 * stops here), zip entries looked at, archives and attached messages
 * within each other, one mail message. Reporters send kilobytes to a
 * few megabytes; the defaults leave room for the largest real ones. */
#define TK_REPORT_DECOMPRESSED_DEFAULT ((size_t)64 * 1024 * 1024)
#define TK_REPORT_DECOMPRESSED_MAX ((size_t)1024 * 1024 * 1024)
#define TK_REPORT_ZIP_ENTRIES_MAX 64
#define TK_REPORT_NESTING_MAX 4
#define TK_REPORT_MESSAGE_MAX ((size_t)64 * 1024 * 1024)
/* Everything decompressed out of one file or one message, as a multiple
 * of the per-report cap: a zip of 64 entries each just under the cap, or
 * archives nested within each other (42.zip), stop here in bounded time. */
#define TK_REPORT_DECOMPRESSED_TOTAL_FACTOR 4
/* A zip entry name longer than this (the usual file-system name limit)
 * or holding a NUL or a control byte is hostile, not a report. */
#define TK_REPORT_ZIP_NAME_MAX 255
/* Directories walked below the one named; entries read from one
 * directory (names are sorted, so they are held: 200,000 names are a
 * few megabytes; a report folder of ten years holds fewer). */
#define TK_REPORT_DIR_DEPTH_MAX 8
#define TK_REPORT_DIR_ENTRIES_MAX 200000
/* One mail message: MIME leaf parts looked at, multipart nesting walked,
 * and, checked on the raw bytes before GMime parses them, lines that
 * could be boundaries ("--...") and header-like lines. GMime keeps every
 * part and header it parses (a 10 MB message of a million empty parts
 * takes 1.3 GB): report mails have a few parts and a few dozen headers. */
#define TK_REPORT_MIME_PARTS_MAX 256
#define TK_REPORT_MIME_DEPTH_MAX 16
#define TK_REPORT_MIME_BOUNDARY_LINES_MAX 1024
#define TK_REPORT_MIME_HEADER_LINES_MAX 20000

/* TLS-RPT reports (RFC 8460 JSON). Real ones are kilobytes; the largest
 * providers' daily reports a few megabytes. The JSON is held whole
 * (jansson builds a tree), so its size, nesting and number of values are
 * bounded before the tree is built: 200,000 values are ~20 MB of tree. */
#define TK_TLSRPT_JSON_MAX ((size_t)16 * 1024 * 1024)
#define TK_TLSRPT_JSON_DEPTH_MAX 32
#define TK_TLSRPT_JSON_VALUES_MAX 200000
/* Policies in one report, failure-details in one report (all policies),
 * policy-string lines and mx-host names per policy, bytes of one text
 * field (longer ones are dropped with a note, never cut). */
#define TK_TLSRPT_POLICIES_MAX 1000
#define TK_TLSRPT_FAILURES_MAX 10000
#define TK_TLSRPT_POLICY_STRINGS_MAX 64
#define TK_TLSRPT_TEXT_MAX 1024

/* Reports from an IMAP mailbox (reports/imap.c): messages taken in one
 * call. A mailbox that has gathered a year of reports for many domains
 * holds hundreds of thousands; a run takes the first ones in UID order,
 * holds only their list, and says that more are waiting. */
#define TK_IMAP_MESSAGES_DEFAULT 10000
#define TK_IMAP_MESSAGES_MAX 1000000
/* IMAP: one command (the first with its connection, TLS and login) must
 * be answered within this, a whole message fetched included: a server
 * that stops answering costs this once per command, and a few failures
 * in a row end the call. 64 MB at 2 MB/s fits. */
#define TK_IMAP_TIMEOUT_MS_DEFAULT 60000
#define TK_IMAP_TIMEOUT_MS_MAX 3600000

/* Mail messages (src/auth/message.h): header fields kept, bytes of one
 * field, bytes of the whole header section. Postfix keeps at most
 * 100 KB of header (header_size_limit) and real messages have a few
 * dozen fields, a few hundred with long Received chains; a DKIM-Signature
 * with a 16384-bit key is under 4 KB. Past these the rest of the header
 * section is dropped and the message marked, never judged on a part. */
#define TK_MSG_HEADERS_MAX 1000
#define TK_MSG_FIELD_MAX ((size_t)64 * 1024)
#define TK_MSG_HEADER_BYTES_MAX ((size_t)1024 * 1024)

/* DKIM verification (src/auth/dkim_verify.h): signatures checked on one
 * message. A message carries one to three in practice (the author's
 * domain, an ESP, a forwarder); each costs a DNS look-up and a public-key
 * operation, so a message of 50 signatures must not cost 50 of each.
 * Those past the limit are reported as not checked. */
#define TK_DKIM_SIGNATURES_MAX 8
/* Header names in one h= list. Signers list a dozen or two, 40 with
 * over-signing; a longer list only makes the verifier hash more. */
#define TK_DKIM_SIG_HEADERS_MAX 128
/* The decoded b= of one signature: 2048 bytes is an RSA-16384 signature,
 * the largest key RFC 8301 lets a verifier accept. */
#define TK_DKIM_SIG_BYTES_MAX 2048
/* i= text: a local-part of 64 bytes, '@', a domain of 253 (RFC 5321
 * 4.5.3.1.1); a quoted local-part may need more, but not much more. */
#define TK_DKIM_IDENTITY_MAX 320
/* Seconds a signature's t= may lie in the future, or its x= in the past,
 * before it counts: clocks of signer and verifier differ by minutes. */
#define TK_DKIM_CLOCK_SKEW_SECONDS 300
/* RSA keys tiaki signs with: RFC 8301 3.2 says signers MUST use at least
 * 1024 bits and SHOULD use 2048; the framework asks for 2048. */
#define TK_DKIM_SIGN_RSA_BITS_MIN 2048
/* DKIM: parsed keys kept by the text of their record
 * (auth/dkim_keycache.h). A key is used for every message its domain
 * signs; 1,024 slots cover the domains a busy receiver hears from in
 * a day, at about 1 KB each. */
#define TK_DKIM_KEYCACHE_SLOTS 1024

/* From extraction (src/auth/from.h). RFC 5322 lets comments nest
 * without end; real From fields nest at most once or twice, so deeper
 * nesting is hostile and a defined failure. Lexical items (words,
 * specials) of one From field: a display name and one address are a few
 * dozen; a field of thousands of items is not one mailbox. */
#define TK_FROM_COMMENT_DEPTH_MAX 16
#define TK_FROM_TOKENS_MAX 1024

/* DMARC evaluation (src/auth/dmarc_eval.h): DKIM identities (d=) judged
 * for alignment. Real messages carry one to three signatures; a message
 * with more gets its passing ones considered first, then the rest up to
 * this, so a pile of bogus signatures cannot cost unbounded look-ups.
 * RFC 9989 4.10: the DNS tree walk asks at most 8 names. */
#define TK_DMARC_DKIM_MAX 16
#define TK_DMARC_TREE_QUERIES_MAX 8

/* Authentication-Results (src/auth/authres.h): resinfo clauses and
 * properties per clause kept when parsing, bytes of one value kept, and
 * comment nesting. A receiving chain writes a handful of each; more is
 * refused (TK_LIMIT) rather than cut. */
#define TK_AUTHRES_RESULTS_MAX 32
#define TK_AUTHRES_PROPS_MAX 8
#define TK_AUTHRES_VALUE_MAX 256
#define TK_AUTHRES_COMMENT_DEPTH_MAX 16

/* Error messages carried back to a person. */
#define TK_ERROR_MSG_MAX 256

/* Growable buffers never exceed this: 256 MiB. A single record, report
 * or message that needs more is refused rather than grown without end. */
#define TK_BUF_MAX ((size_t)256 * 1024 * 1024)

#endif
