// The runtime's invariants on random workloads (firmware/runtime compiled for the host): the
// batch never exceeds its limit, no KV row group is shared or lost, greedy channel assignment
// never has a higher maximum channel load than round-robin on the same requests, and the
// sub-batch split keeps each sub-batch contiguous and balances every channel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "tests/unit/runtime/runtime_host.h"

namespace {

job_info gpt3_7b_job(std::uint32_t flags, std::uint32_t max_batch, std::uint32_t v_chunk = 512) {
  job_info job{};
  job.flags = flags;
  job.sub_batch_min = 2;
  job.layers = 4;
  job.device_layers = 32;
  job.kv_layers = 32;
  job.d_model = 4096;
  job.heads = 8;
  job.head_dim = 128;
  job.embed = 1024;
  job.kv_heads = 8;  // multi-head attention
  job.kv_embed = 1024;
  job.ffn = 4096;
  job.vocab = 12565;
  job.max_batch = max_batch;
  job.max_seq = 2048;
  job.channels = 32;
  job.banks = 32;
  job.rows = 32768;
  job.row_bytes = 1024;
  job.v_chunk = v_chunk;
  return job;
}

std::vector<std::uint32_t> contexts(std::uint32_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> v(n);
  for (auto& c : v) c = 1 + rng() % 600;  // ShareGPT-like lengths (mean context ~300)
  std::sort(v.rbegin(), v.rend());        // the decode app admits longest first
  return v;
}

/// Every row group held by an active request; `shared` counts groups held twice or misaligned.
std::set<std::pair<std::uint32_t, std::uint32_t>> held_rows(const batch_state& b,
                                                            std::size_t* shared = nullptr) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> held;
  std::size_t bad = 0;
  for (std::uint32_t i = 0; i < b.count; ++i) {
    const request_state& r = b.requests[i];
    for (std::uint32_t n = 0; n < r.k_count + r.v_count; ++n) {
      const std::uint32_t row = n < r.k_count ? r.k_rows[n] : r.v_rows[n - r.k_count];
      if (!held.insert({r.channel, row}).second || (row - b.kv.first_row) % b.kv.layers != 0) ++bad;
    }
  }
  if (shared != nullptr) *shared = bad;
  return held;
}

std::uint32_t groups_in_use(const batch_state& b) {
  std::uint32_t used = 0;
  for (std::uint32_t c = 0; c < b.kv.channels; ++c)
    used += b.kv.groups_per_channel - kv_available(&b.kv, c);
  return used;
}

std::uint32_t max_channel_load(const batch_state& b) {
  std::vector<std::uint32_t> load(b.job->channels, 0);
  for (std::uint32_t i = 0; i < b.count; ++i)
    load[b.requests[i].channel] += batch_load(&b, b.requests[i].tokens);
  return *std::max_element(load.begin(), load.end());
}

}  // namespace

TEST_CASE("the batch limit holds and no KV row group is shared or lost", "[runtime]") {
  // The paper's V layout (512-token V rows) and a dense one (64-token segments, 8 per row).
  const std::uint32_t v_chunk = GENERATE(512U, 64U);
  const job_info job = gpt3_7b_job(JOB_FLAG_GREEDY | JOB_FLAG_SUB_BATCH, 64, v_chunk);
  static batch_state b;
  REQUIRE(batch_init(&b, &job, 3500));
  std::mt19937 rng(11);
  for (int step = 0; step < 400; ++step) {
    const std::uint32_t action = rng() % 4;
    if (action == 0 && b.count > 0) {
      batch_release(&b, rng() % b.count);
    } else if (action == 1 && b.count > 0) {
      REQUIRE(batch_grow(&b));
    } else {
      job_request r{0, 1 + static_cast<std::uint32_t>(rng() % 1500), 10, JOB_ANY_CHANNEL, 0, 0};
      const std::uint32_t before = b.count;
      const int admitted = batch_admit(&b, &r);
      CHECK(b.count == before + (admitted ? 1U : 0U));
      if (before == job.max_batch) CHECK(admitted == 0);  // the limit holds
    }
    CHECK(b.count <= job.max_batch);
    std::size_t shared = 0;
    CHECK(held_rows(b, &shared).size() ==
          groups_in_use(b));  // every handed-out group is held: none lost
    CHECK(shared == 0);       // and none is held twice
  }
  while (b.count > 0) batch_release(&b, b.count - 1);
  CHECK(groups_in_use(b) == 0);
  batch_free(&b);
}

