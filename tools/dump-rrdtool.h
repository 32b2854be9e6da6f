#pragma once
/* SPDX-License-Identifier: MIT */
/* Writes an RRD in the exact text of `rrdtool dump` (DTD header, tabs, comments, %0.10e). */

#include <stdio.h>

#include "consolidate/rrd.h"

/*
 * last_ds_text, when not NULL, holds per data source the raw input text rrdtool would have kept
 * (NULL entries fall back to the typed value). Times in comments use the local time zone, as
 * rrdtool's do. Return: 0 or -EIO.
 */
int dump_rrdtool(FILE *f, const Rrd *rrd, const char *const *last_ds_text);
