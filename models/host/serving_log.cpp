#include "models/host/serving_log.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

namespace vp::host {

void ServingLog::reset(const std::vector<WorkloadRequest>& requests) {
  records_.assign(requests.size(), Record{});
  token_times_.clear();
  done_ = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    Record& r = records_[i];
    r.arrival = requests[i].arrival_ns;
    r.prompt = requests[i].context;
    r.output = requests[i].remaining;
    r.truncated = requests[i].truncated;
    r.too_long = requests[i].too_long;
  }
}

void ServingLog::scheduled(std::uint32_t request, std::uint64_t now_ns) {
  if (request < records_.size() && records_[request].scheduled == kNever)
    records_[request].scheduled = now_ns;
}

void ServingLog::token(std::uint32_t request, std::uint64_t now_ns) {
  if (request >= records_.size()) return;
  Record& r = records_[request];
  if (r.tokens++ == 0) r.first_token = now_ns;
  token_times_.emplace_back(request, now_ns);
}

void ServingLog::finished(std::uint32_t request, std::uint64_t now_ns) {
  if (request >= records_.size() || records_[request].finish != kNever) return;
  records_[request].finish = now_ns;
  ++done_;
}

void ServingLog::preempted(std::uint32_t request, std::uint32_t recompute_tokens,
                           std::uint64_t swap_bytes) {
  if (request >= records_.size()) return;
  Record& r = records_[request];
  ++r.preemptions;
  r.recomputed += recompute_tokens;
  r.swapped_out += swap_bytes;
}

void ServingLog::swapped_in(std::uint32_t request, std::uint64_t bytes) {
  if (request < records_.size()) records_[request].swapped_in += bytes;
}

void ServingLog::rejected(std::uint32_t request) {
  if (request >= records_.size() || records_[request].rejected) return;
  records_[request].rejected = true;
  ++done_;
}

double ServingLog::percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double at = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(at);
  if (below + 1 >= values.size()) return values.back();
  const double f = at - static_cast<double>(below);
  return values[below] + f * (values[below + 1] - values[below]);
}

ServingLog::Summary ServingLog::summarize(const ServingSlo& slo) const {
  Summary s;
  s.requests = records_.size();
  std::vector<double> ttft, tpot, e2e, queue;
  std::uint64_t first = kNever, last = 0;
  for (const Record& r : records_) {
    s.truncated += r.truncated ? 1 : 0;
    s.rejected_too_long += r.too_long ? 1 : 0;
    s.rejected_device += r.rejected && !r.too_long ? 1 : 0;
    s.preemptions += r.preemptions;
    s.recomputed_tokens += r.recomputed;
    s.swapped_out_bytes += r.swapped_out;
    s.swapped_in_bytes += r.swapped_in;
    s.tokens += r.tokens;
    first = std::min(first, r.arrival);
    if (r.finish == kNever) continue;
    ++s.finished;
    last = std::max(last, r.finish);
    const double t = static_cast<double>(r.first_token - r.arrival) * 1e-6;
    ttft.push_back(t);
    e2e.push_back(static_cast<double>(r.finish - r.arrival) * 1e-6);
    queue.push_back(static_cast<double>(r.scheduled - r.arrival) * 1e-6);
    double per_token = 0;
    if (r.tokens > 1) {
      per_token = static_cast<double>(r.finish - r.first_token) * 1e-6 / (r.tokens - 1);
      tpot.push_back(per_token);
    }
    if ((slo.ttft_ms <= 0 || t <= slo.ttft_ms) && (slo.tpot_ms <= 0 || per_token <= slo.tpot_ms))
      ++s.slo_met;
  }
  const double qs[3] = {0.5, 0.9, 0.99};
  for (int i = 0; i < 3; ++i) {
    s.ttft_ms[i] = percentile(ttft, qs[i]);
    s.tpot_ms[i] = percentile(tpot, qs[i]);
    s.e2e_ms[i] = percentile(e2e, qs[i]);
    s.queue_ms[i] = percentile(queue, qs[i]);
  }
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (const double x : v) sum += x;
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
  };
  s.ttft_mean_ms = mean(ttft);
  s.tpot_mean_ms = mean(tpot);
  if (s.finished > 0 && last > first) {
    s.span_s = static_cast<double>(last - first) * 1e-9;
    s.throughput_tokens_s = static_cast<double>(s.tokens) / s.span_s;
    s.throughput_requests_s = static_cast<double>(s.finished) / s.span_s;
    s.goodput_requests_s = static_cast<double>(s.slo_met) / s.span_s;
  }
  return s;
}

