/* SPDX-License-Identifier: MIT */
/* XML-RPC values, the methodCall parser, the methodResponse writer and the method table. */

#include "http/xmlrpc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consolidate/num.h"

/* ---- values ---- */

HttpRpcValue *http_rpc_value_free(HttpRpcValue *v) {
        if (!v)
                return NULL;
        switch (v->type) {
        case HTTP_RPC_STRING:
        case HTTP_RPC_DATETIME:
        case HTTP_RPC_BASE64:
                free(v->str.s);
                break;
        case HTTP_RPC_ARRAY:
                for (size_t i = 0; i < v->array.n; i++)
                        http_rpc_value_free(v->array.items[i]);
                free(v->array.items);
                break;
        case HTTP_RPC_STRUCT:
                for (size_t i = 0; i < v->strct.n; i++) {
                        free(v->strct.members[i].name);
                        http_rpc_value_free(v->strct.members[i].value);
                }
                free(v->strct.members);
                break;
        default:
                break;
        }
        free(v);
        return NULL;
}

static HttpRpcValue *value_new(HttpRpcType t) {
        HttpRpcValue *v = calloc(1, sizeof(*v));
        if (v)
                v->type = t;
        return v;
}

HttpRpcValue *http_rpc_nil(void) {
        return value_new(HTTP_RPC_NIL);
}

HttpRpcValue *http_rpc_bool(bool b) {
        HttpRpcValue *v = value_new(HTTP_RPC_BOOL);
        if (v)
                v->b = b;
        return v;
}

HttpRpcValue *http_rpc_int(int64_t i) {
        HttpRpcValue *v = value_new(HTTP_RPC_INT);
        if (v)
                v->i = i;
        return v;
}

HttpRpcValue *http_rpc_double(double d) {
        HttpRpcValue *v = value_new(HTTP_RPC_DOUBLE);
        if (v)
                v->d = d;
        return v;
}

static HttpRpcValue *text_value(HttpRpcType t, const char *s, size_t len) {
        HttpRpcValue *v = value_new(t);
        if (!v)
                return NULL;
        v->str.s = strndup(s, len);
        if (!v->str.s) {
                free(v);
                return NULL;
        }
        v->str.len = strlen(v->str.s);
        return v;
}

HttpRpcValue *http_rpc_string(const char *s) {
        return text_value(HTTP_RPC_STRING, s ? s : "", s ? strlen(s) : 0);
}

HttpRpcValue *http_rpc_datetime(int64_t t) {
        char buf[32];
        struct tm tm;
        time_t tt = (time_t) t;

        if (!gmtime_r(&tt, &tm) || strftime(buf, sizeof(buf), "%Y%m%dT%H:%M:%SZ", &tm) == 0)
                (void) snprintf(buf, sizeof(buf), "19700101T00:00:00Z");
        return text_value(HTTP_RPC_DATETIME, buf, strlen(buf));
}

HttpRpcValue *http_rpc_array(void) {
        return value_new(HTTP_RPC_ARRAY);
}

HttpRpcValue *http_rpc_struct(void) {
        return value_new(HTTP_RPC_STRUCT);
}

int http_rpc_array_append(HttpRpcValue *a, HttpRpcValue *v) {
        if (!v || !a || a->type != HTTP_RPC_ARRAY) {
                http_rpc_value_free(v);
                return -ENOMEM;
        }
        HttpRpcValue **items = realloc(a->array.items, (a->array.n + 1) * sizeof(*items));
        if (!items) {
                http_rpc_value_free(v);
                return -ENOMEM;
        }
        a->array.items = items;
        a->array.items[a->array.n++] = v;
        return 0;
}

