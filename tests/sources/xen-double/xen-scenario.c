/* SPDX-License-Identifier: MIT */
/*
 * Parser of the Xen test double's scenario files (the language is described in
 * xen-scenario.h). Strict: an unknown word, a repeated key, a number that does not fit or a
 * step left without `sample` is an error naming the line, never a guess.
 */

#include "tests/sources/xen-double/xen-scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd/macro.h"

/* A scenario line longer than this is a mistake. */
#define SCN_LINE_MAX 4096
#define SCN_CMDS_MAX 1000000

static const char *const kind_names[_SCN_KIND_MAX] = {
        [SCN_HYPERVISOR] = "hypervisor",
        [SCN_XENSTORED] = "xenstored",
        [SCN_HOST] = "host",
        [SCN_PCPU] = "pcpu",
        [SCN_DOMAIN] = "domain",
        [SCN_VCPU] = "vcpu",
        [SCN_VIF] = "vif",
        [SCN_VBD] = "vbd",
        [SCN_UNPLUG] = "unplug",
        [SCN_DESTROY] = "destroy",
        [SCN_VANISH] = "vanish",
        [SCN_XS] = "xs",
        [SCN_XS_RM] = "xs-rm",
        [SCN_FAIL] = "fail",
        [SCN_SAMPLE] = "sample",
        [SCN_TAP] = "tap",
        [SCN_MEMINFO] = "meminfo",
};

static const char *const key_names[_SCN_K_MAX] = {
        [SCN_K_PCPUS] = "pcpus",
        [SCN_K_TOTAL_PAGES] = "total_pages",
        [SCN_K_FREE_PAGES] = "free_pages",
        [SCN_K_IDLE] = "idle",
        [SCN_K_UUID] = "uuid",
        [SCN_K_VCPUS] = "vcpus",
        [SCN_K_PAGES] = "pages",
        [SCN_K_PAUSED] = "paused",
        [SCN_K_DYING] = "dying",
        [SCN_K_TIME] = "time",
        [SCN_K_ONLINE] = "online",
        [SCN_K_BLOCKED] = "blocked",
        [SCN_K_RUNNING] = "running",
        [SCN_K_RX] = "rx",
        [SCN_K_TX] = "tx",
        [SCN_K_RX_ERRORS] = "rx_errors",
        [SCN_K_TX_ERRORS] = "tx_errors",
        [SCN_K_TYPE] = "type",
        [SCN_K_RD_REQS] = "rd_reqs",
        [SCN_K_WR_REQS] = "wr_reqs",
        [SCN_K_RD_SECT] = "rd_sect",
        [SCN_K_WR_SECT] = "wr_sect",
        [SCN_K_OO_REQS] = "oo_reqs",
        [SCN_K_ERROR] = "error",
        [SCN_K_AT] = "at",
        [SCN_K_AVAILABLE] = "available",
        [SCN_K_AFTER] = "after",
};

#define K(k) (UINT32_C(1) << (k))
/* Keys each command accepts. */
static const uint32_t kind_keys[_SCN_KIND_MAX] = {
        [SCN_HOST] = K(SCN_K_PCPUS) | K(SCN_K_TOTAL_PAGES) | K(SCN_K_FREE_PAGES),
        [SCN_PCPU] = K(SCN_K_IDLE),
        [SCN_DOMAIN] =
                K(SCN_K_UUID) | K(SCN_K_VCPUS) | K(SCN_K_PAGES) | K(SCN_K_PAUSED) | K(SCN_K_DYING),
        [SCN_VCPU] = K(SCN_K_TIME) | K(SCN_K_ONLINE) | K(SCN_K_BLOCKED) | K(SCN_K_RUNNING),
        [SCN_VIF] = K(SCN_K_RX) | K(SCN_K_TX) | K(SCN_K_RX_ERRORS) | K(SCN_K_TX_ERRORS),
        [SCN_TAP] = K(SCN_K_RX) | K(SCN_K_TX) | K(SCN_K_RX_ERRORS) | K(SCN_K_TX_ERRORS),
        [SCN_MEMINFO] = K(SCN_K_AVAILABLE),
        [SCN_VBD] = K(SCN_K_TYPE) | K(SCN_K_RD_REQS) | K(SCN_K_WR_REQS) | K(SCN_K_RD_SECT) |
                    K(SCN_K_WR_SECT) | K(SCN_K_OO_REQS) | K(SCN_K_ERROR),
        [SCN_SAMPLE] = K(SCN_K_AT),
        [SCN_FAIL] = K(SCN_K_AFTER),
};
/* Keys whose value is 0 or 1. */
static const uint32_t bool_keys = K(SCN_K_PAUSED) | K(SCN_K_DYING) | K(SCN_K_ONLINE) |
                                  K(SCN_K_BLOCKED) | K(SCN_K_RUNNING) | K(SCN_K_ERROR);

