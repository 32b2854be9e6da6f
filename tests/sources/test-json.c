/* SPDX-License-Identifier: MIT */
/* The strict JSON parser: order and duplicates kept, escapes decoded, RFC 8259 enforced, limits. */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sources/json.h"
#include "tests/tap.h"

#define DINF ((double) INFINITY)

static JsonDoc *doc;

static int parse(const char *text) {
        return json_doc_parse(doc, text, strlen(text));
}

static const char *member_text(const JsonNode *obj, const char *key) {
        const JsonNode *m = json_member(doc, obj, key);
        return m ? json_text(doc, m, NULL) : NULL;
}

static void test_order_and_duplicates(void) {
        const JsonNode *root, *m;
        const char *expect[] = {"z", "a", "z", "m"};
        size_t i = 0;

        CHECK(parse("{\"z\":\"1\",\"a\":\"2\",\"z\":\"3\",\"m\":{\"k\":[true,false,null]}}") == 0);
        root = json_doc_root(doc);
        CHECK(root && root->type == JSON_OBJECT && root->n_children == 4);
        for (m = json_child(doc, root); m; m = json_next(doc, m), i++)
                CHECK(i < 4 && strcmp(json_key(doc, m, NULL), expect[i]) == 0);
        CHECK(i == 4);
        /* Lookup finds the first of duplicate keys. */
        CHECK(strcmp(member_text(root, "z"), "1") == 0);
        m = json_member(doc, json_member(doc, root, "m"), "k");
        CHECK(m && m->type == JSON_ARRAY && m->n_children == 3);
        m = json_child(doc, m);
        CHECK(m->type == JSON_TRUE && json_next(doc, m)->type == JSON_FALSE);
        CHECK(json_next(doc, json_next(doc, m))->type == JSON_NULL);
        CHECK(!json_member(doc, root, "absent"));
        CHECK(!json_member(doc, json_child(doc, root), "x")); /* not an object */
}

static void test_strings(void) {
        const JsonNode *root;
        size_t len;
        const char *t;

        CHECK(parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", "
                    "\"\\ud83d\\ude00\", \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\"]") == 0);
        root = json_doc_root(doc);
        const JsonNode *s = json_child(doc, root);
        t = json_text(doc, s, &len);
        CHECK(len == 12 && memcmp(t, "a\"b\\c/d\b\f\n\r\t", 12) == 0);
        s = json_next(doc, s);
        CHECK(strcmp(json_text(doc, s, NULL), "\xc3\xa9\xe2\x82\xac") == 0);
        s = json_next(doc, s);
        CHECK(strcmp(json_text(doc, s, NULL), "\xf0\x9f\x98\x80") == 0);
        s = json_next(doc, s);
        CHECK(strcmp(json_text(doc, s, NULL), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0);
        s = json_next(doc, s);
        CHECK(json_text(doc, s, &len) && len == 0);
        CHECK(!json_text(doc, root, NULL));
}

static void test_numbers(void) {
        const JsonNode *n;
        double d;
        int64_t i;

        CHECK(parse("[0, -0, 1.5e3, -12.25E-1, 9223372036854775807, -9223372036854775808, "
                    "9223372036854775808, 1e999, 1.0]") == 0);
        n = json_child(doc, json_doc_root(doc));
        CHECK(json_number_int64(doc, n, &i) == 0 && i == 0);
        n = json_next(doc, n);
        CHECK(json_number_int64(doc, n, &i) == 0 && i == 0);
        CHECK(json_number_double(doc, n, &d) == 0 && d == 0 && signbit(d));
        n = json_next(doc, n);
        CHECK(json_number_double(doc, n, &d) == 0 && d == 1500);
        CHECK(json_number_int64(doc, n, &i) == -EINVAL);
        n = json_next(doc, n);
        CHECK(json_number_double(doc, n, &d) == 0 && d == -1.225);
        n = json_next(doc, n);
        CHECK(json_number_int64(doc, n, &i) == 0 && i == INT64_MAX);
        n = json_next(doc, n);
        CHECK(json_number_int64(doc, n, &i) == 0 && i == INT64_MIN);
        n = json_next(doc, n);
        CHECK(json_number_int64(doc, n, &i) == -ERANGE);
        n = json_next(doc, n);
        CHECK(json_number_double(doc, n, &d) == 0 && d == DINF);
        n = json_next(doc, n);
        CHECK(json_number_int64(doc, n, &i) == -EINVAL);
        CHECK(strcmp(json_text(doc, n, NULL), "1.0") == 0);
        CHECK(json_number_double(doc, json_doc_root(doc), &d) == -EINVAL);

        CHECK(json_parse_int64("-", 1, &i) == -EINVAL);
        CHECK(json_parse_int64("007", 3, &i) == -EINVAL);
        CHECK(json_parse_int64("+1", 2, &i) == -EINVAL);
        CHECK(json_parse_int64("-9223372036854775809", 20, &i) == -ERANGE);
        CHECK(json_parse_int64("12", 1, &i) == 0 && i == 1); /* length-bounded */

        /* A document may be a bare scalar, surrounded by whitespace. */
        CHECK(parse(" \t\r\n42 \n") == 0 && json_doc_root(doc)->type == JSON_NUMBER);
        CHECK(parse("\"x\"") == 0 && json_doc_root(doc)->type == JSON_STRING);
}

