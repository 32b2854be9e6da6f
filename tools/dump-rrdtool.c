/* SPDX-License-Identifier: MIT */
/* rrdtool's dump layout, byte for byte, for comparing with `rrdtool dump` and for interop. */

#include "tools/dump-rrdtool.h"

#include <inttypes.h>
#include <math.h>
#include <time.h>

#include "consolidate/num.h"

static const char *e10(char *buf, double v) {
        (void) num_format_rrd_e10(buf, v);
        return buf;
}

static void local_time(char *buf, size_t size, int64_t t) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (!localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                buf[0] = '\0';
}

static void last_ds_string(char *buf, const RrdValue *v) {
        switch (v->kind) {
        case RRD_VALUE_INT:
                if (v->negative) {
                        buf[0] = '-';
                        (void) num_format_u64(buf + 1, v->magnitude);
                } else
                        (void) num_format_u64(buf, v->magnitude);
                break;
        case RRD_VALUE_DOUBLE:
                (void) num_format_shortest(buf, v->d);
                break;
        default:
                buf[0] = 'U';
                buf[1] = '\0';
        }
}

int dump_rrdtool(FILE *f, const Rrd *rrd, const char *const *last_ds_text) {
        char a[NUM_BUF_SIZE], b[NUM_BUF_SIZE], c[NUM_BUF_SIZE], tbuf[64];
        size_t n_ds = rrd_n_ds(rrd);
        bool v5 = false;

        for (size_t i = 0; i < n_ds; i++) {
                RrdDsType t = rrd_ds_def(rrd, i)->type;
                if (t == RRD_DS_DCOUNTER || t == RRD_DS_DDERIVE)
                        v5 = true;
        }
        fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<!DOCTYPE rrd SYSTEM \"https://oss.oetiker.ch/rrdtool/rrdtool.dtd\">\n"
              "<!-- Round Robin Database Dump -->\n<rrd>\n",
              f);
        fprintf(f, "\t<version>%s</version>\n", v5 ? "0005" : "0003");
        fprintf(f, "\t<step>%" PRIu64 "</step> <!-- Seconds -->\n", rrd_step(rrd));
        local_time(tbuf, sizeof(tbuf), rrd_last_up(rrd));
        fprintf(f, "\t<lastupdate>%" PRId64 "</lastupdate> <!-- %s -->\n\n", rrd_last_up(rrd),
                tbuf);
        for (size_t i = 0; i < n_ds; i++) {
                const RrdDsDef *d = rrd_ds_def(rrd, i);
                RrdDsState st;
                char last[NUM_BUF_SIZE + 8];

                rrd_get_ds_state(rrd, i, &st);
                fprintf(f, "\t<ds>\n\t\t<name> %s </name>\n\t\t<type> %s </type>\n", d->name,
                        rrd_ds_type_to_string(d->type));
                fprintf(f,
                        "\t\t<minimal_heartbeat>%" PRIu64 "</minimal_heartbeat>\n"
                        "\t\t<min>%s</min>\n\t\t<max>%s</max>\n\n\t\t<!-- PDP Status -->\n",
                        d->heartbeat_s, e10(a, d->min), e10(b, d->max));
                if (last_ds_text && last_ds_text[i] && st.last_ds.kind != RRD_VALUE_UNKNOWN)
                        fprintf(f, "\t\t<last_ds>%s</last_ds>\n", last_ds_text[i]);
                else {
                        last_ds_string(last, &st.last_ds);
                        fprintf(f, "\t\t<last_ds>%s</last_ds>\n", last);
                }
                fprintf(f, "\t\t<value>%s</value>\n\t\t<unknown_sec> %" PRIu64 " </unknown_sec>\n",
                        e10(a, st.value), st.unknown_sec);
                fputs("\t</ds>\n\n", f);
        }
        fputs("\t<!-- Round Robin Archives -->\n", f);
        for (size_t r = 0; r < rrd_n_rra(rrd); r++) {
                const RrdRraDef *d = rrd_rra_def(rrd, r);
                uint64_t len = (uint64_t) d->pdp_per_row * rrd_step(rrd);
                int64_t end = rrd_rra_end_time(rrd, r);

                fprintf(f,
                        "\t<rra>\n\t\t<cf>%s</cf>\n\t\t<pdp_per_row>%" PRIu32
                        "</pdp_per_row> <!-- %" PRIu64 " seconds -->\n\n",
                        rrd_cf_to_string(d->cf), d->pdp_per_row, len);
                fprintf(f, "\t\t<params>\n\t\t<xff>%s</xff>\n\t\t</params>\n", e10(a, d->xff));
                fputs("\t\t<cdp_prep>\n", f);
                for (size_t i = 0; i < n_ds; i++) {
                        RrdCdpState st;
                        rrd_get_cdp_state(rrd, r, i, &st);
                        fprintf(f,
                                "\t\t\t<ds>\n\t\t\t<primary_value>%s</primary_value>\n"
                                "\t\t\t<secondary_value>%s</secondary_value>\n"
                                "\t\t\t<value>%s</value>\n"
                                "\t\t\t<unknown_datapoints>%" PRIu64
                                "</unknown_datapoints>\n\t\t\t</ds>\n",
                                e10(a, st.primary_value), e10(b, st.secondary_value),
                                e10(c, st.value), st.unknown_pdps);
                }
                fputs("\t\t</cdp_prep>\n\t\t<database>\n", f);
                for (uint32_t row = 0; row < d->rows; row++) {
                        int64_t t = end - (int64_t) (len * (d->rows - 1 - row));
                        const double *vals = rrd_rra_row(rrd, r, row);
                        local_time(tbuf, sizeof(tbuf), t);
                        fprintf(f, "\t\t\t<!-- %s / %" PRId64 " --> <row>", tbuf, t);
                        for (size_t i = 0; i < n_ds; i++)
                                fprintf(f, "<v>%s</v>", e10(a, vals[i]));
                        fputs("</row>\n", f);
                }
                fputs("\t\t</database>\n\t</rra>\n", f);
        }
        fputs("</rrd>\n", f);
        return ferror(f) ? -EIO : 0;
}
