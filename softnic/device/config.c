/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Soft-NIC configuration file, profiles and logging.
 *
 * The configuration is a text file of "key=value" lines (softnic-run writes
 * it and passes its path in $SOFTNIC_CONF).  Blank lines and lines starting
 * with '#' are ignored; unknown keys are an error (typos must not pass).
 * Keys:
 *
 *   run_dir=PATH                 softnic-run's private directory
 *   sysfs_root=PATH              root of the fake sysfs (<run_dir>/sys)
 *   ctl=PATH                     control socket path; empty = no socket
 *   profile=default|current      spec §1.12 profile (see softnic.h)
 *   coalesce=0|1                 CQE_RX_COALESCED_4 generation (also on|off)
 *   log=error|warn|info|debug    stderr log level (or 0..3); $SOFTNIC_LOG
 *                                overrides it
 *   adapters=N                   number of adapters (1..SN_MAX_ADAPTERS)
 *   adapterI.pci=DDDD:BB:DD.F    PCI address of adapter I
 *   adapterI.device_id=0x00ba    PCI device id (0x00ba VF, 0x00b9 PF)
 *   adapterI.ibdev=NAME          IB device name (mana_0)
 *   adapterI.ports=N             number of vPorts (1..SN_MAX_PORTS)
 *   adapterI.portJ.mac=aa:bb:cc:dd:ee:ff
 *   adapterI.portJ.mtu=N         bytes of L3 payload (68..9000), default 1500
 *   adapterI.portJ.ifname=NAME   netdev name shown in sysfs
 *   adapterI.portJ.wire=SPEC     loop:<peer port> | tap:<if> | tapfd:<fd>:<if>
 *                                | pcap:<in>[:<out>] | null
 *                                | gen:<len>[:<flows>[:<count>]]
 *
 * Keys of an adapter or port beyond "adapters"/"ports" are accepted and
 * ignored only if the index is below SN_MAX_ADAPTERS/SN_MAX_PORTS.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "softnic.h"

static int sn_log_level = SN_LOG_WARN;

/*
 * Print one log line to stderr when level <= the configured level
 * (SN_LOG_ERR 0 .. SN_LOG_DEBUG 3).  Lines are prefixed "softnic: <level>: ".
 */
void
sn_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024];
	va_list ap;
	int n;

	if (level > sn_log_level)
		return;
	if (level < 0)
		level = 0;
	if (level > SN_LOG_DEBUG)
		level = SN_LOG_DEBUG;
	n = snprintf(line, sizeof(line), "softnic: %s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	if (n == 0 || line[n - 1] != '\n') {
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	fputs(line, stderr);
}

static int
parse_level(const char *v)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (strcasecmp(v, names[i]) == 0)
			return (int)i;
	if (v[0] >= '0' && v[0] <= '3' && v[1] == '\0')
		return v[0] - '0';
	return -1;
}

/*
 * Limits of a profile (spec §1.12 "Device limits" table).
 * DEFAULT = rdma-core 44 libmana checks + K6.2-K6.7 mana_ib limits;
 * CURRENT = K6.16+ Ethernet device (2048 WRs, caps reported).
 */
const struct sn_limits *
sn_profile_limits(enum sn_profile p)
{
	static const struct sn_limits def = {
		.max_qp = MANA_MAX_QUEUES,
		.max_qp_wr = MANA_LEGACY_MAX_QP_WR,
		.max_cqe = MANA_LEGACY_MAX_QP_WR,
		.max_send_sge = MANA_MAX_TX_SGE,
		.max_recv_sge = MANA_MAX_RX_SGE,
		.libmana_rc44_checks = true,
		.vendor_part_id = MANA_VENDOR_PART_ID_LEGACY,
		.raw_packet_caps = 0,
	};
	static const struct sn_limits cur = {
		.max_qp = MANA_MAX_QUEUES,
		.max_qp_wr = MANA_ETH_MAX_QP_WR,
		.max_cqe = MANA_ETH_MAX_QP_WR,
		.max_send_sge = MANA_MAX_TX_SGE,
		.max_recv_sge = MANA_MAX_RX_SGE,
		.libmana_rc44_checks = false,
		.vendor_part_id = MANA_VENDOR_PART_ID_ETH,
		.raw_packet_caps = 4,	/* IBV_RAW_PACKET_CAP_IP_CSUM */
	};

	return p == SN_PROFILE_CURRENT ? &cur : &def;
}

/*
 * Defaults: one adapter 7870:00:00.0 (device 0x00BA, mana_0) with two
 * ports, MACs 00:15:5d:00:00:01/02, MTU 1500, ifnames eth1/eth2, wired
 * to each other ("loop:1" / "loop:0"), default profile, coalescing on,
 * log level warn, no run dir, no control socket.
 */
