#include "genai/sampler.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::genai {

Status SamplingParams::Validate(int n_vocab) const {
  if (!std::isfinite(temperature) || temperature < 0.f || temperature > 100.f) {
    return InvalidArgumentError(fmt::format("temperature must be in [0, 100], got {}", temperature));
  }
  if (!(top_p > 0.f && top_p <= 1.f)) {
    return InvalidArgumentError(fmt::format("top_p must be in (0, 1], got {}", top_p));
  }
  if (!(min_p >= 0.f && min_p <= 1.f)) {
    return InvalidArgumentError(fmt::format("min_p must be in [0, 1], got {}", min_p));
  }
  if (!(repeat_penalty > 0.f && std::isfinite(repeat_penalty))) {
    return InvalidArgumentError(fmt::format("repeat_penalty must be positive, got {}", repeat_penalty));
  }
  if (!(std::fabs(frequency_penalty) <= 2.f)) {
    return InvalidArgumentError(fmt::format("frequency_penalty must be in [-2, 2], got {}", frequency_penalty));
  }
  if (!(std::fabs(presence_penalty) <= 2.f)) {
    return InvalidArgumentError(fmt::format("presence_penalty must be in [-2, 2], got {}", presence_penalty));
  }
  for (const auto& [id, bias] : logit_bias) {
    if (id < 0 || id >= n_vocab) {
      return InvalidArgumentError(fmt::format("logit_bias: token id {} is out of range [0, {})", id, n_vocab));
    }
    if (std::isnan(bias)) return InvalidArgumentError(fmt::format("logit_bias for token {} is NaN", id));
  }
  return Status();
}

Sampler::Sampler(SamplingParams params, int n_vocab)
    : p_(std::move(params)), n_vocab_(n_vocab), rng_(p_.seed) {}

void Sampler::Reset() {
  history_.clear();
  rng_.seed(p_.seed);
}

void Sampler::Accept(int32_t token) {
  history_.push_back(token);
  if (p_.penalty_last_n >= 0) {
    while (history_.size() > static_cast<size_t>(p_.penalty_last_n)) history_.pop_front();
  }
}

int32_t Sampler::Sample(std::span<float> logits) {
  for (const auto& [id, bias] : p_.logit_bias) logits[id] += bias;

  const bool penalize = p_.repeat_penalty != 1.f || p_.frequency_penalty != 0.f || p_.presence_penalty != 0.f;
  if (penalize && !history_.empty()) {
    std::unordered_map<int32_t, int> counts;
    for (int32_t t : history_) {
      if (t >= 0 && t < n_vocab_) ++counts[t];
    }
    for (const auto& [t, n] : counts) {
      float& l = logits[t];
      if (p_.repeat_penalty != 1.f) l = l > 0.f ? l / p_.repeat_penalty : l * p_.repeat_penalty;
      l -= static_cast<float>(n) * p_.frequency_penalty + p_.presence_penalty;
    }
  }

  if (p_.temperature <= 0.f) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }

  // Candidates sorted by logit, descending (ties by id), cut to top-k first.
  candidates_.clear();
  candidates_.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] != -INFINITY && !std::isnan(logits[i])) candidates_.emplace_back(logits[i], static_cast<int32_t>(i));
  }
  if (candidates_.empty()) return 0;
  const auto by_logit = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  size_t keep = candidates_.size();
  if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < keep) {
    keep = static_cast<size_t>(p_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(), by_logit);
    candidates_.resize(keep);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }

  // Softmax with temperature, in place (first = probability from here on).
  const float max = candidates_[0].first;
  double sum = 0;
  for (auto& c : candidates_) {
    c.first = std::exp((c.first - max) / p_.temperature);
    sum += c.first;
  }
  for (auto& c : candidates_) c.first = static_cast<float>(c.first / sum);

  if (p_.top_p < 1.f) {
    double cum = 0;
    size_t n = 0;
    while (n < candidates_.size()) {
      cum += candidates_[n++].first;
      if (cum >= p_.top_p) break;
    }
    candidates_.resize(std::max<size_t>(1, n));
  }
  if (p_.min_p > 0.f) {
    const float floor = p_.min_p * candidates_[0].first;
    size_t n = 1;
    while (n < candidates_.size() && candidates_[n].first >= floor) ++n;
    candidates_.resize(n);
  }

  double total = 0;
  for (const auto& c : candidates_) total += c.first;
  std::uniform_real_distribution<double> dist(0.0, total);
  double r = dist(rng_);
  for (const auto& c : candidates_) {
    r -= c.first;
    if (r <= 0) return c.second;
  }
  return candidates_.back().second;
}

}  // namespace strata::genai
