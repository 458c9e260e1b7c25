// Where a request's K and V live in the banks of its channel (the PIM-friendly KV layout).
//
// Contract: a request's KV cache is in one channel, in "KV rows": one DRAM row index opened in
// all B banks of the channel at once (B x row_elems fp16 values; 32 x 512 with the NeuPIMs
// organisation). The firmware allocates KV rows (pages) and passes their indices as two lists.
// With E = heads x head_dim, P = row_elems and B = banks:
// - K: token t lives in bank t mod B; its token group g = t / B owns ceil(E / P) KV rows
//   (chunks): k_rows[g x chunks_k + c] holds elements [c P, (c + 1) P) of the token's key vector
//   (heads concatenated). One COMP step over a chunk gives B tokens' partial dot products.
// - V: dimension d of head h lives in bank d mod B; its dimension tile ti = d / B; a KV row
//   holds P consecutive tokens: v_rows[(ci x heads + h) x tiles_v + ti] holds tokens
//   [ci P, (ci + 1) P) of dimensions ti B .. ti B + B - 1 of head h (one per bank).
// Both lists only grow at their end as the request's context grows (token groups of B tokens for
// K, token chunks of P tokens for V), so decoding appends rows and never moves data.
// - Bank b is (rank, bank group, bank) in the memory's READRES order: b = (rank x groups + group)
//   x banks_per_group + bank.
// head_dim must divide P and be a multiple of 16 (a COMP covers 16 elements), so a head never
// straddles two KV rows.
#pragma once

#include <cstdint>

namespace vp::npu {

struct KvLayout {
  std::uint32_t heads = 0, head_dim = 0;
  std::uint32_t row_elems = 512;  ///< fp16 values per bank row
  std::uint32_t banks = 32;       ///< banks per channel

  [[nodiscard]] bool valid() const {
    return heads > 0 && head_dim > 0 && head_dim % 16 == 0 && head_dim <= row_elems && row_elems % head_dim == 0;
  }
  [[nodiscard]] std::uint32_t embedding() const { return heads * head_dim; }
  [[nodiscard]] std::uint32_t chunks_k() const { return (embedding() + row_elems - 1) / row_elems; }
  [[nodiscard]] std::uint32_t heads_per_chunk() const { return row_elems / head_dim; }
  [[nodiscard]] std::uint32_t token_groups(std::uint32_t tokens) const { return (tokens + banks - 1) / banks; }
  [[nodiscard]] std::uint32_t tiles_v() const { return (head_dim + banks - 1) / banks; }
  [[nodiscard]] std::uint32_t chunks_v(std::uint32_t tokens) const { return (tokens + row_elems - 1) / row_elems; }
  /// KV rows a request of `tokens` tokens needs.
  [[nodiscard]] std::uint32_t k_rows(std::uint32_t tokens) const { return token_groups(tokens) * chunks_k(); }
  [[nodiscard]] std::uint32_t v_rows(std::uint32_t tokens) const { return heads * tiles_v() * chunks_v(tokens); }

  struct Slot {
    std::uint32_t list_index;  ///< index into k_rows or v_rows
    std::uint32_t bank;
    std::uint32_t element;     ///< fp16 element within the bank row
  };
  /// Element e (0 .. E-1) of token t's key.
  [[nodiscard]] Slot k_slot(std::uint32_t token, std::uint32_t e) const {
    return {(token / banks) * chunks_k() + e / row_elems, token % banks, e % row_elems};
  }
  /// Dimension d of head h of token t's value.
  [[nodiscard]] Slot v_slot(std::uint32_t token, std::uint32_t head, std::uint32_t d) const {
    return {((token / row_elems) * heads + head) * tiles_v() + d / banks, d % banks, token % row_elems};
  }
  /// Index in v_rows of (token chunk ci, head h, dimension tile ti).
  [[nodiscard]] std::uint32_t v_row_index(std::uint32_t ci, std::uint32_t head, std::uint32_t ti) const {
    return (ci * heads + head) * tiles_v() + ti;
  }
};

}  // namespace vp::npu
