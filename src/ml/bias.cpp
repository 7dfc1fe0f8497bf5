#include "ml/bias.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace strata::ml {
namespace {

Json Opt(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// a / b, or nullopt when b is 0: the callers say why in a note.
std::optional<double> Ratio(double a, double b) {
  if (b == 0) return std::nullopt;
  return a / b;
}

std::optional<double> Difference(const std::optional<double>& a, const std::optional<double>& d) {
  if (!a || !d) return std::nullopt;
  return *a - *d;
}

std::vector<double> Distribution(const GroupTally& g) {
  const int64_t n = g.rows();
  if (n == 0) return {};
  std::vector<double> p(g.labels.size());
  for (size_t i = 0; i < p.size(); ++i)
    p[i] = static_cast<double>(g.labels[i]) / static_cast<double>(n);
  return p;
}

}  // namespace

void GroupTally::AddPrediction(bool actual_positive, bool predicted_positive) {
  if (actual_positive) {
    ++(predicted_positive ? tp : fn);
  } else {
    ++(predicted_positive ? fp : tn);
  }
}

int64_t GroupTally::rows() const {
  return std::accumulate(labels.begin(), labels.end(), int64_t{0});
}

GroupTally& GroupTally::operator+=(const GroupTally& o) {
  if (labels.size() < o.labels.size()) labels.resize(o.labels.size(), 0);
  for (size_t i = 0; i < o.labels.size(); ++i) labels[i] += o.labels[i];
  tp += o.tp;
  fp += o.fp;
  tn += o.tn;
  fn += o.fn;
  return *this;
}

GroupTally RestOf(const std::vector<GroupTally>& groups, size_t d) {
  GroupTally rest(groups[d].labels.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g != d) rest += groups[g];
  }
  return rest;
}

std::optional<double> KlDivergence(const std::vector<double>& p, const std::vector<double>& q) {
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;  // lim x->0 of x ln(x / q) is 0
    if (q[i] == 0) return std::nullopt;
    kl += p[i] * std::log(p[i] / q[i]);
  }
  // Rounding can leave -1e-17 for identical distributions; KL is never negative.
  return std::max(0.0, kl);
}

double JsDivergence(const std::vector<double>& p, const std::vector<double>& q) {
  std::vector<double> m(p.size());
  for (size_t i = 0; i < p.size(); ++i) m[i] = (p[i] + q[i]) / 2;
  // m(y) > 0 wherever p(y) or q(y) is, so both terms are finite.
  return (KlDivergence(p, m).value_or(0) + KlDivergence(q, m).value_or(0)) / 2;
}

PreTrainingBias ComputePreTrainingBias(const GroupTally& d, const GroupTally& a, size_t positive,
                                       const std::vector<std::string>& label_names) {
  PreTrainingBias b;
  b.n_d = d.rows();
  b.n_a = a.rows();
  b.positive_d = d.labels[positive];
  b.positive_a = a.labels[positive];
  b.p_d = Distribution(d);
  b.p_a = Distribution(a);
  if (b.n_d == 0)
    b.notes.push_back("group d has no rows: every metric but class_imbalance is undefined");
  if (b.n_a == 0)
    b.notes.push_back(
        "group a (the rest) has no rows: every metric but class_imbalance is undefined");
  if (b.n_a + b.n_d > 0) {
    b.class_imbalance = static_cast<double>(b.n_a - b.n_d) / static_cast<double>(b.n_a + b.n_d);
  }
  b.q_d = Ratio(static_cast<double>(b.positive_d), static_cast<double>(b.n_d));
  b.q_a = Ratio(static_cast<double>(b.positive_a), static_cast<double>(b.n_a));
  b.dpl = Difference(b.q_a, b.q_d);
  if (b.n_a > 0 && b.n_d > 0) {
    b.kl = KlDivergence(b.p_a, b.p_d);
    if (!b.kl) {
      std::string missing;
      for (size_t i = 0; i < b.p_a.size(); ++i) {
        if (b.p_a[i] > 0 && b.p_d[i] == 0) {
          missing += fmt::format("{}'{}'", missing.empty() ? "" : ", ",
                                 i < label_names.size() ? label_names[i] : std::to_string(i));
        }
      }
      b.notes.push_back(fmt::format(
          "kl: infinite, reported as null: label {} occurs in group a but never in group d",
          missing));
    }
    b.js = JsDivergence(b.p_a, b.p_d);
  }
  return b;
}

