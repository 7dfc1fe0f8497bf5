// The profile as a self-contained HTML page: inline CSS and SVG charts (html_charts.h),
// no scripts and no network resources, so it opens anywhere, offline, and can be mailed.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/html_charts.h"
#include "data/profile.h"

namespace strata::data {
namespace {

using html::BarsSvg;
using html::Esc;

std::string Text(const Json& v) { return html::FormatValue(v); }

std::string HistogramSvg(const Json& h) {
  std::vector<int64_t> counts;
  for (const auto& c : h["counts"]) counts.push_back(c.get<int64_t>());
  if (counts.empty()) return html::HistogramSvg(counts, "", "");
  return html::HistogramSvg(counts, Text(h["edges"].front()), Text(h["edges"].back()));
}

// A correlation or association matrix {"columns": [...], "matrix": [[r or null]]}.
std::string HeatmapSvg(const Json& m) {
  std::vector<std::string> names = m["columns"].get<std::vector<std::string>>();
  if (names.size() < 2) return "<p class=muted>fewer than two columns</p>";
  std::vector<std::vector<std::optional<double>>> values(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < names.size(); ++j) {
      const Json& v = m["matrix"][i][j];
      values[i].push_back(v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt);
    }
  }
  return html::HeatmapSvg(names, names, values, html::HeatScale::kDiverging);
}
std::string StatsTable(const Json& c) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"count", Text(c["count"])},
      {"missing", fmt::format("{} ({:.1f}%)", c["nulls"].get<int64_t>(), c["null_fraction"].get<double>() * 100)},
  };
  if (c.contains("distinct")) {
    rows.emplace_back("distinct", Text(c["distinct"]) + (c.value("distinct_exact", true) ? "" : " (approx.)"));
  }
  if (c.contains("numeric")) {
    const Json& n = c["numeric"];
    for (const char* k : {"min", "max", "mean", "std", "skewness", "zeros", "negatives", "outliers_iqr"}) {
      rows.emplace_back(k, Text(n[k]));
    }
    for (const auto& [k, v] : n["quantiles"].items()) rows.emplace_back(k, Text(v));
  }
  if (c.contains("timestamp")) {
    rows.emplace_back("from", Text(c["timestamp"]["min"]));
    rows.emplace_back("to", Text(c["timestamp"]["max"]));
  }
  if (c.contains("text")) {
    rows.emplace_back("length", fmt::format("{} – {} (mean {})", Text(c["text"]["min_length"]),
                                            Text(c["text"]["max_length"]), Text(c["text"]["mean_length"])));
  }
  return html::StatsTable(rows);
}

}  // namespace

std::string RenderProfileHtml(const Json& p, const std::string& title) {
  std::string out = html::PageStart(title, fmt::format("Dataset profile by Strata {}", core::Version()));
  out += "<section class=card>";
  for (auto [label, value] : std::initializer_list<std::pair<const char*, Json>>{
           {"rows", p["rows"]}, {"columns", p["columns"]}, {"duplicate rows", p["duplicate_rows"]},
           {"warnings", static_cast<int64_t>(p["warnings"].size())}}) {
    out += html::Kpi(label, Text(value));
  }
  out += "</section>";

  if (!p["warnings"].empty()) {
    out += "<section><h2>Warnings</h2>";
    for (const auto& w : p["warnings"]) out += fmt::format("<div class=warn>{}</div>", Esc(w["message"].get<std::string>()));
    out += "</section>";
  }

  std::vector<std::pair<std::string, double>> missing;
  for (const auto& c : p["column_profiles"]) missing.emplace_back(c["name"].get<std::string>(), c["null_fraction"].get<double>() * 100);
  out += "<section class=grid><div class=card><h2>Missing values (%)</h2>" + BarsSvg(missing, 100, "{:.1f}%") + "</div>";
  out += "<div class=card><h2>Correlation (Pearson)</h2>" + HeatmapSvg(p["correlations"]["pearson"]) + "</div>";
  if (p["associations"]["cramers_v"]["columns"].size() >= 2) {
    out += "<div class=card><h2>Association (Cramér's V)</h2>" + HeatmapSvg(p["associations"]["cramers_v"]) + "</div>";
  }
  if (p.contains("target") && p["target"].contains("class_balance")) {
    std::vector<std::pair<std::string, double>> bars;
    double max = 0;
    for (const auto& b : p["target"]["class_balance"]) {
      bars.emplace_back(Text(b["value"]), static_cast<double>(b["count"].get<int64_t>()));
      max = std::max(max, bars.back().second);
    }
    out += fmt::format("<div class=card><h2>Target '{}': class balance</h2>", Esc(p["target"]["name"].get<std::string>())) +
            BarsSvg(bars, max, "{:.0f}") + "</div>";
  }
  out += "</section><section><h2>Columns</h2><div class=grid>";
  for (const auto& c : p["column_profiles"]) {
    out += fmt::format("<div class=card><h3>{}<span class=type>{}</span></h3>", Esc(c["name"].get<std::string>()),
                        Esc(c["type"].get<std::string>()));
    out += StatsTable(c);
    if (c.contains("numeric")) out += HistogramSvg(c["numeric"]["histogram"]);
    else if (c.contains("timestamp")) out += HistogramSvg(c["timestamp"]["histogram"]);
    if (c.contains("top_values") && !c.contains("numeric")) {
      std::vector<std::pair<std::string, double>> bars;
      double max = 0;
      for (const auto& v : c["top_values"]) {
        bars.emplace_back(Text(v["value"]), static_cast<double>(v["count"].get<int64_t>()));
        max = std::max(max, bars.back().second);
      }
      out += BarsSvg(bars, max, "{:.0f}");
    }
    out += "</div>";
  }
  out += "</div></section>" + html::PageEnd();
  return out;
}

}  // namespace strata::data
