#include "models/npy.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "models/model_error.h"

namespace infsim::models {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ModelError(path + ": " + what, ErrorKind::kBadFile, ErrorLocation::in_file(path));
}

std::string dict_value(const std::string& path, const std::string& header, const std::string& key) {
  std::smatch m;
  std::regex re("'" + key + "'\\s*:\\s*('[^']*'|\\([^)]*\\)|True|False)");
  if (!std::regex_search(header, m, re)) fail(path, "npy header has no '" + key + "' entry");
  return m[1].str();
}

}  // namespace

HostTensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open .npy file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    fail(path, "not a .npy file (bad magic)");
  }
  auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, "truncated .npy header");
    for (int i = 3; i >= 0; --i) {
      header_len =
          (header_len << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    }
    offset = 12;
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (bytes.size() < offset + header_len) fail(path, "truncated .npy header");
  std::string header = bytes.substr(offset, header_len);
  offset += header_len;

  std::string descr = dict_value(path, header, "descr");
  if (dict_value(path, header, "fortran_order") != "False") {
    fail(path, "Fortran-order arrays are not supported");
  }
  std::string shape_text = dict_value(path, header, "shape");
  HostTensor t;
  std::regex dim_re("\\d+");
  for (std::sregex_iterator it(shape_text.begin(), shape_text.end(), dim_re), end; it != end;
       ++it) {
    // Up to 15 digits: any larger dimension is past kMaxElements anyway.
    if (it->length() > 15) fail(path, "npy header: dimension " + it->str() + " is too large");
    t.shape.push_back(std::stoll(it->str()));
  }
  std::size_t count = 0;
  try {
    count = static_cast<std::size_t>(num_elements(t.shape));
  } catch (const ModelError& e) {
    fail(path, std::string("npy header: ") + e.what());
  }
  std::size_t elem = 0;
  if (descr == "'<f4'") {
    elem = 4;
  } else if (descr == "'<f2'") {
    elem = 2;
  } else if (descr == "'<f8'") {
    elem = 8;
  } else {
    fail(path, "unsupported dtype " + descr + " (need little-endian float32, float16 or float64)");
  }
  if (bytes.size() - offset != count * elem) {
    fail(path, "data holds " + std::to_string(bytes.size() - offset) + " bytes, shape " +
                   shape_string(t.shape) + " needs " + std::to_string(count * elem));
  }
  t.data.resize(count);
  const char* p = bytes.data() + offset;
  for (std::size_t i = 0; i < count; ++i) {
    if (elem == 4) {
      std::memcpy(&t.data[i], p + 4 * i, 4);
    } else if (elem == 2) {
      std::uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      t.data[i] = fp16_to_float(h);
    } else {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      t.data[i] = static_cast<float>(d);
    }
  }
  return t;
}

std::string encode_npy(const HostTensor& tensor) {
  if (static_cast<std::int64_t>(tensor.data.size()) != num_elements(tensor.shape)) {
    fail("the tensor",
         std::to_string(tensor.data.size()) + " values for shape " + shape_string(tensor.shape));
  }
  std::ostringstream dict;
  dict << "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < tensor.shape.size(); ++i) {
    dict << tensor.shape[i] << (tensor.shape.size() == 1 || i + 1 < tensor.shape.size() ? "," : "")
         << (i + 1 < tensor.shape.size() ? " " : "");
  }
  dict << "), }";
  std::string header = dict.str();
  // Pad so that the data starts on a 64-byte boundary, as numpy does.
  std::size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');

  std::string out(kMagic, kMagicSize);
  out.push_back(1);  // format version 1.0
  out.push_back(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(tensor.data.data()), tensor.data.size() * sizeof(float));
  return out;
}

}  // namespace infsim::models
