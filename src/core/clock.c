/*
 * NAME
 *	clock.c - a monotonic clock for deadlines and progress
 */
#include <time.h>

#include "core/clock.h"

long long tk_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
