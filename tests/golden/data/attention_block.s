; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="attention_block" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[1,8,64] dim_order=[2,0,1] core=0 offset=0x0 bytes=1024
.tensor "attn.LayerNorm.out" kind=output dtype=bf16 shape=[1,8,64] dim_order=[2,0,1] core=0 offset=0x400 bytes=1024
.tensor "attn.query.MatMul.weight" kind=weight dtype=bf16 shape=[4096] dim_order=[0] core=0 offset=0x800 bytes=8192
.tensor "attn.query.MatMul.bias" kind=weight dtype=fp32 shape=[64,1] dim_order=[0,1] core=0 offset=0x2800 bytes=256
.tensor "attn.key.MatMul.weight" kind=weight dtype=bf16 shape=[4096] dim_order=[0] core=0 offset=0x2900 bytes=8192
.tensor "attn.key.MatMul.bias" kind=weight dtype=fp32 shape=[64,1] dim_order=[0,1] core=0 offset=0x4900 bytes=256
.tensor "attn.value.MatMul.weight" kind=weight dtype=bf16 shape=[4096] dim_order=[0] core=0 offset=0x4a00 bytes=8192
.tensor "attn.value.MatMul.bias" kind=weight dtype=fp32 shape=[64,1] dim_order=[0,1] core=0 offset=0x6a00 bytes=256
.tensor "attn.output.MatMul.weight" kind=weight dtype=bf16 shape=[4096] dim_order=[0] core=0 offset=0x6b00 bytes=8192
.tensor "attn.output.MatMul.bias" kind=weight dtype=fp32 shape=[64,1] dim_order=[0,1] core=0 offset=0x8b00 bytes=256
.tensor "attn.LayerNorm.scale_shift" kind=weight dtype=fp32 shape=[64,1,2] dim_order=[0,1,2] core=0 offset=0x8c00 bytes=512
.layer "attn.query.MatMul" op="MatMul" macs=32768 flops=0 core=0 sbuf_bytes=122880 psum_bytes=131072
.layer "attn.key.MatMul" op="MatMul" macs=32768 flops=0 core=0 sbuf_bytes=131072 psum_bytes=131072
.layer "attn.value.MatMul" op="MatMul" macs=32768 flops=0 core=0 sbuf_bytes=139264 psum_bytes=131072
.layer "attn.context.Reshape" op="Attention" macs=8192 flops=768 core=0 sbuf_bytes=262144 psum_bytes=1048576
.layer "attn.output.MatMul" op="MatMul" macs=32768 flops=512 core=0 sbuf_bytes=131072 psum_bytes=131072
.layer "attn.LayerNorm" op="LayerNormalization" macs=0 flops=5120 core=0 sbuf_bytes=147456 psum_bytes=262144
.memory sbuf_peak=262144 sbuf_static_weights=32768 weights_streamed=0 psum_peak=1048576 dram_bytes=36352
.operator "Add" count=5 supported=true arithmetic=true
.operator "Div" count=1 supported=true arithmetic=true
.operator "LayerNormalization" count=1 supported=true arithmetic=true
.operator "MatMul" count=6 supported=true arithmetic=true
.operator "Reshape" count=4 supported=true arithmetic=false
.operator "Softmax" count=1 supported=true arithmetic=true
.operator "Transpose" count=4 supported=true arithmetic=false
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 3 instructions
  dma_copy dst=fp32:sbuf[0:64]+0x0{1:1} src0=fp32:dram[0:64*1]+0x2800{1:1}
  dma_copy dst=bf16:sbuf[0:64]+0x1c0{64:1} src0=bf16:dram[0:64*64]+0x2900{64:1} layer=1
  dma_copy dst=fp32:sbuf[0:64]+0xc0{1:1} src0=fp32:dram[0:64*1]+0x8b00{1:1} layer=4
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 3 instructions
  dma_copy dst=bf16:sbuf[0:64]+0x140{64:1} src0=bf16:dram[0:64*64]+0x800{64:1}
  dma_copy dst=fp32:sbuf[0:64]+0x80{1:1} src0=fp32:dram[0:64*1]+0x6a00{1:1} layer=2
  dma_copy dst=bf16:sbuf[0:64]+0x2c0{64:1} src0=bf16:dram[0:64*64]+0x6b00{64:1} layer=4
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 3 instructions
  dma_copy dst=fp32:sbuf[0:64]+0x40{1:1} src0=fp32:dram[0:64*1]+0x4900{1:1} layer=1
  dma_copy dst=bf16:sbuf[0:64]+0x240{64:1} src0=bf16:dram[0:64*64]+0x4a00{64:1} layer=2
  dma_copy dst=fp32:sbuf[0:64]+0x100{2:1} src0=fp32:dram[0:64*2]+0x8c00{2:1} layer=5
