/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: command line.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"

#ifndef MC_PLUGIN_DIR
#define MC_PLUGIN_DIR ""
#endif

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"Check whether this Azure VM is ready to run a DPDK data plane on the\n"
		"Microsoft Azure Network Adapter (MANA), what is wrong, and how to fix it.\n"
		"\n"
		"  --json               print one JSON object (schema: doc/mana-check.md)\n"
		"  --traffic SECONDS    measure for SECONDS (1-3600) whether the synthetic NICs'\n"
		"                       traffic goes through their VF (ethtool vf_* counters)\n"
		"  --mac MAC            a MAC the DPDK run will use (mac= devargs); repeatable\n"
		"  --interface IF       a netdev (VF or synthetic) DPDK will take; repeatable\n"
		"                       (default: the MANA ports whose netdev is down, or all)\n"
		"  --root DIR           read sysfs, procfs, modules, udev rules, /etc and the\n"
		"                       libraries under DIR (fixture trees); ethtool statistics\n"
		"                       then come from DIR/fixture/\n"
		"  --plugin-dir DIR     where this project's librte_net_mana.so is installed\n"
		"                       (default %s)\n"
		"  -v, --verbose        table: print what each check found\n"
		"  -h, --help           this text\n"
		"      --version        print the version\n"
		"\n"
		"Exit status: 0 ready, 1 not ready (a check FAILed), 2 could not check.\n",
		prog, MC_PLUGIN_DIR[0] ? MC_PLUGIN_DIR : "(none)");
}

/* Normalise a MAC to lower case "xx:xx:xx:xx:xx:xx".  0 or -EINVAL. */
static int
parse_mac(const char *in, char out[18])
{
	unsigned int b[6];
	char tail;

	if (sscanf(in, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6)
		return -EINVAL;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return 0;
}

int
mc_parse_args(struct mc_ctx *ctx, int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_TRAFFIC, OPT_MAC, OPT_IFACE, OPT_ROOT, OPT_PLUGIN,
	       OPT_VERSION };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "traffic", required_argument, NULL, OPT_TRAFFIC },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "interface", required_argument, NULL, OPT_IFACE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argc > 0 ? argv[0] : "mana-check";
	struct mc_options *o = &ctx->opt;
	char *end, *tok, *save, copy[256];
	unsigned long v;
	size_t len;
	int c;

	memset(ctx, 0, sizeof(*ctx));
	o->plugin_dir = MC_PLUGIN_DIR;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_TRAFFIC:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 3600) {
				fprintf(stderr, "%s: --traffic takes 1 to 3600 seconds, not '%s'\n",
					prog, optarg);
				return -EINVAL;
			}
			o->traffic_seconds = (unsigned int)v;
			break;
		case OPT_MAC:
			snprintf(copy, sizeof(copy), "%s", optarg);
			for (tok = strtok_r(copy, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (o->nmacs >= MC_MAX_SELECT ||
				    parse_mac(tok, o->macs[o->nmacs]) < 0) {
					fprintf(stderr, "%s: bad or too many --mac: '%s'\n", prog, tok);
					return -EINVAL;
				}
				o->nmacs++;
			}
			break;
		case OPT_IFACE:
			if (o->nifaces >= MC_MAX_SELECT || strlen(optarg) >= IF_NAMESIZE ||
			    optarg[0] == '\0') {
				fprintf(stderr, "%s: bad or too many --interface: '%s'\n", prog, optarg);
				return -EINVAL;
			}
			snprintf(o->ifaces[o->nifaces++], IF_NAMESIZE, "%s", optarg);
			break;
		case OPT_ROOT:
			o->root = optarg;
			break;
		case OPT_PLUGIN:
			o->plugin_dir = optarg;
			break;
		case 'h':
			usage(stdout, prog);
			return 1;
		case OPT_VERSION:
			printf("mana-check %s\n", MC_VERSION);
			return 1;
		default:
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog,
				argv[optind - 1]);
			usage(stderr, prog);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -EINVAL;
	}
	if (o->root != NULL) {
		if (!mc_is_dir(o->root)) {
			fprintf(stderr, "%s: --root %s is not a directory\n", prog, o->root);
			return -EINVAL;
		}
		snprintf(ctx->root, sizeof(ctx->root), "%s", o->root);
		len = strlen(ctx->root);
		while (len > 0 && ctx->root[len - 1] == '/')
			ctx->root[--len] = '\0';
	}
	mc_sys_init(&ctx->sys, ctx->root);
	return 0;
}

int
mc_main(int argc, char **argv)
{
	struct mc_ctx *ctx;
	int ret, code;

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		fprintf(stderr, "mana-check: out of memory\n");
		return 2;
	}
	ret = mc_parse_args(ctx, argc, argv);
	if (ret != 0) {
		free(ctx);
		return ret > 0 ? 0 : 2;
	}
	mc_inventory_scan(ctx);
	mc_run_checks(ctx);
	code = mc_exit_code(ctx);
	ret = ctx->opt.json ? mc_report_json(ctx) : mc_report_table(ctx);
	free(ctx);
	return ret < 0 ? 2 : code;
}
