// The profile as a self-contained HTML page: inline CSS and SVG charts, no scripts
// and no network resources, so it opens anywhere, offline, and can be mailed.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/profile.h"

namespace strata::data {
namespace {

std::string Esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Text(const Json& v) {
  if (v.is_null()) return "–";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<int64_t>(d));
    if (std::fabs(d) >= 1e9 || (std::fabs(d) < 1e-3 && d != 0)) return fmt::format("{:.3e}", d);
    return fmt::format("{:.6g}", d);
  }
  return v.dump();
}

std::string Short(const std::string& s, size_t n = 28) { return s.size() > n ? s.substr(0, n - 1) + "…" : s; }

// Vertical bars: a histogram. Edges label the first and last bin.
std::string HistogramSvg(const Json& h) {
  const Json& counts = h["counts"];
  if (counts.empty()) return "<p class=muted>no values</p>";
  int64_t max = 1;
  for (const auto& c : counts) max = std::max(max, c.get<int64_t>());
  const int w = 320, ht = 120, n = static_cast<int>(counts.size());
  double bw = static_cast<double>(w) / n;
  std::string svg = fmt::format("<svg class=chart viewBox='0 0 {} {}' width='{}' height='{}' role='img'>", w, ht + 18, w,
                                ht + 18);
  for (int i = 0; i < n; ++i) {
    double v = static_cast<double>(counts[static_cast<size_t>(i)].get<int64_t>());
    double bh = v / static_cast<double>(max) * ht;
    svg += fmt::format("<rect class=bar x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}'><title>{}</title></rect>",
                       i * bw + 0.5, ht - bh, std::max(1.0, bw - 1), bh, static_cast<int64_t>(v));
  }
  const Json& e = h["edges"];
  svg += fmt::format("<text x='0' y='{}' class=axis>{}</text>", ht + 14, Esc(Short(Text(e.front()), 24)));
  svg += fmt::format("<text x='{}' y='{}' class=axis text-anchor='end'>{}</text>", w, ht + 14,
                     Esc(Short(Text(e.back()), 24)));
  return svg + "</svg>";
}

// Horizontal bars with labels: top values, class balance, missingness.
std::string BarsSvg(const std::vector<std::pair<std::string, double>>& bars, double max, const char* fmt_value) {
  if (bars.empty()) return "<p class=muted>no values</p>";
  if (max <= 0) max = 1;
  const int label_w = 130, bar_w = 170, row_h = 18;
  int h = static_cast<int>(bars.size()) * row_h + 4;
  std::string svg = fmt::format("<svg class=chart viewBox='0 0 {} {}' width='{}' height='{}' role='img'>",
                                label_w + bar_w + 60, h, label_w + bar_w + 60, h);
  for (size_t i = 0; i < bars.size(); ++i) {
    double len = bars[i].second / max * bar_w;
    int y = static_cast<int>(i) * row_h;
    svg += fmt::format("<text x='{}' y='{}' class=label text-anchor='end'>{}</text>", label_w - 6, y + 13,
                       Esc(Short(bars[i].first, 20)));
    svg += fmt::format("<rect class=bar x='{}' y='{}' width='{:.1f}' height='{}'/>", label_w, y + 3, std::max(1.0, len),
                       row_h - 5);
    svg += fmt::format("<text x='{:.1f}' y='{}' class=axis>{}</text>", label_w + len + 4, y + 13,
                       fmt::format(fmt::runtime(fmt_value), bars[i].second));
  }
  return svg + "</svg>";
}

// A diverging blue-white-red heatmap of a correlation matrix.
std::string HeatmapSvg(const Json& m) {
  const Json& names = m["columns"];
  size_t n = names.size();
  if (n < 2) return "<p class=muted>fewer than two columns</p>";
  const int cell = std::max(14, std::min(36, 480 / static_cast<int>(n))), label = 120;
  int size = label + cell * static_cast<int>(n);
  std::string svg = fmt::format("<svg class=chart viewBox='0 0 {} {}' width='{}' height='{}' role='img'>", size + 10,
                                size + 10, size + 10, size + 10);
  for (size_t i = 0; i < n; ++i) {
    std::string name = Esc(Short(names[i].get<std::string>(), 18));
    svg += fmt::format("<text x='{}' y='{}' class=label text-anchor='end'>{}</text>", label - 4,
                       label + static_cast<int>(i) * cell + cell / 2 + 4, name);
    svg += fmt::format("<text class=label transform='translate({},{}) rotate(-60)'>{}</text>",
                       label + static_cast<int>(i) * cell + cell / 2, label - 4, name);
    for (size_t j = 0; j < n; ++j) {
      const Json& v = m["matrix"][i][j];
      std::string fill = "#eee";
      std::string tip = "n/a";
      if (v.is_number()) {
        double r = std::clamp(v.get<double>(), -1.0, 1.0);
        int hi = 255 - static_cast<int>(std::fabs(r) * 200);
        fill = r >= 0 ? fmt::format("rgb(255,{},{})", hi, hi) : fmt::format("rgb({},{},255)", hi, hi);
        tip = fmt::format("{:.3f}", r);
      }
      svg += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='{}'><title>{} × {}: {}</title></rect>",
                         label + static_cast<int>(j) * cell, label + static_cast<int>(i) * cell, cell - 1, cell - 1,
                         fill, Esc(names[i].get<std::string>()), Esc(names[j].get<std::string>()), tip);
    }
  }
  return svg + "</svg>";
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
  std::string out = "<table class=stats>";
  for (const auto& [k, v] : rows) out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", Esc(k), Esc(v));
  return out + "</table>";
}

