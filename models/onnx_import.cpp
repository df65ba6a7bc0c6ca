#include "models/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include "models/host_tensor.h"
#include "models/model_error.h"
#include "models/onnx_parameters.h"
#include "models/onnx_tensor.h"
#include "models/reference_executor.h"
#include "models/seeded_random.h"
#include "models/shape_inference.h"
#include "models/size_budget.h"

namespace infsim::models {

namespace {

using TensorProto = onnx::TensorProto;
using onnx_tensor::checked_elements;
using onnx_tensor::dtype_from_onnx;
using onnx_tensor::held_bytes;
using onnx_tensor::is_int_dtype;
using onnx_tensor::tensor_from_proto;

using onnx_parameters::is_operand_use;
using onnx_parameters::is_parameter_use;
using onnx_parameters::named_like_parameter;
using onnx_parameters::Use;

class Importer {
 public:
  Importer(std::string path, const ImportOptions& options)
      : path_(std::move(path)),
        options_(options),
        rng_(options.seed),
        budget_(options.budget ? options.budget : model_budget()) {}

  Graph run() {
    onnx::ModelProto model = load();
    const onnx::GraphProto& gp = model.graph();
    graph_.name = std::filesystem::path(path_).stem().string();
    uses_ = onnx_parameters::collect_uses(gp);

    std::set<std::string> initializer_names;
    for (const auto& init : gp.initializer()) {
      initializer_names.insert(init.name());
      bind(init.name(), add(tensor_from_proto(init, init.name(), path_, budget_)));
    }
    for (const auto& vi : gp.input()) {
      if (initializer_names.count(vi.name())) continue;
      if (is_weight_input(vi.name())) {
        bind(vi.name(), add(synthesized_weight(vi)));
      } else {
        int id = add(data_input(vi));
        graph_.inputs.push_back(id);
        bind(vi.name(), id);
      }
    }
    if (graph_.inputs.empty()) throw ModelError(path_ + ": the model has no data input");
    for (const auto& np : gp.node()) import_node(np);
    for (const auto& vi : gp.output()) {
      auto it = ids_.find(vi.name());
      if (it == ids_.end()) {
        throw ModelError(path_ + ": graph output '" + vi.name() + "' is produced by no node");
      }
      graph_.outputs.push_back(it->second);
    }
    if (!options_.with_weights) drop_weight_values();
    if (!unknown_.empty()) return std::move(graph_);  // analysis only: shapes are incomplete
    try {
      validate(graph_);
    } catch (const ModelError& e) {
      throw ModelError(path_ + ": " + e.what(), e.kind(), in_this_file(e.where()));
    }
    return std::move(graph_);
  }

 private:
  onnx::ModelProto load() {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path_, ec)) {
      throw ModelError(path_ + ": no such ONNX file", ErrorKind::kBadFile,
                       ErrorLocation::in_file(path_));
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      throw ModelError(path_ + ": cannot open the ONNX file", ErrorKind::kBadFile,
                       ErrorLocation::in_file(path_));
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    onnx::ModelProto model;
    if (bytes.empty() || !model.ParseFromString(bytes)) {
      throw ModelError(path_ +
                           ": not a valid ONNX model (the protobuf does not parse: truncated or "
                           "not an ONNX file)",
                       ErrorKind::kBadFile, ErrorLocation::in_file(path_));
    }
    if (model.ir_version() <= 0 || !model.has_graph() || model.graph().node_size() == 0) {
      throw ModelError(path_ + ": not a valid ONNX model (no IR version or an empty graph)",
                       ErrorKind::kBadFile, ErrorLocation::in_file(path_));
    }
    for (const auto& op : model.opset_import()) {
      if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = op.version();
    }
    return model;
  }

  bool is_weight_input(const std::string& name) const {
    if (named_like_parameter(name)) return true;
    auto it = uses_.find(name);
    if (it == uses_.end()) return false;
    for (const Use& u : it->second) {
      if (is_parameter_use(u)) return true;
    }
    return false;
  }