static const char *const fn_names[_SCN_FN_MAX] = {
        [SCN_FN_XC_INTERFACE_OPEN] = "xc_interface_open",
        [SCN_FN_XC_PHYSINFO] = "xc_physinfo",
        [SCN_FN_XC_GETCPUINFO] = "xc_getcpuinfo",
        [SCN_FN_XC_DOMAIN_GETINFOLIST] = "xc_domain_getinfolist",
        [SCN_FN_XC_VCPU_GETINFO] = "xc_vcpu_getinfo",
        [SCN_FN_XS_OPEN] = "xs_open",
        [SCN_FN_XS_READ] = "xs_read",
        [SCN_FN_XENSTAT_INIT] = "xenstat_init",
        [SCN_FN_XENSTAT_GET_NODE] = "xenstat_get_node",
};

static const struct {
        const char *name;
        int value;
} errno_names[] = {
        {"EIO", EIO},
        {"ENOENT", ENOENT},
        {"ESRCH", ESRCH},
        {"EPERM", EPERM},
        {"EACCES", EACCES},
        {"ENOMEM", ENOMEM},
        {"EINVAL", EINVAL},
        {"EAGAIN", EAGAIN},
        {"ENODEV", ENODEV},
        {"EBUSY", EBUSY},
        {"ECONNREFUSED", ECONNREFUSED},
};

/**
 * scenario_fn_name() - the name of a function `fail` can break
 * @fn: the function
 *
 * Return: its name, or NULL when out of range.
 */
const char *scenario_fn_name(ScnFn fn) {
        return (unsigned) fn < _SCN_FN_MAX ? fn_names[fn] : NULL;
}

typedef struct Parser {
        const char *p, *end; /* the rest of the current line */
        unsigned line;
        char *errbuf;
        size_t errlen;
} Parser;

