// Detection and pose networks, each written the way its reference implementation exports:
//   yolov4   Tianxiaomo/pytorch-YOLOv4 (the Inf1 YOLOv4 tutorial's model): CSPDarknet53 with
//            Mish, SPP, PANet with LeakyRelu(0.1), three YOLO heads, and the YOLO output layer
//            (box decoding) at the end of the graph, which --cpu-fallback puts on the host;
//   ssd300   torchvision ssd300_vgg16: VGG-16 to conv4_3 (L2-normalized, learned scale), fc6
//            (3x3 dilation 6) and fc7, four extra blocks, 3x3 class/box heads, the head outputs
//            permuted to [N, boxes, K] and concatenated (host side, as the box decoding);
//   openpose the CMU body-pose network: VGG-19's first ten convolutions, two CPM convolutions,
//            six stages of two branches (part affinity fields 38, heat maps 19).

#include "models/model_error.h"
#include "models/zoo_builder.h"

namespace infsim::models::zoo_detail {

namespace {

// Conv_Bn_Activation of pytorch-YOLOv4: k x k conv (no bias) + BN + activation.
int cba(Builder& b, const std::string& p, int x, std::int64_t out, std::int64_t k, std::int64_t s,
        bool mish) {
  int y = b.batch_norm(p + ".bn", b.conv(p + ".conv", x, out, k, s, (k - 1) / 2));
  return mish ? b.mish(p + ".mish", y) : b.leaky_relu(p + ".leaky", y, 0.1f);
}

// A CSP stage: stride-2 conv, two 1x1 halves, `blocks` residual blocks on one, concat, 1x1.
int csp_stage(Builder& b, const std::string& p, int x, std::int64_t out, int blocks) {
  const std::int64_t h = out / 2;
  int x1 = cba(b, p + ".conv1", x, out, 3, 2, true);
  int x2 = cba(b, p + ".conv2", x1, h, 1, 1, true);
  int r = cba(b, p + ".conv3", x1, h, 1, 1, true);
  for (int i = 0; i < blocks; ++i) {
    const std::string q = p + ".resblock." + std::to_string(i);
    int y = cba(b, q + ".0", cba(b, q + ".1", r, h, 1, 1, true), h, 3, 1, true);
    r = b.node(q + ".add", "Add", {r, y});
  }
  int x4 = cba(b, p + ".conv4", r, h, 1, 1, true);
  return cba(b, p + ".conv5", b.concat(p + ".cat", {x4, x2}), out, 1, 1, true);
}

// Alternating 1x1 (halving) and 3x3 (doubling) leaky convolutions, `count` of them.
int leaky_stack(Builder& b, const std::string& p, int x, std::int64_t narrow, int count) {
  for (int i = 0; i < count; ++i)
    x = cba(b, p + "." + std::to_string(i), x, i % 2 == 0 ? narrow : 2 * narrow, i % 2 ? 3 : 1, 1,
            false);
  return x;
}

// The YOLO layer of one head, as the tutorial's export writes it: [N, A*(5+C), H, W] ->
// [N, A, 5+C, H, W] -> [N, A, H, W, 5+C]; sigmoid of x, y, objectness and classes, exp of w, h
// times the anchor sizes; -> [N, A*H*W, 5+C].
int yolo_layer(Builder& b, const std::string& p, int x, std::int64_t classes,
               const std::vector<float>& anchors) {
  const Shape s = b.shape(x);
  const std::int64_t n = s[0], h = s[2], w = s[3], a = 3, k = 5 + classes;
  int y = b.reshape(p + ".Reshape", x, {n, a, k, h, w});
  y = b.transpose(p + ".Transpose", y, {0, 1, 3, 4, 2});
  int xy = b.node(p + ".xy.Sigmoid", "Sigmoid", {b.slice(p + ".xy", y, 4, 0, 2)});
  int wh = b.node(p + ".wh.Exp", "Exp", {b.slice(p + ".wh", y, 4, 2, 4)});
  wh = b.node(p + ".wh.Mul", "Mul",
              {wh, add_constant(b.graph(), p + ".anchors", {a, 1, 1, 2}, anchors)});
  int rest = b.node(p + ".conf.Sigmoid", "Sigmoid", {b.slice(p + ".conf", y, 4, 4, k)});
  y = b.concat(p + ".Concat", {xy, wh, rest}, 4);
  return b.reshape(p + ".boxes", y, {n, a * h * w, k});
}

}  // namespace

Graph yolov4(const ZooOptions& o) {
  constexpr std::int64_t kClasses = 80, kOut = 3 * (5 + kClasses);
  Builder b("yolov4", o);
  const std::int64_t size = image_size(o, 608);
  if (size % 32 != 0) throw ModelError("yolov4: the image size must be a multiple of 32");
  int x = b.input("input", {o.batch, 3, size, size});
  // DownSample1: its CSP split keeps all 64 channels on both sides.
  x = cba(b, "down1.conv1", x, 32, 3, 1, true);
  int x2 = cba(b, "down1.conv2", x, 64, 3, 2, true);
  int x3 = cba(b, "down1.conv3", x2, 64, 1, 1, true);
  int x4 = cba(b, "down1.conv4", x2, 64, 1, 1, true);
  int x6 = cba(b, "down1.conv6", cba(b, "down1.conv5", x4, 32, 1, 1, true), 64, 3, 1, true);
  x6 = b.node("down1.add", "Add", {x6, x4});
  x = b.concat("down1.cat", {cba(b, "down1.conv7", x6, 64, 1, 1, true), x3});
  x = cba(b, "down1.conv8", x, 64, 1, 1, true);
  x = csp_stage(b, "down2", x, 128, 2);
  int d3 = csp_stage(b, "down3", x, 256, 8);
  int d4 = csp_stage(b, "down4", d3, 512, 8);
  int d5 = csp_stage(b, "down5", d4, 1024, 4);
  // Neck: SPP and PANet.
  int n3 = leaky_stack(b, "neck.conv1", d5, 512, 3);
  std::vector<int> spp;
  for (std::int64_t k : {13, 9, 5})
    spp.push_back(b.max_pool("neck.maxpool" + std::to_string(k), n3, k, 1, k / 2));
  spp.push_back(n3);
  int n6 = leaky_stack(b, "neck.conv4", b.concat("neck.spp", spp), 512, 3);
  int up = b.upsample_nearest("neck.upsample1", cba(b, "neck.conv7", n6, 256, 1, 1, false), 2.0f);
  int n13 = b.concat("neck.cat1", {cba(b, "neck.conv8", d4, 256, 1, 1, false), up});
  n13 = leaky_stack(b, "neck.conv9", n13, 256, 5);
  up = b.upsample_nearest("neck.upsample2", cba(b, "neck.conv14", n13, 128, 1, 1, false), 2.0f);
  int n20 = b.concat("neck.cat2", {cba(b, "neck.conv15", d3, 128, 1, 1, false), up});
  n20 = leaky_stack(b, "neck.conv16", n20, 128, 5);
  // Heads: a 3x3 leaky conv and a 1x1 conv with bias to 3 x (5 + classes) per scale.
  auto head = [&](const std::string& p, int in, std::int64_t ch) {
    int y = cba(b, p + ".conv", in, ch, 3, 1, false);
    return b.conv(p + ".out", y, kOut, {1, 1}, {1, 1}, {0, 0}, 1, true);
  };
  int y1 = head("head.1", n20, 256);
  int h8 = b.concat("head.cat1", {cba(b, "head.down1", n20, 256, 3, 2, false), n13});
  h8 = leaky_stack(b, "head.conv4", h8, 256, 5);
  int y2 = head("head.2", h8, 512);
  int h16 = b.concat("head.cat2", {cba(b, "head.down2", h8, 512, 3, 2, false), n6});
  h16 = leaky_stack(b, "head.conv12", h16, 512, 5);
  int y3 = head("head.3", h16, 1024);
  // The YOLO output layer (anchors of yolov4.cfg, in pixels).
  int boxes = b.concat("yolo.Concat",
                       {yolo_layer(b, "yolo.1", y1, kClasses, {12, 16, 19, 36, 40, 28}),
                        yolo_layer(b, "yolo.2", y2, kClasses, {36, 75, 76, 55, 72, 146}),
                        yolo_layer(b, "yolo.3", y3, kClasses, {142, 110, 192, 243, 459, 401})},
                       1);
  return b.finish(boxes);
}

Graph ssd300(const ZooOptions& o) {
  constexpr std::int64_t kClasses = 91;
  Builder b("ssd300", o);
  const std::int64_t size = image_size(o, 300);
  int x = b.input("input", {o.batch, 3, size, size});
  auto conv_relu = [&](const std::string& p, int in, std::int64_t out, std::int64_t k,
                       std::int64_t s, std::int64_t pad, std::int64_t dilation = 1) {
    return b.relu(p + ".relu", b.conv(p, in, out, {k, k}, {s, s}, {pad, pad}, 1, true, dilation));
  };
  const std::vector<std::vector<std::int64_t>> vgg = {{64, 64}, {128, 128}, {256, 256, 256}};
  int stage = 1;
  for (const auto& widths : vgg) {
    for (std::size_t i = 0; i < widths.size(); ++i)
      x = conv_relu("features.conv" + std::to_string(stage) + "_" + std::to_string(i + 1), x,
                    widths[i], 3, 1, 1);
    // The third pool rounds up (38 x 38 conv4_3 maps at 300 x 300), as torchvision sets it.
    x = b.node("features.pool" + std::to_string(stage), "MaxPool", {x},
               {{"kernel_shape", Ints{2, 2}},
                {"strides", Ints{2, 2}},
                {"pads", Ints{0, 0, 0, 0}},
                {"ceil_mode", std::int64_t{stage == 3 ? 1 : 0}}});
    ++stage;
  }
  for (int i = 1; i <= 3; ++i)
    x = conv_relu("features.conv4_" + std::to_string(i), x, 512, 3, 1, 1);
  // scale_weight * F.normalize(x, dim=1): ReduceL2, Clip(min=1e-12), Expand, Div, Mul.
  int norm = b.node("features.l2norm.ReduceL2", "ReduceL2", {x},
                    {{"axes", Ints{1}}, {"keepdims", std::int64_t{1}}});
  norm = b.node("features.l2norm.Clip", "Clip", {norm, b.scalar("features.l2norm.eps", 1e-12f)});
  norm = b.node("features.l2norm.Expand", "Expand",
                {norm, b.int_constant("features.l2norm.shape", b.shape(x))});
  int f1 = b.node("features.l2norm.Div", "Div", {x, norm});
  f1 = b.node(
      "features.l2norm.Mul", "Mul",
      {f1, add_constant(b.graph(), "features.scale_weight", {1, 512, 1, 1},
                        o.with_weights ? std::vector<float>(512, 20.0f) : std::vector<float>{})});
  x = b.max_pool("extra.0.pool4", x, 2, 2, 0);
  for (int i = 1; i <= 3; ++i) x = conv_relu("extra.0.conv5_" + std::to_string(i), x, 512, 3, 1, 1);
  x = b.max_pool("extra.0.pool5", x, 3, 1, 1);
  x = conv_relu("extra.0.fc6", x, 1024, 3, 1, 6, 6);
  std::vector<int> features = {f1, conv_relu("extra.0.fc7", x, 1024, 1, 1, 0)};
  const std::int64_t extras[4][3] = {{256, 512, 2}, {128, 256, 2}, {128, 256, 1}, {128, 256, 1}};
  for (int i = 0; i < 4; ++i) {
    const std::string p = "extra." + std::to_string(i + 1);
    const auto& e = extras[i];
    int y = conv_relu(p + ".0", features.back(), e[0], 1, 1, 0);
    features.push_back(conv_relu(p + ".2", y, e[1], 3, e[2], e[2] == 2 ? 1 : 0));
  }
  // Heads: per feature map a 3x3 conv to anchors x K, viewed [N, A, K, H, W], permuted to
  // [N, H, W, A, K] and flattened to [N, H*W*A, K]; all maps concatenated along the boxes.
  const std::int64_t anchors[6] = {4, 6, 6, 6, 4, 4};
  auto head = [&](const std::string& p, std::int64_t k) {
    std::vector<int> parts;
    for (int i = 0; i < 6; ++i) {
      const std::string q = p + "." + std::to_string(i);
      int y = b.conv(q, features[i], anchors[i] * k, {3, 3}, {1, 1}, {1, 1}, 1, true);
      const Shape s = b.shape(y);
      y = b.reshape(q + ".view", y, {s[0], anchors[i], k, s[2], s[3]});
      y = b.transpose(q + ".permute", y, {0, 3, 4, 1, 2});
      parts.push_back(b.reshape(q + ".flatten", y, {s[0], -1, k}));
    }
    return b.concat(p + ".cat", parts, 1);
  };
  int boxes = head("head.regression", 4);
  int scores = head("head.classification", kClasses);
  return b.finish({boxes, scores});
}

Graph openpose(const ZooOptions& o) {
  Builder b("openpose", o);
  const std::int64_t h = o.image_size > 0 ? o.image_size : 368, w = o.image_size > 0 ? h : 432;
  int x = b.input("image", {o.batch, 3, h, w});
  auto conv_relu = [&](const std::string& p, int in, std::int64_t out, std::int64_t k) {
    return b.relu(p + ".relu", b.conv(p, in, out, k, 1, k / 2, 1, true));
  };
  const std::vector<std::vector<std::int64_t>> vgg = {{64, 64}, {128, 128}, {256, 256, 256, 256}};
  for (std::size_t s = 0; s < vgg.size(); ++s) {
    for (std::size_t i = 0; i < vgg[s].size(); ++i)
      x = conv_relu("conv" + std::to_string(s + 1) + "_" + std::to_string(i + 1), x, vgg[s][i], 3);
    x = b.max_pool("pool" + std::to_string(s + 1), x, 2, 2, 0);
  }
  x = conv_relu("conv4_1", x, 512, 3);
  x = conv_relu("conv4_2", x, 512, 3);
  x = conv_relu("conv4_3_CPM", x, 256, 3);
  const int features = conv_relu("conv4_4_CPM", x, 128, 3);
  auto branch = [&](int stage, int branch_id, int in, std::int64_t out) {
    const std::string p = "stage" + std::to_string(stage) + ".L" + std::to_string(branch_id);
    const bool first = stage == 1;
    const int convs = first ? 3 : 5;
    int y = in;
    for (int i = 0; i < convs; ++i)
      y = conv_relu(p + ".conv" + std::to_string(i + 1), y, 128, first ? 3 : 7);
    y = conv_relu(p + ".conv" + std::to_string(convs + 1), y, first ? 512 : 128, 1);
    return b.conv(p + ".conv" + std::to_string(convs + 2), y, out, 1, 1, 0, 1, true);
  };
  int paf = branch(1, 1, features, 38), heat = branch(1, 2, features, 19);
  for (int stage = 2; stage <= 6; ++stage) {
    int cat = b.concat("stage" + std::to_string(stage) + ".cat", {paf, heat, features});
    paf = branch(stage, 1, cat, 38);
    heat = branch(stage, 2, cat, 19);
  }
  return b.finish({paf, heat});
}

}  // namespace infsim::models::zoo_detail