int http_rpc_struct_set(HttpRpcValue *s, const char *name, HttpRpcValue *v) {
        if (!v || !s || s->type != HTTP_RPC_STRUCT) {
                http_rpc_value_free(v);
                return -ENOMEM;
        }
        for (size_t i = 0; i < s->strct.n; i++)
                if (strcmp(s->strct.members[i].name, name) == 0) {
                        http_rpc_value_free(s->strct.members[i].value);
                        s->strct.members[i].value = v;
                        return 0;
                }
        HttpRpcMember *m = realloc(s->strct.members, (s->strct.n + 1) * sizeof(*m));
        char *n = strdup(name);
        if (m)
                s->strct.members = m;
        if (!m || !n) {
                free(n);
                http_rpc_value_free(v);
                return -ENOMEM;
        }
        s->strct.members[s->strct.n++] = (HttpRpcMember){.name = n, .value = v};
        return 0;
}

const HttpRpcValue *http_rpc_struct_get(const HttpRpcValue *s, const char *name) {
        if (!s || s->type != HTTP_RPC_STRUCT)
                return NULL;
        for (size_t i = 0; i < s->strct.n; i++)
                if (strcmp(s->strct.members[i].name, name) == 0)
                        return s->strct.members[i].value;
        return NULL;
}

const char *http_rpc_get_string(const HttpRpcValue *v) {
        return v && v->type == HTTP_RPC_STRING ? v->str.s : NULL;
}

HttpRpcValue *http_rpc_success(HttpRpcValue *value) {
        _cleanup_(http_rpc_value_freep) HttpRpcValue *s = http_rpc_struct();

        if (!value)
                value = http_rpc_string("");
        if (!s) {
                http_rpc_value_free(value);
                return NULL;
        }
        if (http_rpc_struct_set(s, "Status", http_rpc_string("Success")) < 0 ||
            http_rpc_struct_set(s, "Value", value) < 0)
                return NULL;
        return TAKE_PTR(s);
}

HttpRpcValue *http_rpc_failure(const char *code, ...) {
        _cleanup_(http_rpc_value_freep) HttpRpcValue *s = http_rpc_struct();
        _cleanup_(http_rpc_value_freep) HttpRpcValue *d = http_rpc_array();
        va_list ap;
        int r = 0;

        if (!s || !d)
                return NULL;
        r = http_rpc_array_append(d, http_rpc_string(code));
        va_start(ap, code);
        for (const char *a = va_arg(ap, const char *); a && r >= 0; a = va_arg(ap, const char *))
                r = http_rpc_array_append(d, http_rpc_string(a));
        va_end(ap);
        if (r < 0 || http_rpc_struct_set(s, "Status", http_rpc_string("Failure")) < 0 ||
            http_rpc_struct_set(s, "ErrorDescription", TAKE_PTR(d)) < 0)
                return NULL;
        return TAKE_PTR(s);
}

/* ---- parsing ---- */

typedef struct ParseCtx {
        size_t n_values;
        char *reason;
        size_t reason_size;
} ParseCtx;

_printf_(2, 3) static int parse_fail(ParseCtx *c, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(c->reason, c->reason_size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static bool is_element(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *) name) == 0;
}

static bool is_blank_text(const xmlNode *n) {
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
                return true;
        if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE)
                return false;
        for (const xmlChar *p = n->content; p && *p; p++)
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                        return false;
        return true;
}

/* The only element child of n (blank text and comments around it allowed), or NULL. */
static int only_child(ParseCtx *c, const xmlNode *n, xmlNode **ret) {
        xmlNode *found = NULL;

        for (xmlNode *k = n->children; k; k = k->next) {
                if (is_blank_text(k))
                        continue;
                if (k->type != XML_ELEMENT_NODE || found)
                        return parse_fail(c, "unexpected content in <%s>", (const char *) n->name);
                found = k;
        }
        *ret = found;
        return 0;
}

/* The text of an element that may hold only text (entity references are refused). */
static int text_of(ParseCtx *c, const xmlNode *n, HttpBuf *b) {
        for (xmlNode *k = n->children; k; k = k->next) {
                if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE)
                        http_buf_puts(b, (const char *) k->content);
                else if (k->type != XML_COMMENT_NODE && k->type != XML_PI_NODE)
                        return parse_fail(c, "<%s> must hold only text", (const char *) n->name);
        }
        if (b->failed)
                return -ENOMEM;
        return 0;
}

