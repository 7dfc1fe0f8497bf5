// The bias report as a self-contained HTML page, drawn with data/html_charts.h like the
// evaluation report: a bar chart per metric with a bar per facet group, then the
// tables of group sizes and rates.
#include <cmath>

#include <fmt/format.h>

#include "data/data.h"
#include "platform/bias.h"

namespace strata::platform {
namespace {

namespace html = data::html;

struct MetricInfo {
  const char* key;
  const char* title;
  double min, max;  // the chart's axis; max grows to fit the data
};

// Differences run over [-1, 1]; divergences from 0; disparate impact is a ratio
// whose fair value is 1.
constexpr MetricInfo kPreTraining[] = {
    {"class_imbalance", "Class imbalance (CI)", -1, 1},
    {"dpl", "Difference in proportions of labels (DPL)", -1, 1},
    {"kl", "KL divergence", 0, 0.1},
    {"js", "JS divergence", 0, 0.1},
};
constexpr MetricInfo kPostTraining[] = {
    {"dppl", "Difference in positive prediction rates (DPPL)", -1, 1},
    {"disparate_impact", "Disparate impact (DI)", 0, 1.25},
    {"accuracy_difference", "Accuracy difference (AD)", -1, 1},
    {"recall_difference", "Recall difference (equal opportunity)", -1, 1},
    {"fpr_difference", "False positive rate difference", -1, 1},
};

std::string Num(const Json& v) {
  if (v.is_number_float()) return fmt::format("{:.4f}", v.get<double>());
  return html::FormatValue(v);
}

std::string Card(const std::string& title, const std::string& body) {
  return fmt::format("<div class=card><h3>{}</h3>{}</div>", html::Esc(title), body);
}

std::string MetricChart(const Json& entries, const MetricInfo& m) {
  std::vector<std::string> groups;
  std::vector<double> values;
  double max = m.max;
  for (const auto& e : entries) {
    groups.push_back(e["facet_value"].get<std::string>());
    const Json& v = e[m.key];
    values.push_back(v.is_number() ? v.get<double>() : NAN);
    if (v.is_number()) max = std::max(max, v.get<double>() * 1.1);
  }
  return Card(m.title, html::GroupedBarsSvg(groups, {m.key}, {values}, max, m.min));
}

std::string Table(const std::vector<std::string>& headers,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string t = "<table class=metrics><tr>";
  for (const auto& h : headers) t += fmt::format("<th>{}</th>", html::Esc(h));
  t += "</tr>";
  for (const auto& row : rows) {
    t += "<tr>";
    for (const auto& c : row) t += fmt::format("<td>{}</td>", html::Esc(c));
    t += "</tr>";
  }
  return t + "</table>";
}

std::string PreTraining(const Json& entries) {
  std::string out = "<section><h2>Pre-training: the labels</h2><div class=grid>";
  for (const auto& m : kPreTraining) out += MetricChart(entries, m);
  out += "</div></section>";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : entries) {
    rows.push_back({e["facet_value"].get<std::string>(), Num(e["d"]["rows"]), Num(e["a"]["rows"]),
                    Num(e["d"]["positive_rate"]), Num(e["a"]["positive_rate"]),
                    Num(e["class_imbalance"]), Num(e["dpl"]), Num(e["kl"]), Num(e["js"])});
  }
  return out + "<section class=card>" +
         Table({"group d", "rows d", "rows a (rest)", "positive rate d", "positive rate a", "CI",
                "DPL", "KL", "JS"},
               rows) +
         "</section>";
}

std::string PostTraining(const Json& entries) {
  std::string out = "<section><h2>Post-training: the model's predictions</h2><div class=grid>";
  for (const auto& m : kPostTraining) out += MetricChart(entries, m);
  out += "</div></section>";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : entries) {
    for (const char* side : {"d", "a"}) {
      const Json& r = e[side];
      rows.push_back({std::string(side) == "d" ? e["facet_value"].get<std::string>() : "rest (a)",
                      Num(r["rows"]), Num(r["predicted_positive_rate"]), Num(r["accuracy"]),
                      Num(r["recall"]), Num(r["fpr"]), Num(r["tp"]), Num(r["fp"]), Num(r["tn"]),
                      Num(r["fn"])});
    }
  }
  return out + "<section class=card>" +
         Table({"group", "rows", "predicted positive rate", "accuracy", "recall (TPR)", "FPR", "TP",
                "FP", "TN", "FN"},
               rows) +
         "</section>";
}

}  // namespace

std::string RenderBiasHtml(const Json& r) {
  const Json& dataset = r["dataset"];
  std::string title =
      fmt::format("Bias of '{}' on {} v{}", r["facet"].get<std::string>(),
                  dataset["name"].get<std::string>(), dataset["version"].get<int64_t>());
  std::string subtitle =
      fmt::format("Bias report by Strata {}: target '{}', positive class '{}'", core::Version(),
                  r["target"].get<std::string>(), r["positive"].get<std::string>());
  if (r.contains("model")) {
    subtitle += fmt::format(", model {} v{}", r["model"]["name"].get<std::string>(),
                            r["model"]["version"].get<int64_t>());
  }
  std::string out = html::PageStart(title, subtitle);
  const Json& rows = r["rows"];
  out += "<section class=card>" + html::Kpi("rows counted", html::FormatValue(rows["counted"])) +
         html::Kpi("facet missing", html::FormatValue(rows["missing_facet"])) +
         html::Kpi("target missing", html::FormatValue(rows["missing_target"])) +
         html::Kpi("groups reported", std::to_string(r["pre_training"].size())) + "</section>";
  out +=
      "<p class=muted>Each group d is compared with all other rows a. CI = (n_a − n_d)/(n_a + "
      "n_d); DPL = "
      "q_a − q_d; KL and JS divergences of the label distributions (natural log); DPPL = q'_a − "
      "q'_d; DI = "
      "q'_d/q'_a; differences of accuracy, recall and false positive rate are a − d. “undefined” "
      "marks a "
      "division by zero or an infinite divergence; the notes say which.</p>";
  std::string warnings;
  auto add = [&warnings](const std::string& prefix, const Json& notes) {
    for (const auto& n : notes) {
      warnings += fmt::format("<div class=warn>{}{}</div>", html::Esc(prefix),
                              html::Esc(n.get<std::string>()));
    }
  };
  add("", r.value("notes", Json::array()));
  for (const char* part : {"pre_training", "post_training"}) {
    for (const auto& e : r.value(part, Json::array())) {
      add(fmt::format("{} '{}': ", part, e["facet_value"].get<std::string>()),
          e.value("notes", Json::array()));
    }
  }
  if (!warnings.empty()) out += "<section><h2>Notes</h2>" + warnings + "</section>";
  out += PreTraining(r["pre_training"]);
  if (r.contains("post_training")) out += PostTraining(r["post_training"]);
  return out + html::PageEnd();
}

}  // namespace strata::platform
