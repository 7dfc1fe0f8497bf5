#include "genai/sampler.h"

#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace strata::genai {
namespace {

std::vector<float> Logits() { return {1.0f, 3.0f, 2.0f, 3.0f, -1.0f}; }

int32_t Draw(Sampler& s) {
  auto l = Logits();
  return s.Sample(l);
}

TEST(Sampler, GreedyTakesTheArgmaxWithLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p, 5);
  EXPECT_EQ(Draw(s), 1);
}

TEST(Sampler, TopKOfOneIsGreedy) {
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 1;
  Sampler s(p, 5);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Draw(s), 1);
}

TEST(Sampler, SameSeedSameTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0;
  p.seed = 1234;
  Sampler a(p, 5), b(p, 5);
  std::vector<int32_t> ta, tb;
  for (int i = 0; i < 50; ++i) {
    ta.push_back(Draw(a));
    tb.push_back(Draw(b));
  }
  EXPECT_EQ(ta, tb);
  p.seed = 99;
  Sampler c(p, 5);
  std::vector<int32_t> tc;
  for (int i = 0; i < 50; ++i) tc.push_back(Draw(c));
  EXPECT_NE(ta, tc);
}

TEST(Sampler, FrequenciesFollowTheSoftmax) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0;
  p.seed = 7;
  Sampler s(p, 5);
  std::map<int32_t, int> counts;
  const int n = 40000;
  for (int i = 0; i < n; ++i) ++counts[Draw(s)];
  const auto l = Logits();
  double z = 0;
  for (float x : l) z += std::exp(x);
  for (int id = 0; id < 5; ++id) {
    const double want = std::exp(l[id]) / z;
    // 5 standard deviations of a binomial proportion: a fixed seed, so never flaky.
    EXPECT_NEAR(counts[id] / double(n), want, 5 * std::sqrt(want * (1 - want) / n)) << id;
  }
}

TEST(Sampler, TopPAndMinPCutTheTail) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 0.5f;  // the two tied leaders hold ~0.64 together: the first alone is ~0.32
  p.min_p = 0;
  Sampler s(p, 5);
  for (int i = 0; i < 200; ++i) {
    const int32_t t = Draw(s);
    EXPECT_TRUE(t == 1 || t == 3) << t;
  }
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // p(2)/p(1) = e^-1 < 0.5: only the leaders survive
  Sampler m(p, 5);
  for (int i = 0; i < 200; ++i) {
    const int32_t t = Draw(m);
    EXPECT_TRUE(t == 1 || t == 3) << t;
  }
}

TEST(Sampler, PenaltiesAndBiasMoveTheChoice) {
  SamplingParams p;
  p.temperature = 0;
  p.repeat_penalty = 2.0f;  // 3 -> 1.5: token 2 (logit 2) wins once 1 and 3 were seen
  Sampler s(p, 5);
  s.Accept(1);
  s.Accept(3);
  EXPECT_EQ(Draw(s), 2);

  SamplingParams f;
  f.temperature = 0;
  f.presence_penalty = 1.5f;
  Sampler pres(f, 5);
  pres.Accept(1);
  EXPECT_EQ(Draw(pres), 3);

  SamplingParams b;
  b.temperature = 0;
  b.logit_bias = {{4, 10.f}};
  Sampler bias(b, 5);
  EXPECT_EQ(Draw(bias), 4);

  SamplingParams ban;
  ban.temperature = 1.0f;
  ban.logit_bias = {{1, -INFINITY}, {3, -INFINITY}};
  ban.top_k = 0;
  ban.min_p = 0;
  Sampler banned(ban, 5);
  for (int i = 0; i < 100; ++i) {
    const int32_t t = Draw(banned);
    EXPECT_TRUE(t != 1 && t != 3) << t;
  }
}

TEST(Sampler, ValidateNamesTheField) {
  SamplingParams p;
  p.temperature = -1;
  EXPECT_NE(p.Validate(5).message().find("temperature"), std::string::npos);
  p = {};
  p.top_p = 0;
  EXPECT_NE(p.Validate(5).message().find("top_p"), std::string::npos);
  p = {};
  p.logit_bias = {{7, 1.f}};
  EXPECT_NE(p.Validate(5).message().find("token id 7"), std::string::npos);
  EXPECT_TRUE(SamplingParams{}.Validate(5).ok());
}

}  // namespace
}  // namespace strata::genai