static void trim_blank(const char **s, size_t *n) {
        while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\n' ||
                          (*s)[*n - 1] == '\r'))
                (*n)--;
}

static int parse_value(ParseCtx *c, const xmlNode *n, unsigned depth, HttpRpcValue **ret);

static int parse_typed(ParseCtx *c, const xmlNode *t, unsigned depth, HttpRpcValue **ret) {
        _cleanup_(http_rpc_value_freep) HttpRpcValue *v = NULL;
        const char *name = (const char *) t->name;
        int r;

        if (is_element(t, "array")) {
                xmlNode *data;
                r = only_child(c, t, &data);
                if (r < 0)
                        return r;
                if (!data || !is_element(data, "data"))
                        return parse_fail(c, "<array> needs one <data>");
                v = http_rpc_array();
                if (!v)
                        return -ENOMEM;
                for (xmlNode *k = data->children; k; k = k->next) {
                        if (is_blank_text(k))
                                continue;
                        if (!is_element(k, "value"))
                                return parse_fail(c, "<data> may hold only <value>");
                        HttpRpcValue *item = NULL;
                        r = parse_value(c, k, depth + 1, &item);
                        if (r < 0)
                                return r;
                        r = http_rpc_array_append(v, item);
                        if (r < 0)
                                return r;
                }
                *ret = TAKE_PTR(v);
                return 0;
        }
        if (is_element(t, "struct")) {
                v = http_rpc_struct();
                if (!v)
                        return -ENOMEM;
                for (xmlNode *m = t->children; m; m = m->next) {
                        if (is_blank_text(m))
                                continue;
                        if (!is_element(m, "member"))
                                return parse_fail(c, "<struct> may hold only <member>");
                        xmlNode *mn = NULL, *mv = NULL;
                        for (xmlNode *k = m->children; k; k = k->next) {
                                if (is_blank_text(k))
                                        continue;
                                if (is_element(k, "name") && !mn)
                                        mn = k;
                                else if (is_element(k, "value") && !mv)
                                        mv = k;
                                else
                                        return parse_fail(c, "<member> needs one <name> and one "
                                                             "<value>");
                        }
                        if (!mn || !mv)
                                return parse_fail(c, "<member> needs one <name> and one <value>");
                        HttpBuf nb = HTTP_BUF_NULL;
                        r = text_of(c, mn, &nb);
                        if (r < 0) {
                                http_buf_done(&nb);
                                return r;
                        }
                        HttpRpcValue *item = NULL;
                        r = parse_value(c, mv, depth + 1, &item);
                        if (r < 0) {
                                http_buf_done(&nb);
                                return r;
                        }
                        r = http_rpc_struct_set(v, nb.data ? nb.data : "", item);
                        http_buf_done(&nb);
                        if (r < 0)
                                return r;
                }
                *ret = TAKE_PTR(v);
                return 0;
        }

        /* Scalars. */
        HttpBuf b = HTTP_BUF_NULL;
        r = text_of(c, t, &b);
        if (r < 0) {
                http_buf_done(&b);
                return r;
        }
        const char *s = b.data ? b.data : "";
        size_t n = b.len;
        if (is_element(t, "string"))
                v = text_value(HTTP_RPC_STRING, s, n);
        else if (is_element(t, "dateTime.iso8601"))
                v = text_value(HTTP_RPC_DATETIME, s, n);
        else if (is_element(t, "base64"))
                v = text_value(HTTP_RPC_BASE64, s, n);
        else if (is_element(t, "nil") || is_element(t, "ex:nil")) {
                v = n == 0 ? http_rpc_nil() : NULL;
                if (n != 0)
                        r = parse_fail(c, "<nil> must be empty");
        } else {
                trim_blank(&s, &n);
                if (is_element(t, "int") || is_element(t, "i4") || is_element(t, "i8")) {
                        int64_t i;
                        /* A leading '+' is allowed by the XML-RPC spec. */
                        if (n > 0 && s[0] == '+') {
                                s++;
                                n--;
                        }
                        if (n == 0 || num_parse_i64(s, n, &i) < 0 ||
                            (!is_element(t, "i8") && (i < INT32_MIN || i > INT32_MAX)))
                                r = parse_fail(c, "bad <%s> value", name);
                        else
                                v = http_rpc_int(i);
                } else if (is_element(t, "boolean")) {
                        if (n == 1 && (s[0] == '0' || s[0] == '1'))
                                v = http_rpc_bool(s[0] == '1');
                        else
                                r = parse_fail(c, "bad <%s> value", name);
                } else if (is_element(t, "double")) {
                        double d;
                        if (n == 0 || num_parse_double(s, n, &d) < 0)
                                r = parse_fail(c, "bad <%s> value", name);
                        else
                                v = http_rpc_double(d);
                } else
                        r = parse_fail(c, "unknown value type <%s>", name);
        }
        http_buf_done(&b);
        if (r < 0)
                return r;
        if (!v)
                return -ENOMEM;
        *ret = TAKE_PTR(v);
        return 0;
}