void
sn_config_defaults(struct sn_config *cfg)
{
	struct sn_adapter_config *a;
	unsigned int j;

	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = SN_PROFILE_DEFAULT;
	cfg->coalesce = true;
	cfg->log_level = SN_LOG_WARN;
	cfg->num_adapters = 1;
	a = &cfg->adapter[0];
	snprintf(a->pci_addr, sizeof(a->pci_addr), "7870:00:00.0");
	a->pci_device_id = MANA_PCI_DEVICE_ID_VF;
	snprintf(a->ibdev, sizeof(a->ibdev), "mana_0");
	a->num_ports = 2;
	for (j = 0; j < SN_MAX_PORTS; j++) {
		struct sn_port_config *p = &a->port[j];
		static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x00 };

		memcpy(p->mac, mac, 6);
		p->mac[5] = (uint8_t)(j + 1);
		p->mtu = MANA_DEFAULT_MTU;
		snprintf(p->ifname, sizeof(p->ifname), "eth%u", j + 1);
		snprintf(p->wire, sizeof(p->wire), "loop:%u", j ^ 1u);
	}
}

static int
parse_mac(const char *v, uint8_t mac[6])
{
	unsigned int b[6];
	int n = 0;

	if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &n) != 6 || v[n] != '\0')
		return -EINVAL;
	for (n = 0; n < 6; n++)
		mac[n] = (uint8_t)b[n];
	return 0;
}

static int
parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno || end == v || *end != '\0' || x > max || v[0] == '-')
		return -EINVAL;
	*out = x;
	return 0;
}

static int
copy_str(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -ENAMETOOLONG;
	strcpy(dst, v);
	return 0;
}

static int
parse_port_key(struct sn_port_config *p, const char *key, const char *v)
{
	unsigned long x;

	if (strcmp(key, "mac") == 0)
		return parse_mac(v, p->mac);
	if (strcmp(key, "mtu") == 0) {
		if (parse_uint(v, MANA_MAX_MTU, &x) || x < MANA_MIN_MTU)
			return -EINVAL;
		p->mtu = (uint32_t)x;
		return 0;
	}
	if (strcmp(key, "ifname") == 0)
		return copy_str(p->ifname, sizeof(p->ifname), v);
	if (strcmp(key, "wire") == 0)
		return copy_str(p->wire, sizeof(p->wire), v);
	return -ENOENT;
}

static int
parse_adapter_key(struct sn_adapter_config *a, const char *key, const char *v)
{
	unsigned long x;
	char *end;

	if (strcmp(key, "pci") == 0)
		return copy_str(a->pci_addr, sizeof(a->pci_addr), v);
	if (strcmp(key, "device_id") == 0) {
		if (parse_uint(v, 0xffff, &x))
			return -EINVAL;
		a->pci_device_id = (uint16_t)x;
		return 0;
	}
	if (strcmp(key, "ibdev") == 0)
		return copy_str(a->ibdev, sizeof(a->ibdev), v);
	if (strcmp(key, "ports") == 0) {
		if (parse_uint(v, SN_MAX_PORTS, &x) || x == 0)
			return -EINVAL;
		a->num_ports = (unsigned int)x;
		return 0;
	}
	if (strncmp(key, "port", 4) == 0 && isdigit((unsigned char)key[4])) {
		x = strtoul(key + 4, &end, 10);
		if (*end != '.' || x >= SN_MAX_PORTS)
			return -EINVAL;
		return parse_port_key(&a->port[x], end + 1, v);
	}
	return -ENOENT;
}

static int
parse_key(struct sn_config *cfg, const char *key, const char *v)
{
	unsigned long x;
	char *end;
	int l;

	if (strcmp(key, "run_dir") == 0)
		return copy_str(cfg->run_dir, sizeof(cfg->run_dir), v);
	if (strcmp(key, "sysfs_root") == 0)
		return copy_str(cfg->sysfs_root, sizeof(cfg->sysfs_root), v);
	if (strcmp(key, "ctl") == 0)
		return copy_str(cfg->ctl_path, sizeof(cfg->ctl_path), v);
	if (strcmp(key, "profile") == 0) {
		if (strcmp(v, "default") == 0)
			cfg->profile = SN_PROFILE_DEFAULT;
		else if (strcmp(v, "current") == 0)
			cfg->profile = SN_PROFILE_CURRENT;
		else
			return -EINVAL;
		return 0;
	}
	if (strcmp(key, "coalesce") == 0) {
		if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
			cfg->coalesce = true;
		else if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
			cfg->coalesce = false;
		else
			return -EINVAL;
		return 0;
	}
	if (strcmp(key, "log") == 0) {
		l = parse_level(v);
		if (l < 0)
			return -EINVAL;
		cfg->log_level = l;
		return 0;
	}
	if (strcmp(key, "adapters") == 0) {
		if (parse_uint(v, SN_MAX_ADAPTERS, &x))
			return -EINVAL;
		cfg->num_adapters = (unsigned int)x;
		return 0;
	}
	if (strncmp(key, "adapter", 7) == 0 && isdigit((unsigned char)key[7])) {
		x = strtoul(key + 7, &end, 10);
		if (*end != '.' || x >= SN_MAX_ADAPTERS)
			return -EINVAL;
		return parse_adapter_key(&cfg->adapter[x], end + 1, v);
	}
	return -ENOENT;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Parse the config file at path into cfg (starting from sn_config_defaults).
 * Returns 0, -errno if the file cannot be read, or -EINVAL for a malformed
 * line / unknown key / bad value (logged with the line number).
 */
int
sn_config_load(const char *path, struct sn_config *cfg)
{
	char line[SN_MAX_WIRE_SPEC + PATH_MAX + 64];
	unsigned int lineno = 0;
	FILE *f;
	int ret = 0;

	sn_config_defaults(cfg);
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		sn_log(SN_LOG_ERR, "cannot read config %s: %s", path, strerror(errno));
		return ret;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq, *key, *val;
		int r;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			sn_log(SN_LOG_ERR, "%s:%u: expected key=value", path, lineno);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		r = parse_key(cfg, key, val);
		if (r) {
			sn_log(SN_LOG_ERR, "%s:%u: %s key '%s' (value '%s')", path, lineno,
			       r == -ENOENT ? "unknown" : "bad value for", key, val);
			ret = -EINVAL;
			break;
		}
	}
	fclose(f);
	if (ret == 0 && cfg->num_adapters == 0) {
		sn_log(SN_LOG_ERR, "%s: adapters=0", path);
		ret = -EINVAL;
	}
	return ret;
}

