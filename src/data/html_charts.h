#pragma once
// Building blocks of Strata's self-contained HTML reports (the dataset profile, the
// model evaluation): one stylesheet, page frame, and inline SVG charts. No scripts and
// no network resources, so a report opens anywhere, offline, and can be mailed.
// Written by hand: no Debian library draws static SVG charts from C++.
//
// Every function returns an HTML fragment; text passed in is escaped here. Colours
// come from the stylesheet classes (bar, line-a, line-b, ...) so that the reports look
// alike and the screenshot tests (tests/e2e/*_report_test.sh) can look for them:
//   bars, dots      #4f7cc9   ROC curve    #e4572e   PR curve   #2a9d8f
//   more lines      #8e5bc9 (line-c), #d4a017 (line-d)
//   heatmap (sequential) white to #1f4e99 at the largest value

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace strata::data::html {

std::string Esc(std::string_view s);
// A cell value as people read it: integers without decimals, 6 significant digits,
// scientific notation for the very large and very small, "–" for null.
std::string FormatValue(const Json& v);
std::string FormatNumber(double v);
// Cuts `s` to `n` characters with an ellipsis.
std::string Short(const std::string& s, size_t n = 28);

// <!DOCTYPE html>... up to and including <main>, with `subtitle` under the title.
std::string PageStart(const std::string& title, const std::string& subtitle);
std::string PageEnd();  // </main></body></html>
// A big number with its label, for a row of key figures.
std::string Kpi(const std::string& label, const std::string& value);
// A two-column table of name and value.
std::string StatsTable(const std::vector<std::pair<std::string, std::string>>& rows);

// Vertical bars: a histogram with the first and last bin edge under it.
std::string HistogramSvg(const std::vector<int64_t>& counts, const std::string& first_edge,
                         const std::string& last_edge);
// Horizontal bars with labels; `fmt_value` formats each value (fmt syntax, "{:.1f}%").
// A negative value gets no bar, only its number.
std::string BarsSvg(const std::vector<std::pair<std::string, double>>& bars, double max,
                    const char* fmt_value);
// Groups of horizontal bars, one group per label and one bar per series (each series
// its own colour, with a legend). values[series][label], in [min, max]. With min < 0
// bars grow left or right from a zero line (signed differences); a NaN value is drawn
// as the word "undefined" and no bar.
std::string GroupedBarsSvg(const std::vector<std::string>& labels,
                           const std::vector<std::string>& series,
                           const std::vector<std::vector<double>>& values, double max,
                           double min = 0);

enum class HeatScale {
  kDiverging,   // -1 blue, 0 white, +1 red: correlations
  kSequential,  // 0 white to the largest value dark blue: counts (confusion matrix)
};
// A matrix of cells with row labels on the left and column labels on top; null cells
// are grey. With show_values, each cell prints its value.
std::string HeatmapSvg(const std::vector<std::string>& rows,
                       const std::vector<std::string>& columns,
                       const std::vector<std::vector<std::optional<double>>>& values,
                       HeatScale scale, bool show_values = false, const std::string& row_title = "",
                       const std::string& column_title = "");

struct Point {
  double x, y;
};
// Curves on [0,1] x [0,1] axes (ROC, precision-recall). css_class picks the colour
// (line-a, line-b); `diagonal` draws the chance line y = x.
struct Series {
  std::string name, css_class;
  std::vector<Point> points;
};
std::string CurveSvg(const std::vector<Series>& series, const std::string& x_label,
                     const std::string& y_label, bool diagonal);
// Lines with a dot on each point, on axes fitted to the data (elbow curves, partial
// dependence); css_class as for CurveSvg (line-a, line-b, line-c, line-d). A legend is
// drawn for named series; `mark_x` draws a dashed vertical line there (a suggested k).
std::string LineSvg(const std::vector<Series>& series, const std::string& x_label,
                    const std::string& y_label, std::optional<double> mark_x = std::nullopt);
// Points on axes fitted to the data, with the line y = x (predicted vs actual).
std::string ScatterSvg(const std::vector<Point>& points, const std::string& x_label,
                       const std::string& y_label, bool identity_line);

}  // namespace strata::data::html
