// Profile statistics against values computed independently with numpy/pandas
// (numpy.quantile linear, Series.std ddof=1, Series.skew, numpy.corrcoef on average
// ranks for Spearman, chi-square from pandas.crosstab for Cramér's V).
#include "data/profile.h"

#include "core/core.h"
#include "data/importer.h"
#include "data/hyperloglog.h"
#include "data_test_util.h"

#include <set>

namespace strata::data {
namespace {

class ProfileTest : public DataTest {
 protected:
  Json Profile(const std::string& csv, const std::string& target = "") {
    auto path = Write("p.csv", csv);
    auto out = dir_ / ("t" + std::to_string(++n_));
    auto s = ImportFile(path, {}, out);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    auto table = Table::Open(out);
    ProfileOptions options;
    options.target = target;
    core::ThreadPool pool(2);
    auto p = ProfileTable(**table, options, &pool);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : Json();
  }
  static const Json* Column(const Json& p, const std::string& name) {
    for (const auto& c : p["column_profiles"]) {
      if (c["name"] == name) return &c;
    }
    return nullptr;
  }
  int n_ = 0;
};

constexpr const char* kSmall =
    "x,y,a,b\n"
    "1,2.5,u,p\n2,3.9,u,p\n2,4.1,u,p\n3,6.2,v,q\n4,8.0,v,q\n"
    "7,13.7,v,q\n9,18.5,u,p\n10,19.9,v,q\n15,30.2,u,q\n40,79.0,v,p\n";

TEST_F(ProfileTest, NumericStatisticsMatchNumpy) {
  Json p = Profile(kSmall);
  const Json& x = *Column(p, "x");
  const Json& n = x["numeric"];
  EXPECT_DOUBLE_EQ(n["mean"].get<double>(), 9.3);
  EXPECT_NEAR(n["std"].get<double>(), 11.662380164919643, 1e-12);
  EXPECT_NEAR(n["skewness"].get<double>(), 2.3955584686897695, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p1"].get<double>(), 1.09, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p5"].get<double>(), 1.45, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p25"].get<double>(), 2.25, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p50"].get<double>(), 5.5, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p75"].get<double>(), 9.75, 1e-12);
  EXPECT_NEAR(n["quantiles"]["p95"].get<double>(), 28.75, 1e-9);
  EXPECT_NEAR(n["quantiles"]["p99"].get<double>(), 37.75, 1e-12);
  EXPECT_EQ(n["min"], 1.0);
  EXPECT_EQ(n["max"], 40.0);
  EXPECT_EQ(n["outliers_iqr"], 1);
  EXPECT_EQ(n["zeros"], 0);
  EXPECT_EQ(x["distinct"], 9);
  int64_t total = 0;
  for (const auto& c : n["histogram"]["counts"]) total += c.get<int64_t>();
  EXPECT_EQ(total, 10);
  EXPECT_EQ(n["histogram"]["edges"].size(), 21u);
  EXPECT_EQ(x["top_values"][0], Json::parse(R"({"value": 2, "count": 2})"));
}

TEST_F(ProfileTest, CorrelationsAndAssociations) {
  Json p = Profile(kSmall);
  const Json& pearson = p["correlations"]["pearson"];
  EXPECT_EQ(pearson["columns"], Json::parse(R"(["x", "y"])"));
  EXPECT_NEAR(pearson["matrix"][0][1].get<double>(), 0.9999235645490815, 1e-6);
  EXPECT_EQ(pearson["matrix"][0][0], 1.0);
  EXPECT_NEAR(p["correlations"]["spearman"]["matrix"][1][0].get<double>(), 0.996965091635306, 1e-6);
  const Json& v = p["associations"]["cramers_v"];
  EXPECT_EQ(v["columns"], Json::parse(R"(["a", "b"])"));
  EXPECT_NEAR(v["matrix"][0][1].get<double>(), 0.6, 1e-9);
  EXPECT_EQ(p["duplicate_rows"], 0);
  const Json& a = *Column(p, "a");
  EXPECT_EQ(a["distinct"], 2);
  EXPECT_EQ(a["top_values"][0], Json::parse(R"({"value": "u", "count": 5})"));
  EXPECT_EQ(a["text"]["max_length"], 1);
}

TEST_F(ProfileTest, WarningsTargetAndDuplicates) {
  std::string csv = "id,const,sparse,label,leak,note\n";
  for (int i = 0; i < 100; ++i) {
    bool positive = i % 10 == 0;
    csv += fmt::format("{},7,{},{},{},{}\n", i, i % 3 == 0 ? std::to_string(i) : "", positive ? "yes" : "no",
                       positive ? "A" : "B", "same words");
  }
  csv += "5,7,,no,B,same words\n";  // a duplicate of row 5
  Json p = Profile(csv, "label");
  EXPECT_EQ(p["duplicate_rows"], 1);
  std::set<std::string> kinds;
  for (const auto& w : p["warnings"]) kinds.insert(w["type"].get<std::string>() + ":" + w["column"].get<std::string>());
  EXPECT_TRUE(kinds.count("constant:const")) << p["warnings"].dump(1);
  EXPECT_TRUE(kinds.count("unique:id")) << p["warnings"].dump(1);
  EXPECT_TRUE(kinds.count("missing:sparse")) << p["warnings"].dump(1);
  EXPECT_TRUE(kinds.count("imbalance:label")) << p["warnings"].dump(1);
  EXPECT_TRUE(kinds.count("leakage:leak")) << p["warnings"].dump(1);
  const Json& t = p["target"];
  EXPECT_EQ(t["kind"], "classification");
  EXPECT_EQ(t["class_balance"][0], Json::parse(R"({"value": false, "count": 91, "fraction": 0.900990099009901})"));
  EXPECT_NEAR(t["imbalance_ratio"].get<double>(), 9.1, 1e-12);
}

TEST_F(ProfileTest, TextTimestampAndErrors) {
  std::string csv = "when,words\n";
  for (int i = 0; i < 60; ++i) csv += fmt::format("2024-01-{:02}T00:00:00Z,text number {} é\n", i % 28 + 1, i);
  Json p = Profile(csv);
  const Json& when = *Column(p, "when");
  EXPECT_EQ(when["timestamp"]["min"], "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(when["timestamp"]["max"], "2024-01-28T00:00:00.000Z");
  const Json& words = *Column(p, "words");
  EXPECT_EQ(words["type"], "text");
  EXPECT_EQ(words["distinct"], 60);
  EXPECT_EQ(words["text"]["min_length"], 15);  // "text number 0 é": é is one code point

  auto path = Write("q.csv", "a\n1\n");
  ASSERT_TRUE(ImportFile(path, {}, dir_ / "q").ok());
  auto table = Table::Open(dir_ / "q");
  ProfileOptions o;
  o.target = "nope";
  auto bad = ProfileTable(**table, o, nullptr);
  EXPECT_EQ(bad.status().message(), "target column 'nope' is not a column of the dataset");
}

TEST_F(ProfileTest, HtmlReportIsSelfContained) {
  Json p = Profile(kSmall, "a");
  std::string html = RenderProfileHtml(p, "small <v1>");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("small &lt;v1&gt;"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Correlation (Pearson)"), std::string::npos);
  EXPECT_NE(html.find("class balance"), std::string::npos);
  for (const char* external : {"http://", "https://", "<script", "src="}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
}

TEST(HyperLogLogTest, EstimatesWithinTwoPercent) {
  for (int n : {1000, 200000}) {
    HyperLogLog h;
    for (int i = 0; i < n; ++i) h.Add(MixHash(static_cast<uint64_t>(i) * 7919));
    EXPECT_NEAR(h.Estimate(), n, 0.02 * n) << n;
  }
}

}  // namespace
}  // namespace strata::data
