#include "tools/driver/experiment/experiment.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/units.h"
#include "tools/config/utf8.h"
#include "tools/driver/yaml_reader.h"

namespace infsim::driver {
namespace {

namespace fs = std::filesystem;

void read_workload(const Reader& rd, const YAML::Node& n, const std::string& path,
                   sim::WorkloadSpec& w) {
  rd.keys(n, path,
          {"call", "arrivals", "threads", "requests", "warmup", "user_batch", "rate", "times"});
  if (n["call"]) {
    const std::string c = rd.text(n["call"], path + ".call");
    if (c == "predict")
      w.call = sim::CallKind::kPredict;
    else if (c == "data_parallel")
      w.call = sim::CallKind::kDataParallel;
    else
      rd.fail(n["call"], path + ".call", "expected predict or data_parallel, got '" + c + "'");
  }
  if (n["arrivals"]) {
    const std::string a = rd.text(n["arrivals"], path + ".arrivals");
    if (a == "closed")
      w.arrivals = sim::ArrivalKind::kClosedLoop;
    else if (a == "open")
      w.arrivals = sim::ArrivalKind::kOpenLoop;
    else if (a == "list")
      w.arrivals = sim::ArrivalKind::kList;
    else
      rd.fail(n["arrivals"], path + ".arrivals", "expected closed, open or list, got '" + a + "'");
  }
  if (n["threads"])
    w.threads = static_cast<int>(rd.integer(n["threads"], path + ".threads", 1, kMaxThreads));
  if (n["requests"]) {
    w.requests = static_cast<int>(rd.integer(n["requests"], path + ".requests", 1, kMaxRequests));
  }
  if (n["warmup"])
    w.warmup = static_cast<int>(rd.integer(n["warmup"], path + ".warmup", 0, 100000));
  if (n["user_batch"]) {
    w.user_batch = static_cast<int>(rd.integer(n["user_batch"], path + ".user_batch", 1, 1 << 20));
  }
  if (n["rate"]) {
    w.rate = rd.number(n["rate"], path + ".rate");
    if (!(w.rate > 0)) rd.fail(n["rate"], path + ".rate", "the rate must be positive (requests/s)");
  }
  if (n["times"]) {
    const YAML::Node& t = n["times"];
    if (!t.IsSequence() || t.size() == 0) rd.fail(t, path + ".times", "expected a non-empty list");
    w.times.clear();
    double last = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const std::string p = path + ".times[" + std::to_string(i) + "]";
      const double s = rd.seconds(t[i], p);
      if (s < last) rd.fail(t[i], p, "arrival times must not decrease");
      last = s;
      w.times.push_back(s);
    }
    w.requests = static_cast<int>(w.times.size());
  }
  if (w.arrivals == sim::ArrivalKind::kOpenLoop && !(w.rate > 0)) {
    rd.fail(n, path, "open-loop arrivals need a rate (requests per second)");
  }
  if (w.arrivals == sim::ArrivalKind::kList && w.times.empty()) {
    rd.fail(n, path, "list arrivals need times");
  }
}

}  // namespace

const ModelDef& Experiment::model(const std::string& id) const {
  for (const ModelDef& m : models) {
    if (m.id == id) return m;
  }
  throw UsageError("experiment '" + name + "' has no model '" + id + "'");
}

