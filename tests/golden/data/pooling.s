; infsim program (text form of .ifx; `infsim asm` turns it back into the same bytes)
; operand: DTYPE:SPACE[@cCORE][FIRST:END[*ROW_STRIDE]]+OFFSET{COUNT:STRIDE,...}
.options model="pooling" batch=1 dtype=bf16 pipeline_cores=1 cpu_fallback=false
.tensor "x" kind=input dtype=bf16 shape=[1,8,8,8] dim_order=[1,0,2,3] core=0 offset=0x0 bytes=1024
.tensor "gap.out" kind=output dtype=bf16 shape=[1,8,1,1] dim_order=[1,0,2,3] core=0 offset=0x400 bytes=16
.layer "maxpool" op="MaxPool" macs=0 flops=1152 core=0 sbuf_bytes=24576 psum_bytes=0
.layer "avgpool" op="AveragePool" macs=0 flops=128 core=0 sbuf_bytes=16384 psum_bytes=0
.layer "gap" op="GlobalAveragePool" macs=0 flops=32 core=0 sbuf_bytes=16384 psum_bytes=0
.memory sbuf_peak=24576 sbuf_static_weights=0 weights_streamed=0 psum_peak=0 dram_bytes=1088
.operator "AveragePool" count=1 supported=true arithmetic=true
.operator "GlobalAveragePool" count=1 supported=true arithmetic=true
.operator "MaxPool" count=1 supported=true arithmetic=true
.core 0
.setup
.queue engine=dma dma_engine=0 dma_queue=2  ; queue 0, 0 instructions
.queue engine=dma dma_engine=1 dma_queue=2  ; queue 1, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=2  ; queue 2, 0 instructions
.inference
.queue engine=tensor  ; queue 0, 0 instructions
.queue engine=scalar  ; queue 1, 0 instructions
.queue engine=vector  ; queue 2, 3 instructions
  pool func=max dst=bf16:sbuf[0:8]+0x80{1:16,4:4,4:1} src0=bf16:sbuf[0:8]+0x0{1:64,8:8,8:1} window=3x3 stride=2x2 pad=1,1 wait=s3>=1 signal=s2+1
  pool func=avg dst=bf16:sbuf[0:8]+0x0{1:4,2:2,2:1} src0=bf16:sbuf[0:8]+0x80{1:16,4:4,4:1} window=2x2 stride=2x2 signal=s2+1 layer=1
  reduce func=add dst=bf16:sbuf[0:8]+0x40{1:1} src0=bf16:sbuf[0:8]+0x0{1:4,4:1} scale=0.25 signal=s2+1 layer=2
.queue engine=dma dma_engine=0 dma_queue=0  ; queue 3, 1 instructions
  dma_copy dst=bf16:sbuf[0:8]+0x0{1:64,8:8,8:1} src0=bf16:dram[0:8*64]+0x0{64:1} signal=s3+1
.queue engine=dma dma_engine=1 dma_queue=0  ; queue 4, 0 instructions
.queue engine=dma dma_engine=2 dma_queue=0  ; queue 5, 1 instructions
  dma_copy dst=bf16:dram[0:8*1]+0x400{1:1} src0=bf16:sbuf[0:8]+0x40{1:1,1:1,1:1} wait=s2>=3 wait=s3>=1 signal=s5+1 layer=2
.queue engine=dma dma_engine=0 dma_queue=3  ; queue 6, 0 instructions
