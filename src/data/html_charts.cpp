#include "data/html_charts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::data::html {
namespace {

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
table.metrics{border-collapse:collapse;font-size:13px}
table.metrics th,table.metrics td{padding:3px 12px;border-bottom:1px solid #e1e4ea;text-align:right}
table.metrics th:first-child,table.metrics td:first-child{text-align:left}
table.metrics td{font-variant-numeric:tabular-nums}
.warn{background:#fff6e5;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px;margin:4px 0}
.chart .bar{fill:#4f7cc9}.chart .bar2{fill:#f2a541}.chart .bar3{fill:#7fb069}
.chart .axis{font-size:10px;fill:#5b6474}.chart .label{font-size:11px;fill:#1d2330}
.chart .frame{fill:none;stroke:#c9ced8}.chart .grid{stroke:#eef0f4}.chart .chance{stroke:#9aa3b2;stroke-dasharray:4 4}
.chart .line-a{fill:none;stroke:#e4572e;stroke-width:3}.chart .line-b{fill:none;stroke:#2a9d8f;stroke-width:3}
.chart .line-c{fill:none;stroke:#8e5bc9;stroke-width:3}.chart .line-d{fill:none;stroke:#d4a017;stroke-width:3}
.chart .dot{fill:#4f7cc9}.chart .cell{font-size:11px;text-anchor:middle}
.kpi{display:inline-block;margin-right:26px}.kpi b{display:block;font-size:20px}
)css";

std::string SvgOpen(int w, int h) {
  return fmt::format("<svg class=chart viewBox='0 0 {} {}' width='{}' height='{}' role='img'>", w,
                     h, w, h);
}

}  // namespace

std::string Esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatNumber(double d) {
  if (!std::isfinite(d)) return std::isnan(d) ? "–" : (d > 0 ? "∞" : "-∞");
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<int64_t>(d));
  if (std::fabs(d) >= 1e9 || (std::fabs(d) < 1e-3 && d != 0)) return fmt::format("{:.3e}", d);
  return fmt::format("{:.6g}", d);
}

std::string FormatValue(const Json& v) {
  if (v.is_null()) return "–";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return FormatNumber(v.get<double>());
  return v.dump();
}

std::string Short(const std::string& s, size_t n) {
  return s.size() > n ? s.substr(0, n - 1) + "…" : s;
}

std::string PageStart(const std::string& title, const std::string& subtitle) {
  return fmt::format(
             "<!DOCTYPE html><html lang=en><head><meta "
             "charset=utf-8><title>{}</title><style>{}</style></head><body>",
             Esc(title), kStyle) +
         fmt::format("<header><h1>{}</h1><p>{}</p></header><main>", Esc(title), Esc(subtitle));
}

std::string PageEnd() {
  return "</main></body></html>\n";
}

std::string Kpi(const std::string& label, const std::string& value) {
  return fmt::format("<span class=kpi><b>{}</b>{}</span>", Esc(value), Esc(label));
}

std::string StatsTable(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out = "<table class=stats>";
  for (const auto& [k, v] : rows)
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", Esc(k), Esc(v));
  return out + "</table>";
}

std::string HistogramSvg(const std::vector<int64_t>& counts, const std::string& first_edge,
                         const std::string& last_edge) {
  if (counts.empty()) return "<p class=muted>no values</p>";
  int64_t max = std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
  const int w = 320, ht = 120, n = static_cast<int>(counts.size());
  double bw = static_cast<double>(w) / n;
  std::string svg = SvgOpen(w, ht + 18);
  for (int i = 0; i < n; ++i) {
    double v = static_cast<double>(counts[static_cast<size_t>(i)]);
    double bh = v / static_cast<double>(max) * ht;
    svg += fmt::format(
        "<rect class=bar x='{:.1f}' y='{:.1f}' width='{:.1f}' "
        "height='{:.1f}'><title>{}</title></rect>",
        i * bw + 0.5, ht - bh, std::max(1.0, bw - 1), bh, static_cast<int64_t>(v));
  }
  svg +=
      fmt::format("<text x='0' y='{}' class=axis>{}</text>", ht + 14, Esc(Short(first_edge, 24)));
  svg += fmt::format("<text x='{}' y='{}' class=axis text-anchor='end'>{}</text>", w, ht + 14,
                     Esc(Short(last_edge, 24)));
  return svg + "</svg>";
}

std::string BarsSvg(const std::vector<std::pair<std::string, double>>& bars, double max,
                    const char* fmt_value) {
  if (bars.empty()) return "<p class=muted>no values</p>";
  if (max <= 0) max = 1;
  const int label_w = 130, bar_w = 170, row_h = 18;
  int h = static_cast<int>(bars.size()) * row_h + 4;
  std::string svg = SvgOpen(label_w + bar_w + 60, h);
  for (size_t i = 0; i < bars.size(); ++i) {
    double len = std::max(0.0, bars[i].second / max * bar_w);  // negative values: no bar
    int y = static_cast<int>(i) * row_h;
    svg += fmt::format("<text x='{}' y='{}' class=label text-anchor='end'>{}</text>", label_w - 6,
                       y + 13, Esc(Short(bars[i].first, 20)));
    svg += fmt::format("<rect class=bar x='{}' y='{}' width='{:.1f}' height='{}'/>", label_w, y + 3,
                       std::max(1.0, len), row_h - 5);
    svg += fmt::format("<text x='{:.1f}' y='{}' class=axis>{}</text>", label_w + len + 4, y + 13,
                       fmt::format(fmt::runtime(fmt_value), bars[i].second));
  }
  return svg + "</svg>";
}

std::string GroupedBarsSvg(const std::vector<std::string>& labels,
                           const std::vector<std::string>& series,
                           const std::vector<std::vector<double>>& values, double max, double min) {
  if (labels.empty() || series.empty()) return "<p class=muted>no values</p>";
  if (max <= min) max = min + 1;
  static const char* kClasses[] = {"bar", "bar2", "bar3"};
  const int label_w = 130, bar_w = 220, bar_h = 12, legend_h = 22;
  const int group_h = static_cast<int>(series.size()) * bar_h + 10;
  int h = legend_h + static_cast<int>(labels.size()) * group_h;
  auto x_of = [&](double v) { return label_w + (std::clamp(v, min, max) - min) / (max - min) * bar_w; };
  const double zero_x = x_of(0);
  std::string svg = SvgOpen(label_w + bar_w + 60, h);
  for (size_t s = 0; s < series.size(); ++s) {
    int x = label_w + static_cast<int>(s) * 80;
    svg += fmt::format(
        "<rect class={} x='{}' y='4' width='12' height='12'/><text x='{}' y='14' "
        "class=label>{}</text>",
        kClasses[s % 3], x, x + 16, Esc(series[s]));
  }
  if (min < 0) {
    svg += fmt::format("<line class=frame x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}'/>", zero_x,
                       legend_h, zero_x, h);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    int y0 = legend_h + static_cast<int>(i) * group_h;
    svg += fmt::format("<text x='{}' y='{}' class=label text-anchor='end'>{}</text>", label_w - 6,
                       y0 + group_h / 2 + 3, Esc(Short(labels[i], 20)));
    for (size_t s = 0; s < series.size(); ++s) {
      double v = values[s][i];
      int y = y0 + static_cast<int>(s) * bar_h;
      if (std::isnan(v)) {
        svg += fmt::format("<text x='{:.1f}' y='{}' class=axis>undefined</text>", zero_x + 4,
                           y + bar_h - 3);
        continue;
      }
      const double end_x = x_of(v);
      const double len = std::fabs(end_x - zero_x);
      svg += fmt::format(
          "<rect class={} x='{:.1f}' y='{}' width='{:.1f}' height='{}'><title>{}: "
          "{:.4f}</title></rect>",
          kClasses[s % 3], std::min(zero_x, end_x), y, std::max(1.0, len), bar_h - 2,
          Esc(series[s]), v);
      svg += fmt::format("<text x='{:.1f}' y='{}' class=axis>{:.4g}</text>",
                         std::max(zero_x, end_x) + 4, y + bar_h - 3, v);
    }
  }
  return svg + "</svg>";
}

std::string HeatmapSvg(const std::vector<std::string>& rows,
                       const std::vector<std::string>& columns,
                       const std::vector<std::vector<std::optional<double>>>& values,
                       HeatScale scale, bool show_values, const std::string& row_title,
                       const std::string& column_title) {
  const size_t nr = rows.size(), nc = columns.size();
  if (nr == 0 || nc == 0) return "<p class=muted>no values</p>";
  const size_t n = std::max(nr, nc);
  const int cell =
      std::max(show_values ? 30 : 14, std::min(show_values ? 64 : 36, 480 / static_cast<int>(n)));
  const int label = 120, title = row_title.empty() && column_title.empty() ? 0 : 16;
  double max = 0;
  for (const auto& r : values) {
    for (const auto& v : r) {
      if (v) max = std::max(max, std::fabs(*v));
    }
  }
  if (max <= 0) max = 1;
  int w = title + label + cell * static_cast<int>(nc) + 10,
      h = title + label + cell * static_cast<int>(nr) + 10;
  std::string svg = SvgOpen(w, h);
  const int x0 = title + label, y0 = title + label;
  if (!column_title.empty()) {
    svg += fmt::format("<text x='{}' y='12' class=label text-anchor='middle'>{}</text>",
                       x0 + cell * static_cast<int>(nc) / 2, Esc(column_title));
  }
  if (!row_title.empty()) {
    svg += fmt::format(
        "<text class=label text-anchor='middle' transform='translate(12,{}) rotate(-90)'>{}</text>",
        y0 + cell * static_cast<int>(nr) / 2, Esc(row_title));
  }
  for (size_t j = 0; j < nc; ++j) {
    svg +=
        fmt::format("<text class=label transform='translate({},{}) rotate(-60)'>{}</text>",
                    x0 + static_cast<int>(j) * cell + cell / 2, y0 - 4, Esc(Short(columns[j], 18)));
  }
  for (size_t i = 0; i < nr; ++i) {
    svg += fmt::format("<text x='{}' y='{}' class=label text-anchor='end'>{}</text>", x0 - 4,
                       y0 + static_cast<int>(i) * cell + cell / 2 + 4, Esc(Short(rows[i], 18)));
    for (size_t j = 0; j < nc; ++j) {
      const std::optional<double>& v = values[i][j];
      std::string fill = "#eee", tip = "n/a", ink = "#1d2330";
      if (v) {
        if (scale == HeatScale::kDiverging) {
          double r = std::clamp(*v, -1.0, 1.0);
          int hi = 255 - static_cast<int>(std::fabs(r) * 200);
          fill = r >= 0 ? fmt::format("rgb(255,{},{})", hi, hi)
                        : fmt::format("rgb({},{},255)", hi, hi);
          tip = fmt::format("{:.3f}", r);
        } else {
          // White (255,255,255) to #1f4e99 (31,78,153) at the largest value.
          double t = std::clamp(*v / max, 0.0, 1.0);
          auto mix = [t](int to) { return static_cast<int>(std::lround(255 + (to - 255) * t)); };
          fill = fmt::format("rgb({},{},{})", mix(31), mix(78), mix(153));
          tip = FormatNumber(*v);
          if (t > 0.5) ink = "#fff";
        }
      }
      int x = x0 + static_cast<int>(j) * cell, y = y0 + static_cast<int>(i) * cell;
      svg += fmt::format(
          "<rect x='{}' y='{}' width='{}' height='{}' fill='{}'><title>{} × {}: {}</title></rect>",
          x, y, cell - 1, cell - 1, fill, Esc(rows[i]), Esc(columns[j]), tip);
      if (show_values && v) {
        svg += fmt::format("<text class=cell x='{}' y='{}' fill='{}'>{}</text>", x + cell / 2,
                           y + cell / 2 + 4, ink, Esc(tip));
      }
    }
  }
  return svg + "</svg>";
}

namespace {

// A plotting area with a frame, ticks at 0, 0.5, 1 of the range and axis titles.
struct Plot {
  double x_min, x_max, y_min, y_max;
  static constexpr int kLeft = 48, kTop = 10, kSize = 280, kBottom = 40;
  double X(double x) const { return kLeft + (x - x_min) / (x_max - x_min) * kSize; }
  double Y(double y) const { return kTop + kSize - (y - y_min) / (y_max - y_min) * kSize; }
  std::string Open(const std::string& x_label, const std::string& y_label) const {
    std::string svg = SvgOpen(kLeft + kSize + 20, kTop + kSize + kBottom);
    for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      double gx = kLeft + f * kSize, gy = kTop + kSize - f * kSize;
      svg += fmt::format("<line class=grid x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}'/>", gx, kTop, gx,
                         kTop + kSize);
      svg += fmt::format("<line class=grid x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}'/>", kLeft, gy,
                         kLeft + kSize, gy);
      if (f == 0.0 || f == 0.5 || f == 1.0) {
        svg +=
            fmt::format("<text class=axis x='{:.1f}' y='{}' text-anchor='middle'>{}</text>", gx,
                        kTop + kSize + 13, Esc(FormatNumber(Round(x_min + f * (x_max - x_min)))));
        svg +=
            fmt::format("<text class=axis x='{}' y='{:.1f}' text-anchor='end'>{}</text>", kLeft - 4,
                        gy + 3, Esc(FormatNumber(Round(y_min + f * (y_max - y_min)))));
      }
    }
    svg += fmt::format("<rect class=frame x='{}' y='{}' width='{}' height='{}'/>", kLeft, kTop,
                       kSize, kSize);
    svg += fmt::format("<text class=label x='{}' y='{}' text-anchor='middle'>{}</text>",
                       kLeft + kSize / 2, kTop + kSize + 32, Esc(x_label));
    svg += fmt::format(
        "<text class=label text-anchor='middle' transform='translate(11,{}) rotate(-90)'>{}</text>",
        kTop + kSize / 2, Esc(y_label));
    return svg;
  }
  static double Round(double v) {
    return std::fabs(v) >= 100 ? std::round(v) : std::round(v * 1000) / 1000;
  }
};

}  // namespace

namespace {

// The series as paths (clamped to the plot's ranges) with a legend in the lower right.
std::string SeriesPaths(const Plot& plot, const std::vector<Series>& series) {
  std::string svg;
  int legend_y = Plot::kTop + Plot::kSize - 8 - 16 * static_cast<int>(series.size() - 1);
  for (const auto& s : series) {
    std::string path;
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L",
                          plot.X(std::clamp(p.x, plot.x_min, plot.x_max)),
                          plot.Y(std::clamp(p.y, plot.y_min, plot.y_max)));
    }
    if (!path.empty())
      svg += fmt::format("<path class='{}' d='{}'><title>{}</title></path>", Esc(s.css_class), path,
                         Esc(s.name));
    if (s.name.empty()) continue;  // a lone unnamed line needs no legend
    int lx = Plot::kLeft + Plot::kSize - 150;
    svg += fmt::format(
        "<line class='{}' x1='{}' y1='{}' x2='{}' y2='{}'/><text class=label x='{}' "
        "y='{}'>{}</text>",
        Esc(s.css_class), lx, legend_y - 4, lx + 18, legend_y - 4, lx + 24, legend_y, Esc(s.name));
    legend_y += 16;
  }
  return svg;
}

}  // namespace

std::string CurveSvg(const std::vector<Series>& series, const std::string& x_label,
                     const std::string& y_label, bool diagonal) {
  Plot plot{0, 1, 0, 1};
  std::string svg = plot.Open(x_label, y_label);
  if (diagonal) {
    svg += fmt::format("<line class=chance x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}'/>",
                       plot.X(0), plot.Y(0), plot.X(1), plot.Y(1));
  }
  return svg + SeriesPaths(plot, series) + "</svg>";
}

std::string LineSvg(const std::vector<Series>& series, const std::string& x_label,
                    const std::string& y_label, std::optional<double> mark_x) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      x_lo = std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y);
      y_hi = std::max(y_hi, p.y);
    }
  }
  if (!std::isfinite(x_lo)) return "<p class=muted>no values</p>";
  if (x_hi <= x_lo) x_hi = x_lo + 1;
  // A flat line sits in the middle of a small range rather than on the frame.
  const double y_pad = y_hi > y_lo ? (y_hi - y_lo) * 0.05 : std::max(std::fabs(y_lo) * 0.05, 0.01);
  Plot plot{x_lo, x_hi, y_lo - y_pad, y_hi + y_pad};
  std::string svg = plot.Open(x_label, y_label);
  if (mark_x && *mark_x >= x_lo && *mark_x <= x_hi) {
    svg += fmt::format("<line class=chance x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}'/>",
                       plot.X(*mark_x), plot.Y(plot.y_min), plot.X(*mark_x), plot.Y(plot.y_max));
  }
  svg += SeriesPaths(plot, series);
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      svg += fmt::format("<circle class=dot cx='{:.1f}' cy='{:.1f}' r='3.2'><title>{}: {}</title></circle>",
                         plot.X(p.x), plot.Y(p.y), Esc(FormatNumber(p.x)), Esc(FormatNumber(p.y)));
    }
  }
  return svg + "</svg>";
}

std::string ScatterSvg(const std::vector<Point>& points, const std::string& x_label,
                       const std::string& y_label, bool identity_line) {
  if (points.empty()) return "<p class=muted>no values</p>";
  double lo = points[0].x, hi = points[0].x;
  for (const auto& p : points) {
    for (double v : {p.x, p.y}) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (hi <= lo) hi = lo + 1;
  double pad = (hi - lo) * 0.03;
  // One range for both axes, so that y = x is the diagonal.
  Plot plot{lo - pad, hi + pad, lo - pad, hi + pad};
  std::string svg = plot.Open(x_label, y_label);
  if (identity_line) {
    svg +=
        fmt::format("<line class=chance x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}'/>",
                    plot.X(plot.x_min), plot.Y(plot.y_min), plot.X(plot.x_max), plot.Y(plot.y_max));
  }
  for (const auto& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    svg += fmt::format("<circle class=dot cx='{:.1f}' cy='{:.1f}' r='2.6'/>", plot.X(p.x),
                       plot.Y(p.y));
  }
  return svg + "</svg>";
}

}  // namespace strata::data::html
