/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory regions, protection domains and the DMA check (spec §1.3, §3.2).
 *
 * SGE addresses are addresses in the MR's space (IOVA; IOVA = VA for
 * ibv_reg_mr).  Every device access to an SGE goes through sn_mr_access():
 * the lkey must name a registered MR of the queue's PD, [addr, addr + len)
 * must lie inside the MR, and device writes (RX) need IBV_ACCESS_LOCAL_WRITE.
 *
 * lkey layout: bits [31:8] MR table index (>= 1), bits [7:0] a key byte that
 * changes with every registration, so a stale lkey of a deregistered MR is
 * not accepted when its slot is reused.  lkeys are never 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#include "sn_dev.h"

#define SN_MR_MAX	(1u << 20)

/* Is [p, p + len) mapped in this process?  (what ib_umem_get's pinning
 * checks; EFAULT otherwise).  Probed page by page with mincore(). */
bool
sn_mem_mapped(const void *p, size_t len)
{
	static long pg;
	uintptr_t start, end;
	unsigned char vec[64];

	if (pg == 0)
		pg = sysconf(_SC_PAGESIZE);
	if (len == 0)
		return true;
	start = (uintptr_t)p & ~((uintptr_t)pg - 1);
	end = (uintptr_t)p + len;
	if (end < (uintptr_t)p)
		return false;
	while (start < end) {
		size_t chunk = (size_t)pg * sizeof(vec);

		if (end - start < chunk)
			chunk = end - start;
		if (mincore((void *)start, chunk, vec) != 0)
			return false;
		start += chunk;
	}
	return true;
}

/*
 * Register [addr, addr + length) of this process for PD pdn with IBV_ACCESS_*
 * flags; the MR's address space starts at iova = addr.  Returns 0 and the
 * lkey (never 0), -EINVAL (length 0), -EFAULT (memory not mapped), -ENOMEM
 * (table full), -EIO (adapter revoked).
 */
int
sn_mr_register(struct sn_adapter *a, uint32_t pdn, void *addr, size_t length,
	       int access, uint32_t *lkey)
{
	return sn_mr_register_iova(a, pdn, addr, length, (uintptr_t)addr, access, lkey);
}

/*
 * As sn_mr_register(), but SGE addresses of this MR are in a space starting
 * at iova (ibv_reg_mr_iova2): SGE address x means process address
 * addr + (x - iova).
 */
int
sn_mr_register_iova(struct sn_adapter *a, uint32_t pdn, void *addr, size_t length,
		    uint64_t iova, int access, uint32_t *lkey)
{
	uint32_t i;
	int ret = 0;

	if (length == 0)
		return -EINVAL;
	if (!sn_mem_mapped(addr, length))
		return -EFAULT;
	sn_adapter_lock(a);
	if (a->revoked) {
		ret = -EIO;
		goto out;
	}
	for (i = 1; i < a->mr_cap; i++)
		if (a->mr[i].lkey == 0)
			break;
	if (i >= a->mr_cap) {
		uint32_t ncap = a->mr_cap ? a->mr_cap * 2 : 256;
		struct sn_mr *n;

		if (ncap > SN_MR_MAX) {
			ret = -ENOMEM;
			goto out;
		}
		n = realloc(a->mr, ncap * sizeof(*n));
		if (n == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		memset(n + a->mr_cap, 0, (ncap - a->mr_cap) * sizeof(*n));
		i = a->mr_cap ? a->mr_cap : 1;
		a->mr = n;
		a->mr_cap = ncap;
	}
	a->mr_gen++;
	a->mr[i].lkey = (i << 8) | (a->mr_gen & 0xffu);
	a->mr[i].pdn = pdn;
	a->mr[i].access = access;
	a->mr[i].iova = iova;
	a->mr[i].length = length;
	a->mr[i].host = addr;
	*lkey = a->mr[i].lkey;
out:
	sn_adapter_unlock(a);
	return ret;
}

/* Deregister an MR: later SGEs with its lkey fail the DMA check.
 * Returns 0 or -ENOENT. */
int
sn_mr_deregister(struct sn_adapter *a, uint32_t lkey)
{
	uint32_t i = lkey >> 8;
	int ret = -ENOENT;

	sn_adapter_lock(a);
	if (i > 0 && i < a->mr_cap && a->mr[i].lkey == lkey) {
		memset(&a->mr[i], 0, sizeof(a->mr[i]));
		ret = 0;
	}
	sn_adapter_unlock(a);
	return ret;
}

/* Allocate a PD number (>= 1). */
uint32_t
sn_pd_alloc(struct sn_adapter *a)
{
	uint32_t pdn;

	sn_adapter_lock(a);
	pdn = a->next_pdn++;
	if (a->next_pdn == 0)
		a->next_pdn = 1;
	sn_adapter_unlock(a);
	return pdn;
}

/* Release a PD number (numbers are not reused, nothing to do beyond
 * checking that no MR still references it). */
void
sn_pd_free(struct sn_adapter *a, uint32_t pdn)
{
	uint32_t i;

	sn_adapter_lock(a);
	for (i = 1; i < a->mr_cap; i++)
		if (a->mr[i].lkey != 0 && a->mr[i].pdn == pdn)
			sn_log(SN_LOG_WARN, "PD %u freed while MR lkey 0x%x is registered",
			       pdn, a->mr[i].lkey);
	sn_adapter_unlock(a);
}
