#pragma once
/* SPDX-License-Identifier: MIT */
/* Helpers for tests that need a writable copy of a fixture tree. */

/* Copies the directory tree src (files, directories, symlinks) to dst, which must not exist. */
int fixture_copy_tree(const char *src, const char *dst);
/* Removes a tree made by the tests. */
int fixture_remove_tree(const char *path);
/* Rewrites a file in place (same inode), as the kernel's /proc files change under a kept fd. */
int fixture_rewrite(const char *path, const char *text);
/* Rewrites a file in place with the contents of another file. */
int fixture_rewrite_from(const char *path, const char *src);
/* Creates a file (and no directories) holding text. */
int fixture_write_new(const char *path, const char *text);
