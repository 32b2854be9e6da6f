/* SPDX-License-Identifier: MIT */
/*
 * The archive reader: libxml2's xmlTextReader pulls one node at a time from a 64 KiB input
 * window (inflated on the fly when the input is gzip), and a recursive-descent pass over those
 * nodes checks the structure and collects definitions, scratch state and rows. Element names
 * are compared as pointers into the reader's dictionary; text is copied into a fixed buffer;
 * rows go into one growing array. The RRD is built with rrd_new() and the state setters only
 * once the whole document has been accepted, so an error never yields a partial RRD.
 *
 * Our own archives take a fast path first: a tokenizer for the small subset of XML our writer
 * produces (no attributes but <lastupdate usec>, no references, comments or DOCTYPE, printable
 * ASCII text) feeds the same recursive-descent pass straight from memory. Anything outside the
 * subset, and any error at all, abandons that attempt and the document is read again through
 * xmlTextReader, so what is accepted, what is built and every error message are libxml2's path's.
 *
 * Accepted: our own archives; `rrdtool dump` output (declaration, DOCTYPE without internal
 * subset, comments, whitespace, " g "-padded names, %0.10e numbers read with rrdtool's parser,
 * version 0003..0005); xcp-rrdd's public and internal forms (a <last_updated> per data source,
 * heartbeat Infinity). Element names are case-sensitive (rrdtool restore ignores case; no
 * writer we know of uses anything but lower case).
 */

#include "persist/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "consolidate/num.h"
#include "persist/numtext.h"
#include "rrdd/macro.h"

#define IO_CHUNK (64 * 1024)
#define TEXT_MAX 256 /* longest element text kept: a 127-byte name with generous padding */
#define FAST_DEPTH                                                                    \
        8 /* deepest nesting the fast path follows; ours is 5 (rrd/rra/cdp_prep/ds/x) \
           */
/* The fast path met something outside its subset (never returned to callers). */
#define FAST_BAIL (-ECANCELED)

/* Every element name we know, interned once per reader. */
typedef enum Name {
        N_RRD,
        N_VERSION,
        N_STEP,
        N_LASTUPDATE,
        N_DS,
        N_NAME,
        N_TYPE,
        N_HEARTBEAT,
        N_MIN,
        N_MAX,
        N_LAST_DS,
        N_VALUE,
        N_UNKNOWN_SEC,
        N_LAST_UPDATED,
        N_RRA,
        N_CF,
        N_PDP_PER_ROW,
        N_PARAMS,
        N_XFF,
        N_CDP_PREP,
        N_PRIMARY_VALUE,
        N_SECONDARY_VALUE,
        N_UNKNOWN_DATAPOINTS,
        N_DATABASE,
        N_ROW,
        N_V,
        N_USEC,
        _N_MAX,
} Name;

static const char *const name_text[_N_MAX] = {
        [N_RRD] = "rrd",
        [N_VERSION] = "version",
        [N_STEP] = "step",
        [N_LASTUPDATE] = "lastupdate",
        [N_DS] = "ds",
        [N_NAME] = "name",
        [N_TYPE] = "type",
        [N_HEARTBEAT] = "minimal_heartbeat",
        [N_MIN] = "min",
        [N_MAX] = "max",
        [N_LAST_DS] = "last_ds",
        [N_VALUE] = "value",
        [N_UNKNOWN_SEC] = "unknown_sec",
        [N_LAST_UPDATED] = "last_updated",
        [N_RRA] = "rra",
        [N_CF] = "cf",
        [N_PDP_PER_ROW] = "pdp_per_row",
        [N_PARAMS] = "params",
        [N_XFF] = "xff",
        [N_CDP_PREP] = "cdp_prep",
        [N_PRIMARY_VALUE] = "primary_value",
        [N_SECONDARY_VALUE] = "secondary_value",
        [N_UNKNOWN_DATAPOINTS] = "unknown_datapoints",
        [N_DATABASE] = "database",
        [N_ROW] = "row",
        [N_V] = "v",
        [N_USEC] = "usec",
};

#define BIT(n) (UINT32_C(1) << (n))

/* The raw bytes: a memory block or a file descriptor, optionally gzip, with a size limit. */
typedef struct Input {
        int fd; /* -1: memory */
        const uint8_t *mem;
        size_t mem_len;
        size_t mem_pos;
        uint8_t *raw; /* fd read window */
        size_t raw_len;
        size_t raw_pos;
        bool gzip;
        bool z_ready;
        bool z_member_done;
        z_stream z;
        uint64_t n_out;
        uint64_t max_bytes;
        int error; /* first I/O or decompression failure, -errno */
        const char *error_what;
} Input;

typedef struct RraBuild {
        RrdRraDef def;
        RrdCdpState *cdp;  /* n_ds */
        size_t values_off; /* first value of this archive's rows in Loader.values */
} RraBuild;

typedef struct Loader {
        xmlTextReaderPtr reader;
        PersistLimits limits;
        PersistError *err;
        Input in;
        const xmlChar *names[_N_MAX];

        /* The fast path's tokenizer (names[] then point at name_text[]). */
        bool fast;
        const char *fast_start, *fast_pos, *fast_end;
        Name fast_open[FAST_DEPTH]; /* the open elements, outermost first */
        size_t name_len[_N_MAX];
        size_t fast_depth;
        bool fast_root_done;
        const char *fast_usec; /* <lastupdate usec="...">: the digits, or NULL */
        size_t fast_usec_len;

        /* The current node. */
        const xmlChar *name;
        bool empty;
        const char *value; /* text: value_len bytes, not necessarily NUL-terminated */
        size_t value_len;

        /* Text of the current leaf element, trimmed, NUL-terminated. */
        char text[TEXT_MAX + 1];
        size_t text_len;
        const char *txt;
        size_t txt_len;

        /* First libxml2 error, kept for the report. */
        char xml_msg[160];
        unsigned long xml_line;

        /* The document so far. */
        uint32_t seen_rrd; /* BIT(Name) of the header elements seen */
        unsigned version;
        uint64_t step;
        int64_t last_up;
        uint32_t last_up_usec;
        bool has_usec_attr;
        RrdDsDef *ds;
        RrdDsState *ds_state;
        size_t n_ds;
        size_t cap_ds;
        size_t cap_ds_state;
        RraBuild rra[RRD_MAX_RRA];
        size_t n_rra;
        double *values;
        size_t n_values;
        size_t cap_values;
} Loader;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void) {
        /* libxml2 2.9 wants this once, before any thread parses. */
        xmlInitParser();
}

static void loader_done(Loader *l) {
        if (l->reader)
                xmlFreeTextReader(l->reader);
        if (l->in.z_ready)
                (void) inflateEnd(&l->in.z);
        free(l->in.raw);
        free(l->ds);
        free(l->ds_state);
        for (size_t i = 0; i < l->n_rra; i++)
                free(l->rra[i].cdp);
        free(l->values);
}

static unsigned long node_line(Loader *l) {
        xmlNodePtr node = l->reader ? xmlTextReaderCurrentNode(l->reader) : NULL;
        long line = node ? xmlGetLineNo(node) : -1;

        if (line <= 0 && l->reader)
                line = xmlTextReaderGetParserLineNumber(l->reader);
        return line > 0 ? (unsigned long) line : 0;
}

static int fail(Loader *l, int r, const xmlChar *element, const char *fmt, ...) _printf_(4, 5);

/* Records the first error (line, element, message) and returns r. */
static int fail(Loader *l, int r, const xmlChar *element, const char *fmt, ...) {
        PersistError *e = l->err;
        va_list ap;

        if (e->message[0])
                return r;
        e->line = node_line(l);
        (void) snprintf(e->element, sizeof(e->element), "%s",
                        element ? (const char *) element : "");
        va_start(ap, fmt);
        (void) vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
        return r;
}

