#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * A small strict JSON (RFC 8259) parser for plugin metadata. Object members keep document
 * order and duplicate keys (xcp-rrdd plugins rely on both); size, depth and node count are
 * bounded; the parsed tree lives in one reusable document.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd/macro.h"

typedef enum JsonType {
        JSON_NULL,
        JSON_FALSE,
        JSON_TRUE,
        JSON_NUMBER,
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
        _JSON_TYPE_MAX,
} JsonType;

/*
 * One value of the tree. Nodes are numbered in document order; index 0 is the root, so 0 also
 * means "none" in first_child and next_sibling. Offsets point into the document's string pool
 * (use the accessors below).
 */
typedef struct JsonNode {
        JsonType type;
        uint32_t first_child;  /* arrays, objects: first element or member; 0 if empty */
        uint32_t next_sibling; /* next element or member of the parent; 0 if last */
        uint32_t n_children;   /* arrays, objects */
        uint32_t key_offset;   /* object members: the member name */
        uint32_t key_len;
        uint32_t text_offset; /* strings: the decoded text; numbers: the text as written */
        uint32_t text_len;
} JsonNode;

typedef struct JsonLimits {
        size_t max_text_bytes; /* longer input is refused (-E2BIG) */
        unsigned max_depth;    /* nesting of arrays and objects; the root container is depth 1 */
        size_t max_nodes;      /* values of any kind */
} JsonLimits;

#define JSON_MAX_TEXT_BYTES_DEFAULT ((size_t) 64 << 20)
#define JSON_MAX_DEPTH_DEFAULT 32u
#define JSON_MAX_NODES_DEFAULT ((size_t) 4 << 20)

typedef struct JsonDoc JsonDoc;

int json_doc_new(JsonDoc **ret, const JsonLimits *limits);
JsonDoc *json_doc_free(JsonDoc *doc);
DEFINE_FREEP(JsonDoc, json_doc_free);

int json_doc_parse(JsonDoc *doc, const char *text, size_t size);
const char *json_doc_error(const JsonDoc *doc, size_t *ret_offset);

const JsonNode *json_doc_root(const JsonDoc *doc);
const JsonNode *json_child(const JsonDoc *doc, const JsonNode *node);
const JsonNode *json_next(const JsonDoc *doc, const JsonNode *node);
const char *json_key(const JsonDoc *doc, const JsonNode *node, size_t *ret_len);
const char *json_text(const JsonDoc *doc, const JsonNode *node, size_t *ret_len);
const JsonNode *json_member(const JsonDoc *doc, const JsonNode *object, const char *key);

int json_number_double(const JsonDoc *doc, const JsonNode *node, double *ret);
int json_number_int64(const JsonDoc *doc, const JsonNode *node, int64_t *ret);

int json_parse_int64(const char *text, size_t len, int64_t *ret);
