/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server in a small epoll loop over the fake backend, for integration tests and
 * benchmarks. Prints "PORT <n>" once listening. Ticks every RRD at each 5 s wall-clock boundary
 * (unless --no-tick); SIGUSR1 forces one tick 5 s after the last, SIGHUP reloads the users,
 * SIGTERM/SIGINT exit 0.
 *
 *   http-harness [--listen A:P] [--vms N] [--srs N] [--halted N] [--ds N] [--history S]
 *                [--vm-min-max] [--users FILE] [--pool-secret S] [--tls-cert F --tls-key F]
 *                [--metrics-auth] [--session-timeout S] [--sessions-per-user N]
 *                [--max-connections N] [--connection-timeout S] [--request-size-max B]
 *                [--no-tick] [--noisy]
 *
 * --noisy divides every value by 7, so numbers print with 16-17 digits as real rates do (for
 * benchmarks; the tests' expected values assume it is off).
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fake-backend.h"
#include "http/server.h"
#include "rrdd/log.h"

static int64_t now_s(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec;
}

static int arm_tick(int tfd) {
        /* The next multiple of 5 s of the wall clock, as an absolute realtime deadline. */
        struct itimerspec its = {.it_value.tv_sec = (now_s() / 5 + 1) * 5};
        return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int main(int argc, char **argv) {
        FakeOptions fo = {.n_vms = 3, .n_srs = 1, .n_halted = 1, .n_vm_ds = 6, .history_s = 7200};
        HttpConfig hc = {
                .listen = "127.0.0.1:0",
                .max_connections = 64,
                .connection_timeout_s = 30,
                .request_size_max = 65536,
                .session_timeout_s = 600,
                .sessions_per_user = 4,
        };
        bool tick = true;
        enum {
                OPT_VMS = 256,
                OPT_SRS,
                OPT_HALTED,
                OPT_DS,
                OPT_HISTORY,
                OPT_VM_MIN_MAX,
                OPT_USERS,
                OPT_POOL,
                OPT_CERT,
                OPT_KEY,
                OPT_METRICS_AUTH,
                OPT_SESSION_TIMEOUT,
                OPT_SESSIONS,
                OPT_MAX_CONN,
                OPT_CONN_TIMEOUT,
                OPT_REQ_MAX,
                OPT_NO_TICK,
                OPT_LISTEN,
                OPT_NOISY,
        };
        static const struct option longopts[] = {
                {"vms", required_argument, NULL, OPT_VMS},
                {"srs", required_argument, NULL, OPT_SRS},
                {"halted", required_argument, NULL, OPT_HALTED},
                {"ds", required_argument, NULL, OPT_DS},
                {"history", required_argument, NULL, OPT_HISTORY},
                {"vm-min-max", no_argument, NULL, OPT_VM_MIN_MAX},
                {"users", required_argument, NULL, OPT_USERS},
                {"pool-secret", required_argument, NULL, OPT_POOL},
                {"tls-cert", required_argument, NULL, OPT_CERT},
                {"tls-key", required_argument, NULL, OPT_KEY},
                {"metrics-auth", no_argument, NULL, OPT_METRICS_AUTH},
                {"session-timeout", required_argument, NULL, OPT_SESSION_TIMEOUT},
                {"sessions-per-user", required_argument, NULL, OPT_SESSIONS},
                {"max-connections", required_argument, NULL, OPT_MAX_CONN},
                {"connection-timeout", required_argument, NULL, OPT_CONN_TIMEOUT},
                {"request-size-max", required_argument, NULL, OPT_REQ_MAX},
                {"no-tick", no_argument, NULL, OPT_NO_TICK},
                {"listen", required_argument, NULL, OPT_LISTEN},
                {"noisy", no_argument, NULL, OPT_NOISY},
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_VMS:
                        fo.n_vms = strtoul(optarg, NULL, 10);
                        break;
                case OPT_SRS:
                        fo.n_srs = strtoul(optarg, NULL, 10);
                        break;
                case OPT_HALTED:
                        fo.n_halted = strtoul(optarg, NULL, 10);
                        break;
                case OPT_DS:
                        fo.n_vm_ds = strtoul(optarg, NULL, 10);
                        break;
                case OPT_HISTORY:
                        fo.history_s = strtoll(optarg, NULL, 10);
                        break;
                case OPT_VM_MIN_MAX:
                        fo.vm_min_max = true;
                        break;
                case OPT_USERS:
                        hc.users_file = optarg;
                        break;
                case OPT_POOL:
                        hc.pool_secret = optarg;
                        break;
                case OPT_CERT:
                        hc.tls_cert = optarg;
                        break;
                case OPT_KEY:
                        hc.tls_key = optarg;
                        break;
                case OPT_METRICS_AUTH:
                        hc.metrics_auth = true;
                        break;
                case OPT_SESSION_TIMEOUT:
                        hc.session_timeout_s = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case OPT_SESSIONS:
                        hc.sessions_per_user = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case OPT_MAX_CONN:
                        hc.max_connections = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case OPT_CONN_TIMEOUT:
                        hc.connection_timeout_s = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case OPT_REQ_MAX:
                        hc.request_size_max = strtoull(optarg, NULL, 10);
                        break;
                case OPT_NO_TICK:
                        tick = false;
                        break;
                case OPT_LISTEN:
                        hc.listen = optarg;
                        break;
                case OPT_NOISY:
                        fo.noisy = true;
                        break;
                default:
                        return 2;
                }
        }
        log_set_max_level(LOG_WARNING);

        FakeBackend *fb = NULL;
        int r = fake_backend_new(&fb, &fo, now_s() / 5 * 5);
        if (r < 0) {
                fprintf(stderr, "fake backend: %s\n", strerror(-r));
                return 1;
        }
        HttpBackend be;
        fake_backend_table(fb, &be);
        HttpServer *srv = NULL;
        r = http_server_new(&srv, &hc, &be);
        if (r < 0) {
                fake_backend_free(fb);
                return 1;
        }

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        int tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN};
        ev.data.u32 = 0;
        epoll_ctl(ep, EPOLL_CTL_ADD, http_server_fd(srv), &ev);
        ev.data.u32 = 1;
        epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
        ev.data.u32 = 2;
        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
        /* A test that dies closes our stdin pipe: then we go too, leaving nothing behind. */
        struct stat st;
        bool watch_stdin = fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
        ev.data.u32 = 3;
        if (watch_stdin)
                epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
        if (tick)
                (void) arm_tick(tfd);

        printf("PORT %u\n", http_server_port(srv));
        fflush(stdout);

        int status = 0;
        for (bool done = false; !done;) {
                struct epoll_event events[8];
                int n = epoll_wait(ep, events, 8, http_server_timeout_msec(srv));
                if (n < 0 && errno != EINTR) {
                        status = 1;
                        break;
                }
                for (int i = 0; i < n; i++) {
                        if (events[i].data.u32 == 1) {
                                struct signalfd_siginfo si;
                                while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                        if (si.ssi_signo == SIGHUP)
                                                (void) http_server_reload_users(srv);
                                        else if (si.ssi_signo == SIGUSR1)
                                                (void) fake_backend_tick(fb,
                                                                         fake_backend_last(fb) + 5);
                                        else
                                                done = true;
                                }
                        } else if (events[i].data.u32 == 3) {
                                char buf[256];
                                if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
                                        done = true;
                        } else if (events[i].data.u32 == 2) {
                                uint64_t k;
                                if (read(tfd, &k, sizeof(k)) < 0 && errno != EAGAIN)
                                        break;
                                int64_t t = now_s() / 5 * 5;
                                if (t > fake_backend_last(fb))
                                        (void) fake_backend_tick(fb, t);
                                (void) arm_tick(tfd);
                        }
                }
                /* MHD wants to run after every wake-up once it asked for a timeout. */
                if (http_server_run(srv) < 0) {
                        status = 1;
                        break;
                }
        }
        http_server_free(srv);
        fake_backend_free(fb);
        close(ep);
        close(sfd);
        close(tfd);
        return status;
}