/* ---- input ---- */

/* Up to max raw bytes; *ret_len 0 at end of input. */
static int input_raw(Input *in, size_t max, const uint8_t **ret, size_t *ret_len) {
        if (in->fd < 0) {
                size_t k = in->mem_len - in->mem_pos;
                if (k > max)
                        k = max;
                *ret = in->mem + in->mem_pos;
                *ret_len = k;
                in->mem_pos += k;
                return 0;
        }
        if (in->raw_pos >= in->raw_len) {
                ssize_t n;
                do
                        n = read(in->fd, in->raw, IO_CHUNK);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        return -errno;
                in->raw_len = (size_t) n;
                in->raw_pos = 0;
        }
        size_t k = in->raw_len - in->raw_pos;
        if (k > max)
                k = max;
        *ret = in->raw + in->raw_pos;
        *ret_len = k;
        in->raw_pos += k;
        return 0;
}

static int input_fail(Input *in, int error, const char *what) {
        if (!in->error) {
                in->error = error;
                in->error_what = what;
        }
        return -1;
}

/* libxml2's read callback: plain bytes, or inflated ones; -1 on failure (recorded in Input). */
static int input_read(void *ctx, char *buf, int len) {
        Input *in = ctx;
        size_t produced = 0;
        const uint8_t *p;
        size_t k;
        int r;

        if (in->error || len <= 0)
                return in->error ? -1 : 0;
        if (!in->gzip) {
                r = input_raw(in, (size_t) len, &p, &k);
                if (r < 0)
                        return input_fail(in, r, "read");
                memcpy(buf, p, k);
                produced = k;
        } else {
                while (produced == 0) {
                        if (in->z.avail_in == 0) {
                                r = input_raw(in, IO_CHUNK, &p, &k);
                                if (r < 0)
                                        return input_fail(in, r, "read");
                                if (k == 0) {
                                        if (!in->z_member_done)
                                                return input_fail(in, -EBADMSG,
                                                                  "gzip data is truncated");
                                        return 0;
                                }
                                in->z.next_in = (Bytef *) (uintptr_t) p;
                                in->z.avail_in = (uInt) k;
                        }
                        if (in->z_member_done) {
                                /* More bytes after a complete member: another member follows. */
                                if (inflateReset(&in->z) != Z_OK)
                                        return input_fail(in, -EBADMSG, "gzip data is corrupt");
                                in->z_member_done = false;
                        }
                        in->z.next_out = (Bytef *) buf;
                        in->z.avail_out = (uInt) len;
                        r = inflate(&in->z, Z_NO_FLUSH);
                        if (r == Z_STREAM_END)
                                in->z_member_done = true;
                        else if (r == Z_MEM_ERROR)
                                return input_fail(in, -ENOMEM, "out of memory");
                        else if (r != Z_OK && r != Z_BUF_ERROR)
                                return input_fail(in, -EBADMSG, "gzip data is corrupt");
                        produced = (size_t) len - in->z.avail_out;
                }
        }
        in->n_out += produced;
        if (in->n_out > in->max_bytes)
                return input_fail(in, -EFBIG, "document too large");
        return (int) produced;
}

/* Reads the first bytes to see whether the input is gzip (magic 1f 8b). */
static int input_start(Input *in) {
        const uint8_t *head;
        size_t n;

        if (in->fd < 0) {
                head = in->mem;
                n = in->mem_len;
        } else {
                in->raw = malloc(IO_CHUNK);
                if (!in->raw)
                        return -ENOMEM;
                /* Fill the window once and leave it unconsumed. */
                int r = input_raw(in, 0, &head, &n);
                if (r < 0)
                        return r;
                head = in->raw;
                n = in->raw_len;
        }
        in->gzip = n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        if (in->gzip) {
                /* 15 + 16: gzip wrapper only, largest window. */
                if (inflateInit2(&in->z, 15 + 16) != Z_OK)
                        return -ENOMEM;
                in->z_ready = true;
        }
        return 0;
}

/* ---- nodes ---- */

typedef enum Tok {
        TOK_START,
        TOK_END,
        TOK_TEXT,
        TOK_EOF,
} Tok;

static void xml_error(void *ctx, xmlErrorPtr e) {
        Loader *l = ctx;
        size_t n;

        if (!e || e->level < XML_ERR_ERROR || l->xml_msg[0])
                return;
        (void) snprintf(l->xml_msg, sizeof(l->xml_msg), "%s", e->message ? e->message : "error");
        n = strlen(l->xml_msg);
        while (n > 0 && (l->xml_msg[n - 1] == '\n' || l->xml_msg[n - 1] == ' '))
                l->xml_msg[--n] = '\0';
        l->xml_line = e->line > 0 ? (unsigned long) e->line : 0;
}

/*
 * libxml2 reports some failures (encoding conversion, I/O) through its generic handler, which
 * prints to stderr by default; that handler is per thread, so we catch them for the duration of
 * a load and keep the first as the error message.
 */
static void xml_generic_error(void *ctx, const char *fmt, ...) _printf_(2, 3);

static void xml_generic_error(void *ctx, const char *fmt, ...) {
        Loader *l = ctx;
        va_list ap;
        size_t n;

        if (!l || l->xml_msg[0])
                return;
        va_start(ap, fmt);
        (void) vsnprintf(l->xml_msg, sizeof(l->xml_msg), fmt, ap);
        va_end(ap);
        n = strlen(l->xml_msg);
        while (n > 0 && (l->xml_msg[n - 1] == '\n' || l->xml_msg[n - 1] == ' '))
                l->xml_msg[--n] = '\0';
}

static int read_failed(Loader *l) {
        PersistError *e = l->err;
        int r;

        if (l->in.error == -EFBIG)
                r = fail(l, -EFBIG, NULL, "document larger than %" PRIu64 " bytes",
                         l->limits.max_bytes);
        else if (l->in.error == -EBADMSG)
                r = fail(l, -EBADMSG, NULL, "%s", l->in.error_what);
        else if (l->in.error)
                r = fail(l, l->in.error, NULL, "%s: %s", l->in.error_what, strerror(-l->in.error));
        else if (l->in.n_out == 0)
                r = fail(l, -EBADMSG, NULL, "empty document");
        else
                r = fail(l, -EBADMSG, NULL, "malformed XML: %s",
                         l->xml_msg[0] ? l->xml_msg : "parse error");
        /* libxml2 knows where its own errors are; input errors have no useful position. */
        if (l->in.error)
                e->line = 0;
        else if (l->xml_line)
                e->line = l->xml_line;
        return r;
}

/* The DTD node: only a bare DOCTYPE (as rrdtool writes) is accepted, no declarations. */
static int check_dtd(Loader *l) {
        xmlNodePtr node = xmlTextReaderCurrentNode(l->reader);

        if (node && node->type == XML_DTD_NODE) {
                xmlDtdPtr dtd = (xmlDtdPtr) node;
                if (dtd->children || dtd->entities || dtd->elements || dtd->attributes ||
                    dtd->notations || dtd->pentities)
                        return fail(l, -EBADMSG, NULL,
                                    "DOCTYPE with an internal subset is not accepted");
        }
        return 0;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool all_space(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!is_space(s[i]))
                        return false;
        return true;
}

/* The element name at s (n bytes), or _N_MAX when it is none of ours. */
static Name fast_name(const Loader *l, const char *s, size_t n) {
        /* <v> and <row> are nine tenths of every archive. */
        if (n == 1 && s[0] == 'v')
                return N_V;
        if (n == 3 && s[0] == 'r' && s[1] == 'o' && s[2] == 'w')
                return N_ROW;
        for (int i = 0; i < _N_MAX; i++)
                if (l->name_len[i] == n && memcmp(name_text[i], s, n) == 0)
                        return (Name) i;
        return _N_MAX;
}

