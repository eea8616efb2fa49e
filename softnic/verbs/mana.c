/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop-in libmana.so.1 (MANA_1.0): the two manadv calls a MANA Ethernet
 * driver uses (spec §1.4, §1.10).  The objects live in the drop-in
 * libibverbs, reached through its SOFTNIC_PRIVATE symbols.
 */
#include <infiniband/manadv.h>

#define SN_EXPORT __attribute__((visibility("default")))

int sn_verbs_set_context_attr(struct ibv_context *ctx, int type, void *attr);
int sn_verbs_init_obj(struct manadv_obj *obj, uint64_t obj_type);

/*
 * Set a context attribute: MANADV_CTX_ATTR_BUF_ALLOCATORS (struct
 * manadv_ctx_allocators *) stores the queue-memory hooks used by CQs, WQs
 * and send QPs created afterwards.  Returns 0, EOPNOTSUPP for another type,
 * EIO once the device was revoked.
 */
SN_EXPORT int
manadv_set_context_attr(struct ibv_context *ibv_ctx, enum manadv_set_ctx_attr_type type,
			void *attr)
{
	return sn_verbs_set_context_attr(ibv_ctx, (int)type, attr);
}

/*
 * Copy the cached hardware view of QPs, CQs and RWQs (ring addresses and
 * sizes, queue ids, tx_vp_offset, doorbell pages).  Returns 0 or EINVAL for
 * unknown obj_type bits.
 */
SN_EXPORT int
manadv_init_obj(struct manadv_obj *obj, uint64_t obj_type)
{
	return sn_verbs_init_obj(obj, obj_type);
}
