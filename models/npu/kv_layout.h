// Where a request's K and V live in the banks of its channel (the PIM-friendly KV layout).
//
// Contract: a request's KV cache is in one channel, in "KV rows": one DRAM row index opened in
// all B banks of the channel at once (B x row_elems fp16 values; 32 x 512 with the NeuPIMs
// organisation). The firmware allocates KV rows (pages) and passes their indices as two lists.
// K and V hold kv_heads heads (grouped-query attention: query head h reads K/V head
// h / (heads / kv_heads); kv_heads = heads is multi-head attention). With E = kv_heads x
// head_dim, P = row_elems and B = banks:
// - K: token t lives in bank t mod B; its token group g = t / B owns ceil(E / P) KV rows
//   (chunks): k_rows[g x chunks_k + c] holds elements [c P, (c + 1) P) of the token's key vector
//   (K/V heads concatenated). One COMP step over a chunk gives B tokens' partial dot products.
//   A small key (E < P, such as a device's one or two K/V heads) packs k_pack = floor(P / E)
//   token groups into one K row: token group g is k_rows[g / k_pack] at elements
//   (g mod k_pack) x E, so one activation serves k_pack groups.
// - V: dimension d of K/V head h lives in bank d mod B; its dimension tile ti = d / B. Tokens come
//   in chunks of C = v_chunk tokens (default P: a whole bank row); the segment
//   s = (ci x kv_heads + h) x tiles_v + ti holds tokens [ci C, (ci + 1) C) of dimensions
//   ti B .. ti B + B - 1 of head h (one per bank). A KV row holds P / C segments:
//   segment s is v_rows[s / (P / C)] at elements (s mod (P / C)) x C of every bank. With C = P
//   this is one (chunk, head, tile) per row; a smaller C packs short contexts densely (a request
//   of n tokens wastes under C tokens per head and tile instead of under P).
// Both lists only grow at their end as the request's context grows (token groups of B tokens for
// K, segments of C tokens for V), so decoding appends rows and never moves data.
// - Bank b is (rank, bank group, bank) in the memory's READRES order: b = (rank x groups + group)
//   x banks_per_group + bank.
// head_dim must divide P and be a multiple of 16 (a COMP covers 16 elements), so a head never
// straddles two KV rows.
#pragma once

#include <cstdint>

namespace vp::npu {

struct KvLayout {
  std::uint32_t heads = 0, head_dim = 0;
  std::uint32_t kv_heads = 0;     ///< K/V heads; 0 = heads (a divisor of heads)
  std::uint32_t row_elems = 512;  ///< fp16 values per bank row
  std::uint32_t banks = 32;       ///< banks per channel
  std::uint32_t v_chunk = 0;      ///< tokens per V segment; 0 = row_elems

