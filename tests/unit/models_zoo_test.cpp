// Zoo models against their published sizes. Parameter counts and MACs at batch 1 come from
// torchvision 0.14 (sum(p.numel() for p in model.parameters()); MACs of Conv2d/Linear counted
// with forward hooks, which reproduce the GFLOPS column of torchvision's model table: resnet18
// 1.81, resnet34 3.66, resnet50 4.09, resnet101 7.80, resnet152 11.51, vgg16 15.47,
// mobilenet_v2 0.30, inception_v3 5.71) and from Hugging Face transformers (bert-base-uncased:
// 109,482,240 parameters, of which embeddings 23,837,184 and pooler 590,592 are not in the
// encoder graph; distilbert-base-uncased: 66,362,880, embeddings 23,835,648).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "models/graph_stats.h"
#include "models/model_error.h"
#include "models/zoo.h"
#include "tests/common/test_paths.h"

namespace infsim::models {
namespace {

struct Expected {
  const char* name;
  std::uint64_t params;
  std::uint64_t macs;
};

// Inception-v3: torchvision's inception_v3(aux_logits=False) has 23,834,568 parameters (its
// table's 27,161,264 includes the auxiliary classifier).
const Expected kPublished[] = {
    {"resnet18", 11'689'512, 1'814'073'344},
    {"resnet34", 21'797'672, 3'663'761'408},
    {"resnet50", 25'557'032, 4'089'184'256},
    {"resnet101", 44'549'160, 7'801'405'440},
    {"resnet152", 60'192'808, 11'513'626'624},
    {"vgg16", 138'357'544, 15'470'264'320},
    {"mobilenet_v2", 3'504'872, 300'774'272},
    {"inception_v3", 23'834'568, 5'713'216'096},
    // Encoder only: 109,482,240 - 23,837,184 - 590,592. MACs at seq 128, per layer:
    // QKV+output projections 4*128*768*768 + FFN 2*128*768*3072 + attention 2*12*128*128*64
    // = 931,135,488; x12.
    {"bert_base", 85'054'464, 11'173'625'856},
    // Hugging Face bert-base-cased's 108,310,272 without the pooler's 590,592: the encoder plus
    // the embeddings (28,996 + 512 + 2 rows of 768, LayerNorm 2 x 768); lookups add no MACs.
    {"bert_base_cased", 107'719'680, 11'173'625'856},
    // 66,362,880 - 23,835,648 embeddings; 6 of the same layers.
    {"distilbert_base", 42'527'232, 5'586'812'928},
};

TEST(ModelsZoo, PublishedParameterCountsAndMacs) {
  for (const auto& e : kPublished) {
    SCOPED_TRACE(e.name);
    Graph g = build_zoo_model(e.name, {});
    EXPECT_NO_THROW(validate(g));
    GraphStats s = compute_stats(g);
    EXPECT_EQ(s.params, e.params);
    EXPECT_EQ(s.macs, e.macs);
  }
}

// The detection, pose and newer encoder models against tools/scripts/zoo_reference.py, which builds
// each from its reference implementation in PyTorch (pytorch-YOLOv4's structure, CMU OpenPose,
// torchvision ssd300_vgg16, torch TransformerEncoderLayer for BERT-large, torchtext's RoBERTa
// configuration) and counts parameters and Conv/Linear MACs with hooks (attention products
// added as 2*S*S*D per layer). The numbers are committed in tests/data/zoo/reference_counts.csv.
TEST(ModelsZoo, ReferenceImplementationCountsAndMacs) {
  std::ifstream in(std::string(INFSIM_TEST_DATA) + "/zoo/reference_counts.csv");
  ASSERT_TRUE(in) << "tests/data/zoo/reference_counts.csv";
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "model,params,macs");
  int checked = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string name, params, macs;
    std::getline(row, name, ',');
    std::getline(row, params, ',');
    std::getline(row, macs, ',');
    SCOPED_TRACE(name);
    const GraphStats s = compute_stats(build_zoo_model(name, {}));
    // The YOLO layer's anchor sizes (3 heads x 3 anchors x (w, h)) are constants of the export,
    // not parameters of the torch model, but count as float constants here.
    const std::uint64_t anchors = name == "yolov4" ? 18 : 0;
    EXPECT_EQ(s.params, std::stoull(params) + anchors);
    EXPECT_EQ(s.macs, std::stoull(macs));
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

// What the exporters write for them: Mish as Softplus/Tanh/Mul, SPP pools, the YOLO layer's
// 5-D views; the SSD L2Norm chain; the RoBERTa mask chain; OpenPose's six stages.
TEST(ModelsZoo, DetectionAndMaskedModelsHaveTheirExportShape) {
  GraphStats yolo = compute_stats(build_zoo_model("yolov4", {}));
  EXPECT_EQ(yolo.op_counts["Conv"], 110);
  EXPECT_EQ(yolo.op_counts["Softplus"], 72);  // every CSPDarknet53 conv is Mish
  EXPECT_EQ(yolo.op_counts["LeakyRelu"], 107 - 72);
  EXPECT_EQ(yolo.op_counts["MaxPool"], 3);
  EXPECT_EQ(yolo.op_counts["Resize"], 2);
  Graph y = build_zoo_model("yolov4", {});
  EXPECT_EQ(y.tensors[static_cast<std::size_t>(y.outputs[0])].shape,
            (Shape{1, 3 * (76 * 76 + 38 * 38 + 19 * 19), 85}));
  Graph ssd = build_zoo_model("ssd300", {});
  ASSERT_EQ(ssd.outputs.size(), 2u);
  EXPECT_EQ(ssd.tensors[static_cast<std::size_t>(ssd.outputs[0])].shape, (Shape{1, 8732, 4}));
  EXPECT_EQ(ssd.tensors[static_cast<std::size_t>(ssd.outputs[1])].shape, (Shape{1, 8732, 91}));
  EXPECT_EQ(compute_stats(ssd).op_counts["ReduceL2"], 1);
  GraphStats pose = compute_stats(build_zoo_model("openpose", {}));
  EXPECT_EQ(pose.op_counts["Conv"], 10 + 2 + 2 * 5 + 5 * 2 * 7);
  EXPECT_EQ(pose.op_counts["Concat"], 5);
  Graph roberta = build_zoo_model("roberta_base", {});
  ASSERT_EQ(roberta.inputs.size(), 2u);
  EXPECT_EQ(roberta.tensors[static_cast<std::size_t>(roberta.inputs[1])].dtype, DType::kInt64);
  GraphStats r = compute_stats(roberta);
  EXPECT_EQ(r.op_counts["Cast"], 1);
  EXPECT_EQ(r.op_counts["Add"], 12 * 9);  // 6 biases, 2 residuals, the mask, per layer
  EXPECT_EQ(compute_stats(build_zoo_model("bert_large", {})).op_counts["LayerNormalization"], 48);
}

TEST(ModelsZoo, EveryListedModelBuildsAndValidates) {
  auto list = zoo_list();
  ASSERT_GE(list.size(), 18u);
  for (const auto& entry : list) {
    SCOPED_TRACE(entry.name);
    EXPECT_FALSE(entry.description.empty());
    Graph g = build_zoo_model(entry.name, {});
    EXPECT_EQ(g.name, entry.name);
    // roberta models also take the attention mask, bert_base_cased the token ids, mask and token
    // types; ssd300 and openpose have two outputs.
    const bool masked = entry.name.find("roberta") != std::string::npos;
    const bool two_outputs = entry.name == "ssd300" || entry.name == "openpose";
    EXPECT_EQ(g.inputs.size(), entry.name == "bert_base_cased" ? 3u : masked ? 2u : 1u);
    EXPECT_EQ(g.outputs.size(), two_outputs ? 2u : 1u);
    EXPECT_NO_THROW(validate(g));
    // Without weights only operand constants carry values: scalars, Resize scales, anchors.
    for (const Tensor& t : g.tensors) {
      const bool operand = t.name.find(".scales") != std::string::npos ||
                           t.name.find(".anchors") != std::string::npos;
      EXPECT_TRUE(t.data.empty() || num_elements(t.shape) <= 1 || operand) << t.name;
    }
  }
}

TEST(ModelsZoo, SmallModelsHaveTheDocumentedStructure) {
  Graph g = build_zoo_model("single_conv", {});
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op, "Conv");
  EXPECT_EQ(g.nodes[0].inputs.size(), 3u);  // with bias
  EXPECT_EQ(g.nodes[1].op, "Relu");
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.inputs[0])].shape, (Shape{1, 64, 56, 56}));
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{1, 64, 56, 56}));
  // 64*64*3*3 + 64 parameters; 56*56*64 outputs x 576 MACs each.
  EXPECT_EQ(compute_stats(g).params, 36'928u);
  EXPECT_EQ(compute_stats(g).macs, 115'605'504u);

  GraphStats tiny = compute_stats(build_zoo_model("tiny_cnn", {}));
  EXPECT_EQ(tiny.op_counts["Conv"], 3);
  EXPECT_EQ(tiny.op_counts["BatchNormalization"], 3);
  EXPECT_EQ(tiny.op_counts["Gemm"], 1);
  // conv 3*8*9 + 8*16*9 + 16*16*9, BN 2*(8+16+16), fc 16*10+10.
  EXPECT_EQ(tiny.params, 216u + 1152u + 2304u + 80u + 170u);
}

TEST(ModelsZoo, TorchvisionExportStyleOperators) {
  GraphStats r50 = compute_stats(build_zoo_model("resnet50", {}));
  EXPECT_EQ(r50.op_counts["Conv"], 53);
  EXPECT_EQ(r50.op_counts["BatchNormalization"], 53);
  EXPECT_EQ(r50.op_counts["Add"], 16);
  EXPECT_EQ(r50.op_counts["MaxPool"], 1);
  EXPECT_EQ(r50.op_counts["GlobalAveragePool"], 1);
  EXPECT_EQ(r50.op_counts["Gemm"], 1);
  GraphStats mb = compute_stats(build_zoo_model("mobilenet_v2", {}));
  EXPECT_EQ(mb.op_counts["Clip"], 35);  // as in torchvision's ONNX export
  EXPECT_EQ(mb.op_counts["Add"], 10);
  GraphStats inc = compute_stats(build_zoo_model("inception_v3", {}));
  EXPECT_EQ(inc.op_counts["Conv"], 94);
  EXPECT_EQ(inc.op_counts["AveragePool"], 9);
  EXPECT_EQ(inc.op_counts["Concat"], 11);  // InceptionE's inner cats flattened, as exported
  GraphStats bert = compute_stats(build_zoo_model("bert_base", {}));
  EXPECT_EQ(bert.op_counts["LayerNormalization"], 24);
  EXPECT_EQ(bert.op_counts["Softmax"], 12);
  EXPECT_EQ(bert.op_counts["Gelu"], 12);
  EXPECT_EQ(bert.op_counts["MatMul"], 12 * 8);
}

TEST(ModelsZoo, OptionsChangeShapes) {
  ZooOptions o;
  o.batch = 4;
  o.image_size = 64;
  Graph g = build_zoo_model("resnet18", o);
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.inputs[0])].shape, (Shape{4, 3, 64, 64}));
  EXPECT_EQ(g.tensors[static_cast<std::size_t>(g.outputs[0])].shape, (Shape{4, 1000}));
  // Conv MACs scale with the spatial area: (64/224)^2 of the convs, plus the unchanged fc.
  std::uint64_t fc = 512 * 1000;
  EXPECT_EQ(compute_stats(build_zoo_model("resnet18", {1, 64})).macs - fc,
            (1'814'073'344u - fc) * 64 * 64 / (224 * 224));

  ZooOptions seq;
  seq.seq_len = 384;
  Graph bert = build_zoo_model("bert_base", seq);
  EXPECT_EQ(bert.tensors[static_cast<std::size_t>(bert.inputs[0])].shape, (Shape{1, 384, 768}));
  EXPECT_EQ(compute_stats(bert).params, 85'054'464u);

  EXPECT_EQ(build_zoo_model("inception_v3", {})
                .tensors[static_cast<std::size_t>(build_zoo_model("inception_v3", {}).inputs[0])]
                .shape,
            (Shape{1, 3, 299, 299}));
}

TEST(ModelsZoo, WeightsAreSeededAndSized) {
  ZooOptions o;
  o.with_weights = true;
  Graph a = build_zoo_model("tiny_cnn", o);
  Graph b = build_zoo_model("tiny_cnn", o);
  o.seed = 2;
  Graph c = build_zoo_model("tiny_cnn", o);
  int w = find_tensor(a, "conv1.weight");
  ASSERT_GE(w, 0);
  const auto& wa = a.tensors[static_cast<std::size_t>(w)].data;
  ASSERT_EQ(wa.size(), 216u);
  EXPECT_EQ(wa, b.tensors[static_cast<std::size_t>(w)].data);
  EXPECT_NE(wa, c.tensors[static_cast<std::size_t>(w)].data);
  for (const Tensor& t : a.tensors) {
    if (t.is_constant && t.dtype == DType::kFp32) {
      EXPECT_EQ(static_cast<std::int64_t>(t.data.size()), num_elements(t.shape)) << t.name;
    }
  }
  int var = find_tensor(a, "bn1.running_var");
  for (float v : a.tensors[static_cast<std::size_t>(var)].data) EXPECT_GT(v, 0.0f);
}

TEST(ModelsZoo, UnknownNameListsTheZoo) {
  try {
    build_zoo_model("resnet999", {});
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("resnet999"), std::string::npos);
    EXPECT_NE(msg.find("resnet50"), std::string::npos);
    EXPECT_NE(msg.find("bert_base"), std::string::npos);
  }
  ZooOptions bad;
  bad.batch = 0;
  EXPECT_THROW(build_zoo_model("resnet18", bad), ModelError);
  bad = {};
  bad.image_size = 100;
  EXPECT_THROW(build_zoo_model("vgg16", bad), ModelError);
}

}  // namespace
}  // namespace infsim::models
