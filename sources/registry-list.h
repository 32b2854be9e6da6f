#pragma once
/* SPDX-License-Identifier: MIT */
/* Declarations of every compiled-in source's ops table, and the registry array itself. */

#include "sources/source.h"

/* Each source adds its `extern const SrcOps src_xxx;` here and an entry in registry-list.c. */

/* proc */
extern const SrcOps src_proc;

/* sim */
extern const SrcOps src_sim;

/* plugins */
extern const SrcOps src_plugins;
