#include "cli/profile_render.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cli/output.h"

namespace strata::cli {
namespace {

std::string Num(const Json& v) {
  if (!v.is_number()) return "-";
  double d = v.get<double>();
  if (d == std::floor(d) && std::fabs(d) < 1e12) return fmt::format("{}", static_cast<int64_t>(d));
  if (std::fabs(d) >= 1e5 || std::fabs(d) < 1e-3) return fmt::format("{:.3g}", d);
  return fmt::format("{:.4g}", d);
}

std::string Top(const Json& c) {
  if (!c.contains("top_values")) return "";
  int64_t count = std::max<int64_t>(1, c["count"].get<int64_t>());
  std::string out;
  int shown = 0;
  for (const auto& v : c["top_values"]) {
    if (shown++ == 3) break;
    std::string value = v["value"].is_string() ? v["value"].get<std::string>() : v["value"].dump();
    if (value.size() > 14) value = value.substr(0, 13) + "~";
    out += fmt::format("{}{} {:.0f}%", out.empty() ? "" : ", ", value,
                       100.0 * static_cast<double>(v["count"].get<int64_t>()) / static_cast<double>(count));
  }
  return out;
}

}  // namespace

std::string Sparkline(const Json& counts) {
  static const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  int64_t max = 0;
  for (const auto& c : counts) max = std::max(max, c.get<int64_t>());
  std::string out;
  for (const auto& c : counts) {
    int64_t v = c.get<int64_t>();
    int level = max == 0 ? 0 : static_cast<int>(std::lround(7.0 * static_cast<double>(v) / static_cast<double>(max)));
    out += v == 0 ? " " : kBlocks[level];
  }
  return out;
}

std::string RenderProfile(const Json& p) {
  std::string out = fmt::format("{} v{}: {} rows x {} columns, {} duplicate rows\n\n", p.value("name", ""),
                                p.value("version", 0), p["rows"].get<int64_t>(), p["columns"].get<int64_t>(),
                                p["duplicate_rows"].get<int64_t>());
  Table t;
  t.headers = {"COLUMN", "TYPE", "MISSING", "DISTINCT", "MIN", "MEAN", "MAX", "DISTRIBUTION / TOP VALUES"};
  for (const auto& c : p["column_profiles"]) {
    std::string min = "-", mean = "-", max = "-", dist = Top(c);
    if (c.contains("numeric")) {
      min = Num(c["numeric"]["min"]);
      mean = Num(c["numeric"]["mean"]);
      max = Num(c["numeric"]["max"]);
      if (c["type"] != "bool") dist = Sparkline(c["numeric"]["histogram"]["counts"]);
    } else if (c.contains("timestamp")) {
      min = c["timestamp"]["min"].is_string() ? c["timestamp"]["min"].get<std::string>().substr(0, 10) : "-";
      max = c["timestamp"]["max"].is_string() ? c["timestamp"]["max"].get<std::string>().substr(0, 10) : "-";
      dist = Sparkline(c["timestamp"]["histogram"]["counts"]);
    }
    std::string distinct = c.contains("distinct") ? Num(c["distinct"]) + (c.value("distinct_exact", true) ? "" : "~") : "-";
    t.rows.push_back({c["name"], c["type"], fmt::format("{:.1f}%", c["null_fraction"].get<double>() * 100), distinct,
                      min, mean, max, dist});
  }
  out += t.Render();
  if (!p["warnings"].empty()) {
    out += "\nWarnings:\n";
    for (const auto& w : p["warnings"]) out += "  ! " + w["message"].get<std::string>() + "\n";
  }
  if (p.contains("target")) {
    const Json& target = p["target"];
    out += fmt::format("\nTarget '{}' ({})", target["name"].get<std::string>(), target["kind"].get<std::string>());
    if (target.contains("class_balance")) {
      out += ":";
      for (const auto& b : target["class_balance"]) {
        std::string value = b["value"].is_string() ? b["value"].get<std::string>() : b["value"].dump();
        out += fmt::format(" {} {} ({:.1f}%)", value, b["count"].get<int64_t>(), b["fraction"].get<double>() * 100);
      }
      if (target["imbalance_ratio"].is_number()) out += fmt::format("; imbalance ratio {:.2f}", target["imbalance_ratio"].get<double>());
    }
    out += "\n";
  }
  // The strongest correlations, so they need not be read off a matrix.
  const Json& m = p["correlations"]["pearson"];
  std::vector<std::tuple<double, std::string, std::string>> pairs;
  for (size_t i = 0; i < m["columns"].size(); ++i) {
    for (size_t j = i + 1; j < m["columns"].size(); ++j) {
      if (m["matrix"][i][j].is_number()) {
        pairs.emplace_back(m["matrix"][i][j].get<double>(), m["columns"][i], m["columns"][j]);
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    return std::fabs(std::get<0>(a)) > std::fabs(std::get<0>(b));
  });
  if (!pairs.empty()) {
    out += "\nStrongest correlations (Pearson):\n";
    for (size_t i = 0; i < std::min<size_t>(5, pairs.size()); ++i) {
      out += fmt::format("  {:+.3f}  {} ~ {}\n", std::get<0>(pairs[i]), std::get<1>(pairs[i]), std::get<2>(pairs[i]));
    }
  }
  return out;
}

}  // namespace strata::cli
