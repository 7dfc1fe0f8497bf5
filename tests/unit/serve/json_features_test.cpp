#include "serve/json_features.h"

#include <random>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "serve/invocation.h"
#include "serve_test_util.h"

namespace strata::serve {
namespace {

using testing::MakeModel;
using testing::TempDir;

// The document path's features, or nullopt when it fails or notes anything.
std::optional<std::vector<float>> DocumentFeatures(const Predictor& p, std::string_view body, size_t max_rows) {
  auto rows = ParseInstances("application/json", body, p.input_columns(), max_rows);
  if (!rows.ok()) return std::nullopt;
  auto f = p.FeaturesJson(*rows);
  if (!f.ok() || !f->notes.empty()) return std::nullopt;
  return f->values;
}

class JsonFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Predictor::Load(MakeModel(dir_.path));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    predictor_ = *p;
  }
  // Checks the contract on one body: when the fast path takes it, the document path
  // takes it too, without a note, and the features are equal. Returns whether taken.
  bool Check(const std::string& body, size_t max_rows = 100) {
    Features fast;
    const bool taken = ReadJsonFeatures(body, *predictor_, max_rows, &fast);
    if (!taken) return false;
    auto doc = DocumentFeatures(*predictor_, body, max_rows);
    EXPECT_TRUE(doc.has_value()) << "the fast path took a body the document path refuses or notes: " << body;
    if (doc) {
      EXPECT_EQ(fast.values, *doc) << body;
      EXPECT_EQ(fast.cols, predictor_->num_features());
      EXPECT_EQ(fast.rows * fast.cols, fast.values.size());
    }
    return true;
  }

  TempDir dir_;
  std::shared_ptr<const Predictor> predictor_;
};

TEST_F(JsonFeaturesTest, TakesTheCommonShapesAndAgreesWithTheDocumentPath) {
  EXPECT_TRUE(Check(R"({"instances": [{"x1": 1.9, "x2": 0, "plan": "gold"}]})"));
  EXPECT_TRUE(Check(R"([{"x1": 1.9, "x2": 0, "plan": "gold"}, {"x1": 0.25, "x2": 1.5, "plan": "basic"}])"));
  EXPECT_TRUE(Check(R"({"instances": [[1.9, 0, "gold"], [0.1, 2, "silver"]]})"));
  // Columns in another order, nulls, booleans, integers, exponents, escapes, spaces.
  EXPECT_TRUE(Check(R"( { "instances" : [ { "plan" : "gol\u0064", "x2" : null, "x1" : 1e0 } ] } )"));
  EXPECT_TRUE(Check(R"([{"x1": true, "x2": -0, "plan": null}])"));
  EXPECT_TRUE(Check(R"([{"x1": 12345678901234, "x2": -7, "plan": "silver"}])"));
  // A repeated column: the later value counts, as in the document.
  EXPECT_TRUE(Check(R"([{"x1": 5, "x2": 1, "plan": "basic", "x1": 0.5}])"));
  Features f;
  ASSERT_TRUE(ReadJsonFeatures(R"([[1.9, 0, "gold"], [0.1, 2, "silver"]])", *predictor_, 100, &f));
  EXPECT_EQ(f.rows, 2u);
}

TEST_F(JsonFeaturesTest, DeclinesWhatTheDocumentPathMustJudge) {
  const std::vector<std::string> declined = {
      "",
      "nope",
      R"({"instances": [{"x1": 1, "x2": 0, "plan": "gold"}])",      // unterminated
      R"({"instances": [{"x1": 1, "x2": 0, "plan": "gold"}]} x)",   // trailing bytes
      R"({"instances": 5})",
      R"({"rows": [{"x1": 1, "x2": 0, "plan": "gold"}]})",
      R"({"instances": [], "extra": 1})",
      R"({"instances": []})",                                       // no rows
      R"([{"x1": 1, "x2": 0}])",                                    // a missing column
      R"([{"x1": 1, "x2": 0, "plan": "gold", "age": 3}])",          // an unknown column
      R"([{"x1": 1, "x2": 0, "plan": "platinum"}])",                // an unknown category
      R"([{"x1": "many", "x2": 0, "plan": "gold"}])",               // not a number
      R"([{"x1": [1], "x2": 0, "plan": "gold"}])",                  // nested
      R"([{"x1": {"v": 1}, "x2": 0, "plan": "gold"}])",
      R"([[1, 0]])",                                                // too few values
      R"([[1, 0, "gold", 4]])",                                     // too many
      R"([5])",
      R"([{"x1": 18446744073709551615, "x2": 0, "plan": "gold"}])",  // past int64
      "[{\"x1\": 1, \"x2\": 0, \"plan\": \"g\xffld\"}]",             // not UTF-8
  };
  for (const std::string& body : declined) {
    Features f;
    EXPECT_FALSE(ReadJsonFeatures(body, *predictor_, 100, &f)) << body;
  }
  // More rows than the limit: the document path answers 413.
  Features f;
  EXPECT_FALSE(ReadJsonFeatures(R"([[1, 0, "gold"], [1, 0, "gold"], [1, 0, "gold"]])", *predictor_, 2, &f));
  EXPECT_TRUE(ReadJsonFeatures(R"([[1, 0, "gold"], [1, 0, "gold"]])", *predictor_, 2, &f));
}

// Bodies made of pieces that are each sometimes valid: whatever the fast path takes,
// the document path takes with the same features; and it takes many of them.
TEST_F(JsonFeaturesTest, RandomBodiesNeverDisagree) {
  std::mt19937 rng(11);
  const std::vector<std::string> values = {"1", "-2", "0.5", "1e-3", "3E2", "true", "false", "null", "\"gold\"",
                                           "\"basic\"", "\"1.5\"", "\"x\"", "[]", "{}", "-0.0", "123456789012"};
  const std::vector<std::string> keys = {"x1", "x2", "plan", "x3", "PLAN"};
  int taken = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string rows;
    const int n = 1 + static_cast<int>(rng() % 3);
    for (int r = 0; r < n; ++r) {
      if (r) rows += ", ";
      if (rng() % 4 == 0) {
        rows += "[";
        const int m = 2 + static_cast<int>(rng() % 3);
        for (int c = 0; c < m; ++c) rows += (c ? ", " : "") + values[rng() % values.size()];
        rows += "]";
      } else {
        rows += "{";
        std::vector<std::string> order = {"x1", "x2", "plan"};
        std::shuffle(order.begin(), order.end(), rng);
        if (rng() % 5 == 0) order[rng() % 3] = keys[rng() % keys.size()];
        for (size_t c = 0; c < order.size(); ++c) {
          // Mostly values the columns accept, so that many bodies are taken.
          const std::string& v = rng() % 3 ? (order[c] == "plan" ? (rng() % 2 ? "\"gold\"" : "\"silver\"")
                                                                   : values[rng() % 5])
                                           : values[rng() % values.size()];
          rows += fmt::format("{}\"{}\": {}", c ? ", " : "", order[c], v);
        }
        rows += "}";
      }
    }
    const std::string body = rng() % 2 ? "[" + rows + "]" : "{\"instances\": [" + rows + "]}";
    taken += Check(body);
  }
  EXPECT_GT(taken, 300);
}

}  // namespace
}  // namespace strata::serve
