#include "models/host/workload.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include "platform/error.h"
#include "platform/input_file.h"

namespace vp::host {
namespace {

template <typename Where>
std::uint32_t parse_count(std::string_view text, const Where& where) {
  std::uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 10;
  for (const char c : text) {
    if (c < '0' || c > '9') ok = false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || v > 0xFFFFFFFFULL)
    throw InputError(fmt::format("{}: '{}' is not a non-negative integer", where(), text));
  return static_cast<std::uint32_t>(v);
}

/// Calls reserve(lines) once with the file's line count (rows + header, at most), then
/// row(cells, where) for every data row of a delimited file with the given header.
template <typename Reserve, typename Row>
void read_table(const std::string& path, char separator, const std::vector<std::string>& header,
                Reserve reserve, Row row) {
  const std::string text = read_input_file(path, "");
  reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::vector<std::string_view> cells;
  const std::vector<std::string_view> expected(header.begin(), header.end());
  std::size_t number = 0, rows = 0;
  for (std::size_t at = 0; at < text.size();) {
    // One pass over the line's characters: cells end at separators, the line at '\n' (a '\r'
    // before it is dropped).
    ++number;
    cells.clear();
    std::size_t cell = at, end = at;
    for (; end < text.size() && text[end] != '\n'; ++end)
      if (text[end] == separator) {
        cells.emplace_back(text.data() + cell, end - cell);
        cell = end + 1;
      }
    std::size_t stop = end;
    if (stop > at && text[stop - 1] == '\r') --stop;
    if (stop > at) cells.emplace_back(text.data() + cell, stop - cell);
    at = end + 1;
    if (cells.empty()) continue;
    if (number == 1) {
      if (cells != expected)
        throw InputError(fmt::format("{}:1: expected the header '{}'", path,
                                     fmt::join(header, std::string(1, separator))));
      continue;
    }
    if (cells.size() != header.size())
      throw InputError(fmt::format("{}:{}: expected {} columns, found {}", path, number,
                                   header.size(), cells.size()));
    row(cells, [&] { return fmt::format("{}:{}", path, number); });
    ++rows;
  }
  if (rows == 0) throw InputError(fmt::format("{}: no data rows", path));
}

}  // namespace

std::vector<LengthPair> load_lengths(const std::string& path) {
  std::vector<LengthPair> pairs;
  read_table(
      path, '\t', {"input_toks", "output_toks"}, [&](std::size_t lines) { pairs.reserve(lines); },
      [&](const std::vector<std::string_view>& row, const auto& where) {
        const LengthPair p{parse_count(row[0], where), parse_count(row[1], where)};
        if (p.input > 0 && p.output > 0)
          pairs.push_back(p);  // a request without tokens never decodes
      });
  if (pairs.empty())
    throw InputError(fmt::format("{}: no row with input and output counts of at least 1", path));
  return pairs;
}

std::vector<WorkloadRequest> load_trace(const std::string& path, std::uint32_t max_seq) {
  std::vector<WorkloadRequest> requests;
  read_table(
      path, ',', {"seq_len", "ch_idx"}, [&](std::size_t lines) { requests.reserve(lines); },
      [&](const std::vector<std::string_view>& row, const auto& where) {
        // seq_len is what the simulator's attention covers: the KV already held plus the
        // token being generated, whose K and V are appended first. So the context (KV held)
        // is seq_len - 1.
        const std::uint32_t seq_len = parse_count(row[0], where);
        if (seq_len == 0 || seq_len > max_seq)
          throw InputError(fmt::format(
              "{}: seq_len {} is outside 1 .. {} (the model's longest sequence: the tokens "
              "attended, the one being generated included)",
              where(), seq_len, max_seq));
        WorkloadRequest r;
        r.context = seq_len - 1;
        r.channel = parse_count(row[1], where);
        r.remaining = 1;
        requests.push_back(r);
      });
  return requests;
}

namespace {

/// "YYYY-MM-DD HH:MM:SS[.fraction]" -> ns since 1970-01-01 (proleptic Gregorian, no zones).
template <typename Where>
std::uint64_t parse_timestamp(std::string_view text, const Where& where) {
  auto bad = [&] {
    return InputError(
        fmt::format("{}: '{}' is not a timestamp 'YYYY-MM-DD HH:MM:SS[.fraction]'", where(), text));
  };
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':')
    throw bad();
  auto number = [&](std::size_t at, std::size_t digits) {
    std::uint64_t v = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') throw bad();
      v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    return v;
  };
  const std::int64_t y = static_cast<std::int64_t>(number(0, 4));
  const std::uint64_t mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2),
                      sec = number(17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) throw bad();
  std::uint64_t fraction_ns = 0;
  if (text.size() > 19) {
    if (text[19] != '.' || text.size() == 20) throw bad();
    std::uint64_t scale = 100000000;
    for (std::size_t i = 20; i < text.size(); ++i, scale /= 10) {
      if (text[i] < '0' || text[i] > '9') throw bad();
      fraction_ns += static_cast<std::uint64_t>(text[i] - '0') * scale;
    }
  }
  // days from civil (H. Hinnant's algorithm)
  const std::int64_t yy = y - (mo <= 2 ? 1 : 0);
  const std::int64_t era = yy / 400, yoe = yy - era * 400;
  const std::int64_t doy = (153 * static_cast<std::int64_t>(mo > 2 ? mo - 3 : mo + 9) + 2) / 5 +
                           static_cast<std::int64_t>(d) - 1;
  const std::int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  if (days < 0) throw bad();
  return ((static_cast<std::uint64_t>(days) * 24 + h) * 60 + mi) * 60 * 1000000000ULL +
         sec * 1000000000ULL + fraction_ns;
}

}  // namespace