/*
 * Bytes of text: FAST_TEXT passes through as is (printable ASCII, tab, newline); FAST_LT ends
 * the text; anything else (the characters that could start a reference, >, so no "]]>", CR,
 * which XML would normalise, controls, non-ASCII) is outside the subset.
 */
enum { FAST_OTHER = 0, FAST_TEXT = 1, FAST_LT = 2 };
static const uint8_t fast_class[256] = {
        ['\t'] = FAST_TEXT,
        ['\n'] = FAST_TEXT,
        /* printable ASCII but & (0x26), < (0x3c) and > (0x3e) */
        [0x20 ... 0x25] = FAST_TEXT,
        [0x27 ... 0x3b] = FAST_TEXT,
        ['<'] = FAST_LT,
        [0x3d] = FAST_TEXT,
        [0x3f ... 0x7e] = FAST_TEXT,
};

static const char *const fast_declarations[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<?xml version=\"1.0\"?>",
};

/*
 * The fast path's next(): the same tokens from the subset of XML described at the top, straight
 * from memory; FAST_BAIL for anything else (libxml2 then decides what it is).
 */
static int fast_next(Loader *l, Tok *ret) {
        const char *p = l->fast_pos, *end = l->fast_end, *q;
        Name name;

        for (;;) {
                if (p == end) {
                        if (l->fast_depth > 0 || !l->fast_root_done)
                                return FAST_BAIL;
                        *ret = TOK_EOF;
                        return 0;
                }
                if (*p != '<') {
                        for (q = p; q < end && fast_class[(uint8_t) *q] == FAST_TEXT; q++)
                                ;
                        if (q < end && *q != '<')
                                return FAST_BAIL;
                        if (l->fast_depth == 0) {
                                /* Outside the root only whitespace, which no one sees. */
                                if (!all_space(p, (size_t) (q - p)))
                                        return FAST_BAIL;
                                p = q;
                                continue;
                        }
                        l->value = p;
                        l->value_len = (size_t) (q - p);
                        l->fast_pos = q;
                        *ret = TOK_TEXT;
                        return 0;
                }
                if (p + 1 < end && p[1] == '?') {
                        /* Only one of the declarations we know, and only at the very start. */
                        if (p != l->fast_start)
                                return FAST_BAIL;
                        size_t i, k = 0;
                        for (i = 0; i < ELEMENTSOF(fast_declarations); i++) {
                                k = strlen(fast_declarations[i]);
                                if ((size_t) (end - p) >= k &&
                                    memcmp(p, fast_declarations[i], k) == 0)
                                        break;
                        }
                        if (i == ELEMENTSOF(fast_declarations))
                                return FAST_BAIL;
                        p += k;
                        continue;
                }
                break;
        }
        if (p + 1 < end && p[1] == '/') {
                /* Only the open element's name, then '>' (no name of ours holds a '>'). */
                if (l->fast_depth == 0)
                        return FAST_BAIL;
                name = l->fast_open[l->fast_depth - 1];
                size_t n = l->name_len[name];
                q = p + 2 + n;
                if (end - q < 1 || *q != '>' || memcmp(p + 2, name_text[name], n) != 0)
                        return FAST_BAIL;
                l->fast_depth--;
                if (l->fast_depth == 0)
                        l->fast_root_done = true;
                l->name = l->names[name];
                l->fast_pos = q + 1;
                *ret = TOK_END;
                return 0;
        }
        /* A start tag: <name>, <name/>, or <lastupdate usec="digits">. */
        for (q = p + 1; q < end && ((*q >= 'a' && *q <= 'z') || *q == '_'); q++)
                ;
        name = fast_name(l, p + 1, (size_t) (q - (p + 1)));
        if (name == _N_MAX || q == end || (l->fast_depth == 0 && l->fast_root_done))
                return FAST_BAIL;
        l->fast_usec = NULL;
        if (*q == ' ' && name == N_LASTUPDATE) {
                static const char attr[] = " usec=\"";
                const size_t k = sizeof(attr) - 1;
                if ((size_t) (end - q) < k || memcmp(q, attr, k) != 0)
                        return FAST_BAIL;
                q += k;
                l->fast_usec = q;
                while (q < end && *q >= '0' && *q <= '9')
                        q++;
                l->fast_usec_len = (size_t) (q - l->fast_usec);
                if (q == end || *q != '"')
                        return FAST_BAIL;
                q++;
        }
        if (q < end && *q == '>') {
                if (l->fast_depth == FAST_DEPTH)
                        return FAST_BAIL;
                l->fast_open[l->fast_depth++] = name;
                l->empty = false;
                q++;
        } else if (end - q >= 2 && q[0] == '/' && q[1] == '>') {
                if (l->fast_depth == 0)
                        return FAST_BAIL; /* an empty root: libxml2's to judge */
                l->empty = true;
                q += 2;
        } else
                return FAST_BAIL;
        l->name = l->names[name];
        l->fast_pos = q;
        *ret = TOK_START;
        return 0;
}

/* The next node that matters: an element start or end, or text. */
static int next(Loader *l, Tok *ret) {
        if (l->fast)
                return fast_next(l, ret);
        for (;;) {
                int r = xmlTextReaderRead(l->reader);
                if (r < 0)
                        return read_failed(l);
                if (r == 0) {
                        if (l->in.error)
                                return read_failed(l);
                        *ret = TOK_EOF;
                        return 0;
                }
                switch (xmlTextReaderNodeType(l->reader)) {
                case XML_READER_TYPE_ELEMENT:
                        l->name = xmlTextReaderConstLocalName(l->reader);
                        l->empty = xmlTextReaderIsEmptyElement(l->reader) == 1;
                        *ret = TOK_START;
                        return 0;
                case XML_READER_TYPE_END_ELEMENT:
                        l->name = xmlTextReaderConstLocalName(l->reader);
                        *ret = TOK_END;
                        return 0;
                case XML_READER_TYPE_TEXT:
                case XML_READER_TYPE_CDATA:
                case XML_READER_TYPE_WHITESPACE:
                case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                        l->value = (const char *) xmlTextReaderConstValue(l->reader);
                        if (!l->value)
                                l->value = "";
                        l->value_len = strlen(l->value);
                        *ret = TOK_TEXT;
                        return 0;
                case XML_READER_TYPE_COMMENT:
                case XML_READER_TYPE_PROCESSING_INSTRUCTION:
                case XML_READER_TYPE_XML_DECLARATION:
                        continue;
                case XML_READER_TYPE_DOCUMENT_TYPE:
                        r = check_dtd(l);
                        if (r < 0)
                                return r;
                        continue;
                case XML_READER_TYPE_ENTITY_REFERENCE:
                        return fail(l, -EBADMSG, NULL, "entity reference &%s; is not allowed",
                                    (const char *) xmlTextReaderConstLocalName(l->reader));
                default:
                        return fail(l, -EBADMSG, NULL, "unexpected XML node (type %d)",
                                    xmlTextReaderNodeType(l->reader));
                }
        }
}

static const char *name_of(Loader *l, Name n) {
        return (const char *) l->names[n];
}

/* Collects the text of the leaf element just started (named el) and trims it. */
static int read_text(Loader *l, Name el) {
        Tok t;
        int r;

        l->text_len = 0;
        if (!l->empty)
                for (;;) {
                        r = next(l, &t);
                        if (r < 0)
                                return r;
                        if (t == TOK_END)
                                break;
                        if (t == TOK_EOF)
                                return fail(l, -EBADMSG, l->names[el],
                                            "unexpected end of document");
                        if (t == TOK_START)
                                return fail(l, -EBADMSG, l->names[el],
                                            "unexpected element <%s> inside <%s>",
                                            (const char *) l->name, name_of(l, el));
                        size_t k = l->value_len;
                        if (k > TEXT_MAX - l->text_len)
                                return fail(l, -EBADMSG, l->names[el], "text is too long");
                        memcpy(l->text + l->text_len, l->value, k);
                        l->text_len += k;
                }
        l->text[l->text_len] = '\0';
        size_t a = 0, b = l->text_len;
        while (a < b && is_space(l->text[a]))
                a++;
        while (b > a && is_space(l->text[b - 1]))
                b--;
        l->text[b] = '\0';
        l->txt = l->text + a;
        l->txt_len = b - a;
        return 0;
}

