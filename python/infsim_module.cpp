// infsim._infsim: the C++ side of the Python module (python/infsim/__init__.py wraps it). Each
// function runs the same driver code as its command and returns the command's JSON document as
// a string; simulations run in forked children (tools/driver/isolation.h), as the command's do,
// so that one Python process can run any number of them (SystemC elaborates once per process).
// A UserError becomes the Python exception of its kind (infsim.InvalidConfigError, ...; all
// subclasses of infsim.Error) with the command's message.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "isa/ifx_format.h"
#include "isa/user_error.h"
#include "tools/config/config_loader.h"
#include "tools/config/errors.h"
#include "tools/config/version.h"
#include "tools/driver/atomic_file.h"
#include "tools/driver/compile_model.h"
#include "tools/driver/experiment/experiment.h"
#include "tools/driver/experiment/model_run.h"
#include "tools/driver/experiment/run_experiment.h"
#include "tools/driver/sweep/runner.h"
#include "tools/driver/sweep/study.h"
#include "tools/driver/table/preset.h"
#include "tools/driver/validate/validate.h"
#include "tools/driver/validate/validation_file.h"

namespace py = pybind11;
using namespace infsim;

namespace {

// One Python exception class per ErrorKind, in the enum's order.
std::array<PyObject*, kNumErrorKinds> g_error_classes{};

std::string class_name(ErrorKind kind) {
  // "invalid config" -> "InvalidConfigError"
  std::string out;
  bool upper = true;
  for (char c : std::string(error_kind_name(kind))) {
    if (c == ' ') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out + "Error";
}

void register_errors(py::module_& m) {
  PyObject* base = PyErr_NewException("infsim.Error", PyExc_Exception, nullptr);
  m.attr("Error") = py::handle(base);
  for (int i = 0; i < kNumErrorKinds; ++i) {
    const auto kind = static_cast<ErrorKind>(i);
    const std::string name = class_name(kind);
    PyObject* cls = PyErr_NewException(("infsim." + name).c_str(), base, nullptr);
    py::handle(cls).attr("kind") = error_kind_name(kind);
    m.attr(name.c_str()) = py::handle(cls);
    g_error_classes[static_cast<std::size_t>(i)] = cls;
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UserError& e) {
      PyErr_SetString(g_error_classes[static_cast<std::size_t>(e.kind())], e.what());
    }
  });
}

std::vector<std::string> assignments(const std::map<std::string, std::string>& set) {
  std::vector<std::string> out;
  for (const auto& [k, v] : set) out.push_back(k + "=" + v);
  return out;
}

std::string compile(const driver::CompileRequest& request, const std::string& instance,
                    const std::map<std::string, std::string>& set, const std::string& framework,
                    const std::string& output) {
  py::gil_scoped_release release;
  const sim::SystemConfig config = driver::load_instance(instance, assignments(set), framework);
  driver::warn_ignored_overrides(config, assignments(set), driver::ConfigUse::kMachine);
  const compiler::CompileResult result = driver::compile_model(request, config);
  if (!output.empty()) {
    const std::vector<std::uint8_t> bytes = isa::encode_program(result.program);
    driver::write_file_atomically(output, std::string(bytes.begin(), bytes.end()));
  }
  nlohmann::json j = driver::compile_report_json(result.report);
  j["report"] = compiler::format_compile_report(result.report);
  j["instance"] = config.name;
  if (!output.empty()) j["output"] = output;
  return j.dump();
}

// The flags form (a model), an experiment file, or neither (the default experiment), as
// `infsim run` takes them.
std::string run(const std::string& experiment, const driver::ModelRun& model_run,
                bool instance_given, const std::map<std::string, std::string>& set,
                const std::string& framework, std::optional<std::uint64_t> seed, bool detail_full) {
  py::gil_scoped_release release;
  driver::RunOptions ro;
  ro.detail_full = detail_full;
  ro.seed = seed;
  if (!framework.empty()) ro.framework = framework;
  driver::Experiment ex;
  if (!model_run.model.empty()) {
    if (!ro.framework) ro.framework = driver::kDefaultFramework;
    ex = driver::model_run_experiment(model_run);
    ex.scenarios[0].overrides = assignments(set);
  } else {
    ex = driver::load_experiment(experiment.empty() ? driver::default_experiment_path()
                                                    : experiment);
    if (instance_given) ex.instance = model_run.instance;
    ro.overrides = assignments(set);
  }
  return driver::format_json(driver::run_experiment(ex, ro));
}

