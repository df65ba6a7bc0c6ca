#pragma once
// The .ifx file: one compiled Program.
//
// Layout (all integers little-endian, every field written one by one):
//   header   "IFX1" magic, u16 format version, u16 reserved (0), u64 payload bytes,
//            u64 FNV-1a-64 checksum of the payload
//   payload  u32 section count, then per section {u32 id, u64 offset, u64 bytes} (offsets from
//            the start of the payload), then the section bodies
// Sections: options, cores (queues and instructions), tensors (with initial data), layers,
// host ops, memory plan, support report; each appears exactly once. Strings and vectors are a
// u32 count followed by the elements; floats are their IEEE-754 bit patterns.
//
// An access pattern whose space is MemSpace::kNone (an absent operand) is stored as that one
// byte: its other fields carry no meaning and read back as defaults.
//
// The reader checks everything before trusting it and throws IsaError naming the file and the
// problem: missing or empty file, truncation, bad magic, unsupported version, checksum
// mismatch, sections that overrun or are missing, enum values out of range.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"

namespace infsim::isa {

inline constexpr char kIfxMagic[4] = {'I', 'F', 'X', '1'};
inline constexpr std::uint16_t kIfxVersion = 1;
inline constexpr std::size_t kIfxHeaderBytes = 24;

// The .ifx bytes; commands write them through tools/driver/atomic_file.h ("-", FIFOs, ...).
std::vector<std::uint8_t> encode_program(const Program& program);
// `source_name` (a file name, or e.g. "<memory>") prefixes every error message.
Program decode_program(const std::uint8_t* data, std::size_t size, const std::string& source_name);

Program read_program(const std::string& path);

// FNV-1a 64 of a byte range: the payload checksum.
std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t size);

}  // namespace infsim::isa
