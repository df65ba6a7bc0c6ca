; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="residual_block" batch=2 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[2,16,6,6] dim_order=[1,0,2,3] core=0 offset=0x0 bytes=2304
.tensor "relu2.out" kind=output dtype=bf16 shape=[2,16,6,6] dim_order=[1,0,2,3] core=0 offset=0x900 bytes=2304
.tensor "conv1.weight" kind=weight dtype=bf16 shape=[256] dim_order=[0] core=0 offset=0x1200 bytes=512
.tensor "conv1.bias" kind=weight dtype=fp32 shape=[16,1] dim_order=[0,1] core=0 offset=0x1400 bytes=64
.tensor "conv2.weight" kind=weight dtype=bf16 shape=[2304] dim_order=[0] core=0 offset=0x1440 bytes=4608
.tensor "conv2.bias" kind=weight dtype=fp32 shape=[16,1] dim_order=[0,1] core=0 offset=0x2640 bytes=64
.layer "conv1" op="Conv" macs=18432 flops=0 core=0 sbuf_bytes=122880 psum_bytes=131072
.layer "conv2" op="Conv" macs=165888 flops=1152 core=0 sbuf_bytes=147456 psum_bytes=131072
.memory sbuf_peak=147456 sbuf_static_weights=5120 weights_streamed=0 psum_peak=131072 dram_bytes=9856
.operator "Add" count=1 supported=true arithmetic=true
.operator "BatchNormalization" count=2 supported=true arithmetic=true
.operator "Conv" count=2 supported=true arithmetic=true
.operator "Relu" count=2 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 2 instructions
  dma_copy dst=fp32:sbuf[0:16]+0x0{1:1} src0=fp32:dram[0:16*1]+0x1400{1:1}
  dma_copy dst=bf16:sbuf[0:16]+0xc0{144:1} src0=bf16:dram[0:16*144]+0x1440{144:1} layer=1
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf[0:16]+0x80{16:1} src0=bf16:dram[0:16*16]+0x1200{16:1}
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 1 instructions
  dma_copy dst=fp32:sbuf[0:16]+0x40{1:1} src0=fp32:dram[0:16*1]+0x2640{1:1} layer=1
.inference
.queue engine=tensor  ; queue 0, 20 instructions
  load_weights src0=bf16:sbuf[0:16]+0x80{16:1} signal=s0+1
  matmul dst=fp32:psum[0:16]+0x0{72:1} src0=bf16:sbuf[0:16]+0x200{2:36,6:6,6:1} wait=s3>=1 signal=s0+1
  load_weights src0=bf16:sbuf[0:16]+0xc0{16:1} signal=s0+1 layer=1
  matmul dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2c0{2:64,6:8,6:1} wait=s1>=1 wait=s2>=4 signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0xe0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2c2{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x100{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2c4{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x120{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2d0{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x140{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2d2{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x160{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2d4{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x180{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2e0{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x1a0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2e2{2:64,6:8,6:1} signal=s0+1 layer=1
  load_weights src0=bf16:sbuf[0:16]+0x1c0{16:1} signal=s0+1 layer=1
  matmul accumulate dst=fp32:psum[0:16]+0x800{72:1} src0=bf16:sbuf[0:16]+0x2e4{2:64,6:8,6:1} signal=s0+1 layer=1
.queue engine=scalar  ; queue 1, 2 instructions
  activate func=relu dst=bf16:sbuf[0:16]+0x2d2{2:64,6:8,6:1} src0=fp32:psum[0:16]+0x0{72:1} src1=fp32:sbuf[0:16]+0x0{1:1} wait=s0>=2 wait=s2>=4 signal=s1+1
  activate func=identity dst=bf16:sbuf[0:16]+0x3c0{2:36,6:6,6:1} src0=fp32:psum[0:16]+0x800{72:1} src1=fp32:sbuf[0:16]+0x40{1:1} wait=s0>=20 signal=s1+1 layer=1
.queue engine=vector  ; queue 2, 5 instructions
  memset dst=bf16:sbuf[0:16]+0x2c0{2:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x330{2:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x2d0{2:64,6:8,1:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:16]+0x2de{2:64,6:8,1:1} scale=0 signal=s2+1
  tensor_tensor func=add relu dst=bf16:sbuf[0:16]+0x3c0{2:36,6:6,6:1} src0=bf16:sbuf[0:16]+0x3c0{2:36,6:6,6:1} src1=bf16:sbuf[0:16]+0x200{2:36,6:6,6:1} wait=s1>=2 wait=s3>=1 signal=s2+1 layer=1
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:16]+0x200{2:36,6:6,6:1} src0=bf16:dram[0:16*72]+0x0{72:1} signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:16*72]+0x900{72:1} src0=bf16:sbuf[0:16]+0x3c0{2:36,6:6,6:1} wait=s2>=5 signal=s5+1 layer=1
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
