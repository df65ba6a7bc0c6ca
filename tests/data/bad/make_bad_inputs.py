#!/usr/bin/env python3
"""Writes the binary inputs of the bad-input catalogue (tests/e2e/bad_input_catalogue_test.cpp):
onnx/*.onnx (from the text protos below, through `protoc --encode` and Debian's onnx.proto),
npy/*.npy and ifx/*.ifx (mutations of tests/data/ifx/one_conv.ifx, checksums recomputed where the
case is not about the checksum). Run from anywhere: python3 tests/data/bad/make_bad_inputs.py"""
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

# x [1, 3, 8, 8] float -> `body` -> y; `inputs` overrides the graph input, `extra` goes in the graph.
def model(body, inputs=None, outputs='output { name: "y" type { tensor_type { elem_type: 1 } } }',
          extra='', opset=13):
    if inputs is None:
        inputs = dims_input([1, 3, 8, 8])
    return (f'ir_version: 8 opset_import {{ version: {opset} }} graph {{ name: "g" {body} {extra} '
            f'{inputs} {outputs} }}')

def dims_input(dims, name='x', elem=1, symbolic=None):
    d = ' '.join(f'dim {{ dim_value: {v} }}' for v in dims)
    if symbolic is not None:
        d = ' '.join(f'dim {{ dim_value: {v} }}' if i != symbolic else 'dim { dim_param: "n" }'
                     for i, v in enumerate(dims))
    return f'input {{ name: "{name}" type {{ tensor_type {{ elem_type: {elem} shape {{ {d} }} }} }} }}'

def floats(name, dims, count=None):
    n = 1
    for v in dims:
        n *= v
    n = n if count is None else count
    vals = ' '.join('float_data: 0.5' for _ in range(n))
    return f'initializer {{ name: "{name}" data_type: 1 {" ".join(f"dims: {v}" for v in dims)} {vals} }}'

def ints(name, values):
    return (f'initializer {{ name: "{name}" data_type: 7 dims: {len(values)} '
            f'{" ".join(f"int64_data: {v}" for v in values)} }}')

def node(op, inputs, outputs, attrs='', name=None, domain=''):
    i = ' '.join(f'input: "{v}"' for v in inputs)
    o = ' '.join(f'output: "{v}"' for v in outputs)
    d = f'domain: "{domain}"' if domain else ''
    return f'node {{ {i} {o} name: "{name or op.lower()}" op_type: "{op}" {d} {attrs} }}'

def attr_ints(name, values):
    return f'attribute {{ name: "{name}" type: INTS {" ".join(f"ints: {v}" for v in values)} }}'

def attr_int(name, v):
    return f'attribute {{ name: "{name}" type: INT i: {v} }}'

def attr_str(name, v):
    return f'attribute {{ name: "{name}" type: STRING s: "{v}" }}'

def conv(attrs, weight=(4, 3, 3, 3)):
    return model(node('Conv', ['x', 'w'], ['y'], attrs), extra=floats('w', list(weight)))

