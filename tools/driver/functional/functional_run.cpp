#include "tools/driver/functional/functional_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include <systemc>

#include "compiler/compiler.h"
#include "isa/instruction_text.h"
#include "models/model_loader.h"
#include "models/npy.h"
#include "models/reference_executor.h"
#include "models/size_budget.h"
#include "sim/core/stats.h"
#include "sim/functional/functional_executor.h"
#include "sim/functional/number_format.h"
#include "sim/instance/instance.h"
#include "sim/instance/run_program.h"
#include "sim/memory/dram.h"
#include "sim/neuroncore/neuron_core.h"
#include "tools/config/errors.h"

namespace infsim::driver {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::int64_t elements(const models::Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                         [](std::int64_t a, std::int64_t b) { return a * b; });
}

// The memory offset (in elements) of each logical element, for a C-order tensor of `shape`
// stored in `dim_order`.
std::vector<std::int64_t> memory_offsets(const models::Shape& shape,
                                         const std::vector<int>& dim_order) {
  const std::size_t rank = shape.size();
  std::vector<int> order = dim_order;
  if (order.empty()) {
    order.resize(rank);
    std::iota(order.begin(), order.end(), 0);
  }
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted.size() != rank || sorted[i] != static_cast<int>(i)) {
      throw UsageError("tensor of shape " + models::shape_string(shape) +
                       " has a dim_order that is not a permutation of its dims");
    }
  }
  // Stride in memory of each logical dim.
  std::vector<std::int64_t> stride(rank, 1);
  for (std::size_t i = rank; i-- > 1;) {
    stride[static_cast<std::size_t>(order[i - 1])] =
        stride[static_cast<std::size_t>(order[i])] * shape[static_cast<std::size_t>(order[i])];
  }
  std::vector<std::int64_t> out(static_cast<std::size_t>(elements(shape)));
  std::vector<std::int64_t> index(rank, 0);
  for (std::int64_t& o : out) {
    std::int64_t off = 0;
    for (std::size_t d = 0; d < rank; ++d) off += index[d] * stride[d];
    o = off;
    for (std::size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// splitmix64: a small, fully specified generator, so seeded inputs are the same on every
// platform and standard library.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double uniform01(std::uint64_t& state) {
  return (static_cast<double>(splitmix64(state) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// Finds the program tensor of `kind` named `name`; else the `position`-th of that kind.
const isa::TensorDecl& program_tensor(const isa::Program& program, isa::TensorKind kind,
                                      const std::string& name, std::size_t position) {
  std::vector<const isa::TensorDecl*> of_kind;
  for (const isa::TensorDecl& t : program.tensors) {
    if (t.kind != kind) continue;
    if (t.name == name) return t;
    of_kind.push_back(&t);
  }
  if (position >= of_kind.size()) {
    throw UsageError(std::string("the compiled program has no ") +
                     (kind == isa::TensorKind::kInput ? "input" : "output") + " tensor for '" +
                     name + "'");
  }
  return *of_kind[position];
}

// The tensor's bytes live in the DRAM of the chip that runs its program core.
std::uint64_t tensor_address(const sim::CoreBinding& binding, const isa::TensorDecl& t) {
  return binding.dram_base[t.core] + t.dram_offset;
}

}  // namespace

std::vector<std::uint8_t> to_device_layout(const models::HostTensor& logical,
                                           const std::vector<int>& dim_order, isa::DType dtype) {
  const std::vector<std::int64_t> offsets = memory_offsets(logical.shape, dim_order);
  if (offsets.size() != logical.data.size()) {
    throw UsageError("tensor of shape " + models::shape_string(logical.shape) + " holds " +
                     std::to_string(logical.data.size()) + " values");
  }
  std::vector<float> ordered(offsets.size());
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    ordered[static_cast<std::size_t>(offsets[i])] = logical.data[i];
  }
  std::vector<std::uint8_t> bytes(ordered.size() *
                                  static_cast<std::size_t>(isa::dtype_bytes(dtype)));
  sim::encode_elements(dtype, ordered.data(), bytes.data(), ordered.size());
  return bytes;
}

models::HostTensor from_device_layout(const std::uint8_t* bytes, const models::Shape& shape,
                                      const std::vector<int>& dim_order, isa::DType dtype) {
  const std::vector<std::int64_t> offsets = memory_offsets(shape, dim_order);
  std::vector<float> ordered(offsets.size());
  sim::decode_elements(dtype, bytes, ordered.data(), ordered.size());
  models::HostTensor t;
  t.shape = shape;
  t.data.resize(offsets.size());
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    t.data[i] = ordered[static_cast<std::size_t>(offsets[i])];
  }
  return t;
}

std::vector<models::HostTensor> random_inputs(const models::Graph& graph, std::uint64_t seed) {
  std::vector<models::HostTensor> out;
  std::uint64_t state = seed;
  for (int id : graph.inputs) {
    models::HostTensor t;
    const models::Tensor& tensor = graph.tensors[static_cast<std::size_t>(id)];
    t.shape = tensor.shape;
    t.data.resize(static_cast<std::size_t>(elements(t.shape)));
    if (tensor.dtype != models::DType::kFp32 && tensor.dtype != models::DType::kFp16 &&
        tensor.dtype != models::DType::kBf16 && !t.shape.empty()) {
      // An integer or bool input is an attention mask: tokens, then a quarter of padding.
      const std::int64_t row = t.shape.back();
      for (std::size_t i = 0; i < t.data.size(); ++i)
        t.data[i] = static_cast<std::int64_t>(i) % row < row - row / 4 ? 1.0f : 0.0f;
      out.push_back(std::move(t));
      continue;
    }
    // Box-Muller: two uniforms -> one standard normal (the second one is not needed).
    for (float& v : t.data) {
      const double u1 = uniform01(state), u2 = uniform01(state);
      v = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
    }
    out.push_back(std::move(t));
  }
  return out;
}

FunctionalResult run_functional(const FunctionalRequest& request) {
  models::HostTensor file_input;
  const bool have_file = !request.input_path.empty();
  if (have_file) file_input = models::read_npy(request.input_path);
  models::ZooOptions zoo;
  zoo.batch = request.batch > 0                        ? request.batch
              : have_file && !file_input.shape.empty() ? static_cast<int>(file_input.shape[0])
                                                       : 1;
  zoo.image_size = request.image_size;
  if (zoo.image_size == 0 && have_file && file_input.shape.size() == 4 &&
      file_input.shape[2] == file_input.shape[3]) {
    zoo.image_size = static_cast<int>(file_input.shape[2]);
  }
  zoo.seq_len = request.seq_len;
  zoo.with_weights = true;
  zoo.seed = request.seed;
  const models::Graph graph = models::load_model(request.model, zoo);

  std::vector<models::HostTensor> inputs;
  if (have_file) {
    if (graph.inputs.size() != 1) {
      throw UsageError(request.input_path + ": model '" + request.model + "' has " +
                       std::to_string(graph.inputs.size()) + " inputs; an input file gives one");
    }
    const models::Shape& want = graph.tensors[static_cast<std::size_t>(graph.inputs[0])].shape;
    if (file_input.shape != want) {
      throw UsageError(request.input_path + ": shape " + models::shape_string(file_input.shape) +
                       " does not match the model input " + models::shape_string(want));
    }
    inputs.push_back(std::move(file_input));
  } else {
    inputs = random_inputs(graph, request.seed);
  }
  FunctionalResult r = run_functional_graph(graph, inputs, request);
  r.model = request.model;
  return r;
}

FunctionalResult run_functional_graph(const models::Graph& graph,
                                      const std::vector<models::HostTensor>& inputs,
                                      const FunctionalRequest& request) {
  if (inputs.size() != graph.inputs.size()) {
    throw UsageError("graph '" + graph.name + "' has " + std::to_string(graph.inputs.size()) +
                     " inputs, got " + std::to_string(inputs.size()));
  }
  FunctionalResult result;
  result.model = graph.name;
  result.dtype = request.dtype;
  result.inputs = inputs;
  const models::Shape& first = graph.tensors[static_cast<std::size_t>(graph.inputs.at(0))].shape;
  result.batch = first.empty() ? 1 : static_cast<int>(first[0]);

  compiler::CompilerOptions options;
  options.batch = static_cast<std::uint32_t>(result.batch);
  options.dtype = request.dtype;
  options.pipeline_cores = request.pipeline_cores;
  options.weight_data = true;
  options.model = graph.name;
  const auto compile_start = std::chrono::steady_clock::now();
  result.program = compiler::compile(graph, request.instance.chip.core, options).program;
  const isa::Program& program = result.program;
  result.compile_wall_seconds = seconds_since(compile_start);
  result.cores = static_cast<std::uint32_t>(program.num_cores());
  for (const isa::CoreProgram& c : program.cores)
    for (const isa::Queue& q : c.queues) result.instructions += q.instructions.size();
  if (!program.host_ops.empty()) {
    throw UsageError("functional mode runs device programs only; '" + graph.name + "' leaves " +
                     program.host_ops.front().op + " ('" + program.host_ops.front().name +
                     "') on the host");
  }
  if (static_cast<int>(program.num_cores()) > request.instance.total_cores()) {
    throw UsageError("the program needs " + std::to_string(program.num_cores()) + " NeuronCores; " +
                     request.instance.name + " has " +
                     std::to_string(request.instance.total_cores()));
  }

  // Functional storage: every NeuronCore's SBUF and PSUM, allocated at once (DRAM is paged in
  // as it is touched). Checked against the model size budget before it is allocated.
  const isa::NeuronCoreConfig& core = request.instance.chip.core;
  const auto cores = static_cast<std::uint64_t>(request.instance.total_cores());
  std::uint64_t storage = 0;
  if (__builtin_add_overflow(core.sbuf.size, core.psum.size, &storage) ||
      __builtin_mul_overflow(storage, cores, &storage) || storage > models::model_budget()) {
    throw UsageError("functional mode: the SBUF and PSUM of " + std::to_string(cores) +
                     " NeuronCores (chip.core.sbuf.size " + models::bytes_text(core.sbuf.size) +
                     ", chip.core.psum.size " + models::bytes_text(core.psum.size) +
                     ") exceed the model size budget of " +
                     models::bytes_text(models::model_budget()) + " (" +
                     models::kModelBudgetVariable + ")");
  }
  sim::Stats stats;
  sim::Instance instance("functional", request.instance, stats, nullptr);
  sim::FunctionalExecutor executor;
  instance.enable_functional_mode(&executor);
  const sim::CoreBinding binding = sim::default_binding(program);
  auto dram_of = [&](const isa::TensorDecl& t) -> sim::Dram& {
    return instance.dram(instance.chip_of(binding.cores[t.core]));
  };

  for (const isa::TensorDecl& t : program.tensors) {
    if (t.kind != isa::TensorKind::kWeight) continue;
    if (t.data.size() != t.bytes) {
      throw UsageError("weight tensor '" + t.name + "' of '" + graph.name + "' carries " +
                       std::to_string(t.data.size()) + " of its " + std::to_string(t.bytes) +
                       " bytes (the graph needs weight values for functional mode)");
    }
    dram_of(t).write(tensor_address(binding, t), t.data.data(), t.data.size());
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& name = graph.tensors[static_cast<std::size_t>(graph.inputs[i])].name;
    const isa::TensorDecl& t = program_tensor(program, isa::TensorKind::kInput, name, i);
    models::HostTensor logical = inputs[i];
    if (elements(logical.shape) != elements(t.shape)) {
      throw UsageError("input '" + name + "' has shape " + models::shape_string(logical.shape) +
                       " but the program's input tensor is " + models::shape_string(t.shape));
    }
    logical.shape = t.shape;
    const std::vector<std::uint8_t> bytes = to_device_layout(logical, t.dim_order, t.dtype);
    dram_of(t).write(tensor_address(binding, t), bytes.data(), bytes.size());
  }

  sc_core::sc_spawn([&] {
    sim::run_program(instance, program, binding, sim::Phase::kSetup);
    if (instance.failed()) return;
    sc_core::sc_time start = sc_core::sc_time_stamp();
    auto wall = std::chrono::steady_clock::now();
    sim::run_program(instance, program, binding, sim::Phase::kInference);
    result.device_seconds = (sc_core::sc_time_stamp() - start).to_seconds();
    result.wall_seconds = seconds_since(wall);
    if (!request.measure_timing_mode || instance.failed()) return;
    for (int g = 0; g < instance.num_cores(); ++g) instance.core(g).set_functional_unit(nullptr);
    start = sc_core::sc_time_stamp();
    wall = std::chrono::steady_clock::now();
    sim::run_program(instance, program, binding, sim::Phase::kInference);
    result.timing_device_seconds = (sc_core::sc_time_stamp() - start).to_seconds();
    result.timing_wall_seconds = seconds_since(wall);
  });
  sim::simulate(instance);

  for (std::size_t i = 0; i < graph.outputs.size(); ++i) {
    const models::Tensor& out = graph.tensors[static_cast<std::size_t>(graph.outputs[i])];
    const isa::TensorDecl& t = program_tensor(program, isa::TensorKind::kOutput, out.name, i);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(t.bytes));
    dram_of(t).read(tensor_address(binding, t), bytes.data(), bytes.size());
    models::HostTensor value = from_device_layout(bytes.data(), t.shape, t.dim_order, t.dtype);
    if (elements(out.shape) == elements(value.shape)) value.shape = out.shape;
    result.output_names.push_back(out.name);
    result.outputs.push_back(std::move(value));
  }
  if (request.check_reference) {
    result.reference = models::run_reference(graph, inputs);
    for (std::size_t i = 0; i < result.outputs.size(); ++i) {
      result.comparisons.push_back(compare(result.outputs[i], result.reference[i]));
    }
  }
  return result;
}

