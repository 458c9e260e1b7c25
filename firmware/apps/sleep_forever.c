/* sleep_forever: waits for an interrupt with every interrupt disabled. The platform must notice
 * that nothing can ever wake the hart and stop with an error instead of hanging. */
int main(void) {
  for (;;) __asm__ volatile("wfi");
}
