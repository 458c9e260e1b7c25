#include "models/host/iteration_sampler.h"

#include <algorithm>
#include <cmath>

#include <boost/numeric/ublas/lu.hpp>
#include <boost/numeric/ublas/matrix.hpp>

namespace vp::host {
namespace {

namespace ublas = boost::numeric::ublas;
constexpr std::size_t K = IterationSampler::kFeatures;

/// X^T X with a relative ridge of 1e-9 on the diagonal (features differ by orders of magnitude;
/// a feature that never varies, such as prefill work in a decode-only run, stays solvable).
ublas::matrix<double> normal_matrix(const std::vector<IterationSampler::Features>& x) {
  ublas::matrix<double> a(K, K);
  a.clear();
  for (const auto& f : x)
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < K; ++j) a(i, j) += f[i] * f[j];
  for (std::size_t i = 0; i < K; ++i) a(i, i) += 1e-9 * a(i, i) + 1e-12;
  return a;
}

}  // namespace

bool IterationSampler::exact(const Features& f, unsigned sub_batches) {
  if (!enabled()) return true;
  Model& m = model(sub_batches);
  const bool due = counter_++ % period_ == 0;
  if (due || m.x.size() < std::max<std::size_t>(warmup_, K + 2)) return true;
  for (std::size_t i = 1; i < K; ++i)
    if (f[i] > 1.25 * m.max[i]) return true;  // outside what was sampled: do not extrapolate
  return false;
}

void IterationSampler::record(const Features& f, unsigned sub_batches, double ns) {
  Model& m = model(sub_batches);
  m.x.push_back(f);
  m.y.push_back(ns);
  for (std::size_t i = 0; i < K; ++i) m.max[i] = std::max(m.max[i], f[i]);
  ++exact_;
  exact_ns_ += ns;
}

bool IterationSampler::fit(Model& m) {
  if (m.x.size() < K + 2) return false;
  if (m.fitted == m.x.size()) return true;
  ublas::matrix<double> a = normal_matrix(m.x);
  ublas::vector<double> b(K);
  b.clear();
  for (std::size_t n = 0; n < m.x.size(); ++n)
    for (std::size_t i = 0; i < K; ++i) b(i) += m.x[n][i] * m.y[n];
  ublas::permutation_matrix<std::size_t> p(K);
  if (ublas::lu_factorize(a, p) != 0) return false;
  ublas::lu_substitute(a, p, b);
  for (std::size_t i = 0; i < K; ++i) m.beta[i] = b(i);
  m.fitted = m.x.size();
  return true;
}

double IterationSampler::estimate(const Features& f, unsigned sub_batches) {
  Model& m = model(sub_batches);
  fit(m);
  double ns = 0;
  for (std::size_t i = 0; i < K; ++i) ns += m.beta[i] * f[i];
  ns = std::max(ns, 0.0);
  for (std::size_t i = 0; i < K; ++i) m.estimated_sum[i] += f[i];
  ++m.estimated;
  m.estimated_ns += ns;
  return ns;
}

bool IterationSampler::covariance(const Model& m, double& s2,
                                  std::array<Features, kFeatures>& inverse) {
  if (m.x.size() <= K) return false;
  double rss = 0;
  for (std::size_t n = 0; n < m.x.size(); ++n) {
    double predicted = 0;
    for (std::size_t i = 0; i < K; ++i) predicted += m.beta[i] * m.x[n][i];
    rss += (m.y[n] - predicted) * (m.y[n] - predicted);
  }
  s2 = rss / static_cast<double>(m.x.size() - K);
  ublas::matrix<double> a = normal_matrix(m.x);
  ublas::permutation_matrix<std::size_t> p(K);
  if (ublas::lu_factorize(a, p) != 0) return false;
  for (std::size_t j = 0; j < K; ++j) {
    ublas::vector<double> e(K);
    e.clear();
    e(j) = 1.0;
    ublas::lu_substitute(a, p, e);
    for (std::size_t i = 0; i < K; ++i) inverse[i][j] = e(i);
  }
  return true;
}

IterationSampler::Report IterationSampler::report() const {
  Report r;
  r.exact = exact_;
  r.exact_ns = exact_ns_;
  double variance = 0;
  for (Model m : models_) {  // a copy, fitted to every exact sample
    fit(m);
    r.estimated += m.estimated;
    r.estimated_ns += m.estimated_ns;
    double s2 = 0;
    std::array<Features, kFeatures> inverse{};
    if (m.estimated == 0 || !covariance(m, s2, inverse)) continue;
    double quadratic = 0;  // S^T (X^T X)^-1 S
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < K; ++j)
        quadratic += m.estimated_sum[i] * inverse[i][j] * m.estimated_sum[j];
    variance += s2 * (static_cast<double>(m.estimated) + quadratic);
  }
  r.ci95_ns = 1.96 * std::sqrt(variance);
  return r;
}

}  // namespace vp::host
