/*
 * NAME
 *	cmd_check.c - tiaki check: judge domains against the framework
 */
#include <stdio.h>

#include "cli/commands.h"

int cmd_check_main(int argc, char **argv)
{
    fprintf(stderr, "tiaki check: not yet built\n");
    return 2;
}
