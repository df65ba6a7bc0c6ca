#!/usr/bin/python3
"""Exports the new-operator test graphs in tests/data/onnx/ops/ with Debian's python3-torch
(and torchtext's RoBERTa code, without downloads or weights).

For each graph: <name>.onnx (opset 17, eval mode, seeded weights), <name>_input.npy (float32;
integer inputs hold small integers) and <name>_output.npy (PyTorch's first output). The
reference executor, the importer and functional mode are tested against these; the tests never
need torch.

  mish, softplus, tanh, sigmoid, leaky_relu   each after a conv (the conv epilogue fuses them)
  upsample_nearest, resize_bilinear           F.interpolate x2 (Resize nearest / linear)
  strided_slice, split, pad_value, topk       x[..., ::2, 1::2]; torch.split; F.pad(value=0.5); topk
  l2norm                                      scale * F.normalize(x, dim=1) (SSD's conv4_3 L2Norm)
  mask_ops                                    Equal / Not / Where / Cast / Expand / Unsqueeze /
                                              ConstantOfShape / Range / Gather on a token-id input
  yolo_head                                   a small YOLO-style head: Mish/leaky convs, SPP pools,
                                              upsample + concat, two 1x1 heads, the YOLO layer
  masked_encoder                              2 Hugging Face-style encoder layers (hidden 64,
                                              4 heads) with the additive attention mask, inputs
                                              embeddings [1, 16, 64] and attention_mask [1, 16]
  roberta_encoder                             torchtext's RoBERTa-base encoder structure with 2
                                              layers (hidden 768), token ids [1, 128] in, the
                                              padding mask built inside (no reference output:
                                              import, analyze and timing only)

Run:  /usr/bin/python3 tools/scripts/export_op_models.py [--out tests/data/onnx/ops]
"""

import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torchtext_roberta import roberta_classes

OPSET = 17


class ConvThen(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.conv(x))


class Interp(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.mode = mode

    def forward(self, x):
        y = self.conv(x)
        if self.mode == "nearest":
            return F.interpolate(y, scale_factor=2, mode="nearest")
        return F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)


class StridedSlice(nn.Module):
    def forward(self, x):
        return x[:, :, ::2, 1::2] * 2.0


class SplitCat(nn.Module):
    def forward(self, x):
        a, b = torch.split(x, [3, 5], dim=1)
        return torch.cat([torch.sigmoid(a), torch.tanh(b)], 1)


class PadValue(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3)

    def forward(self, x):
        return self.conv(F.pad(x, (1, 2, 1, 0), value=0.5))


class TopK(nn.Module):
    def forward(self, x):
        return torch.topk(x.flatten(1), 5, dim=1).values


class L2Norm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 16, 3, padding=1)
        self.weight = nn.Parameter(torch.full((16,), 20.0))

    def forward(self, x):
        y = torch.relu(self.conv(x))
        return self.weight.view(1, -1, 1, 1) * F.normalize(y, dim=1)


class MaskOps(nn.Module):
    """The mask arithmetic of Hugging Face and torchtext exports on token ids [1, S]."""

    def forward(self, ids):
        pad = ids.eq(1)                                    # Equal
        keep = ~pad                                        # Not
        n = ids.shape[1]
        positions = torch.arange(n).unsqueeze(0)           # Range, Unsqueeze
        positions = torch.where(keep, positions + 2, torch.ones_like(ids))   # Where
        bias = (1.0 - keep.to(torch.float32)) * -10000.0   # Cast
        bias = bias[:, None, None, :].expand(1, 4, n, n)   # Unsqueeze, Expand
        first = ids[:, 0]                                  # Gather
        return bias.sum(2) + positions.unsqueeze(1).float() + first.float()


def mish(x):
    return x * torch.tanh(F.softplus(x))


class Cba(nn.Module):
    def __init__(self, cin, cout, k, s, act):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = act

    def forward(self, x):
        x = self.bn(self.conv(x))
        return mish(x) if self.act == "mish" else F.leaky_relu(x, 0.1)


