// Models whose feature maps are larger than SBUF compile at their published input sizes: the
// maps go through DRAM in bands of rows, whichever layer kinds produce and read them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "compiler/compiler.h"
#include "isa/verifier.h"
#include "models/zoo.h"

namespace infsim::compiler {
namespace {

isa::Program compile_zoo(const std::string& model, bool cpu_fallback) {
  CompilerOptions options;
  options.dtype = isa::DType::kFp16;
  options.cpu_fallback = cpu_fallback;
  const isa::NeuronCoreConfig core;
  CompileResult r = compile(models::build_zoo_model(model, {}), core, options);
  const auto diagnostics = isa::verify_program(r.program, core);
  EXPECT_TRUE(diagnostics.empty()) << isa::format_diagnostics(diagnostics);
  return r.program;
}

bool spilled(const isa::Program& p, const std::string& name) {
  return std::any_of(p.tensors.begin(), p.tensors.end(), [&](const isa::TensorDecl& t) {
    return t.kind == isa::TensorKind::kSpill && t.name == name;
  });
}

// YOLOv4 at 608x608: the first CSP block's concatenation (128 channels of 304x304, 185 KB per
// partition in fp16 against 80 KiB) is assembled in DRAM.
TEST(CompilerLargeMaps, YoloV4At608) {
  const isa::Program p = compile_zoo("yolov4", true);
  EXPECT_TRUE(spilled(p, "down1.cat.output"));
}

// OpenPose at 368x432: pool1's output (64 channels of 184x216, 79 KB per partition plus its
// halo) is written to DRAM in bands and read back in bands by conv2_1.
TEST(CompilerLargeMaps, OpenPoseAt368x432) {
  const isa::Program p = compile_zoo("openpose", false);
  EXPECT_TRUE(spilled(p, "pool1.output"));
}

}  // namespace
}  // namespace infsim::compiler