void ServingLog::add_stats(StatsTree& stats, const std::string& prefix,
                           const ServingSlo& slo) const {
  using Get = double (*)(const Summary&);
  struct Entry {
    const char* name;
    const char* unit;
    const char* description;
    Get get;
  };
  static const Entry entries[] = {
      {"requests", "requests", "requests in the workload",
       [](const Summary& s) { return static_cast<double>(s.requests); }},
      {"finished", "requests", "requests that generated their whole output",
       [](const Summary& s) { return static_cast<double>(s.finished); }},
      {"truncated", "requests", "requests shortened to fit the context (too_long truncate)",
       [](const Summary& s) { return static_cast<double>(s.truncated); }},
      {"rejected_too_long", "requests", "requests longer than the context (too_long reject)",
       [](const Summary& s) { return static_cast<double>(s.rejected_too_long); }},
      {"rejected_device", "requests", "requests whose KV cache cannot fit the whole device",
       [](const Summary& s) { return static_cast<double>(s.rejected_device); }},
      {"preemptions", "preemptions", "times a running request was preempted for KV memory",
       [](const Summary& s) { return static_cast<double>(s.preemptions); }},
      {"recomputed_tokens", "tokens", "tokens whose KV was dropped and prefilled again",
       [](const Summary& s) { return static_cast<double>(s.recomputed_tokens); }},
      {"swapped_out_bytes", "bytes", "KV bytes copied to host memory by preemption",
       [](const Summary& s) { return static_cast<double>(s.swapped_out_bytes); }},
      {"swapped_in_bytes", "bytes", "KV bytes copied back from host memory",
       [](const Summary& s) { return static_cast<double>(s.swapped_in_bytes); }},
      {"output_tokens", "tokens", "tokens generated",
       [](const Summary& s) { return static_cast<double>(s.tokens); }},
      {"span_s", "s", "first arrival to last finish (serving clock)",
       [](const Summary& s) { return s.span_s; }},
      {"ttft_p50_ms", "ms", "time to first token, median",
       [](const Summary& s) { return s.ttft_ms[0]; }},
      {"ttft_p90_ms", "ms", "time to first token, p90",
       [](const Summary& s) { return s.ttft_ms[1]; }},
      {"ttft_p99_ms", "ms", "time to first token, p99",
       [](const Summary& s) { return s.ttft_ms[2]; }},
      {"ttft_mean_ms", "ms", "time to first token, mean",
       [](const Summary& s) { return s.ttft_mean_ms; }},
      {"tpot_p50_ms", "ms", "time per output token after the first, median",
       [](const Summary& s) { return s.tpot_ms[0]; }},
      {"tpot_p90_ms", "ms", "time per output token, p90",
       [](const Summary& s) { return s.tpot_ms[1]; }},
      {"tpot_p99_ms", "ms", "time per output token, p99",
       [](const Summary& s) { return s.tpot_ms[2]; }},
      {"tpot_mean_ms", "ms", "time per output token, mean",
       [](const Summary& s) { return s.tpot_mean_ms; }},
      {"e2e_p50_ms", "ms", "arrival to last token, median",
       [](const Summary& s) { return s.e2e_ms[0]; }},
      {"e2e_p90_ms", "ms", "arrival to last token, p90",
       [](const Summary& s) { return s.e2e_ms[1]; }},
      {"e2e_p99_ms", "ms", "arrival to last token, p99",
       [](const Summary& s) { return s.e2e_ms[2]; }},
      {"queue_p50_ms", "ms", "arrival to first scheduled, median",
       [](const Summary& s) { return s.queue_ms[0]; }},
      {"queue_p99_ms", "ms", "arrival to first scheduled, p99",
       [](const Summary& s) { return s.queue_ms[2]; }},
      {"throughput_tokens_per_s", "tokens/s", "output tokens / span",
       [](const Summary& s) { return s.throughput_tokens_s; }},
      {"throughput_requests_per_s", "requests/s", "finished requests / span",
       [](const Summary& s) { return s.throughput_requests_s; }},
      {"slo_met", "requests", "finished requests within both SLOs",
       [](const Summary& s) { return static_cast<double>(s.slo_met); }},
      {"goodput_requests_per_s", "requests/s", "requests within both SLOs / span",
       [](const Summary& s) { return s.goodput_requests_s; }},
  };
  for (const Entry& e : entries)
    stats.add(prefix + "." + e.name, e.unit, e.description,
              [this, slo, get = e.get] { return StatsTree::Value{get(summarize(slo))}; });
}

void ServingLog::write_requests(const std::string& path) const {
  std::ofstream out(path);
  out << "request,arrival_ns,prompt_tokens,output_tokens,status,scheduled_ns,first_token_ns,"
         "finish_ns,tokens,preemptions,recomputed_tokens,swapped_out_bytes,ttft_ms,tpot_ms,"
         "e2e_ms\n";
  auto time = [](std::uint64_t t) { return t == kNever ? std::string() : std::to_string(t); };
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Record& r = records_[i];
    const char* status = r.too_long           ? "rejected_too_long"
                         : r.rejected         ? "rejected_device"
                         : r.finish != kNever ? (r.truncated ? "finished_truncated" : "finished")
                                              : "unfinished";
    std::string ttft, tpot, e2e;
    if (r.finish != kNever) {
      ttft = fmt::format("{:.6f}", static_cast<double>(r.first_token - r.arrival) * 1e-6);
      e2e = fmt::format("{:.6f}", static_cast<double>(r.finish - r.arrival) * 1e-6);
      if (r.tokens > 1)
        tpot = fmt::format("{:.6f}",
                           static_cast<double>(r.finish - r.first_token) * 1e-6 / (r.tokens - 1));
    }
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", i, r.arrival, r.prompt,
                       r.output, status, time(r.scheduled), time(r.first_token), time(r.finish),
                       r.tokens, r.preemptions, r.recomputed, r.swapped_out, ttft, tpot, e2e);
  }
}

void ServingLog::write_tokens(const std::string& path) const {
  std::ofstream out(path);
  out << "request,token,time_ns\n";
  std::vector<std::uint32_t> count(records_.size(), 0);
  for (const auto& [request, t] : token_times_)
    out << request << ',' << count[request]++ << ',' << t << '\n';
}

}  // namespace vp::host
