; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="conv_bn_relu" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[1,4,7,7] dim_order=[1,0,2,3] core=0 offset=0x0 bytes=392
.tensor "relu.out" kind=output dtype=bf16 shape=[1,8,4,4] dim_order=[1,0,2,3] core=0 offset=0x1c0 bytes=256
.tensor "conv.weight" kind=weight dtype=bf16 shape=[288] dim_order=[0] core=0 offset=0x2c0 bytes=576
.tensor "conv.bias" kind=weight dtype=fp32 shape=[8,1] dim_order=[0,1] core=0 offset=0x500 bytes=32
.layer "conv" op="Conv" macs=4608 flops=0 core=0 sbuf_bytes=65536 psum_bytes=131072
.memory sbuf_peak=65536 sbuf_static_weights=576 weights_streamed=0 psum_peak=131072 dram_bytes=1344
.operator "BatchNormalization" count=1 supported=true arithmetic=true
.operator "Conv" count=1 supported=true arithmetic=true
.operator "Relu" count=1 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 1 instructions
  dma_copy dst=fp32:sbuf[0:8]+0x0{1:1} src0=fp32:dram[0:8*1]+0x500{1:1}
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf[0:4]+0x40{72:1} src0=bf16:dram[0:4*72]+0x2c0{72:1}
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 18 instructions
  load_weights src0=bf16:sbuf[0:4]+0x40{8:1} signal=s0+1
  matmul dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x100{1:81,4:18,4:2} wait=s2>=4 wait=s3>=1 signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0x50{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x102{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0x60{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x104{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0x70{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x112{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0x80{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x114{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0x90{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x116{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0xa0{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x124{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0xb0{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x126{1:81,4:18,4:2} signal=s0+1
  load_weights src0=bf16:sbuf[0:4]+0xc0{8:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:8]+0x0{16:1} src0=bf16:sbuf[0:4]+0x128{1:81,4:18,4:2} signal=s0+1
.queue engine=scalar  ; queue 1, 1 instructions
  activate func=relu dst=bf16:sbuf[0:8]+0x1c0{1:16,4:4,4:1} src0=fp32:psum[0:8]+0x0{16:1} src1=fp32:sbuf[0:8]+0x0{1:1} wait=s0>=18 signal=s1+1
.queue engine=vector  ; queue 2, 4 instructions
  memset dst=bf16:sbuf[0:4]+0x100{1:81,9:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:4]+0x190{1:81,9:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:4]+0x112{1:81,7:9,1:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:4]+0x122{1:81,7:9,1:1} scale=0 signal=s2+1
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:4]+0x114{1:81,7:9,7:1} src0=bf16:dram[0:4*49]+0x0{49:1} wait=s2>=4 signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:8*16]+0x1c0{16:1} src0=bf16:sbuf[0:8]+0x1c0{1:16,4:4,4:1} wait=s1>=1 signal=s5+1
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
