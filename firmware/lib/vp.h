/* Firmware support library for the neupims-vp host CPU.
 *
 * Register offsets and base addresses come from vp_platform.h, generated from the same register
 * tables the models use. stdout goes to the UART; exit() and returning from main end the run
 * through simctl. Traps: install a handler with vp_set_trap_handler(); without one, any trap
 * prints its cause and ends the run with VP_EXIT_UNEXPECTED_TRAP. */
#ifndef VP_H
#define VP_H

#include <stdint.h>

#include "vp_platform.h"

#define VP_REG32(address) (*(volatile uint32_t*)(uintptr_t)(address))

#define VP_CSR_READ(csr)                                      \
  ({                                                          \
    uint32_t vp_csr_value_;                                   \
    __asm__ volatile("csrr %0, " #csr : "=r"(vp_csr_value_)); \
    vp_csr_value_;                                            \
  })
#define VP_CSR_WRITE(csr, value) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint32_t)(value)))
#define VP_CSR_SET(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint32_t)(bits)))
#define VP_CSR_CLEAR(csr, bits) __asm__ volatile("csrc " #csr ", %0" ::"r"((uint32_t)(bits)))

#define VP_MSTATUS_MIE (1u << 3)
#define VP_MIE_MSIE (1u << 3)
#define VP_MIE_MTIE (1u << 7)
#define VP_MIE_MEIE (1u << 11)
#define VP_MCAUSE_INTERRUPT 0x80000000u

#define VP_EXIT_UNEXPECTED_TRAP 0x7E
/* The firmware rejects the job it was given (it does not fit the device, or the platform lacks
 * a device it needs): neupims-vp reports bad input and exits 2, as for a bad config. */
#define VP_EXIT_INPUT_REJECTED 0x7D

/* Ends the run with `code` (0 = pass). */
void vp_exit(int code) __attribute__((noreturn));
void vp_putc(char c);
void vp_puts(const char* s);

/* Simulated time in ns (simctl). */
uint64_t vp_time_ns(void);
/* Trace markers (simctl): span begin/end and instant events with an argument. */
void vp_marker_begin(uint32_t id, uint32_t arg);
void vp_marker_end(uint32_t id, uint32_t arg);
void vp_marker_instant(uint32_t id, uint32_t arg);

/* CLINT timer. */
uint64_t vp_mtime(void);
void vp_set_mtimecmp(uint64_t value);

/* A trap handler returns the address to resume at (mepc to retry, mepc + 4 to skip). */
typedef uintptr_t (*vp_trap_handler)(uint32_t mcause, uintptr_t mepc, uint32_t mtval);
void vp_set_trap_handler(vp_trap_handler handler);
const char* vp_cause_name(uint32_t mcause);

#endif /* VP_H */
