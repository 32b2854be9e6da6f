#pragma once
/* SPDX-License-Identifier: MIT */
/* `rrdd-tool dump`: load an archive in any accepted form and print it in rrdd's own format. */

int tool_dump(int argc, char **argv);