static void test_invalid(void) {
        static const char *const bad[] = {
                "",
                " ",
                "{",
                "}",
                "[1,]",
                "{\"a\":1,}",
                "{,}",
                "[,1]",
                "{\"a\" 1}",
                "{\"a\":}",
                "{a:1}",
                "{'a':1}",
                "[01]",
                "[1.]",
                "[.5]",
                "[+1]",
                "[1e]",
                "[1e+]",
                "[-]",
                "[0x10]",
                "[NaN]",
                "[Infinity]",
                "[-Infinity]",
                "[tru]",
                "[True]",
                "[nul]",
                "[\"a]",
                "[\"\\x\"]",
                "[\"\\u12\"]",
                "[\"\\u12G4\"]",
                "[\"\\ud800\"]",
                "[\"\\udc00\"]",
                "[\"\\ud800\\u0041\"]",
                "[\"\\u0000\"]",
                "[\"a\tb\"]",
                "[\"a\nb\"]",
                "[1] [2]",
                "[1] x",
                "/* c */ 1",
                "// c\n1",
                "\xef\xbb\xbf[1]",
                "[\"\xc0\xaf\"]",         /* overlong '/' */
                "[\"\xe0\x80\xaf\"]",     /* overlong */
                "[\"\xed\xa0\x80\"]",     /* UTF-8 surrogate */
                "[\"\xf4\x90\x80\x80\"]", /* above U+10FFFF */
                "[\"\xc3\"]",
                "[\"\x80\"]",
                "[\"\xff\"]",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                size_t off = 0;
                int r = parse(bad[i]);
                CHECKF(r == -EBADMSG && json_doc_error(doc, &off) && !json_doc_root(doc),
                       "accepted or misreported: '%s' (%d)", bad[i], r);
                CHECK(off <= strlen(bad[i]));
        }
        /* An embedded NUL is not whitespace. */
        CHECK(json_doc_parse(doc, "[1]\0", 4) == -EBADMSG);
        /* A good parse after a bad one clears the error. */
        CHECK(parse("[1]") == 0 && !json_doc_error(doc, NULL));
}

static void test_limits(void) {
        JsonLimits lim = {.max_text_bytes = 64, .max_depth = 3, .max_nodes = 5};
        _cleanup_(json_doc_freep) JsonDoc *small = NULL;

        CHECK(json_doc_new(&small, &lim) == 0);
        CHECK(json_doc_parse(small, "[[[1]]]", 7) == 0);
        CHECK(json_doc_parse(small, "[[[[1]]]]", 9) == -E2BIG);
        CHECK(json_doc_parse(small, "{\"a\":{\"b\":{\"c\":{}}}}", 20) == -E2BIG);
        CHECK(json_doc_parse(small, "[1,2,3,4]", 9) == 0);
        CHECK(json_doc_parse(small, "[1,2,3,4,5]", 11) == -E2BIG);
        char big[65];
        memset(big, ' ', sizeof(big));
        big[0] = '1';
        CHECK(json_doc_parse(small, big, sizeof(big)) == -E2BIG);
        CHECK(json_doc_parse(small, big, 64) == 0);

        /* The default depth bound stops a deeply nested document without using the stack. */
        size_t deep = 100000;
        char *d = malloc(2 * deep);
        memset(d, '[', deep);
        memset(d + deep, ']', deep);
        CHECK(json_doc_parse(doc, d, 2 * deep) == -E2BIG);
        free(d);
}

int main(void) {
        CHECK(json_doc_new(&doc, NULL) == 0);
        test_order_and_duplicates();
        test_strings();
        test_numbers();
        test_invalid();
        test_limits();
        doc = json_doc_free(doc);
        return TAP_DONE();
}
