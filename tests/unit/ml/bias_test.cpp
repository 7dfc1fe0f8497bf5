// Bias metrics against values worked out by hand from Clarify's formulas, and the
// edge cases where a metric is undefined.
#include "ml/bias.h"

#include <cmath>

#include <gtest/gtest.h>

namespace strata::ml {
namespace {

const std::vector<std::string> kYesNo = {"no", "yes"};

GroupTally Labels(std::vector<int64_t> counts) {
  GroupTally g(counts.size());
  g.labels = std::move(counts);
  return g;
}

GroupTally Confusion(int64_t tp, int64_t fp, int64_t tn, int64_t fn) {
  GroupTally g(2);
  for (int64_t i = 0; i < tp; ++i) g.AddPrediction(true, true);
  for (int64_t i = 0; i < fp; ++i) g.AddPrediction(false, true);
  for (int64_t i = 0; i < tn; ++i) g.AddPrediction(false, false);
  for (int64_t i = 0; i < fn; ++i) g.AddPrediction(true, false);
  return g;
}

// d: 10 rows, 4 positive; a: 30 rows, 18 positive.
//   CI  = (30 - 10) / (30 + 10) = 0.5
//   DPL = 18/30 - 4/10 = 0.6 - 0.4 = 0.2
//   KL  = 0.4 ln(0.4/0.6) + 0.6 ln(0.6/0.4) = 0.2 ln 1.5 = 0.0810930216
//   JS: M = (0.5, 0.5); both halves are 0.4 ln 0.8 + 0.6 ln 1.2, so
//       JS = 0.4 ln 0.8 + 0.6 ln 1.2 = -0.0892574205 + 0.1093929341 = 0.0201355136
TEST(Bias, PreTrainingMatchesHandComputedValues) {
  PreTrainingBias b = ComputePreTrainingBias(Labels({6, 4}), Labels({12, 18}), 1, kYesNo);
  EXPECT_EQ(b.n_d, 10);
  EXPECT_EQ(b.n_a, 30);
  ASSERT_TRUE(b.class_imbalance && b.dpl && b.kl && b.js);
  EXPECT_DOUBLE_EQ(*b.class_imbalance, 0.5);
  EXPECT_NEAR(*b.dpl, 0.2, 1e-15);
  EXPECT_NEAR(*b.kl, 0.0810930216, 1e-10);
  EXPECT_NEAR(*b.kl, 0.2 * std::log(1.5), 1e-15);
  EXPECT_NEAR(*b.js, 0.0201355136, 1e-10);
  EXPECT_TRUE(b.notes.empty());

  Json j = b.ToJson(kYesNo);
  EXPECT_EQ(j["d"]["rows"], 10);
  EXPECT_EQ(j["a"]["positive"], 18);
  EXPECT_DOUBLE_EQ(j["d"]["positive_rate"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(j["a"]["label_distribution"]["yes"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(j["class_imbalance"].get<double>(), 0.5);
}

// d: TP 3, FP 1, TN 4, FN 2 (10 rows); a: TP 10, FP 2, TN 6, FN 2 (20 rows).
//   q'_d = 4/10 = 0.4, q'_a = 12/20 = 0.6  -> DPPL 0.2, DI 0.4/0.6 = 2/3
//   acc_d = 7/10, acc_a = 16/20            -> AD 0.1
//   TPR_d = 3/5, TPR_a = 10/12             -> RD 0.8333 - 0.6 = 0.2333
//   FPR_d = 1/5, FPR_a = 2/8               -> FPR difference 0.05
TEST(Bias, PostTrainingMatchesHandComputedValues) {
  PostTrainingBias b = ComputePostTrainingBias(Confusion(3, 1, 4, 2), Confusion(10, 2, 6, 2));
  ASSERT_TRUE(b.dppl && b.disparate_impact && b.accuracy_difference && b.recall_difference &&
              b.fpr_difference);
  EXPECT_NEAR(*b.dppl, 0.2, 1e-15);
  EXPECT_NEAR(*b.disparate_impact, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(*b.accuracy_difference, 0.1, 1e-15);
  EXPECT_NEAR(*b.recall_difference, 10.0 / 12 - 0.6, 1e-15);
  EXPECT_NEAR(*b.recall_difference, 0.2333333333, 1e-10);
  EXPECT_NEAR(*b.fpr_difference, 0.05, 1e-15);
  EXPECT_EQ(b.d.rows, 10);
  EXPECT_EQ(b.a.rows, 20);
  EXPECT_DOUBLE_EQ(*b.d.recall, 0.6);
  EXPECT_TRUE(b.notes.empty());

  Json j = b.ToJson();
  EXPECT_EQ(j["d"]["tp"], 3);
  EXPECT_DOUBLE_EQ(j["a"]["fpr"].get<double>(), 0.25);
  EXPECT_NEAR(j["disparate_impact"].get<double>(), 2.0 / 3.0, 1e-15);
}

TEST(Bias, RestOfSumsEveryOtherGroup) {
  std::vector<GroupTally> groups = {Labels({1, 2, 3}), Labels({10, 20, 30}),
                                    Labels({100, 200, 300})};
  groups[2].AddPrediction(true, true);
  GroupTally rest = RestOf(groups, 0);
  EXPECT_EQ(rest.labels, (std::vector<int64_t>{110, 220, 330}));
  EXPECT_EQ(rest.tp, 1);
  EXPECT_EQ(rest.rows(), 660);
  EXPECT_EQ(RestOf(groups, 2).labels, (std::vector<int64_t>{11, 22, 33}));
}

// KL runs over every label value, not only positive and negative.
TEST(Bias, DivergencesUseEveryLabelValue) {
  const std::vector<std::string> names = {"low", "mid", "high"};
  PreTrainingBias b = ComputePreTrainingBias(Labels({2, 2, 6}), Labels({5, 3, 2}), 2, names);
  const double kl =
      0.5 * std::log(0.5 / 0.2) + 0.3 * std::log(0.3 / 0.2) + 0.2 * std::log(0.2 / 0.6);
  ASSERT_TRUE(b.kl);
  EXPECT_NEAR(*b.kl, kl, 1e-15);
  EXPECT_NEAR(*b.dpl, 0.2 - 0.6, 1e-15);
  // JS is symmetric; KL is not.
  EXPECT_NEAR(JsDivergence({0.2, 0.2, 0.6}, {0.5, 0.3, 0.2}), *b.js, 1e-15);
  EXPECT_GT(std::fabs(*KlDivergence({0.2, 0.2, 0.6}, {0.5, 0.3, 0.2}) - kl), 1e-3);
}

TEST(Bias, IdenticalGroupsShowNoBias) {
  PreTrainingBias pre = ComputePreTrainingBias(Labels({5, 5}), Labels({5, 5}), 1, kYesNo);
  EXPECT_EQ(*pre.class_imbalance, 0);
  EXPECT_EQ(*pre.dpl, 0);
  EXPECT_EQ(*pre.kl, 0);
  EXPECT_EQ(*pre.js, 0);
  PostTrainingBias post = ComputePostTrainingBias(Confusion(2, 1, 3, 1), Confusion(2, 1, 3, 1));
  EXPECT_EQ(*post.disparate_impact, 1);
  EXPECT_EQ(*post.dppl, 0);
}

// A label value in a but never in d: KL is infinite, reported null with a note; JS stays
// finite and reaches its bound ln 2 for disjoint distributions.
TEST(Bias, InfiniteKlIsNullWithANote) {
  PreTrainingBias b = ComputePreTrainingBias(Labels({10, 0}), Labels({0, 10}), 1, kYesNo);
  EXPECT_FALSE(b.kl);
  ASSERT_EQ(b.notes.size(), 1u);
  EXPECT_NE(b.notes[0].find("'yes'"), std::string::npos) << b.notes[0];
  ASSERT_TRUE(b.js);
  EXPECT_NEAR(*b.js, std::log(2.0), 1e-15);
  EXPECT_TRUE(b.ToJson(kYesNo)["kl"].is_null());
  EXPECT_EQ(b.ToJson(kYesNo).dump().find("NaN"), std::string::npos);

  // The other way round (a label in d only) costs nothing: 0 ln 0 counts 0.
  PreTrainingBias c = ComputePreTrainingBias(Labels({5, 5}), Labels({10, 0}), 1, kYesNo);
  ASSERT_TRUE(c.kl);
  EXPECT_NEAR(*c.kl, std::log(2.0), 1e-15);
}

TEST(Bias, EmptyGroupLeavesMetricsUndefined) {
  PreTrainingBias b = ComputePreTrainingBias(Labels({0, 0}), Labels({3, 7}), 1, kYesNo);
  EXPECT_DOUBLE_EQ(*b.class_imbalance, 1.0);
  EXPECT_FALSE(b.dpl);
  EXPECT_FALSE(b.kl);
  EXPECT_FALSE(b.js);
  EXPECT_FALSE(b.q_d);
  EXPECT_FALSE(b.notes.empty());
  Json j = b.ToJson(kYesNo);
  EXPECT_TRUE(j["dpl"].is_null());
  EXPECT_TRUE(j["d"]["positive_rate"].is_null());
  EXPECT_TRUE(j["d"]["label_distribution"].empty());

  PostTrainingBias p = ComputePostTrainingBias(GroupTally(2), Confusion(1, 1, 1, 1));
  EXPECT_FALSE(p.dppl);
  EXPECT_FALSE(p.disparate_impact);
  EXPECT_FALSE(p.accuracy_difference);
  EXPECT_FALSE(p.d.accuracy);
  EXPECT_TRUE(p.a.accuracy);
  EXPECT_FALSE(p.notes.empty());
  EXPECT_TRUE(p.ToJson()["disparate_impact"].is_null());
}

TEST(Bias, ZeroDenominatorsAreNullWithNotes) {
  // No row of a predicted positive: disparate impact divides by zero.
  PostTrainingBias b = ComputePostTrainingBias(Confusion(2, 1, 1, 0), Confusion(0, 0, 3, 2));
  EXPECT_FALSE(b.disparate_impact);
  ASSERT_TRUE(b.dppl);
  EXPECT_DOUBLE_EQ(*b.dppl, -0.75);
  bool noted = false;
  for (const auto& n : b.notes) noted = noted || n.find("disparate_impact") == 0;
  EXPECT_TRUE(noted);

  // d has only positive labels: its FPR is undefined, its recall is not.
  PostTrainingBias c = ComputePostTrainingBias(Confusion(2, 0, 0, 1), Confusion(1, 1, 1, 1));
  EXPECT_FALSE(c.fpr_difference);
  EXPECT_TRUE(c.recall_difference);
  EXPECT_NEAR(*c.recall_difference, 0.5 - 2.0 / 3.0, 1e-15);
  noted = false;
  for (const auto& n : c.notes) noted = noted || n.find("fpr_difference") == 0;
  EXPECT_TRUE(noted);
}

}  // namespace
}  // namespace strata::ml