/* Inside a container element: the next child element's Name, or _N_MAX at the container's end. */
static int next_child(Loader *l, Name parent, int *ret) {
        Tok t;
        int r;

        for (;;) {
                r = next(l, &t);
                if (r < 0)
                        return r;
                switch (t) {
                case TOK_START:
                        for (int i = 0; i < _N_MAX; i++)
                                if (l->name == l->names[i]) {
                                        *ret = i;
                                        return 0;
                                }
                        return fail(l, -EBADMSG, l->name, "unknown element <%s> in <%s>",
                                    (const char *) l->name, name_of(l, parent));
                case TOK_END:
                        *ret = _N_MAX;
                        return 0;
                case TOK_TEXT:
                        if (all_space(l->value, l->value_len))
                                continue;
                        return fail(l, -EBADMSG, l->names[parent], "unexpected text in <%s>",
                                    name_of(l, parent));
                default:
                        return fail(l, -EBADMSG, l->names[parent], "unexpected end of document");
                }
        }
}

/* Marks el as seen in *seen, refusing a second occurrence. */
static int once(Loader *l, uint32_t *seen, Name el, Name parent) {
        if (*seen & BIT(el))
                return fail(l, -EBADMSG, l->names[el], "<%s> appears twice in <%s>", name_of(l, el),
                            name_of(l, parent));
        *seen |= BIT(el);
        return 0;
}

/* Refuses a container element written empty (<x/>) where children are needed. */
static int need_children(Loader *l, Name el) {
        if (l->empty)
                return fail(l, -EBADMSG, l->names[el], "<%s> is empty", name_of(l, el));
        return 0;
}

/* ---- values ---- */

static int text_double(Loader *l, Name el, double *ret) {
        if (l->txt_len == 0)
                return fail(l, -EBADMSG, l->names[el], "<%s> is empty", name_of(l, el));
        if (persist_parse_double(l->txt, l->txt_len, ret) < 0)
                return fail(l, -EBADMSG, l->names[el], "<%s>: '%.40s' is not a number",
                            name_of(l, el), l->txt);
        return 0;
}

static int text_u64(Loader *l, Name el, uint64_t *ret) {
        int r = num_parse_u64(l->txt, l->txt_len, ret);
        if (r < 0)
                return fail(l, -EBADMSG, l->names[el], "<%s>: '%.40s' is not an unsigned integer",
                            name_of(l, el), l->txt);
        return 0;
}

/*
 * minimal_heartbeat: an integer; xcp-rrdd writes it as a float, and Infinity for "never",
 * which becomes the largest heartbeat we can store (UINT64_MAX seconds, i.e. never exceeded).
 */
static int text_heartbeat(Loader *l, uint64_t *ret) {
        double d;

        if (num_parse_u64(l->txt, l->txt_len, ret) == 0)
                return 0;
        if (l->txt_len > 0 && persist_parse_double(l->txt, l->txt_len, &d) == 0) {
                if (isinf(d) && d > 0) {
                        *ret = UINT64_MAX;
                        return 0;
                }
                if (d >= 1.0 && d < 18446744073709551616.0 && d == floor(d)) {
                        *ret = (uint64_t) d;
                        return 0;
                }
        }
        return fail(l, -EBADMSG, l->names[N_HEARTBEAT],
                    "<minimal_heartbeat>: '%.40s' is not a positive whole number of seconds",
                    l->txt);
}

/* last_ds: 'U' (or empty) unknown, bare digits an integer, anything else a double. */
static int text_last_ds(Loader *l, RrdValue *ret) {
        const char *s = l->txt;
        size_t n = l->txt_len, i = 0;
        uint64_t mag;

        if (n == 0 || (n == 1 && s[0] == 'U')) {
                *ret = RRD_VALUE_U;
                return 0;
        }
        if (s[0] == '-')
                i = 1;
        if (i < n && strspn(s + i, "0123456789") == n - i) {
                if (num_parse_u64(s + i, n - i, &mag) == 0) {
                        *ret = (RrdValue){
                                .kind = RRD_VALUE_INT, .negative = i == 1, .magnitude = mag};
                        return 0;
                }
                /* Wider than 64 bits (rrdtool keeps up to 29 digits): the nearest double. */
                *ret = rrd_value_double(num_rrd_strtod(s, NULL));
                return 0;
        }
        double d;
        int r = text_double(l, N_LAST_DS, &d);
        if (r < 0)
                return r;
        *ret = rrd_value_double(d);
        return 0;
}

/* lastupdate: seconds, optionally with a fraction (older xcp-rrdd); usec="N" attribute. */
static int text_lastupdate(Loader *l) {
        const char *s = l->txt, *dot = memchr(s, '.', l->txt_len);
        size_t n_int = dot ? (size_t) (dot - s) : l->txt_len;
        int64_t t;

        if (num_parse_i64(s, n_int, &t) < 0 || t <= 0)
                return fail(l, -EBADMSG, l->names[N_LASTUPDATE],
                            "<lastupdate>: '%.40s' is not a positive time in seconds", s);
        if (dot && !l->has_usec_attr) {
                uint32_t usec = 0;
                size_t k = 0;
                for (const char *q = dot + 1; q < s + l->txt_len; q++, k++) {
                        if (*q < '0' || *q > '9')
                                return fail(l, -EBADMSG, l->names[N_LASTUPDATE],
                                            "<lastupdate>: '%.40s' is not a time", s);
                        if (k < 6)
                                usec = usec * 10 + (uint32_t) (*q - '0');
                }
                for (; k < 6; k++)
                        usec *= 10;
                l->last_up_usec = usec;
        }
        l->last_up = t;
        return 0;
}

/* Attributes of <lastupdate>: usec="N" (ours), anything else ignored as rrdtool does. */
static int usec_attribute(Loader *l, const char *v, size_t n) {
        uint64_t usec;

        if (!v || num_parse_u64(v, n, &usec) < 0 || usec >= 1000000)
                return fail(l, -EBADMSG, l->names[N_LASTUPDATE],
                            "<lastupdate usec>: not a number of microseconds below 1000000");
        l->last_up_usec = (uint32_t) usec;
        l->has_usec_attr = true;
        return 0;
}

static int lastupdate_attributes(Loader *l) {
        int r;

        if (l->fast)
                return l->fast_usec ? usec_attribute(l, l->fast_usec, l->fast_usec_len) : 0;
        r = xmlTextReaderMoveToFirstAttribute(l->reader);
        for (; r == 1; r = xmlTextReaderMoveToNextAttribute(l->reader)) {
                if (xmlTextReaderConstLocalName(l->reader) != l->names[N_USEC])
                        continue;
                const char *v = (const char *) xmlTextReaderConstValue(l->reader);
                if (usec_attribute(l, v, v ? strlen(v) : 0) < 0) {
                        (void) xmlTextReaderMoveToElement(l->reader);
                        return -EBADMSG;
                }
        }
        if (r < 0)
                return read_failed(l);
        (void) xmlTextReaderMoveToElement(l->reader);
        return 0;
}

