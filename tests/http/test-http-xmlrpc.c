/* SPDX-License-Identifier: MIT */
/* XML-RPC: methodCall parsing, refusals, methodResponse bytes, XenAPI shapes, the method table. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/xmlrpc.h"
#include "tests/tap.h"

static int parse(const char *doc, char **method, HttpRpcValue **params, char *reason) {
        reason[0] = 0;
        return http_rpc_parse_call(doc, strlen(doc), method, params, reason, 160);
}

static void test_login_call(void) {
        /* What Python's xmlrpc.client sends for session.login_with_password (indented). */
        const char *doc =
                "<?xml version='1.0'?>\n"
                "<methodCall>\n"
                "<methodName>session.login_with_password</methodName>\n"
                "<params>\n"
                "<param>\n<value><string>root</string></value>\n</param>\n"
                "<param>\n<value><string>s&amp;cret &lt;x&gt;</string></value>\n</param>\n"
                "<param>\n<value>1.0</value>\n</param>\n"
                "<param>\n<value><string></string></value>\n</param>\n"
                "</params>\n"
                "</methodCall>\n";
        char *method = NULL, reason[160];
        HttpRpcValue *p = NULL;

        CHECK(parse(doc, &method, &p, reason) == 0);
        CHECK(method && strcmp(method, "session.login_with_password") == 0);
        CHECK(p && p->type == HTTP_RPC_ARRAY && p->array.n == 4);
        CHECK(strcmp(http_rpc_get_string(p->array.items[0]), "root") == 0);
        CHECK(strcmp(http_rpc_get_string(p->array.items[1]), "s&cret <x>") == 0);
        CHECK(strcmp(http_rpc_get_string(p->array.items[2]), "1.0") == 0); /* untyped: string */
        CHECK(strcmp(http_rpc_get_string(p->array.items[3]), "") == 0);
        free(method);
        http_rpc_value_free(p);
}

static void test_types(void) {
        const char *doc =
                "<methodCall><methodName> m </methodName><params>"
                "<param><value><int>-42</int></value></param>"
                "<param><value><i4>+7</i4></value></param>"
                "<param><value><i8>9000000000</i8></value></param>"
                "<param><value><boolean>1</boolean></value></param>"
                "<param><value><double> 0.5 </double></value></param>"
                "<param><value><nil/></value></param>"
                "<param><value><array><data><value>a</value><value><int>1</int></value>"
                "</data></array></value></param>"
                "<param><value><struct><member><name>uuid</name><value>u</value></member>"
                "<member><name>n</name><value><struct/></value></member></struct></value></param>"
                "<param><value><dateTime.iso8601>20260101T00:00:00Z</dateTime.iso8601></value>"
                "</param>"
                "<param><value>  spaced  </value></param>"
                "<param><value><![CDATA[<raw>]]></value></param>"
                "</params></methodCall>";
        char *method = NULL, reason[160];
        HttpRpcValue *p = NULL;

        CHECK(parse(doc, &method, &p, reason) == 0);
        CHECKF(p && p->array.n == 11, "%s", reason);
        if (!p || p->array.n != 11)
                return;
        HttpRpcValue **v = p->array.items;
        CHECK(strcmp(method, "m") == 0);
        CHECK(v[0]->type == HTTP_RPC_INT && v[0]->i == -42);
        CHECK(v[1]->type == HTTP_RPC_INT && v[1]->i == 7);
        CHECK(v[2]->type == HTTP_RPC_INT && v[2]->i == 9000000000LL);
        CHECK(v[3]->type == HTTP_RPC_BOOL && v[3]->b);
        CHECK(v[4]->type == HTTP_RPC_DOUBLE && v[4]->d == 0.5);
        CHECK(v[5]->type == HTTP_RPC_NIL);
        CHECK(v[6]->type == HTTP_RPC_ARRAY && v[6]->array.n == 2 &&
              strcmp(http_rpc_get_string(v[6]->array.items[0]), "a") == 0 &&
              v[6]->array.items[1]->i == 1);
        CHECK(v[7]->type == HTTP_RPC_STRUCT && v[7]->strct.n == 2);
        CHECK(strcmp(http_rpc_get_string(http_rpc_struct_get(v[7], "uuid")), "u") == 0);
        CHECK(http_rpc_struct_get(v[7], "n")->type == HTTP_RPC_STRUCT);
        CHECK(http_rpc_struct_get(v[7], "missing") == NULL);
        CHECK(v[8]->type == HTTP_RPC_DATETIME && strcmp(v[8]->str.s, "20260101T00:00:00Z") == 0);
        CHECK(strcmp(http_rpc_get_string(v[9]), "  spaced  ") == 0);
        CHECK(strcmp(http_rpc_get_string(v[10]), "<raw>") == 0);
        free(method);
        http_rpc_value_free(p);

        /* No params at all is a call with none. */
        CHECK(parse("<methodCall><methodName>x</methodName></methodCall>", &method, &p, reason) ==
              0);
        CHECK(p->array.n == 0);
        free(method);
        http_rpc_value_free(p);
}

