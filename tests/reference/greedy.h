// Greedy decoding's choice, shared by the host references: the first largest logit, and how far
// it stands above the runner-up.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace reference {

/// The index of the first largest of `logits`; with `margin`, appends its distance to the
/// largest of the others.
inline std::uint32_t greedy_token(const std::vector<double>& logits,
                                  std::vector<double>* margin = nullptr) {
  std::uint32_t best = 0;
  for (std::uint32_t t = 1; t < logits.size(); ++t)
    if (logits[t] > logits[best]) best = t;
  if (margin != nullptr) {
    double runner_up = -1e300;
    for (std::uint32_t t = 0; t < logits.size(); ++t)
      if (t != best) runner_up = std::max(runner_up, logits[t]);
    margin->push_back(logits[best] - runner_up);
  }
  return best;
}

}  // namespace reference