/* ---- structure ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
        size_t n = *cap ? *cap : 16, bytes;
        void *q;

        if (need <= *cap)
                return 0;
        while (n < need)
                n *= 2;
        if (size_mul(n, elem, &bytes) < 0)
                return -ENOMEM;
        q = realloc(*p, bytes);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = n;
        return 0;
}

static int parse_ds(Loader *l) {
        const uint32_t required = BIT(N_NAME) | BIT(N_TYPE) | BIT(N_HEARTBEAT) | BIT(N_MIN) |
                                  BIT(N_MAX) | BIT(N_LAST_DS) | BIT(N_VALUE) | BIT(N_UNKNOWN_SEC);
        RrdDsDef def = {.min = (double) NAN, .max = (double) NAN};
        RrdDsState st = {.last_ds = RRD_VALUE_U, .value = (double) NAN};
        uint32_t seen = 0;
        double d;
        int child, r;

        if (l->n_rra > 0)
                return fail(l, -EBADMSG, l->names[N_DS], "<ds> after the first <rra>");
        if (l->n_ds >= l->limits.max_ds)
                return fail(l, -EFBIG, l->names[N_DS], "more than %zu data sources",
                            l->limits.max_ds);
        r = need_children(l, N_DS);
        if (r < 0)
                return r;
        for (;;) {
                r = next_child(l, N_DS, &child);
                if (r < 0)
                        return r;
                if (child == _N_MAX)
                        break;
                if (!(BIT(child) & (required | BIT(N_LAST_UPDATED))))
                        return fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <ds>",
                                    name_of(l, (Name) child));
                r = once(l, &seen, (Name) child, N_DS);
                if (r < 0)
                        return r;
                r = read_text(l, (Name) child);
                if (r < 0)
                        return r;
                switch (child) {
                case N_NAME:
                        if (l->txt_len > RRD_DS_NAME_MAX || !rrd_ds_name_is_valid(l->txt))
                                return fail(l, -EBADMSG, l->names[N_NAME],
                                            "'%.40s' is not a valid data source name", l->txt);
                        memcpy(def.name, l->txt, l->txt_len + 1);
                        break;
                case N_TYPE:
                        def.type = rrd_ds_type_from_string(l->txt);
                        if ((int) def.type < 0)
                                return fail(l, -EBADMSG, l->names[N_TYPE],
                                            "unsupported data source type '%.40s'", l->txt);
                        break;
                case N_HEARTBEAT:
                        r = text_heartbeat(l, &def.heartbeat_s);
                        break;
                case N_MIN:
                        r = text_double(l, N_MIN, &def.min);
                        break;
                case N_MAX:
                        r = text_double(l, N_MAX, &def.max);
                        break;
                case N_LAST_DS:
                        r = text_last_ds(l, &st.last_ds);
                        break;
                case N_VALUE:
                        r = text_double(l, N_VALUE, &st.value);
                        break;
                case N_UNKNOWN_SEC:
                        r = text_u64(l, N_UNKNOWN_SEC, &st.unknown_sec);
                        break;
                case N_LAST_UPDATED:
                        /* xcp-rrdd's internal form; the RRD's own lastupdate is what counts. */
                        r = text_double(l, N_LAST_UPDATED, &d);
                        break;
                default:
                        return fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <ds>",
                                    name_of(l, (Name) child));
                }
                if (r < 0)
                        return r;
        }
        if ((seen & required) != required) {
                for (int i = 0; i < _N_MAX; i++)
                        if ((required & BIT(i)) && !(seen & BIT(i)))
                                return fail(l, -EBADMSG, l->names[N_DS],
                                            "data source %zu has no <%s>", l->n_ds,
                                            name_of(l, (Name) i));
        }
        if (def.heartbeat_s < 1)
                return fail(l, -EBADMSG, l->names[N_DS],
                            "data source '%s': minimal_heartbeat must be at least 1", def.name);
        if (!isnan(def.min) && !isnan(def.max) && def.min >= def.max)
                return fail(l, -EBADMSG, l->names[N_DS], "data source '%s': min is not below max",
                            def.name);
        if (rrd_ds_def_validate(&def) < 0)
                return fail(l, -EBADMSG, l->names[N_DS], "data source '%s' is invalid", def.name);
        for (size_t i = 0; i < l->n_ds; i++)
                if (strcmp(l->ds[i].name, def.name) == 0)
                        return fail(l, -EBADMSG, l->names[N_DS],
                                    "data source name '%s' appears twice", def.name);
        /*
         * xcp-rrdd's internal form (it has <last_updated>) writes an unknown last input as 0.0
         * and its own reader ignores last_ds; as a counter base 0.0 would turn the next delta
         * into a spike, so counters start unknown, as they do in xcp-rrdd.
         */
        if ((seen & BIT(N_LAST_UPDATED)) && def.type != RRD_DS_GAUGE && def.type != RRD_DS_ABSOLUTE)
                st.last_ds = RRD_VALUE_U;

        if (grow((void **) &l->ds, &l->cap_ds, l->n_ds + 1, sizeof(*l->ds)) < 0)
                return fail(l, -ENOMEM, NULL, "out of memory");
        if (grow((void **) &l->ds_state, &l->cap_ds_state, l->n_ds + 1, sizeof(*l->ds_state)) < 0)
                return fail(l, -ENOMEM, NULL, "out of memory");
        l->ds[l->n_ds] = def;
        l->ds_state[l->n_ds] = st;
        l->n_ds++;
        return 0;
}

static int parse_cdp_ds(Loader *l, RrdCdpState *c) {
        const uint32_t required = BIT(N_PRIMARY_VALUE) | BIT(N_SECONDARY_VALUE) | BIT(N_VALUE) |
                                  BIT(N_UNKNOWN_DATAPOINTS);
        uint32_t seen = 0;
        int child, r;

        r = need_children(l, N_DS);
        if (r < 0)
                return r;
        for (;;) {
                r = next_child(l, N_DS, &child);
                if (r < 0)
                        return r;
                if (child == _N_MAX)
                        break;
                if (!(BIT(child) & required))
                        return fail(l, -EBADMSG, l->names[child],
                                    "unexpected <%s> in <cdp_prep><ds>", name_of(l, (Name) child));
                r = once(l, &seen, (Name) child, N_DS);
                if (r < 0)
                        return r;
                r = read_text(l, (Name) child);
                if (r < 0)
                        return r;
                switch (child) {
                case N_PRIMARY_VALUE:
                        r = text_double(l, N_PRIMARY_VALUE, &c->primary_value);
                        break;
                case N_SECONDARY_VALUE:
                        r = text_double(l, N_SECONDARY_VALUE, &c->secondary_value);
                        break;
                case N_VALUE:
                        r = text_double(l, N_VALUE, &c->value);
                        break;
                case N_UNKNOWN_DATAPOINTS:
                        r = text_u64(l, N_UNKNOWN_DATAPOINTS, &c->unknown_pdps);
                        break;
                default:
                        return fail(l, -EBADMSG, l->names[child],
                                    "unexpected <%s> in <cdp_prep><ds>", name_of(l, (Name) child));
                }
                if (r < 0)
                        return r;
        }
        if ((seen & required) != required)
                for (int i = 0; i < _N_MAX; i++)
                        if ((required & BIT(i)) && !(seen & BIT(i)))
                                return fail(l, -EBADMSG, l->names[N_DS],
                                            "<cdp_prep><ds> has no <%s>", name_of(l, (Name) i));
        return 0;
}

static int parse_cdp_prep(Loader *l, RraBuild *b) {
        size_t n = 0;
        int child, r;

        if (l->empty)
                goto check;
        for (;;) {
                r = next_child(l, N_CDP_PREP, &child);
                if (r < 0)
                        return r;
                if (child == _N_MAX)
                        break;
                if (child != N_DS)
                        return fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <cdp_prep>",
                                    name_of(l, (Name) child));
                if (n >= l->n_ds)
                        return fail(l, -EBADMSG, l->names[N_CDP_PREP],
                                    "<cdp_prep> has more than %zu <ds>", l->n_ds);
                r = parse_cdp_ds(l, &b->cdp[n]);
                if (r < 0)
                        return r;
                n++;
        }
