/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softnic-run: run a command on a soft-NIC.
 *
 *   softnic-run [options] -- COMMAND [ARGS...]
 *
 * Sets up a private run directory with the device configuration
 * (sn_config_write) and the fake sysfs (sn_sysfs_create), creates the TAP
 * interfaces of tap wires, points the environment at them and at the
 * drop-in libibverbs.so.1/libmana.so.1, runs COMMAND, forwards SIGINT/
 * SIGTERM/SIGHUP/SIGQUIT sent to softnic-run (by kill(), not by the
 * terminal, which signals COMMAND itself) to COMMAND, waits for it, tears
 * everything down even when COMMAND fails, and exits with COMMAND's status
 * (128 + signal number if it was killed by a signal).  softnic-run's own
 * failures exit with 125 (usage: 2); COMMAND not executable: 126, not
 * found: 127.  See --help and doc/softnic.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/if_tun.h>

#include "softnic.h"

#ifndef SOFTNIC_DROPIN_DIR
#error "SOFTNIC_DROPIN_DIR (directory of the drop-in libibverbs.so.1) must be defined by the build"
#endif

#define EXIT_SETUP	125
#define EXIT_USAGE	2
#define MAX_WIRES	SN_MAX_PORTS
#define RUN_DIR_MAX	(PATH_MAX - 64)	/* room for "/sys/bus/pci/..." below it */

static const char usage_text[] =
"Usage: softnic-run [OPTIONS] [--] COMMAND [ARGS...]\n"
"\n"
"Run COMMAND on a software MANA device (soft-NIC): an unmodified MANA\n"
"userspace driver (DPDK net_mana, raw verbs + manadv programs) finds one\n"
"adapter exactly as on an Azure VM and drives it through the drop-in\n"
"libibverbs.so.1 and libmana.so.1.\n"
"\n"
"Device options:\n"
"  --ports N           vPorts of the adapter (1..%u, default 2)\n"
"  --wire SPEC         what is behind a port; the i-th --wire applies to\n"
"                      port i, the last one repeats for the remaining ports\n"
"                      (default: loop):\n"
"                        loop          ports 0<->1, 2<->3, ...; an unpaired last\n"
"                                      port loops to itself\n"
"                        loop:P        frames sent arrive at port P (may be the\n"
"                                      port itself)\n"
"                        tap           a new TAP interface snt<pid>p<port>\n"
"                        tap:IFNAME    the TAP interface IFNAME (created if\n"
"                                      missing); softnic-run opens it before\n"
"                                      COMMAND starts, so COMMAND (e.g. a script)\n"
"                                      may move it into a network namespace\n"
"                        pcap:IN[:OUT] RX replays capture IN once, TX appends to\n"
"                                      capture OUT (\"-\" = none)\n"
"                        null          TX discarded, nothing received\n"
"                        gen:LEN[:FLOWS[:COUNT]]\n"
"                                      traffic generator: RX delivers IPv4/UDP\n"
"                                      frames of LEN bytes without FCS (60..%u;\n"
"                                      60 = 64-byte frames) to the port's MAC,\n"
"                                      round-robin over FLOWS UDP source ports\n"
"                                      1024+i (1..65536, default 1), COUNT frames\n"
"                                      in total (default 0 = endless); TX\n"
"                                      discarded (a source for rxonly tests)\n"
"  --mac MAC           MAC of port i for the i-th --mac\n"
"                      (default 00:15:5d:00:00:<port+1>)\n"
"  --ifname NAME       kernel netdev name of port i shown in sysfs for the\n"
"                      i-th --ifname (default eth<port+1>); not a real netdev\n"
"  --mtu N             MTU of every port, bytes (%u..%u, default %u)\n"
"  --pci ADDR          PCI address (default 7870:00:00.0)\n"
"  --device-id ID      PCI device id: 0x00ba (VF, default) or 0x00b9 (PF)\n"
"  --ibdev NAME        IB device name (default mana_0)\n"
"  --profile P         default: rdma-core 44 + first mana_ib kernels (256 WRs,\n"
"                      30/15 SGEs, 64 queues); current: limits from device\n"
"                      caps (2048 WRs)\n"
"  --coalesce on|off   CQE_RX_COALESCED_4 generation (default on, as kernels\n"
"                      >= 6.5 configure it)\n"
"\n"
"Run options:\n"
"  --ctl PATH          control socket (default <run dir>/ctl.sock); use\n"
"                      softnic-ctl to revoke/restore, set link state, read\n"
"                      counters and inject faults\n"
"  --run-dir DIR       directory for the configuration and fake sysfs\n"
"                      (default: a new /tmp/softnic.XXXXXX)\n"
"  --keep              keep the run directory after COMMAND exits\n"
"  --log LEVEL         soft-NIC log level on stderr: error|warn|info|debug\n"
"                      (default warn; also sets SOFTNIC_LOG)\n"
"  --lib-dir DIR       directory of the drop-in libibverbs.so.1/libmana.so.1\n"
"                      (default %s)\n"
"  -h, --help          this text\n"
"\n"
"Environment given to COMMAND:\n"
"  SOFTNIC_CONF        the device configuration file\n"
"  SYSFS_PCI_DEVICES   <run dir>/sys/bus/pci/devices (DPDK's PCI bus scan)\n"
"  SOFTNIC_CTL         the control socket path\n"
"  SOFTNIC_RUN_DIR     the run directory\n"
"  LD_LIBRARY_PATH     the drop-in directory first\n"
"  SOFTNIC_LOG         with --log\n"
"\n"
"Exit status: COMMAND's (128+N if killed by signal N); 125 if softnic-run\n"
"itself failed, 2 for a usage error, 126/127 if COMMAND cannot be run.\n"
"\n"
"Example (DPDK testpmd on two looped ports):\n"
"  softnic-run --ports 2 --wire loop -- dpdk-testpmd --no-huge -m 1024 \\\n"
"      --iova-mode=va -a 7870:00:00.0,mac=00:15:5d:00:00:01 -- -i\n";

