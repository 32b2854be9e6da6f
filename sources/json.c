/* SPDX-License-Identifier: MIT */
/*
 * Recursive-descent JSON parser building a flat, index-linked tree. Strict RFC 8259: no
 * comments, no trailing commas, no leading zeros, no BOM, UTF-8 validated, control characters
 * and lone surrogates refused. Strings are decoded into one pool sized from the input, so the
 * tree needs two allocations however large it is, and both are reused by the next parse.
 */

#include "sources/json.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/macro.h"

struct JsonDoc {
        JsonLimits limits;
        JsonNode *nodes;
        size_t n_nodes;
        size_t n_nodes_alloc;
        char *pool; /* decoded strings and number texts, each NUL-terminated */
        size_t pool_used;
        size_t pool_alloc;
        const char *error; /* static text of the last failure, NULL after success */
        size_t error_offset;
        bool is_parsed;
};

typedef struct JsonParser {
        JsonDoc *doc;
        const char *start;
        const char *p;
        const char *end;
} JsonParser;

/**
 * json_doc_new() - create an empty, reusable document
 * @ret: the new document
 * @limits: the bounds to enforce, or NULL for the defaults; zero fields take the default too
 *
 * Return: 0, or -ENOMEM.
 */
int json_doc_new(JsonDoc **ret, const JsonLimits *limits) {
        JsonDoc *doc = calloc(1, sizeof(*doc));

        if (!doc)
                return -ENOMEM;
        doc->limits = (JsonLimits){
                .max_text_bytes = JSON_MAX_TEXT_BYTES_DEFAULT,
                .max_depth = JSON_MAX_DEPTH_DEFAULT,
                .max_nodes = JSON_MAX_NODES_DEFAULT,
        };
        if (limits) {
                if (limits->max_text_bytes > 0)
                        doc->limits.max_text_bytes = limits->max_text_bytes;
                if (limits->max_depth > 0)
                        doc->limits.max_depth = limits->max_depth;
                if (limits->max_nodes > 0)
                        doc->limits.max_nodes = limits->max_nodes;
        }
        /* Offsets are 32-bit: the pool holds at most the input plus one byte. */
        if (doc->limits.max_text_bytes > UINT32_MAX - 2)
                doc->limits.max_text_bytes = UINT32_MAX - 2;
        if (doc->limits.max_nodes > UINT32_MAX - 1)
                doc->limits.max_nodes = UINT32_MAX - 1;
        *ret = doc;
        return 0;
}

/**
 * json_doc_free() - free a document and everything parsed into it
 * @doc: the document, or NULL
 *
 * Return: NULL.
 */
JsonDoc *json_doc_free(JsonDoc *doc) {
        if (!doc)
                return NULL;
        free(doc->nodes);
        free(doc->pool);
        free(doc);
        return NULL;
}

static int fail(JsonParser *ps, const char *what) {
        ps->doc->error = what;
        ps->doc->error_offset = (size_t) (ps->p - ps->start);
        return -EBADMSG;
}

static int fail_limit(JsonParser *ps, const char *what) {
        (void) fail(ps, what);
        return -E2BIG;
}

static void skip_ws(JsonParser *ps) {
        while (ps->p < ps->end &&
               (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
                ps->p++;
}

static int node_add(JsonParser *ps, JsonType type, uint32_t *ret_index) {
        JsonDoc *doc = ps->doc;

        if (doc->n_nodes >= doc->limits.max_nodes)
                return fail_limit(ps, "too many values");
        if (doc->n_nodes == doc->n_nodes_alloc) {
                size_t n = doc->n_nodes_alloc ? doc->n_nodes_alloc * 2 : 64;
                JsonNode *nodes;

                if (n > doc->limits.max_nodes)
                        n = doc->limits.max_nodes;
                nodes = realloc(doc->nodes, n * sizeof(*nodes));
                if (!nodes)
                        return -ENOMEM;
                doc->nodes = nodes;
                doc->n_nodes_alloc = n;
        }
        doc->nodes[doc->n_nodes] = (JsonNode){.type = type};
        *ret_index = (uint32_t) doc->n_nodes++;
        return 0;
}

/* Reads the four hex digits after "\u"; ps->p points at the first digit. */
static int parse_hex4(JsonParser *ps, uint32_t *ret) {
        uint32_t v = 0;

        if (ps->end - ps->p < 4)
                return fail(ps, "truncated \\u escape");
        for (unsigned i = 0; i < 4; i++) {
                int d = unhexchar(ps->p[i]);
                if (d < 0)
                        return fail(ps, "bad \\u escape");
                v = v << 4 | (uint32_t) d;
        }
        ps->p += 4;
        *ret = v;
        return 0;
}

static size_t utf8_put(char *out, uint32_t cp) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xC0 | cp >> 6);
                out[1] = (char) (0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xE0 | cp >> 12);
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char) (0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char) (0xF0 | cp >> 18);
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char) (0x80 | (cp & 0x3F));
        return 4;
}

