#include "tools/driver/csv_reader.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  // The next record, or false at the end of the text. A blank line is a record of one empty
  // field; the caller skips those.
  bool next(CsvRecord& record) {
    if (pos_ >= text_.size()) return false;
    record.line = line_;
    record.fields.clear();
    for (;;) {
      record.fields.push_back(field());
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_];
      if (c == ',') {
        ++pos_;
        continue;
      }
      end_of_line();
      return true;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(file_ + ":" + std::to_string(line_) + ": " + what);
  }

  // Consumes LF or CRLF (the caller is at one).
  void end_of_line() {
    if (text_[pos_] == '\r') {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;
      } else {
        fail("a carriage return not followed by a line feed");
      }
    } else {
      ++pos_;
    }
    ++line_;
  }

  std::string field() {
    std::string out;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      const int start_line = line_;
      for (;;) {
        if (pos_ >= text_.size()) {
          line_ = start_line;
          fail("a quoted field is not closed");
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            out += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        out += c;
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        fail("text after the closing quote of a field");
      }
      return out;
    }
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ',' || c == '\n' || c == '\r') break;
      if (c == '"') fail("a quote inside an unquoted field (quote the whole field)");
      out += c;
      ++pos_;
    }
    return out;
  }

  const std::string& text_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

bool blank(const CsvRecord& r) {
  return r.fields.size() == 1 && r.fields[0].empty();
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& file) {
  Parser parser(text, file);
  CsvTable table;
  CsvRecord record;
  bool have_header = false;
  std::set<std::string> names;
  while (parser.next(record)) {
    if (blank(record)) continue;
    if (!have_header) {
      for (const std::string& name : record.fields) {
        if (name.empty()) {
          throw ConfigError(file + ":" + std::to_string(record.line) + ": empty column name");
        }
        if (!names.insert(name).second) {
          throw ConfigError(file + ":" + std::to_string(record.line) + ": column '" + name +
                            "' appears twice");
        }
      }
      table.header = record.fields;
      have_header = true;
      continue;
    }
    if (record.fields.size() != table.header.size()) {
      throw ConfigError(file + ":" + std::to_string(record.line) + ": " +
                        std::to_string(record.fields.size()) + " fields, the header has " +
                        std::to_string(table.header.size()));
    }
    table.records.push_back(record);
  }
  if (!have_header) throw ConfigError(file + ":1: no header line (the file is empty)");
  return table;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || !std::filesystem::is_regular_file(path)) {
    throw ConfigError(path + ": cannot read the file");
  }
  std::stringstream s;
  s << in.rdbuf();  // an empty file sets failbit on s and is still read correctly: ""
  return s.str();
}

}  // namespace infsim::driver
