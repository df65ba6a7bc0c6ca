#!/usr/bin/python3
"""Writes trivial_x3p1.onnx beside this script: y = x * 3 + 1 on 150,528 fp32 values.

It is the model of NeuronPerf's sample results (reference/inferentia.md §3.4, SDK
tools/neuronperf/model_neuron_b1.csv): a model with next to no device work, so its rows measure
the runtime's overhead floor and the model load time. NeuronPerf's input is 1x3x224x224; this
one holds the same 150,528 values (the same 602,112 bytes to copy, cast and move over PCIe) as
1x128x49x24, because infsim's compiler puts channels on SBUF partitions and does not band an
element-wise-only graph: 3 channels of 224x224 need 200 KB per partition, more than it has.
Written with Debian's python3-onnx (onnx.helper only); the .onnx is committed, so validate never
needs python.

Run:  /usr/bin/python3 configs/validation/export_trivial_model.py
"""

import os

import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 128, 49, 24])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 128, 49, 24])
three = helper.make_tensor("three", TensorProto.FLOAT, [], [3.0])
one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
graph = helper.make_graph(
    [helper.make_node("Mul", ["x", "three"], ["x3"], name="mul"),
     helper.make_node("Add", ["x3", "one"], ["y"], name="add")],
    "trivial_x3p1", [x], [y], initializer=[three, one])
model = helper.make_model(graph, producer_name="infsim",
                          opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)), "trivial_x3p1.onnx"))