/*
 * Write cfg to path in the format sn_config_load() reads (every key, so the
 * file documents the whole configuration).  Returns 0 or -errno.
 */
int
sn_config_write(const char *path, const struct sn_config *cfg)
{
	static const char *const lv[] = { "error", "warn", "info", "debug" };
	unsigned int i, j;
	FILE *f;
	int ret = 0;

	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	fprintf(f, "# soft-NIC configuration (keys: softnic/device/config.c)\n");
	fprintf(f, "run_dir=%s\nsysfs_root=%s\nctl=%s\n", cfg->run_dir,
		cfg->sysfs_root, cfg->ctl_path);
	fprintf(f, "profile=%s\ncoalesce=%d\nlog=%s\nadapters=%u\n",
		cfg->profile == SN_PROFILE_CURRENT ? "current" : "default",
		cfg->coalesce ? 1 : 0,
		lv[cfg->log_level < 0 ? 0 : cfg->log_level > 3 ? 3 : cfg->log_level],
		cfg->num_adapters);
	for (i = 0; i < cfg->num_adapters && i < SN_MAX_ADAPTERS; i++) {
		const struct sn_adapter_config *a = &cfg->adapter[i];

		fprintf(f, "adapter%u.pci=%s\nadapter%u.device_id=0x%04x\n"
			"adapter%u.ibdev=%s\nadapter%u.ports=%u\n",
			i, a->pci_addr, i, a->pci_device_id, i, a->ibdev, i, a->num_ports);
		for (j = 0; j < a->num_ports && j < SN_MAX_PORTS; j++) {
			const struct sn_port_config *p = &a->port[j];

			fprintf(f, "adapter%u.port%u.mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
				i, j, p->mac[0], p->mac[1], p->mac[2], p->mac[3],
				p->mac[4], p->mac[5]);
			fprintf(f, "adapter%u.port%u.mtu=%u\n", i, j, p->mtu);
			fprintf(f, "adapter%u.port%u.ifname=%s\n", i, j, p->ifname);
			fprintf(f, "adapter%u.port%u.wire=%s\n", i, j, p->wire);
		}
	}
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

static struct sn_config sn_process_cfg;
static const struct sn_config *sn_process_cfg_ptr;
static pthread_once_t sn_cfg_once = PTHREAD_ONCE_INIT;

static void
sn_config_init_once(void)
{
	const char *path = getenv(SN_ENV_CONF);
	const char *lvl = getenv(SN_ENV_LOG);
	int l;

	if (lvl != NULL && (l = parse_level(lvl)) >= 0)
		sn_log_level = l;
	if (path == NULL || *path == '\0') {
		sn_log(SN_LOG_INFO, "%s not set: no soft-NIC devices", SN_ENV_CONF);
		return;
	}
	if (sn_config_load(path, &sn_process_cfg) != 0)
		return;
	if (lvl == NULL || parse_level(lvl) < 0)
		sn_log_level = sn_process_cfg.log_level;
	else
		sn_process_cfg.log_level = sn_log_level;
	sn_process_cfg_ptr = &sn_process_cfg;
}

/*
 * The process-wide configuration, loaded once from $SOFTNIC_CONF (and the
 * log level from $SOFTNIC_LOG).  NULL when unset or unreadable.
 */
const struct sn_config *
sn_config_get(void)
{
	pthread_once(&sn_cfg_once, sn_config_init_once);
	return sn_process_cfg_ptr;
}
