#!/usr/bin/python3
"""Exports the small ONNX test models in tests/data/onnx/ with Debian's python3-torch.

For each model with weights: <name>.onnx (opset 17, eval mode, seeded weights), <name>_input.npy
and <name>_output.npy (PyTorch's output for that input). The reference executor and the ONNX
importer are tested against these, so the tests themselves never need torch.

Sizes: every committed file stays under about 1 MB, so full-width ResNet-18 and MobileNetV2 with
weights are replaced by reduced-width variants of the same torchvision structure:
  resnet18_w8       torchvision ResNet(BasicBlock, [2, 2, 2, 2]) with base width 8 instead of 64
  mobilenet_v2_w025 torchvision mobilenet_v2(width_mult=0.25)
tiny_cnn is also written with a symbolic batch dimension (tiny_cnn_dynbatch.onnx), and
upsample_cnn covers Resize (nearest, bilinear by scale and by size) and Concat;
ops_mix covers dilated/grouped/strided convs, Pad, ceil-mode pools, ReduceMean, Sqrt, Pow, Exp,
tanh-GELU, Softmax over a non-last axis, LayerNorm and MatMul; unsupported_op.onnx (written
with onnx.helper) holds an operator the importer rejects, and clip_opset9.onnx a Clip with
attribute bounds.
Full-size torchvision resnet18, resnet50, mobilenet_v2, vgg16 and inception_v3 (aux_logits=False)
are exported WITHOUT parameters (export_params=False: weights become graph inputs, files stay small).

Run:  /usr/bin/python3 tools/scripts/export_test_models.py [--out tests/data/onnx]
"""

import argparse
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

OPSET = 17


class TinyCnn(nn.Module):
    """The same network as the zoo's tiny_cnn: two conv-BN-relu stages, pooling, a classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(16)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = torch.relu(self.bn3(self.conv3(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


class UpsampleCnn(nn.Module):
    """A small decoder-style network: nearest and bilinear Resize, a skip Concat, an Upsample."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.out = nn.Conv2d(11, 4, 1)

    def forward(self, x):
        y = torch.relu(self.down(x))
        y = torch.sigmoid(self.mid(self.up_nearest(y)))
        z = nn.functional.interpolate(y, scale_factor=0.5, mode="bilinear", align_corners=False)
        z = nn.functional.interpolate(z, size=(16, 16), mode="bilinear", align_corners=False)
        return self.out(torch.cat([z, x], 1))


class OpsMix(nn.Module):
    """Operators the CNN exports above do not reach, each checked against PyTorch."""

    def __init__(self):
        super().__init__()
        self.dilated = nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=2)
        self.strided = nn.Conv2d(8, 8, (1, 3), stride=(1, 2), padding=(0, 1))
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        y = torch.tanh(self.dilated(x))
        y = nn.functional.pad(y, (1, 2, 0, 1), value=0.5)
        y = nn.functional.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False)
        y = nn.functional.max_pool2d(y, 2, stride=2, ceil_mode=True)
        y = torch.sigmoid(self.strided(y)) * 2.0 - 0.5
        y = torch.sqrt(torch.abs(y) + 1.0) ** 2 - torch.exp(-y.mean(dim=-1, keepdim=True))
        y = nn.functional.gelu(y, approximate="tanh")
        y = y.flatten(2).transpose(1, 2)  # [N, HW, C]
        y = torch.softmax(self.norm(y), dim=1)
        return self.fc(y) - y.mean(dim=1, keepdim=True).sum(dim=-1, keepdim=True)


class ResNetNarrow(ResNet):
    """torchvision's ResNet-18 structure with every stage's width scaled from 64 down to `width`."""

    def __init__(self, width=8, num_classes=10):
        super().__init__(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(BasicBlock, width, 2)
        self.layer2 = self._make_layer(BasicBlock, width * 2, 2, stride=2)
        self.layer3 = self._make_layer(BasicBlock, width * 4, 2, stride=2)
        self.layer4 = self._make_layer(BasicBlock, width * 8, 2, stride=2)
        self.fc = nn.Linear(width * 8, num_classes)


class Encoder(nn.Module):
    """A 2-layer post-norm transformer encoder, d_model 64, 4 heads, GELU feed-forward."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.0,
                                           activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


def randomize_batch_norm(model, generator):
    """Fresh BN layers have mean 0, var 1: give them realistic statistics so folding is tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


def export_with_weights(name, model, example, out_dir, dynamic_batch_copy=False):
    generator = torch.Generator().manual_seed(1234)
    randomize_batch_norm(model, generator)
    model.eval()
    with torch.no_grad():
        expected = model(example)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, example, path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    if dynamic_batch_copy:
        # The same model with a symbolic batch dimension, as dynamic_axes exports write it.
        torch.onnx.export(model, example, os.path.join(out_dir, name + "_dynbatch.onnx"),
                          opset_version=OPSET, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          do_constant_folding=True)
    np.save(os.path.join(out_dir, name + "_input.npy"), example.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, name + "_output.npy"), expected.numpy().astype(np.float32))


def export_without_weights(name, model, example, out_dir):
    model.eval()
    path = os.path.join(out_dir, name + "_noparams.onnx")
    torch.onnx.export(model, example, path, opset_version=OPSET, input_names=["input"],
                      output_names=["output"], export_params=False, do_constant_folding=False)


def export_unsupported(out_dir):
    """A valid ONNX file with an operator the importer does not know (Relu -> Hardmax)."""
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["input"], ["r"], name="relu"),
         helper.make_node("Hardmax", ["r"], ["values"], name="hardmax")],
        "unsupported", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 10])],
        [helper.make_tensor_value_info("values", TensorProto.FLOAT, [1, 10])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.save(model, os.path.join(out_dir, "unsupported_op.onnx"))


def export_legacy_clip(out_dir):
    """Opset 9: Clip's bounds are attributes (inputs from opset 11 on)."""
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Clip", ["input"], ["output"], name="clip", min=-1.0, max=2.0)],
        "legacy_clip", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    onnx.save(model, os.path.join(out_dir, "clip_opset9.onnx"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "tests", "data", "onnx"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    export_with_weights("tiny_cnn", TinyCnn(), torch.randn(1, 3, 32, 32), args.out,
                        dynamic_batch_copy=True)
    export_with_weights("upsample_cnn", UpsampleCnn(), torch.randn(1, 3, 16, 16), args.out)
    export_with_weights("resnet18_w8", ResNetNarrow(), torch.randn(1, 3, 64, 64), args.out)
    export_with_weights("transformer_encoder", Encoder(), torch.randn(1, 16, 64), args.out)
    export_with_weights("mobilenet_v2_w025",
                        torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10),
                        torch.randn(1, 3, 64, 64), args.out)
    export_with_weights("ops_mix", OpsMix(), torch.randn(1, 4, 13, 11), args.out)

    export_unsupported(args.out)
    export_legacy_clip(args.out)

    models = torchvision.models
    export_without_weights("resnet18", models.resnet18(), torch.randn(1, 3, 224, 224), args.out)
    export_without_weights("resnet50", models.resnet50(), torch.randn(1, 3, 224, 224), args.out)
    export_without_weights("mobilenet_v2", models.mobilenet_v2(), torch.randn(1, 3, 224, 224),
                           args.out)
    export_without_weights("vgg16", models.vgg16(), torch.randn(1, 3, 224, 224), args.out)
    export_without_weights("inception_v3",
                           models.inception_v3(aux_logits=False, init_weights=False),
                           torch.randn(1, 3, 299, 299), args.out)


if __name__ == "__main__":
    main()
