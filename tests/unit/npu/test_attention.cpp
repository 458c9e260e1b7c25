// ATTENTION descriptors: the PIM dispatcher (the memory's PIM units compute the dot products)
// and the NPU path both match an independent host reference on random q, K and V laid out in
// KV rows as documented (kv_layout.h); the PIM path issues the documented command counts; bad
// descriptors stop the queue.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <map>

#include "models/npu/kv_layout.h"
#include "models/npu/vector_timing.h"
#include "tests/unit/npu/npu_bench.h"

using test::hi;
using test::lo;
using vp::npu::KvLayout;

namespace {

/// The NPU's pim_tile_close for check_attention() ("each": a PIM_PRE per tile, or "lazy").
std::string g_tile_close = "each";
/// The memory's settings for check_attention() (another PIM engine or memory: docs/memory.md).
nlohmann::json g_hbm = nlohmann::json::object();

struct Request {
  std::uint32_t tokens, channel;
  std::vector<Imath::half> k, v;  ///< [tokens x Ekv] each (K/V-head-major within a token)
  std::vector<std::uint32_t> k_rows, v_rows;
};

constexpr std::uint64_t kQ = 0x100000, kOut = 0x200000;
constexpr std::uint64_t kTable = test::kRam + 0x10000, kLists = test::kRam + 0x20000;

/// Writes the requests' K and V into their KV rows (whole bank rows), q into HBM, the request
/// table and row lists into host RAM. Returns q.
/// With `append`, the last `queries` tokens of each request are left out of its rows and given
/// as QKV inputs instead (q | k | v per token, request i's token j at input row i x queries + j).
std::vector<Imath::half> place(test::NpuBench& bench, const KvLayout& lay,
                               std::vector<Request>& requests, bool append = false,
                               std::uint32_t queries = 1) {
  const auto& org = bench.npu().dma().memory().organization();
  const auto& mapping = bench.npu().dma().memory().mapping();
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::vector<Imath::half>> rows;
  auto cell = [&](std::uint32_t channel, std::uint32_t row,
                  std::uint32_t bank) -> std::vector<Imath::half>& {
    auto& r = rows[{channel, row, bank}];
    if (r.empty()) r.assign(lay.row_elems, Imath::half(0.0F));
    return r;
  };
  std::uint32_t next_row = 7, list_at = 0, seed = 100;
  const std::uint32_t E = lay.embedding(), Ekv = lay.kv_embedding();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    Request& r = requests[i];
    r.k = test::random_halves(std::size_t{r.tokens} * Ekv, ++seed);
    r.v = test::random_halves(std::size_t{r.tokens} * Ekv, ++seed);
    r.k_rows.clear();
    r.v_rows.clear();
    for (std::uint32_t n = 0; n < lay.k_rows(r.tokens); ++n) r.k_rows.push_back(next_row += 3);
    for (std::uint32_t n = 0; n < lay.v_rows(r.tokens); ++n) r.v_rows.push_back(next_row += 3);
    for (std::uint32_t t = 0; t < r.tokens - (append ? queries : 0); ++t)
      for (std::uint32_t e = 0; e < Ekv; ++e) {
        const auto ks = lay.k_slot(t, e);
        cell(r.channel, r.k_rows[ks.list_index], ks.bank)[ks.element] =
            r.k[std::size_t{t} * Ekv + e];
        const auto vs = lay.v_slot(t, e / lay.head_dim, e % lay.head_dim);
        cell(r.channel, r.v_rows[vs.list_index], vs.bank)[vs.element] =
            r.v[std::size_t{t} * Ekv + e];
      }
    const std::uint64_t entry = kTable + i * 16;
    bench.tester.write32(entry, r.tokens);
    bench.tester.write32(entry + 4, r.channel);
    bench.tester.write32(entry + 8,
                         static_cast<std::uint32_t>(kLists + std::uint64_t{list_at} * 4));
    for (auto row : r.k_rows) bench.tester.write32(kLists + std::uint64_t{4} * list_at++, row);
    bench.tester.write32(entry + 12,
                         static_cast<std::uint32_t>(kLists + std::uint64_t{list_at} * 4));
    for (auto row : r.v_rows) bench.tester.write32(kLists + std::uint64_t{4} * list_at++, row);
  }
  for (const auto& [key, data] : rows) {
    const auto [channel, row, bank] = key;
    vp::hbm::DramAddress a;
    a.channel = vp::hbm::Channel(channel);
    const std::uint32_t per_rank = org.banks_per_rank();
    a.bank = vp::hbm::BankId{vp::hbm::Rank(bank / per_rank),
                             vp::hbm::BankGroup((bank % per_rank) / org.banks_per_group),
                             vp::hbm::Bank(bank % org.banks_per_group)};
    a.row = vp::hbm::Row(row);
    bench.put(mapping.encode(a), data);
  }
  auto q = test::random_halves(requests.size() * queries * E, 7);
  if (!append) {
    bench.put(kQ, q);
    return q;
  }
  // The QKV output layout: per request and new token q | k | v.
  const std::size_t width = E + 2 * std::size_t{Ekv};
  std::vector<Imath::half> qkv(requests.size() * queries * width);
  for (std::size_t i = 0; i < requests.size(); ++i)
    for (std::uint32_t j = 0; j < queries; ++j) {
      const Request& r = requests[i];
      const std::size_t row = i * queries + j, token = r.tokens - queries + j;
      std::copy_n(q.begin() + row * E, E, qkv.begin() + row * width);
      std::copy_n(r.k.begin() + token * Ekv, Ekv, qkv.begin() + row * width + E);
      std::copy_n(r.v.begin() + token * Ekv, Ekv, qkv.begin() + row * width + E + Ekv);
    }
  bench.put(kQ, qkv);
  return q;
}