static void test_refusals(void) {
        static const char *const bad[] = {
                "",
                "not xml",
                "<methodCall><methodName>x</methodName>",
                "<methodResponse/>",
                "<methodCall><params/></methodCall>",
                "<methodCall><methodName></methodName></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><int>1.5</int>"
                "</value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><int>9999999999</int>"
                "</value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><boolean>yes"
                "</boolean></value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><double>x</double>"
                "</value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><float>1</float>"
                "</value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><int>1</int>"
                "<int>2</int></value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><param><value><struct><member>"
                "<name>a</name></member></struct></value></param></params></methodCall>",
                "<methodCall><methodName>x</methodName><params><value/></params></methodCall>",
                /* Entities from a DTD: refused before anything is expanded. */
                "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaa\"><!ENTITY b "
                "\"&a;&a;&a;&a;&a;&a;&a;&a;\">]><methodCall><methodName>&b;</methodName>"
                "</methodCall>",
                "<!DOCTYPE m SYSTEM \"http://example.invalid/x.dtd\"><methodCall><methodName>x"
                "</methodName></methodCall>",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *method = NULL, reason[160];
                HttpRpcValue *p = NULL;
                int r = parse(bad[i], &method, &p, reason);
                CHECKF(r == -EINVAL && reason[0] && !strchr(reason, '\n') && !method && !p,
                       "case %zu: %d '%s'", i, r, reason);
        }

        /* Nesting deeper than the limit. */
        char doc[8192] = "<methodCall><methodName>x</methodName><params><param>";
        for (int i = 0; i < HTTP_RPC_DEPTH_MAX + 2; i++)
                strcat(doc, "<value><array><data>");
        for (int i = 0; i < HTTP_RPC_DEPTH_MAX + 2; i++)
                strcat(doc, "</data></array></value>");
        strcat(doc, "</param></params></methodCall>");
        char *method = NULL, reason[160];
        HttpRpcValue *p = NULL;
        CHECK(parse(doc, &method, &p, reason) == -EINVAL && strstr(reason, "deeper"));
}

static void test_writer(void) {
        HttpBuf b = HTTP_BUF_NULL;
        HttpRpcValue *v = http_rpc_success(http_rpc_string("OpaqueRef:a<b"));

        http_rpc_write_response(&b, v);
        CHECK(strcmp(b.data, "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value>"
                             "<struct><member><name>Status</name><value>Success</value></member>"
                             "<member><name>Value</name><value>OpaqueRef:a&lt;b</value></member>"
                             "</struct></value></param></params></methodResponse>\n") == 0);
        http_buf_done(&b);
        http_rpc_value_free(v);

        v = http_rpc_failure("SESSION_AUTHENTICATION_FAILED", "root", "Authentication failure",
                             NULL);
        http_rpc_write_response(&b, v);
        CHECK(strcmp(b.data,
                     "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value>"
                     "<struct><member><name>Status</name><value>Failure</value></member>"
                     "<member><name>ErrorDescription</name><value><array><data>"
                     "<value>SESSION_AUTHENTICATION_FAILED</value><value>root</value>"
                     "<value>Authentication failure</value></data></array></value>"
                     "</member></struct></value></param></params></methodResponse>\n") == 0);
        http_buf_done(&b);
        http_rpc_value_free(v);

        v = http_rpc_array();
        CHECK(http_rpc_array_append(v, http_rpc_int(5)) == 0);
        CHECK(http_rpc_array_append(v, http_rpc_int(5000000000LL)) == 0);
        CHECK(http_rpc_array_append(v, http_rpc_bool(false)) == 0);
        CHECK(http_rpc_array_append(v, http_rpc_double(0.25)) == 0);
        CHECK(http_rpc_array_append(v, http_rpc_nil()) == 0);
        CHECK(http_rpc_array_append(v, http_rpc_string("")) == 0);
        http_rpc_write_response(&b, v);
        CHECK(strstr(b.data, "<value><array><data><value><int>5</int></value>"
                             "<value><i8>5000000000</i8></value>"
                             "<value><boolean>0</boolean></value>"
                             "<value><double>0.25</double></value><value><nil/></value>"
                             "<value></value></data></array></value>") != NULL);
        http_buf_done(&b);
        http_rpc_value_free(v);

        http_rpc_write_fault(&b, 400, "bad <thing>");
        CHECK(strcmp(b.data, "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct>"
                             "<member><name>faultCode</name><value><int>400</int></value></member>"
                             "<member><name>faultString</name><value>bad &lt;thing&gt;</value>"
                             "</member></struct></value></fault></methodResponse>\n") == 0);
        http_buf_done(&b);

        /* What we write, we read back. */
        v = http_rpc_struct();
        CHECK(http_rpc_struct_set(v, "k", http_rpc_string("a&b")) == 0);
        CHECK(http_rpc_struct_set(v, "k", http_rpc_string("replaced")) == 0);
        CHECK(v->strct.n == 1);
        http_rpc_write_response(&b, v); /* take its <value> into a call */
        char *val = strstr(b.data, "<value>");
        char *end = strstr(b.data, "</param></params></methodResponse>");
        HttpBuf call = HTTP_BUF_NULL;
        http_buf_puts(&call, "<methodCall><methodName>echo</methodName><params><param>");
        http_buf_put(&call, val, (size_t) (end - val));
        http_buf_puts(&call, "</param></params></methodCall>");
        char *method = NULL, reason[160];
        HttpRpcValue *p = NULL;
        CHECK(http_rpc_parse_call(call.data, call.len, &method, &p, reason, sizeof(reason)) == 0);
        CHECK(p && p->array.n == 1 &&
              strcmp(http_rpc_get_string(http_rpc_struct_get(p->array.items[0], "k")),
                     "replaced") == 0);
        free(method);
        http_rpc_value_free(p);
        http_buf_done(&call);
        http_buf_done(&b);
        http_rpc_value_free(v);
}

