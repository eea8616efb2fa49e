/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact doorbells on shared doorbell pages (spec §1.2, §2.1, §2.4).
 *
 * On hardware a doorbell is a posted MMIO write: every value reaches the
 * device, even when a driver writes the same address twice in a row.  All
 * queues of a context share one doorbell page on MANA (§1.2: "All queues
 * created through this context are rung on this page"), so e.g. the SQ
 * doorbells of four TX queues all go to page offset 0x000.  The soft-NIC
 * sees doorbells by polling memory, so a second value written to an address
 * before the device thread read the first one would make the first
 * disappear: DPDK 22.11's net_mana, which rings every queue of a port on the
 * page of its last RWQ, lost the initial RQ doorbell and every SQ doorbell
 * of all queues but the last one (tests/upstream).
 *
 * The fix emulates MMIO the way a hypervisor does.  The driver's view of a
 * doorbell region (the db_page pointers of manadv_init_obj) is a second,
 * write-protected mapping of the region's memfd; the device reads the
 * first, writable one.  A store into a protected page raises SIGSEGV; the
 * handler below decodes the x86-64 store instruction (MOV/XCHG/MOVNTI from a
 * general register or an immediate, MOVQ from an XMM register: what
 * compilers emit for rte_write64()/mmio_write64() and atomic stores), waits
 * until the device has consumed the previous value of that doorbell (the
 * device wakes up if it was sleeping) and stores the new value into the
 * device's view, then resumes the driver after the instruction.  Per
 * doorbell address the values thus reach the device one by one, in program
 * order, as on hardware.
 *
 * Cost: one signal per doorbell (a few µs) only where it matters.  Each
 * queue page starts "learning": its first store traps.  A page whose first
 * doorbell is one of its own queue (the WQ the page was handed out for, or
 * that WQ's CQ) becomes "fast": write access is granted and the device
 * polls it as before (a driver that rings each queue on its own page, like
 * this project's PMD, pays one trap per page).  A page whose first doorbell
 * belongs to another queue, and page 0 (the context page), become "shared"
 * and trap every store.  A fast page on which the device later finds a
 * foreign doorbell is switched to shared (best effort: a value overwritten
 * before that scan is lost).
 *
 * Limits: x86-64 only (elsewhere every page is fast, as before); stores the
 * decoder does not know (e.g. AVX encodings) switch their page to fast and
 * are counted (doorbell_trap_unknown); a mapping the application makes
 * itself from the command fd (DPDK secondary processes) is not trapped;
 * SOFTNIC_DB_TRAP=0 in the environment turns the mechanism off, and so does
 * running under valgrind (its signal frames do not carry the precise
 * registers of a faulting store).  Under gdb,
 * use "handle SIGSEGV nostop noprint pass" (the first store to each page
 * traps).  An application that replaces the SIGSEGV handler after opening
 * the device breaks shared pages.  A store to a revoked region (§9) or to a
 * region being destroyed has no effect, like a write to a zapped BAR page.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "sn_dev.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SN_HAVE_VALGRIND_H 1
#endif
#endif

#define SN_TRAP_REGIONS		64	/* doorbell regions (contexts) at once */
#define SN_TRAP_WAIT_NS		2000000000ull	/* give up waiting after 2 s */

struct sn_trap_region {
	uintptr_t start;		/* driver view; 0 = free slot */
	struct sn_dbr *r;
};

static struct sn_trap_region sn_trap_reg[SN_TRAP_REGIONS];
static unsigned int sn_trap_inflight;	/* handlers running */
static pthread_mutex_t sn_trap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction sn_trap_old;	/* the handler we chain to */
static int sn_trap_state = -1;		/* -1 undecided, 0 off, 1 on */

/* Counters (adapter-independent, read by ctl through sn_dbtrap_stats). */
static uint64_t sn_trap_count;		/* stores emulated */
static uint64_t sn_trap_unknown;	/* stores not decoded */
static uint64_t sn_trap_timeouts;	/* values stored without consumption */

#if defined(__x86_64__)

/* A decoded store: width bytes of value to the faulting address. */
struct sn_store {
	unsigned int len;	/* instruction length */
	unsigned int width;	/* 1, 2, 4 or 8 bytes */
	uint64_t value;
	int xchg_reg;		/* XCHG: general register receiving the old value */
};

/* ModRM reg/rm numbers (with REX extension) to mcontext register slots. */
static const int sn_greg[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* Length of the ModRM, SIB and displacement bytes at p (64-bit addressing);
 * 0 for a register operand (mod 3), which cannot be a faulting store. */
static unsigned int
sn_modrm_len(const uint8_t *p)
{
	unsigned int mod = p[0] >> 6, rm = p[0] & 7, n = 1;

	if (mod == 3)
		return 0;
	if (rm == 4) {			/* SIB */
		n++;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;		/* no base, disp32 */
	} else if (mod == 0 && rm == 5) {
		n += 4;			/* RIP-relative disp32 */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/*
 * Decode the store instruction at ip.  Returns 0 and *st, or -1 when the
 * instruction is not one of the supported stores.
 */
static int
sn_decode_store(const uint8_t *ip, const ucontext_t *uc, struct sn_store *st)
{
	const uint8_t *p = ip;
	bool opsize = false;
	unsigned int rex = 0, reg, ml, i;

	for (i = 0; i < 4; i++, p++) {	/* legacy prefixes we accept */
		if (*p == 0x66)
			opsize = true;
		else if (*p != 0x2e && *p != 0x3e && *p != 0x26 && *p != 0x36)
			break;
	}
	if ((*p & 0xf0) == 0x40)
		rex = *p++;
	st->xchg_reg = -1;
	switch (p[0]) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m16/32/64, r */
	case 0x87:	/* XCHG r/m, r */
		ml = sn_modrm_len(p + 1);
		if (ml == 0)
			return -1;
		reg = ((p[1] >> 3) & 7) | ((rex & 4) ? 8 : 0);
		if (p[0] == 0x88) {
			st->width = 1;
			if (rex == 0 && reg >= 4)	/* AH, CH, DH, BH */
				st->value = (uint64_t)uc->uc_mcontext.gregs[sn_greg[reg - 4]] >> 8;
			else
				st->value = (uint64_t)uc->uc_mcontext.gregs[sn_greg[reg]];
		} else {
			st->width = (rex & 8) ? 8 : opsize ? 2 : 4;
			st->value = (uint64_t)uc->uc_mcontext.gregs[sn_greg[reg]];
			if (p[0] == 0x87)
				st->xchg_reg = reg;
		}
		st->len = (unsigned int)(p - ip) + 1 + ml;
		break;
	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m16/32/64, imm16/32 (sign-extended) */
		if (((p[1] >> 3) & 7) != 0)
			return -1;
		ml = sn_modrm_len(p + 1);
		if (ml == 0)
			return -1;
		if (p[0] == 0xc6) {
			st->width = 1;
			st->value = p[1 + ml];
			st->len = (unsigned int)(p - ip) + 1 + ml + 1;
		} else if (opsize && !(rex & 8)) {
			uint16_t v;

			memcpy(&v, p + 1 + ml, 2);
			st->width = 2;
			st->value = v;
			st->len = (unsigned int)(p - ip) + 1 + ml + 2;
		} else {
			int32_t v;

			memcpy(&v, p + 1 + ml, 4);
			st->width = (rex & 8) ? 8 : 4;
			st->value = (uint64_t)(int64_t)v;
			if (st->width == 4)
				st->value &= 0xffffffffu;
			st->len = (unsigned int)(p - ip) + 1 + ml + 4;
		}
		break;
	case 0x0f:
		if (p[1] == 0xc3) {	/* MOVNTI m32/64, r */
			ml = sn_modrm_len(p + 2);
			if (ml == 0)
				return -1;
			reg = ((p[2] >> 3) & 7) | ((rex & 4) ? 8 : 0);
			st->width = (rex & 8) ? 8 : 4;
			st->value = (uint64_t)uc->uc_mcontext.gregs[sn_greg[reg]];
			st->len = (unsigned int)(p - ip) + 2 + ml;
		} else if (p[1] == 0xd6 && opsize) {	/* MOVQ xmm/m64, xmm */
			ml = sn_modrm_len(p + 2);
			if (ml == 0 || uc->uc_mcontext.fpregs == NULL)
				return -1;
			reg = ((p[2] >> 3) & 7) | ((rex & 4) ? 8 : 0);
			st->width = 8;
			st->value = (uint64_t)uc->uc_mcontext.fpregs->_xmm[reg].element[0] |
				    ((uint64_t)uc->uc_mcontext.fpregs->_xmm[reg].element[1] << 32);
			st->len = (unsigned int)(p - ip) + 2 + ml;
		} else {
			return -1;
		}
		break;
	default:
		return -1;
	}
	if (st->width < 8)
		st->value &= (1ull << (8 * st->width)) - 1;
	return 0;
}

static uint64_t
sn_trap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Does value v stored at page offset off name one of the page's own queues? */
static bool
sn_trap_own(const struct sn_dbr *r, unsigned int page, uint32_t off, uint64_t v)
{
	uint32_t wq = __atomic_load_n(&r->owner_wq[page], __ATOMIC_ACQUIRE);
	uint32_t cq = __atomic_load_n(&r->owner_cq[page], __ATOMIC_ACQUIRE);
	uint8_t t = __atomic_load_n(&r->owner_type[page], __ATOMIC_ACQUIRE);
	uint32_t id;

	if (wq == 0)
		return false;
	switch (off) {
	case MANA_DB_SQ:
	case MANA_DB_RQ:
	case MANA_DB_CQ:
		id = (uint32_t)(v & 0xffffffu);
		break;
	case MANA_DB_SQ_SHORT:
	case MANA_DB_RQ_SHORT:
	case MANA_DB_CQ_SHORT:
		id = (uint32_t)((v >> 16) & MANA_SHORT_DB_QUEUE_ID_MAX);
		break;
	default:
		return false;
	}
	if (off == MANA_DB_CQ || off == MANA_DB_CQ_SHORT)
		return id == cq;
	if (off == MANA_DB_SQ || off == MANA_DB_SQ_SHORT)
		return t == SN_WQ_SQ && id == wq;
	return t == SN_WQ_RQ && id == wq;
}

static void
sn_trap_wake(struct sn_adapter *a)
{
	uint64_t one = 1;

	if (__atomic_load_n(&a->sleeping, __ATOMIC_SEQ_CST) && a->wake_fd >= 0)
		(void)!write(a->wake_fd, &one, sizeof(one));
}

/*
 * Store st->width bytes at page offset off of the device's view.  A 64-bit
 * (0x000/0x400/0x800) or 32-bit (0x010/0x410/0x810) doorbell waits until the
 * device has consumed the previous value there (§2.2, §2.3).
 */
static void
sn_trap_store(struct sn_dbr *r, unsigned int page, uint32_t off, const struct sn_store *st)
{
	uint8_t *d = r->dev + (size_t)page * MANA_PAGE_SIZE + off;
	bool db64 = st->width == 8 &&
		    (off == MANA_DB_SQ || off == MANA_DB_RQ || off == MANA_DB_CQ);
	bool db32 = st->width == 4 &&
		    (off == MANA_DB_SQ_SHORT || off == MANA_DB_RQ_SHORT || off == MANA_DB_CQ_SHORT);
	uint64_t t0 = 0;
	unsigned int spins = 0;

	if (db64 || db32) {
		/* Claim the empty slot with a compare-and-swap, so that two
		 * threads trapping on one doorbell both get through, one after
		 * the other (sequentially consistent: ordered before the
		 * `sleeping` load of sn_trap_wake). */
		for (;;) {
			uint64_t z64 = 0;
			uint32_t z32 = 0;
			bool done;

			if (__atomic_load_n(&r->dead, __ATOMIC_ACQUIRE))
				return;
			done = db64 ?
			       __atomic_compare_exchange_n((uint64_t *)d, &z64, st->value, false,
							   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED) :
			       __atomic_compare_exchange_n((uint32_t *)d, &z32, (uint32_t)st->value,
							   false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
			if (done)
				break;
			if (spins++ == 0) {
				t0 = sn_trap_now();
				sn_trap_wake(r->a);
			} else if ((spins & 1023) == 0) {
				if (sn_trap_now() - t0 > SN_TRAP_WAIT_NS) {
					/* the device is gone or stuck: overwrite */
					__atomic_fetch_add(&sn_trap_timeouts, 1, __ATOMIC_RELAXED);
					if (db64)
						__atomic_store_n((uint64_t *)d, st->value,
								 __ATOMIC_SEQ_CST);
					else
						__atomic_store_n((uint32_t *)d, (uint32_t)st->value,
								 __ATOMIC_SEQ_CST);
					break;
				}
				sn_trap_wake(r->a);
				sched_yield();
			}
			__builtin_ia32_pause();
		}
		sn_trap_wake(r->a);
		return;
	}
	if (__atomic_load_n(&r->dead, __ATOMIC_ACQUIRE))
		return;
	memcpy(d, &st->value, st->width);	/* little endian: low bytes first */
}

static void
sn_trap_chain(int sig, siginfo_t *si, void *uctx)
{
	if ((sn_trap_old.sa_flags & SA_SIGINFO) && sn_trap_old.sa_sigaction != NULL) {
		sn_trap_old.sa_sigaction(sig, si, uctx);
	} else if (sn_trap_old.sa_handler != SIG_DFL && sn_trap_old.sa_handler != SIG_IGN) {
		sn_trap_old.sa_handler(sig);
	} else {
		/* Not ours: let the fault happen again with the default action
		 * (a genuine crash keeps its core dump and exit status). */
		signal(sig, SIG_DFL);
	}
}

static void
sn_trap_handler(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
	uintptr_t addr = (uintptr_t)si->si_addr;
	const size_t len = (size_t)SN_DBR_PAGES * MANA_PAGE_SIZE;
	struct sn_dbr *r = NULL;
	struct sn_store st;
	unsigned int i, page;
	uint32_t off;
	uint8_t state;
	int saved_errno = errno;

	__atomic_fetch_add(&sn_trap_inflight, 1, __ATOMIC_SEQ_CST);
	if (si->si_code == SEGV_ACCERR)
		for (i = 0; i < SN_TRAP_REGIONS; i++) {
			uintptr_t s = __atomic_load_n(&sn_trap_reg[i].start, __ATOMIC_SEQ_CST);

			if (s != 0 && addr >= s && addr < s + len) {
				r = __atomic_load_n(&sn_trap_reg[i].r, __ATOMIC_SEQ_CST);
				break;
			}
		}
	if (r == NULL) {
		__atomic_fetch_sub(&sn_trap_inflight, 1, __ATOMIC_SEQ_CST);
		errno = saved_errno;
		sn_trap_chain(sig, si, uctx);
		return;
	}
	page = (unsigned int)((addr - (uintptr_t)r->base) / MANA_PAGE_SIZE);
	off = (uint32_t)((addr - (uintptr_t)r->base) % MANA_PAGE_SIZE);
	if (sn_decode_store((const uint8_t *)uc->uc_mcontext.gregs[REG_RIP], uc, &st) != 0 ||
	    off + st.width > MANA_PAGE_SIZE) {
		/* Unknown instruction: give the page write access and let the
		 * store execute (the page is then only polled). */
		__atomic_fetch_add(&sn_trap_unknown, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&r->page_state[page], SN_PG_FAST, __ATOMIC_RELEASE);
		mprotect(r->base + (size_t)page * MANA_PAGE_SIZE, MANA_PAGE_SIZE,
			 PROT_READ | PROT_WRITE);
		goto out;
	}
	state = __atomic_load_n(&r->page_state[page], __ATOMIC_ACQUIRE);
	if (state == SN_PG_LEARN) {
		if (page != 0 && sn_trap_own(r, page, off, st.value)) {
			/* emulate this store, then let later ones through */
			__atomic_store_n(&r->page_state[page], SN_PG_FAST, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&r->page_state[page], SN_PG_SHARED, __ATOMIC_RELEASE);
			state = SN_PG_SHARED;
		}
	}
	if (st.xchg_reg >= 0) {
		uint64_t old = 0;

		memcpy(&old, r->dev + (size_t)page * MANA_PAGE_SIZE + off, st.width);
		if (st.width == 4)	/* a 32-bit register write zero-extends */
			uc->uc_mcontext.gregs[sn_greg[st.xchg_reg]] = (greg_t)old;
		else
			memcpy(&uc->uc_mcontext.gregs[sn_greg[st.xchg_reg]], &old, st.width);
	}
	sn_trap_store(r, page, off, &st);
	if (state != SN_PG_SHARED)
		mprotect(r->base + (size_t)page * MANA_PAGE_SIZE, MANA_PAGE_SIZE,
			 PROT_READ | PROT_WRITE);
	__atomic_fetch_add(&sn_trap_count, 1, __ATOMIC_RELAXED);
	uc->uc_mcontext.gregs[REG_RIP] += st.len;
out:
	__atomic_fetch_sub(&sn_trap_inflight, 1, __ATOMIC_SEQ_CST);
	errno = saved_errno;
}

/* Is the process running on valgrind's synthetic CPU? */
static bool
sn_trap_under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

#ifdef SN_HAVE_VALGRIND_H
	if (RUNNING_ON_VALGRIND)
		return true;
#endif
	return pre != NULL && strstr(pre, "/vgpreload_") != NULL;
}

/* Decide once whether stores are trapped; install the handler if so. */
static bool
sn_trap_init(void)
{
	struct sigaction sa;
	const char *e;

	if (sn_trap_state >= 0)
		return sn_trap_state == 1;
	sn_trap_state = 0;
	e = getenv(SN_ENV_DB_TRAP);
	if (e != NULL && strcmp(e, "0") == 0) {
		sn_log(SN_LOG_INFO, "doorbell traps off (%s=0): doorbells are only polled",
		       SN_ENV_DB_TRAP);
		return false;
	}
	if (sn_trap_under_valgrind()) {
		/* Valgrind's signal frames carry imprecise registers (and, with
		 * callgrind, an imprecise instruction pointer) at a faulting
		 * store, so the store cannot be emulated. */
		sn_log(SN_LOG_INFO, "running under valgrind: doorbells are only polled");
		return false;
	}
	if (sysconf(_SC_PAGESIZE) != MANA_PAGE_SIZE) {
		sn_log(SN_LOG_WARN, "system page size is not 4 KiB: doorbells are only polled");
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sn_trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &sn_trap_old) != 0) {
		sn_log(SN_LOG_WARN, "cannot install the doorbell trap handler: %s; doorbells "
		       "are only polled", strerror(errno));
		return false;
	}
	sn_trap_state = 1;
	return true;
}

#else /* !__x86_64__ */

static bool
sn_trap_init(void)
{
	if (sn_trap_state < 0)
		sn_trap_state = 0;
	return false;
}

#endif

/*
 * Publish the driver view of region r for trapping (sn_dbr_create, adapter
 * lock not held).  Returns true when stores to r->base are trapped (the
 * caller keeps the driver view read-only); false when trapping is off, not
 * supported or every slot is in use (then the caller makes the view
 * writable and every page is polled only).
 */
bool
sn_dbtrap_register(struct sn_dbr *r)
{
	bool ok = false;
	unsigned int i;

	pthread_mutex_lock(&sn_trap_lock);
	if (sn_trap_init())
		for (i = 0; i < SN_TRAP_REGIONS; i++)
			if (__atomic_load_n(&sn_trap_reg[i].start, __ATOMIC_SEQ_CST) == 0) {
				__atomic_store_n(&sn_trap_reg[i].r, r, __ATOMIC_SEQ_CST);
				__atomic_store_n(&sn_trap_reg[i].start, (uintptr_t)r->base,
						 __ATOMIC_SEQ_CST);
				r->trap_slot = (int)i;
				ok = true;
				break;
			}
	pthread_mutex_unlock(&sn_trap_lock);
	if (!ok && sn_trap_state == 1)
		sn_log(SN_LOG_WARN, "more than %u doorbell regions: this context's doorbells "
		       "are only polled", SN_TRAP_REGIONS);
	return ok;
}

/*
 * Withdraw region r from trapping (sn_dbr_destroy, after r->dead is set)
 * and wait until no handler still uses it, so that it can be unmapped.
 */
void
sn_dbtrap_unregister(struct sn_dbr *r)
{
	if (r->trap_slot < 0)
		return;
	pthread_mutex_lock(&sn_trap_lock);
	__atomic_store_n(&sn_trap_reg[r->trap_slot].start, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sn_trap_reg[r->trap_slot].r, NULL, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&sn_trap_lock);
	r->trap_slot = -1;
	while (__atomic_load_n(&sn_trap_inflight, __ATOMIC_SEQ_CST) != 0)
		sched_yield();
}

/*
 * Set the trap state of a page of r (lock held): SN_PG_LEARN and
 * SN_PG_SHARED write-protect the driver view of the page, SN_PG_FAST grants
 * write access.  No effect on regions that are not trapped.
 */
void
sn_dbtrap_set(struct sn_dbr *r, unsigned int page, uint8_t state)
{
	if (r->trap_slot < 0 || page >= SN_DBR_PAGES)
		return;
	__atomic_store_n(&r->page_state[page], state, __ATOMIC_RELEASE);
	mprotect(r->base + (size_t)page * MANA_PAGE_SIZE, MANA_PAGE_SIZE,
		 state == SN_PG_FAST ? PROT_READ | PROT_WRITE : PROT_READ);
}

/* Process-wide trap counters: stores emulated, stores not decoded, doorbell
 * values stored after waiting 2 s in vain for the previous one. */
void
sn_dbtrap_stats(uint64_t *traps, uint64_t *unknown, uint64_t *timeouts)
{
	*traps = __atomic_load_n(&sn_trap_count, __ATOMIC_RELAXED);
	*unknown = __atomic_load_n(&sn_trap_unknown, __ATOMIC_RELAXED);
	*timeouts = __atomic_load_n(&sn_trap_timeouts, __ATOMIC_RELAXED);
}