TEST_CASE("greedy channel assignment never has a higher maximum channel load than round-robin",
          "[runtime]") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const auto requests = contexts(256, seed);
    std::uint32_t max_load[2] = {0, 0};
    for (int greedy = 0; greedy < 2; ++greedy) {
      const job_info job = gpt3_7b_job(greedy ? JOB_FLAG_GREEDY : 0U, 256);
      static batch_state b;
      REQUIRE(batch_init(&b, &job, 3500));
      for (auto c : requests) {
        job_request r{0, c, 10, JOB_ANY_CHANNEL, 0, 0};
        REQUIRE(batch_admit(&b, &r));
      }
      max_load[greedy] = max_channel_load(b);
      batch_free(&b);
    }
    INFO("seed " << seed << ": greedy " << max_load[1] << ", round-robin " << max_load[0]);
    CHECK(max_load[1] <= max_load[0]);
  }
}

TEST_CASE("the sub-batch split is contiguous and balances every channel", "[runtime]") {
  const job_info job = gpt3_7b_job(JOB_FLAG_GREEDY | JOB_FLAG_SUB_BATCH, 256);
  static batch_state b;
  REQUIRE(batch_init(&b, &job, 3500));
  for (auto c : contexts(256, 3)) {
    job_request r{0, c, 10, JOB_ANY_CHANNEL, 0, 0};
    REQUIRE(batch_admit(&b, &r));
  }
  const auto rows_before = held_rows(b);
  batch_split(&b, 2);
  CHECK(held_rows(b) == rows_before);  // reordering moves lists with their requests
  CHECK(b.start[0] == 0);
  CHECK(b.start[2] == b.count);
  CHECK(b.start[1] > 0);
  CHECK(b.start[1] < b.count);
  std::map<std::uint32_t, std::array<std::uint32_t, 2>> load;
  std::map<std::uint32_t, std::uint32_t> heaviest;
  for (std::uint32_t i = 0; i < b.count; ++i) {
    const request_state& r = b.requests[i];
    CHECK(r.sub_batch == (i < b.start[1] ? 0U : 1U));  // contiguous
    const std::uint32_t l = batch_load(&b, r.tokens);
    load[r.channel][r.sub_batch] += l;
    heaviest[r.channel] = std::max(heaviest[r.channel], l);
    // The table entry of slot i is request i.
    CHECK(b.tables[std::size_t{4} * i] == r.tokens);
    CHECK(b.tables[std::size_t{4} * i + 1] == r.channel);
  }
  for (const auto& [channel, l] : load) {
    INFO("channel " << channel);
    CHECK(std::max(l[0], l[1]) - std::min(l[0], l[1]) <= heaviest[channel]);
  }
  batch_free(&b);
}

TEST_CASE("the count split halves every channel's requests, odd counts alternating", "[runtime]") {
  const job_info job = gpt3_7b_job(JOB_FLAG_SUB_BATCH | JOB_FLAG_SPLIT_BY_COUNT, 256);
  static batch_state b;
  REQUIRE(batch_init(&b, &job, 3500));
  std::map<std::uint32_t, std::vector<std::uint32_t>> ids_by_channel;  // in batch order
  std::uint32_t id = 0;
  for (auto c : contexts(203, 5)) {  // an odd total: some channels hold odd counts
    job_request r{id, c, 10, (id * 7) % 32, 0, 0};
    REQUIRE(batch_admit(&b, &r));
    ids_by_channel[r.channel].push_back(id++);
  }
  batch_split(&b, 2);
  std::map<std::uint32_t, std::array<std::uint32_t, 2>> count;
  std::map<std::uint32_t, std::uint32_t> sub_batch_of;
  for (std::uint32_t i = 0; i < b.count; ++i) {
    CHECK(b.requests[i].sub_batch == (i < b.start[1] ? 0U : 1U));  // contiguous
    ++count[b.requests[i].channel][b.requests[i].sub_batch];
    sub_batch_of[b.requests[i].id] = b.requests[i].sub_batch;
  }
  int rounded_up = 0, rounded_down = 0;
  for (const auto& [channel, ids] : ids_by_channel) {
    INFO("channel " << channel);
    const auto n = static_cast<std::uint32_t>(ids.size());
    const std::uint32_t first = count[channel][0];
    CHECK((first == n / 2 || first == (n + 1) / 2));
    if (n % 2 == 1) (first == n / 2 ? rounded_down : rounded_up) += 1;
    for (std::uint32_t k = 0; k < n; ++k)
      CHECK(sub_batch_of[ids[k]] == (k < first ? 0U : 1U));  // the first ones
  }
  CHECK(std::abs(rounded_up - rounded_down) <= 1);  // odd channels alternate
  batch_free(&b);
}