  Shape declared_shape(const onnx::ValueInfoProto& vi, bool is_data) {
    if (!vi.type().has_tensor_type()) {
      throw ModelError(path_ + ": input '" + vi.name() + "' is not a tensor");
    }
    Shape shape;
    const auto& dims = vi.type().tensor_type().shape().dim();
    for (int i = 0; i < dims.size(); ++i) {
      const auto& d = dims[i];
      if (d.has_dim_value() && d.dim_value() <= 0 && !(is_data && i == 0)) {
        throw ModelError(path_ + ": input '" + vi.name() + "' has dimension " +
                         std::to_string(d.dim_value()) + " at position " + std::to_string(i) +
                         "; dimensions must be positive");
      }
      bool fixed = d.has_dim_value() && d.dim_value() > 0;
      if (is_data && i == 0 && (options_.batch > 0 || !fixed)) {
        shape.push_back(options_.batch > 0 ? options_.batch : 1);
        if (fixed && d.dim_value() != shape.back()) exported_batch_ = d.dim_value();
      } else if (fixed) {
        shape.push_back(d.dim_value());
      } else {
        throw ModelError(path_ + ": input '" + vi.name() + "' has a symbolic dimension " +
                         (d.has_dim_param() ? "'" + d.dim_param() + "' " : std::string()) +
                         "at position " + std::to_string(i) +
                         "; only the batch dimension may be dynamic");
      }
    }
    checked_elements(shape, path_ + ": input '" + vi.name() + "'");
    return shape;
  }

  // A 2-D input that only MatMul reads as its left operand is an M x K matrix (numpy semantics:
  // only a 3-D or higher operand has batch dimensions), so its M is kept, not taken as the batch.
  bool matrix_operand(const onnx::ValueInfoProto& vi) {
    if (vi.type().tensor_type().shape().dim_size() != 2) return false;
    auto it = uses_.find(vi.name());
    if (it == uses_.end() || it->second.empty()) return false;
    return std::all_of(it->second.begin(), it->second.end(),
                       [](const Use& u) { return u.op == "MatMul" && u.index == 0; });
  }

  Tensor data_input(const onnx::ValueInfoProto& vi) {
    Tensor t;
    t.name = vi.name();
    t.dtype =
        dtype_from_onnx(vi.type().tensor_type().elem_type(), path_ + ": input '" + t.name + "'");
    t.shape = declared_shape(vi, !matrix_operand(vi));
    return t;
  }

  // A parameter the file declares as an input without values (see synthesized_values).
  Tensor synthesized_weight(const onnx::ValueInfoProto& vi) {
    Tensor t;
    t.name = vi.name();
    t.is_constant = true;
    t.dtype = DType::kFp32;
    t.shape = declared_shape(vi, false);
    if (!options_.with_weights) return t;
    budget_.claim(held_bytes(t.shape, t.dtype), path_, t.name, t.shape);
    t.data = onnx_parameters::synthesized_values(t.shape, uses_[t.name], rng_);
    return t;
  }

  int add(Tensor t) {
    graph_.tensors.push_back(std::move(t));
    return static_cast<int>(graph_.tensors.size()) - 1;
  }

  void bind(const std::string& name, int id) { ids_[name] = id; }

  const Tensor& tensor(int id) const { return graph_.tensors[static_cast<std::size_t>(id)]; }

  bool has_values(int id) const {
    const Tensor& t = tensor(id);
    return t.is_constant && (!t.data.empty() || !t.int_data.empty() || num_elements(t.shape) == 0);
  }

  std::string where(const onnx::NodeProto& np) const {
    return path_ + ": node '" + np.name() + "' (op " + np.op_type() + ")";
  }
  ErrorLocation at(const onnx::NodeProto& np) const {
    ErrorLocation w = ErrorLocation::at_node(np.name(), np.op_type());
    w.file = path_;
    return w;
  }
  // A location found in a graph of this file (a node), with the file added.
  ErrorLocation in_this_file(ErrorLocation w) const {
    w.file = path_;
    return w;
  }

  AttributeValue attribute(const onnx::NodeProto& np, const onnx::AttributeProto& a) const {
    switch (a.type()) {
      case onnx::AttributeProto::INT:
        return a.i();
      case onnx::AttributeProto::FLOAT:
        return a.f();
      case onnx::AttributeProto::STRING:
        return a.s();
      case onnx::AttributeProto::INTS:
        return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
      case onnx::AttributeProto::FLOATS:
        return std::vector<float>(a.floats().begin(), a.floats().end());
      default:
        throw ModelError(where(np) + ": attribute '" + a.name() + "' has an unsupported type");
    }
  }

  Tensor constant_node_value(const onnx::NodeProto& np) {
    for (const auto& a : np.attribute()) {
      Tensor t;
      t.is_constant = true;
      if (a.name() == "value") return tensor_from_proto(a.t(), np.output(0), where(np), budget_);
      if (a.name() == "value_float") {
        t.data = {a.f()};
      } else if (a.name() == "value_floats") {
        t.data.assign(a.floats().begin(), a.floats().end());
        t.shape = {static_cast<std::int64_t>(t.data.size())};
      } else if (a.name() == "value_int") {
        t.dtype = DType::kInt64;
        t.int_data = {a.i()};
      } else if (a.name() == "value_ints") {
        t.dtype = DType::kInt64;
        t.int_data.assign(a.ints().begin(), a.ints().end());
        t.shape = {static_cast<std::int64_t>(t.int_data.size())};
      } else {
        continue;
      }
      t.name = np.output(0);
      return t;
    }
    throw ModelError(where(np) + ": no supported value attribute");
  }

