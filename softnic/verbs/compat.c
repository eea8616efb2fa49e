/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libibverbs: the rest of rdma-core 44's exported symbols.
 *
 * A process that finds this libibverbs.so.1 first may also load other
 * rdma-core providers or users of libibverbs (DPDK loads every PMD of its
 * plugin directory, and the mlx4/mlx5 PMDs pull in libmlx4/libmlx5, which
 * need IBVERBS_PRIVATE_34 symbols).  For those libraries to load, every
 * symbol of the real library exists here with the same version node
 * (libibverbs.map).  The soft-NIC lists only its own devices, so a provider
 * registered through verbs_register_driver_34 never gets a device and none
 * of these functions is reached through it.  Called directly they do what
 * the soft-NIC honestly can: the rate conversions are real, fork
 * protection is not needed (0), and everything that needs InfiniBand
 * features the device does not have (address handles, SRQs, multicast,
 * GIDs, P_Keys, ECE, import/export, dmabuf MRs, the kernel command
 * interface) fails with EOPNOTSUPP and a warning naming the call.
 *
 * This file deliberately does not include infiniband/verbs.h: the
 * unsupported entry points are defined with neutral prototypes (their
 * arguments are never read), which is ABI compatible on the supported
 * targets (x86-64, arm64).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "softnic.h"

#define SN_EXPORT __attribute__((visibility("default")))

static void
sn_unsup(const char *name)
{
	sn_log(SN_LOG_WARN, "%s is not supported by the soft-NIC (EOPNOTSUPP)", name);
}

