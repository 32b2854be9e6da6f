/* SPDX-License-Identifier: MIT */
/*
 * Log output. Messages carry a syslog priority; on stderr they get a "<N>" prefix that
 * journald understands, so the same binary logs well under systemd and in a terminal.
 */

#include "rrdd/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_STDERR;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void log_open(LogTarget target, const char *ident) {
        log_target = target;
        if (target == LOG_TARGET_SYSLOG)
                openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_max_level(int level) {
        if (level >= LOG_EMERG && level <= LOG_DEBUG)
                log_max_level = level;
}

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (level_names[i] && strcmp(level_names[i], s) == 0)
                        return (int) i;
        if (strcmp(s, "warn") == 0)
                return LOG_WARNING;
        if (strcmp(s, "err") == 0)
                return LOG_ERR;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        char buf[2048];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        /* Let %m print the error we were given rather than whatever errno holds now. */
        errno = error;
        va_start(ap, fmt);
        (void) vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_SYSLOG) {
                syslog(level, "%s", buf);
        } else {
                if (log_max_level >= LOG_DEBUG)
                        (void) fprintf(stderr, "<%d>%s (%s:%d)\n", level, buf, file, line);
                else
                        (void) fprintf(stderr, "<%d>%s\n", level, buf);
        }
        errno = saved;
        return -error;
}

bool log_ratelimit_test(LogRateLimit *rl) {
        struct timespec ts;
        unsigned long long now;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000;
        if (rl->begin_usec == 0 || now - rl->begin_usec >= rl->interval_usec) {
                rl->begin_usec = now;
                rl->n_emitted = 0;
        }
        if (rl->n_emitted < rl->burst) {
                rl->n_emitted++;
                return true;
        }
        rl->n_suppressed++;
        return false;
}