/// out = softmax(scale x q . K^T) . V per head, in double from the fp16 inputs, with the bound of
/// each element's error that the fp16 path allows (fp16_bound()). `scale` 0 = 1 / sqrt(dk).
struct Reference {
  std::vector<double> out, bound;
};

/// The error the attention path may make, from its roundings (u = 2^-11, fp16's unit roundoff;
/// fp32 sums of n terms add at most n x 2^-24 of the sum of magnitudes):
/// - a logit s = q . k is summed in fp32 and rounded to fp16 once (READRES, or the arrays'
///   output): |ds| <= (u + dk 2^-24) sum|q k|, so the scaled logits move by at most
///   D = scale x max_t of that;
/// - softmax in fp32: each p moves by at most a factor e^(2D) (numerator and sum), plus the
///   fp32 exp and sum (tokens x 2^-24), and p is rounded to fp16 (u);
/// - out = sum_t p v is summed in fp32 per V chunk, each chunk's sum rounded to fp16 (u) and the
///   chunks added and rounded once more (u |out|).
/// So |out - ref| <= (e^(2D)(1 + u) - 1 + 2u + 2 tokens 2^-24) sum_t p|v| + u |out|.
Reference reference(const KvLayout& lay, const Request& r, const Imath::half* q, double scale = 0) {
  const std::uint32_t E = lay.embedding(), Ekv = lay.kv_embedding(), dk = lay.head_dim;
  const double u = std::ldexp(1.0, -11), f32 = std::ldexp(1.0, -24);
  if (scale == 0) scale = 1.0 / std::sqrt(double(dk));
  Reference ref{std::vector<double>(E, 0.0), std::vector<double>(E, 0.0)};
  std::vector<double> magnitude(E, 0.0);  // sum_t p |v|
  for (std::uint32_t h = 0; h < lay.heads; ++h) {
    const std::size_t kv = std::size_t{h / lay.group()} * dk;  // its K/V head's elements
    std::vector<double> s(r.tokens);
    double max = -1e300, sum = 0, shift = 0;
    for (std::uint32_t t = 0; t < r.tokens; ++t) {
      double size = 0;
      for (std::uint32_t d = 0; d < dk; ++d) {
        const double product = double(q[h * dk + d]) * double(r.k[std::size_t{t} * Ekv + kv + d]);
        s[t] += product;
        size += std::abs(product);
      }
      s[t] *= scale;
      shift = std::max(shift, scale * (u + dk * f32) * size);
      max = std::max(max, s[t]);
    }
    for (auto& x : s) sum += (x = std::exp(x - max));
    for (std::uint32_t t = 0; t < r.tokens; ++t)
      for (std::uint32_t d = 0; d < dk; ++d) {
        const double v = double(r.v[std::size_t{t} * Ekv + kv + d]);
        ref.out[h * dk + d] += s[t] / sum * v;
        magnitude[h * dk + d] += s[t] / sum * std::abs(v);
      }
    const double factor = std::exp(2 * shift) * (1 + u) - 1 + 2 * u + 2 * r.tokens * f32;
    for (std::uint32_t d = 0; d < dk; ++d)
      ref.bound[h * dk + d] = factor * magnitude[h * dk + d] + u * std::abs(ref.out[h * dk + d]);
  }
  return ref;
}