std::string table(const std::string& preset, const std::map<std::string, std::string>& set) {
  py::gil_scoped_release release;
  const driver::TablePreset p = driver::load_preset(preset);
  const auto results = driver::run_preset(p, assignments(set), [](int, int, const auto&) {});
  return driver::preset_json(p, results);
}

std::string validate(const std::string& csv, const std::string& framework, int requests,
                     std::optional<double> tolerance_pct,
                     const std::map<std::string, std::string>& set) {
  py::gil_scoped_release release;
  driver::ValidateOptions vo;
  vo.requests = requests;
  if (requests < 1) throw driver::UsageError("validate: --requests must be at least 1");
  vo.framework = framework;
  vo.tolerance_pct = tolerance_pct;
  if (tolerance_pct && !(*tolerance_pct > 0))
    throw driver::UsageError("validate: --tolerance must be > 0");
  vo.overrides = assignments(set);
  return driver::validation_json(driver::run_validation(driver::read_validation_file(csv), vo))
      .dump();
}

// Runs the study into `out_dir` (resuming it, as the command does) and returns its results.json.
std::string sweep(const std::string& study_file, const std::string& out_dir, int jobs, bool plot) {
  py::gil_scoped_release release;
  const driver::Study study = driver::read_study(study_file);
  driver::SweepOptions options;
  options.out_dir = out_dir;
  options.jobs = jobs;
  options.plot = plot;
  std::ostringstream out, err;
  const int status = driver::run_sweep(study, options, out, err);
  if (status != 0) {
    throw driver::UsageError("sweep: interrupted (exit " + std::to_string(status) +
                             "): " + err.str());
  }
  std::ifstream f(out_dir + "/results.json");
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

}  // namespace

PYBIND11_MODULE(_infsim, m) {
  m.doc() = "infsim's C++ driver (use the infsim package)";
  register_errors(m);
  m.attr("__version__") = tools::version();
  m.attr("version_string") = tools::version_string();
  m.attr("default_instance") = driver::kDefaultInstance;
  m.attr("default_framework") = driver::kDefaultFramework;

  py::class_<driver::CompileRequest>(m, "CompileRequest")
      .def(py::init<>())
      .def_readwrite("model", &driver::CompileRequest::model)
      .def_readwrite("batch", &driver::CompileRequest::batch)
      .def_readwrite("dtype", &driver::CompileRequest::dtype)
      .def_readwrite("pipeline_cores", &driver::CompileRequest::pipeline_cores)
      .def_readwrite("image_size", &driver::CompileRequest::image_size)
      .def_readwrite("seq_len", &driver::CompileRequest::seq_len)
      .def_readwrite("cpu_fallback", &driver::CompileRequest::cpu_fallback)
      .def_readwrite("weights", &driver::CompileRequest::weights);
  py::class_<driver::ModelRun>(m, "ModelRun")
      .def(py::init<>())
      .def_readwrite("model", &driver::ModelRun::model)
      .def_readwrite("instance", &driver::ModelRun::instance)
      .def_readwrite("batch", &driver::ModelRun::batch)
      .def_readwrite("dtype", &driver::ModelRun::dtype)
      .def_readwrite("cores", &driver::ModelRun::cores)
      .def_readwrite("pipeline_cores", &driver::ModelRun::pipeline_cores)
      .def_readwrite("threads", &driver::ModelRun::threads)
      .def_readwrite("iterations", &driver::ModelRun::iterations)
      .def_readwrite("image_size", &driver::ModelRun::image_size)
      .def_readwrite("seq_len", &driver::ModelRun::seq_len);

  m.def("compile", &compile);
  m.def("run", &run);
  m.def("table", &table);
  m.def("validate", &validate);
  m.def("sweep", &sweep);
  m.def("config_dir", &driver::find_config_dir);
}
