#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * How archives spell numbers, shared by the writer and the reader so both sides of a round trip
 * follow one rule: the shortest text that reads back exactly, and rrdtool's own parser for text
 * in rrdtool's %0.10e shape.
 */

#include <stdbool.h>
#include <stddef.h>

#include "consolidate/num.h"

size_t persist_format_double(char *buf, double v);
size_t persist_format_double_shortest(char *buf, double v);
bool persist_is_rrd_e10_text(const char *s, size_t n);
int persist_parse_double(const char *s, size_t n, double *ret);
