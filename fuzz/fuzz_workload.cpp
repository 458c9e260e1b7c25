// Fuzz target: the workload readers, the dataset table (TSV input_toks/output_toks) and the
// simulator's request traces (CSV seq_len,ch_idx). The first byte picks the reader.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "models/host/workload.h"
#include "platform/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool trace = (data[0] & 1) != 0;
  const std::string path = fuzz::write_input(data + 1, size - 1, trace ? ".csv" : ".tsv");
  try {
    if (trace) {
      for (const auto& r : vp::host::load_trace(path, 2048))
        if (r.context >= 2048) __builtin_trap();  // the reader bounds seq_len
    } else {
      for (const auto& p : vp::host::load_lengths(path))
        if (p.input == 0 || p.output == 0) __builtin_trap();  // rows without tokens are skipped
    }
  } catch (const vp::UserInputError&) {
  }
  return 0;
}