constexpr const char* kStyle = R"css(
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c8cdd8}main{padding:20px 28px;max-width:1400px}
section{margin-bottom:26px}h2{font-size:17px;margin:0 0 10px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:14px 16px}
.card h3{margin:0 0 8px;font-size:15px}.type{font-size:12px;color:#fff;background:#5b6b8c;border-radius:4px;
padding:1px 6px;margin-left:6px;font-weight:normal}.muted{color:#7b8496}
table.stats{border-collapse:collapse;font-size:12.5px;margin-bottom:8px}
table.stats th{text-align:left;color:#5b6474;font-weight:normal;padding:1px 12px 1px 0}
table.stats td{font-variant-numeric:tabular-nums}
.warn{background:#fff6e5;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px;margin:4px 0}
.chart .bar{fill:#4f7cc9}.chart .axis{font-size:10px;fill:#5b6474}.chart .label{font-size:11px;fill:#1d2330}
.kpi{display:inline-block;margin-right:26px}.kpi b{display:block;font-size:20px}
)css";

}  // namespace

std::string RenderProfileHtml(const Json& p, const std::string& title) {
  std::string html = fmt::format(
      "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{} – profile</title><style>{}</style></head><body>",
      Esc(title), kStyle);
  html += fmt::format("<header><h1>{}</h1><p>Dataset profile by Strata {}</p></header><main>", Esc(title),
                      Esc(std::string(core::Version())));
  html += "<section class=card>";
  for (auto [label, value] : std::initializer_list<std::pair<const char*, Json>>{
           {"rows", p["rows"]}, {"columns", p["columns"]}, {"duplicate rows", p["duplicate_rows"]},
           {"warnings", static_cast<int64_t>(p["warnings"].size())}}) {
    html += fmt::format("<span class=kpi><b>{}</b>{}</span>", Esc(Text(value)), label);
  }
  html += "</section>";

  if (!p["warnings"].empty()) {
    html += "<section><h2>Warnings</h2>";
    for (const auto& w : p["warnings"]) html += fmt::format("<div class=warn>{}</div>", Esc(w["message"].get<std::string>()));
    html += "</section>";
  }

  std::vector<std::pair<std::string, double>> missing;
  for (const auto& c : p["column_profiles"]) missing.emplace_back(c["name"].get<std::string>(), c["null_fraction"].get<double>() * 100);
  html += "<section class=grid><div class=card><h2>Missing values (%)</h2>" + BarsSvg(missing, 100, "{:.1f}%") + "</div>";
  html += "<div class=card><h2>Correlation (Pearson)</h2>" + HeatmapSvg(p["correlations"]["pearson"]) + "</div>";
  if (p["associations"]["cramers_v"]["columns"].size() >= 2) {
    html += "<div class=card><h2>Association (Cramér's V)</h2>" + HeatmapSvg(p["associations"]["cramers_v"]) + "</div>";
  }
  if (p.contains("target") && p["target"].contains("class_balance")) {
    std::vector<std::pair<std::string, double>> bars;
    double max = 0;
    for (const auto& b : p["target"]["class_balance"]) {
      bars.emplace_back(Text(b["value"]), static_cast<double>(b["count"].get<int64_t>()));
      max = std::max(max, bars.back().second);
    }
    html += fmt::format("<div class=card><h2>Target '{}': class balance</h2>", Esc(p["target"]["name"].get<std::string>())) +
            BarsSvg(bars, max, "{:.0f}") + "</div>";
  }
  html += "</section><section><h2>Columns</h2><div class=grid>";
  for (const auto& c : p["column_profiles"]) {
    html += fmt::format("<div class=card><h3>{}<span class=type>{}</span></h3>", Esc(c["name"].get<std::string>()),
                        Esc(c["type"].get<std::string>()));
    html += StatsTable(c);
    if (c.contains("numeric")) html += HistogramSvg(c["numeric"]["histogram"]);
    else if (c.contains("timestamp")) html += HistogramSvg(c["timestamp"]["histogram"]);
    if (c.contains("top_values") && !c.contains("numeric")) {
      std::vector<std::pair<std::string, double>> bars;
      double max = 0;
      for (const auto& v : c["top_values"]) {
        bars.emplace_back(Text(v["value"]), static_cast<double>(v["count"].get<int64_t>()));
        max = std::max(max, bars.back().second);
      }
      html += BarsSvg(bars, max, "{:.0f}");
    }
    html += "</div>";
  }
  html += "</div></section></main></body></html>\n";
  return html;
}

}  // namespace strata::data
