#include "data/radix_sort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

namespace strata::data {
namespace {

TEST(RadixSortTest, MatchesStableSortOnMixedValues) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1e6);
  std::vector<std::pair<double, int64_t>> v;
  for (int64_t i = 0; i < 50000; ++i) {
    double x = i % 7 == 0 ? std::floor(normal(rng) / 1e5) : normal(rng);  // ties too
    if (i % 1000 == 0) x = i % 2000 == 0 ? -0.0 : std::numeric_limits<double>::infinity() * (i % 3000 ? 1 : -1);
    v.emplace_back(x, i);
  }
  auto expected = v;
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  RadixSortByValue(v);
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(v[i].first, expected[i].first) << i;
    ASSERT_EQ(v[i].second, expected[i].second) << i;  // stable: ties keep row order
  }
}

TEST(RadixSortTest, SmallAndConstantInputs) {
  std::vector<std::pair<double, int64_t>> small = {{2, 0}, {-1, 1}, {2, 2}};
  RadixSortByValue(small);
  EXPECT_EQ(small, (std::vector<std::pair<double, int64_t>>{{-1, 1}, {2, 0}, {2, 2}}));
  std::vector<std::pair<double, int64_t>> same(10000, {5.5, 0});
  for (size_t i = 0; i < same.size(); ++i) same[i].second = static_cast<int64_t>(i);
  RadixSortByValue(same);
  for (size_t i = 0; i < same.size(); ++i) ASSERT_EQ(same[i].second, static_cast<int64_t>(i));
}

}  // namespace
}  // namespace strata::data
