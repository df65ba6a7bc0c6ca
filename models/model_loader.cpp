#include "models/model_loader.h"

#include <filesystem>

#include "models/model_error.h"
#include "models/onnx_import.h"

namespace infsim::models {

Graph load_model(const std::string& zoo_name_or_onnx_path, const ZooOptions& options,
                 bool keep_unknown_ops) {
  const std::string& name = zoo_name_or_onnx_path;
  bool onnx_suffix = name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0;
  std::error_code ec;
  if (onnx_suffix || std::filesystem::is_regular_file(name, ec)) {
    ImportOptions import;
    import.batch = options.batch;
    import.seed = options.seed;
    import.with_weights = options.with_weights;
    import.keep_unknown_ops = keep_unknown_ops;
    return import_onnx(name, import);
  }
  return build_zoo_model(name, options);
}

}  // namespace infsim::models