static int parse_value(ParseCtx *c, const xmlNode *n, unsigned depth, HttpRpcValue **ret) {
        xmlNode *typed = NULL;
        int r;

        if (depth > HTTP_RPC_DEPTH_MAX)
                return parse_fail(c, "values nested deeper than %d", HTTP_RPC_DEPTH_MAX);
        if (++c->n_values > HTTP_RPC_VALUES_MAX)
                return parse_fail(c, "more than %d values", HTTP_RPC_VALUES_MAX);
        for (xmlNode *k = n->children; k; k = k->next) {
                if (k->type == XML_ELEMENT_NODE) {
                        if (typed)
                                return parse_fail(c, "<value> holds more than one type");
                        typed = k;
                } else if (!is_blank_text(k) && k->type != XML_TEXT_NODE &&
                           k->type != XML_CDATA_SECTION_NODE)
                        return parse_fail(c, "unexpected content in <value>");
        }
        if (typed) {
                for (xmlNode *k = n->children; k; k = k->next)
                        if (k != typed && !is_blank_text(k))
                                return parse_fail(c, "text next to a typed <value>");
                return parse_typed(c, typed, depth, ret);
        }
        /* No type: a string, white space included. */
        HttpBuf b = HTTP_BUF_NULL;
        r = text_of(c, n, &b);
        if (r >= 0) {
                *ret = text_value(HTTP_RPC_STRING, b.data ? b.data : "", b.len);
                r = *ret ? 0 : -ENOMEM;
        }
        http_buf_done(&b);
        return r;
}

/**
 * http_rpc_parse_call() - reads an XML-RPC methodCall.
 * @body: the request body (no NUL needed).
 * @len: its length.
 * @ret_method: the method name (malloc'd).
 * @ret_params: the params as one ARRAY value.
 * @reason: a one-line reason when refused.
 * @reason_size: bytes at @reason.
 *
 * libxml2 with XML_PARSE_NONET and without entity substitution; a document with a DTD is
 * refused, values nest at most HTTP_RPC_DEPTH_MAX deep and number at most HTTP_RPC_VALUES_MAX.
 *
 * Return: 0, -EINVAL (with @reason), -ENOMEM.
 */