/// The most NPU-mode attention may take (NPU cycles of 1 ns, neupims-hbm2 timing, default NPU)
/// if nothing overlapped and every DRAM access met its worst case: the sum of
/// - memory: a (bank, row) access per bank of every K and V row the layout gives the requests
///   (and one per output written). Accesses of one row go to 32 different banks, so they wait
///   for each other only through the activation window (4 ACTs per tFAW) and the data bus
///   (tCCD_L per 64-byte burst, the longer same-bank-group spacing); a row's bank latency
///   (tRC + CL) is paid once per row. All of it stretched by refresh (tRFC every tREFI, plus
///   one);
/// - compute, per request in order on one array: R cycles per logit and attend item
///   (heads x ceil(dk / R) x ceil(L / C), heads x ceil(L / R) x ceil(dk / C)) and the drain
///   2R + C - 1 twice, the softmax rows one after another on one vector unit; or, under the
///   simulator's NPU-only timing, its serial chain (per head 255 + L/8, the softmax, then
///   ceil((L + 254) / 128) x 271);
/// - the descriptor's 10 cycles.
double npu_attention_upper_bound(const KvLayout& lay, const std::vector<Request>& requests,
                                 bool simulator_timing, double bytes_read) {
  const double tRC = 14 + 34, CL = 14, tCCD_L = 2, tFAW = 30, tRFC = 260, tREFI = 3900;
  const double R = 128, C = 128;               // default arrays
  const vp::npu::VectorConfig vector;          // default vector units
  const double dk = lay.head_dim, banks = 32;  // banks per channel
  auto tiles = [](double a, double b) { return std::ceil(a / b); };
  double rows = static_cast<double>(requests.size()), compute = 0;  // the outputs' rows
  for (const auto& r : requests) {
    rows += static_cast<double>(r.k_rows.size() + r.v_rows.size());
    const double L = r.tokens;
    const auto softmax =
        static_cast<double>(vector_row_cycles(vp::npu::VectorOp::Scale, r.tokens, vector) +
                            vector_row_cycles(vp::npu::VectorOp::Softmax, r.tokens, vector));
    if (simulator_timing) {
      compute +=
          lay.heads * (255.0 + std::floor(L / 8) + softmax + std::floor((L + 254) / 128) * 271.0);
    } else {
      const double items = lay.heads * (tiles(dk, R) * tiles(L, C) + tiles(L, R) * tiles(dk, C));
      compute += items * R + 2 * (2 * R + C - 1) + lay.heads * softmax;
    }
  }
  const double memory = (rows * banks * tFAW / 4 + bytes_read / 64 * tCCD_L + rows * (tRC + CL)) *
                            (1 + tRFC / tREFI) +
                        tRFC;
  return memory + compute + 10;
}

