/* SPDX-License-Identifier: MIT */
/*
 * The reader's fast path against its libxml2 path. The fast path may only ever accept what
 * libxml2 accepts, into the same state; whatever it declines, the loader must answer exactly as
 * libxml2 does (same acceptance, same state, same error). Checked on hand-made variants at the
 * edge of its subset (each named, with whether the fast path must take it) and on thousands of
 * random mutations of a real archive.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "persist/reader.h"
#include "persist/writer.h"
#include "rrd-gen.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

static const PersistLimits limits = {.max_bytes = 1 << 20, .max_values = 1 << 16};

typedef enum Fast { FAST_ANY, FAST_TAKES, FAST_DECLINES } Fast;

/*
 * One document through the three entry points. Returns false (with why) when they disagree or
 * the fast path's expected behaviour is not met.
 */
static bool agree(const char *doc, size_t len, Fast expect, char *why, size_t why_size) {
        _cleanup_(rrd_destroyp) Rrd *fast = NULL, *slow = NULL, *full = NULL;
        PersistError e_slow, e_full;
        char w[300] = "";
        int r_fast, r_slow, r_full;

        r_fast = persist_load_memory_fast(doc, len, &limits, &fast);
        r_slow = persist_load_memory_libxml(doc, len, &limits, &slow, &e_slow);
        r_full = persist_load_memory(doc, len, &limits, &full, &e_full);

        if (r_fast != 0 && r_fast != -EOPNOTSUPP) {
                (void) snprintf(why, why_size, "fast path returned %d", r_fast);
                return false;
        }
        if (r_fast == 0 && r_slow != 0) {
                (void) snprintf(why, why_size, "fast path accepts what libxml2 refuses: %s",
                                persist_error_to_string(&e_slow, w, sizeof(w)));
                return false;
        }
        if (r_fast == 0 && !gen_rrd_equal(slow, fast, w, sizeof(w))) {
                (void) snprintf(why, why_size, "fast and libxml2 paths differ: %s", w);
                return false;
        }
        if (r_full != r_slow) {
                (void) snprintf(why, why_size, "loader returns %d, libxml2 path %d", r_full,
                                r_slow);
                return false;
        }
        if (r_full == 0 && !gen_rrd_equal(slow, full, w, sizeof(w))) {
                (void) snprintf(why, why_size, "loader and libxml2 path differ: %s", w);
                return false;
        }
        if (r_full < 0 &&
            (strcmp(e_full.message, e_slow.message) != 0 || e_full.line != e_slow.line ||
             strcmp(e_full.element, e_slow.element) != 0)) {
                (void) snprintf(why, why_size, "errors differ: '%.80s' vs '%.80s'", e_full.message,
                                e_slow.message);
                return false;
        }
        if (expect == FAST_TAKES && r_fast != 0) {
                (void) snprintf(why, why_size, "the fast path declined it");
                return false;
        }
        if (expect == FAST_DECLINES && r_fast == 0) {
                (void) snprintf(why, why_size, "the fast path took it");
                return false;
        }
        return true;
}

/* A small real archive with a fractional lastupdate (so <lastupdate usec="...">). */
static char *base_document(size_t *ret_len) {
        GenOptions o = {.max_ds = 3, .max_rra = 3, .n_updates = 60};
        GenRng g = {11};

        for (int tries = 0; tries < 1000; tries++) {
                _cleanup_(rrd_destroyp) Rrd *rrd = NULL;
                char *xml = NULL;
                if (gen_random_rrd(&g, &o, &rrd) < 0)
                        continue;
                if (rrd_last_up_usec(rrd) == 0 || rrd_n_ds(rrd) < 2)
                        continue;
                if (gen_write_all(rrd, PERSIST_FORMAT_XML, 65536, NULL, &xml, ret_len) < 0)
                        return NULL;
                return xml;
        }
        return NULL;
}

/* doc with the first occurrence of from replaced by to; NULL when from is absent. */
static char *replace(const char *doc, const char *from, const char *to, size_t *ret_len) {
        const char *at = strstr(doc, from);
        size_t a, lf = strlen(from), lt = strlen(to), n = strlen(doc);
        char *out;

        if (!at)
                return NULL;
        a = (size_t) (at - doc);
        out = malloc(n - lf + lt + 1);
        if (!out)
                return NULL;
        memcpy(out, doc, a);
        memcpy(out + a, to, lt);
        memcpy(out + a + lt, at + lf, n - a - lf + 1);
        *ret_len = n - lf + lt;
        return out;
}