ONNX = {
    'relu_no_output': model(node('Relu', ['x'], [])),
    'shape_no_output': model(node('Shape', ['x'], []) + node('Relu', ['x'], ['y'], name='r')),
    'size_no_input': model(node('Size', [], ['s']) + node('Relu', ['x'], ['y'], name='r')),
    'cast_no_input': model(node('Cast', [], ['c'], attr_int('to', 1)) +
                           node('Relu', ['x'], ['y'], name='r')),
    'conv_stride_0': conv(attr_ints('strides', [0, 0])),
    'conv_dilation_0': conv(attr_ints('dilations', [0, 1])),
    'conv_negative_pad': conv(attr_ints('pads', [-1, 0, 0, 0])),
    'conv_huge_kernel_attr': conv(attr_ints('strides', [1, 4611686018427387904])),
    'conv_group_0': conv(attr_int('group', 0)),
    'conv_window_too_big': conv('', weight=(4, 3, 9, 9)),
    'input_dim_zero': model(node('Relu', ['x'], ['y']), inputs=dims_input([1, 0, 8, 8])),
    'input_dim_negative': model(node('Relu', ['x'], ['y']), inputs=dims_input([1, 3, -8, 8])),
    'input_symbolic_dim': model(node('Relu', ['x'], ['y']), inputs=dims_input([1, 3, 8, 8], symbolic=2)),
    'input_huge': model(node('Relu', ['x'], ['y']),
                        inputs=dims_input([1, 3000000000, 3000000000, 3000000000])),
    'input_string_type': model(node('Relu', ['x'], ['y']), inputs=dims_input([1, 3, 8, 8], elem=8)),
    'initializer_negative_dim': model(node('Add', ['x', 'k'], ['y']),
                                      extra='initializer { name: "k" data_type: 1 dims: -1 }'),
    'initializer_raw_size': model(node('Add', ['x', 'k'], ['y']),
                                  extra='initializer { name: "k" data_type: 1 dims: 4 raw_data: "abc" }'),
    'initializer_count': model(node('Add', ['x', 'k'], ['y']), extra=floats('k', [4], count=3)),
    'initializer_external': model(node('Add', ['x', 'k'], ['y']),
                                  extra='initializer { name: "k" data_type: 1 dims: 1 data_location: EXTERNAL }'),
    'initializer_huge': model(node('Add', ['x', 'k'], ['y']),
                              extra='initializer { name: "k" data_type: 1 dims: 1000000 dims: 1000000 }'),
    'unsupported_op': model(node('Frobnicate', ['x'], ['y'])),
    'unknown_domain': model(node('Relu', ['x'], ['y'], domain='com.example')),
    'dangling_input': model(node('Relu', ['nope'], ['y'])),
    'output_not_produced': model(node('Relu', ['x'], ['y']),
                                 outputs='output { name: "z" type { tensor_type { elem_type: 1 } } }'),
    'no_data_input': model(node('Relu', ['k'], ['y']), inputs='', extra=floats('k', [2])),
    'empty_graph': model(''),
    'constantofshape_two_values': model(
        node('ConstantOfShape', ['s'], ['c'],
             'attribute { name: "value" type: TENSOR t { data_type: 1 dims: 2 float_data: 1 float_data: 2 } }') +
        node('Add', ['x', 'c'], ['y'], name='add'), extra=ints('s', [1])),
    'constantofshape_negative': model(node('ConstantOfShape', ['s'], ['c']) +
                                      node('Add', ['x', 'c'], ['y'], name='add'), extra=ints('s', [-5])),
    'concat_axis_out_of_range': model(node('Concat', ['x', 'x'], ['y'], attr_int('axis', 7))),
    'pad_reflect': model(node('Pad', ['x', 'p'], ['y'], attr_str('mode', 'reflect')),
                         extra=ints('p', [0, 0, 1, 1, 0, 0, 1, 1])),
    'pad_huge': model(node('Pad', ['x', 'p'], ['y']),
                      extra=ints('p', [0, 0, 4611686018427387904, 1, 0, 0, 4611686018427387904, 1])),
    'reshape_two_minus_one': model(node('Reshape', ['x', 's'], ['y']), extra=ints('s', [-1, -1])),
    'reshape_mismatch': model(node('Reshape', ['x', 's'], ['y']), extra=ints('s', [5, 7])),
    'resize_cubic': model(node('Resize', ['x', '', 'sc'], ['y'], attr_str('mode', 'cubic')),
                          extra=floats('sc', [4])),
    'resize_huge_scale': model(node('Resize', ['x', '', 'sc'], ['y']),
                               extra='initializer { name: "sc" data_type: 1 dims: 4 float_data: 1 '
                                     'float_data: 1 float_data: 1e30 float_data: 1 }'),
    'gemm_mismatch': model(node('Flatten', ['x'], ['f']) + node('Gemm', ['f', 'w'], ['y'], name='gemm'),
                           extra=floats('w', [5, 10])),
    'matmul_mismatch': model(node('MatMul', ['x', 'w'], ['y']), extra=floats('w', [5, 2])),
    'broadcast_mismatch': model(node('Add', ['x', 'k'], ['y']), extra=floats('k', [5])),
    'transpose_bad_perm': model(node('Transpose', ['x'], ['y'], attr_ints('perm', [0, 1, 2, 7]))),
}