.inference
.queue engine=tensor  ; queue 0, 24 instructions
  load_weights src0=bf16:sbuf[0:64]+0x140{64:1} signal=s0+1
  matmul dst=fp32:psum[0:64]+0x0{8:1} src0=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} wait=s3>=1 signal=s0+1
  load_weights src0=bf16:sbuf[0:64]+0x1c0{64:1} signal=s0+1 layer=1
  matmul dst=fp32:psum[0:64]+0x800{8:1} src0=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:64]+0x240{64:1} signal=s0+1 layer=2
  matmul dst=fp32:psum[0:64]+0x1000{8:1} src0=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} signal=s0+1 layer=2
  transpose dst=fp32:psum[0:8]+0x1800{32:1} src0=bf16:sbuf[0:32]+0x400{8:1} wait=s1>=3 signal=s0+1 layer=3
  load_weights src0=bf16:sbuf[0:32]+0x380{8:1} signal=s0+1 layer=3
  matmul dst=fp32:psum[0:8]+0x2000{8:1} src0=bf16:sbuf[0:32]+0x3c0{8:1} signal=s0+1 layer=3
  transpose dst=fp32:psum[0:8]+0x2800{8:1} src0=bf16:sbuf[0:8]+0x480{8:1} wait=s2>=4 signal=s0+1 layer=3
  load_weights src0=bf16:sbuf[0:8]+0x510{32:1} wait=s1>=4 signal=s0+1 layer=3
  matmul dst=fp32:psum[0:32]+0x3000{8:1} src0=bf16:sbuf[0:8]+0x490{8:1} wait=s2>=5 signal=s0+1 layer=3
  transpose dst=fp32:psum[0:8]+0x3800{32:1} src0=bf16:sbuf[32:64]+0x400{8:1} signal=s0+1 layer=3
  load_weights src0=bf16:sbuf[32:64]+0x380{8:1} signal=s0+1 layer=3
  matmul dst=fp32:psum[0:8]+0x0{8:1} src0=bf16:sbuf[32:64]+0x3c0{8:1} signal=s0+1 layer=3
  transpose dst=fp32:psum[0:8]+0x800{8:1} src0=bf16:sbuf[0:8]+0x600{8:1} wait=s2>=9 signal=s0+1 layer=3
  load_weights src0=bf16:sbuf[0:8]+0x690{32:1} wait=s1>=8 signal=s0+1 layer=3
  matmul dst=fp32:psum[0:32]+0x1000{8:1} src0=bf16:sbuf[0:8]+0x610{8:1} wait=s2>=10 signal=s0+1 layer=3
  load_weights src0=bf16:sbuf[0:64]+0x2c0{64:1} signal=s0+1 layer=4
  matmul dst=fp32:psum[0:64]+0x1800{8:1} src0=bf16:sbuf[0:64]+0x440{1:8,1:8,8:1} wait=s1>=11 signal=s0+1 layer=4
  load_weights src0=bf16:sbuf[0:64]+0x3c0{64:1} wait=s2>=12 signal=s0+1 layer=5
  matmul dst=fp32:psum[0:64]+0x2000{8:1} src0=bf16:sbuf[0:64]+0x380{8:1} signal=s0+1 layer=5
  load_weights src0=bf16:sbuf[0:64]+0x3c0{64:1} signal=s0+1 layer=5
  matmul dst=fp32:psum[0:64]+0x2800{8:1} src0=bf16:sbuf[0:64]+0x440{8:1} wait=s1>=14 signal=s0+1 layer=5