/* int-returning calls that report errors as a positive errno value */
#define UNSUP_ERRNO(name) \
	SN_EXPORT int name(void); \
	int name(void) { sn_unsup(#name); return EOPNOTSUPP; }
/* int-returning calls that return -1 and set errno */
#define UNSUP_NEG(name) \
	SN_EXPORT int name(void); \
	int name(void) { sn_unsup(#name); errno = EOPNOTSUPP; return -1; }
/* pointer-returning calls: NULL and errno */
#define UNSUP_PTR(name) \
	SN_EXPORT void *name(void); \
	void *name(void) { sn_unsup(#name); errno = EOPNOTSUPP; return NULL; }
/* void calls */
#define UNSUP_VOID(name) \
	SN_EXPORT void name(void); \
	void name(void) { sn_unsup(#name); }

/* IBVERBS_1.0 */
UNSUP_VOID(ibv_copy_path_rec_from_kern)
UNSUP_VOID(ibv_copy_path_rec_to_kern)
UNSUP_VOID(ibv_copy_qp_attr_from_kern)
UNSUP_NEG(ibv_read_sysfs_file)

/* IBVERBS_1.1 */
UNSUP_ERRNO(ibv_attach_mcast)
UNSUP_ERRNO(ibv_detach_mcast)
UNSUP_VOID(ibv_copy_ah_attr_from_kern)
UNSUP_PTR(ibv_create_ah)
UNSUP_PTR(ibv_create_ah_from_wc)
UNSUP_ERRNO(ibv_destroy_ah)
UNSUP_ERRNO(ibv_init_ah_from_wc)
UNSUP_PTR(ibv_create_srq)
UNSUP_ERRNO(ibv_destroy_srq)
UNSUP_ERRNO(ibv_modify_srq)
UNSUP_ERRNO(ibv_query_srq)
UNSUP_ERRNO(ibv_query_gid)
UNSUP_ERRNO(ibv_query_pkey)
UNSUP_ERRNO(ibv_rereg_mr)
UNSUP_ERRNO(ibv_resize_cq)
UNSUP_ERRNO(ibv_resolve_eth_l2_from_gid)

/* IBVERBS_1.5 .. 1.14 */
UNSUP_NEG(ibv_get_pkey_index)
UNSUP_PTR(ibv_qp_to_qp_ex)
UNSUP_PTR(ibv_import_device)
UNSUP_PTR(ibv_import_mr)
UNSUP_PTR(ibv_import_pd)
UNSUP_VOID(ibv_unimport_mr)
UNSUP_VOID(ibv_unimport_pd)
UNSUP_ERRNO(ibv_query_ece)
UNSUP_ERRNO(ibv_set_ece)
UNSUP_ERRNO(_ibv_query_gid_ex)
UNSUP_PTR(ibv_reg_dmabuf_mr)
UNSUP_PTR(ibv_import_dm)
UNSUP_VOID(ibv_unimport_dm)
UNSUP_ERRNO(ibv_query_qp_data_in_order)

SN_EXPORT ssize_t _ibv_query_gid_table(void);
ssize_t
_ibv_query_gid_table(void)
{
	sn_unsup("_ibv_query_gid_table");
	errno = EOPNOTSUPP;
	return -1;
}

/* IBVERBS_PRIVATE_34: the provider interface (kernel commands) */
UNSUP_PTR(_verbs_init_and_alloc_context)
UNSUP_PTR(verbs_open_device)
UNSUP_VOID(verbs_init_cq)
UNSUP_VOID(verbs_set_ops)
UNSUP_VOID(verbs_uninit_context)
UNSUP_ERRNO(execute_ioctl)
UNSUP_ERRNO(ibv_query_gid_type)
UNSUP_NEG(ibv_read_ibdev_sysfs_file)
UNSUP_ERRNO(ibv_cmd_advise_mr)
UNSUP_ERRNO(ibv_cmd_alloc_dm)
UNSUP_ERRNO(ibv_cmd_alloc_mw)
UNSUP_ERRNO(ibv_cmd_alloc_pd)
UNSUP_ERRNO(ibv_cmd_attach_mcast)
UNSUP_ERRNO(ibv_cmd_close_xrcd)
UNSUP_ERRNO(ibv_cmd_create_ah)
UNSUP_ERRNO(ibv_cmd_create_counters)
UNSUP_ERRNO(ibv_cmd_create_cq)
UNSUP_ERRNO(ibv_cmd_create_cq_ex)
UNSUP_ERRNO(ibv_cmd_create_flow)
UNSUP_ERRNO(ibv_cmd_create_flow_action_esp)
UNSUP_ERRNO(ibv_cmd_create_qp)
UNSUP_ERRNO(ibv_cmd_create_qp_ex)
UNSUP_ERRNO(ibv_cmd_create_qp_ex2)
UNSUP_ERRNO(ibv_cmd_create_rwq_ind_table)
UNSUP_ERRNO(ibv_cmd_create_srq)
UNSUP_ERRNO(ibv_cmd_create_srq_ex)
UNSUP_ERRNO(ibv_cmd_create_wq)
UNSUP_ERRNO(ibv_cmd_dealloc_mw)
UNSUP_ERRNO(ibv_cmd_dealloc_pd)
UNSUP_ERRNO(ibv_cmd_dereg_mr)
UNSUP_ERRNO(ibv_cmd_destroy_ah)
UNSUP_ERRNO(ibv_cmd_destroy_counters)
UNSUP_ERRNO(ibv_cmd_destroy_cq)
UNSUP_ERRNO(ibv_cmd_destroy_flow)
UNSUP_ERRNO(ibv_cmd_destroy_flow_action)
UNSUP_ERRNO(ibv_cmd_destroy_qp)
UNSUP_ERRNO(ibv_cmd_destroy_rwq_ind_table)
UNSUP_ERRNO(ibv_cmd_destroy_srq)
UNSUP_ERRNO(ibv_cmd_destroy_wq)
UNSUP_ERRNO(ibv_cmd_detach_mcast)
UNSUP_ERRNO(ibv_cmd_free_dm)
UNSUP_ERRNO(ibv_cmd_get_context)
UNSUP_ERRNO(ibv_cmd_modify_cq)
UNSUP_ERRNO(ibv_cmd_modify_flow_action_esp)
UNSUP_ERRNO(ibv_cmd_modify_qp)
UNSUP_ERRNO(ibv_cmd_modify_qp_ex)
UNSUP_ERRNO(ibv_cmd_modify_srq)
UNSUP_ERRNO(ibv_cmd_modify_wq)
UNSUP_ERRNO(ibv_cmd_open_qp)
UNSUP_ERRNO(ibv_cmd_open_xrcd)
UNSUP_ERRNO(ibv_cmd_poll_cq)
UNSUP_ERRNO(ibv_cmd_post_recv)
UNSUP_ERRNO(ibv_cmd_post_send)
UNSUP_ERRNO(ibv_cmd_post_srq_recv)
UNSUP_ERRNO(ibv_cmd_query_context)
UNSUP_ERRNO(ibv_cmd_query_device_any)
UNSUP_ERRNO(ibv_cmd_query_mr)
UNSUP_ERRNO(ibv_cmd_query_port)
UNSUP_ERRNO(ibv_cmd_query_qp)
UNSUP_ERRNO(ibv_cmd_query_srq)
UNSUP_ERRNO(ibv_cmd_read_counters)
UNSUP_ERRNO(ibv_cmd_reg_dm_mr)
UNSUP_ERRNO(ibv_cmd_reg_dmabuf_mr)
UNSUP_ERRNO(ibv_cmd_reg_mr)
UNSUP_ERRNO(ibv_cmd_req_notify_cq)
UNSUP_ERRNO(ibv_cmd_rereg_mr)
UNSUP_ERRNO(ibv_cmd_resize_cq)

/* Number of attributes of an ioctl command buffer: none here. */
SN_EXPORT unsigned int __ioctl_final_num_attrs(void);
unsigned int
__ioctl_final_num_attrs(void)
{
	return 0;
}

/* Provider log hook: the soft-NIC has no providers to log for. */
SN_EXPORT void __verbs_log(void);
void
__verbs_log(void)
{
}

/* A provider (libmlx5, ...) registering itself at load time: accepted and
 * ignored, since only soft-NIC devices are listed. */
SN_EXPORT void verbs_register_driver_34(const void *ops);
void
verbs_register_driver_34(const void *ops)
{
	(void)ops;
	sn_log(SN_LOG_DEBUG, "rdma-core provider registration ignored (soft-NIC devices only)");
}

SN_EXPORT bool verbs_allow_disassociate_destroy;
bool verbs_allow_disassociate_destroy;

/* Fork protection is not needed by the soft-NIC (no kernel pinning). */
SN_EXPORT int ibv_dontfork_range(void *base, size_t size);
int
ibv_dontfork_range(void *base, size_t size)
{
	(void)base;
	(void)size;
	return 0;
}

SN_EXPORT int ibv_dofork_range(void *base, size_t size);
int
ibv_dofork_range(void *base, size_t size)
{
	(void)base;
	(void)size;
	return 0;
}

/* Rate conversions (enum ibv_rate values of infiniband/verbs.h). */
static const struct {
	int rate, mult, mbps;
} sn_rates[] = {
	{ 2, 1, 2500 }, { 5, 2, 5000 }, { 3, 4, 10000 }, { 6, 8, 20000 },
	{ 4, 12, 30000 }, { 7, 16, 40000 }, { 8, 24, 60000 }, { 9, 32, 80000 },
	{ 10, 48, 120000 }, { 11, 6, 14062 }, { 12, 22, 56250 }, { 13, 45, 112500 },
	{ 14, 67, 168750 }, { 15, 10, 25781 }, { 16, 40, 103125 }, { 17, 80, 206250 },
	{ 18, 120, 309375 }, { 19, 11, 28125 }, { 20, 20, 53125 },
	{ 21, 160, 425000 }, { 22, 240, 637500 }, { 23, 320, 850000 },
	{ 24, 480, 1275000 },
};

SN_EXPORT int ibv_rate_to_mult(int rate);
int
ibv_rate_to_mult(int rate)
{
	size_t i;

	for (i = 0; i < sizeof(sn_rates) / sizeof(sn_rates[0]); i++)
		if (sn_rates[i].rate == rate)
			return sn_rates[i].mult;
	return -1;
}

SN_EXPORT int mult_to_ibv_rate(int mult);
int
mult_to_ibv_rate(int mult)
{
	size_t i;

	for (i = 0; i < sizeof(sn_rates) / sizeof(sn_rates[0]); i++)
		if (sn_rates[i].mult == mult && sn_rates[i].rate <= 10)
			return sn_rates[i].rate;
	return 0;
}

SN_EXPORT int ibv_rate_to_mbps(int rate);
int
ibv_rate_to_mbps(int rate)
{
	size_t i;

	for (i = 0; i < sizeof(sn_rates) / sizeof(sn_rates[0]); i++)
		if (sn_rates[i].rate == rate)
			return sn_rates[i].mbps;
	return -1;
}

SN_EXPORT int mbps_to_ibv_rate(int mbps);
int
mbps_to_ibv_rate(int mbps)
{
	size_t i;

	for (i = 0; i < sizeof(sn_rates) / sizeof(sn_rates[0]); i++)
		if (sn_rates[i].mbps == mbps)
			return sn_rates[i].rate;
	return 0;
}