static int echo_count(void *u, const HttpRpcCall *call, const HttpRpcValue *params,
                      HttpRpcValue **ret) {
        int *calls = u;
        (*calls)++;
        *ret = http_rpc_success(http_rpc_int((int64_t) params->array.n));
        return 0;
}

static int broken(void *u, const HttpRpcCall *call, const HttpRpcValue *params,
                  HttpRpcValue **ret) {
        return -EIO;
}

static void test_table(void) {
        HttpRpcTable *t = NULL;
        HttpRpcValue *params = http_rpc_array(), *ret = NULL;
        int calls = 0;

        CHECK(http_rpc_table_new(&t) == 0);
        CHECK(http_rpc_table_register(t, "", echo_count, &calls) == -EINVAL);
        CHECK(http_rpc_table_register(t, "VM_metrics.get_record", echo_count, &calls) == 0);
        CHECK(http_rpc_table_register(t, "broken", broken, NULL) == 0);
        CHECK(http_rpc_array_append(params, http_rpc_string("OpaqueRef:x")) == 0);

        HttpRpcCall call = {.method = "VM_metrics.get_record"};
        CHECK(http_rpc_table_dispatch(t, &call, params, &ret) == 0);
        CHECK(calls == 1 && http_rpc_struct_get(ret, "Value")->i == 1);
        http_rpc_value_free(ret);

        call.method = "no.such";
        CHECK(http_rpc_table_dispatch(t, &call, params, &ret) == 0);
        const HttpRpcValue *ed = http_rpc_struct_get(ret, "ErrorDescription");
        CHECK(strcmp(http_rpc_get_string(http_rpc_struct_get(ret, "Status")), "Failure") == 0);
        CHECK(ed && ed->array.n == 2 &&
              strcmp(http_rpc_get_string(ed->array.items[0]), "MESSAGE_METHOD_UNKNOWN") == 0 &&
              strcmp(http_rpc_get_string(ed->array.items[1]), "no.such") == 0);
        http_rpc_value_free(ret);

        call.method = "broken";
        CHECK(http_rpc_table_dispatch(t, &call, params, &ret) == 0);
        ed = http_rpc_struct_get(ret, "ErrorDescription");
        CHECK(ed && strcmp(http_rpc_get_string(ed->array.items[0]), "INTERNAL_ERROR") == 0);
        http_rpc_value_free(ret);

        /* Registering again replaces the handler. */
        CHECK(http_rpc_table_register(t, "broken", echo_count, &calls) == 0);
        CHECK(http_rpc_table_dispatch(t, &call, params, &ret) == 0 && calls == 2);
        http_rpc_value_free(ret);
        http_rpc_value_free(params);
        http_rpc_table_free(t);
}

int main(void) {
        test_login_call();
        test_types();
        test_refusals();
        test_writer();
        test_table();
        return TAP_DONE();
}
