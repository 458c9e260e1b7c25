// Iteration sampling for long serving runs: some iterations are simulated exactly and the rest
// are estimated by a per-iteration cost model fitted online to the exact ones.
//
// Contract (docs/workloads.md, Sampling):
// - An iteration is described by features f = (1, rows, the slowest channel's PIM attention
//   load, the decoding requests' KV tokens, the prefill chunks' attention work); one linear model
//   t = b . f per sub-batch count (1 or 2), fitted by least squares to the exact iterations'
//   (layer-scaled) times.
// - exact() decides: every iteration while a model has fewer than `warmup` samples, then every
//   `period`-th, and any iteration whose features leave the range sampled so far (more than
//   1.25 x the largest seen), so the model interpolates. period 0 = every iteration exact.
// - estimate() returns the model's time and adds it to the estimated total.
// - report(): the estimated total and its 95% confidence half-width, from the fit's residual
//   variance s^2 and the coefficients' covariance s^2 (X^T X)^-1: Var = m s^2 + S^T Cov S for m
//   estimated iterations with feature sum S (residuals taken as independent; the final fit
//   stands for the fits the estimates used).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace vp::host {

class IterationSampler {
 public:
  static constexpr std::size_t kFeatures = 5;
  using Features = std::array<double, kFeatures>;

  IterationSampler(std::uint32_t period, std::uint32_t warmup) : period_(period), warmup_(warmup) {}
  [[nodiscard]] bool enabled() const { return period_ > 0; }
  [[nodiscard]] bool exact(const Features& f, unsigned sub_batches);
  void record(const Features& f, unsigned sub_batches, double ns);
  double estimate(const Features& f, unsigned sub_batches);

  struct Report {
    std::uint64_t exact = 0, estimated = 0;
    double exact_ns = 0, estimated_ns = 0, ci95_ns = 0;
  };
  [[nodiscard]] Report report() const;

 private:
  struct Model {
    std::vector<Features> x;
    std::vector<double> y;
    Features max{};
    Features beta{};
    std::size_t fitted = 0;  ///< samples when beta was fitted
    Features estimated_sum{};
    std::uint64_t estimated = 0;
    double estimated_ns = 0;
  };
  /// Least squares (a tiny ridge keeps the normal equations solvable); false if too few samples.
  static bool fit(Model& m);
  /// s^2 and (X^T X)^-1 of a model's current fit; false if it has no spare degrees of freedom.
  static bool covariance(const Model& m, double& s2, std::array<Features, kFeatures>& inverse);
  [[nodiscard]] Model& model(unsigned sub_batches) { return models_[sub_batches > 1 ? 1 : 0]; }

  std::uint32_t period_, warmup_;
  std::uint64_t counter_ = 0, exact_ = 0;
  double exact_ns_ = 0;
  std::array<Model, 2> models_;
};

}  // namespace vp::host
