// stats.json says which window and which work its counters cover (issue 15): in the default
// sampled mode the engine counters hold only the detailed inferences, and the file says how many
// of how many; its rates are over the whole simulation, the span the counters accumulate over.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/common/test_paths.h"
#include "tests/e2e/shell_helpers.h"

namespace infsim::testing {
namespace {

namespace fs = std::filesystem;

TEST(StatsJson, StatesItsWindowAndWhatTheEnginesCover) {
  const fs::path dir = fs::temp_directory_path() / ("stats_json." + std::to_string(::getpid()));
  const Output o = shell(
      std::string(INFSIM_BINARY) + " run --model resnet18 --iterations 40 --out " + dir.string(),
      fs::temp_directory_path());
  ASSERT_EQ(o.code, 0) << o.text;
  const nlohmann::json stats = nlohmann::json::parse(read_file(dir / "stats.json"));
  const nlohmann::json results = nlohmann::json::parse(read_file(dir / "results.json"));
  fs::remove_all(dir);
  const nlohmann::json& r = results.at("scenarios")[0];
  const int detailed = r.at("detailed"), inferences = r.at("inferences");
  const int fast_forwarded = r.at("fast_forwarded");
  ASSERT_GT(fast_forwarded, 0);  // sampled mode: the coverage statement matters
  EXPECT_DOUBLE_EQ(stats.at("window_seconds").get<double>(),
                   r.at("simulated_seconds").get<double>());
  const std::string engines = stats.at("coverage").at("engines");
  EXPECT_NE(engines.find(std::to_string(detailed) + " of " + std::to_string(inferences)),
            std::string::npos)
      << engines;
  EXPECT_NE(engines.find(std::to_string(fast_forwarded) + " fast-forwarded"), std::string::npos);
  EXPECT_TRUE(stats.at("coverage").contains("window"));
  EXPECT_TRUE(stats.at("coverage").contains("memory"));
  // A counter cannot exceed its window: the tensor engine is busy at most the whole simulation.
  const double busy = stats.at("stats").at("chip0.core0.tensor.busy_cycles").at("value");
  EXPECT_LE(busy / 0.95e9, stats.at("window_seconds").get<double>() * 1.0001);
}

}  // namespace
}  // namespace infsim::testing
