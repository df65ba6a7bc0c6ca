#include "tools/driver/csv_writer.h"

#include <stdexcept>
#include <utility>

namespace infsim::driver {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CsvWriter::CsvWriter(std::vector<std::string> header) : header_(std::move(header)) {
  append(header_);
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (fields.size() != header_.size()) {
    throw std::logic_error("CSV record of " + std::to_string(fields.size()) + " fields under a " +
                           std::to_string(header_.size()) + "-column header");
  }
  append(fields);
}

void CsvWriter::append(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += csv_field(fields[i]);
  }
  text_ += '\n';
}

}  // namespace infsim::driver
