/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the XML-RPC request parser. A call that parses is written back as a response
 * and read again: the second reading must give the same response bytes (the writer and the
 * parser agree on every value they accept).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The methodResponse of v, rewrapped as a methodCall with one param. */
static void as_call(const HttpRpcValue *v, HttpBuf *call, HttpBuf *resp) {
        http_rpc_write_response(resp, v);
        const char *val = strstr(resp->data, "<param>");
        const char *end = strstr(resp->data, "</param></params></methodResponse>");
        http_buf_puts(call, "<methodCall><methodName>m</methodName><params>");
        http_buf_put(call, val, (size_t) (end - val));
        http_buf_puts(call, "</param></params></methodCall>");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *method = NULL, reason[160];
        HttpRpcValue *params = NULL;

        if (size > 1 << 20)
                return 0;
        if (http_rpc_parse_call((const char *) data, size, &method, &params, reason,
                                sizeof(reason)) < 0)
                return 0;
        if (!method || !params || params->type != HTTP_RPC_ARRAY)
                abort();

        HttpBuf call1 = HTTP_BUF_NULL, resp1 = HTTP_BUF_NULL;
        as_call(params, &call1, &resp1);
        char *method2 = NULL;
        HttpRpcValue *params2 = NULL;
        if (!call1.failed) {
                if (http_rpc_parse_call(call1.data, call1.len, &method2, &params2, reason,
                                        sizeof(reason)) < 0)
                        abort();
                HttpBuf call2 = HTTP_BUF_NULL, resp2 = HTTP_BUF_NULL;
                if (params2->array.n != 1)
                        abort();
                as_call(params2->array.items[0], &call2, &resp2);
                /* resp1 holds the array of params; resp2 the same array, read back. */
                if (!resp2.failed && strcmp(resp1.data, resp2.data) != 0)
                        abort();
                http_buf_done(&call2);
                http_buf_done(&resp2);
        }
        free(method2);
        http_rpc_value_free(params2);
        http_buf_done(&call1);
        http_buf_done(&resp1);
        free(method);
        http_rpc_value_free(params);
        return 0;
}
