#pragma once
// Where the tests find their data, the infsim binary and the checkout. The three paths are
// compiled into one small generated object (test_paths.cpp in the build folder), not into every
// test as -D defines: a test object then does not depend on where the checkout or the build
// folder lives, and a compiler cache shares it between clones and worktrees.
namespace infsim::testing::paths {
const char* test_data();   // tests/data
const char* binary();      // <build>/tools/infsim
const char* source_dir();  // the checkout
}  // namespace infsim::testing::paths

#define INFSIM_TEST_DATA (::infsim::testing::paths::test_data())
#define INFSIM_BINARY (::infsim::testing::paths::binary())
#define INFSIM_SOURCE_DIR (::infsim::testing::paths::source_dir())
