#pragma once
/* SPDX-License-Identifier: MIT */
/* A string-keyed hash map of borrowed values (open addressing, linear probing). */

#include <stdbool.h>
#include <stddef.h>

typedef struct Hashmap Hashmap;

int hashmap_new(Hashmap **ret);
/* Frees the map and its key copies; values are the caller's. */
Hashmap *hashmap_free(Hashmap *h);
static inline void hashmap_freep(Hashmap **h) {
        if (*h)
                (void) hashmap_free(*h);
}

/* Copies key. Return: 0, -EEXIST when present (the old value stays), -ENOMEM. */
int hashmap_put(Hashmap *h, const char *key, void *value);
void *hashmap_get(const Hashmap *h, const char *key);
/* Return: the removed value, or NULL. */
void *hashmap_remove(Hashmap *h, const char *key);
size_t hashmap_size(const Hashmap *h);

/*
 * Iteration in slot order: `size_t i = 0; const char *k; void *v;
 * while (hashmap_iterate(h, &i, &k, &v)) ...`. The map must not change during an iteration
 * (deletion shifts entries back): collect what to remove and remove it afterwards.
 */
bool hashmap_iterate(const Hashmap *h, size_t *state, const char **ret_key, void **ret_value);