.queue engine=scalar  ; queue 1, 15 instructions
  activate func=identity dst=bf16:sbuf[0:64]+0x380{1:8,1:8,8:1} src0=fp32:psum[0:64]+0x0{8:1} src1=fp32:sbuf[0:64]+0x0{1:1} wait=s0>=2 signal=s1+1
  activate func=identity dst=bf16:sbuf[0:64]+0x3c0{1:8,1:8,8:1} src0=fp32:psum[0:64]+0x800{8:1} src1=fp32:sbuf[0:64]+0x40{1:1} wait=s0>=4 signal=s1+1 layer=1
  activate func=identity dst=bf16:sbuf[0:64]+0x400{1:8,1:8,8:1} src0=fp32:psum[0:64]+0x1000{8:1} src1=fp32:sbuf[0:64]+0x80{1:1} wait=s0>=6 signal=s1+1 layer=2
  activate func=identity dst=bf16:sbuf[0:8]+0x510{32:1} src0=fp32:psum[0:8]+0x1800{32:1} wait=s0>=7 signal=s1+1 layer=3
  activate func=exp dst=bf16:sbuf[0:8]+0x480{8:1} src0=fp32:psum[0:8]+0x2000{8:1} src1=bf16:sbuf[0:8]+0x552{1:1} scale=0.176776692 wait=s0>=9 wait=s2>=2 signal=s1+1 layer=3
  activate func=reciprocal dst=bf16:sbuf[0:8]+0x556{1:1} src0=bf16:sbuf[0:8]+0x554{1:1} wait=s2>=3 signal=s1+1 layer=3
  activate func=identity dst=bf16:sbuf[0:32]+0x440{8:1} src0=fp32:psum[0:32]+0x3000{8:1} wait=s0>=12 signal=s1+1 layer=3
  activate func=identity dst=bf16:sbuf[0:8]+0x690{32:1} src0=fp32:psum[0:8]+0x3800{32:1} wait=s0>=13 signal=s1+1 layer=3
  activate func=exp dst=bf16:sbuf[0:8]+0x600{8:1} src0=fp32:psum[0:8]+0x0{8:1} src1=bf16:sbuf[0:8]+0x6d2{1:1} scale=0.176776692 wait=s0>=15 wait=s2>=7 signal=s1+1 layer=3
  activate func=reciprocal dst=bf16:sbuf[0:8]+0x6d6{1:1} src0=bf16:sbuf[0:8]+0x6d4{1:1} wait=s2>=8 signal=s1+1 layer=3
  activate func=identity dst=bf16:sbuf[32:64]+0x440{8:1} src0=fp32:psum[0:32]+0x1000{8:1} wait=s0>=18 signal=s1+1 layer=3
  activate func=identity dst=bf16:sbuf[0:64]+0x380{1:8,1:8,8:1} src0=fp32:psum[0:64]+0x1800{8:1} src1=fp32:sbuf[0:64]+0xc0{1:1} wait=s0>=20 signal=s1+1 layer=4
  activate func=identity dst=bf16:sbuf[0:64]+0x450{8:1} src0=fp32:psum[0:64]+0x2000{8:1} scale=0.015625 wait=s0>=22 signal=s1+1 layer=5
  activate func=square dst=bf16:sbuf[0:64]+0x440{8:1} src0=bf16:sbuf[0:64]+0x340{8:1} wait=s2>=13 signal=s1+1 layer=5
  activate func=rsqrt dst=bf16:sbuf[0:64]+0x460{8:1} src0=bf16:sbuf[0:64]+0x460{8:1} wait=s2>=14 signal=s1+1 layer=5
