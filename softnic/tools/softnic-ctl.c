/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softnic-ctl: send one control command to a running soft-NIC.
 *
 *   softnic-ctl [--socket PATH] [--timeout SEC] COMMAND [ARGS...]
 *
 * The words are joined with single spaces into one line and sent to the
 * control socket ($SOFTNIC_CTL, set by softnic-run, unless --socket); the
 * answer is printed to stdout.  Exit status: 0 for an "ok ..." or counter
 * answer, 1 for an "error ..." answer, 2 for a usage error, 3 when the soft-
 * NIC cannot be reached (no socket, nobody listening, timeout).
 * The command set is documented in doc/softnic.md and softnic.h
 * (sn_ctl_exec).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define EXIT_ERROR_ANSWER	1
#define EXIT_USAGE		2
#define EXIT_UNREACHABLE	3
#define MAX_LINE		4096

static const char usage_text[] =
"Usage: softnic-ctl [--socket PATH] [--timeout SEC] COMMAND [ARGS...]\n"
"\n"
"Send COMMAND to the soft-NIC control socket (default $SOFTNIC_CTL, which\n"
"softnic-run sets for the command it runs) and print the answer.\n"
"\n"
"Commands (adapter and port are 0-based indices):\n"
"  status                                adapters, ports, link, revoked state\n"
"  counters <adapter> [<port>]           counters as key=value lines\n"
"  reset-counters <adapter>\n"
"  revoke <adapter>                      VF removal: DEVICE_FATAL, EIO, no DMA\n"
"  restore <adapter>                     the VF comes back (new queue ids)\n"
"  link <adapter> <port> up|down\n"
"  fault <adapter> <port> tx-error <n> <cqe_type>   next n TX WQEs fail\n"
"  fault <adapter> <port> owner-corrupt  wrong owner bits in the next CQE\n"
"  fault <adapter> <port> drop <n>       drop the next n arriving frames\n"
"  fault <adapter> <port> delay <usec>   delay completions\n"
"  coalesce on|off                       CQE_RX_COALESCED_4 generation\n"
"\n"
"Options:\n"
"  -s, --socket PATH   control socket (default $SOFTNIC_CTL)\n"
"  -t, --timeout SEC   give up after SEC seconds (default 10)\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 ok, 1 the soft-NIC answered with an error, 2 usage error,\n"
"3 the soft-NIC could not be reached.\n";

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = getenv("SOFTNIC_CTL");
	char line[MAX_LINE], buf[65536];
	size_t len = 0, total = 0;
	long timeout_s = 10;
	int64_t deadline;
	char *end;
	int c, fd, i;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "+s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 't':
			timeout_s = strtol(optarg, &end, 10);
			if (*end != '\0' || timeout_s <= 0 || timeout_s > 3600) {
				fprintf(stderr, "softnic-ctl: --timeout %s: expected 1..3600\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'softnic-ctl --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "softnic-ctl: no command given; see --help\n");
		return EXIT_USAGE;
	}
	if (sock == NULL || sock[0] == '\0') {
		fprintf(stderr, "softnic-ctl: no socket: run under softnic-run (which sets "
			"SOFTNIC_CTL) or give --socket PATH\n");
		return EXIT_USAGE;
	}
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "softnic-ctl: socket path too long: %s\n", sock);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, sock);

	for (i = optind; i < argc; i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s",
				 i > optind ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - len - 1 ||
		    strchr(argv[i], '\n') != NULL) {
			fprintf(stderr, "softnic-ctl: command too long or contains a newline\n");
			return EXIT_USAGE;
		}
		len += (size_t)w;
	}
	line[len++] = '\n';

	deadline = now_ms() + timeout_s * 1000;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "softnic-ctl: cannot connect to %s: %s%s\n", sock, strerror(errno),
			errno == ECONNREFUSED || errno == ENOENT ?
			" (is a soft-NIC program running and has it opened the device?)" : "");
		return EXIT_UNREACHABLE;
	}
	for (size_t off = 0; off < len; off += (size_t)n) {
		n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			fprintf(stderr, "softnic-ctl: send: %s\n", strerror(errno));
			return EXIT_UNREACHABLE;
		}
	}
	shutdown(fd, SHUT_WR);

	/* Print the answer as it arrives; remember its first bytes. */
	char head[8] = "";
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			fprintf(stderr, "softnic-ctl: no complete answer from %s within %ld s\n",
				sock, timeout_s);
			return EXIT_UNREACHABLE;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "softnic-ctl: read: %s\n", strerror(errno));
			return EXIT_UNREACHABLE;
		}
		if (n == 0)
			break;
		if (total < sizeof(head) - 1) {
			size_t k = sizeof(head) - 1 - total;

			memcpy(head + total, buf, (size_t)n < k ? (size_t)n : k);
		}
		total += (size_t)n;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	if (total == 0) {
		fprintf(stderr, "softnic-ctl: empty answer from %s\n", sock);
		return EXIT_UNREACHABLE;
	}
	return strncmp(head, "error", 5) == 0 ? EXIT_ERROR_ANSWER : 0;
}
