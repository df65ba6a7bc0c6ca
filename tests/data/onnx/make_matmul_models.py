#!/usr/bin/env python3
"""Writes the MatMul import test models (tests/unit/models_onnx_test.cpp, MatMul cases):
matmul_2d.onnx, x [128, 128] x w [128, 128], and matmul_3d.onnx, x [1, 1024, 256] x w [256, 64],
from text protos through `protoc --encode` and Debian's onnx.proto. w is a graph input without
an initializer, so the importer synthesizes it (a shape-only model, a few hundred bytes).
Run from anywhere: python3 tests/data/onnx/make_matmul_models.py"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def tensor(name, dims):
    d = ' '.join(f'dim {{ dim_value: {v} }}' for v in dims)
    return f'name: "{name}" type {{ tensor_type {{ elem_type: 1 shape {{ {d} }} }} }}'


def matmul(x, w, y):
    return (f'ir_version: 8 opset_import {{ version: 13 }} graph {{ name: "matmul" '
            f'node {{ input: "x" input: "w" output: "y" name: "mm" op_type: "MatMul" }} '
            f'input {{ {tensor("x", x)} }} input {{ {tensor("w", w)} }} '
            f'output {{ {tensor("y", y)} }} }}')


MODELS = {
    'matmul_2d': matmul([128, 128], [128, 128], [128, 128]),
    'matmul_3d': matmul([1, 1024, 256], [256, 64], [1, 1024, 64]),
}

proto_dir = '/usr/include/onnx'
for name, text in MODELS.items():
    out = subprocess.run(['protoc', f'-I{proto_dir}', '--encode=onnx.ModelProto', 'onnx.proto'],
                         input=text.encode(), capture_output=True, check=True, cwd=proto_dir)
    with open(os.path.join(HERE, name + '.onnx'), 'wb') as f:
        f.write(out.stdout)