std::vector<std::vector<int>> top_k(const models::HostTensor& logits, int k) {
  std::vector<std::vector<int>> out;
  if (logits.shape.size() != 2) return out;
  const auto images = static_cast<std::size_t>(logits.shape[0]);
  const auto classes = static_cast<std::size_t>(logits.shape[1]);
  const std::size_t kk = std::min(static_cast<std::size_t>(k), classes);
  for (std::size_t n = 0; n < images; ++n) {
    std::vector<int> idx(classes);
    std::iota(idx.begin(), idx.end(), 0);
    const float* row = logits.data.data() + n * classes;
    std::partial_sort(
        idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(kk), idx.end(),
        [row](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    idx.resize(kk);
    out.push_back(std::move(idx));
  }
  return out;
}

Comparison compare(const models::HostTensor& actual, const models::HostTensor& expected) {
  if (actual.shape != expected.shape || actual.data.size() != expected.data.size()) {
    throw UsageError("cannot compare a tensor of shape " + models::shape_string(actual.shape) +
                     " with one of shape " + models::shape_string(expected.shape));
  }
  Comparison c;
  double ref_max = 0, dot = 0, aa = 0, bb = 0;
  for (float b : expected.data) ref_max = std::max(ref_max, std::abs(static_cast<double>(b)));
  const double floor = 1e-3 * ref_max;
  for (std::size_t i = 0; i < actual.data.size(); ++i) {
    const double a = actual.data[i], b = expected.data[i];
    const double err = std::abs(a - b);
    c.max_abs_error = std::max(c.max_abs_error, std::isnan(err) ? INFINITY : err);
    c.max_elementwise = std::max(c.max_elementwise, err / (std::abs(b) + floor));
    dot += a * b;
    aa += a * a;
    bb += b * b;
  }
  c.max_norm_error = ref_max > 0 ? c.max_abs_error / ref_max : c.max_abs_error;
  c.cosine = aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : (aa == bb ? 1.0 : 0.0);
  if (actual.shape.size() == 2) {
    const auto ta = top_k(actual, 5), tb = top_k(expected, 5);
    double top1 = 0, top5 = 0;
    for (std::size_t n = 0; n < ta.size(); ++n) {
      top1 += ta[n][0] == tb[n][0] ? 1 : 0;
      int common = 0;
      for (int x : ta[n]) common += std::count(tb[n].begin(), tb[n].end(), x) > 0 ? 1 : 0;
      top5 += static_cast<double>(common) / static_cast<double>(ta[n].size());
    }
    c.top1_agreement = ta.empty() ? -1 : top1 / static_cast<double>(ta.size());
    c.top5_agreement = ta.empty() ? -1 : top5 / static_cast<double>(ta.size());
  }
  return c;
}

std::string format_functional_result(const FunctionalResult& r) {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: %s, batch %d, %u core%s: device time %.3f us, simulated functionally in "
                "%.1f ms (compile %.1f ms)\n",
                r.model.c_str(), std::string(isa::dtype_text(r.dtype)).c_str(), r.batch, r.cores,
                r.cores == 1 ? "" : "s", r.device_seconds * 1e6, r.wall_seconds * 1e3,
                r.compile_wall_seconds * 1e3);
  os << buf;
  if (r.timing_wall_seconds > 0) {
    std::snprintf(buf, sizeof buf,
                  "  timing mode: device time %.3f us, simulated in %.1f ms (functional costs "
                  "%.1fx)\n",
                  r.timing_device_seconds * 1e6, r.timing_wall_seconds * 1e3,
                  r.wall_seconds / r.timing_wall_seconds);
    os << buf;
  }
  for (std::size_t i = 0; i < r.outputs.size(); ++i) {
    const models::HostTensor& t = r.outputs[i];
    os << "output '" << r.output_names[i] << "' " << models::shape_string(t.shape) << "\n";
    const auto top = top_k(t, 5);
    for (std::size_t n = 0; n < top.size(); ++n) {
      os << "  image " << n << " top-5 classes:";
      for (int c : top[n]) {
        std::snprintf(
            buf, sizeof buf, " %d (%.4g)", c,
            t.data[n * static_cast<std::size_t>(t.shape[1]) + static_cast<std::size_t>(c)]);
        os << buf;
      }
      os << "\n";
    }
    if (i < r.comparisons.size()) {
      const Comparison& c = r.comparisons[i];
      std::snprintf(buf, sizeof buf,
                    "  vs reference: max |err| %.3g, |err|inf/|ref|inf %.3g, elementwise %.3g, "
                    "cosine %.6f",
                    c.max_abs_error, c.max_norm_error, c.max_elementwise, c.cosine);
      os << buf;
      if (c.top1_agreement >= 0) {
        std::snprintf(buf, sizeof buf, ", top-1 agreement %.2f, top-5 overlap %.2f",
                      c.top1_agreement, c.top5_agreement);
        os << buf;
      }
      os << "\n";
    }
  }
  return os.str();
}

}  // namespace infsim::driver
