#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tools/config/errors.h"
#include "tools/config/utf8.h"
#include "tools/driver/atomic_file.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

TEST(DriverOutputs, AllFilesOrNone) {
  const fs::path dir = fs::temp_directory_path() / ("infsim-outputs-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string a = (dir / "a.json").string(), b = (dir / "nodir" / "b.csv").string();
  EXPECT_THROW(write_files_atomically({{a, "{}"}, {b, "x"}}), UsageError);
  EXPECT_TRUE(fs::is_empty(dir));  // neither a.json nor a temporary is left
  write_files_atomically({{a, "{}"}, {(dir / "c.csv").string(), "x"}});
  EXPECT_TRUE(fs::exists(a));
  EXPECT_TRUE(fs::exists(dir / "c.csv"));
  fs::remove_all(dir);
}

TEST(DriverOutputs, Utf8) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // été € 😀
  EXPECT_FALSE(is_valid_utf8("s\x9f"));             // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated sequence
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace infsim::driver
