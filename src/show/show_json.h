/*
 * NAME
 *	show_json.h - the JSON pieces show/ files share (private to show/)
 */
#ifndef TIAKI_SHOW_SHOW_JSON_H
#define TIAKI_SHOW_SHOW_JSON_H

#include <jansson.h>

#include "core/buf.h"
#include "observe/observation.h"

/* tk_show_escape appends text with bytes outside printable ASCII (and
 * the backslash) written as \xNN. */
void tk_show_escape(struct tk_buf *b, const char *text, size_t len);

/* tk_show_json_lookup is one DNS question and its answer. */
json_t *tk_show_json_lookup(const struct tk_lookup *l);

/* tk_show_json_transport adds the transport observation (MX hosts,
 * their addresses, TLSA records and probes; the MTA-STS policy fetch)
 * to the records object r. */
void tk_show_json_transport(json_t *r, const struct tk_observation *obs);

/* tk_show_json_untimed takes the timings (started, elapsed_ms) out of
 * the probes of the records object r. */
void tk_show_json_untimed(json_t *r);

#endif