static void test_variants(const char *doc, size_t len) {
        static const struct {
                const char *what, *from, *to;
                Fast expect;
        } v[] = {
                {"as written", "<rrd>", "<rrd>", FAST_TAKES},
                {"whitespace between elements", "<step>", "\n  <step>", FAST_TAKES},
                {"padded name", "<name>", "<name> ", FAST_TAKES},
                {"no declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", FAST_TAKES},
                {"short declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                 "<?xml version=\"1.0\"?>", FAST_TAKES},
                {"empty v", "<v>", "<v/><v>", FAST_ANY}, /* refused: one value too many */
                {"unknown element", "<step>", "<stop/><step>", FAST_DECLINES},
                {"comment", "<step>", "<!-- c --><step>", FAST_DECLINES},
                {"comment before root", "<rrd>", "<!-- rrdtool --><rrd>", FAST_DECLINES},
                {"DOCTYPE", "<rrd>", "<!DOCTYPE rrd SYSTEM \"x.dtd\"><rrd>", FAST_DECLINES},
                {"DOCTYPE with subset", "<rrd>", "<!DOCTYPE rrd [<!ENTITY e \"1\">]><rrd>",
                 FAST_DECLINES},
                {"entity", "<step>", "<step>&#49;", FAST_DECLINES},
                {"undeclared entity", "<step>", "<step>&e;", FAST_DECLINES},
                {"CDATA", "<step>", "<step><![CDATA[]]>", FAST_DECLINES},
                {"CR LF", "<step>", "\r\n<step>", FAST_DECLINES},
                {"attribute", "<step>", "<step a=\"1\">", FAST_DECLINES},
                {"space in tag", "<step>", "<step >", FAST_DECLINES},
                {"space in end tag", "</step>", "</step >", FAST_DECLINES},
                {"mismatched end tag", "</step>", "</stop>", FAST_DECLINES},
                {"usec single quotes", "usec=\"", "usec='", FAST_DECLINES},
                {"usec empty", "usec=\"", "usec=\"\" x=\"", FAST_DECLINES},
                {"usec too large", "usec=\"", "usec=\"9999999", FAST_ANY},
                {"second attribute", "<lastupdate ", "<lastupdate a=\"1\" ", FAST_DECLINES},
                {"non-ASCII name", "<name>", "<name>\xc3\xa9", FAST_DECLINES},
                {"invalid UTF-8", "<name>", "<name>\xff", FAST_DECLINES},
                {"NUL", "<name>", "<name>\x01", FAST_DECLINES},
                {"greater-than in text", "<name>", "<name>>", FAST_DECLINES},
                {"trailing text", "</rrd>", "</rrd>x", FAST_DECLINES},
                {"second root", "</rrd>", "</rrd><rrd/>", FAST_DECLINES},
                {"trailing comment", "</rrd>", "</rrd><!-- end -->", FAST_DECLINES},
                {"trailing whitespace", "</rrd>", "</rrd>\n\n", FAST_TAKES},
                {"unclosed", "</rrd>", "", FAST_DECLINES},
                {"BOM", "<?xml", "\xef\xbb\xbf<?xml", FAST_DECLINES},
                {"leading space", "<?xml", " <?xml", FAST_DECLINES},
                {"text in row", "<row>", "<row>x", FAST_ANY},
                {"upper case", "<step>", "<STEP>", FAST_DECLINES},
                {"processing instruction", "<step>", "<?pi x?><step>", FAST_DECLINES},
                {"bad number", "<v>", "<v>1x", FAST_ANY},
                {"whitespace in a row", "<v>", " <v>", FAST_DECLINES},
                {"padded value", "<v>", "<v> ", FAST_DECLINES},
                {"value longer than any text kept", "<v>",
                 "<v>1111111111111111111111111111111111111111111111111111111111111111111111111111"
                 "1111111111111111111111111111111111111111111111111111111111111111111111111111"
                 "1111111111111111111111111111111111111111111111111111111111111111111111111111"
                 "1111111111111111111111111111111111111111111111111111111111111111111111111111",
                 FAST_DECLINES},
                {"number with an entity", "<v>", "<v>&#49;", FAST_DECLINES},
                {"missing step", "<step>", "<xff>", FAST_DECLINES},
        };
        char why[400];

        for (size_t i = 0; i < ELEMENTSOF(v); i++) {
                size_t n = 0;
                _cleanup_free_ char *d = replace(doc, v[i].from, v[i].to, &n);
                if (!d) {
                        CHECKF(false, "%s: '%s' not in the document", v[i].what, v[i].from);
                        continue;
                }
                CHECKF(agree(d, n, v[i].expect, why, sizeof(why)), "%s: %s", v[i].what,
                       why[0] ? why : "agree");
        }
        (void) len;
}

