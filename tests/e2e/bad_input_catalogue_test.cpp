// The bad-input catalogue: every case is something a user or a file can hand infsim, and each
// must end the same way: exit 2, an "infsim: error:" message that names what is wrong and where
// (the key, the node, the flag, the file), no "internal error", and no output left behind (the
// case runs in a fresh directory holding only its inputs, and afterwards holds only them).
//
// Binary inputs live in tests/data/bad/ (tests/data/bad/make_bad_inputs.py writes them) and the
// reproducers of the reliability report in tests/data/reliability/; text inputs are inline.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "shell_helpers.h"
#include "tests/common/test_paths.h"

namespace infsim {
namespace {

namespace fs = std::filesystem;

struct BadInput {
  std::string name;     // the test's name
  std::string command;  // after `infsim`; $DATA is tests/data
  std::string message;  // must appear in the output: what is wrong, and where
  std::vector<std::pair<std::string, std::string>> files = {};  // written first (name, content)
  std::string env = "";                                         // e.g. INFSIM_MODEL_BUDGET=1MiB
};

std::ostream& operator<<(std::ostream& os, const BadInput& c) {
  return os << c.name;
}

const std::string kExperimentHead =
    "experiment: t\ninstance: inf1.xlarge\nmodels:\n  m: {model: tiny_cnn, batch: 1}\n";
std::string experiment(const std::string& process) {
  return kExperimentHead + "scenarios:\n  - name: s\n    processes:\n      - " + process + "\n";
}
const std::string kGoodProcess = "{group_sizes: \"1\", models: [m], workload: {requests: 2}}";
std::string study(const std::string& body) {
  return "study: s\nbase: {instance: inf1.xlarge, model: tiny_cnn}\nevaluate: [compile]\n" + body;
}
const std::string kInstanceHead =
    std::string("include: ") + INFSIM_SOURCE_DIR + "/configs/instances/inf1.xlarge.yaml\n";
const std::string kAsmHead =
    ".options model=\"m\" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false\n";

std::vector<BadInput> catalogue() {
  std::vector<BadInput> c = {
      // --- ONNX files (analyze: import, shape inference, constant folding) ---
      {"OnnxFoldNoOutput", "analyze $DATA/reliability/onnx_fold_no_output.onnx",
       "(op Flatten): no output"},
      {"OnnxConcatFoldNoOutput", "analyze $DATA/reliability/onnx_segv_concat.onnx", "no output"},
      {"OnnxTransposeFoldNoOutput", "analyze $DATA/reliability/onnx_segv_transpose.onnx",
       "no output"},
      {"OnnxConstantNoOutput", "analyze $DATA/reliability/onnx_constant_no_output.onnx",
       "(op Constant): no output"},
      {"OnnxShapeNoInput", "analyze $DATA/reliability/onnx_shape_no_input.onnx",
       "(op Shape): missing input 0"},
      {"OnnxMaxSize", "analyze $DATA/reliability/onnx_max_size.onnx", "onnx_max_size.onnx: "},
      {"OnnxConstantOfShape1e10", "analyze $DATA/reliability/onnx_constantofshape_1e10.onnx",
       "over the model size budget"},
      {"OnnxFold5GiB", "analyze $DATA/reliability/onnx-lf-fold-5GiB.onnx",
       "over the model size budget"},
      {"OnnxFold7GiB", "analyze $DATA/reliability/onnx-lf-fold-7GiB.onnx",
       "over the model size budget"},
      {"OnnxReshapeHuge", "analyze $DATA/reliability/onnx_reshape_huge.onnx",
       "node 'r' (op Reshape)"},
      {"OnnxReluNoOutput", "analyze $DATA/bad/onnx/relu_no_output.onnx",
       "node 'relu' (op Relu): no output"},
      {"OnnxShapeNoOutput", "analyze $DATA/bad/onnx/shape_no_output.onnx",
       "node 'shape' (op Shape): no output"},
      {"OnnxSizeNoInput", "analyze $DATA/bad/onnx/size_no_input.onnx",
       "node 'size' (op Size): missing input 0"},
      {"OnnxCastNoInput", "analyze $DATA/bad/onnx/cast_no_input.onnx", "node 'cast' (op Cast)"},
      {"OnnxConvStride0", "analyze $DATA/bad/onnx/conv_stride_0.onnx",
       "node 'conv' (op Conv): stride 0 out of range"},
      {"OnnxConvDilation0", "analyze $DATA/bad/onnx/conv_dilation_0.onnx",
       "node 'conv' (op Conv): dilation 0 out of range"},
      {"OnnxConvNegativePad", "analyze $DATA/bad/onnx/conv_negative_pad.onnx",
       "node 'conv' (op Conv): padding -1 out of range"},
      {"OnnxConvHugeStride", "analyze $DATA/bad/onnx/conv_huge_kernel_attr.onnx",
       "node 'conv' (op Conv): stride 4611686018427387904"},
      {"OnnxConvGroup0", "analyze $DATA/bad/onnx/conv_group_0.onnx",
       "node 'conv' (op Conv): input channels 3"},
      {"OnnxConvWindowTooBig", "analyze $DATA/bad/onnx/conv_window_too_big.onnx",
       "node 'conv' (op Conv): window 9 does not fit"},
      {"OnnxInputDimZero", "analyze $DATA/bad/onnx/input_dim_zero.onnx",
       "input 'x' has dimension 0 at position 1; dimensions must be positive"},
      {"OnnxInputDimNegative", "analyze $DATA/bad/onnx/input_dim_negative.onnx",
       "input 'x' has dimension -8 at position 2"},
      {"OnnxInputSymbolic", "analyze $DATA/bad/onnx/input_symbolic_dim.onnx",
       "input 'x' has a symbolic dimension 'n' at position 2"},
      {"OnnxInputHuge", "analyze $DATA/bad/onnx/input_huge.onnx",
       "input 'x': shape [1, 3000000000, 3000000000, 3000000000] has more than 2^48 elements"},
      {"OnnxInputStringType", "analyze $DATA/bad/onnx/input_string_type.onnx",
       "input 'x': unsupported element type 8"},
      {"OnnxInitializerNegativeDim", "analyze $DATA/bad/onnx/initializer_negative_dim.onnx",
       "tensor 'k': shape [-1] has a negative dimension"},
      {"OnnxInitializerRawSize", "analyze $DATA/bad/onnx/initializer_raw_size.onnx",
       "tensor 'k': raw data holds 3 bytes, expected 16"},
      {"OnnxInitializerCount", "analyze $DATA/bad/onnx/initializer_count.onnx",
       "tensor 'k': holds 3 values, shape [4] needs 4"},
      {"OnnxInitializerExternal", "analyze $DATA/bad/onnx/initializer_external.onnx",
       "tensor 'k' uses external data"},
      {"OnnxInitializerHuge", "analyze $DATA/bad/onnx/initializer_huge.onnx",
       "tensor 'k' [1000000, 1000000] needs 3.64 TiB over the model size budget of 2 GiB"},
      // `analyze` lists an unknown operator as unsupported (as torch.neuron.analyze_model does);
      // compiling it is the error.
      {"OnnxUnsupportedOp", "compile $DATA/bad/onnx/unsupported_op.onnx -o out.ifx",
       "node 'frobnicate' (op Frobnicate): unsupported operator"},
      {"OnnxUnknownDomain", "analyze $DATA/bad/onnx/unknown_domain.onnx",
       "node 'relu' (op Relu): operator domain 'com.example'"},
      {"OnnxDanglingInput", "analyze $DATA/bad/onnx/dangling_input.onnx",
       "node 'relu' (op Relu): input 'nope' is not produced before use"},
      {"OnnxOutputNotProduced", "analyze $DATA/bad/onnx/output_not_produced.onnx",
       "graph output 'z' is produced by no node"},
      {"OnnxNoDataInput", "analyze $DATA/bad/onnx/no_data_input.onnx",
       "no_data_input.onnx: the model has no data input"},
      {"OnnxEmptyGraph", "analyze $DATA/bad/onnx/empty_graph.onnx",
       "empty_graph.onnx: not a valid ONNX model"},
      {"OnnxNotProtobuf", "analyze $DATA/bad/onnx/not_protobuf.onnx",
       "not_protobuf.onnx: not a valid ONNX model"},
      {"OnnxMissingFile", "analyze nothing_here.onnx", "nothing_here.onnx: no such ONNX file"},
      {"OnnxConstantOfShapeTwoValues", "analyze $DATA/bad/onnx/constantofshape_two_values.onnx",
       "(op ConstantOfShape): the value must hold exactly one element"},
      {"OnnxConstantOfShapeNegative", "analyze $DATA/bad/onnx/constantofshape_negative.onnx",
       "(op ConstantOfShape): output 'c': shape [-5] has a negative dimension"},
      {"OnnxConcatAxis", "analyze $DATA/bad/onnx/concat_axis_out_of_range.onnx",
       "node 'concat' (op Concat): axis 7 out of range"},
      {"OnnxPadReflect", "analyze $DATA/bad/onnx/pad_reflect.onnx",
       "node 'pad' (op Pad): only constant padding"},
      {"OnnxPadHuge", "analyze $DATA/bad/onnx/pad_huge.onnx",
       "node 'pad' (op Pad): padding 4611686018427387904"},
      {"OnnxReshapeTwoMinusOne", "analyze $DATA/bad/onnx/reshape_two_minus_one.onnx",
       "node 'reshape' (op Reshape): more than one -1"},
      {"OnnxReshapeMismatch", "analyze $DATA/bad/onnx/reshape_mismatch.onnx",
       "node 'reshape' (op Reshape): cannot reshape [1, 3, 8, 8]"},
      {"OnnxResizeCubic", "analyze $DATA/bad/onnx/resize_cubic.onnx",
       "node 'resize' (op Resize): only nearest and linear"},
      {"OnnxResizeHugeScale", "analyze $DATA/bad/onnx/resize_huge_scale.onnx",
       "node 'resize' (op Resize): scale"},
      {"OnnxGemmMismatch", "analyze $DATA/bad/onnx/gemm_mismatch.onnx",
       "node 'gemm' (op Gemm): inner dimensions differ"},
      {"OnnxMatMulMismatch", "analyze $DATA/bad/onnx/matmul_mismatch.onnx",
       "node 'matmul' (op MatMul): inner dimensions differ"},
      {"OnnxBroadcastMismatch", "analyze $DATA/bad/onnx/broadcast_mismatch.onnx",
       "node 'add' (op Add): shapes [1, 3, 8, 8] and [5] do not broadcast"},
      {"OnnxTransposePerm", "analyze $DATA/bad/onnx/transpose_bad_perm.onnx",
       "node 'transpose' (op Transpose): perm [0, 1, 2, 7]"},
      {"OnnxOverBudget",
       "analyze $DATA/onnx/resnet18_w8.onnx",
       "over the model size budget of 64 KiB (INFSIM_MODEL_BUDGET)",
       {},
       "INFSIM_MODEL_BUDGET=64KiB"},
      {"OnnxBadBudgetVariable",
       "analyze $DATA/onnx/tiny_cnn.onnx",
       "INFSIM_MODEL_BUDGET='lots': expected a positive number of bytes",
       {},
       "INFSIM_MODEL_BUDGET=lots"},
      {"OnnxCompileOutputLeftOut", "compile $DATA/bad/onnx/conv_stride_0.onnx -o out.ifx",
       "stride 0 out of range"},

      // --- .npy inputs of run --functional ---
      {"NpyShapeOverflow",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --dtype fp32 --input "
       "$DATA/reliability/npy_shape_overflow.npy --output y.npy",
       "npy_shape_overflow.npy: npy header: dimension 99999999999999999999 is too large"},
      {"NpyShapeWrap",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --dtype fp32 --input "
       "$DATA/reliability/npy_shape_wrap.npy --output y.npy",
       "npy_shape_wrap.npy: npy header: "},
      {"NpyBadMagic",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/bad_magic.npy "
       "--output y.npy",
       "bad_magic.npy: not a .npy file (bad magic)"},
      {"NpyVersion9",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/version_9.npy "
       "--output y.npy",
       "version_9.npy: unsupported .npy format version 9"},
      {"NpyTruncatedHeader",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input "
       "$DATA/bad/npy/truncated_header.npy --output y.npy",
       "truncated_header.npy: truncated .npy header"},
      {"NpyNoDescr",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/no_descr.npy "
       "--output y.npy",
       "no_descr.npy: npy header has no 'descr' entry"},
      {"NpyFortranOrder",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/fortran_order.npy "
       "--output y.npy",
       "fortran_order.npy: Fortran-order arrays are not supported"},
      {"NpyInt64",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/int64.npy --output "
       "y.npy",
       "int64.npy: unsupported dtype '<i8'"},
      {"NpyDataShort",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input $DATA/bad/npy/data_short.npy "
       "--output y.npy",
       "data_short.npy: data holds 100 bytes, shape [1, 3, 8, 8] needs 768"},
      {"NpyMissing",
       "run --functional --model $DATA/onnx/tiny_cnn.onnx --input none.npy --output y.npy",
       "none.npy: cannot open .npy file"},

      // --- .ifx programs (verify, run) ---
      {"IfxBytesOutsideSections", "verify $DATA/reliability/ifx-roundtrip-1.ifx",
       "ifx-roundtrip-1.ifx: 7 bytes at payload offset"},
      {"IfxGapBetweenSections", "verify $DATA/bad/ifx/bytes_outside_sections.ifx",
       "bytes_outside_sections.ifx: 7 bytes at payload offset 144 lie outside every section"},
      {"IfxEmpty", "verify $DATA/bad/ifx/empty.ifx", "empty.ifx: empty file, not an .ifx program"},
      {"IfxBadMagic", "verify $DATA/bad/ifx/bad_magic.ifx",
       "bad_magic.ifx: not an .ifx program: bad magic 'IFX2'"},
      {"IfxTruncatedHeader", "verify $DATA/bad/ifx/truncated_header.ifx",
       "truncated_header.ifx: truncated .ifx header: 10 bytes"},
      {"IfxVersion2", "verify $DATA/bad/ifx/version_2.ifx",
       "version_2.ifx: .ifx format version 2 is not supported"},
      {"IfxChecksum", "verify $DATA/bad/ifx/checksum.ifx", "checksum.ifx: checksum mismatch"},
      {"IfxTrailingBytes", "verify $DATA/bad/ifx/trailing_bytes.ifx",
       "trailing_bytes.ifx: 3 unexpected bytes after the payload"},
      {"IfxTruncatedPayload", "verify $DATA/bad/ifx/truncated_payload.ifx",
       "truncated_payload.ifx: truncated: the header declares"},
      {"IfxSectionOverrun", "verify $DATA/bad/ifx/section_overrun.ifx",
       "section_overrun.ifx: section 'options' (offset"},
      {"IfxSectionTwice", "verify $DATA/bad/ifx/section_twice.ifx",
       "section_twice.ifx: section 'options' appears twice"},
      {"IfxDisasmOutputLeftOut", "disasm $DATA/bad/ifx/checksum.ifx -o out.s",
       "checksum.ifx: checksum mismatch"},
      {"IfxRunBadProgram", "run --model $DATA/bad/ifx/checksum.ifx --iterations 2 --json r.json",
       "checksum.ifx: checksum mismatch"},

      // --- assembler text (asm FILE -o OUT.ifx) ---
      {"AsmNoCoreVerify",
       "asm e.s -o e.ifx && infsim verify e.ifx",
       "program: has no NeuronCore",
       {{"e.s", ""}}},
      {"AsmNoCoreRun",
       "asm e.s -o e.ifx && infsim run --model e.ifx --iterations 2 --json r.json",
       "has no NeuronCore",
       {{"e.s", ""}}},
      {"AsmUnknownDirective",
       "asm a.s -o a.ifx",
       "a.s:2: unknown directive",
       {{"a.s", kAsmHead + ".frobnicate\n"}}},
      {"AsmInstructionOutsideQueue",
       "asm a.s -o a.ifx",
       "a.s:4: instruction outside a .queue (at 'frobnicate')",
       {{"a.s", kAsmHead + ".core 0\n.inference\nfrobnicate\n"}}},
      {"AsmBadOptionsKey",
       "asm a.s -o a.ifx",
       "a.s:1:",
       {{"a.s", ".options model=\"m\" batch=x\n"}}},
      {"AsmUnterminatedString",
       "asm a.s -o a.ifx",
       "a.s:1: unterminated string",
       {{"a.s", ".options model=\"m\n"}}},
      {"AsmBadEscape",
       "asm a.s -o a.ifx",
       "a.s:1: bad escape in string",
       {{"a.s", ".options model=\"a\\q\" batch=1\n"}}},
      {"AsmMissingFile", "asm none.s -o a.ifx", "none.s"},
      {"AsmTensorBadKind",
       "asm a.s -o a.ifx",
       "a.s:2:",
       {{"a.s", kAsmHead + ".tensor \"x\" kind=frob dtype=bf16 shape=[1] dim_order=[0] core=0 "
                           "offset=0x0 bytes=2\n"}}},
      {"AsmQueueBeforeCore", "asm a.s -o a.ifx", "a.s:2:", {{"a.s", kAsmHead + ".queue tensor\n"}}},
      {"AsmNonUtf8Name",
       "asm a.s -o a.ifx",
       "a.s:1:",
       {{"a.s", ".options model=\"\x9f\" batch=x\n"}}},

      // --- instance config files (config show FILE) ---
      {"InstanceYamlSyntax",
       "config show i.yaml",
       "i.yaml:3: YAML syntax error",
       {{"i.yaml", kInstanceHead + "instance: [\n"}}},
      {"InstanceUnknownKey",
       "config show i.yaml",
       "unknown key 'chip.dram.bandwith'",
       {{"i.yaml", kInstanceHead + "chip:\n  dram:\n    bandwith: 1GB/s\n"}}},
      {"InstanceBadUnit",
       "config show i.yaml",
       "chip.dram.bandwidth",
       {{"i.yaml", kInstanceHead + "chip:\n  dram:\n    bandwidth: 100GiB\n"}}},
      {"InstanceOutOfRange",
       "config show i.yaml",
       "chip.core.semaphores",
       {{"i.yaml", kInstanceHead + "chip:\n  core:\n    semaphores: 0\n"}}},
      {"InstanceDuplicateKey",
       "config show i.yaml",
       "duplicate key 'chip.cores'",
       {{"i.yaml", kInstanceHead + "chip:\n  cores: 4\n  cores: 4\n"}}},
      {"InstanceMissingInclude",
       "config show i.yaml",
       "include 'nowhere.yaml': no such file",
       {{"i.yaml", "include: nowhere.yaml\n"}}},
      {"InstanceIncludeCycle",
       "config show i.yaml",
       "include cycle",
       {{"i.yaml", "include: i.yaml\n"}}},
      {"InstanceMissingKey",
       "config show i.yaml",
       "missing key",
       {{"i.yaml", "instance:\n  name: x\n"}}},
      {"InstanceSectionAsValue",
       "config show i.yaml",
       "'chip.dram' is a section, not a value",
       {{"i.yaml", kInstanceHead + "chip:\n  dram: 4\n"}}},
      {"InstanceNameNewline",
       "config show i.yaml",
       "instance.name: the text holds a control character",
       {{"i.yaml", kInstanceHead + "instance:\n  name: \"a\\nb\"\n"}}},
      {"SetNameNotUtf8", "config show --set 'instance.name=\xff'",
       "instance.name: the text is not valid UTF-8"},
      {"InstanceUnknownName", "config show inf1.huge", "unknown instance 'inf1.huge'"},
      {"InstanceCrossField",
       "config show i.yaml",
       "chip.core.psum.banks",
       {{"i.yaml", kInstanceHead + "chip:\n  core:\n    psum:\n      banks: 7\n"}}},

      // --- --set ---
      {"SetUnknownKey", "config show --set chip.dram.bandwith=100GiB/s",
       "unknown key 'chip.dram.bandwith'"},
      {"SetBadUnit", "config show --set chip.dram.bandwidth=100GiB", "chip.dram.bandwidth"},
      {"SetNoEquals", "config show --set chip.dram.bandwidth", "--set 'chip.dram.bandwidth'"},
      {"SetOutOfRange", "config show --set chip.core.semaphores=5000", "chip.core.semaphores"},
      {"SetNotWhole", "config show --set chip.cores=1.5", "chip.cores"},
      {"SetSection", "config show --set chip.dram=1", "'chip.dram' is a section, not a value"},
      {"SetOnRun", "run --model tiny_cnn --iterations 2 --set chip.core.clock=fast --json r.json",
       "chip.core.clock"},
      {"SetFewSemaphores",
       "run --model tiny_cnn --iterations 2 --set chip.core.semaphores=4 --json r.json",
       "more semaphores per NeuronCore than the 4 of chip.core.semaphores"},
      {"SetHugeSbufFunctional",
       "run --functional --model tiny_cnn --set chip.core.sbuf.size=1TB --output y.npy",
       "functional mode: the SBUF and PSUM of 4 NeuronCores (chip.core.sbuf.size"},

      // --- experiment files (run FILE) ---
      {"ExperimentGroupSizesOverflow",
       "run $DATA/reliability/group_sizes_overflow.yaml --json r.json",
       "NEURONCORE_GROUP_SIZES '1,1,99999999999999999999,1"},
      {"ExperimentNonUtf8Name", "run $DATA/reliability/utf8_scenario.yaml --json r.json",
       "scenarios[0].name: the text is not valid UTF-8"},
      {"ExperimentUnknownKey",
       "run e.yaml --json r.json",
       "e.yaml:2",
       {{"e.yaml", "experiment: t\nfrobnicate: 1\n"}}},
      {"ExperimentThreads",
       "run e.yaml --json r.json",
       "threads: value 50000 out of range [1, 4096]",
       {{"e.yaml", experiment("{group_sizes: \"1\", models: [m], workload: {threads: 50000}}")}}},
      {"ExperimentRequestsHuge",
       "run e.yaml --json r.json",
       "requests",
       {{"e.yaml", experiment("{group_sizes: \"1\", models: [m], workload: {requests: 1e308}}")}}},
      {"ExperimentRequestsOverflow",
       "run e.yaml --json r.json",
       "requests: value 99999999999999999999999 out of range",
       {{"e.yaml",
         experiment(
             "{group_sizes: \"1\", models: [m], workload: {requests: 99999999999999999999999}}")}}},
      {"ExperimentUnknownModel",
       "run e.yaml --json r.json",
       "models[0]: unknown model id 'q'",
       {{"e.yaml", experiment("{group_sizes: \"1\", models: [q]}")}}},
      {"ExperimentBadCall",
       "run e.yaml --json r.json",
       "expected predict or data_parallel",
       {{"e.yaml", experiment("{group_sizes: \"1\", models: [m], workload: {call: shout}}")}}},
      {"ExperimentOpenNoRate",
       "run e.yaml --json r.json",
       "open-loop arrivals need a rate",
       {{"e.yaml", experiment("{group_sizes: \"1\", models: [m], workload: {arrivals: open}}")}}},
      {"ExperimentTimesDecrease",
       "run e.yaml --json r.json",
       "arrival times must not decrease",
       {{"e.yaml",
         experiment(
             "{group_sizes: \"1\", models: [m], workload: {arrivals: list, times: [2ms, 1ms]}}")}}},
      {"ExperimentBadDtype",
       "run e.yaml --json r.json",
       "expected bf16, fp16 or fp32",
       {{"e.yaml",
         "experiment: t\nmodels:\n  m: {model: tiny_cnn, dtype: fp64}\nscenarios:\n  - name: s\n   "
         " processes:\n      - " +
             kGoodProcess + "\n"}}},
      {"ExperimentGroupSizeZero",
       "run e.yaml --json r.json",
       "group sizes must be 1..4096",
       {{"e.yaml", experiment("{group_sizes: \"1,0\", models: [m]}")}}},
      {"ExperimentYamlSyntax",
       "run e.yaml --json r.json",
       "e.yaml",
       {{"e.yaml", "experiment: [\n"}}},
      {"ExperimentMissing", "run none.yaml --json r.json", "none.yaml"},

      // --- study files (sweep FILE --out o) ---
      {"StudyUnknownParameter",
       "sweep s.yaml --out o",
       "chip.core.clok",
       {{"s.yaml", study("parameters:\n  chip.core.clok: [1GHz]\n")}}},
      {"StudyTooManyPoints",
       "sweep s.yaml --out o",
       "s.yaml has 11996 points, more than --max-points 10000",
       {{"s.yaml",
         study(
             "parameters:\n  chip.core.clock: {from: 0.5GHz, to: 1.6995GHz, step: 0.0001GHz}\n")}}},
      {"StudyMaxPointsFlag",
       "sweep s.yaml --out o --max-points 1",
       "more than --max-points 1",
       {{"s.yaml", study("parameters:\n  batch: [1, 2]\n")}}},
      {"StudyBadCombine",
       "sweep s.yaml --out o",
       "expected grid or zip",
       {{"s.yaml", study("parameters:\n  batch: [1, 2]\ncombine: cross\n")}}},
      {"StudyRepeatedValue",
       "sweep s.yaml --out o",
       "value '1' appears twice",
       {{"s.yaml", study("parameters:\n  batch: [1, 1]\n")}}},
      {"StudyLabelsOnGrid",
       "sweep s.yaml --out o",
       "labels name the points of a zip",
       {{"s.yaml", study("parameters:\n  batch: [1, 2]\nlabels: [a, b]\n")}}},
      {"StudyYamlSyntax", "sweep s.yaml --out o", "s.yaml", {{"s.yaml", "study: [\n"}}},
      // Found by fuzz_study_yaml: a metric name that is not UTF-8 escaped as a JSON type_error.
      {"StudyMetricNotUtf8", "sweep $DATA/bad/study/fuzz_metric_not_utf8.yaml --out o",
       "fuzz_metric_not_utf8.yaml:19: metrics[1]: the text is not valid UTF-8"},
      {"StudyDescriptionNotUtf8",
       "sweep s.yaml --out o",
       "s.yaml:6: description: the text is not valid UTF-8",
       {{"s.yaml", study("parameters:\n  batch: [1, 2]\ndescription: \"a\xff\"\n")}}},
      {"StudyJobsOutOfRange",
       "sweep s.yaml --out o --jobs 100000",
       "--jobs 100000 out of range [0, 1024]",
       {{"s.yaml", study("parameters:\n  batch: [1, 2]\n")}}},

      // --- command-line flags ---
      {"FlagThreads", "run --model tiny_cnn --threads 50000 --iterations 2 --json r.json",
       "run: --threads 50000 out of range [0, 4096]"},
      {"FlagCores", "run --model tiny_cnn --cores 100000 --iterations 2 --json r.json",
       "run: --cores 100000 out of range [1, 4096]"},
      {"FlagIterations", "run --model tiny_cnn --iterations 0 --json r.json",
       "run: --iterations 0 out of range"},
      {"FlagBatch", "run --model tiny_cnn --batch 0 --json r.json", "run: --batch 0 out of range"},
      {"FlagImageSize", "run --model tiny_cnn --image-size 100000 --json r.json",
       "run: --image-size 100000 out of range [8, 4096]"},
      {"FlagDetail", "run --model tiny_cnn --detail half --json r.json",
       "--detail must be sampled or full"},
      {"FlagUnknown", "run --frobnicate", "run: unrecognised option '--frobnicate'"},
      {"FlagNotANumber", "run --model tiny_cnn --iterations many --json r.json", "--iterations"},
      {"FlagExperimentAndModel",
       "run e.yaml --model tiny_cnn --json r.json",
       "give either an experiment file or --model",
       {{"e.yaml", experiment(kGoodProcess)}}},
      {"FlagOutIsAFile",
       "run --model tiny_cnn --iterations 2 --out f",
       "run: --out f is not a directory",
       {{"f", "x"}}},
      {"FlagOutUnwritable", "run --model tiny_cnn --iterations 2 --out /proc/x",
       "run: --out: cannot create the directory /proc/x"},
      {"FlagSecondOutputFails",
       "run --model tiny_cnn --iterations 2 --json r.json --csv nodir/r.csv",
       "--csv nodir/r.csv: no directory nodir"},
      {"FlagFunctionalDtype", "run --functional --model tiny_cnn --dtype int8 --output y.npy",
       "run: --dtype must be bf16, fp16 or fp32"},
      {"FlagFunctionalNoModel", "run --functional --output y.npy",
       "run --functional needs --model"},
      {"FlagUnknownModel", "run --model frobnet --iterations 2 --json r.json", "frobnet"},
      {"FlagUnknownInstance", "run --model tiny_cnn --instance inf9.huge --json r.json",
       "unknown instance 'inf9.huge'"},
      {"FlagTableBatches", "table --models tiny_cnn --batches x --csv t.csv",
       "table: --batches takes positive integers, not 'x'"},
      {"FlagSweepModes", "sweep s.yaml --point 1 --merge d",
       "--point, --emit-jobs and --merge exclude each other"},
      {"FlagUnknownCommand", "frobnicate", "unknown command 'frobnicate'"},
      {"FlagCompileOutputLeftOut", "compile frobnet -o out.ifx", "frobnet"},
  };
  return c;
}

class BadInputCatalogue : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputCatalogue, Exits2WithALocatedMessageAndNoOutput) {
  const BadInput& c = GetParam();
  const fs::path dir =
      fs::temp_directory_path() / ("infsim-bad-input-" + c.name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::set<std::string> inputs;
  for (const auto& [name, content] : c.files) {
    std::ofstream(dir / name, std::ios::binary) << content;
    inputs.insert(name);
  }
  std::string command = c.command;
  for (std::size_t at; (at = command.find("$DATA")) != std::string::npos;) {
    command.replace(at, 5, INFSIM_TEST_DATA);
  }
  for (std::size_t at = 0; (at = command.find("infsim ", at)) != std::string::npos;) {
    command.replace(at, 7, std::string(INFSIM_BINARY) + " ");
    at += std::string(INFSIM_BINARY).size();
  }
  const testing::Output out = testing::shell(c.env + " " + INFSIM_BINARY + " " + command, dir);
  EXPECT_EQ(out.code, 2) << out.text;
  EXPECT_NE(out.text.find("infsim: error: "), std::string::npos) << out.text;
  EXPECT_NE(out.text.find(c.message), std::string::npos) << "expected: " << c.message << "\n"
                                                         << out.text;
  EXPECT_EQ(out.text.find("internal error"), std::string::npos) << out.text;
  std::set<std::string> left;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    left.insert(fs::relative(e.path(), dir).string());
  }
  // A case that first makes an input with `asm` (AsmNoCore*) keeps that program.
  left.erase("e.ifx");
  EXPECT_EQ(left, inputs) << "files left behind in " << dir;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputCatalogue, ::testing::ValuesIn(catalogue()),
                         [](const auto& info) { return info.param.name; });

TEST(BadInputCatalogue, HoldsAtLeastAHundredCases) {
  EXPECT_GE(catalogue().size(), 100u);
}

}  // namespace
}  // namespace infsim
