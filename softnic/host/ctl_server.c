/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (softnic.h "Control socket server").
 *
 * One thread per process listens on a UNIX stream socket.  Per connection
 * it reads one command line (up to CTL_MAX_LINE bytes, ended by '\n' or by
 * the client shutting down its side; a client gets CTL_READ_TIMEOUT_MS to
 * send it), runs sn_ctl_exec(), writes the answer (always ending in '\n')
 * and closes the connection.  softnic-ctl is the client; the protocol is
 * documented in doc/softnic.md.
 *
 * The thread blocks every signal, so the application's signal handling is
 * unaffected.  A stale socket file (no listener) is replaced; a live one
 * (another process serving the same path) makes start fail with
 * -EADDRINUSE.  In a forked child the server is not running; stop there
 * only forgets the parent's state.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "softnic.h"

#define CTL_MAX_LINE		4096u
#define CTL_MAX_ANSWER		(256u * 1024u)
#define CTL_READ_TIMEOUT_MS	2000

static struct {
	pthread_mutex_t lock;
	bool running;
	pid_t pid;			/* process that started the server */
	pthread_t thread;
	int lfd;			/* listening socket */
	int stop_pipe[2];		/* written by sn_ctl_server_stop */
	dev_t dev;			/* identity of the socket file we bound */
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .lfd = -1,
	  .stop_pipe = { -1, -1 } };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read one line from fd into line (NUL terminated, without the newline).
 * Returns its length, or -1 on timeout, error or an overlong line. */
static int
read_line(int fd, char *line, size_t cap)
{
	int64_t deadline = now_ms() + CTL_READ_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		char *nl;

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;	/* EINTR or timeout: re-check deadline */
		n = recv(fd, line + len, cap - 1 - len, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		line[len + (size_t)n] = '\0';
		nl = memchr(line + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			len = (size_t)(nl - line);
			break;
		}
		if (n == 0)
			break;		/* client closed its side: line complete */
		if (len == cap - 1)
			return -1;
	}
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	return (int)len;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;	/* client went away */
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
serve_one(int cfd, char *line, char *answer)
{
	size_t alen;
	int ret;

	if (read_line(cfd, line, CTL_MAX_LINE) < 0) {
		snprintf(answer, CTL_MAX_ANSWER,
			 "error: no command line received (max %u bytes, %d ms)\n",
			 CTL_MAX_LINE - 1, CTL_READ_TIMEOUT_MS);
	} else {
		answer[0] = '\0';
		ret = sn_ctl_exec(line, answer, CTL_MAX_ANSWER - 1);
		if (answer[0] == '\0' && ret < 0)
			snprintf(answer, CTL_MAX_ANSWER, "error: %s\n", strerror(-ret));
		else if (answer[0] == '\0')
			snprintf(answer, CTL_MAX_ANSWER, "ok\n");
		sn_log(SN_LOG_DEBUG, "ctl: \"%s\" -> %d\n", line, ret);
	}
	alen = strnlen(answer, CTL_MAX_ANSWER - 1);
	if (alen == 0 || answer[alen - 1] != '\n')
		answer[alen++] = '\n';
	write_all(cfd, answer, alen);
}

static void *
server_thread(void *arg)
{
	char *line = malloc(CTL_MAX_LINE);
	char *answer = malloc(CTL_MAX_ANSWER);

	(void)arg;
	if (line == NULL || answer == NULL) {
		sn_log(SN_LOG_ERR, "ctl: out of memory, control socket %s not served\n",
		       srv.path);
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = srv.lfd, .events = POLLIN },
			{ .fd = srv.stop_pipe[0], .events = POLLIN },
		};
		int cfd;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			sn_log(SN_LOG_ERR, "ctl: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		cfd = accept4(srv.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;	/* client gone, EMFILE, ...: try again */
		serve_one(cfd, line, answer);
		close(cfd);
	}
out:
	free(line);
	free(answer);
	return NULL;
}

