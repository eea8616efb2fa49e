/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOAD shim for Debian's dpdk-testpmd 22.11.11 running DPDK 22.11's
 * unmodified net_mana (tests/upstream).
 *
 * Why: testpmd 22.11.11 reads every queue's state with
 * rte_eth_{rx,tx}_queue_info_get() at "start" and does not poll a queue
 * whose state is RTE_ETH_QUEUE_STATE_STOPPED ("do not poll stopped
 * queues").  DPDK 22.11's net_mana implements the info calls but never
 * writes dev->data->{rx,tx}_queue_state, so every queue stays "stopped" and
 * testpmd forwards nothing, on Azure as on the soft-NIC (upstream DPDK
 * fixed the driver later; the fix is not in 22.11.11).  The driver has no
 * deferred start and no per-queue start/stop: its queues run exactly while
 * the port is started.  This shim reports that state and changes nothing
 * else: the real function is called, and only a "stopped" answer for a
 * queue of a started port is corrected to "started".  The driver itself is
 * built unmodified.
 *
 * Both functions: inputs and outputs as the DPDK 22.11 API
 * (rte_ethdev.h); return the real function's value.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include <ethdev_driver.h>

typedef int (*rxq_info_fn)(uint16_t, uint16_t, struct rte_eth_rxq_info *);
typedef int (*txq_info_fn)(uint16_t, uint16_t, struct rte_eth_txq_info *);

static bool
qstate_port_started(uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS && rte_eth_devices[port_id].data != NULL &&
	       rte_eth_devices[port_id].data->dev_started;
}

static void *
qstate_real(const char *name)
{
	void *f = dlvsym(RTLD_NEXT, name, "DPDK_23");

	if (f == NULL)
		fprintf(stderr, "qstate_shim: %s@DPDK_23 not found: %s\n", name, dlerror());
	return f;
}

int
rte_eth_rx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_rxq_info *qinfo)
{
	static rxq_info_fn real;
	int ret;

	if (real == NULL)
		real = (rxq_info_fn)qstate_real("rte_eth_rx_queue_info_get");
	if (real == NULL)
		return -ENOSYS;
	ret = real(port_id, queue_id, qinfo);
	if (ret == 0 && qinfo->queue_state == RTE_ETH_QUEUE_STATE_STOPPED &&
	    qstate_port_started(port_id))
		qinfo->queue_state = RTE_ETH_QUEUE_STATE_STARTED;
	return ret;
}

int
rte_eth_tx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_txq_info *qinfo)
{
	static txq_info_fn real;
	int ret;

	if (real == NULL)
		real = (txq_info_fn)qstate_real("rte_eth_tx_queue_info_get");
	if (real == NULL)
		return -ENOSYS;
	ret = real(port_id, queue_id, qinfo);
	if (ret == 0 && qinfo->queue_state == RTE_ETH_QUEUE_STATE_STOPPED &&
	    qstate_port_started(port_id))
		qinfo->queue_state = RTE_ETH_QUEUE_STATE_STARTED;
	return ret;
}