TEST_CASE("a request that cannot fit is refused and its rows are returned", "[runtime]") {
  job_info job = gpt3_7b_job(JOB_FLAG_GREEDY, 8);
  job.rows = 3500 + 32 * 40;  // 40 row groups (of 32 rows, one per device layer) per channel
  static batch_state b;
  REQUIRE(batch_init(&b, &job, 3500));
  job_request big{0, 2047, 1, 0, 0, 0};  // channel 0: needs 128 + 128 groups
  CHECK(batch_admit(&b, &big) == 0);
  CHECK(b.count == 0);
  CHECK(groups_in_use(b) == 0);
  job_request fits{1, 100, 1, 0, 0, 0};
  CHECK(batch_admit(&b, &fits) == 1);
  batch_free(&b);
}

TEST_CASE("a dense V layout holds a short request in fewer KV row groups", "[runtime]") {
  // 8 heads x 4 dimension tiles: 32 V segments per token chunk. 512-token chunks: one segment per
  // row, 32 rows per chunk; 64-token chunks: 8 segments per row, 4 rows per chunk.
  std::uint32_t used[2] = {0, 0};
  std::uint32_t tokens = 0;
  for (int dense = 0; dense < 2; ++dense) {
    const job_info job = gpt3_7b_job(JOB_FLAG_GREEDY, 8, dense ? 64U : 512U);
    static batch_state b;
    REQUIRE(batch_init(&b, &job, 3500));
    job_request r{0, 100, 1, 0, 0, 0};
    REQUIRE(batch_admit(&b, &r) == 1);
    tokens = b.requests[0].tokens;
    used[dense] = groups_in_use(b);
    CHECK(b.requests[0].v_count ==
          (dense ? (((tokens + 63) / 64) * 32 + 7) / 8 : ((tokens + 511) / 512) * 32));
    batch_free(&b);
  }
  const std::uint32_t k_rows = (tokens + 31) / 32 * 2;
  CHECK(used[0] == k_rows + 32);
  CHECK(used[1] == k_rows + ((tokens + 63) / 64 * 32 + 7) / 8);
}

TEST_CASE("admission keeps room for the next token of every request in the channel", "[runtime]") {
  // One channel of 70 row groups; a request of 32 tokens holds 2 K + 32 V groups and needs 2 more
  // K groups at its next token. Without the reserve a second request would be admitted (36 groups
  // free: its own 34 + 2) and the first step would then find no room for the first request's K.
  for (const std::uint32_t flags : {0U, static_cast<std::uint32_t>(JOB_FLAG_GREEDY)}) {
    job_info job = gpt3_7b_job(flags, 8);
    job.channels = 1;
    job.rows = 3500 + 32 * 70;
    static batch_state b;
    REQUIRE(batch_init(&b, &job, 3500));
    for (std::uint32_t i = 0; i < 4; ++i) {
      job_request r{i, 32, 1, JOB_ANY_CHANNEL, 0, 0};
      batch_admit(&b, &r);
    }
    INFO((flags != 0 ? "greedy" : "round-robin"));
    CHECK(b.count == 1);
    CHECK(batch_grow(&b) == 1);
    CHECK(groups_in_use(b) == 36);
    while (b.count > 0) batch_release(&b, b.count - 1);
    CHECK(groups_in_use(b) == 0);
    batch_free(&b);
  }
}
