#include "models/zoo.h"

#include <cmath>
#include <functional>
#include <random>

#include "models/model_error.h"
#include "models/seeded_random.h"
#include "models/shape_inference.h"
#include "models/zoo_builder.h"

namespace infsim::models {

namespace {

using zoo_detail::Builder;
using zoo_detail::image_size;
using zoo_detail::Ints;

// --- ResNet (torchvision resnet.py, v1.5: stride on the 3x3 conv of a bottleneck) ---

int basic_block(Builder& b, const std::string& p, int x, std::int64_t planes, std::int64_t stride) {
  std::int64_t in = b.shape(x)[1];
  int y =
      b.relu(p + ".relu1", b.batch_norm(p + ".bn1", b.conv(p + ".conv1", x, planes, 3, stride, 1)));
  y = b.batch_norm(p + ".bn2", b.conv(p + ".conv2", y, planes, 3, 1, 1));
  int shortcut = x;
  if (stride != 1 || in != planes) {
    shortcut =
        b.batch_norm(p + ".downsample.1", b.conv(p + ".downsample.0", x, planes, 1, stride, 0));
  }
  return b.relu(p + ".relu2", b.node(p + ".add", "Add", {y, shortcut}));
}

int bottleneck(Builder& b, const std::string& p, int x, std::int64_t planes, std::int64_t stride) {
  std::int64_t in = b.shape(x)[1];
  std::int64_t out = planes * 4;
  int y = b.relu(p + ".relu1", b.batch_norm(p + ".bn1", b.conv(p + ".conv1", x, planes, 1, 1, 0)));
  y = b.relu(p + ".relu2", b.batch_norm(p + ".bn2", b.conv(p + ".conv2", y, planes, 3, stride, 1)));
  y = b.batch_norm(p + ".bn3", b.conv(p + ".conv3", y, out, 1, 1, 0));
  int shortcut = x;
  if (stride != 1 || in != out) {
    shortcut = b.batch_norm(p + ".downsample.1", b.conv(p + ".downsample.0", x, out, 1, stride, 0));
  }
  return b.relu(p + ".relu3", b.node(p + ".add", "Add", {y, shortcut}));
}

Graph resnet(const std::string& name, const ZooOptions& o, bool use_bottleneck,
             const std::vector<int>& layers) {
  Builder b(name, o);
  std::int64_t s = image_size(o, 224);
  int x = b.input("input", {o.batch, 3, s, s});
  x = b.relu("relu", b.batch_norm("bn1", b.conv("conv1", x, 64, 7, 2, 3)));
  x = b.max_pool("maxpool", x, 3, 2, 1);
  for (std::size_t stage = 0; stage < layers.size(); ++stage) {
    std::int64_t planes = std::int64_t{64} << stage;
    for (int i = 0; i < layers[stage]; ++i) {
      std::int64_t stride = (stage > 0 && i == 0) ? 2 : 1;
      std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      x = use_bottleneck ? bottleneck(b, p, x, planes, stride)
                         : basic_block(b, p, x, planes, stride);
    }
  }
  return b.finish(b.classifier(x, 1000));
}

// --- VGG-16 (torchvision vgg.py, configuration "D", no batch norm) ---

Graph vgg16(const ZooOptions& o) {
  Builder b("vgg16", o);
  std::int64_t s = image_size(o, 224);
  int x = b.input("input", {o.batch, 3, s, s});
  const std::vector<int> cfg{64, 64,  0,   128, 128, 0,   256, 256, 256,
                             0,  512, 512, 512, 0,   512, 512, 512, 0};
  int index = 0;
  for (int c : cfg) {
    std::string p = "features." + std::to_string(index);
    if (c == 0) {
      x = b.max_pool(p, x, 2, 2, 0);
      ++index;
    } else {
      x = b.relu("features." + std::to_string(index + 1), b.conv(p, x, c, 3, 1, 1, 1, true));
      index += 2;
    }
  }
  // AdaptiveAvgPool2d((7, 7)) is the identity at 224x224; elsewhere an exact-divisor pool.
  std::int64_t h = b.shape(x)[2];
  if (h != 7) {
    if (h < 7 || h % 7 != 0) {
      throw ModelError("vgg16: image size " + std::to_string(s) + " gives a " + std::to_string(h) +
                       "x" + std::to_string(h) +
                       " feature map; the adaptive 7x7 pool needs a "
                       "multiple of 7 (image size a multiple of 224)");
    }
    x = b.avg_pool("avgpool", x, h / 7, h / 7, 0);
  }
  x = b.node("flatten", "Flatten", {x}, {{"axis", std::int64_t{1}}});
  x = b.relu("classifier.1", b.linear("classifier.0", x, 4096));
  x = b.relu("classifier.4", b.linear("classifier.3", x, 4096));
  return b.finish(b.linear("classifier.6", x, 1000));
}

// --- MobileNetV2 (torchvision mobilenetv2.py, width 1.0) ---

Graph mobilenet_v2(const ZooOptions& o) {
  Builder b("mobilenet_v2", o);
  std::int64_t s = image_size(o, 224);
  int x = b.input("input", {o.batch, 3, s, s});
  auto conv_bn = [&](const std::string& p, int in, std::int64_t out, std::int64_t k,
                     std::int64_t stride, std::int64_t group, bool act) {
    int y = b.batch_norm(p + ".1", b.conv(p + ".0", in, out, k, stride, (k - 1) / 2, group));
    return act ? b.relu6(p + ".2", y) : y;
  };
  x = conv_bn("features.0", x, 32, 3, 2, 1, true);
  const int settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                              {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int index = 1;
  for (const auto& st : settings) {
    for (int i = 0; i < st[2]; ++i, ++index) {
      std::string p = "features." + std::to_string(index) + ".conv";
      std::int64_t in = b.shape(x)[1];
      std::int64_t hidden = in * st[0];
      std::int64_t stride = i == 0 ? st[3] : 1;
      int y = x;
      int layer = 0;
      if (st[0] != 1) y = conv_bn(p + "." + std::to_string(layer++), y, hidden, 1, 1, 1, true);
      y = conv_bn(p + "." + std::to_string(layer++), y, hidden, 3, stride, hidden, true);
      y = b.batch_norm(p + "." + std::to_string(layer + 1),
                       b.conv(p + "." + std::to_string(layer), y, st[1], 1, 1, 0));
      x = (stride == 1 && in == st[1]) ? b.node(p + ".add", "Add", {x, y}) : y;
    }
  }
  x = conv_bn("features.18", x, 1280, 1, 1, 1, true);
  return b.finish(b.classifier(x, 1000, "classifier.1"));
}

// --- Inception-v3 (torchvision inception.py, aux_logits=False, transform_input=False) ---

int basic_conv(Builder& b, const std::string& p, int x, std::int64_t out, Ints k, Ints s,
               Ints pad) {
  int y = b.conv(p + ".conv", x, out, std::move(k), std::move(s), std::move(pad));
  return b.relu(p + ".relu", b.batch_norm(p + ".bn", y, 1e-3f));
}

int basic_conv(Builder& b, const std::string& p, int x, std::int64_t out, std::int64_t k,
               std::int64_t s = 1, std::int64_t pad = 0) {
  return basic_conv(b, p, x, out, {k, k}, {s, s}, {pad, pad});
}

int inception_a(Builder& b, const std::string& p, int x, std::int64_t pool_features) {
  int b1 = basic_conv(b, p + ".branch1x1", x, 64, 1);
  int b5 = basic_conv(b, p + ".branch5x5_1", x, 48, 1);
  b5 = basic_conv(b, p + ".branch5x5_2", b5, 64, 5, 1, 2);
  int b3 = basic_conv(b, p + ".branch3x3dbl_1", x, 64, 1);
  b3 = basic_conv(b, p + ".branch3x3dbl_2", b3, 96, 3, 1, 1);
  b3 = basic_conv(b, p + ".branch3x3dbl_3", b3, 96, 3, 1, 1);
  int bp = b.avg_pool(p + ".avg_pool", x, 3, 1, 1);
  bp = basic_conv(b, p + ".branch_pool", bp, pool_features, 1);
  return b.concat(p + ".concat", {b1, b5, b3, bp});
}

int inception_b(Builder& b, const std::string& p, int x) {
  int b3 = basic_conv(b, p + ".branch3x3", x, 384, 3, 2);
  int bd = basic_conv(b, p + ".branch3x3dbl_1", x, 64, 1);
  bd = basic_conv(b, p + ".branch3x3dbl_2", bd, 96, 3, 1, 1);
  bd = basic_conv(b, p + ".branch3x3dbl_3", bd, 96, 3, 2);
  int bp = b.max_pool(p + ".max_pool", x, 3, 2, 0);
  return b.concat(p + ".concat", {b3, bd, bp});
}

int inception_c(Builder& b, const std::string& p, int x, std::int64_t c7) {
  const Ints k17{1, 7}, k71{7, 1}, p17{0, 3}, p71{3, 0}, one{1, 1};
  int b1 = basic_conv(b, p + ".branch1x1", x, 192, 1);
  int b7 = basic_conv(b, p + ".branch7x7_1", x, c7, 1);
  b7 = basic_conv(b, p + ".branch7x7_2", b7, c7, k17, one, p17);
  b7 = basic_conv(b, p + ".branch7x7_3", b7, 192, k71, one, p71);
  int bd = basic_conv(b, p + ".branch7x7dbl_1", x, c7, 1);
  bd = basic_conv(b, p + ".branch7x7dbl_2", bd, c7, k71, one, p71);
  bd = basic_conv(b, p + ".branch7x7dbl_3", bd, c7, k17, one, p17);
  bd = basic_conv(b, p + ".branch7x7dbl_4", bd, c7, k71, one, p71);
  bd = basic_conv(b, p + ".branch7x7dbl_5", bd, 192, k17, one, p17);
  int bp = b.avg_pool(p + ".avg_pool", x, 3, 1, 1);
  bp = basic_conv(b, p + ".branch_pool", bp, 192, 1);
  return b.concat(p + ".concat", {b1, b7, bd, bp});
}

int inception_d(Builder& b, const std::string& p, int x) {
  const Ints one{1, 1};
  int b3 = basic_conv(b, p + ".branch3x3_1", x, 192, 1);
  b3 = basic_conv(b, p + ".branch3x3_2", b3, 320, 3, 2);
  int b7 = basic_conv(b, p + ".branch7x7x3_1", x, 192, 1);
  b7 = basic_conv(b, p + ".branch7x7x3_2", b7, 192, {1, 7}, one, {0, 3});
  b7 = basic_conv(b, p + ".branch7x7x3_3", b7, 192, {7, 1}, one, {3, 0});
  b7 = basic_conv(b, p + ".branch7x7x3_4", b7, 192, 3, 2);
  int bp = b.max_pool(p + ".max_pool", x, 3, 2, 0);
  return b.concat(p + ".concat", {b3, b7, bp});
}

int inception_e(Builder& b, const std::string& p, int x) {
  const Ints one{1, 1};
  int b1 = basic_conv(b, p + ".branch1x1", x, 320, 1);
  int b3 = basic_conv(b, p + ".branch3x3_1", x, 384, 1);
  int b3a = basic_conv(b, p + ".branch3x3_2a", b3, 384, {1, 3}, one, {0, 1});
  int b3b = basic_conv(b, p + ".branch3x3_2b", b3, 384, {3, 1}, one, {1, 0});
  int bd = basic_conv(b, p + ".branch3x3dbl_1", x, 448, 1);
  bd = basic_conv(b, p + ".branch3x3dbl_2", bd, 384, 3, 1, 1);
  int bda = basic_conv(b, p + ".branch3x3dbl_3a", bd, 384, {1, 3}, one, {0, 1});
  int bdb = basic_conv(b, p + ".branch3x3dbl_3b", bd, 384, {3, 1}, one, {1, 0});
  int bp = b.avg_pool(p + ".avg_pool", x, 3, 1, 1);
  bp = basic_conv(b, p + ".branch_pool", bp, 192, 1);
  // torch.cat of the inner cats: the exporter flattens them into one six-way Concat.
  return b.concat(p + ".concat", {b1, b3a, b3b, bda, bdb, bp});
}

Graph inception_v3(const ZooOptions& o) {
  Builder b("inception_v3", o);
  std::int64_t s = image_size(o, 299);
  if (s < 75)
    throw ModelError("inception_v3: image size must be at least 75, got " + std::to_string(s));
  int x = b.input("input", {o.batch, 3, s, s});
  x = basic_conv(b, "Conv2d_1a_3x3", x, 32, 3, 2);
  x = basic_conv(b, "Conv2d_2a_3x3", x, 32, 3);
  x = basic_conv(b, "Conv2d_2b_3x3", x, 64, 3, 1, 1);
  x = b.max_pool("maxpool1", x, 3, 2, 0);
  x = basic_conv(b, "Conv2d_3b_1x1", x, 80, 1);
  x = basic_conv(b, "Conv2d_4a_3x3", x, 192, 3);
  x = b.max_pool("maxpool2", x, 3, 2, 0);
  x = inception_a(b, "Mixed_5b", x, 32);
  x = inception_a(b, "Mixed_5c", x, 64);
  x = inception_a(b, "Mixed_5d", x, 64);
  x = inception_b(b, "Mixed_6a", x);
  x = inception_c(b, "Mixed_6b", x, 128);
  x = inception_c(b, "Mixed_6c", x, 160);
  x = inception_c(b, "Mixed_6d", x, 160);
  x = inception_c(b, "Mixed_6e", x, 192);
  x = inception_d(b, "Mixed_7a", x);
  x = inception_e(b, "Mixed_7b", x);
  x = inception_e(b, "Mixed_7c", x);
  return b.finish(b.classifier(x, 1000));
}

// --- Small models for tests and the first end-to-end path ---

Graph single_conv(const ZooOptions& o) {
  Builder b("single_conv", o);
  std::int64_t s = image_size(o, 56);
  int x = b.input("input", {o.batch, 64, s, s});
  return b.finish(b.relu("relu", b.conv("conv", x, 64, 3, 1, 1, 1, true)));
}

// Same structure as TinyCnn in tools/scripts/export_test_models.py.
Graph tiny_cnn(const ZooOptions& o) {
  Builder b("tiny_cnn", o);
  std::int64_t s = image_size(o, 32);
  int x = b.input("input", {o.batch, 3, s, s});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  x = b.max_pool("pool", x, 2, 2, 0);
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 16, 3, 1, 1)));
  x = b.relu("relu3", b.batch_norm("bn3", b.conv("conv3", x, 16, 3, 2, 1)));
  return b.finish(b.classifier(x, 10));
}