int http_rpc_parse_call(const char *body, size_t len, char **ret_method, HttpRpcValue **ret_params,
                        char *reason, size_t reason_size) {
        _cleanup_(http_rpc_value_freep) HttpRpcValue *params = NULL;
        _cleanup_free_ char *method = NULL;
        ParseCtx c = {.reason = reason, .reason_size = reason_size};
        xmlParserCtxtPtr ctxt;
        xmlDocPtr doc;
        int r = 0;

        if (len > INT32_MAX)
                return parse_fail(&c, "request too large");
        ctxt = xmlNewParserCtxt();
        if (!ctxt)
                return -ENOMEM;
        /* Errors go back to the client as one line; libxml2 must not print them. */
        doc = xmlCtxtReadMemory(ctxt, body, (int) len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        xmlFreeParserCtxt(ctxt);
        if (!doc)
                return parse_fail(&c, "the body is not well-formed XML");
        xmlNode *root = xmlDocGetRootElement(doc);
        if (doc->intSubset || doc->extSubset) {
                r = parse_fail(&c, "a DTD is not allowed");
                goto out;
        }
        if (!root || !is_element(root, "methodCall")) {
                r = parse_fail(&c, "the root element must be <methodCall>");
                goto out;
        }
        xmlNode *name_el = NULL, *params_el = NULL;
        for (xmlNode *k = root->children; k; k = k->next) {
                if (is_blank_text(k))
                        continue;
                if (is_element(k, "methodName") && !name_el)
                        name_el = k;
                else if (is_element(k, "params") && !params_el)
                        params_el = k;
                else {
                        r = parse_fail(&c, "unexpected content in <methodCall>");
                        goto out;
                }
        }
        if (!name_el) {
                r = parse_fail(&c, "<methodName> is missing");
                goto out;
        }
        HttpBuf nb = HTTP_BUF_NULL;
        r = text_of(&c, name_el, &nb);
        if (r >= 0) {
                const char *s = nb.data ? nb.data : "";
                size_t n = nb.len;
                trim_blank(&s, &n);
                method = strndup(s, n);
                if (!method)
                        r = -ENOMEM;
                else if (n == 0)
                        r = parse_fail(&c, "<methodName> is empty");
        }
        http_buf_done(&nb);
        if (r < 0)
                goto out;
        params = http_rpc_array();
        if (!params) {
                r = -ENOMEM;
                goto out;
        }
        for (xmlNode *p = params_el ? params_el->children : NULL; p; p = p->next) {
                if (is_blank_text(p))
                        continue;
                xmlNode *val = NULL;
                if (!is_element(p, "param")) {
                        r = parse_fail(&c, "<params> may hold only <param>");
                        goto out;
                }
                r = only_child(&c, p, &val);
                if (r < 0)
                        goto out;
                if (!val || !is_element(val, "value")) {
                        r = parse_fail(&c, "<param> needs one <value>");
                        goto out;
                }
                HttpRpcValue *v = NULL;
                r = parse_value(&c, val, 1, &v);
                if (r < 0)
                        goto out;
                r = http_rpc_array_append(params, v);
                if (r < 0)
                        goto out;
        }
        *ret_method = TAKE_PTR(method);
        *ret_params = TAKE_PTR(params);
        r = 0;
out:
        xmlFreeDoc(doc);
        return r;
}

/* ---- writing ---- */

static void write_value(HttpBuf *b, const HttpRpcValue *v) {
        char num[NUM_BUF_SIZE];

        http_buf_puts(b, "<value>");
        switch (v->type) {
        case HTTP_RPC_NIL:
                http_buf_puts(b, "<nil/>");
                break;
        case HTTP_RPC_BOOL:
                http_buf_puts(b, v->b ? "<boolean>1</boolean>" : "<boolean>0</boolean>");
                break;
        case HTTP_RPC_INT:
                if (v->i >= INT32_MIN && v->i <= INT32_MAX) {
                        http_buf_puts(b, "<int>");
                        http_buf_put_i64(b, v->i);
                        http_buf_puts(b, "</int>");
                } else {
                        http_buf_puts(b, "<i8>");
                        http_buf_put_i64(b, v->i);
                        http_buf_puts(b, "</i8>");
                }
                break;
        case HTTP_RPC_DOUBLE:
                http_buf_puts(b, "<double>");
                http_buf_put(b, num, num_format_shortest(num, v->d));
                http_buf_puts(b, "</double>");
                break;
        case HTTP_RPC_STRING:
                /* Untyped text is a string; xapi writes strings this way. */
                http_buf_put_xml_escaped(b, v->str.s, v->str.len);
                break;
        case HTTP_RPC_DATETIME:
                http_buf_puts(b, "<dateTime.iso8601>");
                http_buf_put_xml_escaped(b, v->str.s, v->str.len);
                http_buf_puts(b, "</dateTime.iso8601>");
                break;
        case HTTP_RPC_BASE64:
                http_buf_puts(b, "<base64>");
                http_buf_put_xml_escaped(b, v->str.s, v->str.len);
                http_buf_puts(b, "</base64>");
                break;
        case HTTP_RPC_ARRAY:
                http_buf_puts(b, "<array><data>");
                for (size_t i = 0; i < v->array.n; i++)
                        write_value(b, v->array.items[i]);
                http_buf_puts(b, "</data></array>");
                break;
        case HTTP_RPC_STRUCT:
                http_buf_puts(b, "<struct>");
                for (size_t i = 0; i < v->strct.n; i++) {
                        http_buf_puts(b, "<member><name>");
                        http_buf_put_xml_escaped(b, v->strct.members[i].name,
                                                 strlen(v->strct.members[i].name));
                        http_buf_puts(b, "</name>");
                        write_value(b, v->strct.members[i].value);
                        http_buf_puts(b, "</member>");
                }
                http_buf_puts(b, "</struct>");
                break;
        default:
                break;
        }
        http_buf_puts(b, "</value>");
}

void http_rpc_write_response(HttpBuf *b, const HttpRpcValue *v) {
        http_buf_puts(b, "<?xml version=\"1.0\"?>\n<methodResponse><params><param>");
        write_value(b, v);
        http_buf_puts(b, "</param></params></methodResponse>\n");
}

void http_rpc_write_fault(HttpBuf *b, int code, const char *message) {
        http_buf_puts(b, "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct>"
                         "<member><name>faultCode</name><value><int>");
        http_buf_put_i64(b, code);
        http_buf_puts(b, "</int></value></member><member><name>faultString</name><value>");
        http_buf_put_xml_escaped(b, message, strlen(message));
        http_buf_puts(b, "</value></member></struct></value></fault></methodResponse>\n");
}

/* ---- the method table ---- */

typedef struct Method {
        char *name;
        HttpRpcHandler handler;
        void *userdata;
} Method;

struct HttpRpcTable {
        Method *v;
        size_t n;
};

int http_rpc_table_new(HttpRpcTable **ret) {
        HttpRpcTable *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

HttpRpcTable *http_rpc_table_free(HttpRpcTable *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                free(t->v[i].name);
        free(t->v);
        free(t);
        return NULL;
}

int http_rpc_table_register(HttpRpcTable *t, const char *name, HttpRpcHandler h, void *userdata) {
        if (!name || !*name || !h)
                return -EINVAL;
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->v[i].name, name) == 0) {
                        t->v[i].handler = h;
                        t->v[i].userdata = userdata;
                        return 0;
                }
        Method *v = realloc(t->v, (t->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        t->v = v;
        char *n = strdup(name);
        if (!n)
                return -ENOMEM;
        t->v[t->n++] = (Method){.name = n, .handler = h, .userdata = userdata};
        return 0;
}

/**
 * http_rpc_table_dispatch() - runs the method a call names.
 * @t: the table.
 * @call: the call (method name and what the HTTP request proved).
 * @params: the params ARRAY.
 * @ret: the value to answer with: the handler's, Failure MESSAGE_METHOD_UNKNOWN for an
 *       unknown method, Failure INTERNAL_ERROR when the handler failed.
 *
 * Return: 0 or -ENOMEM.
 */
int http_rpc_table_dispatch(HttpRpcTable *t, const HttpRpcCall *call, const HttpRpcValue *params,
                            HttpRpcValue **ret) {
        HttpRpcValue *v = NULL;

        for (size_t i = 0; i < t->n; i++) {
                if (strcmp(t->v[i].name, call->method) != 0)
                        continue;
                int r = t->v[i].handler(t->v[i].userdata, call, params, &v);
                if (r < 0) {
                        http_rpc_value_free(v);
                        char msg[64];
                        (void) snprintf(msg, sizeof(msg), "%s", strerror(-r));
                        v = http_rpc_failure("INTERNAL_ERROR", msg, NULL);
                } else if (!v)
                        v = http_rpc_success(NULL);
                if (!v)
                        return -ENOMEM;
                *ret = v;
                return 0;
        }
        v = http_rpc_failure("MESSAGE_METHOD_UNKNOWN", call->method, NULL);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}
