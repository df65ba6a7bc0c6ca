; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="residual_block" batch=1 dtype=bf16 pipeline_cores=2 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[1,16,6,6] dim_order=[1,0,2,3] core=0 offset=0x0 bytes=1152
.tensor "relu2.out" kind=output dtype=bf16 shape=[1,16,6,6] dim_order=[1,0,2,3] core=1 offset=0x480 bytes=1152
.tensor "conv1.weight" kind=weight dtype=bf16 shape=[256] dim_order=[0] core=0 offset=0x900 bytes=512
.tensor "conv1.bias" kind=weight dtype=fp32 shape=[16,1] dim_order=[0,1] core=0 offset=0xb00 bytes=64
.tensor "conv2.weight" kind=weight dtype=bf16 shape=[2304] dim_order=[0] core=1 offset=0xb40 bytes=4608
.tensor "conv2.bias" kind=weight dtype=fp32 shape=[16,1] dim_order=[0,1] core=1 offset=0x1d40 bytes=64
.layer "conv1" op="Conv" macs=9216 flops=0 core=0 sbuf_bytes=49152 psum_bytes=131072
.layer "conv2" op="Conv" macs=82944 flops=576 core=1 sbuf_bytes=98304 psum_bytes=131072
.memory sbuf_peak=49152 sbuf_static_weights=512 weights_streamed=0 psum_peak=131072 dram_bytes=1728
.memory sbuf_peak=98304 sbuf_static_weights=4608 weights_streamed=0 psum_peak=131072 dram_bytes=5824
.operator "Add" count=1 supported=true arithmetic=true
.operator "BatchNormalization" count=2 supported=true arithmetic=true
.operator "Conv" count=2 supported=true arithmetic=true
.operator "Relu" count=2 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 1 instructions
  dma_copy dst=fp32:sbuf[0:16]+0x0{1:1} src0=fp32:dram[0:16*1]+0xb00{1:1}
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf[0:16]+0x40{16:1} src0=bf16:dram[0:16*16]+0x900{16:1}
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 2 instructions
  load_weights src0=bf16:sbuf[0:16]+0x40{16:1} signal=s0+1
  matmul dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:16]+0x80{1:36,6:6,6:1} wait=s3>=1 signal=s0+1
.queue engine=scalar  ; queue 1, 1 instructions
  activate func=relu dst=bf16:sbuf[0:16]+0x112{1:64,6:8,6:1} src0=fp32:psum[0:16]+0x0{36:1} src1=fp32:sbuf[0:16]+0x0{1:1} wait=s0>=2 wait=s2>=4 signal=s1+1
.queue engine=vector  ; queue 2, 4 instructions
  memset dst=bf16:sbuf[0:16]+0x100{1:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x170{1:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x110{1:64,6:8,1:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x11e{1:64,6:8,1:1} scale=0 signal=s2+1
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:16]+0x80{1:36,6:6,6:1} src0=bf16:dram[0:16*36]+0x0{36:1} signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 0 instructions
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=1  ; queue 7, 2 instructions
  dma_copy dst=bf16:sbuf@c1[0:16]+0x200{64:1} src0=bf16:sbuf[0:16]+0x100{64:1} wait=s1>=1 wait=s2>=4 signal=c1.s9+1
  nop signal=s7+1
.queue engine=dma dma_engine=0 dma_queue=1  ; queue 8, 0 instructions
.core 1
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 1 instructions
  dma_copy dst=fp32:sbuf@c1[0:16]+0x0{1:1} src0=fp32:dram@c1[0:16*1]+0x1d40{1:1} layer=1
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf@c1[0:16]+0x40{144:1} src0=bf16:dram@c1[0:16*144]+0xb40{144:1} layer=1
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 18 instructions
  load_weights src0=bf16:sbuf@c1[0:16]+0x40{16:1} signal=s0+1 layer=1
  matmul dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x200{1:64,6:8,6:1} wait=s9>=1 signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0x60{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x202{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0x80{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x204{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0xa0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x210{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0xc0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x212{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0xe0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x214{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0x100{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x220{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0x120{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x222{1:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf@c1[0:16]+0x140{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum@c1[0:16]+0x800{36:1} src0=bf16:sbuf@c1[0:16]+0x224{1:64,6:8,6:1} signal=s0+1 layer=1
.queue engine=scalar  ; queue 1, 1 instructions
  activate func=identity dst=bf16:sbuf@c1[0:16]+0x280{1:36,6:6,6:1} src0=fp32:psum@c1[0:16]+0x800{36:1} src1=fp32:sbuf@c1[0:16]+0x0{1:1} wait=s0>=18 signal=s1+1 layer=1
.queue engine=vector  ; queue 2, 1 instructions
  tensor_tensor func=add relu dst=bf16:sbuf@c1[0:16]+0x280{1:36,6:6,6:1} src0=bf16:sbuf@c1[0:16]+0x280{1:36,6:6,6:1} src1=bf16:sbuf@c1[0:16]+0x180{1:36,6:6,6:1} wait=s1>=1 wait=s3>=1 signal=s2+1 layer=1
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf@c1[0:16]+0x180{1:36,6:6,6:1} src0=bf16:dram[0:16*36]+0x0{36:1} signal=s3+1 layer=1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram@c1[0:16*36]+0x480{36:1} src0=bf16:sbuf@c1[0:16]+0x280{1:36,6:6,6:1} wait=s2>=1 signal=s5+1 layer=1
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=1  ; queue 7, 0 instructions
.queue engine=dma dma_engine=0 dma_queue=1  ; queue 8, 0 instructions
