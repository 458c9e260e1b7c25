/* fail_exit: exits with code 3, so tests can check that a firmware failure reaches the shell. */
int main(void) { return 3; }