std::vector<int> parse_group_sizes(const std::string& text, const std::string& where) {
  std::vector<int> out;
  auto bad = [&](const std::string& why) -> ConfigError {
    return ConfigError(where + ": NEURONCORE_GROUP_SIZES '" + text + "': " + why +
                       " (expected a list such as 1,1,1,1 or the NxM form 4x1)");
  };
  auto number = [&](const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
      throw bad("'" + s + "' is not a count");
    const std::string range = "group sizes must be 1.." + std::to_string(kMaxGroupCores);
    if (s.size() > 9) throw bad(range);  // so that std::stol cannot overflow
    const long v = std::stol(s);
    if (v < 1 || v > kMaxGroupCores) throw bad(range);
    return static_cast<int>(v);
  };
  const std::size_t x = text.find('x');
  if (x != std::string::npos) {
    const int n = number(text.substr(0, x));
    const int m = number(text.substr(x + 1));
    return std::vector<int>(static_cast<std::size_t>(n), m);
  }
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    out.push_back(number(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string default_experiment_path() {
  return find_config_dir() + "/experiments/torch-neuron-resnet50.yaml";
}

namespace {

// models.<id>: a relative .onnx or .ifx path is relative to the experiment file's folder `dir`.
ModelDef read_model(const Reader& rd, const std::string& id, const YAML::Node& n,
                    const fs::path& dir) {
  ModelDef m;
  m.id = id;
  const std::string p = "models." + m.id;
  rd.keys(n, p,
          {"model", "batch", "dtype", "pipeline_cores", "image_size", "seq_len", "cpu_fallback"},
          {"model"});
  m.source = rd.text(n["model"], p + ".model");
  const bool is_file = m.source.size() > 5 && (m.source.rfind(".onnx") == m.source.size() - 5 ||
                                               m.source.rfind(".ifx") == m.source.size() - 4);
  if (is_file && fs::path(m.source).is_relative()) m.source = (dir / m.source).string();
  if (n["batch"]) m.batch = static_cast<int>(rd.integer(n["batch"], p + ".batch", 1, kMaxBatch));
  if (n["dtype"]) {
    m.dtype = rd.text(n["dtype"], p + ".dtype");
    if (m.dtype != "bf16" && m.dtype != "fp16" && m.dtype != "fp32") {
      rd.fail(n["dtype"], p + ".dtype", "expected bf16, fp16 or fp32, got '" + m.dtype + "'");
    }
  }
  if (n["pipeline_cores"]) {
    m.pipeline_cores = static_cast<int>(
        rd.integer(n["pipeline_cores"], p + ".pipeline_cores", 1, kMaxPipelineCores));
  }
  if (n["image_size"]) {
    m.image_size = static_cast<int>(
        rd.integer(n["image_size"], p + ".image_size", kMinImageSize, kMaxImageSize));
  }
  if (n["seq_len"])
    m.seq_len = static_cast<int>(rd.integer(n["seq_len"], p + ".seq_len", 1, kMaxSeqLen));
  if (n["cpu_fallback"]) m.cpu_fallback = rd.flag(n["cpu_fallback"], p + ".cpu_fallback");
  return m;
}

// One entry of a scenario's processes (at YAML path `pp`, index `pi`), `count` processes alike
// appended to `sc`.
void read_process(const Reader& rd, const YAML::Node& pn, const std::string& pp, std::size_t pi,
                  const Experiment& ex, const sim::WorkloadSpec& default_workload,
                  ScenarioDef& sc) {
  rd.keys(pn, pp, {"name", "count", "group_sizes", "models", "copies", "workload"},
          {"group_sizes", "models"});
  ProcessDef pd;
  pd.group_sizes =
      parse_group_sizes(rd.text(pn["group_sizes"], pp + ".group_sizes"),
                        rd.file() + ":" + std::to_string(pn["group_sizes"].Mark().line + 1) + ": " +
                            pp + ".group_sizes");
  const std::vector<std::string> ids = rd.strings(pn["models"], pp + ".models");
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const bool known = std::any_of(ex.models.begin(), ex.models.end(),
                                   [&](const ModelDef& m) { return m.id == ids[k]; });
    if (!known) {
      rd.fail(pn["models"], pp + ".models[" + std::to_string(k) + "]",
              "unknown model id '" + ids[k] + "' (define it under models:)");
    }
  }
  const int copies =
      pn["copies"] ? static_cast<int>(rd.integer(pn["copies"], pp + ".copies", 1, 4096)) : 1;
  for (int c = 0; c < copies; ++c) pd.models.insert(pd.models.end(), ids.begin(), ids.end());
  pd.workload = default_workload;
  if (pn["workload"]) read_workload(rd, pn["workload"], pp + ".workload", pd.workload);
  if (pd.workload.call == sim::CallKind::kDataParallel && pd.workload.user_batch > 0 &&
      pd.workload.user_batch % static_cast<int>(pd.models.size()) != 0) {
    rd.fail(pn, pp + ".workload.user_batch",
            "batch size must be an even multiple of the number of parallel NeuronCores (" +
                std::to_string(pd.models.size()) + " models loaded)");
  }
  const int count =
      pn["count"] ? static_cast<int>(rd.integer(pn["count"], pp + ".count", 1, 4096)) : 1;
  const std::string base =
      pn["name"] ? rd.text(pn["name"], pp + ".name") : "p" + std::to_string(pi);
  for (int c = 0; c < count; ++c) {
    ProcessDef copy = pd;
    copy.name = count == 1 ? base : base + std::to_string(c);
    sc.processes.push_back(copy);
  }
}

// scenarios[si]: its overrides follow the experiment's.
ScenarioDef read_scenario(const Reader& rd, const YAML::Node& sn, std::size_t si,
                          const Experiment& ex, const sim::WorkloadSpec& default_workload) {
  const std::string sp = "scenarios[" + std::to_string(si) + "]";
  rd.keys(sn, sp, {"name", "set", "processes"}, {"processes"});
  ScenarioDef sc;
  sc.name = sn["name"] ? rd.text(sn["name"], sp + ".name") : "scenario " + std::to_string(si + 1);
  sc.overrides = ex.overrides;
  if (sn["set"]) {
    for (const std::string& o : rd.strings(sn["set"], sp + ".set")) sc.overrides.push_back(o);
  }
  const YAML::Node& procs = sn["processes"];
  if (!procs.IsSequence() || procs.size() == 0) {
    rd.fail(procs, sp + ".processes", "expected a non-empty list of processes");
  }
  for (std::size_t pi = 0; pi < procs.size(); ++pi) {
    read_process(rd, procs[pi], sp + ".processes[" + std::to_string(pi) + "]", pi, ex,
                 default_workload, sc);
  }
  return sc;
}

}  // namespace

Experiment load_experiment(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot read the experiment file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Reader rd(path);
  rd.keys(root, "",
          {"experiment", "description", "instance", "framework", "set", "seed", "models",
           "workload", "scenarios"},
          {"models", "scenarios"});
  Experiment ex;
  ex.file = path;
  ex.name = root["experiment"] ? rd.text(root["experiment"], "experiment")
                               : fs::path(path).stem().string();
  if (root["description"]) ex.description = rd.text(root["description"], "description");
  if (root["instance"]) ex.instance = rd.text(root["instance"], "instance");
  if (root["framework"]) {
    ex.framework = rd.text(root["framework"], "framework");
    const bool is_file =
        ex.framework.find('/') != std::string::npos ||
        (ex.framework.size() > 5 && ex.framework.rfind(".yaml") == ex.framework.size() - 5);
    if (is_file && fs::path(ex.framework).is_relative()) {
      ex.framework = (fs::path(path).parent_path() / ex.framework).string();
    }
  }
  if (root["set"]) ex.overrides = rd.strings(root["set"], "set");
  if (root["seed"]) {
    ex.seed = static_cast<std::uint64_t>(rd.integer(root["seed"], "seed", 0, 1L << 62));
  }
  const YAML::Node& models = root["models"];
  if (!models.IsMap() || models.size() == 0)
    rd.fail(models, "models", "expected a mapping of model ids");
  for (const auto& kv : models)
    ex.models.push_back(
        read_model(rd, kv.first.as<std::string>(), kv.second, fs::path(path).parent_path()));
  sim::WorkloadSpec default_workload;
  if (root["workload"]) read_workload(rd, root["workload"], "workload", default_workload);
  const YAML::Node& scenarios = root["scenarios"];
  if (!scenarios.IsSequence() || scenarios.size() == 0) {
    rd.fail(scenarios, "scenarios", "expected a non-empty list of scenarios");
  }
  for (std::size_t si = 0; si < scenarios.size(); ++si)
    ex.scenarios.push_back(read_scenario(rd, scenarios[si], si, ex, default_workload));
  return ex;
}

}  // namespace infsim::driver
