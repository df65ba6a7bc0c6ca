// libsystemc defines main() and calls sc_main(). infsim's executables (the CLI, the tests through
// gtest_main) bring their own main() and call sc_start themselves, but the shared library still
// needs the symbol to link; sim/CMakeLists.txt pulls this file in and exports the symbol.
extern "C" int sc_main(int, char**) {
  return 0;
}
