// libsystemc's own main() calls sc_main(); a fuzz target has libFuzzer's main instead, so this
// definition only satisfies the library's reference and never runs.
extern "C" int sc_main(int /*argc*/, char* /*argv*/[]) { return 0; }