Json PreTrainingBias::ToJson(const std::vector<std::string>& label_names) const {
  auto side = [&](int64_t n, int64_t positive, const std::optional<double>& q,
                  const std::vector<double>& p) {
    Json dist = Json::object();
    for (size_t i = 0; i < p.size() && i < label_names.size(); ++i) dist[label_names[i]] = p[i];
    return Json{{"rows", n},
                {"positive", positive},
                {"positive_rate", Opt(q)},
                {"label_distribution", dist}};
  };
  return {{"d", side(n_d, positive_d, q_d, p_d)},
          {"a", side(n_a, positive_a, q_a, p_a)},
          {"class_imbalance", Opt(class_imbalance)},
          {"dpl", Opt(dpl)},
          {"kl", Opt(kl)},
          {"js", Opt(js)},
          {"notes", notes}};
}

PostTrainingBias ComputePostTrainingBias(const GroupTally& d, const GroupTally& a) {
  PostTrainingBias b;
  auto rates = [](const GroupTally& g) {
    GroupRates r;
    r.rows = g.predicted_rows();
    r.tp = g.tp;
    r.fp = g.fp;
    r.tn = g.tn;
    r.fn = g.fn;
    const auto n = static_cast<double>(r.rows);
    r.predicted_positive_rate = Ratio(static_cast<double>(g.tp + g.fp), n);
    r.accuracy = Ratio(static_cast<double>(g.tp + g.tn), n);
    r.recall = Ratio(static_cast<double>(g.tp), static_cast<double>(g.tp + g.fn));
    r.fpr = Ratio(static_cast<double>(g.fp), static_cast<double>(g.fp + g.tn));
    return r;
  };
  b.d = rates(d);
  b.a = rates(a);
  auto explain = [&b](const char* name, const GroupRates& r) {
    if (r.rows == 0) {
      b.notes.push_back(
          fmt::format("group {} has no rows: every post-training metric is undefined", name));
    } else {
      if (r.tp + r.fn == 0) {
        b.notes.push_back(fmt::format(
            "recall_difference: undefined: group {} has no row with the positive label", name));
      }
      if (r.fp + r.tn == 0) {
        b.notes.push_back(fmt::format(
            "fpr_difference: undefined: group {} has no row with a negative label", name));
      }
    }
  };
  explain("d", b.d);
  explain("a (the rest)", b.a);
  b.dppl = Difference(b.a.predicted_positive_rate, b.d.predicted_positive_rate);
  if (b.a.predicted_positive_rate && b.d.predicted_positive_rate) {
    b.disparate_impact = Ratio(*b.d.predicted_positive_rate, *b.a.predicted_positive_rate);
    if (!b.disparate_impact) {
      b.notes.push_back(
          "disparate_impact: undefined: no row of group a (the rest) is predicted positive");
    }
  }
  b.accuracy_difference = Difference(b.a.accuracy, b.d.accuracy);
  b.recall_difference = Difference(b.a.recall, b.d.recall);
  b.fpr_difference = Difference(b.a.fpr, b.d.fpr);
  return b;
}

Json PostTrainingBias::ToJson() const {
  auto side = [](const GroupRates& r) {
    return Json{{"rows", r.rows},
                {"tp", r.tp},
                {"fp", r.fp},
                {"tn", r.tn},
                {"fn", r.fn},
                {"predicted_positive_rate", Opt(r.predicted_positive_rate)},
                {"accuracy", Opt(r.accuracy)},
                {"recall", Opt(r.recall)},
                {"fpr", Opt(r.fpr)}};
  };
  return {{"d", side(d)},
          {"a", side(a)},
          {"dppl", Opt(dppl)},
          {"disparate_impact", Opt(disparate_impact)},
          {"accuracy_difference", Opt(accuracy_difference)},
          {"recall_difference", Opt(recall_difference)},
          {"fpr_difference", Opt(fpr_difference)},
          {"notes", notes}};
}

}  // namespace strata::ml
