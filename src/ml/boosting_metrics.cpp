#include "ml/boosting_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace strata::ml {
namespace {

constexpr float kEps = 1e-16f;

enum class Kind { kLogLoss, kError, kMLogLoss, kMError, kRmse, kMae, kPoisson, kTweedie };

struct Metric {
  Kind kind;
  float rho = 0;  // Tweedie variance power
};

std::optional<Metric> Parse(std::string_view metric) {
  if (metric == "logloss") return Metric{Kind::kLogLoss};
  if (metric == "error") return Metric{Kind::kError};
  if (metric == "mlogloss") return Metric{Kind::kMLogLoss};
  if (metric == "merror") return Metric{Kind::kMError};
  if (metric == "rmse") return Metric{Kind::kRmse};
  if (metric == "mae") return Metric{Kind::kMae};
  if (metric == "poisson-nloglik") return Metric{Kind::kPoisson};
  constexpr std::string_view kTweedie = "tweedie-nloglik@";
  if (metric.substr(0, kTweedie.size()) == kTweedie) {
    const std::string_view rest = metric.substr(kTweedie.size());
    float rho = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), rho);
    if (ec == std::errc() && end == rest.data() + rest.size() && rho > 1 && rho < 2) {
      return Metric{Kind::kTweedie, rho};
    }
  }
  return std::nullopt;
}

// One row's loss from its transformed prediction(s), as XGBoost's EvalRow* compute it.
template <Kind K>
inline float RowLoss(const Metric& m, const float* p, float y, int width) {
  if constexpr (K == Kind::kLogLoss) {
    const float py = p[0], pneg = 1.0f - py;
    if (py < kEps) return -y * std::log(kEps) - (1.0f - y) * std::log(1.0f - kEps);
    if (pneg < kEps) return -y * std::log(1.0f - kEps) - (1.0f - y) * std::log(kEps);
    // Hard labels need one logarithm (the same value: the other term is 0).
    if (y == 1) return -std::log(py);
    if (y == 0) return -std::log(pneg);
    return -y * std::log(py) - (1.0f - y) * std::log(pneg);
  } else if constexpr (K == Kind::kError) {
    return p[0] > 0.5f ? 1.0f - y : y;
  } else if constexpr (K == Kind::kMLogLoss) {
    const int k = static_cast<int>(y);
    if (k < 0 || k >= width) return NAN;  // labels come from the recipe: never here
    return p[k] > kEps ? -std::log(p[k]) : -std::log(kEps);
  } else if constexpr (K == Kind::kMError) {
    return static_cast<int>(std::max_element(p, p + width) - p) != static_cast<int>(y) ? 1.0f : 0.0f;
  } else if constexpr (K == Kind::kRmse) {
    const float d = y - p[0];
    return d * d;
  } else if constexpr (K == Kind::kMae) {
    return std::abs(y - p[0]);
  } else if constexpr (K == Kind::kPoisson) {
    const float py = std::max(p[0], kEps);
    return std::lgamma(y + 1.0f) + py - std::log(py) * y;
  } else {
    const float lp = std::log(p[0]);
    const float a = y * std::exp((1 - m.rho) * lp) / (1 - m.rho);
    const float b = std::exp((2 - m.rho) * lp) / (2 - m.rho);
    return -a + b;
  }
}

// Sums of weighted losses and of weights over rows [begin, end).
template <Kind K, MarginLink L>
void SumRows(const Metric& m, const float* margins, const float* labels, const float* weights, int width,
             size_t begin, size_t end, double* loss, double* weight) {
  std::vector<float> buffer(static_cast<size_t>(width));
  float* row = buffer.data();
  double l = 0, w = 0;
  for (size_t i = begin; i < end; ++i) {
    if constexpr (L == MarginLink::kSoftmax) {
      std::copy_n(margins + i * static_cast<size_t>(width), width, row);
    } else {
      row[0] = margins[i];
    }
    ApplyLink<L>(row, width);
    const float li = RowLoss<K>(m, row, labels[i], width);
    if (weights == nullptr) {
      l += li;
    } else {
      l += static_cast<double>(weights[i]) * li;
      w += weights[i];
    }
  }
  *loss = l;
  *weight = weights == nullptr ? static_cast<double>(end - begin) : w;
}

using SumFn = void (*)(const Metric&, const float*, const float*, const float*, int, size_t, size_t, double*,
                       double*);

template <Kind K>
SumFn SumFor(MarginLink link) {
  switch (link) {
    case MarginLink::kIdentity: return SumRows<K, MarginLink::kIdentity>;
    case MarginLink::kLogit: return SumRows<K, MarginLink::kLogit>;
    case MarginLink::kSoftmax: return SumRows<K, MarginLink::kSoftmax>;
    case MarginLink::kLog: return SumRows<K, MarginLink::kLog>;
  }
  return nullptr;
}

SumFn SumFor(Kind k, MarginLink link) {
  switch (k) {
    case Kind::kLogLoss: return SumFor<Kind::kLogLoss>(link);
    case Kind::kError: return SumFor<Kind::kError>(link);
    case Kind::kMLogLoss: return SumFor<Kind::kMLogLoss>(link);
    case Kind::kMError: return SumFor<Kind::kMError>(link);
    case Kind::kRmse: return SumFor<Kind::kRmse>(link);
    case Kind::kMae: return SumFor<Kind::kMae>(link);
    case Kind::kPoisson: return SumFor<Kind::kPoisson>(link);
    case Kind::kTweedie: return SumFor<Kind::kTweedie>(link);
  }
  return nullptr;
}

}  // namespace

bool IsRoundLossMetric(std::string_view metric) { return Parse(metric).has_value(); }

std::optional<double> RoundLoss(std::string_view metric, MarginLink link, const float* margins, const float* labels,
                                const float* weights, size_t rows, int num_class, int threads) {
  const auto m = Parse(metric);
  if (!m) return std::nullopt;
  const int width = link == MarginLink::kSoftmax ? std::max(num_class, 1) : 1;
  const SumFn sum = SumFor(m->kind, link);
  // Fixed chunks (not one per thread) so that the sum's order, and so its last bits, do
  // not depend on how many threads there are.
  constexpr size_t kChunk = 1 << 14;
  const size_t chunks = (rows + kChunk - 1) / kChunk;
  std::vector<double> loss(chunks, 0.0), weight(chunks, 0.0);
  // OpenMP, not a pool of our own: libxgboost's OpenMP threads are still spinning
  // from the round just boosted, and take this work at once instead of competing with
  // other threads for the cores.
#pragma omp parallel for schedule(static) num_threads(std::max(threads, 1))
  for (size_t c = 0; c < chunks; ++c) {
    const size_t begin = c * kChunk, end = std::min(rows, begin + kChunk);
    sum(*m, margins, labels, weights, width, begin, end, &loss[c], &weight[c]);
  }
  double l = 0, w = 0;
  for (size_t c = 0; c < chunks; ++c) {
    l += loss[c];
    w += weight[c];
  }
  if (w <= 0) return NAN;
  return m->kind == Kind::kRmse ? std::sqrt(l / w) : l / w;
}

}  // namespace strata::ml
