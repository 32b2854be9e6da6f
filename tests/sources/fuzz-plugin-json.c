/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the strict JSON parser. Any input either parses into a tree whose invariants
 * hold (child counts, NUL-free strings of the stated length, numbers that convert) or is
 * refused with a reason; nothing else.
 */

#include <stdint.h>
#include <string.h>

#include "sources/json.h"
#include "tests/sources/fuzz-plugin-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const JsonDoc *doc, const JsonNode *n, unsigned depth) {
        size_t len, count = 0;
        const char *t;
        double d;
        int64_t i;

        FUZZ_CHECK(depth <= JSON_MAX_DEPTH_DEFAULT + 1);
        switch (n->type) {
        case JSON_STRING:
                t = json_text(doc, n, &len);
                FUZZ_CHECK(t && strlen(t) == len);
                break;
        case JSON_NUMBER:
                t = json_text(doc, n, &len);
                FUZZ_CHECK(t && strlen(t) == len && len > 0);
                FUZZ_CHECK(json_number_double(doc, n, &d) == 0);
                (void) json_number_int64(doc, n, &i);
                break;
        case JSON_ARRAY:
        case JSON_OBJECT:
                for (const JsonNode *c = json_child(doc, n); c; c = json_next(doc, c)) {
                        if (n->type == JSON_OBJECT) {
                                t = json_key(doc, c, &len);
                                FUZZ_CHECK(strlen(t) == len);
                                FUZZ_CHECK(json_member(doc, n, t));
                        }
                        walk(doc, c, depth + 1);
                        count++;
                }
                FUZZ_CHECK(count == n->n_children);
                break;
        default:
                FUZZ_CHECK(!json_text(doc, n, NULL));
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(json_doc_freep) JsonDoc *doc = NULL;
        int r;

        if (json_doc_new(&doc, NULL) < 0)
                return 0;
        r = json_doc_parse(doc, (const char *) data, size);
        if (r == 0) {
                FUZZ_CHECK(json_doc_root(doc) && !json_doc_error(doc, NULL));
                walk(doc, json_doc_root(doc), 0);
        } else {
                size_t off;
                FUZZ_CHECK(r == -EBADMSG || r == -E2BIG || r == -ENOMEM);
                FUZZ_CHECK(!json_doc_root(doc) && json_doc_error(doc, &off) && off <= size);
        }
        return 0;
}