check:
        if (n != l->n_ds)
                return fail(l, -EBADMSG, l->names[N_CDP_PREP],
                            "<cdp_prep> has %zu <ds>, expected %zu", n, l->n_ds);
        return 0;
}

/* Bytes a number's text is made of: digits, letters (NaN, Infinity, e), point and signs. */
static const bool fast_number_byte[256] = {
        ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
        ['.'] = true,         ['+'] = true,         ['-'] = true,
};

/*
 * The fast path's <row> (its start tag just read): n_ds times <v>number</v>, then </row>, exactly
 * as our writer puts them; the values are read as parse_row() reads them. Anything else, even
 * whitespace, leaves it to libxml2 (FAST_BAIL).
 */
static int fast_row(Loader *l) {
        const char *p = l->fast_pos, *end = l->fast_end;
        double *out = l->values + l->n_values;

        if (l->empty)
                return FAST_BAIL;
        for (size_t n = 0; n < l->n_ds; n++) {
                if (end - p < 3 || p[0] != '<' || p[1] != 'v' || p[2] != '>')
                        return FAST_BAIL;
                const char *s = p + 3, *q = s;
                while (q < end && fast_number_byte[(uint8_t) *q])
                        q++;
                /* read_text() refuses text longer than TEXT_MAX */
                if (q == s || q - s > TEXT_MAX || end - q < 4 || memcmp(q, "</v>", 4) != 0 ||
                    persist_parse_double(s, (size_t) (q - s), &out[n]) < 0)
                        return FAST_BAIL;
                p = q + 4;
        }
        if (end - p < 6 || memcmp(p, "</row>", 6) != 0 || l->fast_depth == 0 ||
            l->fast_open[l->fast_depth - 1] != N_ROW)
                return FAST_BAIL;
        l->fast_depth--;
        l->fast_pos = p + 6;
        l->name = l->names[N_ROW];
        l->n_values += l->n_ds;
        return 0;
}

static int parse_row(Loader *l, size_t i_rra, uint32_t i_row) {
        size_t n = 0;
        Tok t;
        int r;

        if (l->fast)
                return fast_row(l);
        if (!l->empty)
                for (;;) {
                        r = next(l, &t);
                        if (r < 0)
                                return r;
                        if (t == TOK_END)
                                break;
                        if (t == TOK_TEXT) {
                                if (all_space(l->value, l->value_len))
                                        continue;
                                return fail(l, -EBADMSG, l->names[N_ROW],
                                            "unexpected text in <row>");
                        }
                        if (t == TOK_EOF)
                                return fail(l, -EBADMSG, l->names[N_ROW],
                                            "unexpected end of document");
                        if (l->name != l->names[N_V])
                                return fail(l, -EBADMSG, l->name, "unexpected <%s> in <row>",
                                            (const char *) l->name);
                        if (n >= l->n_ds)
                                return fail(l, -EBADMSG, l->names[N_ROW],
                                            "archive %zu, row %" PRIu32 ": more than %zu values",
                                            i_rra, i_row, l->n_ds);
                        r = read_text(l, N_V);
                        if (r < 0)
                                return r;
                        if (l->txt_len == 0 ||
                            persist_parse_double(l->txt, l->txt_len, &l->values[l->n_values + n]) <
                                    0)
                                return fail(l, -EBADMSG, l->names[N_V],
                                            "archive %zu, row %" PRIu32
                                            ", value %zu: '%.40s' is not a number",
                                            i_rra, i_row, n, l->txt);
                        n++;
                }
        if (n != l->n_ds)
                return fail(l, -EBADMSG, l->names[N_ROW],
                            "archive %zu, row %" PRIu32 ": %zu values, expected %zu", i_rra, i_row,
                            n, l->n_ds);
        l->n_values += n;
        return 0;
}

static int parse_database(Loader *l, RraBuild *b) {
        const size_t i_rra = l->n_rra;
        uint32_t rows = 0;
        int child, r;

        if (!l->empty)
                for (;;) {
                        r = next_child(l, N_DATABASE, &child);
                        if (r < 0)
                                return r;
                        if (child == _N_MAX)
                                break;
                        if (child != N_ROW)
                                return fail(l, -EBADMSG, l->names[child],
                                            "unexpected <%s> in <database>",
                                            name_of(l, (Name) child));
                        if (rows >= l->limits.max_rows)
                                return fail(l, -EFBIG, l->names[N_ROW],
                                            "archive %zu has more than %" PRIu32 " rows", i_rra,
                                            l->limits.max_rows);
                        if ((uint64_t) l->n_values + l->n_ds > l->limits.max_values)
                                return fail(l, -EFBIG, l->names[N_ROW],
                                            "more than %" PRIu64 " values in all archives",
                                            l->limits.max_values);
                        if (grow((void **) &l->values, &l->cap_values, l->n_values + l->n_ds,
                                 sizeof(double)) < 0)
                                return fail(l, -ENOMEM, NULL, "out of memory");
                        r = parse_row(l, i_rra, rows);
                        if (r < 0)
                                return r;
                        rows++;
                }
        if (rows == 0)
                return fail(l, -EBADMSG, l->names[N_DATABASE], "archive %zu has no rows", i_rra);
        b->def.rows = rows;
        return 0;
}

static int parse_params(Loader *l, RraBuild *b) {
        uint32_t seen = 0;
        int child, r;

        r = need_children(l, N_PARAMS);
        if (r < 0)
                return r;
        for (;;) {
                r = next_child(l, N_PARAMS, &child);
                if (r < 0)
                        return r;
                if (child == _N_MAX)
                        break;
                if (child != N_XFF)
                        return fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <params>",
                                    name_of(l, (Name) child));
                r = once(l, &seen, N_XFF, N_PARAMS);
                if (r < 0)
                        return r;
                r = read_text(l, N_XFF);
                if (r < 0)
                        return r;
                r = text_double(l, N_XFF, &b->def.xff);
                if (r < 0)
                        return r;
        }
        if (!(seen & BIT(N_XFF)))
                return fail(l, -EBADMSG, l->names[N_PARAMS], "<params> has no <xff>");
        return 0;
}

