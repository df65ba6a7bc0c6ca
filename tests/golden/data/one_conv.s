; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="one_conv" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[1,8,6,6] dim_order=[1,0,2,3] core=0 offset=0x0 bytes=576
.tensor "conv.out" kind=output dtype=bf16 shape=[1,16,6,6] dim_order=[1,0,2,3] core=0 offset=0x240 bytes=1152
.tensor "conv.weight" kind=weight dtype=bf16 shape=[1152] dim_order=[0] core=0 offset=0x6c0 bytes=2304
.tensor "conv.bias" kind=weight dtype=fp32 shape=[16,1] dim_order=[0,1] core=0 offset=0xfc0 bytes=64
.layer "conv" op="Conv" macs=41472 flops=0 core=0 sbuf_bytes=81920 psum_bytes=131072
.memory sbuf_peak=81920 sbuf_static_weights=2304 weights_streamed=0 psum_peak=131072 dram_bytes=4096
.operator "Conv" count=1 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 1 instructions
  dma_copy dst=fp32:sbuf[0:16]+0x0{1:1} src0=fp32:dram[0:16*1]+0xfc0{1:1}
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 1 instructions
  dma_copy dst=bf16:sbuf[0:8]+0x40{144:1} src0=bf16:dram[0:8*144]+0x6c0{144:1}
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 18 instructions
  load_weights src0=bf16:sbuf[0:8]+0x40{16:1} signal=s0+1
  matmul dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x180{1:64,6:8,6:1} wait=s2>=4 wait=s3>=1 signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0x60{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x182{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0x80{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x184{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0xa0{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x190{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0xc0{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x192{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0xe0{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x194{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0x100{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x1a0{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0x120{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x1a2{1:64,6:8,6:1} signal=s0+1
  load_weights src0=bf16:sbuf[0:8]+0x140{16:1} signal=s0+1
  matmul accumulate dst=fp32:psum[0:16]+0x0{36:1} src0=bf16:sbuf[0:8]+0x1a4{1:64,6:8,6:1} signal=s0+1
.queue engine=scalar  ; queue 1, 1 instructions
  activate func=identity dst=bf16:sbuf[0:16]+0x200{1:36,6:6,6:1} src0=fp32:psum[0:16]+0x0{36:1} src1=fp32:sbuf[0:16]+0x0{1:1} wait=s0>=18 signal=s1+1
.queue engine=vector  ; queue 2, 4 instructions
  memset dst=bf16:sbuf[0:8]+0x180{1:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:8]+0x1f0{1:64,8:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:8]+0x190{1:64,6:8,1:1} scale=0 signal=s2+1
  memset dst=bf16:sbuf[0:8]+0x19e{1:64,6:8,1:1} scale=0 signal=s2+1
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:8]+0x192{1:64,6:8,6:1} src0=bf16:dram[0:8*36]+0x0{36:1} wait=s2>=4 signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:16*36]+0x240{36:1} src0=bf16:sbuf[0:16]+0x200{1:36,6:6,6:1} wait=s1>=1 signal=s5+1
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
