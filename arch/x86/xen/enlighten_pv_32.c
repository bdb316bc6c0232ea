// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit Xen PV: the event counters of the direct iret in xen-asm_32.S.
 */

#include <linux/debugfs.h>
#include <linux/init.h>

#include <xen/xen.h>

#include "xen-ops.h"

/*
 * xen_iret_direct's events: found pending as it unmasked events, and come
 * inside its critical region (debugfs xen/iret_pending, xen/iret_fixups).
 */
unsigned int xen_iret_pending;
unsigned int xen_iret_fixups;

#ifdef CONFIG_XEN_DEBUG_FS
static int __init xen_iret_debugfs(void)
{
	struct dentry *d_xen;

	if (!xen_pv_domain())
		return 0;
	d_xen = xen_init_debugfs();
	debugfs_create_u32("iret_pending", 0444, d_xen, &xen_iret_pending);
	debugfs_create_u32("iret_fixups", 0444, d_xen, &xen_iret_fixups);
	return 0;
}
fs_initcall(xen_iret_debugfs);
#endif