std::vector<TimedRequest> load_arrival_trace(const std::string& path) {
  std::vector<TimedRequest> rows;
  std::uint64_t first = 0;
  read_table(
      path, ',', {"TIMESTAMP", "ContextTokens", "GeneratedTokens"},
      [&](std::size_t lines) { rows.reserve(lines); },
      [&](const std::vector<std::string_view>& row, const auto& where) {
        const std::uint64_t t = parse_timestamp(row[0], where);
        if (rows.empty()) first = t;
        if (t < first || (!rows.empty() && t - first < rows.back().arrival_ns))
          throw InputError(
              fmt::format("{}: timestamp {} is before the previous row's (rows must be in "
                          "arrival order)",
                          where(), row[0]));
        TimedRequest r{t - first, parse_count(row[1], where), parse_count(row[2], where)};
        if (r.prompt == 0)
          throw InputError(fmt::format("{}: ContextTokens 0 (a request needs a prompt)", where()));
        if (r.output == 0)
          throw InputError(fmt::format(
              "{}: GeneratedTokens 0 (a request generates at least one token)", where()));
        rows.push_back(r);
      });
  return rows;
}

std::vector<WorkloadRequest> make_workload(const WorkloadSpec& spec) {
  if (spec.mode == "serving") {
    std::vector<TimedRequest> timed;
    if (spec.arrivals == "trace") {
      const auto rows = load_arrival_trace(spec.arrival_trace_file);
      const auto start = static_cast<std::uint64_t>(spec.start_s * 1e9);
      const auto end = spec.duration_s > 0
                           ? start + static_cast<std::uint64_t>(spec.duration_s * 1e9)
                           : ~std::uint64_t{0};
      for (const auto& r : rows) {
        if (r.arrival_ns < start || r.arrival_ns >= end) continue;
        if (timed.size() >= spec.requests) break;
        TimedRequest t = r;
        t.arrival_ns = static_cast<std::uint64_t>(
            std::llround(static_cast<double>(r.arrival_ns - start) / spec.rate_scale));
        timed.push_back(t);
      }
      if (timed.empty())
        throw InputError(fmt::format("{}: no request arrives in the window from {} s for {} s",
                                     spec.arrival_trace_file, spec.start_s, spec.duration_s));
    } else {  // Poisson: exponential gaps, u uniform in [0, 1) from the top 53 bits
      const std::vector<LengthPair> pairs = load_lengths(spec.dataset_file);
      std::mt19937_64 rng(spec.seed);
      double at_s = 0;
      for (std::uint32_t i = 0; i < spec.requests; ++i) {
        const double u = static_cast<double>(rng() >> 11) * 0x1p-53;
        at_s += -std::log1p(-u) / spec.rate;
        if (spec.duration_s > 0 && at_s >= spec.duration_s) break;
        const LengthPair& p = pairs[rng() % pairs.size()];
        timed.push_back({static_cast<std::uint64_t>(std::llround(at_s * 1e9)), p.input, p.output});
      }
    }
    std::vector<WorkloadRequest> requests;
    requests.reserve(timed.size());
    for (const auto& t : timed) {
      WorkloadRequest r;
      r.arrival_ns = t.arrival_ns;
      r.context = t.prompt;
      r.remaining = t.output;
      if (std::uint64_t{t.prompt} + t.output > spec.max_seq) {
        if (spec.reject_too_long) {
          r.too_long = true;
        } else {
          r.truncated = true;
          r.context = std::min(t.prompt, spec.max_seq - 1);
          r.remaining = std::min(t.output, spec.max_seq - r.context);
        }
      }
      requests.push_back(r);
    }
    return requests;
  }
  if (spec.mode == "trace") return load_trace(spec.trace_file, spec.max_seq);
  const std::vector<LengthPair> pairs =
      spec.mode == "prompt" ? std::vector<LengthPair>{} : load_lengths(spec.dataset_file);
  std::mt19937_64 rng(spec.seed);
  auto draw = [&](std::uint64_t n) { return static_cast<std::uint32_t>(rng() % n); };
  std::vector<WorkloadRequest> requests;
  if (spec.mode == "steady") {
    for (std::uint32_t b = 0; b < spec.batches; ++b)
      for (std::uint32_t i = 0; i < spec.batch; ++i) {
        const LengthPair& p = pairs[draw(pairs.size())];
        const std::uint32_t generated = draw(p.output);
        WorkloadRequest r;
        r.context = std::min(p.input + generated, spec.max_seq - 1);
        r.remaining = p.output - generated;
        r.batch = b;
        requests.push_back(r);
      }
  } else if (spec.mode == "prompt") {  // one-token prompts, nothing in the KV cache yet
    for (std::uint32_t i = 0; i < spec.requests; ++i) {
      WorkloadRequest r;
      r.context = 0;
      r.remaining = spec.prompt_tokens;
      requests.push_back(r);
    }
  }
  return requests;
}

}  // namespace vp::host
