// NPU command descriptors: the one declaration of their format.
//
// Contract: a descriptor is 64 bytes (16 little-endian 32-bit words) in a command ring in host
// RAM. Word 0 holds the opcode (bits 7:0) and flags (bits 15:8); the other words are the
// opcode's fields, declared in descriptor_table() with their word index and meaning. The
// firmware header (npvp-gen) and docs/npu.md are generated from the same table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vp::npu {

constexpr std::uint32_t kDescriptorBytes = 64;
constexpr std::uint32_t kDescriptorWords = kDescriptorBytes / 4;

enum class Opcode : std::uint8_t {
  Nop = 0,         ///< does nothing (completes after the descriptor overhead)
  Signal = 1,      ///< semaphore[sem] += value
  Wait = 2,        ///< wait until semaphore[sem] >= value
  Gemm = 3,        ///< C[M x N] = X[M x K] . W[K x N] on the systolic arrays, operands in HBM
  Vector = 4,      ///< an element-wise or row-reduction op on the vector units, operands in HBM
  Attention = 5,   ///< attention of a list of requests over their KV rows, on PIM or on the NPU
  Copy = 6,        ///< copy between host memory (system bus) and the NPU's memory (HBM)
  Swap = 7,        ///< KV rows between HBM and host memory over the host link (swap_engine.h)
  PeerCopy = 8,    ///< HBM bytes to another device's HBM over the interconnect, then its semaphore
  Collective = 9,  ///< ring all-reduce or all-gather of an fp16 vector over a device group
};

/// SWAP: most list entries per descriptor.
constexpr std::uint32_t kMaxSwapRows = 1U << 16;

/// ATTENTION: size of one request-table entry in host memory, and the largest request count.
constexpr std::uint32_t kAttentionEntryBytes = 16;
constexpr std::uint32_t kMaxAttentionRequests = 4096;

/// COPY: largest transfer.
constexpr std::uint32_t kMaxCopyBytes = 1U << 24;

/// Largest M, K or N a GEMM descriptor may give.
constexpr std::uint32_t kMaxGemmDim = 1U << 20;

/// GEMM word 10 (LAYOUT): W is stored as contiguous tiles (docs/npu.md).
constexpr std::uint32_t kGemmFlagWTiled = 1U;

/// Flags in word 0, bits 15:8.
constexpr std::uint32_t kFlagIrq = 1U << 8;  ///< raise the completion interrupt when done

struct DescriptorField {
  std::string name;  ///< C identifier suffix, e.g. "SEM"
  unsigned word;     ///< word index 1..15
  std::string meaning;
};

struct DescriptorFormat {
  Opcode opcode;
  std::string name;  ///< e.g. "SIGNAL"
  std::string summary;
  std::vector<DescriptorField> fields;
};

[[nodiscard]] const std::vector<DescriptorFormat>& descriptor_table();

/// Error codes of a queue's STATUS register (0 = no error).
enum class QueueError : std::uint32_t {
  None = 0,
  UnknownOpcode = 1,
  BadSemaphore = 2,
  BusError = 3,  ///< the descriptor could not be read from the ring
  BadDoorbell =
      4,  ///< HEAD >= SIZE, SIZE/BASE invalid, or BASE/SIZE rewritten with descriptors pending
  BadSize = 5,      ///< a dimension, count or size is 0 or above its limit
  BadVectorOp = 6,  ///< VECTOR with an unknown operation
  BadAddress =
      7,  ///< an operand outside the memory, a bad KV row or channel, or an unreadable host table
  MemoryError = 8,  ///< the memory refused a transfer or PIM command
  BadFlags = 9,     ///< a LAYOUT or MODE field with undefined bits or values
};

[[nodiscard]] const char* to_string(QueueError error);
/// The C name of an error code, e.g. "UNKNOWN_OPCODE" (for the generated header).
[[nodiscard]] const char* c_name(QueueError error);
constexpr std::uint32_t kQueueErrorCount = 10;

}  // namespace vp::npu
