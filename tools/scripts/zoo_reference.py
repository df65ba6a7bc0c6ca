#!/usr/bin/python3
"""Reference parameter and MAC counts of the zoo's detection, pose and encoder models.

Run with Debian's python3-torch / python3-torchvision / python3-torchtext (no downloads, no
weights): each model is built from its reference implementation, parameters are counted as
sum(p.numel() for p in model.parameters()) and MACs (batch 1) with forward hooks on Conv2d and
Linear (out.numel() * in_features or in_channels / groups * kh * kw) plus, for encoders, the two
attention products 2 * S * S * D per layer (functional matmuls that hooks do not see). Writes
tests/data/zoo/reference_counts.csv, which tests/unit/models_zoo_test.cpp checks the zoo against,
so the build never needs torch.

  yolov4             Tianxiaomo/pytorch-YOLOv4 (models.py) structure, 80 classes, 608x608
  openpose           CMU body pose (pytorch-openpose bodypose_model), 368x432 (H x W)
  ssd300             torchvision.models.detection.ssd300_vgg16(num_classes=91) backbone + heads
  bert_large         24 x torch.nn.TransformerEncoderLayer(1024, 16, 4096), seq 128
  roberta_base       torchtext ROBERTA_BASE_ENCODER's encoder layers (embeddings excluded)
  distilroberta_base the same configuration with 6 layers
"""
import csv
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torchtext_roberta import roberta_classes


def mish(x):
    return x * torch.tanh(F.softplus(x))


class CBA(nn.Module):
    """Conv_Bn_Activation of pytorch-YOLOv4: conv (no bias when bn) + BN + mish/leaky/linear."""

    def __init__(self, cin, cout, k, s, act, bn=True, bias=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=bias)
        self.bn = nn.BatchNorm2d(cout) if bn else None
        self.act = act

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.act == "mish":
            return mish(x)
        if self.act == "leaky":
            return F.leaky_relu(x, 0.1)
        return x


class ResBlock(nn.Module):
    def __init__(self, ch, n):
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.ModuleList([CBA(ch, ch, 1, 1, "mish"), CBA(ch, ch, 3, 1, "mish")]) for _ in range(n))

    def forward(self, x):
        for a, b in self.blocks:
            x = x + b(a(x))
        return x


