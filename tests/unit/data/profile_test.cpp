// Profile statistics against values computed independently with numpy/pandas
// (numpy.quantile linear, Series.std ddof=1, Series.skew, numpy.corrcoef on average
// ranks for Spearman, chi-square from pandas.crosstab for Cramér's V).
#include "data/profile.h"

#include "core/core.h"
#include "data/importer.h"
#include "data/hyperloglog.h"
#include "data/profile_column.h"
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

TEST_F(ProfileTest, TextLengthsCountCodePointsAcrossWords) {
  // 2-, 3- and 4-byte characters, some straddling the 8-byte steps of the count.
  Json p = Profile("words\n\u00e9\u00e9\u00e9\u00e9\u00e9\n"
                   "\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8\n"
                   "a\U0001F600b\U0001F600c\n");
  const Json& words = *Column(p, "words");
  EXPECT_EQ(words["text"]["min_length"], 5);
  EXPECT_EQ(words["text"]["max_length"], 7);
  EXPECT_NEAR(words["text"]["mean_length"].get<double>(), 17.0 / 3, 1e-12);
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

// The same integers profiled three ways: as a small-range int column (counted per
// value), as floats and as a wide-range int column (both radix sorted). Every
// statistic must agree, and the correlations over more rows than one block of the
// sums must match a direct computation.
TEST_F(ProfileTest, CountingAndSortingPathsAgreeOnManyRows) {
  constexpr int kRows = 9000;
  std::string csv = "i,f,wide,y\n";
  std::vector<double> iv, yv;
  for (int r = 0; r < kRows; ++r) {
    bool null_i = r % 13 == 5, null_y = r % 17 == 3;
    int64_t i = (static_cast<int64_t>(r) * 7919) % 300 - 50;  // ties, negatives, zeros
    double y = std::sin(r * 0.37) * 100 + static_cast<double>(i) * 0.5;
    if (null_i) {
      csv += ",,,";
    } else {
      csv += fmt::format("{},{:.1f},{},", i, static_cast<double>(i) + 0.5, i * 1000000000000);
    }
    csv += null_y ? "\n" : fmt::format("{:.6f}\n", y);
    iv.push_back(null_i ? NAN : static_cast<double>(i));
    yv.push_back(null_y ? NAN : std::stod(fmt::format("{:.6f}", y)));
  }
  Json p = Profile(csv);
  const Json& i = *Column(p, "i");
  const Json& f = *Column(p, "f");
  const Json& wide = *Column(p, "wide");
  ASSERT_EQ(i["type"], "int");
  ASSERT_EQ(f["type"], "float");
  for (const Json* other : {&f, &wide}) {
    EXPECT_EQ((*other)["distinct"], i["distinct"]);
    EXPECT_EQ((*other)["numeric"]["outliers_iqr"], i["numeric"]["outliers_iqr"]);
    EXPECT_EQ((*other)["numeric"]["histogram"]["counts"], i["numeric"]["histogram"]["counts"]);
  }
  EXPECT_NEAR(f["numeric"]["std"].get<double>(), i["numeric"]["std"].get<double>(), 1e-9);
  EXPECT_NEAR(f["numeric"]["skewness"].get<double>(), i["numeric"]["skewness"].get<double>(), 1e-9);
  for (const char* q : {"p1", "p5", "p25", "p50", "p75", "p95", "p99"}) {
    EXPECT_NEAR(f["numeric"]["quantiles"][q].get<double>(), i["numeric"]["quantiles"][q].get<double>() + 0.5, 1e-9)
        << q;
  }
  EXPECT_EQ(wide["numeric"]["zeros"], i["numeric"]["zeros"]);
  EXPECT_EQ(wide["numeric"]["negatives"], i["numeric"]["negatives"]);
  EXPECT_GT(i["numeric"]["zeros"].get<int64_t>(), 0);
  ASSERT_EQ(wide["top_values"].size(), i["top_values"].size());
  for (size_t k = 0; k < i["top_values"].size(); ++k) {
    EXPECT_EQ(wide["top_values"][k]["count"], i["top_values"][k]["count"]);
    EXPECT_EQ(wide["top_values"][k]["value"].get<int64_t>(), i["top_values"][k]["value"].get<int64_t>() * 1000000000000);
  }

  // Direct Pearson and Spearman of i and y over the rows where both are present.
  auto pearson = [](const std::vector<double>& a, const std::vector<double>& b) {
    double n = 0, sa = 0, sb = 0;
    for (size_t r = 0; r < a.size(); ++r) {
      if (std::isnan(a[r]) || std::isnan(b[r])) continue;
      n += 1, sa += a[r], sb += b[r];
    }
    double ma = sa / n, mb = sb / n, cov = 0, va = 0, vb = 0;
    for (size_t r = 0; r < a.size(); ++r) {
      if (std::isnan(a[r]) || std::isnan(b[r])) continue;
      cov += (a[r] - ma) * (b[r] - mb), va += (a[r] - ma) * (a[r] - ma), vb += (b[r] - mb) * (b[r] - mb);
    }
    return cov / std::sqrt(va * vb);
  };
  auto ranks = [](const std::vector<double>& a) {  // over the column's own values, ties averaged
    std::vector<size_t> order;
    for (size_t r = 0; r < a.size(); ++r) {
      if (!std::isnan(a[r])) order.push_back(r);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return a[x] < a[y]; });
    std::vector<double> out(a.size(), NAN);
    for (size_t s = 0; s < order.size();) {
      size_t e = s;
      while (e + 1 < order.size() && a[order[e + 1]] == a[order[s]]) ++e;
      for (size_t t = s; t <= e; ++t) out[order[t]] = (static_cast<double>(s) + static_cast<double>(e)) / 2 + 1;
      s = e + 1;
    }
    return out;
  };
  const Json& names = p["correlations"]["pearson"]["columns"];
  ASSERT_EQ(names, Json::parse(R"(["i", "f", "wide", "y"])"));
  EXPECT_NEAR(p["correlations"]["pearson"]["matrix"][0][3].get<double>(), pearson(iv, yv), 2e-6);
  EXPECT_NEAR(p["correlations"]["spearman"]["matrix"][0][3].get<double>(), pearson(ranks(iv), ranks(yv)), 2e-6);
  EXPECT_EQ(p["correlations"]["spearman"]["matrix"][0][1], 1.0);
  EXPECT_EQ(p["correlations"]["spearman"]["matrix"][2][1], 1.0);
}

TEST_F(ProfileTest, DuplicateRowsAcrossHashTasks) {
  std::string csv = "a,b,t\n";
  for (int r = 0; r < 70000; ++r) csv += fmt::format("{},{},w{}\n", r % 50000, r % 2 == 0 ? "" : "1.5", r % 50000);
  Json p = Profile(csv);  // row r + 50000 repeats row r for r < 20000 (50000 is even: same b)
  EXPECT_EQ(p["duplicate_rows"], 20000);
}

TEST(RankColumnTest, KeepsHalfIntegerRanksExactOnEitherSideOfTheFloatBound) {
  for (int64_t rows : {int64_t{10}, (int64_t{1} << 23) + 2}) {
    RankColumn ranks;
    ranks.Reset(rows);
    double top = static_cast<double>(rows) - 0.5;  // 8388609.5 has no float
    ranks.Set(rows - 1, top);
    ranks.Set(0, 1.5);
    double out[2];
    ranks.Load(rows - 2, 2, out);
    EXPECT_TRUE(std::isnan(out[0])) << rows;
    EXPECT_EQ(out[1], top) << rows;
    ranks.Load(0, 1, out);
    EXPECT_EQ(out[0], 1.5) << rows;
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