static struct {
	struct sn_config cfg;
	char run_dir[RUN_DIR_MAX];
	bool run_dir_ours;	/* created by us: remove entirely */
	bool keep;
	char conf_path[PATH_MAX];
	int tap_fd[SN_MAX_PORTS];
} st;

static void __attribute__((format(printf, 1, 2)))
err(const char *fmt, ...)
{
	va_list ap;

	fputs("softnic-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
parse_uint(const char *s, unsigned long min, unsigned long max,
	   unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] == '-' || s[0] == '\0')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int n = -1, i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &n) != 6 || n != (int)strlen(s))
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return -1;	/* multicast/broadcast cannot be a port MAC */
	return 0;
}

static int
parse_level(const char *s)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Absolute form of a pcap file name ("-" stays). */
static int
abs_file(const char *name, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int n;

	if (strcmp(name, "-") == 0 || name[0] == '/')
		n = snprintf(out, len, "%s", name);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	else
		n = snprintf(out, len, "%s/%s", cwd, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Check the argument of a generator wire, "LEN[:FLOWS[:COUNT]]" (the part
 * after "gen:"), against the grammar of softnic/wire/wire_gen.c: decimal
 * numbers only, LEN 60..SN_MAX_FRAME, FLOWS 1..65536, COUNT 0..2^64-1
 * (0 = endless).  0 if valid, -1 if not.
 */
static int
check_gen(const char *arg)
{
	static const unsigned long long lo[3] = { 60, 1, 0 };
	const unsigned long long hi[3] = { SN_MAX_FRAME, 65536, ~0ull };
	const char *p = arg;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		unsigned long long v = 0;
		const char *start = p;

		for (; *p >= '0' && *p <= '9'; p++) {
			unsigned int d = (unsigned int)(*p - '0');

			if (v > (hi[i] - d) / 10)
				return -1;
			v = v * 10 + d;
		}
		if (p == start || v < lo[i])
			return -1;
		if (*p == '\0')
			return 0;
		if (*p != ':')
			return -1;
		p++;
	}
	return -1;	/* more than three fields */
}

/* Resolve the --wire list into one concrete spec per port (without TAPs
 * opened yet: "tap:<name>" stays).  0 or -1 (error printed). */
static int
resolve_wires(struct sn_adapter_config *a, char **wires, unsigned int nw)
{
	unsigned int i, n = a->num_ports;

	for (i = 0; i < n; i++) {
		const char *w = nw == 0 ? "loop" : wires[i < nw ? i : nw - 1];
		bool repeated = nw > 0 && i >= nw;
		char *spec = a->port[i].wire;
		size_t cap = sizeof(a->port[i].wire);
		unsigned long peer;

		if (strcmp(w, "loop") == 0) {
			unsigned int p = i ^ 1u;

			snprintf(spec, cap, "loop:%u", p < n ? p : i);
		} else if (strncmp(w, "loop:", 5) == 0) {
			if (parse_uint(w + 5, 0, n - 1, &peer) < 0) {
				err("--wire %s: peer port must be 0..%u", w, n - 1);
				return -1;
			}
			snprintf(spec, cap, "loop:%lu", peer);
		} else if (strcmp(w, "tap") == 0) {
			snprintf(spec, cap, "tap:snt%dp%u", (int)getpid(), i);
		} else if (strncmp(w, "tap:", 4) == 0) {
			if (repeated) {
				err("--wire %s would be used by ports %u and %u: give one --wire per port "
				    "or plain \"tap\" for generated names", w, nw - 1, i);
				return -1;
			}
			if (strlen(w + 4) == 0 || strlen(w + 4) >= IF_NAMESIZE ||
			    strchr(w + 4, '/') || strchr(w + 4, ':')) {
				err("--wire %s: bad interface name", w);
				return -1;
			}
			snprintf(spec, cap, "%s", w);
		} else if (strncmp(w, "tapfd:", 6) == 0 || strcmp(w, "null") == 0) {
			if (snprintf(spec, cap, "%s", w) >= (int)cap) {
				err("--wire %s: too long", w);
				return -1;
			}
		} else if (strncmp(w, "pcap:", 5) == 0) {
			char in[PATH_MAX], out[PATH_MAX], ain[PATH_MAX], aout[PATH_MAX];
			const char *colon = strchr(w + 5, ':');
			size_t in_len = colon ? (size_t)(colon - (w + 5)) : strlen(w + 5);

			if (in_len == 0 || in_len >= sizeof(in) || (colon && colon[1] == '\0')) {
				err("--wire %s: expected pcap:IN[:OUT]", w);
				return -1;
			}
			memcpy(in, w + 5, in_len);
			in[in_len] = '\0';
			snprintf(out, sizeof(out), "%s", colon ? colon + 1 : "-");
			if (repeated && strcmp(out, "-") != 0) {
				err("--wire %s would make ports %u and %u write the same capture %s: "
				    "give one --wire per port", w, nw - 1, i, out);
				return -1;
			}
			if (abs_file(in, ain, sizeof(ain)) < 0 ||
			    abs_file(out, aout, sizeof(aout)) < 0 ||
			    snprintf(spec, cap, "pcap:%s:%s", ain, aout) >= (int)cap) {
				err("--wire %s: path too long (the spec is limited to %zu bytes)",
				    w, cap - 1);
				return -1;
			}
		} else if (strcmp(w, "gen") == 0 || strncmp(w, "gen:", 4) == 0) {
			if (w[3] != ':' || check_gen(w + 4) < 0) {
				err("--wire %s: expected gen:LEN[:FLOWS[:COUNT]] (decimal; LEN 60..%u, "
				    "FLOWS 1..65536, COUNT 0 = endless)", w, SN_MAX_FRAME);
				return -1;
			}
			if (snprintf(spec, cap, "%s", w) >= (int)cap) {
				err("--wire %s: too long", w);
				return -1;
			}
		} else {
			err("--wire %s: unknown wire (loop, loop:P, tap, tap:IF, pcap:IN[:OUT], null, "
			    "gen:LEN[:FLOWS[:COUNT]])", w);
			return -1;
		}
	}
	return 0;
}

/* Open the TAP interfaces of "tap:" wires and turn them into
 * "tapfd:<fd>:<ifname>" (fd inherited by COMMAND).  0 or -1. */
static int
open_taps(struct sn_adapter_config *a)
{
	unsigned int i;

	for (i = 0; i < a->num_ports; i++) {
		char *spec = a->port[i].wire;
		char name[IF_NAMESIZE];
		struct ifreq ifr;
		int fd, tmp, s;

		if (strncmp(spec, "tap:", 4) != 0)
			continue;
		snprintf(name, sizeof(name), "%s", spec + 4);
		tmp = open("/dev/net/tun", O_RDWR);
		if (tmp < 0) {
			err("port %u: cannot open /dev/net/tun: %s", i, strerror(errno));
			return -1;
		}
		/* Keep the fd away from 0..2 (stdio may be closed) and make sure
		 * it survives exec. */
		fd = fcntl(tmp, F_DUPFD, 3);
		close(tmp);
		if (fd < 0) {
			err("port %u: fcntl: %s", i, strerror(errno));
			return -1;
		}
		st.tap_fd[i] = fd;
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
		memcpy(ifr.ifr_name, name, strlen(name));
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			err("port %u: cannot create/attach TAP %s: %s%s", i, name,
			    strerror(errno), errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
			return -1;
		}
		if (a->port[i].mtu != MANA_DEFAULT_MTU) {
			/* Let the kernel side carry the port's frames. */
			s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			memset(&ifr, 0, sizeof(ifr));
			memcpy(ifr.ifr_name, name, strlen(name));
			ifr.ifr_mtu = (int)a->port[i].mtu;
			if (s < 0 || ioctl(s, SIOCSIFMTU, &ifr) < 0)
				err("port %u: warning: cannot set MTU %u on TAP %s: %s", i,
				    a->port[i].mtu, name, strerror(errno));
			if (s >= 0)
				close(s);
		}
		snprintf(spec, sizeof(a->port[i].wire), "tapfd:%d:%s", fd, name);
	}
	return 0;
}

static void
teardown(void)
{
	unsigned int i;
	char path[PATH_MAX + 32];
	struct stat sb;

	for (i = 0; i < SN_MAX_PORTS; i++) {
		if (st.tap_fd[i] >= 0)
			close(st.tap_fd[i]);	/* a TAP we created goes away */
		st.tap_fd[i] = -1;
	}
	/* A control socket outside the run directory. */
	if (st.cfg.ctl_path[0] && lstat(st.cfg.ctl_path, &sb) == 0 &&
	    S_ISSOCK(sb.st_mode))
		unlink(st.cfg.ctl_path);
	if (st.run_dir[0] == '\0' || st.keep)
		return;
	if (st.run_dir_ours) {
		rm_rf(st.run_dir);
	} else {
		snprintf(path, sizeof(path), "%s/sys", st.run_dir);
		rm_rf(path);
		unlink(st.conf_path);
	}
}

static void
set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1) < 0) {
		err("setenv %s: %s", name, strerror(errno));
		teardown();
		exit(EXIT_SETUP);
	}
}

