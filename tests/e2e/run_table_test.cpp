// `infsim table`: NeuronPerf's columns plus instance, model, dtype and cost, one row per point;
// a model the compiler cannot take yet is a row status, not a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

TEST(RunTable, BadFlagsExit2) {
  std::string out;
  EXPECT_EQ(run("table --batches zero", out), 2);
  EXPECT_EQ(run("table --instances inf1.huge", out), 2);
}

}  // namespace
