#include "models/host/workload.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::host {
namespace {

std::uint32_t parse_count(const std::string& text, const std::string& where) {
  try {
    std::size_t used = 0;
    const unsigned long v = std::stoul(text, &used);
    if (used == text.size() && v <= 0xFFFFFFFFUL) return static_cast<std::uint32_t>(v);
  } catch (const std::exception&) {
  }
  throw InputError(fmt::format("{}: '{}' is not a non-negative integer", where, text));
}

std::vector<std::vector<std::string>> read_table(const std::string& path, char separator,
                                                 const std::vector<std::string>& header) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("cannot open '{}'", path));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, separator);) cells.push_back(cell);
    if (number == 1) {
      if (cells != header)
        throw InputError(fmt::format("{}:1: expected the header '{}'", path, fmt::join(header, std::string(1, separator))));
      continue;
    }
    if (cells.size() != header.size())
      throw InputError(fmt::format("{}:{}: expected {} columns, found {}", path, number, header.size(), cells.size()));
    cells.push_back(fmt::format("{}:{}", path, number));  // where, for errors
    rows.push_back(std::move(cells));
  }
  if (rows.empty()) throw InputError(fmt::format("{}: no data rows", path));
  return rows;
}

}  // namespace

std::vector<LengthPair> load_lengths(const std::string& path) {
  std::vector<LengthPair> pairs;
  for (const auto& row : read_table(path, '\t', {"input_toks", "output_toks"})) {
    const LengthPair p{parse_count(row[0], row[2]), parse_count(row[1], row[2])};
    if (p.input > 0 && p.output > 0) pairs.push_back(p);  // a request without tokens never decodes
  }
  if (pairs.empty()) throw InputError(fmt::format("{}: no row with input and output counts of at least 1", path));
  return pairs;
}

std::vector<WorkloadRequest> load_trace(const std::string& path) {
  std::vector<WorkloadRequest> requests;
  for (const auto& row : read_table(path, ',', {"seq_len", "ch_idx"})) {
    WorkloadRequest r;
    r.context = parse_count(row[0], row[2]);
    r.channel = parse_count(row[1], row[2]);
    r.remaining = 1;
    if (r.context == 0) throw InputError(fmt::format("{}: seq_len must be at least 1", row[2]));
    requests.push_back(r);
  }
  return requests;
}

std::vector<WorkloadRequest> make_workload(const WorkloadSpec& spec) {
  if (spec.mode == "trace") return load_trace(spec.trace_file);
  const std::vector<LengthPair> pairs = load_lengths(spec.dataset_file);
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
