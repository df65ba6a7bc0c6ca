#pragma once
// The one CSV writer every infsim CSV goes through (run, table, sweep, validate): RFC 4180
// fields (a field holding a comma, a double quote, CR or LF is quoted and its quotes doubled),
// records ending in LF, a header row first. tools/driver/csv_reader.h reads it back.
//
//   CsvWriter csv({"model_name", "throughput_avg"});
//   csv.row({"bert, base", "123.4"});
//   write(path, csv.str());   // model_name,throughput_avg\n"bert, base",123.4\n

#include <string>
#include <vector>

namespace infsim::driver {

// One field, quoted when RFC 4180 requires it.
std::string csv_field(const std::string& text);

class CsvWriter {
 public:
  explicit CsvWriter(std::vector<std::string> header);

  // One record; it must have as many fields as the header (std::logic_error otherwise: a bug).
  void row(const std::vector<std::string>& fields);

  const std::vector<std::string>& header() const { return header_; }
  std::string str() const { return text_; }

 private:
  void append(const std::vector<std::string>& fields);

  std::vector<std::string> header_;
  std::string text_;
};

}  // namespace infsim::driver