/*
 * Length of the valid UTF-8 sequence starting at p (first byte >= 0x80), or 0. Refuses
 * overlong forms, surrogates and code points above U+10FFFF (RFC 3629).
 */
static size_t utf8_valid_len(const unsigned char *p, const unsigned char *end) {
        size_t n;
        uint32_t cp, min;

        if (p[0] >= 0xC2 && p[0] <= 0xDF) {
                n = 2;
                cp = p[0] & 0x1F;
                min = 0x80;
        } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                n = 3;
                cp = p[0] & 0x0F;
                min = 0x800;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                n = 4;
                cp = p[0] & 0x07;
                min = 0x10000;
        } else
                return 0;
        if ((size_t) (end - p) < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = cp << 6 | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return n;
}

/*
 * Decodes the string whose opening quote ps->p points at into the pool. The decoded text is
 * never longer than its source (quotes included), which is what bounds the pool.
 */
static int parse_string(JsonParser *ps, uint32_t *ret_offset, uint32_t *ret_len) {
        JsonDoc *doc = ps->doc;
        char *out = doc->pool + doc->pool_used;
        size_t n = 0;

        ps->p++; /* the opening quote */
        for (;;) {
                const char *run = ps->p;
                unsigned char c;

                /* Copy plain ASCII in one go; most metadata strings are nothing else. */
                while (ps->p < ps->end && (unsigned char) *ps->p >= 0x20 &&
                       (unsigned char) *ps->p < 0x80 && *ps->p != '"' && *ps->p != '\\')
                        ps->p++;
                memcpy(out + n, run, (size_t) (ps->p - run));
                n += (size_t) (ps->p - run);

                if (ps->p >= ps->end)
                        return fail(ps, "unterminated string");
                c = (unsigned char) *ps->p;
                if (c == '"') {
                        ps->p++;
                        break;
                }
                if (c < 0x20)
                        return fail(ps, "control character in string");
                if (c >= 0x80) {
                        size_t len = utf8_valid_len((const unsigned char *) ps->p,
                                                    (const unsigned char *) ps->end);
                        if (len == 0)
                                return fail(ps, "invalid UTF-8 in string");
                        memcpy(out + n, ps->p, len);
                        n += len;
                        ps->p += len;
                        continue;
                }

                /* A backslash escape. */
                if (ps->end - ps->p < 2)
                        return fail(ps, "unterminated string");
                ps->p++;
                c = (unsigned char) *ps->p++;
                switch (c) {
                case '"':
                case '\\':
                case '/':
                        out[n++] = (char) c;
                        break;
                case 'b':
                        out[n++] = '\b';
                        break;
                case 'f':
                        out[n++] = '\f';
                        break;
                case 'n':
                        out[n++] = '\n';
                        break;
                case 'r':
                        out[n++] = '\r';
                        break;
                case 't':
                        out[n++] = '\t';
                        break;
                case 'u': {
                        uint32_t cp, low;
                        int r = parse_hex4(ps, &cp);

                        if (r < 0)
                                return r;
                        if (cp >= 0xDC00 && cp <= 0xDFFF)
                                return fail(ps, "lone low surrogate");
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                                        return fail(ps, "lone high surrogate");
                                ps->p += 2;
                                r = parse_hex4(ps, &low);
                                if (r < 0)
                                        return r;
                                if (low < 0xDC00 || low > 0xDFFF)
                                        return fail(ps, "lone high surrogate");
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        }
                        /* Decoded strings are C strings for their users; NUL cannot be one. */
                        if (cp == 0)
                                return fail(ps, "\\u0000 in string");
                        n += utf8_put(out + n, cp);
                        break;
                }
                default:
                        ps->p--;
                        return fail(ps, "bad escape in string");
                }
        }
        out[n] = '\0';
        *ret_offset = (uint32_t) doc->pool_used;
        *ret_len = (uint32_t) n;
        doc->pool_used += n + 1;
        return 0;
}

