#pragma once
/* SPDX-License-Identifier: MIT */
/* rrdd-tool import / export / graph: archives between xcp-rrdd, rrdtool and data_dir; PNG graphs.
 */

int tool_import(int argc, char **argv);
int tool_export(int argc, char **argv);
int tool_graph(int argc, char **argv);
