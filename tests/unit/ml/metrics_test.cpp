// Expected values are scikit-learn's own, from the examples in its documentation
// (roc_auc_score, average_precision_score, log_loss, r2_score, mean_absolute_error,
// mean_squared_error, mean_absolute_percentage_error, precision_recall_fscore_support).
#include "ml/metrics.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace strata::ml {
namespace {

TEST(BinaryMetricsTest, MatchesScikitLearnExamples) {
  auto m = EvaluateBinary({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->roc_auc, 0.75, 1e-12);
  EXPECT_NEAR(m->pr_auc, 0.8333333333333333, 1e-12);
  auto spam = EvaluateBinary({1, 0, 0, 1}, {0.9, 0.1, 0.2, 0.65});
  EXPECT_NEAR(spam->log_loss, 0.21616187468057912, 1e-12);
  EXPECT_EQ(spam->accuracy, 1.0);
}

TEST(BinaryMetricsTest, ThresholdConfusionAndTies) {
  auto m = EvaluateBinary({0, 1, 1, 0, 1}, {0.2, 0.7, 0.4, 0.6, 0.9}, 0.5);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->tp, 2);
  EXPECT_EQ(m->fn, 1);
  EXPECT_EQ(m->fp, 1);
  EXPECT_EQ(m->tn, 1);
  EXPECT_NEAR(m->precision, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m->recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m->f1, 2.0 / 3, 1e-12);
  auto lower = EvaluateBinary({0, 1, 1, 0, 1}, {0.2, 0.7, 0.4, 0.6, 0.9}, 0.3);
  EXPECT_EQ(lower->tp, 3);
  EXPECT_NEAR(EvaluateBinary({0, 1, 0, 1}, {0.5, 0.5, 0.5, 0.5})->roc_auc, 0.5, 1e-12);  // ties count half
  EXPECT_EQ(m->roc.front().x, 0);
  EXPECT_EQ(m->roc.back().y, 1);
  Json j = m->ToJson();
  EXPECT_EQ(j["confusion_matrix"]["tp"], 2);
  EXPECT_TRUE(j["roc_curve"][0]["threshold"].is_null());
}

TEST(BinaryMetricsTest, SingleClassAndBadInput) {
  auto one = EvaluateBinary({1, 1}, {0.4, 0.9});
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(std::isnan(one->roc_auc));
  EXPECT_TRUE(one->ToJson()["roc_auc"].is_null());
  EXPECT_EQ(EvaluateBinary({0, 2}, {0.1, 0.2}).status().message(), "label 2 of row 1 is not 0 or 1");
  EXPECT_EQ(EvaluateBinary({0}, {1.5}).status().message(), "score 1.5 of row 0 is not a probability");
  EXPECT_EQ(EvaluateBinary({0, 1}, {0.5}).status().message(), "2 labels but 1 scores");
  EXPECT_FALSE(EvaluateBinary({}, {}).ok());
}

TEST(MulticlassMetricsTest, MatchesScikitLearnExamples) {
  // precision_recall_fscore_support(y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1], average='macro')
  // -> (0.2222..., 0.3333..., 0.2666...); predictions given as one-hot probabilities.
  std::vector<int> labels = {0, 1, 2, 0, 1, 2};
  std::vector<int> predicted = {0, 2, 1, 0, 0, 1};
  std::vector<double> probs;
  for (int p : predicted) {
    for (int c = 0; c < 3; ++c) probs.push_back(c == p ? 0.8 : 0.1);
  }
  auto m = EvaluateMulticlass(labels, probs, {"cat", "dog", "pig"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NEAR(m->macro_precision, 0.2222222222222222, 1e-12);
  EXPECT_NEAR(m->macro_recall, 0.3333333333333333, 1e-12);
  EXPECT_NEAR(m->macro_f1, 0.26666666666666666, 1e-12);
  EXPECT_NEAR(m->weighted_f1, 0.26666666666666666, 1e-12);
  EXPECT_NEAR(m->accuracy, 2.0 / 6, 1e-12);
  EXPECT_EQ(m->confusion[0][0], 2);
  EXPECT_EQ(m->confusion[1][0], 1);
  EXPECT_EQ(m->confusion[2][1], 2);
  EXPECT_NEAR(m->log_loss, -(2 * std::log(0.8) + 4 * std::log(0.1)) / 6, 1e-12);
  // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
  auto spam = EvaluateMulticlass({1, 0, 0, 1}, {.1, .9, .9, .1, .8, .2, .35, .65}, {"ham", "spam"});
  EXPECT_NEAR(spam->log_loss, 0.21616187468057912, 1e-12);
  EXPECT_NEAR(spam->roc_auc_ovr, 1.0, 1e-12);
  EXPECT_EQ(spam->ToJson()["per_class"][1]["class"], "spam");
}

TEST(MulticlassMetricsTest, MacroAveragesSkipClassesAbsentFromLabelsAndPredictions) {
  // Class "c" is neither a label nor a prediction: scikit-learn leaves it out of macro.
  auto m = EvaluateMulticlass({0, 1, 1}, {0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1}, {"a", "b", "c"});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->macro_precision, (0.5 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(m->macro_recall, (1.0 + 0.5) / 2, 1e-12);
}

TEST(BinaryMetricsTest, PerClassMacroAndWeighted) {
  // classification_report([0,1,1,0,1], [0,1,0,1,1]): class 0 p=r=0.5, class 1 p=r=2/3.
  auto m = EvaluateBinary({0, 1, 1, 0, 1}, {0.2, 0.7, 0.4, 0.6, 0.9});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->class_precision[0], 0.5, 1e-12);
  EXPECT_NEAR(m->class_recall[1], 2.0 / 3, 1e-12);
  EXPECT_NEAR(m->macro_f1, (0.5 + 2.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(m->weighted_f1, (2 * 0.5 + 3 * 2.0 / 3) / 5, 1e-12);
  m->classes = {"no", "yes"};
  EXPECT_EQ(m->ToJson()["per_class"][1]["class"], "yes");
  EXPECT_EQ(m->ToJson()["per_class"][0]["support"], 2);
}

TEST(MulticlassMetricsTest, BadShapes) {
  EXPECT_NE(EvaluateMulticlass({0}, {0.5}, {"a", "b"}).status().message().find("need 2 probabilities"), std::string::npos);
  EXPECT_FALSE(EvaluateMulticlass({0}, {1}, {"a"}).ok());
  EXPECT_EQ(EvaluateMulticlass({5}, {0.5, 0.5}, {"a", "b"}).status().message(), "label 5 of row 0 is not a class index");
}

TEST(RegressionMetricsTest, MatchesScikitLearnExamples) {
  auto m = EvaluateRegression({3, -0.5, 2, 7}, {2.5, 0.0, 2, 8});
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(m->r2, 0.9486081370449679, 1e-12);
  EXPECT_NEAR(m->mae, 0.5, 1e-12);
  EXPECT_NEAR(m->rmse, std::sqrt(0.375), 1e-12);
  EXPECT_NEAR(m->mape, 0.3273809523809524, 1e-12);
  EXPECT_EQ(m->zero_actuals, 0);
  EXPECT_NEAR(m->residual_mean, -0.25, 1e-12);
  auto zeros = EvaluateRegression({0, 2}, {1, 1});
  // A zero actual value divides by the machine epsilon, as scikit-learn does.
  EXPECT_EQ(zeros->zero_actuals, 1);
  EXPECT_NEAR(zeros->mape, (1 / std::numeric_limits<double>::epsilon() + 0.5) / 2, 1);
  EXPECT_FALSE(EvaluateRegression({1}, {}).ok());
}

}  // namespace
}  // namespace strata::ml