/* Checks the number grammar and copies its text into the pool for later conversion. */
static int parse_number(JsonParser *ps, JsonNode *node) {
        JsonDoc *doc = ps->doc;
        const char *s = ps->p;

        if (ps->p < ps->end && *ps->p == '-')
                ps->p++;
        if (ps->p >= ps->end)
                return fail(ps, "truncated number");
        if (*ps->p == '0')
                ps->p++;
        else if (*ps->p >= '1' && *ps->p <= '9')
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        else
                return fail(ps, "bad number");
        if (ps->p < ps->end && *ps->p == '.') {
                ps->p++;
                if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
                        return fail(ps, "bad fraction in number");
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }
        if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
                ps->p++;
                if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
                        ps->p++;
                if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
                        return fail(ps, "bad exponent in number");
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }

        size_t len = (size_t) (ps->p - s);
        memcpy(doc->pool + doc->pool_used, s, len);
        doc->pool[doc->pool_used + len] = '\0';
        node->text_offset = (uint32_t) doc->pool_used;
        node->text_len = (uint32_t) len;
        doc->pool_used += len + 1;
        return 0;
}

static int parse_value(JsonParser *ps, unsigned depth, uint32_t *ret_index);

/* Parses the elements or members of a container whose opening bracket ps->p points at. */
static int parse_container(JsonParser *ps, unsigned depth, uint32_t index, bool is_object) {
        char close = is_object ? '}' : ']';
        uint32_t last = 0, n = 0;
        int r;

        if (depth > ps->doc->limits.max_depth)
                return fail_limit(ps, "nesting too deep");
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return 0;
        }
        for (;;) {
                uint32_t key_offset = 0, key_len = 0, child;

                if (is_object) {
                        if (ps->p >= ps->end || *ps->p != '"')
                                return fail(ps, "expected member name");
                        r = parse_string(ps, &key_offset, &key_len);
                        if (r < 0)
                                return r;
                        skip_ws(ps);
                        if (ps->p >= ps->end || *ps->p != ':')
                                return fail(ps, "expected ':'");
                        ps->p++;
                        skip_ws(ps);
                }
                r = parse_value(ps, depth, &child);
                if (r < 0)
                        return r;
                /* Index-based: the node array may have moved while the child was parsed. */
                JsonNode *nodes = ps->doc->nodes;
                nodes[child].key_offset = key_offset;
                nodes[child].key_len = key_len;
                if (last == 0)
                        nodes[index].first_child = child;
                else
                        nodes[last].next_sibling = child;
                last = child;
                n++;

                skip_ws(ps);
                if (ps->p >= ps->end)
                        return fail(ps, is_object ? "unterminated object" : "unterminated array");
                if (*ps->p == ',') {
                        ps->p++;
                        skip_ws(ps);
                        continue;
                }
                if (*ps->p == close) {
                        ps->p++;
                        break;
                }
                return fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        ps->doc->nodes[index].n_children = n;
        return 0;
}

