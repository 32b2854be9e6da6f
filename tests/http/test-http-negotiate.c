/* SPDX-License-Identifier: MIT */
/* XML/JSON and Prometheus/OpenMetrics choices from Accept headers and the json parameter. */

#include <stddef.h>

#include "http/negotiate.h"
#include "rrdd/macro.h"
#include "tests/tap.h"

int main(void) {
        static const struct {
                const char *accept;
                bool json_param;
                HttpFormat want;
        } fmt[] = {
                /* No preference: XML, as wget and curl users expect (*\/\* too, unlike xcp-rrdd).
                 */
                {NULL, false, HTTP_FORMAT_XML},
                {"*/*", false, HTTP_FORMAT_XML},
                {"", false, HTTP_FORMAT_XML},
                {"garbage", false, HTTP_FORMAT_XML},
                {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false,
                 HTTP_FORMAT_XML},
                {"text/xml", false, HTTP_FORMAT_XML},
                /* The json parameter decides whatever Accept says. */
                {NULL, true, HTTP_FORMAT_JSON},
                {"text/xml", true, HTTP_FORMAT_JSON},
                /* Explicit JSON preferences. */
                {"application/json", false, HTTP_FORMAT_JSON},
                {"Application/JSON", false, HTTP_FORMAT_JSON},
                {"application/json, */*;q=0.8", false, HTTP_FORMAT_JSON},
                {"application/json, */*", false, HTTP_FORMAT_JSON},
                {"text/xml;q=0.5, application/json", false, HTTP_FORMAT_JSON},
                {"application/json;charset=utf-8", false, HTTP_FORMAT_JSON},
                /* ... and what does not count as one. */
                {"application/json;q=0.5, */*", false, HTTP_FORMAT_XML},
                {"application/json, text/xml", false, HTTP_FORMAT_XML},
                {"application/json;q=0.9, text/*", false, HTTP_FORMAT_XML},
                {"application/json;q=0", false, HTTP_FORMAT_XML},
                {"application/*", false, HTTP_FORMAT_XML},
                {"application/json;q=abc", false, HTTP_FORMAT_XML},
                {"application/json;q=1.5", false, HTTP_FORMAT_XML},
        };
        for (size_t i = 0; i < ELEMENTSOF(fmt); i++)
                CHECKF(http_negotiate_format(fmt[i].accept, fmt[i].json_param) == fmt[i].want,
                       "Accept '%s' json %d", fmt[i].accept ? fmt[i].accept : "(none)",
                       fmt[i].json_param);

        /* q values: three decimals, the most specific range wins. */
        CHECK(http_accept_q("text/*;q=0.3, text/xml;q=0.7, */*;q=0.1", "text/xml", false) == 700);
        CHECK(http_accept_q("text/*;q=0.3, */*;q=0.1", "text/xml", false) == 300);
        CHECK(http_accept_q("*/*;q=0.125", "text/xml", false) == 125);
        CHECK(http_accept_q("*/*;q=0.125", "text/xml", true) == -1);
        CHECK(http_accept_q("text/plain", "text/xml", false) == -1);
        CHECK(http_accept_q(NULL, "text/xml", false) == -1);
        CHECK(http_accept_q(" text/xml ; q=0.5 ; level=1", "text/xml", true) == 500);

        static const struct {
                const char *accept;
                bool om;
        } om[] = {
                {NULL, false},
                {"*/*", false},
                {"text/plain", false},
                /* What Prometheus sends. */
                {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                 "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                 true},
                {"application/openmetrics-text", true},
                {"text/plain, application/openmetrics-text;q=0.5", false},
                {"application/openmetrics-text;q=0", false},
        };
        for (size_t i = 0; i < ELEMENTSOF(om); i++)
                CHECKF(http_negotiate_openmetrics(om[i].accept) == om[i].om, "Accept '%s'",
                       om[i].accept ? om[i].accept : "(none)");
        return TAP_DONE();
}
