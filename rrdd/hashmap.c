/* SPDX-License-Identifier: MIT */
/*
 * Open addressing with linear probing and backward-shift deletion (no tombstones), keyed by
 * NUL-terminated strings hashed with FNV-1a. Grows at 70 % load. Sized for thousands of VMs.
 */

#include "rrdd/hashmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Slot {
        char *key; /* NULL when empty */
        void *value;
        uint32_t hash;
} Slot;

struct Hashmap {
        Slot *slots;
        size_t n_slots; /* a power of two */
        size_t n_used;
};

static uint32_t hash_string(const char *s) {
        uint32_t h = 2166136261u;
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 16777619u;
        }
        return h;
}

int hashmap_new(Hashmap **ret) {
        Hashmap *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->n_slots = 16;
        h->slots = calloc(h->n_slots, sizeof(Slot));
        if (!h->slots) {
                free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

Hashmap *hashmap_free(Hashmap *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n_slots; i++)
                free(h->slots[i].key);
        free(h->slots);
        free(h);
        return NULL;
}

static size_t find_slot(const Hashmap *h, const char *key, uint32_t hash) {
        size_t mask = h->n_slots - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                const Slot *s = &h->slots[i];
                if (!s->key || (s->hash == hash && strcmp(s->key, key) == 0))
                        return i;
        }
}

static int grow(Hashmap *h) {
        size_t n = h->n_slots * 2;
        Slot *slots = calloc(n, sizeof(Slot));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_slots; i++) {
                Slot *s = &h->slots[i];
                if (!s->key)
                        continue;
                size_t j = s->hash & (n - 1);
                while (slots[j].key)
                        j = (j + 1) & (n - 1);
                slots[j] = *s;
        }
        free(h->slots);
        h->slots = slots;
        h->n_slots = n;
        return 0;
}

int hashmap_put(Hashmap *h, const char *key, void *value) {
        uint32_t hash = hash_string(key);
        size_t i;

        if ((h->n_used + 1) * 10 > h->n_slots * 7) {
                int r = grow(h);
                if (r < 0)
                        return r;
        }
        i = find_slot(h, key, hash);
        if (h->slots[i].key)
                return -EEXIST;
        h->slots[i].key = strdup(key);
        if (!h->slots[i].key)
                return -ENOMEM;
        h->slots[i].value = value;
        h->slots[i].hash = hash;
        h->n_used++;
        return 0;
}

void *hashmap_get(const Hashmap *h, const char *key) {
        size_t i = find_slot(h, key, hash_string(key));
        return h->slots[i].key ? h->slots[i].value : NULL;
}

void *hashmap_remove(Hashmap *h, const char *key) {
        size_t mask = h->n_slots - 1;
        size_t i = find_slot(h, key, hash_string(key));
        void *value;

        if (!h->slots[i].key)
                return NULL;
        value = h->slots[i].value;
        free(h->slots[i].key);
        h->slots[i].key = NULL;
        h->n_used--;
        /* Shift back later entries of the cluster that would otherwise become unreachable. */
        for (size_t j = (i + 1) & mask; h->slots[j].key; j = (j + 1) & mask) {
                size_t home = h->slots[j].hash & mask;
                /* Is home cyclically in (i, j]? Then the entry may stay. */
                bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
                if (stays)
                        continue;
                h->slots[i] = h->slots[j];
                h->slots[j].key = NULL;
                i = j;
        }
        return value;
}

size_t hashmap_size(const Hashmap *h) {
        return h->n_used;
}

bool hashmap_iterate(const Hashmap *h, size_t *state, const char **ret_key, void **ret_value) {
        for (size_t i = *state; i < h->n_slots; i++)
                if (h->slots[i].key) {
                        *state = i + 1;
                        if (ret_key)
                                *ret_key = h->slots[i].key;
                        if (ret_value)
                                *ret_value = h->slots[i].value;
                        return true;
                }
        *state = h->n_slots;
        return false;
}
