// docs/studies.md against a fresh run (issue 12 point 7): every shipped study has a generated
// results table there (tools/scripts/studies_doc.py), with a row for each of its points, and
// re-running points of each study gives the documented status and every documented metric within
// 1 %. The sweeps are deterministic (seeded), so a larger difference means the compiler or the
// simulator changed and the document was not regenerated. A few points per study keep each test
// to seconds: the first and the last (the extremes of every range) and one in the middle.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/test_paths.h"
#include "tests/e2e/shell_helpers.h"

namespace {

namespace fs = std::filesystem;
using infsim::testing::read_file;
using infsim::testing::shell;

const fs::path kSource = INFSIM_SOURCE_DIR;

// The shipped studies; StudiesDoc.EveryShippedStudyIsDocumented keeps this list complete.
const char* const kStudies[] = {"clock", "dram-bandwidth", "neuronlink-bandwidth", "sbuf-size",
                                "tensor-engine-shape"};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const auto a = cell.find_first_not_of(' ');
    const auto b = cell.find_last_not_of(' ');
    cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
  }
  if (!cells.empty() && cells.back().empty()) cells.pop_back();  // after the last bar
  return cells;
}

// The generated table of `study` in docs/studies.md: column name -> cell, one map per point.
std::vector<std::map<std::string, std::string>> documented(const std::string& study) {
  const std::string doc = read_file(kSource / "docs" / "studies.md");
  const std::string begin = "<!-- BEGIN study " + study + " -->";
  const std::string end = "<!-- END study " + study + " -->";
  const auto from = doc.find(begin);
  const auto to = doc.find(end);
  std::vector<std::map<std::string, std::string>> rows;
  if (from == std::string::npos || to == std::string::npos) return rows;
  std::stringstream block(doc.substr(from, to - from));
  std::vector<std::string> header;
  for (std::string line; std::getline(block, line);) {
    if (line.rfind("|", 0) != 0 || line.rfind("|---", 0) == 0) continue;
    const auto cells = cells_of(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

std::size_t points_of(const std::string& study, const fs::path& dir) {
  const auto r = shell(std::string(INFSIM_BINARY) + " sweep configs/studies/" + study +
                           ".yaml --emit-jobs '" + dir.string() + "'",
                       kSource);
  EXPECT_EQ(r.code, 0) << r.text;
  std::ifstream jobs(dir / "jobs.txt");
  std::size_t n = 0;
  for (std::string line; std::getline(jobs, line);) n += line.empty() ? 0 : 1;
  return n;
}

class StudiesDoc : public ::testing::TestWithParam<const char*> {};

TEST_P(StudiesDoc, DocumentedNumbersMatchAFreshRun) {
  const std::string study = GetParam();
  const auto rows = documented(study);
  ASSERT_FALSE(rows.empty()) << "docs/studies.md has no generated table for " << study
                             << "; run tools/scripts/studies_doc.py";
  const fs::path dir = fs::temp_directory_path() /
                       ("infsim_studies_doc_" + study + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_EQ(rows.size(), points_of(study, dir / "jobs")) << "a row for every point of " << study;
  for (std::size_t k : std::set<std::size_t>{0, rows.size() / 2, rows.size() - 1}) {
    const auto r =
        shell(std::string(INFSIM_BINARY) + " sweep configs/studies/" + study + ".yaml --point " +
                  std::to_string(k) + " --out '" + (dir / "run").string() + "'",
              kSource);
    ASSERT_EQ(r.code, 0) << r.text;
    const auto point =
        nlohmann::json::parse(read_file(dir / "run" / "points" / (std::to_string(k) + ".json")));
    const auto& doc = rows[k];
    EXPECT_EQ(doc.at("status"), point["status"].get<std::string>()) << study << " point " << k;
    int compared = 0;
    for (const auto& [name, value] : point["metrics"].items()) {
      if (!doc.count(name) || doc.at(name).empty()) continue;
      const double documented_value = std::stod(doc.at(name));
      const double fresh = value.get<double>();
      ++compared;
      EXPECT_NEAR(documented_value, fresh, 0.01 * std::fabs(fresh) + 1e-12)
          << study << " point " << k << " " << name
          << ": docs/studies.md is stale; run tools/scripts/studies_doc.py";
    }
    if (doc.at("status") == "ok") {
      EXPECT_GT(compared, 0) << study << " point " << k;
    }
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Shipped, StudiesDoc, ::testing::ValuesIn(kStudies), [](const auto& info) {
  std::string name = info.param;
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
});

TEST(StudiesDocList, EveryShippedStudyIsDocumented) {
  std::set<std::string> shipped, listed(std::begin(kStudies), std::end(kStudies));
  for (const auto& e : fs::directory_iterator(kSource / "configs" / "studies")) {
    if (e.path().extension() == ".yaml") shipped.insert(e.path().stem().string());
  }
  EXPECT_EQ(shipped, listed) << "add the study to kStudies and run tools/scripts/studies_doc.py";
}

}  // namespace
