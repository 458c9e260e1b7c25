#include "models/host/workload.h"

#include <algorithm>
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

std::vector<WorkloadRequest> make_workload(const WorkloadSpec& spec) {
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
  } else {  // serving
    for (std::uint32_t i = 0; i < spec.requests; ++i) {
      const LengthPair& p = pairs[draw(pairs.size())];
      WorkloadRequest r;
      r.context = std::min(p.input, spec.max_seq - 1);
      r.remaining = std::min(p.output, spec.max_seq - r.context);
      r.arrival = spec.arrival_per_iteration == 0 ? 0 : i / spec.arrival_per_iteration;
      requests.push_back(r);
    }
  }
  return requests;
}

}  // namespace vp::host