static int parse_rra(Loader *l) {
        const uint32_t required =
                BIT(N_CF) | BIT(N_PDP_PER_ROW) | BIT(N_PARAMS) | BIT(N_CDP_PREP) | BIT(N_DATABASE);
        RraBuild *b;
        uint32_t seen = 0;
        uint64_t u;
        int child, r;

        if (l->n_rra >= l->limits.max_rra)
                return fail(l, -EFBIG, l->names[N_RRA], "more than %zu archives",
                            l->limits.max_rra);
        b = &l->rra[l->n_rra];
        *b = (RraBuild){.values_off = l->n_values};
        b->cdp = calloc(l->n_ds ? l->n_ds : 1, sizeof(*b->cdp));
        if (!b->cdp)
                return fail(l, -ENOMEM, NULL, "out of memory");
        r = need_children(l, N_RRA);
        if (r < 0)
                goto out;
        for (;;) {
                r = next_child(l, N_RRA, &child);
                if (r < 0)
                        goto out;
                if (child == _N_MAX)
                        break;
                if (!(BIT(child) & required)) {
                        r = fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <rra>",
                                 name_of(l, (Name) child));
                        goto out;
                }
                r = once(l, &seen, (Name) child, N_RRA);
                if (r < 0)
                        goto out;
                switch (child) {
                case N_CF:
                        r = read_text(l, N_CF);
                        if (r < 0)
                                break;
                        b->def.cf = rrd_cf_from_string(l->txt);
                        if ((int) b->def.cf < 0)
                                r = fail(l, -EBADMSG, l->names[N_CF],
                                         "unsupported consolidation function '%.40s'", l->txt);
                        break;
                case N_PDP_PER_ROW:
                        r = read_text(l, N_PDP_PER_ROW);
                        if (r >= 0)
                                r = text_u64(l, N_PDP_PER_ROW, &u);
                        if (r >= 0 && (u < 1 || u > UINT32_MAX))
                                r = fail(l, -EBADMSG, l->names[N_PDP_PER_ROW],
                                         "pdp_per_row must be 1 .. %" PRIu32, UINT32_MAX);
                        if (r >= 0)
                                b->def.pdp_per_row = (uint32_t) u;
                        break;
                case N_PARAMS:
                        r = parse_params(l, b);
                        break;
                case N_CDP_PREP:
                        r = parse_cdp_prep(l, b);
                        break;
                case N_DATABASE:
                        r = parse_database(l, b);
                        break;
                default:
                        r = fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <rra>",
                                 name_of(l, (Name) child));
                        break;
                }
                if (r < 0)
                        goto out;
        }
        if ((seen & required) != required) {
                for (int i = 0; i < _N_MAX; i++)
                        if ((required & BIT(i)) && !(seen & BIT(i))) {
                                r = fail(l, -EBADMSG, l->names[N_RRA], "archive %zu has no <%s>",
                                         l->n_rra, name_of(l, (Name) i));
                                goto out;
                        }
        }
        if (!(b->def.xff >= 0.0 && b->def.xff <= 1.0)) {
                r = fail(l, -EBADMSG, l->names[N_RRA], "archive %zu: xff must be in [0, 1]",
                         l->n_rra);
                goto out;
        }
        if (rrd_rra_def_validate(&b->def) < 0) {
                r = fail(l, -EBADMSG, l->names[N_RRA], "archive %zu is invalid", l->n_rra);
                goto out;
        }
        l->n_rra++; /* from here on loader_done() frees b->cdp */
        return 0;
out:
        free(b->cdp);
        b->cdp = NULL;
        return r;
}

static int parse_rrd(Loader *l) {
        const uint32_t required = BIT(N_VERSION) | BIT(N_STEP) | BIT(N_LASTUPDATE);
        int child, r;
        uint64_t u;
        Tok t;

        r = next(l, &t);
        if (r < 0)
                return r;
        if (t != TOK_START || l->name != l->names[N_RRD])
                return fail(l, -EBADMSG, t == TOK_START ? l->name : NULL,
                            "the root element must be <rrd>");
        r = need_children(l, N_RRD);
        if (r < 0)
                return r;
        for (;;) {
                r = next_child(l, N_RRD, &child);
                if (r < 0)
                        return r;
                if (child == _N_MAX)
                        break;
                switch (child) {
                case N_VERSION:
                        r = once(l, &l->seen_rrd, N_VERSION, N_RRD);
                        if (r >= 0)
                                r = read_text(l, N_VERSION);
                        if (r >= 0 &&
                            (l->txt_len != 4 || text_u64(l, N_VERSION, &u) < 0 || u < 1 || u > 5))
                                r = fail(l, -EBADMSG, l->names[N_VERSION],
                                         "unsupported version '%.40s' (0001 .. 0005)", l->txt);
                        break;
                case N_STEP:
                        r = once(l, &l->seen_rrd, N_STEP, N_RRD);
                        if (r >= 0)
                                r = read_text(l, N_STEP);
                        if (r >= 0)
                                r = text_u64(l, N_STEP, &l->step);
                        if (r >= 0 && (l->step < 1 || l->step > UINT32_MAX))
                                r = fail(l, -EBADMSG, l->names[N_STEP],
                                         "step must be 1 .. %" PRIu32 " seconds", UINT32_MAX);
                        break;
                case N_LASTUPDATE:
                        r = once(l, &l->seen_rrd, N_LASTUPDATE, N_RRD);
                        if (r >= 0)
                                r = lastupdate_attributes(l);
                        if (r >= 0)
                                r = read_text(l, N_LASTUPDATE);
                        if (r >= 0)
                                r = text_lastupdate(l);
                        break;
                case N_DS:
                        r = parse_ds(l);
                        break;
                case N_RRA:
                        r = parse_rra(l);
                        break;
                default:
                        r = fail(l, -EBADMSG, l->names[child], "unexpected <%s> in <rrd>",
                                 name_of(l, (Name) child));
                        break;
                }
                if (r < 0)
                        return r;
        }
        if ((l->seen_rrd & required) != required)
                for (int i = 0; i < _N_MAX; i++)
                        if ((required & BIT(i)) && !(l->seen_rrd & BIT(i)))
                                return fail(l, -EBADMSG, l->names[N_RRD], "<rrd> has no <%s>",
                                            name_of(l, (Name) i));
        if (l->n_rra == 0)
                return fail(l, -EBADMSG, l->names[N_RRD], "<rrd> has no <rra>");
        /* Anything after the root but comments is refused by libxml2 itself. */
        r = next(l, &t);
        if (r < 0)
                return r;
        if (t != TOK_EOF)
                return fail(l, -EBADMSG, NULL, "content after </rrd>");
        return 0;
}

static int build(Loader *l, Rrd **ret) {
        _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
        RrdRraDef defs[RRD_MAX_RRA];
        int r;

        for (size_t a = 0; a < l->n_rra; a++)
                defs[a] = l->rra[a].def;
        r = rrd_new(&rrd, l->step, l->last_up, l->ds, l->n_ds, defs, l->n_rra);
        if (r == -ENOMEM)
                return fail(l, r, NULL, "out of memory");
        if (r < 0)
                return fail(l, -EBADMSG, l->names[N_RRD], "the engine refuses these definitions");
        r = rrd_set_last_up(rrd, l->last_up, l->last_up_usec);
        if (r < 0)
                return fail(l, -EBADMSG, l->names[N_LASTUPDATE], "invalid lastupdate");
        for (size_t i = 0; i < l->n_ds; i++)
                rrd_set_ds_state(rrd, i, &l->ds_state[i]);
        for (size_t a = 0; a < l->n_rra; a++) {
                const RraBuild *b = &l->rra[a];
                for (size_t i = 0; i < l->n_ds; i++)
                        rrd_set_cdp_state(rrd, a, i, &b->cdp[i]);
                if (l->n_ds > 0)
                        for (uint32_t row = 0; row < b->def.rows; row++)
                                rrd_rra_set_row(rrd, a, row,
                                                l->values + b->values_off + (size_t) row * l->n_ds);
        }
        *ret = TAKE_PTR(rrd);
        return 0;
}

static void limits_fill(PersistLimits *d, const PersistLimits *s) {
        *d = s ? *s : (PersistLimits){};
        if (!d->max_bytes)
                d->max_bytes = PERSIST_DEFAULT_MAX_BYTES;
        if (!d->max_ds || d->max_ds > RRD_MAX_DS)
                d->max_ds = RRD_MAX_DS;
        if (!d->max_rra || d->max_rra > RRD_MAX_RRA)
                d->max_rra = RRD_MAX_RRA;
        if (!d->max_rows || d->max_rows > RRD_MAX_ROWS)
                d->max_rows = RRD_MAX_ROWS;
        if (!d->max_values)
                d->max_values = PERSIST_DEFAULT_MAX_VALUES;
}

static int load(Loader *l, Rrd **ret) {
        int r;

        r = input_start(&l->in);
        if (r < 0)
                return fail(l, r, NULL, "%s", strerror(-r));
        /*
         * NONET: never fetch anything (rrdtool's DOCTYPE names a URL). No NOENT, no DTDLOAD:
         * entities are never expanded; a reference is refused where it appears. Default (not HUGE)
         * libxml2 limits stay on.
         */
        l->reader = xmlReaderForIO(input_read, NULL, &l->in, NULL, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                           XML_PARSE_COMPACT | XML_PARSE_BIG_LINES);
        if (!l->reader)
                return l->in.error ? read_failed(l) : fail(l, -ENOMEM, NULL, "out of memory");
        xmlTextReaderSetStructuredErrorHandler(l->reader, xml_error, l);
        for (int i = 0; i < _N_MAX; i++) {
                l->names[i] = xmlTextReaderConstString(l->reader, (const xmlChar *) name_text[i]);
                if (!l->names[i])
                        return fail(l, -ENOMEM, NULL, "out of memory");
        }
        r = parse_rrd(l);
        if (r < 0)
                return r;
        return build(l, ret);
}