static int parse_literal(JsonParser *ps, const char *word, size_t len) {
        if ((size_t) (ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
                return fail(ps, "unexpected character");
        ps->p += len;
        return 0;
}

static int parse_value(JsonParser *ps, unsigned depth, uint32_t *ret_index) {
        uint32_t index;
        int r;

        if (ps->p >= ps->end)
                return fail(ps, "expected a value");
        switch (*ps->p) {
        case '{':
        case '[': {
                bool is_object = *ps->p == '{';
                r = node_add(ps, is_object ? JSON_OBJECT : JSON_ARRAY, &index);
                if (r < 0)
                        return r;
                r = parse_container(ps, depth + 1, index, is_object);
                break;
        }
        case '"': {
                uint32_t offset, len;
                r = node_add(ps, JSON_STRING, &index);
                if (r < 0)
                        return r;
                r = parse_string(ps, &offset, &len);
                if (r >= 0) {
                        ps->doc->nodes[index].text_offset = offset;
                        ps->doc->nodes[index].text_len = len;
                }
                break;
        }
        case 't':
                r = node_add(ps, JSON_TRUE, &index);
                if (r >= 0)
                        r = parse_literal(ps, "true", 4);
                break;
        case 'f':
                r = node_add(ps, JSON_FALSE, &index);
                if (r >= 0)
                        r = parse_literal(ps, "false", 5);
                break;
        case 'n':
                r = node_add(ps, JSON_NULL, &index);
                if (r >= 0)
                        r = parse_literal(ps, "null", 4);
                break;
        default:
                if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
                        return fail(ps, "unexpected character");
                r = node_add(ps, JSON_NUMBER, &index);
                if (r >= 0)
                        r = parse_number(ps, &ps->doc->nodes[index]);
                break;
        }
        if (r < 0)
                return r;
        *ret_index = index;
        return 0;
}

/**
 * json_doc_parse() - parse one JSON text into a document, replacing what it held
 * @doc: the document
 * @text: the input; it need not be NUL-terminated and is not referenced afterwards
 * @size: its length in bytes
 *
 * The whole input must be exactly one value, optionally surrounded by whitespace.
 *
 * Return: 0; -EBADMSG for a syntax error, -E2BIG when a limit is exceeded (for both,
 * json_doc_error() says what and where); -ENOMEM.
 */
int json_doc_parse(JsonDoc *doc, const char *text, size_t size) {
        JsonParser ps = {.doc = doc, .start = text, .p = text, .end = text + size};
        uint32_t root;
        int r;

        doc->n_nodes = 0;
        doc->pool_used = 0;
        doc->error = NULL;
        doc->error_offset = 0;
        doc->is_parsed = false;
        if (size > doc->limits.max_text_bytes)
                return fail_limit(&ps, "document too large");
        /* The decoded strings and number texts, with their NULs, fit in size + 1 bytes. */
        if (doc->pool_alloc < size + 1) {
                char *pool = realloc(doc->pool, size + 1);
                if (!pool)
                        return -ENOMEM;
                doc->pool = pool;
                doc->pool_alloc = size + 1;
        }

        skip_ws(&ps);
        r = parse_value(&ps, 0, &root);
        if (r < 0)
                return r;
        skip_ws(&ps);
        if (ps.p != ps.end)
                return fail(&ps, "junk after the value");
        doc->is_parsed = true;
        return 0;
}

/**
 * json_doc_error() - why the last json_doc_parse() failed
 * @doc: the document
 * @ret_offset: if not NULL, the byte offset in the input where it failed
 *
 * Return: a static description, or NULL if the last parse succeeded.
 */
const char *json_doc_error(const JsonDoc *doc, size_t *ret_offset) {
        if (ret_offset)
                *ret_offset = doc->error_offset;
        return doc->error;
}

/**
 * json_doc_root() - the top-level value of the last successful parse
 * @doc: the document
 *
 * Return: the root node, or NULL if nothing was parsed successfully.
 */
const JsonNode *json_doc_root(const JsonDoc *doc) {
        return doc->is_parsed ? &doc->nodes[0] : NULL;
}

/**
 * json_child() - first element of an array or member of an object
 * @doc: the document
 * @node: a node of it
 *
 * Return: the child, or NULL for empty containers and scalars.
 */
const JsonNode *json_child(const JsonDoc *doc, const JsonNode *node) {
        return node->first_child ? &doc->nodes[node->first_child] : NULL;
}

/**
 * json_next() - the next element or member of the same container
 * @doc: the document
 * @node: a node of it
 *
 * Return: the sibling, or NULL after the last one.
 */
const JsonNode *json_next(const JsonDoc *doc, const JsonNode *node) {
        return node->next_sibling ? &doc->nodes[node->next_sibling] : NULL;
}

/**
 * json_key() - the member name of an object member
 * @doc: the document
 * @node: a member of an object
 * @ret_len: if not NULL, its length in bytes
 *
 * Return: the NUL-terminated name (never containing NUL itself).
 */
const char *json_key(const JsonDoc *doc, const JsonNode *node, size_t *ret_len) {
        if (ret_len)
                *ret_len = node->key_len;
        return doc->pool + node->key_offset;
}

/**
 * json_text() - the text of a string (decoded) or of a number (as written)
 * @doc: the document
 * @node: a node of it
 * @ret_len: if not NULL, the length in bytes
 *
 * Return: the NUL-terminated text, or NULL for other types.
 */
const char *json_text(const JsonDoc *doc, const JsonNode *node, size_t *ret_len) {
        if (node->type != JSON_STRING && node->type != JSON_NUMBER)
                return NULL;
        if (ret_len)
                *ret_len = node->text_len;
        return doc->pool + node->text_offset;
}

/**
 * json_member() - look a member up by name
 * @doc: the document
 * @object: an object node
 * @key: the member name
 *
 * Duplicate names are kept by the parser; this returns the first, as xcp-rrdd's reader does.
 *
 * Return: the member's value, or NULL if absent or @object is not an object.
 */
const JsonNode *json_member(const JsonDoc *doc, const JsonNode *object, const char *key) {
        size_t len = strlen(key);

        if (object->type != JSON_OBJECT)
                return NULL;
        for (const JsonNode *m = json_child(doc, object); m; m = json_next(doc, m))
                if (m->key_len == len && memcmp(doc->pool + m->key_offset, key, len) == 0)
                        return m;
        return NULL;
}

/**
 * json_number_double() - the value of a number node as a double
 * @doc: the document
 * @node: a number node
 * @ret: the value; magnitudes beyond the double range become ±infinity
 *
 * Return: 0, or -EINVAL if @node is not a number.
 */
int json_number_double(const JsonDoc *doc, const JsonNode *node, double *ret) {
        if (node->type != JSON_NUMBER)
                return -EINVAL;
        /* The grammar was checked, so strtod() consumes all of it (the daemon stays in "C"). */
        *ret = strtod(doc->pool + node->text_offset, NULL);
        return 0;
}

/**
 * json_parse_int64() - strict decimal integer: optional '-', digits, no leading zeros
 * @text: the characters (need not be NUL-terminated)
 * @len: how many
 * @ret: the value
 *
 * Return: 0; -EINVAL for anything but an integer; -ERANGE if it does not fit in int64.
 */
int json_parse_int64(const char *text, size_t len, int64_t *ret) {
        bool is_negative = false;
        uint64_t v = 0, limit;
        size_t i = 0;

        if (len > 0 && text[0] == '-') {
                is_negative = true;
                i = 1;
        }
        if (i >= len)
                return -EINVAL;
        if (text[i] == '0' && len - i > 1)
                return -EINVAL;
        limit = is_negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        for (; i < len; i++) {
                unsigned d;

                if (text[i] < '0' || text[i] > '9')
                        return -EINVAL;
                d = (unsigned) (text[i] - '0');
                if (v > (limit - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (is_negative)
                *ret = v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v;
        else
                *ret = (int64_t) v;
        return 0;
}

/**
 * json_number_int64() - the value of a number node written as an integer
 * @doc: the document
 * @node: a number node
 * @ret: the value
 *
 * Return: 0; -EINVAL if not a number or written with a fraction or exponent; -ERANGE.
 */
int json_number_int64(const JsonDoc *doc, const JsonNode *node, int64_t *ret) {
        if (node->type != JSON_NUMBER)
                return -EINVAL;
        return json_parse_int64(doc->pool + node->text_offset, node->text_len, ret);
}
