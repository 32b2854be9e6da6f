#pragma once
/* SPDX-License-Identifier: MIT */
/* Logging to stderr (the journal under systemd) or syslog, with a rate limit for repeats. */

#include <stdbool.h>
#include <syslog.h>

#include "rrdd/macro.h"

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_SYSLOG,
} LogTarget;

/* The current maximum priority that is emitted (LOG_ERR .. LOG_DEBUG); the only global. */
extern int log_max_level;

void log_open(LogTarget target, const char *ident);
void log_set_max_level(int level);
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Emits one message; returns -abs(error) so callers can `return log_error_errno(r, ...)`. */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
        _printf_(5, 6);

#define log_full_errno(level, error, ...)                                                     \
        ({                                                                                    \
                int _l = (level), _e = (error);                                               \
                (_l <= log_max_level) ? log_internal(_l, _e, __FILE__, __LINE__, __VA_ARGS__) \
                                      : -((_e) < 0 ? -(_e) : (_e));                           \
        })

#define log_error(...) (void) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) (void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_warn(...) log_warning(__VA_ARGS__)
#define log_notice(...) (void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) (void) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) (void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)

#define log_error_errno(error, ...) log_full_errno(LOG_ERR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, error, __VA_ARGS__)

/*
 * A per-call-site limiter: at most `burst` messages per `interval_usec`; n_suppressed counts
 * what was dropped so far.
 */
typedef struct LogRateLimit {
        unsigned long long interval_usec;
        unsigned burst;
        unsigned long long begin_usec;
        unsigned n_emitted;
        unsigned n_suppressed;
} LogRateLimit;

#define LOG_RATELIMIT_INIT(interval_us, b) \
        { .interval_usec = (interval_us), .burst = (b) }

/* Returns true if a message may be emitted now. */
bool log_ratelimit_test(LogRateLimit *rl);

#define log_ratelimited(level, error, interval_us, burst, ...)                            \
        ({                                                                                \
                static LogRateLimit _rl = LOG_RATELIMIT_INIT(interval_us, burst);         \
                int _r = -((error) < 0 ? -(error) : (error));                             \
                if ((level) <= log_max_level && log_ratelimit_test(&_rl))                 \
                        _r = log_internal(level, error, __FILE__, __LINE__, __VA_ARGS__); \
                _r;                                                                       \
        })