/* Random damage: flips, deletions, duplications and markup characters dropped in. */
static void test_mutations(const char *doc, size_t len) {
        static const char specials[] = "<>&/\"' \r\n\t=?!-;#x0.eU";
        GenRng g = {12};
        int n = 6000, n_agree = 0, n_fast = 0, n_refused = 0;
        char why[400] = "", first_why[400] = "";

        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *d = malloc(len * 2 + 64);
                size_t m = len;
                if (!d)
                        break;
                memcpy(d, doc, len);
                int edits = 1 + (int) gen_below(&g, 3);
                /* Two in five mutations are edits a reader should mostly accept. */
                bool benign = gen_below(&g, 5) < 2;
                for (int k = 0; k < edits && m > 1; k++) {
                        size_t at = gen_below(&g, m), span = 1 + gen_below(&g, 12);
                        if (at + span > m)
                                span = m - at;
                        if (benign) {
                                /* another digit, or whitespace after a tag */
                                while (at < m && !(d[at] >= '0' && d[at] <= '9') && d[at] != '>')
                                        at++;
                                if (at == m)
                                        continue;
                                if (d[at] != '>') {
                                        d[at] = (char) ('0' + gen_below(&g, 10));
                                } else if (m + 1 <= len * 2 + 32) {
                                        memmove(d + at + 2, d + at + 1, m - at - 1);
                                        d[at + 1] = " \n\t"[gen_below(&g, 3)];
                                        m++;
                                }
                                continue;
                        }
                        switch (gen_below(&g, 4)) {
                        case 0: /* a markup character */
                                d[at] = specials[gen_below(&g, sizeof(specials) - 1)];
                                break;
                        case 1: /* a random byte */
                                d[at] = (char) gen_below(&g, 256);
                                break;
                        case 2: /* deletion */
                                memmove(d + at, d + at + span, m - at - span);
                                m -= span;
                                break;
                        default: /* duplication of a span (room: doubled buffer) */
                                if (m + span <= len * 2 + 32) {
                                        memmove(d + at + span, d + at, m - at);
                                        m += span;
                                }
                                break;
                        }
                }
                _cleanup_(rrd_destroyp) Rrd *probe = NULL;
                bool fast = persist_load_memory_fast(d, m, &limits, &probe) == 0;
                if (agree(d, m, FAST_ANY, why, sizeof(why)))
                        n_agree++;
                else if (!first_why[0])
                        (void) snprintf(first_why, sizeof(first_why), "mutation %d: %s", i, why);
                n_fast += fast;
                n_refused += !probe && persist_load_memory_libxml(d, m, &limits, &probe, NULL) < 0;
        }
        CHECKF(n_agree == n, "%d of %d mutations: the loader answers as libxml2 does%s%s", n_agree,
               n, first_why[0] ? "; first: " : "", first_why);
        TAP_DIAG("%d mutations: %d took the fast path, %d refused", n, n_fast, n_refused);
        /* Both kinds must occur, or the comparison above proves little. */
        CHECKF(n_fast > n / 20 && n_refused > n / 4,
               "mutations exercise both paths (%d fast, %d refused)", n_fast, n_refused);
}

int main(void) {
        size_t len = 0;
        _cleanup_free_ char *doc = base_document(&len);

        if (!CHECK(doc != NULL))
                return TAP_DONE();
        test_variants(doc, len);
        test_mutations(doc, len);
        return TAP_DONE();
}
