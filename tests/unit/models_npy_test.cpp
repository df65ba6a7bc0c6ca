// .npy reading and writing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "models/model_error.h"
#include "models/npy.h"
#include "tests/common/test_paths.h"

namespace infsim::models {
namespace {

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

void write_npy(const std::string& path, const HostTensor& t) {
  std::ofstream(path, std::ios::binary) << encode_npy(t);
}

TEST(ModelsNpy, RoundTrip) {
  for (Shape shape : {Shape{2, 3, 4}, Shape{5}, Shape{}, Shape{1, 0}}) {
    HostTensor t{shape, std::vector<float>(static_cast<std::size_t>(num_elements(shape)))};
    for (std::size_t i = 0; i < t.data.size(); ++i)
      t.data[i] = 0.25f * static_cast<float>(i) - 1.0f;
    std::string path = temp("round_trip.npy");
    write_npy(path, t);
    HostTensor back = read_npy(path);
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.data, t.data);
    // numpy aligns the data to 64 bytes.
    EXPECT_EQ((std::filesystem::file_size(path) - t.data.size() * 4) % 64, 0u);
    std::remove(path.c_str());
  }
}

TEST(ModelsNpy, ReadsNumpyWrittenFloat32) {
  // Written by numpy (tools/scripts/export_test_models.py): PyTorch's tiny_cnn output,
  // shape (1, 10).
  HostTensor t = read_npy(std::string(INFSIM_TEST_DATA) + "/onnx/tiny_cnn_output.npy");
  EXPECT_EQ(t.shape, (Shape{1, 10}));
  EXPECT_EQ(t.data.size(), 10u);
}

void write_raw(const std::string& path, const std::string& header, const std::string& payload) {
  std::string h = header;
  while ((10 + h.size() + 1) % 64) h.push_back(' ');
  h.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(h.size() & 0xff));
  out.put(static_cast<char>(h.size() >> 8));
  out << h << payload;
}

TEST(ModelsNpy, ReadsFloat16) {
  std::string path = temp("half.npy");
  // 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800 (little-endian).
  write_raw(path, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
            std::string("\x00\x3c\x00\xc0\x00\x38", 6));
  HostTensor t = read_npy(path);
  EXPECT_EQ(t.shape, (Shape{3}));
  EXPECT_EQ(t.data, (std::vector<float>{1.0f, -2.0f, 0.5f}));
  std::remove(path.c_str());
}

TEST(ModelsNpy, BadFilesAreClearErrors) {
  auto message = [](const std::string& path) -> std::string {
    try {
      read_npy(path);
    } catch (const ModelError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message(temp("absent.npy")).find("cannot open"), std::string::npos);

  std::string path = temp("bad.npy");
  std::ofstream(path) << "hello world, not numpy";
  EXPECT_NE(message(path).find("bad magic"), std::string::npos);

  write_raw(path, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
            std::string(16, '\0'));
  EXPECT_NE(message(path).find("unsupported dtype"), std::string::npos);

  write_raw(path, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
            std::string(8, '\0'));
  EXPECT_NE(message(path).find("unsupported dtype"), std::string::npos);

  write_raw(path, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            std::string(16, '\0'));
  EXPECT_NE(message(path).find("Fortran"), std::string::npos);

  write_raw(path, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
            std::string(8, '\0'));
  std::string msg = message(path);
  EXPECT_NE(msg.find("needs 16"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  std::remove(path.c_str());

  HostTensor wrong{{2, 2}, {1.0f}};
  EXPECT_THROW(encode_npy(wrong), ModelError);
}

}  // namespace
}  // namespace infsim::models
