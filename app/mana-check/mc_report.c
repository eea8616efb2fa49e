/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: output.  A table for people, or one JSON object (schema in
 * doc/mana-check.md) written with jansson.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mc.h"

static const char *
result_name(int code)
{
	switch (code) {
	case 0:
		return "ready";
	case 1:
		return "not_ready";
	default:
		return "could_not_check";
	}
}

static void
count_status(const struct mc_ctx *ctx, unsigned int cnt[4])
{
	unsigned int i;

	memset(cnt, 0, 4 * sizeof(cnt[0]));
	for (i = 0; i < MC_CHK_COUNT; i++)
		cnt[ctx->res[i].status]++;
}

/* Print text, continuing lines indented by indent columns. */
static void
print_lines(const char *text, int indent, const char *first_prefix)
{
	const char *p = text, *nl;
	bool first = true;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		printf("%*s%s%.*s\n", indent, "", first ? first_prefix : "",
		       (int)(nl ? nl - p : (long)strlen(p)), p);
		first = false;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

int
mc_report_table(const struct mc_ctx *ctx)
{
	const struct mc_inventory *inv = &ctx->inv;
	unsigned int cnt[4], i;
	int code = mc_exit_code(ctx);

	printf("mana-check %s: is this VM ready for a DPDK data plane on MANA?\n", MC_VERSION);
	printf("root %s, kernel %s, %s\n\n", ctx->root[0] ? ctx->root : "/",
	       inv->release_known ? inv->release : "unknown",
	       inv->os_name[0] ? inv->os_name : "distribution unknown");
	printf("%-6s %-20s %s\n", "STATUS", "CHECK", "RESULT");
	for (i = 0; i < MC_CHK_COUNT; i++) {
		const struct mc_result *r = &ctx->res[i];

		printf("%-6s %-20s %s%s\n", mc_status_name(r->status), mc_check_name(i),
		       r->reason, r->complete ? "" : " [could not check]");
		if (r->fix[0] != '\0' && r->status != MC_PASS)
			print_lines(r->fix, 28, "fix: ");
		if (ctx->opt.verbose && r->detail[0] != '\0')
			print_lines(r->detail, 28, "");
	}
	if (inv->nports > 0) {
		printf("\nMANA ports:\n");
		for (i = 0; i < inv->nports; i++) {
			const struct mc_port *pt = &inv->port[i];
			const struct mc_netdev *vf = &inv->netdev[pt->netdev];

			printf("  %-16s %s %-12s IB %s port %d, %s, synthetic %s%s%s\n", vf->name,
			       vf->mac, inv->pci[pt->pci].addr,
			       pt->ibdev >= 0 ? inv->ibdev[pt->ibdev].name : "-", pt->ib_port,
			       !vf->up_known ? "state unknown" : vf->up ? "up" : "down",
			       pt->synthetic >= 0 ? inv->netdev[pt->synthetic].name : "-",
			       pt->dpdk_target ? ", DPDK port" : "",
			       pt->default_route ? ", default route" : "");
		}
	}
	count_status(ctx, cnt);
	printf("\nResult: %s (%u FAIL, %u WARN, %u PASS, %u SKIP; exit %d)\n",
	       code == 0 ? "READY" : code == 1 ? "NOT READY" : "COULD NOT CHECK",
	       cnt[MC_FAIL], cnt[MC_WARN], cnt[MC_PASS], cnt[MC_SKIP], code);
	if (fflush(stdout) != 0 || ferror(stdout))
		return -EIO;
	return 0;
}

/* json_string() of s, or JSON null when s is empty. */
static json_t *
str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *
hex(unsigned int v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%0*x", width, v);
	return json_string(buf);
}

static json_t *
detail_array(const char *text)
{
	json_t *a = json_array();
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		json_array_append_new(a, json_stringn(p, nl ? (size_t)(nl - p) : strlen(p)));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return a;
}

static const char *
kind_id(enum mc_nic_kind k)
{
	switch (k) {
	case MC_NIC_MANA:
		return "mana";
	case MC_NIC_MLX4:
		return "mlx4";
	case MC_NIC_MLX5:
		return "mlx5";
	default:
		return "other";
	}
}

int
mc_report_json(const struct mc_ctx *ctx)
{
	const struct mc_inventory *inv = &ctx->inv;
	json_t *o, *checks, *pci, *ports, *routes, *sum, *k;
	unsigned int cnt[4], i;
	int code = mc_exit_code(ctx), ret = 0;

	o = json_object();
	json_object_set_new(o, "tool", json_string("mana-check"));
	json_object_set_new(o, "version", json_string(MC_VERSION));
	json_object_set_new(o, "schema", json_integer(MC_JSON_SCHEMA));
	json_object_set_new(o, "root", json_string(ctx->root[0] ? ctx->root : "/"));
	json_object_set_new(o, "backend", json_string(ctx->sys.ops->name));
	if (inv->release_known) {
		k = json_object();
		json_object_set_new(k, "release", json_string(inv->release));
		json_object_set_new(k, "major", json_integer(inv->kmajor));
		json_object_set_new(k, "minor", json_integer(inv->kminor));
		json_object_set_new(o, "kernel", k);
	} else {
		json_object_set_new(o, "kernel", json_null());
	}
	json_object_set_new(o, "os", str_or_null(inv->os_name));
	json_object_set_new(o, "result", json_string(result_name(code)));
	json_object_set_new(o, "exit_code", json_integer(code));
	count_status(ctx, cnt);
	sum = json_object();
	json_object_set_new(sum, "pass", json_integer(cnt[MC_PASS]));
	json_object_set_new(sum, "warn", json_integer(cnt[MC_WARN]));
	json_object_set_new(sum, "fail", json_integer(cnt[MC_FAIL]));
	json_object_set_new(sum, "skip", json_integer(cnt[MC_SKIP]));
	json_object_set_new(o, "summary", sum);

	checks = json_array();
	for (i = 0; i < MC_CHK_COUNT; i++) {
		const struct mc_result *r = &ctx->res[i];
		json_t *c = json_object();

		json_object_set_new(c, "id", json_string(mc_check_name(i)));
		json_object_set_new(c, "title", json_string(mc_check_title(i)));
		json_object_set_new(c, "status", json_string(mc_status_name(r->status)));
		json_object_set_new(c, "complete", json_boolean(r->complete));
		json_object_set_new(c, "reason", json_string(r->reason));
		json_object_set_new(c, "fix", r->status == MC_PASS ? json_null() :
				    str_or_null(r->fix));
		json_object_set_new(c, "details", detail_array(r->detail));
		json_array_append_new(checks, c);
	}
	json_object_set_new(o, "checks", checks);

	pci = json_array();
	for (i = 0; i < inv->npci; i++) {
		const struct mc_pci_fn *fn = &inv->pci[i];
		json_t *p;

		if (fn->kind == MC_NIC_OTHER)
			continue;
		p = json_object();
		json_object_set_new(p, "address", json_string(fn->addr));
		json_object_set_new(p, "vendor", hex(fn->vendor, 4));
		json_object_set_new(p, "device", hex(fn->device, 4));
		json_object_set_new(p, "class", hex(fn->class_code, 6));
		json_object_set_new(p, "kind", json_string(kind_id(fn->kind)));
		json_object_set_new(p, "driver", str_or_null(fn->driver));
		json_array_append_new(pci, p);
	}
	json_object_set_new(o, "nics", pci);

	ports = json_array();
	for (i = 0; i < inv->nports; i++) {
		const struct mc_port *pt = &inv->port[i];
		const struct mc_netdev *vf = &inv->netdev[pt->netdev];
		json_t *p = json_object();

		json_object_set_new(p, "pci", json_string(inv->pci[pt->pci].addr));
		json_object_set_new(p, "netdev", json_string(vf->name));
		json_object_set_new(p, "mac", str_or_null(vf->mac));
		json_object_set_new(p, "dev_port", vf->dev_port >= 0 ?
				    json_integer(vf->dev_port) : json_null());
		json_object_set_new(p, "ib_device", pt->ibdev >= 0 ?
				    json_string(inv->ibdev[pt->ibdev].name) : json_null());
		json_object_set_new(p, "ib_port", pt->ib_port > 0 ?
				    json_integer(pt->ib_port) : json_null());
		json_object_set_new(p, "up", vf->up_known ? json_boolean(vf->up) : json_null());
		json_object_set_new(p, "synthetic", pt->synthetic >= 0 ?
				    json_string(inv->netdev[pt->synthetic].name) : json_null());
		json_object_set_new(p, "dpdk_port", json_boolean(pt->dpdk_target));
		json_object_set_new(p, "default_route", json_boolean(pt->default_route));
		json_array_append_new(ports, p);
	}
	json_object_set_new(o, "ports", ports);

	routes = json_array();
	for (i = 0; i < inv->ndefroute; i++)
		json_array_append_new(routes, json_string(inv->defroute[i]));
	json_object_set_new(o, "default_route_interfaces", routes);

	if (json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		ret = -EIO;
	fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		ret = -EIO;
	json_decref(o);
	return ret;
}
