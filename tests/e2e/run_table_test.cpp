// `infsim table`: NeuronPerf's columns plus instance, model, dtype and cost, one row per point;
// a model the compiler cannot take yet is a row status, not a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/test_paths.h"
#include "tools/driver/csv_reader.h"
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
  // NeuronPerf's column names (the grid had instance, model, cost_per_1M_inferences).
  EXPECT_NE(
      out.find(
          "| model_name | model_details | framework | application_type | run_mode | "
          "instance_type | dtype | batch_size | pipeline_size | n_models | "
          "workers_per_model | cores | threads | throughput_avg | throughput_peak | "
          "throughput_unit | latency_ms_p0 | latency_ms_p50 | latency_ms_p90 | latency_ms_p95 | "
          "latency_ms_p99 | latency_ms_p100 | total_infs | cost_per_1m_inf |"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find(
          "| resnet50 |  | neuronperf | batch | data parallel | inf1.xlarge | bf16 | 1 | 1 | 4 | "
          "1 | 4 | 4 |"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("| images/s |"), std::string::npos);
  EXPECT_NE(out.find("| ok |"), std::string::npos);
  EXPECT_NE(out.find("| no_such_model |"), std::string::npos);
  EXPECT_NE(out.find("error:"), std::string::npos);
  std::ifstream f(csv_path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string csv = ss.str();
  EXPECT_EQ(csv.rfind("table,model_name,model_details,framework,application_type,run_mode,"
                      "instance_type,dtype,batch_size,pipeline_size,n_models,",
                      0),
            0u)
      << csv;
  const infsim::driver::CsvTable t = infsim::driver::parse_csv(csv, csv_path);
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.header.back(), "config_hash");
  EXPECT_EQ(t.header[t.header.size() - 2], "infsim_version");
  EXPECT_EQ(t.records[0].fields.back().size(), 16u);
  // NeuronPerf's throughput_peak, the best window: never below the mean.
  std::size_t avg = 0, peak = 0;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    if (t.header[i] == "throughput_avg") avg = i;
    if (t.header[i] == "throughput_peak") peak = i;
  }
  ASSERT_GT(peak, 0u);
  EXPECT_GE(std::stod(t.records[0].fields[peak]), std::stod(t.records[0].fields[avg]));
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
  EXPECT_NE(out.find("| model_name | model_details | framework | application_type | run_mode | "
                     "instance_type | dtype | batch_size | pipeline_size | n_models | "
                     "workers_per_model | cores | threads | throughput_avg |"),
            std::string::npos)
      << out;
  // tiny_cnn on all 4 cores (one copy each, 1 worker), single_conv as 1 copy on 1 core.
  EXPECT_NE(out.find("| tiny_cnn | 32x32 | PyTorch | batch | data parallel | inf1.xlarge | bf16 | "
                     "2 | 1 | 4 | 1 | 4 | 4 |"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| single_conv | one conv | PyTorch | real time | data parallel | "
                     "inf1.xlarge | bf16 | 1 | 1 | 1 | 1 | 1 | 1 |"),
            std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n') > 0, true);
  std::ifstream f(base + ".csv");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string csv = ss.str();
  EXPECT_EQ(csv.rfind("table,model_name,model_details,framework,application_type,run_mode,"
                      "instance_type,dtype,batch_size,pipeline_size,n_models,workers_per_model,"
                      "cores,threads,throughput_avg,throughput_peak,throughput_unit,latency_ms_p0,",
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

// The README's NeuronPerf-style pandas snippet reads `table --csv` unchanged. With python3-pandas
// installed it runs the snippet itself; without, the csv module checks what the snippet reads:
// every column it names, status, and numbers where it sorts and prints them.
TEST(RunTable, NeuronPerfSnippetReadsTheCsv) {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("snippet." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string out;
  ASSERT_EQ(run("table --models tiny_cnn --instances inf1.xlarge --batches 1,2 --requests 8 "
                "--csv " +
                    (dir / "table.csv").string(),
                out),
            0);
  std::ifstream readme(std::string(INFSIM_SOURCE_DIR) + "/README.md");
  std::stringstream rs;
  rs << readme.rdbuf();
  const std::string text = rs.str();
  const std::size_t marker = text.find("<!-- neuronperf-snippet");
  ASSERT_NE(marker, std::string::npos);
  const std::size_t start = text.find("```python\n", marker) + 10;
  const std::string snippet = text.substr(start, text.find("```", start) - start);
  std::ofstream(dir / "snippet.py") << snippet;
  std::ofstream(dir / "check.py")
      << "import csv, re, sys\n"
         "try:\n"
         "    import pandas  # noqa: F401\n"
         "except ImportError:\n"
         "    snippet = open('snippet.py').read()\n"
         "    names = set(re.findall(r'\"([a-z0-9_]+)\"', snippet)) - {'ok'}\n"
         "    rows = list(csv.DictReader(open('table.csv', newline='')))\n"
         "    assert rows, 'no rows'\n"
         "    missing = names - set(rows[0].keys())\n"
         "    assert not missing, missing\n"
         "    ok = [r for r in rows if r['status'] == 'ok']\n"
         "    assert ok, 'no ok rows'\n"
         "    for r in ok:\n"
         "        for n in ('throughput_avg', 'latency_ms_p50', 'latency_ms_p99', "
         "'cost_per_1m_inf',\n"
         "                  'batch_size', 'n_models'):\n"
         "            float(r[n])\n"
         "    print('tiny_cnn', max(float(r['throughput_avg']) for r in ok))\n"
         "    sys.exit(0)\n"
         "exec(open('snippet.py').read())\n";
  const std::string command = "cd '" + dir.string() + "' && python3 check.py 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string printed;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) printed.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << printed;
  EXPECT_NE(printed.find("tiny_cnn"), std::string::npos) << printed;
  std::filesystem::remove_all(dir);
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
// too little SBUF (ResNet-50 needs 1MiB on one core, its constants then loaded layer by layer)
// and more NeuronCores than the instance has do not fit; an unknown model is an error of the row.
TEST(RunTable, RowOutcomeComesFromTheErrorKind) {
  using infsim::driver::TableRowOutcome;
  infsim::driver::TableRowSpec spec;
  spec.instance = "inf1.xlarge";
  spec.model = "resnet50";
  spec.requests = 4;
  spec.overrides = {"chip.core.sbuf.size=512KiB"};
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
