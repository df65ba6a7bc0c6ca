; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="linear" batch=2 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[2,32] dim_order=[1,0] core=0 offset=0x0 bytes=128
.tensor "fc.out" kind=output dtype=bf16 shape=[2,10] dim_order=[1,0] core=0 offset=0x80 bytes=40
.tensor "fc.weight" kind=weight dtype=bf16 shape=[320] dim_order=[0] core=0 offset=0xc0 bytes=640
.tensor "fc.bias" kind=weight dtype=fp32 shape=[10,1] dim_order=[0,1] core=0 offset=0x340 bytes=40
.layer "fc" op="Gemm" macs=640 flops=0 core=0 sbuf_bytes=32768 psum_bytes=131072
.memory sbuf_peak=32768 sbuf_static_weights=640 weights_streamed=0 psum_peak=131072 dram_bytes=896
.operator "Gemm" count=1 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 1 instructions
  dma_copy dst=fp32:sbuf[0:10]+0x0{1:1} src0=fp32:dram[0:10*1]+0x340{1:1}
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf[0:32]+0x40{10:1} src0=bf16:dram[0:32*10]+0xc0{10:1}
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 2 instructions
  load_weights src0=bf16:sbuf[0:32]+0x40{10:1} signal=s0+1
  matmul dst=fp32:psum[0:10]+0x0{2:1} src0=bf16:sbuf[0:32]+0x80{2:1,1:1,1:1} wait=s3>=1 signal=s0+1
.queue engine=scalar  ; queue 1, 1 instructions
  activate func=identity dst=bf16:sbuf[0:10]+0xc0{2:1,1:1,1:1} src0=fp32:psum[0:10]+0x0{2:1} src1=fp32:sbuf[0:10]+0x0{1:1} wait=s0>=2 signal=s1+1
.queue engine=vector  ; queue 2, 0 instructions
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:32]+0x80{2:1,1:1,1:1} src0=bf16:dram[0:32*2]+0x0{2:1} signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:10*2]+0x80{2:1} src0=bf16:sbuf[0:10]+0xc0{2:1,1:1,1:1} wait=s1>=1 signal=s5+1
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
