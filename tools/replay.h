#pragma once
/* SPDX-License-Identifier: MIT */
/* `rrdd-tool replay`: feed rrdtool update lines to the engine and print the resulting RRD. */

int tool_replay(int argc, char **argv);
