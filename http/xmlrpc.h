#pragma once
/* SPDX-License-Identifier: MIT */
/*
 * XML-RPC for POST / and /RPC2: a value tree, a parser of methodCall documents (libxml2 with
 * XML_PARSE_NONET, no DTD, bounded size and depth), a writer of methodResponse documents, the
 * XenAPI result shapes ({Status: Success, Value} / {Status: Failure, ErrorDescription}) and a
 * table of methods that the server and, later, the daemon register handlers in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/buf.h"
#include "rrdd/macro.h"

#define HTTP_RPC_DEPTH_MAX 32
#define HTTP_RPC_VALUES_MAX 100000 /* values in one request */

typedef enum HttpRpcType {
        HTTP_RPC_NIL,
        HTTP_RPC_BOOL,
        HTTP_RPC_INT,
        HTTP_RPC_DOUBLE,
        HTTP_RPC_STRING,
        HTTP_RPC_DATETIME, /* the ISO 8601 text as sent */
        HTTP_RPC_BASE64,   /* the base64 text as sent */
        HTTP_RPC_ARRAY,
        HTTP_RPC_STRUCT,
        _HTTP_RPC_TYPE_MAX,
} HttpRpcType;

typedef struct HttpRpcValue HttpRpcValue;

typedef struct HttpRpcMember {
        char *name;
        HttpRpcValue *value;
} HttpRpcMember;

struct HttpRpcValue {
        HttpRpcType type;
        union {
                bool b;
                int64_t i;
                double d;
                struct {
                        char *s; /* NUL-terminated (XML cannot carry NUL) */
                        size_t len;
                } str;
                struct {
                        HttpRpcValue **items;
                        size_t n;
                } array;
                struct {
                        HttpRpcMember *members;
                        size_t n;
                } strct;
        };
};

HttpRpcValue *http_rpc_value_free(HttpRpcValue *v);
DEFINE_FREEP(HttpRpcValue, http_rpc_value_free);

/* Constructors; NULL when out of memory. Container setters take ownership of v, also on error
 * (freeing it), and return 0 or -ENOMEM. */
HttpRpcValue *http_rpc_nil(void);
HttpRpcValue *http_rpc_bool(bool b);
HttpRpcValue *http_rpc_int(int64_t i);
HttpRpcValue *http_rpc_double(double d);
HttpRpcValue *http_rpc_string(const char *s);
/* A dateTime.iso8601 from seconds since the epoch, in UTC ("19700101T00:00:00Z"). */
HttpRpcValue *http_rpc_datetime(int64_t t);
HttpRpcValue *http_rpc_array(void);
HttpRpcValue *http_rpc_struct(void);
int http_rpc_array_append(HttpRpcValue *a, HttpRpcValue *v);
int http_rpc_struct_set(HttpRpcValue *s, const char *name, HttpRpcValue *v);

/* Lookups: the member of a struct, or NULL; the string of a STRING value, or NULL. */
const HttpRpcValue *http_rpc_struct_get(const HttpRpcValue *s, const char *name);
const char *http_rpc_get_string(const HttpRpcValue *v);

/* XenAPI shapes. success takes ownership of value (NULL: an empty string). */
HttpRpcValue *http_rpc_success(HttpRpcValue *value);
/* Failure with ErrorDescription [code, args...]; the list ends with NULL. */
HttpRpcValue *http_rpc_failure(const char *code, ...) __attribute__((sentinel));

/*
 * http_rpc_parse_call() - a methodCall document of len bytes. Return: 0 with the method name
 * and the params as an ARRAY value, or -EINVAL with a one-line reason, or -ENOMEM.
 */
int http_rpc_parse_call(const char *body, size_t len, char **ret_method, HttpRpcValue **ret_params,
                        char *reason, size_t reason_size);

/* A methodResponse carrying v. */
void http_rpc_write_response(HttpBuf *b, const HttpRpcValue *v);
/* A methodResponse carrying a fault. */
void http_rpc_write_fault(HttpBuf *b, int code, const char *message);

/* ---- the method table ---- */

typedef struct HttpRpcCall {
        const char *method;
        /* What the HTTP request itself proved: valid Basic, pool secret or session cookie. */
        bool http_authenticated;
        const char *http_user; /* the Basic or session user, NULL for the pool secret/none */
        void *server;          /* the HttpServer, for http_server_session_user() */
} HttpRpcCall;

/*
 * A method: receives the params (an ARRAY, maybe empty) and returns, through *ret, the value
 * to send (normally http_rpc_success(...) or http_rpc_failure(...)). A negative return is an
 * internal error, answered as Failure INTERNAL_ERROR.
 */
typedef int (*HttpRpcHandler)(void *userdata, const HttpRpcCall *call, const HttpRpcValue *params,
                              HttpRpcValue **ret);

typedef struct HttpRpcTable HttpRpcTable;

int http_rpc_table_new(HttpRpcTable **ret);
HttpRpcTable *http_rpc_table_free(HttpRpcTable *t);
DEFINE_FREEP(HttpRpcTable, http_rpc_table_free);
/* Adds or replaces a method. Return: 0, -EINVAL for an empty name, -ENOMEM. */
int http_rpc_table_register(HttpRpcTable *t, const char *name, HttpRpcHandler h, void *userdata);
/* Calls a method; unknown ones answer Failure MESSAGE_METHOD_UNKNOWN. Return: 0 or -ENOMEM. */
int http_rpc_table_dispatch(HttpRpcTable *t, const HttpRpcCall *call, const HttpRpcValue *params,
                            HttpRpcValue **ret);