class DownSample1(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = CBA(3, 32, 3, 1, "mish")
        self.c2 = CBA(32, 64, 3, 2, "mish")
        self.c3 = CBA(64, 64, 1, 1, "mish")
        self.c4 = CBA(64, 64, 1, 1, "mish")
        self.c5 = CBA(64, 32, 1, 1, "mish")
        self.c6 = CBA(32, 64, 3, 1, "mish")
        self.c7 = CBA(64, 64, 1, 1, "mish")
        self.c8 = CBA(128, 64, 1, 1, "mish")

    def forward(self, x):
        x2 = self.c2(self.c1(x))
        x3 = self.c3(x2)
        x4 = self.c4(x2)
        x6 = self.c6(self.c5(x4)) + x4
        return self.c8(torch.cat([self.c7(x6), x3], 1))


class DownSample(nn.Module):
    def __init__(self, cin, cout, n):
        super().__init__()
        h = cout // 2
        self.c1 = CBA(cin, cout, 3, 2, "mish")
        self.c2 = CBA(cout, h, 1, 1, "mish")
        self.c3 = CBA(cout, h, 1, 1, "mish")
        self.res = ResBlock(h, n)
        self.c4 = CBA(h, h, 1, 1, "mish")
        self.c5 = CBA(cout, cout, 1, 1, "mish")

    def forward(self, x):
        x1 = self.c1(x)
        x2 = self.c2(x1)
        x4 = self.c4(self.res(self.c3(x1)))
        return self.c5(torch.cat([x4, x2], 1))


def leaky_stack(chs):
    """Alternating 1x1 / 3x3 leaky CBAs: chs = [cin, c1, c2, ...], kernel 1 at even steps."""
    return nn.Sequential(*[CBA(chs[i], chs[i + 1], 1 if i % 2 == 0 else 3, 1, "leaky")
                           for i in range(len(chs) - 1)])


class Yolov4(nn.Module):
    def __init__(self, classes=80):
        super().__init__()
        out = 3 * (5 + classes)
        self.d1, self.d2 = DownSample1(), DownSample(64, 128, 2)
        self.d3, self.d4, self.d5 = DownSample(128, 256, 8), DownSample(256, 512, 8), DownSample(512, 1024, 4)
        self.n1 = leaky_stack([1024, 512, 1024, 512])
        self.n2 = leaky_stack([2048, 512, 1024, 512])
        self.n7 = CBA(512, 256, 1, 1, "leaky")
        self.n8 = CBA(512, 256, 1, 1, "leaky")
        self.n9 = leaky_stack([512, 256, 512, 256, 512, 256])
        self.n14 = CBA(256, 128, 1, 1, "leaky")
        self.n15 = CBA(256, 128, 1, 1, "leaky")
        self.n16 = leaky_stack([256, 128, 256, 128, 256, 128])
        self.h1 = CBA(128, 256, 3, 1, "leaky")
        self.h2 = CBA(256, out, 1, 1, "linear", bn=False, bias=True)
        self.h3 = CBA(128, 256, 3, 2, "leaky")
        self.h4 = leaky_stack([512, 256, 512, 256, 512, 256])
        self.h9 = CBA(256, 512, 3, 1, "leaky")
        self.h10 = CBA(512, out, 1, 1, "linear", bn=False, bias=True)
        self.h11 = CBA(256, 512, 3, 2, "leaky")
        self.h12 = leaky_stack([1024, 512, 1024, 512, 1024, 512])
        self.h17 = CBA(512, 1024, 3, 1, "leaky")
        self.h18 = CBA(1024, out, 1, 1, "linear", bn=False, bias=True)

    def forward(self, x):
        d3 = self.d3(self.d2(self.d1(x)))
        d4 = self.d4(d3)
        d5 = self.d5(d4)
        x3 = self.n1(d5)
        spp = torch.cat([F.max_pool2d(x3, k, 1, k // 2) for k in (13, 9, 5)] + [x3], 1)
        x6 = self.n2(spp)
        up = F.interpolate(self.n7(x6), scale_factor=2, mode="nearest")
        x13 = self.n9(torch.cat([self.n8(d4), up], 1))
        up = F.interpolate(self.n14(x13), scale_factor=2, mode="nearest")
        x20 = self.n16(torch.cat([self.n15(d3), up], 1))
        y1 = self.h2(self.h1(x20))
        x8 = self.h4(torch.cat([self.h3(x20), x13], 1))
        y2 = self.h10(self.h9(x8))
        x16 = self.h12(torch.cat([self.h11(x8), x6], 1))
        y3 = self.h18(self.h17(x16))
        return y1, y2, y3


class OpenPose(nn.Module):
    """CMU body pose: VGG-19 front (10 convs) + CPM + 6 stages of two branches (PAF 38, heat 19)."""

    def __init__(self):
        super().__init__()
        cfg = [(3, 64), (64, 64), "P", (64, 128), (128, 128), "P", (128, 256), (256, 256),
               (256, 256), (256, 256), "P", (256, 512), (512, 512), (512, 256), (256, 128)]
        layers = []
        for c in cfg:
            layers += [nn.MaxPool2d(2, 2)] if c == "P" else [nn.Conv2d(c[0], c[1], 3, 1, 1), nn.ReLU()]
        self.front = nn.Sequential(*layers)

        def branch(stage, out):
            if stage == 1:
                convs = [(128, 128, 3), (128, 128, 3), (128, 128, 3), (128, 512, 1), (512, out, 1)]
            else:
                convs = [(185, 128, 7)] + [(128, 128, 7)] * 4 + [(128, 128, 1), (128, out, 1)]
            mods = []
            for i, (a, b, k) in enumerate(convs):
                mods.append(nn.Conv2d(a, b, k, 1, k // 2))
                if i + 1 < len(convs):
                    mods.append(nn.ReLU())
            return nn.Sequential(*mods)

        self.paf = nn.ModuleList(branch(s, 38) for s in range(1, 7))
        self.heat = nn.ModuleList(branch(s, 19) for s in range(1, 7))

    def forward(self, x):
        f = self.front(x)
        a, b = self.paf[0](f), self.heat[0](f)
        for s in range(1, 6):
            cat = torch.cat([a, b, f], 1)
            a, b = self.paf[s](cat), self.heat[s](cat)
        return a, b


def count(model, *inputs, extra_macs=0):
    macs = [0]

    def hook(m, i, o):
        if isinstance(m, nn.Conv2d):
            macs[0] += o.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += o.numel() * m.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()(*inputs)
    for h in handles:
        h.remove()
    return sum(p.numel() for p in model.parameters()), macs[0] + extra_macs


def encoder_macs(layers, s, d, ffn):
    """Linear layers 4*S*D*D + 2*S*D*FFN and attention 2*S*S*D per layer (in_proj and out_proj
    run as functional F.linear inside nn.MultiheadAttention, so they are counted here too)."""
    return layers * (4 * s * d * d + 2 * s * d * ffn + 2 * s * s * d)


def roberta_encoder_params(layers):
    RobertaEncoderConf, RobertaModel = roberta_classes()
    conf = RobertaEncoderConf(vocab_size=50265, embedding_dim=768, ffn_dimension=3072,
                              padding_idx=1, max_seq_len=514, num_attention_heads=12,
                              num_encoder_layers=layers)
    model = RobertaModel(conf)
    enc = model.encoder.transformer
    embeddings = sum(p.numel() for m in (enc.token_embedding, enc.positional_embedding,
                                         enc.embedding_layer_norm) for p in m.parameters())
    return sum(p.numel() for p in model.parameters()) - embeddings


def main():
    torch.manual_seed(0)
    rows = []
    p, m = count(Yolov4(), torch.zeros(1, 3, 608, 608))
    rows.append(("yolov4", p, m))
    p, m = count(OpenPose(), torch.zeros(1, 3, 368, 432))
    rows.append(("openpose", p, m))
    import torchvision
    ssd = torchvision.models.detection.ssd300_vgg16(weights=None, weights_backbone=None,
                                                    num_classes=91)
    body = nn.Module()
    body.backbone, body.head = ssd.backbone, ssd.head

    def ssd_forward(x):
        feats = list(body.backbone(x).values())
        return body.head(feats)

    body.forward = ssd_forward
    p, m = count(body, torch.zeros(1, 3, 300, 300))
    rows.append(("ssd300", p, m))
    layer = nn.TransformerEncoderLayer(1024, 16, 4096)
    rows.append(("bert_large", 24 * sum(q.numel() for q in layer.parameters()),
                 encoder_macs(24, 128, 1024, 4096)))
    for name, layers in (("roberta_base", 12), ("distilroberta_base", 6)):
        rows.append((name, roberta_encoder_params(layers), encoder_macs(layers, 128, 768, 3072)))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "zoo",
                       "reference_counts.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "params", "macs"])
        w.writerows(rows)
    for r in rows:
        print(*r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