class YoloHead(nn.Module):
    """A small YOLO-style network: CSP-ish Mish convs, SPP, upsample + concat, two heads and the
    YOLO layer (sigmoid / exp box decoding on [N, anchors, 5 + classes, H, W])."""

    def __init__(self, classes=3):
        super().__init__()
        self.k = 5 + classes
        self.c1 = Cba(3, 8, 3, 2, "mish")
        self.c2 = Cba(8, 16, 3, 2, "mish")
        self.c3 = Cba(16, 16, 1, 1, "leaky")
        self.c4 = Cba(64, 16, 1, 1, "leaky")
        self.c5 = Cba(16, 8, 1, 1, "leaky")
        self.c6 = Cba(16, 8, 3, 1, "leaky")
        self.h1 = nn.Conv2d(16, 2 * self.k, 1)
        self.h2 = nn.Conv2d(8, 2 * self.k, 1)
        self.anchors = torch.tensor([[4.0, 6.0], [8.0, 10.0]]).view(1, 2, 1, 1, 2)

    def decode(self, y):
        n, _, h, w = y.shape
        y = y.view(n, 2, self.k, h, w).permute(0, 1, 3, 4, 2)
        xy = torch.sigmoid(y[..., 0:2])
        wh = torch.exp(y[..., 2:4]) * self.anchors
        rest = torch.sigmoid(y[..., 4:])
        return torch.cat([xy, wh, rest], -1).reshape(n, -1, self.k)

    def forward(self, x):
        x = self.c2(self.c1(x))
        x = self.c3(x)
        spp = torch.cat([F.max_pool2d(x, k, 1, k // 2) for k in (5, 3)] + [x, x], 1)
        x = self.c4(spp)
        up = F.interpolate(self.c5(x), scale_factor=2, mode="nearest")
        y2 = self.c6(torch.cat([up, up], 1))
        return torch.cat([self.decode(self.h1(x)), self.decode(self.h2(y2))], 1)


class HfLayer(nn.Module):
    """Hugging Face BertLayer/RobertaLayer arithmetic (eval), written out so the export has its
    shape: per-head Reshape/Transpose, scores / sqrt(dh) + mask, Softmax, merge."""

    def __init__(self, d=64, heads=4, ffn=128):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.f1, self.f2 = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, x, mask):
        b, s, d = x.shape

        def heads(t):
            return t.view(b, s, self.h, self.dh).permute(0, 2, 1, 3)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + mask
        ctx = torch.matmul(torch.softmax(scores, -1), v).permute(0, 2, 1, 3).reshape(b, s, d)
        x = self.ln1(self.o(ctx) + x)
        return self.ln2(self.f2(F.gelu(self.f1(x))) + x)


class MaskedEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(HfLayer() for _ in range(2))

    def forward(self, embeddings, attention_mask):
        m = attention_mask[:, None, None, :].to(torch.float32)
        m = (1.0 - m) * torch.finfo(torch.float32).min
        x = embeddings
        for layer in self.layers:
            x = layer(x, m)
        return x


def torchtext_roberta(layers):
    RobertaEncoderConf, RobertaModel = roberta_classes()
    return RobertaModel(RobertaEncoderConf(num_encoder_layers=layers))


def save(out, name, model, inputs, input_names, dynamic=None):
    model.eval()
    path = os.path.join(out, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, tuple(inputs), path, opset_version=OPSET,
                          input_names=input_names, output_names=["output"],
                          do_constant_folding=False)
        y = model(*inputs)
    if isinstance(y, (tuple, list)):
        y = y[0]
    if len(inputs) == 1:
        np.save(os.path.join(out, name + "_input.npy"), inputs[0].numpy().astype(np.float32))
    else:
        for i, t in zip(input_names, inputs):
            np.save(os.path.join(out, name + "_" + i + ".npy"), t.numpy().astype(np.float32))
    np.save(os.path.join(out, name + "_output.npy"), y.numpy().astype(np.float32))
    print(name, tuple(y.shape))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data",
                                                   "onnx", "ops"))
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(1, 4, 8, 8)
    for name, fn in (("mish", mish), ("softplus", F.softplus), ("tanh", torch.tanh),
                     ("sigmoid", torch.sigmoid), ("leaky_relu", lambda t: F.leaky_relu(t, 0.1))):
        save(out, name, ConvThen(fn), [x * 3.0], ["input"])
    save(out, "upsample_nearest", Interp("nearest"), [x], ["input"])
    save(out, "resize_bilinear", Interp("bilinear"), [x], ["input"])
    save(out, "strided_slice", StridedSlice(), [torch.randn(1, 8, 8, 8)], ["input"])
    save(out, "split", SplitCat(), [torch.randn(1, 8, 4, 4)], ["input"])
    save(out, "pad_value", PadValue(), [x], ["input"])
    save(out, "topk", TopK(), [torch.randn(1, 4, 4, 4)], ["input"])
    save(out, "l2norm", L2Norm(), [x], ["input"])
    ids = torch.tensor([[0, 5, 7, 9, 4, 1, 1, 1]])
    save(out, "mask_ops", MaskOps(), [ids], ["input"])
    yolo = YoloHead()
    for m in yolo.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    save(out, "yolo_head", yolo, [torch.randn(1, 3, 32, 32)], ["input"])
    mask = torch.ones(1, 16, dtype=torch.int64)
    mask[0, 11:] = 0
    save(out, "masked_encoder", MaskedEncoder(), [torch.randn(1, 16, 64), mask],
         ["embeddings", "attention_mask"])
    roberta = torchtext_roberta(2).eval()
    # The exportable path of torch.nn.TransformerEncoder: no nested tensors, and gradients on so
    # that the fused inference kernel (_transformer_encoder_layer_fwd) is not taken.
    roberta.encoder.transformer.layers.enable_nested_tensor = False
    tokens = torch.randint(3, 50000, (1, 128))
    tokens[0, 100:] = 1  # padding_idx: the mask the export builds
    path = os.path.join(out, "roberta_encoder.onnx")
    with torch.enable_grad():
        torch.onnx.export(roberta, (tokens,), path, opset_version=OPSET, input_names=["tokens"],
                          output_names=["output"], export_params=False)
    print("roberta_encoder (no parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
