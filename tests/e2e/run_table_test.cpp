// `infsim table`: NeuronPerf's columns plus instance, model, dtype and cost, one row per point;
// a model the compiler cannot take yet is a row status, not a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tools/driver/table/table_run.h"

namespace {

int run(const std::string& args, std::string& out) {
  const std::string command = std::string(INFSIM_BINARY) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RunTable, ColumnsRowsCostAndCsv) {
  const std::string csv_path =
      (std::filesystem::temp_directory_path() / ("table." + std::to_string(::getpid()) + ".csv"))
          .string();
  std::string out;
  ASSERT_EQ(run("table --models resnet50,no_such_model --instances inf1.xlarge --batches 1 "
                "--requests 20 --csv " +
                    csv_path,
                out),
            0);
  EXPECT_NE(out.find("| instance | model | dtype | batch_size | pipeline_size | n_models | "
                     "workers_per_model | throughput_avg | latency_ms_p50 | latency_ms_p99 | "
                     "cost_per_1M_inferences | status |"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| inf1.xlarge | resnet50 | bf16 | 1 | 1 | 4 | 1 |"), std::string::npos);
  EXPECT_NE(out.find("| ok |"), std::string::npos);
  EXPECT_NE(out.find("| inf1.xlarge | no_such_model |"), std::string::npos);
  EXPECT_NE(out.find("error:"), std::string::npos);
  std::ifstream f(csv_path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string csv = ss.str();
  EXPECT_EQ(csv.rfind("instance,model,dtype,batch_size,pipeline_size,n_models,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  std::filesystem::remove(csv_path);
}

// A preset: one Markdown table per section with the page's columns, the same rows in CSV and
// JSON; the derived columns (run mode, cores, threads, ops on Inferentia) filled in.
TEST(RunTable, PresetSectionsColumnsCsvAndJson) {
  const std::string base =
      (std::filesystem::temp_directory_path() / ("preset." + std::to_string(::getpid()))).string();
  std::string out;
  ASSERT_EQ(run("table --preset " + std::string(INFSIM_TEST_DATA) + "/tables/small.yaml --csv " +
                    base + ".csv --json " + base + ".json",
                out),
            0);
  EXPECT_NE(out.find("### CNN"), std::string::npos) << out;
  EXPECT_NE(out.find("### Latency"), std::string::npos) << out;
  EXPECT_NE(out.find("| model | model_details | framework | application_type | run_mode | "
                     "instance | cores | batch_size | throughput_avg | threads | "
                     "ops_on_inferentia_percent | latency_ms_p50 | latency_ms_p90 | "
                     "latency_ms_p95 | latency_ms_p99 |"),
            std::string::npos)
      << out;
  // tiny_cnn on all 4 cores (one copy each, 1 worker), single_conv as 1 copy on 1 core.
  EXPECT_NE(
      out.find("| tiny_cnn | 32x32 | PyTorch | batch | data parallel | inf1.xlarge | 4 | 2 |"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("| single_conv | one conv | PyTorch | real time | data parallel | "
                     "inf1.xlarge | 1 | 1 |"),
            std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n') > 0, true);
  std::ifstream f(base + ".csv");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string csv = ss.str();
  EXPECT_EQ(csv.rfind("table,model,model_details,framework,application_type,run_mode,instance,"
                      "cores,batch_size,throughput_avg,threads,ops_on_inferentia_percent,"
                      "latency_ms_p50,latency_ms_p90,latency_ms_p95,latency_ms_p99,",
                      0),
            0u)
      << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_EQ(csv.find("error"), std::string::npos) << csv;
  std::ifstream j(base + ".json");
  std::stringstream js;
  js << j.rdbuf();
  EXPECT_NE(js.str().find("\"ops_on_inferentia_percent\": 100.0"), std::string::npos) << js.str();
  std::filesystem::remove(base + ".csv");
  std::filesystem::remove(base + ".json");
}

TEST(RunTable, BadPresetExit2) {
  std::string out;
  EXPECT_EQ(run("table --preset no_such_preset", out), 2);
  EXPECT_EQ(out, "");
}

TEST(RunTable, BadFlagsExit2) {
  std::string out;
  EXPECT_EQ(run("table --batches zero", out), 2);
  EXPECT_EQ(run("table --instances inf1.huge", out), 2);
}

// A row's outcome is data, set from the error's kind (never read back from the status text):
// too little SBUF (ResNet-50 needs 6MiB on one core) and more NeuronCores than the instance has
// do not fit; an unknown model is an error of the row.
TEST(RunTable, RowOutcomeComesFromTheErrorKind) {
  using infsim::driver::TableRowOutcome;
  infsim::driver::TableRowSpec spec;
  spec.instance = "inf1.xlarge";
  spec.model = "resnet50";
  spec.requests = 4;
  spec.overrides = {"chip.core.sbuf.size=4MiB"};
  EXPECT_EQ(infsim::driver::run_table_row(spec).outcome, TableRowOutcome::kDoesNotFit);
  spec.overrides = {};
  spec.pipeline_cores = 8;
  EXPECT_EQ(infsim::driver::run_table_row(spec).outcome, TableRowOutcome::kDoesNotFit);
  spec.pipeline_cores = 1;
  spec.model = "no_such_model";
  EXPECT_EQ(infsim::driver::run_table_row(spec).outcome, TableRowOutcome::kError);
  spec.model = "resnet50";
  EXPECT_EQ(infsim::driver::run_table_row(spec).outcome, TableRowOutcome::kOk);
}

}  // namespace
