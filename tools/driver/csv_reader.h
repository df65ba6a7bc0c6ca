#pragma once
// An RFC 4180 CSV reader: comma-separated fields, fields in double quotes may hold commas, line
// breaks and doubled quotes (""), records end in LF or CRLF. The first record is the header.
// Every record keeps the line it starts on, so later checks can say FILE:LINE.

#include <string>
#include <vector>

namespace infsim::driver {

struct CsvRecord {
  int line = 0;  // 1-based line of the record's first character
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;  // data records, blank lines skipped
};

// Parses `text` (read from `file`, which only names it in messages). Throws ConfigError
// "FILE:LINE: ..." for an unterminated quoted field, a quote inside an unquoted field, text
// after a closing quote, an empty or duplicate header name, or a record whose field count
// differs from the header's.
CsvTable parse_csv(const std::string& text, const std::string& file);

// The whole file; one that cannot be read is a ConfigError naming it.
std::string read_text_file(const std::string& path);

}  // namespace infsim::driver