static int load_input(Input in, const PersistLimits *limits, Rrd **ret, PersistError *err) {
        PersistError local;
        Loader l = {.in = in};
        xmlGenericErrorFunc saved_handler;
        void *saved_ctx;
        int r;

        if (!ret)
                return -EINVAL;
        l.err = err ? err : &local;
        *l.err = (PersistError){};
        limits_fill(&l.limits, limits);
        l.in.max_bytes = l.limits.max_bytes;

        (void) pthread_once(&xml_once, xml_init);
        saved_handler = xmlGenericError;
        saved_ctx = xmlGenericErrorContext;
        xmlSetGenericErrorFunc(&l, xml_generic_error);
        r = load(&l, ret);
        loader_done(&l);
        xmlSetGenericErrorFunc(saved_ctx, saved_handler);
        return r;
}

/* The fast path over a whole plain document; FAST_BAIL when libxml2's path must decide. */
static int load_fast(const void *data, size_t size, const PersistLimits *limits, Rrd **ret) {
        PersistError ignored;
        Loader l = {.fast = true, .err = &ignored, .in = {.fd = -1}};
        const uint8_t *b = data;
        int r;

        if (!ret || (size > 0 && !data))
                return -EINVAL;
        ignored = (PersistError){};
        limits_fill(&l.limits, limits);
        if (size == 0 || size > l.limits.max_bytes || b[0] != '<')
                return FAST_BAIL; /* empty, too large, gzip, a BOM or leading whitespace */
        l.fast_start = l.fast_pos = data;
        l.fast_end = l.fast_start + size;
        for (int i = 0; i < _N_MAX; i++) {
                l.names[i] = (const xmlChar *) name_text[i];
                l.name_len[i] = strlen(name_text[i]);
        }
        r = parse_rrd(&l);
        if (r >= 0)
                r = build(&l, ret);
        loader_done(&l);
        return r < 0 ? FAST_BAIL : 0;
}

static int load_memory(const void *data, size_t size, const PersistLimits *limits, Rrd **ret,
                       PersistError *err) {
        if (load_fast(data, size, limits, ret) == 0) {
                if (err)
                        *err = (PersistError){};
                return 0;
        }
        return load_input((Input){.fd = -1, .mem = data, .mem_len = size}, limits, ret, err);
}

/**
 * persist_load_memory_fast() - persist_load_memory() through the fast path alone.
 *
 * For tests and benchmarks: the documents our writer produces load this way.
 *
 * Return: 0, or -EOPNOTSUPP when the document is outside the fast path's subset or refused
 * (persist_load_memory() would then read it through libxml2).
 */
int persist_load_memory_fast(const void *data, size_t size, const PersistLimits *limits,
                             Rrd **ret) {
        int r = load_fast(data, size, limits, ret);
        return r == FAST_BAIL ? -EOPNOTSUPP : r;
}

/**
 * persist_load_memory_libxml() - persist_load_memory() through xmlTextReader alone.
 *
 * For tests and benchmarks, as the reference the fast path must agree with.
 *
 * Return: as persist_load_memory().
 */
int persist_load_memory_libxml(const void *data, size_t size, const PersistLimits *limits,
                               Rrd **ret, PersistError *err) {
        if (!data && size > 0)
                return -EINVAL;
        return load_input((Input){.fd = -1, .mem = data, .mem_len = size}, limits, ret, err);
}

/**
 * persist_load_memory() - an RRD from a document in memory (XML, or gzip of it).
 * @data: the bytes.
 * @size: their number.
 * @limits: bounds on the document, NULL for the defaults.
 * @ret: the new RRD; untouched on failure.
 * @err: where and why the document was refused (may be NULL).
 *
 * Return: 0; -EBADMSG for a document we do not accept; -EFBIG when a limit is exceeded;
 * -ENOMEM.
 */
int persist_load_memory(const void *data, size_t size, const PersistLimits *limits, Rrd **ret,
                        PersistError *err) {
        if (!data && size > 0)
                return -EINVAL;
        return load_memory(data, size, limits, ret, err);
}

/*
 * A regular file within the size limit is read whole (one read for an archive of a few hundred
 * KB), so it can take the fast path; *ret_data is NULL for anything else.
 */
static int read_whole(int fd, const PersistLimits *limits, uint8_t **ret_data, size_t *ret_size) {
        PersistLimits lim;
        struct stat st;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t cap, n = 0;

        *ret_data = NULL;
        limits_fill(&lim, limits);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
            (uint64_t) st.st_size > lim.max_bytes)
                return 0;
        /* One byte more than the size, to see the end without a second read in most cases. */
        cap = (size_t) st.st_size + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;
                if (n == cap) {
                        /* The file grew while we read: stay within the limit, then stream. */
                        if (cap > lim.max_bytes)
                                return 0;
                        size_t ncap = cap * 2 > lim.max_bytes + 1 ? lim.max_bytes + 1 : cap * 2;
                        uint8_t *nb = realloc(buf, ncap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                k = read(fd, buf + n, cap - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *ret_data = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

/**
 * persist_load_fd() - an RRD from a file descriptor, read to its end.
 * @fd: readable, blocking.
 * @limits: bounds on the document, NULL for the defaults.
 * @ret: the new RRD; untouched on failure.
 * @err: where and why the document was refused (may be NULL).
 *
 * Return: as persist_load_memory(), plus -errno from read(2).
 */
int persist_load_fd(int fd, const PersistLimits *limits, Rrd **ret, PersistError *err) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size = 0;
        int r;

        if (fd < 0)
                return -EBADF;
        r = read_whole(fd, limits, &data, &size);
        if (r < 0) {
                if (err) {
                        *err = (PersistError){};
                        (void) snprintf(err->message, sizeof(err->message), "read: %s",
                                        strerror(-r));
                }
                return r;
        }
        if (data)
                return load_memory(data, size, limits, ret, err);
        /* Not a regular file, or larger than the limit: streamed (and refused when too large). */
        return load_input((Input){.fd = fd}, limits, ret, err);
}

/**
 * persist_load_file() - an RRD from a file.
 * @path: the file.
 * @limits: bounds on the document, NULL for the defaults.
 * @ret: the new RRD; untouched on failure.
 * @err: where and why the document was refused (may be NULL).
 *
 * Return: as persist_load_fd(), plus -errno from open(2).
 */
int persist_load_file(const char *path, const PersistLimits *limits, Rrd **ret, PersistError *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0) {
                int r = -errno;
                if (err) {
                        *err = (PersistError){};
                        (void) snprintf(err->message, sizeof(err->message), "%s", strerror(-r));
                }
                return r;
        }
        return persist_load_fd(fd, limits, ret, err);
}

/**
 * persist_error_to_string() - a one-line description of a load error.
 * @err: the error.
 * @buf: where to write.
 * @size: room in @buf.
 *
 * Return: @buf.
 */
const char *persist_error_to_string(const PersistError *err, char *buf, size_t size) {
        if (err->line > 0 && err->element[0])
                (void) snprintf(buf, size, "line %lu: <%s>: %s", err->line, err->element,
                                err->message);
        else if (err->line > 0)
                (void) snprintf(buf, size, "line %lu: %s", err->line, err->message);
        else
                (void) snprintf(buf, size, "%s", err->message);
        return buf;
}