/* Is a server alive on path?  (connect succeeds) */
static bool
socket_alive(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return alive;
}

static void
close_fds(void)
{
	if (srv.lfd >= 0)
		close(srv.lfd);
	if (srv.stop_pipe[0] >= 0)
		close(srv.stop_pipe[0]);
	if (srv.stop_pipe[1] >= 0)
		close(srv.stop_pipe[1]);
	srv.lfd = srv.stop_pipe[0] = srv.stop_pipe[1] = -1;
}

/*
 * Start the control server on the UNIX socket `path` (created; a stale
 * socket file is replaced).  Returns 0 (also if already serving the same
 * path in this process), -EINVAL (empty path), -ENAMETOOLONG (longer than
 * sun_path), -EBUSY (already serving another path), -EADDRINUSE (another
 * process serves path), or -errno of socket/bind/listen/pthread_create.
 */
int
sn_ctl_server_start(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	sigset_t all, old;
	struct stat st;
	int ret;

	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		sn_log(SN_LOG_ERR, "ctl: socket path longer than %zu bytes: %s\n",
		       sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);

	pthread_mutex_lock(&srv.lock);
	if (srv.running && srv.pid == getpid()) {
		ret = strcmp(srv.path, path) == 0 ? 0 : -EBUSY;
		pthread_mutex_unlock(&srv.lock);
		return ret;
	}
	srv.running = false;
	srv.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0)
		goto fail_errno;
	if (bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EADDRINUSE)
			goto fail_errno;
		if (socket_alive(&sa)) {
			sn_log(SN_LOG_WARN, "ctl: another process already serves %s; "
			       "this one has no control socket\n", path);
			ret = -EADDRINUSE;
			goto fail;
		}
		unlink(path);	/* stale socket of a process that died */
		if (bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail_errno;
	}
	if (stat(path, &st) < 0)
		goto fail_errno;
	srv.dev = st.st_dev;
	srv.ino = st.st_ino;
	if (listen(srv.lfd, 16) < 0 ||
	    pipe2(srv.stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = -errno;
		unlink(path);
		goto fail;
	}
	strcpy(srv.path, path);

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&srv.thread, NULL, server_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0) {
		unlink(path);
		goto fail;
	}
	pthread_setname_np(srv.thread, "softnic-ctl");
	srv.pid = getpid();
	srv.running = true;
	pthread_mutex_unlock(&srv.lock);
	sn_log(SN_LOG_INFO, "ctl: serving %s\n", path);
	return 0;

fail_errno:
	ret = -errno;
fail:
	if (ret != -EADDRINUSE)
		sn_log(SN_LOG_ERR, "ctl: cannot serve %s: %s\n", path, strerror(-ret));
	close_fds();
	pthread_mutex_unlock(&srv.lock);
	return ret;
}

/*
 * Stop the server: wake and join the thread, close the socket and remove
 * the socket file (only if it is still the one this process bound).  No-op
 * when not running.  Must not be called from a control command.
 */
void
sn_ctl_server_stop(void)
{
	struct stat st;
	char c = 1;

	pthread_mutex_lock(&srv.lock);
	if (!srv.running) {
		pthread_mutex_unlock(&srv.lock);
		return;
	}
	srv.running = false;
	if (srv.pid != getpid()) {
		/* Forked child: the thread and the socket belong to the parent. */
		close_fds();
		pthread_mutex_unlock(&srv.lock);
		return;
	}
	while (write(srv.stop_pipe[1], &c, 1) < 0 && errno == EINTR)
		;
	if (pthread_equal(pthread_self(), srv.thread))
		pthread_detach(srv.thread);
	else
		pthread_join(srv.thread, NULL);
	if (stat(srv.path, &st) == 0 && st.st_dev == srv.dev &&
	    st.st_ino == srv.ino)
		unlink(srv.path);
	close_fds();
	pthread_mutex_unlock(&srv.lock);
}