void check_attention(std::uint32_t mode, bool append = false, std::uint32_t v_chunk = 0,
                     const std::string& systolic_model = "arrays", bool explicit_stride = true,
                     std::uint32_t kv_heads = 0) {
  test::NpuBench bench(test::npu_platform(
      g_hbm, {{"systolic", {{"model", systolic_model}}}, {"pim_tile_close", g_tile_close}}));
  KvLayout lay;
  lay.heads = 12;
  lay.head_dim = 64;  // E = 768: two K chunks, 8 and 4 heads
  lay.v_chunk = v_chunk;
  lay.kv_heads = kv_heads;  // 3: groups of 4 query heads, K/V of 192 elements (one K chunk)
  std::vector<Request> requests = {
      {70, 0, {}, {}, {}, {}}, {600, 0, {}, {}, {}, {}}, {33, 5, {}, {}, {}, {}}};
  const auto q = place(bench, lay, requests, append);
  // The inputs are packed: q (and with APPEND k and v) of one request after the other's, which
  // is what Q_STRIDE 0 means.
  const std::uint32_t stride =
      append && explicit_stride ? (lay.embedding() + 2 * lay.kv_embedding()) * 2 : 0;
  bench.run(1, {{5, mode, static_cast<std::uint32_t>(requests.size()), lay.heads, lay.head_dim,
                 static_cast<std::uint32_t>(kTable), lo(kQ), hi(kQ), lo(kOut), hi(kOut), 0, stride,
                 append ? 1U : 0U, 0, v_chunk, kv_heads}});
  REQUIRE(bench.status(1) == 0);
  const std::uint32_t E = lay.embedding();
  const auto out = bench.get(kOut, requests.size() * E);
  std::size_t caught = 0;  // elements a mis-scaled model (1 / dk instead of 1 / sqrt(dk)) misses
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto want = reference(lay, requests[i], q.data() + i * E);
    const auto perturbed = reference(lay, requests[i], q.data() + i * E, 1.0 / lay.head_dim);
    std::size_t wrong = 0;
    double worst = 0;
    for (std::uint32_t e = 0; e < E; ++e) {
      const double got = double(out[i * E + e]);
      const double err = std::abs(got - want.out[e]);
      worst = std::max(worst, err / want.bound[e]);
      if (err > want.bound[e]) ++wrong;
      if (std::abs(got - perturbed.out[e]) > perturbed.bound[e]) ++caught;
    }
    INFO("request " << i << " (" << requests[i].tokens << " tokens): worst error " << worst
                    << " of the derived bound");
    CHECK(wrong == 0);
  }
  // The bound is tight enough to tell a wrong model from the right one.
  CHECK(caught > E);
  std::printf("%s attention: %.0f cycles, PIM busy %.0f channel-cycles, DMA read %.0f bytes\n",
              mode ? "PIM" : "NPU", bench.stat("npu.attention.cycles"),
              bench.stat("npu.attention.pim_busy_cycles"), bench.stat("npu.dma.bytes_read"));
  CHECK(bench.stat("npu.attention.requests") == 3);
  if (systolic_model == "neupims-sim-npu-only") {
    // The simulator's NPU-only attention: per request and head, in order on one pipeline, a
    // logit GEMV of latency 255 + L/8, the softmax, then ceil((L + 127) / 128) GEMVs of 271.
    double serial = 0;
    for (const auto& r : requests) {
      const std::uint64_t logit_extra = r.tokens / 8, value_gemvs = (r.tokens + 254) / 128;
      serial += lay.heads * (255.0 + static_cast<double>(logit_extra) +
                             static_cast<double>(value_gemvs) * 271.0);
    }
    CHECK(bench.stat("npu.attention.cycles") >= serial);
  }
  if (mode == 0 && !append)
    CHECK(bench.stat("npu.attention.cycles") <=
          npu_attention_upper_bound(lay, requests, systolic_model == "neupims-sim-npu-only",
                                    bench.stat("npu.dma.bytes_read")));
  CHECK(bench.stat("npu.attention.tokens") == 70 + 600 + 33);
  if (mode == 1 && !append) {
    // Logit: per K chunk one GWRITE + per token group (HEADER, G_ACT, one COMPS_READRES per head
    // of the chunk, PIM_PRE); attend: per head and token chunk one GWRITE + per KV row holding
    // its dimension tiles' segments (HEADER, G_ACT, one COMPS_READRES per segment, PIM_PRE).
    // With pim_tile_close lazy a tile has no PIM_PRE of its own (per tile 2 instead of 3).
    // Counted from the documented layout (docs/npu.md, KV layout), not from KvLayout: 32
    // tokens per group, E = 768 in two K chunks (8 + 4 heads of 64); V dimension tiles of 32
    // banks, C-token chunks, segment s = (ci x heads + h) x tiles + ti in row s / (512 / C).
    // With grouped-query attention (kv_heads 3 of 64: a 192-element key, so a K row packs two
    // token groups) the K rows are scanned once per member of a group of G = 4 query heads, each
    // scan with its own GWRITE and a tile per K row (one COMPS_READRES per head and token group
    // in it), and query head h's attend phase uses K/V head h / G's segments.
    const std::uint32_t C = v_chunk == 0 ? 512 : v_chunk, per_row = 512 / C;
    const std::uint32_t tiles = lay.head_dim / 32;
    const std::uint32_t per_tile = g_tile_close == "each" ? 3 : 2;
    const std::uint32_t G = kv_heads == 0 ? 1 : lay.heads / kv_heads;
    const std::uint32_t KV = lay.heads / G;
    double expected = 0;
    for (const auto& r : requests) {
      const std::uint32_t groups = (r.tokens + 31) / 32, chunks = (r.tokens + C - 1) / C;
      if (G == 1) {
        expected += 2 + groups * (per_tile + 8) + groups * (per_tile + 4);
      } else {
        const std::uint32_t k_rows = (groups + 1) / 2;  // two token groups per K row
        expected += G * (1 + k_rows * per_tile + groups * KV);
      }
      for (std::uint32_t h = 0; h < lay.heads; ++h)
        for (std::uint32_t ci = 0; ci < chunks; ++ci) {
          const std::uint32_t first = (ci * KV + h / G) * tiles, last = first + tiles - 1;
          const std::uint32_t rows = last / per_row - first / per_row + 1;
          expected += 1 + per_tile * rows + tiles;
        }
    }
    // With whole-row chunks that is one tile per dimension tile (the paper's layout).
    if (v_chunk == 0 && G == 1) {
      double paper = 0;
      for (const auto& r : requests) {
        const std::uint32_t groups = (r.tokens + 31) / 32, chunks = (r.tokens + 511) / 512;
        paper += 2 + groups * (per_tile + 8) + groups * (per_tile + 4) +
                 lay.heads * chunks * (1 + tiles * (per_tile + 1));
      }
      CHECK(expected == paper);
    }
    CHECK(bench.stat("npu.dma.pim_commands") == expected);
    CHECK(bench.stat("npu.attention.pim_busy_cycles") > 0);
  } else if (mode == 0) {
    CHECK(bench.stat("npu.dma.pim_commands") == 0);
  }
  if (append && kv_heads == 0) {  // one bank row per K chunk and 2 bytes per value element
    CHECK(bench.stat("npu.dma.bytes_written") == 3 * (2 * 1024 + 768 * 2) + 3 * 768 * 2);
  } else if (append) {  // GQA: the key's 192 elements and 2 bytes per value element
    CHECK(bench.stat("npu.dma.bytes_written") == 3 * (192 * 2 + 192 * 2) + 3 * 768 * 2);
  }
}

}  // namespace

