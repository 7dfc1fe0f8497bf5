// Predictor::AppendRowJson against RowJson's dump, for every kind of problem.
#include <cmath>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "serve/predictor.h"
#include "serve_test_util.h"

namespace strata::serve {
namespace {

using testing::MakeModel;
using testing::TempDir;

// The model MakeModel trains, relabelled as another problem (a predictor formats
// whatever values it is given, so the payload need not match).
std::shared_ptr<const Predictor> As(const std::filesystem::path& model, const Json& changes) {
  Json mj = Json::parse(std::ifstream(model / "model.json"));
  for (const auto& [k, v] : changes.items()) mj[k] = v;
  std::ofstream(model / "model.json") << mj.dump();
  auto p = Predictor::Load(model);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : nullptr;
}

void ExpectSameRows(const Predictor& predictor, const Predictions& p, double threshold = -1) {
  for (size_t r = 0; r < p.rows; ++r) {
    std::string text = "[";  // appended after other text, as in a response
    predictor.AppendRowJson(p, r, text, threshold);
    text += "]";
    const Json expected = Json::array({Json::parse(predictor.RowJson(p, r, threshold).dump())});
    EXPECT_EQ(Json::parse(text), expected) << text;
  }
}

Predictions Values(size_t rows, int per_row, std::vector<float> values) {
  Predictions p;
  p.rows = rows;
  p.per_row = per_row;
  p.values = std::move(values);
  return p;
}

TEST(RowJson, AppendedTextIsTheDocumentsDump) {
  TempDir dir;
  const auto model = MakeModel(dir.path);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();

  auto binary = As(model, {{"classes", {"sk\"ip", "b\\uy\n"}}});
  ASSERT_TRUE(binary);
  const Predictions two = Values(5, 1, {0.8727974f, 0.0f, 1.0f, 0.5f, 1e-7f});
  ExpectSameRows(*binary, two);
  ExpectSameRows(*binary, two, 0.9);

  auto multi = As(model, {{"problem", "multiclass_classification"}, {"classes", {"a", "b", "c"}}});
  ASSERT_TRUE(multi);
  const Predictions three = Values(2, 3, {0.2f, 0.7f, 0.1f, 1.0f / 3, 1.0f / 3, 1.0f / 3});
  ExpectSameRows(*multi, three);
  auto top = As(model, {{"training", {{"top_k", 2}}}});  // still multiclass, now with top_classes
  ASSERT_TRUE(top);
  ExpectSameRows(*top, three);
  auto repeated = As(model, {{"classes", {"a", "a", "c"}}, {"training", Json::object()}});
  ASSERT_TRUE(repeated);
  ExpectSameRows(*repeated, three);

  auto regression = As(model, {{"problem", "regression"}, {"classes", Json::array()}});
  ASSERT_TRUE(regression);
  ExpectSameRows(*regression, Values(6, 1, {1.5f, -0.0f, 3e20f, -2.25e-9f, 42.0f, 7.0f}));
  // Not finite: null in both.
  std::string text;
  regression->AppendRowJson(Values(2, 1, {nan, inf}), 0, text);
  EXPECT_EQ(text, R"({"prediction":null})");

  auto clusters = As(model, {{"problem", "clustering"}});
  ASSERT_TRUE(clusters);
  ExpectSameRows(*clusters, Values(2, 2, {3.0f, 0.25f, 0.0f, 12.5f}));
  auto anomalies = As(model, {{"problem", "anomaly_detection"}});
  ASSERT_TRUE(anomalies);
  ExpectSameRows(*anomalies, Values(2, 2, {0.9f, 1.0f, 0.1f, 0.0f}));
  auto pca = As(model, {{"problem", "dimensionality_reduction"}});
  ASSERT_TRUE(pca);
  ExpectSameRows(*pca, Values(1, 3, {0.5f, -1.0f, 2.0f}));
}

}  // namespace
}  // namespace strata::serve