_printf_(2, 3) static int fail(Parser *ps, const char *fmt, ...) {
        va_list ap;
        int n;

        if (!ps->errbuf || ps->errlen == 0)
                return -EINVAL;
        n = snprintf(ps->errbuf, ps->errlen, "line %u: ", ps->line);
        if (n >= 0 && (size_t) n < ps->errlen) {
                va_start(ap, fmt);
                (void) vsnprintf(ps->errbuf + n, ps->errlen - (size_t) n, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static void skip_blanks(Parser *ps) {
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
                ps->p++;
}

/* The next blank-separated word; false at the end of the line. */
static bool word(Parser *ps, const char **ret, size_t *ret_len) {
        const char *s;

        skip_blanks(ps);
        s = ps->p;
        while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t')
                ps->p++;
        *ret = s;
        *ret_len = (size_t) (ps->p - s);
        return *ret_len > 0;
}

static bool word_is(const char *w, size_t n, const char *lit) {
        return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static int parse_u64(Parser *ps, const char *w, size_t n, uint64_t *ret) {
        uint64_t v = 0;

        if (n == 0)
                return fail(ps, "number expected");
        for (size_t i = 0; i < n; i++) {
                if (w[i] < '0' || w[i] > '9')
                        return fail(ps, "'%.*s' is not a decimal number", (int) n, w);
                unsigned d = (unsigned) (w[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return fail(ps, "'%.*s' is too large", (int) n, w);
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

static int positional_u32(Parser *ps, const char *what, uint32_t max, uint32_t *ret) {
        const char *w;
        size_t n;
        uint64_t v = 0;
        int r;

        if (!word(ps, &w, &n))
                return fail(ps, "%s expected", what);
        r = parse_u64(ps, w, n, &v);
        if (r < 0)
                return r;
        if (v > max)
                return fail(ps, "%s %llu is out of range", what, (unsigned long long) v);
        *ret = (uint32_t) v;
        return 0;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* 32 hex digits, dashes anywhere allowed: the double does not care about the 8-4-4-4-12 form. */
static int parse_uuid(Parser *ps, const char *w, size_t n, uint8_t out[16]) {
        unsigned nibbles = 0;

        memset(out, 0, 16);
        for (size_t i = 0; i < n; i++) {
                if (w[i] == '-')
                        continue;
                int h = hexval(w[i]);
                if (h < 0 || nibbles >= 32)
                        return fail(ps, "'%.*s' is not a uuid", (int) n, w);
                out[nibbles / 2] |= (uint8_t) (nibbles % 2 ? h : h << 4);
                nibbles++;
        }
        if (nibbles != 32)
                return fail(ps, "'%.*s' is not a uuid", (int) n, w);
        return 0;
}

static int parse_keys(Parser *ps, ScnCmd *c) {
        const char *w;
        size_t n;

        while (word(ps, &w, &n)) {
                const char *eq = memchr(w, '=', n);
                ScnKey k = _SCN_K_MAX;
                size_t klen;
                int r;

                if (!eq)
                        return fail(ps, "key=value expected, got '%.*s'", (int) n, w);
                klen = (size_t) (eq - w);
                for (int i = 0; i < _SCN_K_MAX; i++)
                        if (word_is(w, klen, key_names[i]))
                                k = (ScnKey) i;
                if (k == _SCN_K_MAX || !(kind_keys[c->kind] & K(k)))
                        return fail(ps, "'%s' does not take '%.*s'", kind_names[c->kind],
                                    (int) klen, w);
                if (scn_has(c, k))
                        return fail(ps, "'%s' given twice", key_names[k]);
                const char *val = eq + 1;
                size_t vlen = n - klen - 1;
                if (k == SCN_K_UUID)
                        r = parse_uuid(ps, val, vlen, c->uuid);
                else if (k == SCN_K_TYPE) {
                        r = 0;
                        if (word_is(val, vlen, "vbd"))
                                c->v[k] = 1;
                        else if (word_is(val, vlen, "tap"))
                                c->v[k] = 2;
                        else if (word_is(val, vlen, "qdisk"))
                                c->v[k] = 3;
                        else
                                r = fail(ps, "type must be vbd, tap or qdisk");
                } else {
                        r = parse_u64(ps, val, vlen, &c->v[k]);
                        if (r >= 0 && (bool_keys & K(k)) && c->v[k] > 1)
                                r = fail(ps, "'%s' must be 0 or 1", key_names[k]);
                }
                if (r < 0)
                        return r;
                c->set |= K(k);
        }
        return 0;
}

/* An xs value: the rest of the line, or a "quoted" string with escapes. */
static int parse_value(Parser *ps, ScnCmd *c) {
        const char *s;
        char *out;
        size_t o = 0;

        skip_blanks(ps);
        s = ps->p;
        out = malloc((size_t) (ps->end - s) + 1);
        if (!out)
                return -ENOMEM;
        c->value = out;
        if (s == ps->end || *s != '"') {
                size_t n = (size_t) (ps->end - s);
                /* Trailing blanks of an unquoted value are layout, not data. */
                while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                        n--;
                memcpy(out, s, n);
                out[n] = '\0';
                c->value_len = n;
                ps->p = ps->end;
                return 0;
        }
        for (s++; s < ps->end && *s != '"'; s++) {
                if (*s != '\\') {
                        out[o++] = *s;
                        continue;
                }
                if (++s >= ps->end)
                        return fail(ps, "escape at end of line");
                switch (*s) {
                case 'n':
                        out[o++] = '\n';
                        break;
                case 't':
                        out[o++] = '\t';
                        break;
                case '\\':
                case '"':
                        out[o++] = *s;
                        break;
                case 'x': {
                        int h1 = s + 1 < ps->end ? hexval(s[1]) : -1;
                        int h2 = s + 2 < ps->end ? hexval(s[2]) : -1;
                        if (h1 < 0 || h2 < 0)
                                return fail(ps, "\\x needs two hex digits");
                        out[o++] = (char) (h1 << 4 | h2);
                        s += 2;
                        break;
                }
                default:
                        return fail(ps, "unknown escape \\%c", *s);
                }
        }
        if (s >= ps->end)
                return fail(ps, "unterminated quoted value");
        ps->p = s + 1;
        skip_blanks(ps);
        if (ps->p != ps->end)
                return fail(ps, "text after the quoted value");
        out[o] = '\0';
        c->value_len = o;
        return 0;
}

static int parse_line(Parser *ps, ScnCmd *c) {
        const char *w;
        size_t n;
        int r;

        if (!word(ps, &w, &n))
                return 0;
        c->kind = _SCN_KIND_MAX;
        for (int i = 0; i < _SCN_KIND_MAX; i++)
                if (word_is(w, n, kind_names[i]))
                        c->kind = (ScnKind) i;
        if (c->kind == _SCN_KIND_MAX)
                return fail(ps, "unknown command '%.*s'", (int) n, w);
        c->line = ps->line;

        switch (c->kind) {
        case SCN_HYPERVISOR:
        case SCN_XENSTORED:
                if (!word(ps, &w, &n) || !(word_is(w, n, "absent") || word_is(w, n, "present")))
                        return fail(ps, "'absent' or 'present' expected");
                c->flag = word_is(w, n, "present");
                break;
        case SCN_PCPU:
                r = positional_u32(ps, "pCPU index", 4095, &c->a);
                if (r < 0)
                        return r;
                break;
        case SCN_DOMAIN:
        case SCN_DESTROY:
        case SCN_VANISH:
                r = positional_u32(ps, "domid", 0x7fef, &c->a);
                if (r < 0)
                        return r;
                break;
        case SCN_VCPU:
        case SCN_VIF:
        case SCN_TAP:
        case SCN_VBD:
                r = positional_u32(ps, "domid", 0x7fef, &c->a);
                if (r >= 0)
                        r = positional_u32(ps, c->kind == SCN_VCPU ? "vCPU index" : "device",
                                           c->kind == SCN_VCPU ? 8191 : UINT32_MAX, &c->b);
                if (r < 0)
                        return r;
                break;
        case SCN_UNPLUG:
                r = positional_u32(ps, "domid", 0x7fef, &c->a);
                if (r < 0)
                        return r;
                if (!word(ps, &w, &n))
                        return fail(ps, "'vif', 'tap' or 'vbd' expected");
                if (word_is(w, n, "vif"))
                        c->unplug = SCN_VIF;
                else if (word_is(w, n, "tap"))
                        c->unplug = SCN_TAP;
                else if (word_is(w, n, "vbd"))
                        c->unplug = SCN_VBD;
                else
                        return fail(ps, "'vif', 'tap' or 'vbd' expected");
                r = positional_u32(ps, "device", UINT32_MAX, &c->b);
                if (r < 0)
                        return r;
                break;
        case SCN_XS:
        case SCN_XS_RM:
                if (!word(ps, &w, &n) || w[0] != '/')
                        return fail(ps, "absolute xenstore path expected");
                c->path = strndup(w, n);
                if (!c->path)
                        return -ENOMEM;
                if (c->kind == SCN_XS) {
                        r = parse_value(ps, c);
                        if (r < 0)
                                return r;
                }
                break;
        case SCN_FAIL: {
                bool found = false;
                if (!word(ps, &w, &n))
                        return fail(ps, "function name expected");
                for (int i = 0; i < _SCN_FN_MAX; i++)
                        if (word_is(w, n, fn_names[i])) {
                                c->fn = (ScnFn) i;
                                found = true;
                        }
                if (!found)
                        return fail(ps, "'%.*s' cannot be made to fail", (int) n, w);
                if (!word(ps, &w, &n))
                        return fail(ps, "errno name expected");
                found = false;
                for (size_t i = 0; i < ELEMENTSOF(errno_names); i++)
                        if (word_is(w, n, errno_names[i].name)) {
                                c->err = errno_names[i].value;
                                found = true;
                        }
                if (!found)
                        return fail(ps, "unknown errno '%.*s'", (int) n, w);
                break;
        }
        default:
                break;
        }

        r = parse_keys(ps, c);
        if (r < 0)
                return r;
        if (c->kind == SCN_SAMPLE && !scn_has(c, SCN_K_AT))
                return fail(ps, "sample needs at=USEC");
        if (c->kind == SCN_MEMINFO && !scn_has(c, SCN_K_AVAILABLE))
                return fail(ps, "meminfo needs available=KIB");
        return 1;
}

static void cmd_clear(ScnCmd *c) {
        free(c->path);
        free(c->value);
        *c = (ScnCmd){};
}

/**
 * scenario_free() - free a parsed scenario
 * @s: the scenario, or NULL
 *
 * Return: NULL.
 */
Scenario *scenario_free(Scenario *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_cmds; i++)
                cmd_clear(&s->cmds[i]);
        free(s->cmds);
        free(s);
        return NULL;
}

DEFINE_FREEP(Scenario, scenario_free)

/**
 * scenario_parse() - parse scenario text
 * @text: the text; NULs in it are errors
 * @len: its length
 * @ret: receives the scenario, untouched on error
 * @errbuf: receives "line N: what is wrong" on error; may be NULL
 * @errlen: its size
 *
 * Return: 0, -EINVAL for bad text (explained in @errbuf), -ENOMEM.
 */
int scenario_parse(const char *text, size_t len, Scenario **ret, char *errbuf, size_t errlen) {
        _cleanup_(scenario_freep) Scenario *s = calloc(1, sizeof(*s));
        Parser ps = {.errbuf = errbuf, .errlen = errlen};
        size_t alloc = 0, pos = 0;
        bool open_step = false;

        if (!s)
                return -ENOMEM;
        if (errbuf && errlen)
                errbuf[0] = '\0';
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t end = nl ? (size_t) (nl - text) : len;
                const char *hash;
                ScnCmd c = {};
                int r;

                ps.line++;
                ps.p = text + pos;
                ps.end = text + end;
                pos = end + 1;
                if (memchr(ps.p, '\0', (size_t) (ps.end - ps.p)))
                        return fail(&ps, "NUL byte");
                if (ps.end - ps.p > SCN_LINE_MAX)
                        return fail(&ps, "line too long");
                if (ps.end > ps.p && ps.end[-1] == '\r')
                        ps.end--;
                /* A comment runs to the end of the line, except inside an xs value. */
                hash = memchr(ps.p, '#', (size_t) (ps.end - ps.p));
                if (hash) {
                        const char *w;
                        size_t n;
                        Parser peek = ps;
                        if (!(word(&peek, &w, &n) && word_is(w, n, "xs")))
                                ps.end = hash;
                }

                r = parse_line(&ps, &c);
                if (r <= 0) {
                        cmd_clear(&c);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (s->n_cmds >= SCN_CMDS_MAX) {
                        cmd_clear(&c);
                        return fail(&ps, "too many lines");
                }
                if (s->n_cmds == alloc) {
                        size_t n = alloc ? alloc * 2 : 64;
                        ScnCmd *a = realloc(s->cmds, n * sizeof(*a));
                        if (!a) {
                                cmd_clear(&c);
                                return -ENOMEM;
                        }
                        s->cmds = a;
                        alloc = n;
                }
                s->cmds[s->n_cmds++] = c;
                open_step = c.kind != SCN_SAMPLE;
                if (c.kind == SCN_SAMPLE)
                        s->n_steps++;
        }
        if (open_step)
                return fail(&ps, "the last step has no 'sample' line");
        if (s->n_steps == 0)
                return fail(&ps, "no 'sample' line");
        *ret = TAKE_PTR(s);
        return 0;
}