TEST_CASE("PIM attention matches a host reference", "[npu][attention][pim]") { check_attention(1); }

TEST_CASE("NPU attention matches a host reference", "[npu][attention]") { check_attention(0); }

/// The Samsung HBM-PIM engine (one row buffer per bank) and HBM3 with the NeuPIMs engine.
void use_hbm_pim() {
  g_hbm = {{"memory", std::string(NPVP_SOURCE_DIR) + "/configs/memory/samsung-hbm-pim.json"},
           {"mode", "blocked"}};
}
void use_hbm3() {
  g_hbm = {
      {"memory", std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm3.json"},
      {"address_mapping", {"offset", "column", "channel", "bank_group", "bank", "rank", "row"}},
      {"queue_bursts", 128}};
}

TEST_CASE("PIM attention on the HBM-PIM engine matches a host reference",
          "[npu][attention][pim][engine]") {
  use_hbm_pim();
  check_attention(1);
}

TEST_CASE("PIM attention on the HBM-PIM engine with grouped-query heads and 64-token V segments",
          "[npu][attention][pim][engine]") {
  use_hbm_pim();
  check_attention(1, false, 64, "arrays", true, 3);
}

TEST_CASE(
    "PIM attention on HBM3 appends the new token's k and v first and matches a host reference",
    "[npu][attention][pim][engine]") {
  use_hbm3();
  check_attention(1, true);
}

TEST_CASE(
    "PIM attention with lazily closed tiles matches a host reference, one PIM_PRE fewer "
    "per tile",
    "[npu][attention][pim]") {
  g_tile_close = "lazy";
  check_attention(1);
}

TEST_CASE("PIM attention appends the new token's k and v first", "[npu][attention][pim]") {
  check_attention(1, true);
}

TEST_CASE("NPU attention appends the new token's k and v first", "[npu][attention]") {
  check_attention(0, true);
}

TEST_CASE("with APPEND, Q_STRIDE 0 reads packed QKV inputs (PIM)", "[npu][attention][pim]") {
  check_attention(1, true, 0, "arrays", false);
}

TEST_CASE("with APPEND, Q_STRIDE 0 reads packed QKV inputs (NPU)", "[npu][attention]") {
  check_attention(0, true, 0, "arrays", false);
}

TEST_CASE("PIM attention with a dense V layout (64-token segments) matches a host reference",
          "[npu][attention][pim]") {
  check_attention(1, false, 64);
}

TEST_CASE("NPU attention with a dense V layout (64-token segments) matches a host reference",
          "[npu][attention]") {
  check_attention(0, false, 64);
}

TEST_CASE("PIM attention with 16-token segments appends the new token first",
          "[npu][attention][pim]") {
  check_attention(1, true, 16);
}

TEST_CASE("PIM attention with grouped-query heads (groups of 4) matches a host reference",
          "[npu][attention][pim]") {
  check_attention(1, false, 0, "arrays", true, 3);
}

TEST_CASE("NPU attention with grouped-query heads (groups of 4) matches a host reference",
          "[npu][attention]") {
  check_attention(0, false, 0, "arrays", true, 3);
}

TEST_CASE("PIM attention with grouped-query heads and 64-token V segments matches a host reference",
          "[npu][attention][pim]") {
  check_attention(1, false, 64, "arrays", true, 3);
}

TEST_CASE("PIM attention with grouped-query heads appends the new token's k and v first",
          "[npu][attention][pim]") {
  check_attention(1, true, 0, "arrays", true, 3);
}

TEST_CASE("NPU attention with grouped-query heads and 64-token V segments appends first",
          "[npu][attention]") {
  check_attention(0, true, 64, "arrays", true, 3);
}

TEST_CASE(
    "NPU attention under the simulator's NPU-only timing matches the reference and serializes",
    "[npu][attention]") {
  check_attention(0, false, 0, "neupims-sim-npu-only");
}

TEST_CASE("bad ATTENTION descriptors stop the queue with the documented error",
          "[npu][attention]") {
  test::NpuBench bench;
  bench.tester.write32(kTable, 40);  // 40 tokens in channel 99
  bench.tester.write32(kTable + 4, 99);
  bench.tester.write32(kTable + 8, static_cast<std::uint32_t>(kLists));
  bench.tester.write32(kTable + 12, static_cast<std::uint32_t>(kLists));
  const std::uint32_t table = static_cast<std::uint32_t>(kTable);
  struct Case {
    std::vector<std::uint32_t> words;
    std::uint32_t status;
  };
  const std::vector<Case> cases = {
      {{5, 2, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0}, 9},   // MODE 2: BAD_FLAGS
      {{5, 1, 0, 4, 64, table, lo(kQ), 0, lo(kOut), 0}, 5},   // no requests: BAD_SIZE
      {{5, 1, 1, 4, 48, table, lo(kQ), 0, lo(kOut), 0}, 5},   // head_dim 48 does not divide 512
      {{5, 1, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0}, 7},   // channel 99: BAD_ADDRESS
      {{5, 1, 1, 4, 64, 0x4000, lo(kQ), 0, lo(kOut), 0}, 7},  // table outside the host map
      {{5, 1, 1, 4, 64, table, 0, 1000, lo(kOut), 0}, 7},     // q beyond the HBM
      {{5, 1, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0, 0, 0, 0, 0, 24},
       5},  // V_CHUNK 24: not a multiple of 16
      {{5, 1, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0, 0, 0, 0, 0, 96},
       5},  // V_CHUNK 96 does not divide 512
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    bench.run(1, {cases[i].words});
    INFO("case " << i);
    CHECK(bench.status(1) == cases[i].status);
    bench.replace(1, bench.error_index(1), {0});  // NOP in its place, then resume
    bench.resume(1);
    CHECK(bench.status(1) == 0);
  }
  CHECK(bench.stat("npu.attention.descriptors") == 0);
}

namespace {

/// A prefill chunk: the last `queries` tokens of each request are appended and attend causally
/// (NPU mode, APPEND with QUERIES); every query's output matches the reference over the tokens
/// up to its own, and K and V are read once per request, not once per query.
void check_prefill(std::uint32_t kv_heads, std::uint32_t v_chunk) {
  test::NpuBench bench;
  KvLayout lay;
  lay.heads = 12;
  lay.head_dim = 64;
  lay.v_chunk = v_chunk;
  lay.kv_heads = kv_heads;
  const std::uint32_t queries = 48;
  std::vector<Request> requests = {
      {70, 0, {}, {}, {}, {}}, {600, 0, {}, {}, {}, {}}, {48, 5, {}, {}, {}, {}}};
  const auto q = place(bench, lay, requests, true, queries);
  bench.run(1, {{5, 0, static_cast<std::uint32_t>(requests.size()), lay.heads, lay.head_dim,
                 static_cast<std::uint32_t>(kTable), lo(kQ), hi(kQ), lo(kOut), hi(kOut), 0, 0,
                 1U | queries << 16, 0, v_chunk, kv_heads}});
  REQUIRE(bench.status(1) == 0);
  const std::uint32_t E = lay.embedding(), Ekv = lay.kv_embedding();
  const auto out = bench.get(kOut, requests.size() * queries * E);
  std::size_t caught = 0;  // elements a non-causal model (every query sees every token) misses
  for (std::size_t i = 0; i < requests.size(); ++i)
    for (std::uint32_t j = 0; j < queries; ++j) {
      Request seen = requests[i];
      seen.tokens = requests[i].tokens - queries + j + 1;
      const std::size_t row = i * queries + j;
      const auto want = reference(lay, seen, q.data() + row * E);
      const auto all = reference(lay, requests[i], q.data() + row * E);
      std::size_t wrong = 0;
      for (std::uint32_t e = 0; e < E; ++e) {
        const double got = double(out[row * E + e]);
        if (std::abs(got - want.out[e]) > want.bound[e]) ++wrong;
        if (std::abs(got - all.out[e]) > all.bound[e]) ++caught;
      }
      INFO("request " << i << " query " << j);
      CHECK(wrong == 0);
    }
  CHECK(caught > E);
  // K and V rows are read once per request (at most whole rows of 32 banks), plus each query's
  // q and its k and v: reading them once per query would be 48 times the KV bytes.
  double kv_rows = 0;
  for (const auto& r : requests) kv_rows += static_cast<double>(r.k_rows.size() + r.v_rows.size());
  const double inputs = 3.0 * queries * (E + 2.0 * Ekv) * 2;
  CHECK(bench.stat("npu.dma.bytes_read") <= kv_rows * 32 * 1024 + inputs);
  CHECK(bench.stat("npu.attention.descriptors") == 1);
}

}  // namespace

TEST_CASE("NPU prefill attention (48 queries per request) is causal and matches a host reference",
          "[npu][attention]") {
  check_prefill(0, 0);
}

TEST_CASE("NPU prefill attention with grouped-query heads and 64-token V segments",
          "[npu][attention]") {
  check_prefill(3, 64);
}

TEST_CASE("prefill queries need NPU mode and at least as many tokens", "[npu][attention]") {
  test::NpuBench bench;
  bench.tester.write32(kTable, 40);  // 40 tokens in channel 0
  bench.tester.write32(kTable + 4, 0);
  bench.tester.write32(kTable + 8, static_cast<std::uint32_t>(kLists));
  bench.tester.write32(kTable + 12, static_cast<std::uint32_t>(kLists));
  const std::uint32_t table = static_cast<std::uint32_t>(kTable);
  const std::vector<std::pair<std::vector<std::uint32_t>, std::uint32_t>> cases = {
      {{5, 1, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0, 0, 0, 1U | 8U << 16}, 9},   // PIM: flags
      {{5, 0, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0, 0, 0, 1U | 41U << 16}, 5},  // > tokens
      {{5, 0, 1, 4, 64, table, lo(kQ), 0, lo(kOut), 0, 0, 0, 3}, 9},  // undefined bit 1
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    bench.run(1, {cases[i].first});
    INFO("case " << i);
    CHECK(bench.status(1) == cases[i].second);
    bench.replace(1, bench.error_index(1), {0});
    bench.resume(1);
  }
}