struct ZooModel {
  ZooEntry entry;
  std::function<Graph(const ZooOptions&)> build;
};

const std::vector<ZooModel>& models() {
  static const std::vector<ZooModel> kModels = {
      {{"resnet18", "ResNet-18 (torchvision), 224x224"},
       [](const ZooOptions& o) {
         return resnet("resnet18", o, false, {2, 2, 2, 2});
       }},
      {{"resnet34", "ResNet-34 (torchvision), 224x224"},
       [](const ZooOptions& o) {
         return resnet("resnet34", o, false, {3, 4, 6, 3});
       }},
      {{"resnet50", "ResNet-50 v1.5 (torchvision), 224x224"},
       [](const ZooOptions& o) {
         return resnet("resnet50", o, true, {3, 4, 6, 3});
       }},
      {{"resnet101", "ResNet-101 v1.5 (torchvision), 224x224"},
       [](const ZooOptions& o) {
         return resnet("resnet101", o, true, {3, 4, 23, 3});
       }},
      {{"resnet152", "ResNet-152 v1.5 (torchvision), 224x224"},
       [](const ZooOptions& o) {
         return resnet("resnet152", o, true, {3, 8, 36, 3});
       }},
      {{"vgg16", "VGG-16 without BN (torchvision), 224x224"}, vgg16},
      {{"mobilenet_v2", "MobileNetV2 width 1.0 (torchvision), 224x224"}, mobilenet_v2},
      {{"inception_v3", "Inception-v3 without aux logits (torchvision), 299x299"}, inception_v3},
      {{"bert_base", "BERT-base encoder: 12 layers, hidden 768, 12 heads (embeddings on host)"},
       [](const ZooOptions& o) { return zoo_detail::bert_encoder("bert_base", o, 12); }},
      {{"bert_base_cased",
        "Hugging Face bert-base-cased (BertModel without pooler): token ids, attention mask and "
        "token types in; embedding lookups on the host with --cpu-fallback"},
       zoo_detail::bert_base_cased},
      {{"bert_large", "BERT-large encoder: 24 layers, hidden 1024, 16 heads (embeddings on host)"},
       zoo_detail::bert_large},
      {{"distilbert_base", "DistilBERT-base encoder: 6 layers, hidden 768 (embeddings on host)"},
       [](const ZooOptions& o) { return zoo_detail::bert_encoder("distilbert_base", o, 6); }},
      {{"roberta_base",
        "RoBERTa-base encoder: 12 layers, hidden 768, attention mask input (embeddings on host)"},
       [](const ZooOptions& o) { return zoo_detail::roberta_encoder("roberta_base", o, 12); }},
      {{"distilroberta_base",
        "DistilRoBERTa-base encoder: 6 layers, hidden 768, attention mask input (embeddings on "
        "host)"},
       [](const ZooOptions& o) { return zoo_detail::roberta_encoder("distilroberta_base", o, 6); }},
      {{"yolov4", "YOLOv4 (pytorch-YOLOv4, COCO 80 classes), 608x608; YOLO output layer last"},
       zoo_detail::yolov4},
      {{"ssd300", "SSD300 with VGG-16 backbone (torchvision ssd300_vgg16, 91 classes), 300x300"},
       zoo_detail::ssd300},
      {{"openpose", "OpenPose CMU body pose (VGG-19 front, 6 stages), 368x432"},
       zoo_detail::openpose},
      {{"single_conv", "one 3x3 conv 64->64 + bias + relu on 1x64x56x56"}, single_conv},
      {{"tiny_cnn", "3 conv-BN-relu, max pool, global pool, linear; 32x32"}, tiny_cnn},
  };
  return kModels;
}

}  // namespace

std::vector<ZooEntry> zoo_list() {
  std::vector<ZooEntry> list;
  for (const auto& m : models()) list.push_back(m.entry);
  return list;
}

Graph build_zoo_model(const std::string& name, const ZooOptions& options) {
  if (options.batch <= 0) throw ModelError(name + ": batch must be positive");
  if (options.image_size < 0) throw ModelError(name + ": image size must not be negative");
  for (const auto& m : models()) {
    if (m.entry.name == name) return m.build(options);
  }
  std::string names;
  for (const auto& m : models()) names += (names.empty() ? "" : ", ") + m.entry.name;
  throw ModelError("unknown zoo model '" + name + "' (known: " + names + ")");
}

}  // namespace infsim::models