  void import_node(const onnx::NodeProto& np) {
    if (!np.domain().empty() && np.domain() != "ai.onnx") {
      throw ModelError(where(np) + ": operator domain '" + np.domain() + "' is not supported");
    }
    const std::string& op = np.op_type();
    // Every operator has at least one output; the folds below also read their first input.
    if (np.output_size() == 0 || np.output(0).empty()) throw ModelError(where(np) + ": no output");
    if (op == "Constant") {
      bind(np.output(0), add(constant_node_value(np)));
      return;
    }
    const std::vector<int> inputs = node_inputs(np);
    // Identity on a constant (how the exporter shares initializers) is an alias.
    if (op == "Identity" && inputs.size() == 1 && tensor(inputs[0]).is_constant) {
      bind(np.output(0), inputs[0]);
      return;
    }
    const bool after_unknown = std::any_of(
        inputs.begin(), inputs.end(), [&](int id) { return id >= 0 && unknown_.count(id) > 0; });
    bool all_known = !inputs.empty();
    for (int id : inputs) all_known = all_known && (id < 0 || has_values(id));
    if (fold_shape_computation(np, inputs, after_unknown, all_known)) return;

    Node node;
    node.name = np.name().empty() ? op + "_" + std::to_string(graph_.nodes.size()) : np.name();
    node.op = op;
    node.inputs = inputs;
    for (const auto& a : np.attribute()) node.attributes[a.name()] = attribute(np, a);
    if ((!is_supported_op(op) || after_unknown) && options_.keep_unknown_ops) {
      keep_unknown(np, std::move(node));
      return;
    }
    if (!is_supported_op(op)) {
      throw ModelError(where(np) + ": unsupported operator", ErrorKind::kUnsupportedOperator,
                       at(np));
    }
    if (op == "Clip" && opset_ < 11) clip_bounds_as_inputs(node);
    for (int i = 0; i < np.output_size(); ++i) {
      if (np.output(i).empty()) break;  // optional trailing outputs left out
      Tensor t;
      t.name = np.output(i);
      node.outputs.push_back(add(std::move(t)));
    }
    if (all_known) {
      fold(np, node);
      return;
    }
    graph_.nodes.push_back(node);
    if (infer_shapes(np, node)) bind_outputs(np, node);
  }

  // The tensors a node reads (-1 for an optional input left out), each produced before.
  std::vector<int> node_inputs(const onnx::NodeProto& np) const {
    std::vector<int> inputs;
    for (const auto& name : np.input()) {
      if (name.empty()) {
        inputs.push_back(-1);
        continue;
      }
      auto it = ids_.find(name);
      if (it == ids_.end()) {
        throw ModelError(where(np) + ": input '" + name +
                         "' is not produced before use (dangling edge, or nodes not in "
                         "topological order)");
      }
      inputs.push_back(it->second);
    }
    return inputs;
  }

  // Every shape is static here, so shape computations (Shape, Size, and Cast and
  // ConstantOfShape of known values) become constants. True when the node was folded.
  bool fold_shape_computation(const onnx::NodeProto& np, const std::vector<int>& inputs,
                              bool after_unknown, bool all_known) {
    const std::string& op = np.op_type();
    const bool folds_here =
        op == "Shape" || op == "Size" || op == "Cast" || op == "ConstantOfShape";
    if (!folds_here) return false;
    if (inputs.empty() || inputs[0] < 0) throw ModelError(where(np) + ": missing input 0");
    if (op == "Shape" && !after_unknown) {
      const Shape& s = tensor(inputs[0]).shape;
      std::int64_t rank = static_cast<std::int64_t>(s.size());
      std::int64_t start = 0, end = rank;
      for (const auto& a : np.attribute()) {
        if (a.name() == "start") start = a.i() < 0 ? a.i() + rank : a.i();
        if (a.name() == "end") end = a.i() < 0 ? a.i() + rank : a.i();
      }
      start = std::clamp<std::int64_t>(start, 0, rank);
      end = std::clamp<std::int64_t>(end, start, rank);
      bind_int_constant(np.output(0), Shape(s.begin() + start, s.begin() + end));
      return true;
    }
    if (op == "Size" && !after_unknown) {
      bind_int_constant(np.output(0), {num_elements(tensor(inputs[0]).shape)}, true);
      return true;
    }
    if (op == "Cast" && all_known) {
      fold_cast(np, inputs[0]);
      return true;
    }
    if (op == "ConstantOfShape" && all_known) {
      fold_constant_of_shape(np, inputs[0]);
      return true;
    }
    return false;
  }

