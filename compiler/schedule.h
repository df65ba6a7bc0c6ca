#pragma once
// Per-engine queues with semaphores, derived from the memory each instruction touches.
//
// Scheme: every per-inference queue owns one semaphore, and each of its instructions increments
// it by one when done, so "instruction i of queue q is done" is "sem[q] >= i + 1" (a queue runs
// its instructions one after another). Lowerings emit instructions in one global program order;
// the scheduler tracks, per on-chip region, the last writer and the readers since, and gives each
// instruction the waits for its read-after-write, write-after-read and write-after-write
// hazards on other queues (the latest instruction per queue suffices). More than two waits
// become Nops in front of it on the same queue. Every wait points to an instruction emitted
// earlier, so the queues cannot deadlock.
//
// Pipelines: a DmaCopy into another core's SBUF signals a "channel" semaphore of that core (one
// per sender), which the receiving core's readers wait on; the receiver acknowledges with a Nop
// that signals a channel of the sender before the buffer is overwritten. An instruction that
// signals another core is followed by a local Nop so that its own queue's count stays exact.
//
// While emitting, the scheduler also runs a simple timing estimate with the pure cost functions:
// start = max(queue free, inputs done), so reports can give cycles per core and per layer.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "isa/hardware_config.h"
#include "isa/program.h"

namespace infsim::compiler {

class Scheduler {
 public:
  explicit Scheduler(const isa::NeuronCoreConfig& core_config) : config_(core_config) {}

  int add_core();
  // A per-inference queue; returns its index in the core's queue list.
  int add_queue(int core, isa::EngineKind engine, int dma_engine = 0, int dma_queue = 0);
  int add_setup_queue(int core, int dma_engine, int dma_queue);
  // A semaphore of `core` signalled from another core; returns its channel id.
  int add_channel(int core);

  // Emits `ins` (its waits and signal are filled in here) on a per-inference queue.
  // `remote` sends its signal to a channel of another core instead of the queue's semaphore.
  struct Remote {
    int core;
    int channel;
  };
  struct After {
    int channel;
    std::uint32_t count;  // wait until the channel has seen this many signals
  };
  void emit(int core, int queue, isa::Instruction ins, std::uint32_t layer,
            std::optional<Remote> remote = std::nullopt, std::vector<After> after = {});
  // A Nop that waits until every reader of `region` on `core` is done, then signals `remote`.
  void emit_release(int core, int queue, const isa::AccessPattern& region, std::uint32_t layer,
                    Remote remote);
  // Setup queues (weights loaded at model load): no semaphores, no tracking.
  void emit_setup(int core, int setup_queue, isa::Instruction ins, std::uint32_t layer);

  // How many signals a channel has received so far.
  std::uint32_t channel_count(int core, int channel) const;

  std::vector<isa::CoreProgram> take_programs();

  // Estimates (cycles from the start of an inference).
  std::uint64_t core_cycles(int core) const;
  // Busy cycles of each layer per engine kind (tensor, vector, scalar, dma), all cores.
  const std::vector<std::array<std::uint64_t, 4>>& layer_busy() const { return layer_busy_; }
  std::uint64_t instructions(int core, isa::EngineKind engine) const;

 private:
  // What an instruction must wait for: per channel, the signal count to reach (0: nothing).
  // Sized by the channels it names, so the only limit on channels is chip.core.semaphores.
  struct DepSet {
    std::vector<std::uint32_t> need;
    std::uint32_t at(int channel) const {
      return channel < static_cast<int>(need.size()) ? need[channel] : 0;
    }
    void raise(int channel, std::uint32_t count) {
      if (channel >= static_cast<int>(need.size())) need.resize(channel + 1, 0);
      need[channel] = std::max(need[channel], count);
    }
    void merge(const DepSet& o) {
      if (o.need.size() > need.size()) need.resize(o.need.size(), 0);
      for (std::size_t i = 0; i < o.need.size(); ++i) need[i] = std::max(need[i], o.need[i]);
    }
  };
  struct Record {
    isa::MemSpace space;
    int p0, p1;
    std::uint64_t b0, b1;
    DepSet writer;
    DepSet readers;
  };
  struct Channel {
    std::uint8_t semaphore;
    int queue = -1;                     // local queue whose instructions signal it, or -1
    std::vector<std::uint64_t> finish;  // estimated finish of the k-th signal
  };
  struct Core {
    isa::CoreProgram program;
    std::vector<Channel> channels;
    std::vector<int> queue_channel;         // queue index -> its channel
    std::vector<std::uint64_t> queue_free;  // estimate: when each queue is next free
    std::vector<DepSet> waited;  // per queue: what it has already waited for (runs in order)
    std::vector<Record> records;
  };
  struct Footprint {
    bool tracked = false;
    isa::MemSpace space = isa::MemSpace::kNone;
    int p0 = 0, p1 = 0;
    std::uint64_t b0 = 0, b1 = 0;
  };

  static Footprint footprint(const isa::AccessPattern& ap, int core);
  static bool overlaps(const Record& r, const Footprint& f);
  void read_deps(Core& c, const Footprint& f, DepSet& deps) const;
  void write_deps(Core& c, const Footprint& f, DepSet& deps) const;
  void record_read(Core& c, const Footprint& f, int channel, std::uint32_t value);
  void record_write(Core& c, const Footprint& f, int channel, std::uint32_t value);
  // Appends `ins` with the waits of `deps` (Nops for the excess) and returns its finish estimate.
  std::uint64_t append(int core, int queue, isa::Instruction ins, DepSet deps, std::uint32_t layer);

  isa::NeuronCoreConfig config_;
  std::vector<Core> cores_;
  std::vector<std::array<std::uint64_t, 4>> layer_busy_;
};

}  // namespace infsim::compiler
