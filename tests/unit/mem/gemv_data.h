// Random fp16 operands of a PIM GEMV test: row `row` of every bank of a channel (written through
// a MemBench) and an input vector (the payload of a GWRITE), with the values kept for the host's
// reference dot products. Values are uniform in [-1, 1), rounded to fp16.
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include <Imath/half.h>

#include "tests/unit/mem/mem_bench.h"

namespace test {

struct GemvData {
  std::vector<std::vector<float>> k;  ///< per bank (READRES order), the row's elements
  std::vector<float> q;               ///< the input vector
  std::vector<Request*> writes;       ///< the row writes, to send (and see answered) first
  Request* gwrite = nullptr;          ///< the GWRITE carrying q, to place in the PIM stream
};

inline GemvData gemv_data(MemBench& bench, std::uint32_t channel, std::uint32_t row,
                          std::uint32_t seed) {
  const auto& p = bench.params();
  const std::uint32_t banks = p.org.banks(), elements = p.org.row_bytes() / 2;
  const std::uint32_t per_burst = p.org.burst_bytes() / 2;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
  auto draw = [&](unsigned char* at) {
    const Imath::half h(dist(rng));
    const std::uint16_t bits = h.bits();
    std::memcpy(at, &bits, 2);
    return static_cast<float>(h);
  };
  GemvData d;
  d.k.assign(banks, std::vector<float>(elements));
  for (std::uint32_t b = 0; b < banks; ++b)
    for (std::uint32_t col = 0; col < p.org.bursts_per_row(); ++col) {
      auto& w = bench.make(tlm::TLM_WRITE_COMMAND, bench.address(channel, b, row, col),
                           p.org.burst_bytes());
      for (std::uint32_t i = 0; i < per_burst; ++i)
        d.k[b][col * per_burst + i] = draw(w.data.data() + std::size_t{2} * i);
      d.writes.push_back(&w);
    }
  d.gwrite = &bench.pim(pim(vp::hbm::PimOp::Gwrite, channel), p.org.row_bytes(), true);
  d.q.resize(elements);
  for (std::uint32_t e = 0; e < elements; ++e)
    d.q[e] = draw(d.gwrite->data.data() + std::size_t{2} * e);
  return d;
}

}  // namespace test