  // Before opset 11 Clip's bounds were attributes; the graph IR takes them as inputs.
  void clip_bounds_as_inputs(Node& node) {
    node.inputs.resize(3, -1);
    float lo = attr_float(node, "min", -INFINITY), hi = attr_float(node, "max", INFINITY);
    node.inputs[1] = add(scalar(node.name + ".min", lo));
    node.inputs[2] = add(scalar(node.name + ".max", hi));
    node.attributes.erase("min");
    node.attributes.erase("max");
  }

  // Shapes of the node just added (the last); false when its outputs were kept unknown (a form
  // shape inference does not know, kept for analyze). A malformed node is an error.
  bool infer_shapes(const onnx::NodeProto& np, const Node& node) {
    try {
      infer_node_shapes(graph_, graph_.nodes.size() - 1);
      return true;
    } catch (const ModelError& e) {
      if (options_.keep_unknown_ops && e.kind() == ErrorKind::kUnsupportedOperator) {
        for (int i = 0; i < static_cast<int>(node.outputs.size()); ++i) {
          unknown_.insert(node.outputs[static_cast<std::size_t>(i)]);
          bind(np.output(i), node.outputs[static_cast<std::size_t>(i)]);
        }
        return false;
      }
      std::string hint;
      if (exported_batch_ > 0) {
        hint = " (the file was exported with batch " + std::to_string(exported_batch_) +
               "; its constant shapes may not allow batch " + std::to_string(options_.batch) + ")";
      }
      throw ModelError(path_ + ": " + e.what() + hint, e.kind(), in_this_file(e.where()));
    }
  }

  // Names the node's outputs, each within the size budget.
  void bind_outputs(const onnx::NodeProto& np, const Node& node) {
    for (int i = 0; i < np.output_size() && i < static_cast<int>(node.outputs.size()); ++i) {
      const Tensor& out = tensor(node.outputs[static_cast<std::size_t>(i)]);
      budget_.check(tensor_bytes(out.shape, out.dtype), where(np), out.name, out.shape);
      bind(np.output(i), node.outputs[static_cast<std::size_t>(i)]);
    }
  }

  // An operator the IR does not know (or one after it), kept for `infsim analyze` without shapes.
  void keep_unknown(const onnx::NodeProto& np, Node node) {
    for (int i = 0; i < np.output_size(); ++i) {
      if (np.output(i).empty()) break;
      Tensor t;
      t.name = np.output(i);
      const int id = add(std::move(t));
      node.outputs.push_back(id);
      unknown_.insert(id);
      bind(np.output(i), id);
    }
    graph_.nodes.push_back(std::move(node));
  }

  static Tensor scalar(const std::string& name, float v) {
    Tensor t;
    t.name = name;
    t.is_constant = true;
    t.data = {v};
    return t;
  }

  void bind_int_constant(const std::string& name, std::vector<std::int64_t> values,
                         bool scalar_shape = false) {
    Tensor t;
    t.name = name;
    t.dtype = DType::kInt64;
    t.is_constant = true;
    t.shape = scalar_shape ? Shape{} : Shape{static_cast<std::int64_t>(values.size())};
    t.int_data = std::move(values);
    bind(name, add(std::move(t)));
  }

  void fold_cast(const onnx::NodeProto& np, int input) {
    std::int64_t to = TensorProto::FLOAT;
    for (const auto& a : np.attribute()) {
      if (a.name() == "to") to = a.i();
    }
    Tensor t;
    t.name = np.output(0);
    t.is_constant = true;
    t.shape = tensor(input).shape;
    t.dtype = dtype_from_onnx(static_cast<int>(to), where(np));
    budget_.claim(held_bytes(t.shape, t.dtype), where(np), t.name, t.shape);
    const Tensor& src = tensor(input);
    std::vector<double> v(src.int_data.begin(), src.int_data.end());
    if (src.int_data.empty()) v.assign(src.data.begin(), src.data.end());
    for (double x : v) {
      if (is_int_dtype(t.dtype)) {
        t.int_data.push_back(static_cast<std::int64_t>(std::trunc(x)));
      } else {
        t.data.push_back(static_cast<float>(x));
      }
    }
    std::string name = t.name;
    bind(name, add(std::move(t)));
  }