def write_onnx():
    proto_dir = '/usr/include/onnx'
    for name, text in ONNX.items():
        out = subprocess.run(['protoc', f'-I{proto_dir}', '--encode=onnx.ModelProto', 'onnx.proto'],
                             input=text.encode(), capture_output=True, check=True, cwd=proto_dir)
        with open(os.path.join(HERE, 'onnx', name + '.onnx'), 'wb') as f:
            f.write(out.stdout)
    with open(os.path.join(HERE, 'onnx', 'not_protobuf.onnx'), 'wb') as f:
        f.write(b'\xff\xff\xff\xff this is not a protobuf')

def npy(header, data=b'', version=(1, 0)):
    h = header.encode('latin-1')
    pad = (64 - (10 + len(h) + 1) % 64) % 64
    h += b' ' * pad + b'\n'
    return b'\x93NUMPY' + bytes(version) + struct.pack('<H', len(h)) + h + data

def write_npy():
    ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }"
    cases = {
        'bad_magic': b'\x93NUMPX' + npy(ok)[6:],
        'version_9': npy(ok, version=(9, 0)),
        'truncated_header': npy(ok)[:40],
        'no_descr': npy("{'fortran_order': False, 'shape': (1, 3, 8, 8), }"),
        'fortran_order': npy(ok.replace('False', 'True'), b'\0' * 768),
        'int64': npy(ok.replace('<f4', '<i8'), b'\0' * 1536),
        'data_short': npy(ok, b'\0' * 100),
        'wrong_shape': npy(ok.replace('(1, 3, 8, 8)', '(1, 3, 4, 4)'), b'\0' * 192),
    }
    for name, data in cases.items():
        with open(os.path.join(HERE, 'npy', name + '.npy'), 'wb') as f:
            f.write(data)

def fnv1a64(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h

def seal(payload, header=None):
    head = header or (b'IFX1' + struct.pack('<HH', 1, 0))
    return head + struct.pack('<QQ', len(payload), fnv1a64(payload)) + payload

def write_ifx():
    good = open(os.path.join(HERE, '..', 'ifx', 'one_conv.ifx'), 'rb').read()
    payload = good[24:]
    sections = struct.unpack_from('<I', payload)[0]
    table = bytearray(payload)
    # First section entry: {u32 id, u64 offset, u64 bytes} at payload offset 4.
    overrun = bytearray(table)
    struct.pack_into('<Q', overrun, 4 + 12, 1 << 40)
    missing = bytearray(table)
    struct.pack_into('<I', missing, 4 + 20, struct.unpack_from('<I', table, 4)[0])  # id twice
    gap = bytes(table[:4 + 20 * sections]) + b'\0' * 7 + bytes(table[4 + 20 * sections:])
    gap = bytearray(gap)
    for s in range(sections):
        off = struct.unpack_from('<Q', gap, 4 + 20 * s + 4)[0]
        struct.pack_into('<Q', gap, 4 + 20 * s + 4, off + 7)
    cases = {
        'empty': b'',
        'bad_magic': b'IFX2' + good[4:],
        'truncated_header': good[:10],
        'version_2': good[:4] + struct.pack('<H', 2) + good[6:],
        'checksum': good[:-1] + bytes([good[-1] ^ 0xff]),
        'trailing_bytes': good + b'\0\0\0',
        'truncated_payload': good[:-20],
        'section_overrun': seal(bytes(overrun)),
        'section_twice': seal(bytes(missing)),
        'bytes_outside_sections': seal(bytes(gap)),
    }
    for name, data in cases.items():
        with open(os.path.join(HERE, 'ifx', name + '.ifx'), 'wb') as f:
            f.write(data)

if __name__ == '__main__':
    write_onnx()
    write_npy()
    write_ifx()
