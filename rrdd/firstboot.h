#pragma once
/* SPDX-License-Identifier: MIT */
/* State created on first start: the host uuid and the users file. */

#include <stddef.h>

#define UUID_STRING_MAX 37

/* A random (version 4) uuid, lower case. Return: 0 or -errno. */
int uuid_generate_random(char ret[UUID_STRING_MAX]);

/*
 * host_uuid_resolve() - the host's identity: INSTALLATION_UUID from the xensource inventory if
 * present, else data_dir/host-uuid, created on first start. Return: 0 or -errno.
 */
int host_uuid_resolve(const char *inventory_path, const char *data_dir, char ret[UUID_STRING_MAX]);

/*
 * users_file_ensure() - creates path with one user "root" and a random password (SHA-512
 * crypt hash) when it does not exist yet; the password goes to password_path (mode 0600).
 * Return: 1 when created, 0 when it already existed, -errno.
 */
int users_file_ensure(const char *path, const char *password_path);

/* mkdir -p with the given mode for what it creates. */
int mkdir_parents(const char *path, unsigned mode);