  void fold_constant_of_shape(const onnx::NodeProto& np, int input) {
    Tensor t;
    t.name = np.output(0);
    t.is_constant = true;
    t.shape = tensor(input).int_data;
    Tensor fill = scalar("", 0.0f);
    for (const auto& a : np.attribute()) {
      if (a.name() == "value") fill = tensor_from_proto(a.t(), t.name, where(np), budget_);
    }
    if (fill.data.size() + fill.int_data.size() != 1) {
      throw ModelError(where(np) + ": the value must hold exactly one element");
    }
    t.dtype = fill.dtype;
    auto n = static_cast<std::size_t>(
        checked_elements(t.shape, where(np) + ": output '" + t.name + "'"));
    budget_.claim(held_bytes(t.shape, t.dtype), where(np), t.name, t.shape);
    if (is_int_dtype(fill.dtype)) {
      t.int_data.assign(n, fill.int_data.at(0));
    } else {
      t.data.assign(n, fill.data.at(0));
    }
    std::string name = t.name;
    bind(name, add(std::move(t)));
  }

  // Evaluates a node whose inputs are all known constants with the reference executor.
  void fold(const onnx::NodeProto& np, const Node& node) {
    Graph tmp;
    tmp.name = graph_.name;
    Node copy = node;
    for (int& id : copy.inputs) {
      if (id < 0) continue;
      tmp.tensors.push_back(tensor(id));
      id = static_cast<int>(tmp.tensors.size()) - 1;
    }
    for (int& id : copy.outputs) {
      tmp.tensors.push_back(tensor(id));
      id = static_cast<int>(tmp.tensors.size()) - 1;
      tmp.outputs.push_back(id);
    }
    tmp.nodes.push_back(copy);
    std::vector<HostTensor> values;
    try {
      infer_node_shapes(tmp, 0);
    } catch (const ModelError& e) {
      throw ModelError(path_ + ": while folding constants: " + e.what());
    }
    for (int id : copy.outputs) {
      const Tensor& out = tmp.tensors[static_cast<std::size_t>(id)];
      budget_.claim(held_bytes(out.shape, out.dtype), where(np), out.name, out.shape);
    }
    try {
      values = run_reference(tmp, {});
    } catch (const ModelError& e) {
      throw ModelError(path_ + ": while folding constants: " + e.what(), e.kind(),
                       in_this_file(e.where()));
    }
    for (std::size_t k = 0; k < copy.outputs.size(); ++k) {
      Tensor& out = graph_.tensors[static_cast<std::size_t>(node.outputs[k])];
      const Tensor& shaped = tmp.tensors[static_cast<std::size_t>(copy.outputs[k])];
      out.shape = shaped.shape;
      out.dtype = shaped.dtype;
      out.is_constant = true;
      if (is_int_dtype(out.dtype)) {
        // Integer Div truncates in ONNX; other integer results are exact in fp32 here.
        for (float v : values[k].data) {
          out.int_data.push_back(
              static_cast<std::int64_t>(node.op == "Div" ? std::trunc(v) : std::round(v)));
        }
      } else {
        out.data = values[k].data;
      }
      bind(np.output(static_cast<int>(k)), node.outputs[k]);
    }
  }

  // Weight values are dropped on request; operands that shape the result keep theirs.
  void drop_weight_values() {
    std::vector<std::vector<Use>> uses(graph_.tensors.size());
    for (const Node& n : graph_.nodes) {
      for (std::size_t i = 0; i < n.inputs.size(); ++i) {
        if (n.inputs[i] >= 0) {
          uses[static_cast<std::size_t>(n.inputs[i])].push_back({n.op, static_cast<int>(i)});
        }
      }
    }
    for (std::size_t i = 0; i < graph_.tensors.size(); ++i) {
      Tensor& t = graph_.tensors[i];
      if (!t.is_constant || is_int_dtype(t.dtype) || num_elements(t.shape) <= 1) continue;
      bool operand = false;
      for (const Use& u : uses[i]) operand = operand || is_operand_use(u);
      if (!operand) t.data.clear();
    }
  }

  std::string path_;
  ImportOptions options_;
  SplitMix64 rng_;
  SizeBudget budget_;  // constants held (initializers, folded values, synthesized weights)
  std::int64_t opset_ = 17;
  std::int64_t exported_batch_ = 0;  // a static batch the options replaced
  std::set<int> unknown_;            // tensors of kept unknown operators, and after them
  Graph graph_;
  std::unordered_map<std::string, int> ids_;
  onnx_parameters::Uses uses_;
};

}  // namespace

Graph import_onnx(const std::string& path, const ImportOptions& options) {
  return Importer(path, options).run();
}

}  // namespace infsim::models