  [[nodiscard]] bool valid() const {
    return heads > 0 && head_dim > 0 && head_dim % 16 == 0 && head_dim <= row_elems &&
           kv_count() <= heads && heads % kv_count() == 0 && row_elems % head_dim == 0 &&
           (v_chunk == 0 || valid_v_chunk(v_chunk, row_elems));
  }
  /// A V segment of `tokens` tokens: a multiple of 16 that divides a bank row of `row_elems`.
  [[nodiscard]] static bool valid_v_chunk(std::uint32_t tokens, std::uint32_t row_elems) {
    return tokens > 0 && tokens % 16 == 0 && tokens <= row_elems && row_elems % tokens == 0;
  }
  [[nodiscard]] std::uint32_t v_tokens() const { return v_chunk == 0 ? row_elems : v_chunk; }
  [[nodiscard]] std::uint32_t segments_per_row() const { return row_elems / v_tokens(); }
  [[nodiscard]] std::uint32_t kv_count() const { return kv_heads == 0 ? heads : kv_heads; }
  /// Query heads per K/V head.
  [[nodiscard]] std::uint32_t group() const { return heads / kv_count(); }
  /// Elements of q (and of the output): heads x head_dim.
  [[nodiscard]] std::uint32_t embedding() const { return heads * head_dim; }
  /// Elements of one token's k (and v): kv_heads x head_dim.
  [[nodiscard]] std::uint32_t kv_embedding() const { return kv_count() * head_dim; }
  [[nodiscard]] std::uint32_t chunks_k() const {
    return (kv_embedding() + row_elems - 1) / row_elems;
  }
  /// Elements of K chunk c in use (P, or less in the last chunk).
  [[nodiscard]] std::uint32_t chunk_elements(std::uint32_t c) const {
    return kv_embedding() - c * row_elems < row_elems ? kv_embedding() - c * row_elems : row_elems;
  }
  /// Token groups per K row (1 unless a key is shorter than a row).
  [[nodiscard]] std::uint32_t k_pack() const {
    return kv_embedding() < row_elems ? row_elems / kv_embedding() : 1;
  }
  /// Elements of K chunk c that reads and appends move per token group: the whole bank row for
  /// an unpacked multi-head layout (the results of record were made so; only shards whose key
  /// is not a multiple of P pad their last chunk), otherwise only the keys' elements.
  [[nodiscard]] std::uint32_t chunk_transfer(std::uint32_t c) const {
    return group() == 1 && k_pack() == 1 ? row_elems : chunk_elements(c);
  }
  /// K/V heads per K chunk.
  [[nodiscard]] std::uint32_t heads_per_chunk() const { return row_elems / head_dim; }
  [[nodiscard]] std::uint32_t token_groups(std::uint32_t tokens) const {
    return (tokens + banks - 1) / banks;
  }
  [[nodiscard]] std::uint32_t tiles_v() const { return (head_dim + banks - 1) / banks; }
  [[nodiscard]] std::uint32_t chunks_v(std::uint32_t tokens) const {
    return (tokens + v_tokens() - 1) / v_tokens();
  }
  /// KV rows a request of `tokens` tokens needs.
  [[nodiscard]] std::uint32_t k_rows(std::uint32_t tokens) const {
    return (token_groups(tokens) + k_pack() - 1) / k_pack() * chunks_k();
  }
  [[nodiscard]] std::uint32_t v_rows(std::uint32_t tokens) const {
    return (kv_count() * tiles_v() * chunks_v(tokens) + segments_per_row() - 1) /
           segments_per_row();
  }

  struct Slot {
    std::uint32_t list_index;  ///< index into k_rows or v_rows
    std::uint32_t bank;
    std::uint32_t element;  ///< fp16 element within the bank row
  };
  /// Element e (0 .. kv_embedding() - 1) of token t's key.
  [[nodiscard]] Slot k_slot(std::uint32_t token, std::uint32_t e) const {
    const std::uint32_t g = token / banks;
    return {(g / k_pack()) * chunks_k() + e / row_elems, token % banks,
            (g % k_pack()) * kv_embedding() + e % row_elems};
  }
  /// Dimension d of K/V head h of token t's value.
  [[nodiscard]] Slot v_slot(std::uint32_t token, std::uint32_t head, std::uint32_t d) const {
    const std::uint32_t s = v_segment(token / v_tokens(), head, d / banks);
    return {v_segment_row(s), d % banks, v_segment_offset(s) + token % v_tokens()};
  }
  /// The V segment of (token chunk ci, K/V head h, dimension tile ti).
  [[nodiscard]] std::uint32_t v_segment(std::uint32_t ci, std::uint32_t head,
                                        std::uint32_t ti) const {
    return (ci * kv_count() + head) * tiles_v() + ti;
  }
  /// Index in v_rows of the row holding segment s, and the segment's first element in it.
  [[nodiscard]] std::uint32_t v_segment_row(std::uint32_t s) const {
    return s / segments_per_row();
  }
  [[nodiscard]] std::uint32_t v_segment_offset(std::uint32_t s) const {
    return (s % segments_per_row()) * v_tokens();
  }
};

}  // namespace vp::npu