.queue engine=vector  ; queue 2, 16 instructions
  reduce func=max dst=bf16:sbuf[0:8]+0x550{1:1} src0=fp32:psum[0:8]+0x2000{8:1} wait=s0>=9 signal=s2+1 layer=3
  tensor_scalar func=mul func2=none dst=bf16:sbuf[0:8]+0x552{1:1} src0=bf16:sbuf[0:8]+0x550{1:1} scale=-0.176776692 signal=s2+1 layer=3
  reduce func=add dst=bf16:sbuf[0:8]+0x554{1:1} src0=bf16:sbuf[0:8]+0x480{8:1} wait=s1>=5 signal=s2+1 layer=3
  tensor_scalar func=mul func2=none per_partition dst=bf16:sbuf[0:8]+0x480{8:1} src0=bf16:sbuf[0:8]+0x480{8:1} src1=bf16:sbuf[0:8]+0x556{2:1} wait=s1>=6 signal=s2+1 layer=3
  tensor_scalar func=none func2=none dst=bf16:sbuf[0:8]+0x490{8:1} src0=fp32:psum[0:8]+0x2800{8:1} wait=s0>=10 signal=s2+1 layer=3
  reduce func=max dst=bf16:sbuf[0:8]+0x6d0{1:1} src0=fp32:psum[0:8]+0x0{8:1} wait=s0>=15 signal=s2+1 layer=3
  tensor_scalar func=mul func2=none dst=bf16:sbuf[0:8]+0x6d2{1:1} src0=bf16:sbuf[0:8]+0x6d0{1:1} scale=-0.176776692 signal=s2+1 layer=3
  reduce func=add dst=bf16:sbuf[0:8]+0x6d4{1:1} src0=bf16:sbuf[0:8]+0x600{8:1} wait=s1>=9 signal=s2+1 layer=3
  tensor_scalar func=mul func2=none per_partition dst=bf16:sbuf[0:8]+0x600{8:1} src0=bf16:sbuf[0:8]+0x600{8:1} src1=bf16:sbuf[0:8]+0x6d6{2:1} wait=s1>=10 signal=s2+1 layer=3
  tensor_scalar func=none func2=none dst=bf16:sbuf[0:8]+0x610{8:1} src0=fp32:psum[0:8]+0x800{8:1} wait=s0>=16 signal=s2+1 layer=3
  tensor_tensor func=add dst=bf16:sbuf[0:64]+0x380{1:8,1:8,8:1} src0=bf16:sbuf[0:64]+0x380{1:8,1:8,8:1} src1=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} wait=s1>=12 wait=s3>=1 signal=s2+1 layer=4
  memset dst=bf16:sbuf[0:128]+0x3c0{64:1} signal=s2+1 layer=5
  tensor_tensor func=sub dst=bf16:sbuf[0:64]+0x340{8:1} src0=bf16:sbuf[0:64]+0x380{8:1} src1=bf16:sbuf[0:64]+0x450{8:1} wait=s1>=13 signal=s2+1 layer=5
  tensor_scalar func=mul func2=add dst=bf16:sbuf[0:64]+0x460{8:1} src0=fp32:psum[0:64]+0x2800{8:1} scale=0.015625 bias=9.99999975e-06 wait=s0>=24 signal=s2+1 layer=5
  tensor_tensor func=mul dst=bf16:sbuf[0:64]+0x340{8:1} src0=bf16:sbuf[0:64]+0x340{8:1} src1=bf16:sbuf[0:64]+0x460{8:1} wait=s1>=15 signal=s2+1 layer=5
  tensor_scalar func=mul func2=add per_partition dst=bf16:sbuf[0:64]+0x340{8:1} src0=bf16:sbuf[0:64]+0x340{8:1} src1=fp32:sbuf[0:64]+0x100{2:1} signal=s2+1 layer=5
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} src0=bf16:dram[0:64*8]+0x0{8:1} signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:64*8]+0x400{8:1} src0=bf16:sbuf[0:64]+0x340{1:8,1:8,8:1} wait=s2>=16 signal=s5+1 layer=5
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
