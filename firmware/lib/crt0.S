/* Reset entry: set gp, sp, tp and the trap vector, zero .tbss/.bss, run main, exit. */
  .section .text.init, "ax"
  .global _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la tp, __tls_base
  la t0, vp_trap_entry
  csrw mtvec, t0
  la t0, __tbss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:
  li a0, 0
  li a1, 0
  call main
  call exit
3:
  j 3b
