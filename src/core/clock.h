/*
 * NAME
 *	clock.h - a monotonic clock for deadlines and progress
 */
#ifndef TIAKI_CORE_CLOCK_H
#define TIAKI_CORE_CLOCK_H

/* tk_now_ms is a monotonic clock in milliseconds. */
long long tk_now_ms(void);

#endif
