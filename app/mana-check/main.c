/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: readiness checker for a DPDK data plane on MANA in Azure Linux
 * VMs.  See doc/mana-check.md.
 */
#include "mc.h"

int
main(int argc, char **argv)
{
	return mc_main(argc, argv);
}
