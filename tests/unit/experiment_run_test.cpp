// Running experiments in-process through the driver: errors cross the fork with their kind,
// pipelines stream successive inferences through their stages, and the JSON report has the
// documented shape.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sim/core/sim_error.h"
#include "tools/config/errors.h"
#include "tools/config/version.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/isolation.h"
#include "tools/driver/vocabulary.h"

namespace infsim::driver {
namespace {

TEST(ExperimentRunTest, IsolatedRunReturnsOutputAndRethrowsTypedErrors) {
  EXPECT_EQ(run_isolated([] { return std::string("hello"); }), "hello");
  // Across the fork a module's error comes back as the one UserError, with its kind.
  try {
    run_isolated([]() -> std::string { throw sim::SimError("no cores left"); });
    FAIL() << "expected SimError";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "no cores left");
    EXPECT_EQ(e.kind(), ErrorKind::kImpossibleRequest);
  }
  try {
    run_isolated([]() -> std::string { throw UsageError("bad flag", ErrorKind::kBadFile); });
    FAIL() << "expected UsageError";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "bad flag");
    EXPECT_EQ(e.kind(), ErrorKind::kBadFile);
  }
}

Experiment pipeline(int threads) {
  Experiment ex;
  ex.name = "pipe";
  ex.instance = "inf1.xlarge";
  ModelDef m;
  m.id = "m";
  m.source = "tiny_cnn";
  m.pipeline_cores = 2;
  ex.models.push_back(m);
  ProcessDef p;
  p.name = "p";
  p.group_sizes = {2};
  p.models = {"m"};
  p.workload.threads = threads;
  p.workload.requests = 40;
  ScenarioDef s;
  s.name = "pipeline";
  // No host cost: the device pipeline alone sets the pace.
  s.overrides = {"framework.runtime=2", "framework.call_overhead=0us",
                 "runtime.submit_overhead=0us", "host.cast_bandwidth=1TB/s", "host.jitter=0us"};
  s.processes.push_back(p);
  ex.scenarios.push_back(s);
  return ex;
}

TEST(ExperimentRunTest, PipelineStagesOverlapSuccessiveInferences) {
  const ExperimentOutcome one = run_experiment(pipeline(1), RunOptions{});
  const ExperimentOutcome four = run_experiment(pipeline(4), RunOptions{});
  const sim::ScenarioResult& a = one.scenarios[0].result;
  const sim::ScenarioResult& b = four.scenarios[0].result;
  ASSERT_EQ(a.models.size(), 1u);
  EXPECT_EQ(a.models[0].cores, (std::vector<int>{0, 1}));
  // One request in flight leaves a stage idle while the other works; several keep both busy
  // (the slower stage then sets the pace).
  EXPECT_GT(b.throughput, 1.15 * a.throughput);
  ASSERT_EQ(b.cores.size(), 2u);
  for (const sim::CoreUse& c : b.cores) EXPECT_GT(c.utilization, 0.95);
  // Fast-forwarded pipeline inferences keep the stages' overlap of the detailed ones.
  EXPECT_GT(b.fast_forwarded, 0);
  RunOptions full;
  full.detail_full = true;
  const double detailed = run_experiment(pipeline(4), full).scenarios[0].result.throughput;
  EXPECT_NEAR(b.throughput, detailed, 0.03 * detailed);
}

TEST(ExperimentRunTest, JsonReportShape) {
  const ExperimentOutcome o = run_experiment(pipeline(2), RunOptions{});
  const nlohmann::json j = nlohmann::json::parse(format_json(o));
  EXPECT_EQ(j["experiment"], "pipe");
  EXPECT_EQ(j["instance_type"], "inf1.xlarge");
  EXPECT_EQ(j["infsim_version"], tools::version_string());
  const nlohmann::json& s = j["scenarios"][0];
  // The names of driver/vocabulary.h, flat (not latency_ms.p50), NeuronPerf's where it has one.
  for (const char* key :
       {"name", "throughput_avg", "throughput_peak", "throughput_unit", "latency_ms_p0",
        "latency_ms_p50", "latency_ms_p90", "latency_ms_p95", "latency_ms_p99", "latency_ms_p100",
        "latency_ms_avg", "load_avg_ms", "total_infs", "config_hash", "cores", "models", "traffic",
        "detailed", "fast_forwarded"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  // The best window is never slower than the mean over the windows it tiles.
  EXPECT_GE(s["throughput_peak"].get<double>(), s["throughput_avg"].get<double>());
  for (const char* metric :
       {"throughput_avg", "throughput_peak", "latency_ms_p0", "latency_ms_p100", "latency_ms_avg",
        "load_avg_ms", "total_infs", "dram_bandwidth"}) {
    EXPECT_NE(find_metric(metric), nullptr) << metric << " is not in the vocabulary";
  }
  EXPECT_TRUE(s["models"][0].contains("matrix_util_pct"));
  EXPECT_TRUE(s["models"][0].contains("device_ms"));
  EXPECT_FALSE(s.contains("latency_ms"));
  EXPECT_LE(s["latency_ms_p0"].get<double>(), s["latency_ms_p50"].get<double>());
  EXPECT_LE(s["latency_ms_p99"].get<double>(), s["latency_ms_p100"].get<double>());
  EXPECT_EQ(s["config_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(format_json(o), format_json(run_experiment(pipeline(2), RunOptions{})));
}

}  // namespace
}  // namespace infsim::driver