int
main(int argc, char **argv)
{
	enum { O_PORTS = 256, O_WIRE, O_MAC, O_IFNAME, O_MTU, O_PCI, O_DEVID,
	       O_IBDEV, O_PROFILE, O_COALESCE, O_CTL, O_RUNDIR, O_KEEP, O_LOG,
	       O_LIBDIR };
	static const struct option opts[] = {
		{ "ports", required_argument, NULL, O_PORTS },
		{ "wire", required_argument, NULL, O_WIRE },
		{ "mac", required_argument, NULL, O_MAC },
		{ "ifname", required_argument, NULL, O_IFNAME },
		{ "mtu", required_argument, NULL, O_MTU },
		{ "pci", required_argument, NULL, O_PCI },
		{ "device-id", required_argument, NULL, O_DEVID },
		{ "ibdev", required_argument, NULL, O_IBDEV },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "coalesce", required_argument, NULL, O_COALESCE },
		{ "ctl", required_argument, NULL, O_CTL },
		{ "run-dir", required_argument, NULL, O_RUNDIR },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "log", required_argument, NULL, O_LOG },
		{ "lib-dir", required_argument, NULL, O_LIBDIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sn_config *cfg = &st.cfg;
	struct sn_adapter_config *a = &cfg->adapter[0];
	char *wires[MAX_WIRES];
	unsigned int nw = 0, nmac = 0, nif = 0, i;
	const char *lib_dir = SOFTNIC_DROPIN_DIR, *run_dir_opt = NULL;
	const char *log_opt = NULL;
	char path[PATH_MAX + 64], *old_ld;
	unsigned long v;
	sigset_t sigs, oldmask;
	siginfo_t si;
	pid_t child;
	int c, status, ret;

	for (i = 0; i < SN_MAX_PORTS; i++)
		st.tap_fd[i] = -1;
	sn_config_defaults(cfg);

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_PORTS:
			if (parse_uint(optarg, 1, SN_MAX_PORTS, &v) < 0) {
				err("--ports %s: expected 1..%u", optarg, SN_MAX_PORTS);
				return EXIT_USAGE;
			}
			a->num_ports = (unsigned int)v;
			break;
		case O_WIRE:
			if (nw == MAX_WIRES) {
				err("more than %u --wire options", MAX_WIRES);
				return EXIT_USAGE;
			}
			wires[nw++] = optarg;
			break;
		case O_MAC:
			if (nmac == SN_MAX_PORTS || parse_mac(optarg, a->port[nmac].mac) < 0) {
				err("--mac %s: expected a unicast aa:bb:cc:dd:ee:ff (at most %u)",
				    optarg, SN_MAX_PORTS);
				return EXIT_USAGE;
			}
			nmac++;
			break;
		case O_IFNAME:
			if (nif == SN_MAX_PORTS || strlen(optarg) == 0 ||
			    strlen(optarg) >= IF_NAMESIZE || strchr(optarg, '/')) {
				err("--ifname %s: expected 1..%u characters without '/' (at most %u)",
				    optarg, IF_NAMESIZE - 1, SN_MAX_PORTS);
				return EXIT_USAGE;
			}
			snprintf(a->port[nif++].ifname, IF_NAMESIZE, "%s", optarg);
			break;
		case O_MTU:
			if (parse_uint(optarg, MANA_MIN_MTU, MANA_MAX_MTU, &v) < 0) {
				err("--mtu %s: expected %u..%u", optarg, MANA_MIN_MTU, MANA_MAX_MTU);
				return EXIT_USAGE;
			}
			for (i = 0; i < SN_MAX_PORTS; i++)
				a->port[i].mtu = (uint32_t)v;
			break;
		case O_PCI:
			if (snprintf(a->pci_addr, sizeof(a->pci_addr), "%s", optarg) >=
			    (int)sizeof(a->pci_addr)) {
				err("--pci %s: too long", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_DEVID:
			if (parse_uint(optarg, 0, 0xffff, &v) < 0 ||
			    (v != MANA_PCI_DEVICE_ID_VF && v != MANA_PCI_DEVICE_ID_PF)) {
				err("--device-id %s: expected 0x00ba or 0x00b9", optarg);
				return EXIT_USAGE;
			}
			a->pci_device_id = (uint16_t)v;
			break;
		case O_IBDEV:
			if (snprintf(a->ibdev, sizeof(a->ibdev), "%s", optarg) >=
			    (int)sizeof(a->ibdev) || strchr(optarg, '/') || !optarg[0]) {
				err("--ibdev %s: bad name", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_PROFILE:
			if (strcmp(optarg, "default") == 0) {
				cfg->profile = SN_PROFILE_DEFAULT;
			} else if (strcmp(optarg, "current") == 0) {
				cfg->profile = SN_PROFILE_CURRENT;
			} else {
				err("--profile %s: expected default or current", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_COALESCE:
			if (strcmp(optarg, "on") == 0) {
				cfg->coalesce = true;
			} else if (strcmp(optarg, "off") == 0) {
				cfg->coalesce = false;
			} else {
				err("--coalesce %s: expected on or off", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_CTL:
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
			    snprintf(cfg->ctl_path, sizeof(cfg->ctl_path), "%s", optarg) < 0) {
				err("--ctl %s: a UNIX socket path is limited to %zu bytes", optarg,
				    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
				return EXIT_USAGE;
			}
			break;
		case O_RUNDIR:
			run_dir_opt = optarg;
			break;
		case O_KEEP:
			st.keep = true;
			break;
		case O_LOG:
			if (parse_level(optarg) < 0) {
				err("--log %s: expected error, warn, info or debug", optarg);
				return EXIT_USAGE;
			}
			log_opt = optarg;
			cfg->log_level = parse_level(optarg);
			break;
		case O_LIBDIR:
			lib_dir = optarg;
			break;
		case 'h':
			printf(usage_text, SN_MAX_PORTS, SN_MAX_FRAME, MANA_MIN_MTU, MANA_MAX_MTU,
			       MANA_DEFAULT_MTU, SOFTNIC_DROPIN_DIR);
			return 0;
		default:
			fprintf(stderr, "Try 'softnic-run --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		err("no COMMAND given (softnic-run [OPTIONS] -- COMMAND [ARGS...]); see --help");
		return EXIT_USAGE;
	}
	if (nmac > a->num_ports || nif > a->num_ports || nw > a->num_ports) {
		err("more --mac/--ifname/--wire options than ports (%u)", a->num_ports);
		return EXIT_USAGE;
	}
	for (i = 0; i < a->num_ports; i++) {
		for (unsigned int j = 0; j < i; j++) {
			if (memcmp(a->port[i].mac, a->port[j].mac, 6) == 0) {
				err("ports %u and %u have the same MAC (give one --mac per port)", j, i);
				return EXIT_USAGE;
			}
			if (strcmp(a->port[i].ifname, a->port[j].ifname) == 0) {
				err("ports %u and %u have the same interface name %s", j, i,
				    a->port[i].ifname);
				return EXIT_USAGE;
			}
		}
	}
	if (resolve_wires(a, wires, nw) < 0)
		return EXIT_USAGE;

	/* The drop-in libraries must be there, or COMMAND silently gets the
	 * real rdma-core and finds no device. */
	snprintf(path, sizeof(path), "%s/libibverbs.so.1", lib_dir);
	if (access(path, R_OK) < 0) {
		err("drop-in %s not found (build the soft-NIC first, or give --lib-dir)", path);
		return EXIT_SETUP;
	}

	/* Run directory. */
	if (run_dir_opt != NULL) {
		if (snprintf(st.run_dir, sizeof(st.run_dir), "%s", run_dir_opt) >=
		    (int)sizeof(st.run_dir) || run_dir_opt[0] != '/') {
			err("--run-dir %s: must be an absolute path shorter than %d bytes",
			    run_dir_opt, RUN_DIR_MAX);
			return EXIT_USAGE;
		}
		if (mkdir(st.run_dir, 0700) == 0) {
			st.run_dir_ours = true;
		} else if (errno != EEXIST) {
			err("cannot create %s: %s", st.run_dir, strerror(errno));
			return EXIT_SETUP;
		}
	} else {
		snprintf(st.run_dir, sizeof(st.run_dir), "/tmp/softnic.XXXXXX");
		if (mkdtemp(st.run_dir) == NULL) {
			err("cannot create a run directory in /tmp: %s", strerror(errno));
			return EXIT_SETUP;
		}
		st.run_dir_ours = true;
	}
	snprintf(cfg->run_dir, sizeof(cfg->run_dir), "%s", st.run_dir);
	snprintf(cfg->sysfs_root, sizeof(cfg->sysfs_root), "%s/sys", st.run_dir);
	if (cfg->ctl_path[0] == '\0') {
		snprintf(path, sizeof(path), "%s/ctl.sock", st.run_dir);
		if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			err("control socket path %s is too long for a UNIX socket; give --ctl", path);
			teardown();
			return EXIT_SETUP;
		}
		snprintf(cfg->ctl_path, sizeof(cfg->ctl_path), "%s", path);
	}
	snprintf(st.conf_path, sizeof(st.conf_path), "%s/softnic.conf", st.run_dir);

	if (open_taps(a) < 0) {
		teardown();
		return EXIT_SETUP;
	}
	ret = sn_sysfs_create(cfg, 0);
	if (ret < 0) {
		err("cannot create the fake sysfs under %s: %s", cfg->sysfs_root, strerror(-ret));
		teardown();
		return EXIT_SETUP;
	}
	ret = sn_config_write(st.conf_path, cfg);
	if (ret < 0) {
		err("cannot write %s: %s", st.conf_path, strerror(-ret));
		teardown();
		return EXIT_SETUP;
	}

	set_env(SN_ENV_CONF, st.conf_path);
	snprintf(path, sizeof(path), "%s/bus/pci/devices", cfg->sysfs_root);
	set_env("SYSFS_PCI_DEVICES", path);
	set_env("SOFTNIC_CTL", cfg->ctl_path);
	set_env("SOFTNIC_RUN_DIR", st.run_dir);
	if (log_opt != NULL)
		set_env(SN_ENV_LOG, log_opt);
	old_ld = getenv("LD_LIBRARY_PATH");
	if (old_ld != NULL && old_ld[0] != '\0') {
		char *ld;

		if (asprintf(&ld, "%s:%s", lib_dir, old_ld) < 0) {
			err("out of memory");
			teardown();
			return EXIT_SETUP;
		}
		set_env("LD_LIBRARY_PATH", ld);
		free(ld);
	} else {
		set_env("LD_LIBRARY_PATH", lib_dir);
	}
	if (cfg->log_level >= SN_LOG_INFO)
		fprintf(stderr, "softnic-run: run dir %s, %s %s, %u ports, control socket %s\n",
			st.run_dir, a->ibdev, a->pci_addr, a->num_ports, cfg->ctl_path);

	/* Signals: handled synchronously with sigwaitinfo(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigprocmask(SIG_BLOCK, &sigs, &oldmask);

	fflush(NULL);
	child = fork();
	if (child < 0) {
		err("fork: %s", strerror(errno));
		teardown();
		return EXIT_SETUP;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		execvp(argv[optind], &argv[optind]);
		err("cannot run %s: %s", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	for (;;) {
		pid_t r;

		if (sigwaitinfo(&sigs, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			/* A terminal signal (si_code SI_KERNEL) reached COMMAND too,
			 * being in the same process group: do not deliver it twice. */
			if (si.si_code != SI_KERNEL)
				kill(child, si.si_signo);
			continue;
		}
		r = waitpid(child, &status, WNOHANG);
		if (r == child)
			break;
	}
	teardown();
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
