// infsim models: the model zoo (parameters, MACs, operator counts), or one model's operator table.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "models/graph_stats.h"
#include "models/model_loader.h"
#include "models/zoo.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/command.h"
#include "tools/config/errors.h"

namespace infsim::tools {
namespace {

namespace po = boost::program_options;

// 25557032 -> "25,557,032"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string gmacs(std::uint64_t macs) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(macs) / 1e9);
  return buf;
}

// Conv 53, BatchNormalization 53, ... in descending count, then by name.
std::string op_summary(const std::map<std::string, int>& counts) {
  std::vector<std::pair<std::string, int>> ops(counts.begin(), counts.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [op, n] : ops) out += (out.empty() ? "" : ", ") + op + " " + std::to_string(n);
  return out;
}

void list_zoo() {
  std::cout << std::left << std::setw(17) << "model" << std::right << std::setw(13) << "params"
            << std::setw(9) << "GMACs" << std::setw(7) << "nodes"
            << "  operators (default input size, batch 1)\n";
  for (const auto& entry : models::zoo_list()) {
    models::Graph g = models::build_zoo_model(entry.name, {});
    models::GraphStats s = models::compute_stats(g);
    std::cout << std::left << std::setw(17) << entry.name << std::right << std::setw(13)
              << grouped(s.params) << std::setw(9) << gmacs(s.macs) << std::setw(7)
              << g.nodes.size() << "  " << op_summary(s.op_counts) << "\n";
  }
}

void show_model(const models::Graph& g) {
  models::GraphStats s = models::compute_stats(g);
  std::cout << "model: " << g.name << "\n";
  auto io = [&](const char* label, const std::vector<int>& ids) {
    for (int id : ids) {
      const models::Tensor& t = g.tensors[static_cast<std::size_t>(id)];
      std::cout << label << t.name << " " << models::shape_string(t.shape) << " "
                << models::dtype_name(t.dtype) << "\n";
    }
  };
  io("input:  ", g.inputs);
  io("output: ", g.outputs);
  std::cout << "params: " << grouped(s.params) << "\nMACs:   " << grouped(s.macs) << " ("
            << gmacs(s.macs) << " G)\nnodes:  " << g.nodes.size() << "\n\n";

  std::map<std::string, std::uint64_t> macs_by_op;
  for (const auto& node : g.nodes) {
    macs_by_op[node.op] += models::node_macs(g, node);
  }
  std::cout << std::left << std::setw(22) << "operator" << std::right << std::setw(7) << "count"
            << std::setw(18) << "MACs" << std::setw(8) << "share"
            << "\n";
  std::vector<std::pair<std::string, int>> ops(s.op_counts.begin(), s.op_counts.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [op, count] : ops) {
    std::uint64_t m = macs_by_op[op];
    std::ostringstream share;
    if (s.macs > 0 && m > 0) {
      share << std::fixed << std::setprecision(1)
            << 100.0 * static_cast<double>(m) / static_cast<double>(s.macs) << "%";
    }
    std::ostringstream row;
    row << std::left << std::setw(22) << op << std::right << std::setw(7) << count;
    if (m > 0) row << std::setw(18) << grouped(m) << std::setw(8) << share.str();
    std::cout << row.str() << "\n";
  }
}

int run_models(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("model", po::value<std::string>()->value_name("MODEL"),
                        "zoo name or .onnx file (the first argument); none = list the zoo")(
      "batch", po::value<int>()->default_value(1)->value_name("N"), "batch size")(
      "image-size", po::value<int>()->default_value(0)->value_name("N"),
      "input height/width for zoo CNNs (0 = the model's default)")(
      "seq-len", po::value<int>()->default_value(128)->value_name("N"),
      "sequence length for zoo transformers");
  po::positional_options_description positional;
  positional.add("model", 1);
  auto vm = driver::parse_command_args(
      args,
      "infsim models [MODEL] [--batch N] [--image-size N] [--seq-len N]\n\n"
      "Without MODEL, lists the model zoo with parameters, MACs (default input size, batch 1)\n"
      "and operator counts. With MODEL (a zoo name or an .onnx file), prints its inputs,\n"
      "outputs and operator table.",
      options, positional);
  if (!vm) return 0;
  if (!vm->count("model")) {
    list_zoo();
    return 0;
  }
  models::ZooOptions zoo;
  zoo.batch = (*vm)["batch"].as<int>();
  zoo.image_size = (*vm)["image-size"].as<int>();
  zoo.seq_len = (*vm)["seq-len"].as<int>();
  if (zoo.batch < 1) throw driver::UsageError("models: --batch must be at least 1");
  if (zoo.image_size < 0) throw driver::UsageError("models: --image-size must not be negative");
  if (zoo.seq_len < 1) throw driver::UsageError("models: --seq-len must be at least 1");
  show_model(models::load_model((*vm)["model"].as<std::string>(), zoo));
  return 0;
}

CommandRegistration reg{"models", "the model zoo, or one model's operator table", run_models};

}  // namespace
}  // namespace infsim::tools
