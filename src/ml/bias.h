#pragma once
// Bias (fairness) metrics between two groups of rows split by a facet, with the
// definitions of SageMaker Clarify. The facet value of interest is group d (the
// "disadvantaged" side of Clarify's formulas); every other row is group a. Labels are
// indexes into a list of label values; one of them is the positive class.
//
// Pre-training (labels only):
//   class_imbalance   CI  = (n_a - n_d) / (n_a + n_d)
//   dpl               DPL = q_a - q_d, q = share of rows whose label is positive
//   kl                KL(P_a || P_d) = sum_y P_a(y) ln(P_a(y) / P_d(y)), natural log, over
//                     every label value (not only positive/negative)
//   js                JS = (KL(P_a || M) + KL(P_d || M)) / 2, M = (P_a + P_d) / 2
// Post-training (labels and predictions, each binarized at the positive class: "positive"
// means label == positive, "predicted positive" means predicted class == positive):
//   dppl                 q'_a - q'_d, q' = share of rows predicted positive
//   disparate_impact     q'_d / q'_a
//   accuracy_difference  acc_a - acc_d, acc = (TP + TN) / n
//   recall_difference    TPR_a - TPR_d, TPR = TP / (TP + FN)  (equal opportunity)
//   fpr_difference       FPR_a - FPR_d, FPR = FP / (FP + TN)
//
// Undefined values are nullopt (null in JSON, never NaN) and come with a note saying
// why: a group without rows, a zero denominator, or an infinite KL divergence (a label
// value present in a but absent from d; a term with P_a(y) = 0 counts 0, the limit of
// x ln x). JS is finite whenever both groups have rows, since M(y) > 0 wherever
// P_a(y) or P_d(y) is.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"

namespace strata::ml {

// The rows of one group, counted: what every metric needs and no more.
struct GroupTally {
  std::vector<int64_t> labels;  // rows per label index
  // Post-training confusion at the positive class (all zero without predictions).
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;

  explicit GroupTally(size_t num_labels = 0) : labels(num_labels, 0) {}
  void AddLabel(size_t label) { ++labels[label]; }
  void AddPrediction(bool actual_positive, bool predicted_positive);
  int64_t rows() const;
  int64_t predicted_rows() const { return tp + fp + tn + fn; }
  GroupTally& operator+=(const GroupTally& other);
};

// Group a of Clarify's formulas when group `d` of `groups` is the facet value of
// interest: the sum of every other group. REQUIRES: d < groups.size(), one label count.
GroupTally RestOf(const std::vector<GroupTally>& groups, size_t d);

struct PreTrainingBias {
  int64_t n_a = 0, n_d = 0, positive_a = 0, positive_d = 0;
  std::optional<double> q_a, q_d;  // positive-label shares
  std::vector<double> p_a, p_d;    // label distributions (empty for a group without rows)
  std::optional<double> class_imbalance, dpl, kl, js;
  std::vector<std::string> notes;
  // {"d": {rows, positive, positive_rate, label_distribution}, "a": {...},
  //  "class_imbalance", "dpl", "kl", "js", "notes"}; label_distribution by label name.
  Json ToJson(const std::vector<std::string>& label_names) const;
};

// REQUIRES: d and a count the same labels; positive < labels.size(); label_names has
// one name per label (for notes).
PreTrainingBias ComputePreTrainingBias(const GroupTally& d, const GroupTally& a, size_t positive,
                                       const std::vector<std::string>& label_names);

struct GroupRates {
  int64_t rows = 0, tp = 0, fp = 0, tn = 0, fn = 0;
  std::optional<double> predicted_positive_rate, accuracy, recall, fpr;
};

struct PostTrainingBias {
  GroupRates a, d;
  std::optional<double> dppl, disparate_impact, accuracy_difference, recall_difference,
      fpr_difference;
  std::vector<std::string> notes;
  // {"d": {rows, tp, fp, tn, fn, predicted_positive_rate, accuracy, recall, fpr}, "a": {...},
  //  "dppl", "disparate_impact", "accuracy_difference", "recall_difference",
  //  "fpr_difference", "notes"}
  Json ToJson() const;
};

// From the confusion counts of each group.
PostTrainingBias ComputePostTrainingBias(const GroupTally& d, const GroupTally& a);

// The two distributions' divergences (natural log). nullopt for KL when some y has
// p(y) > 0 = q(y). REQUIRES: equal sizes, each summing to 1.
std::optional<double> KlDivergence(const std::vector<double>& p, const std::vector<double>& q);
double JsDivergence(const std::vector<double>& p, const std::vector<double>& q);

}  // namespace strata::ml
