// The evaluation as a self-contained HTML page, drawn with data/html_charts.h like the
// dataset profile: no scripts, no network resources.
#include <algorithm>

#include <fmt/format.h>

#include "data/data.h"
#include "platform/evaluation.h"

namespace strata::platform {
namespace {

namespace html = data::html;

std::string Num(const Json& v) {
  if (v.is_number_float()) return fmt::format("{:.4f}", v.get<double>());
  return html::FormatValue(v);
}

std::string Card(const std::string& title, const std::string& body) {
  return fmt::format("<div class=card><h2>{}</h2>{}</div>", html::Esc(title), body);
}

std::vector<html::Point> CurvePoints(const Json& curve, const char* x, const char* y) {
  std::vector<html::Point> out;
  for (const auto& p : curve) out.push_back({p[x].get<double>(), p[y].get<double>()});
  return out;
}

// Precision, recall, F1 and support per class, then the macro and weighted averages.
std::string ClassTable(const Json& m) {
  std::string t =
      "<table "
      "class=metrics><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</"
      "th></tr>";
  for (const auto& c : m["per_class"]) {
    t += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     html::Esc(c["class"].get<std::string>()), Num(c["precision"]),
                     Num(c["recall"]), Num(c["f1"]), Num(c["support"]));
  }
  for (const char* avg : {"macro", "weighted"}) {
    const Json& a = m[avg];
    t += fmt::format("<tr><td><b>{} avg</b></td><td>{}</td><td>{}</td><td>{}</td><td></td></tr>",
                     avg, Num(a["precision"]), Num(a["recall"]), Num(a["f1"]));
  }
  return t + "</table>";
}

std::string PerClassBars(const Json& m) {
  std::vector<std::string> labels;
  std::vector<std::vector<double>> values(3);
  for (const auto& c : m["per_class"]) {
    labels.push_back(c["class"].get<std::string>());
    values[0].push_back(c["precision"].get<double>());
    values[1].push_back(c["recall"].get<double>());
    values[2].push_back(c["f1"].get<double>());
  }
  return html::GroupedBarsSvg(labels, {"precision", "recall", "F1"}, values, 1.0);
}

std::string ConfusionHeatmap(const std::vector<std::string>& classes,
                             const std::vector<std::vector<int64_t>>& counts) {
  std::vector<std::vector<std::optional<double>>> values;
  for (const auto& row : counts) {
    values.emplace_back();
    for (int64_t v : row) values.back().push_back(static_cast<double>(v));
  }
  return html::HeatmapSvg(classes, classes, values, html::HeatScale::kSequential, true, "actual",
                          "predicted");
}

std::string Classification(const Json& e) {
  const Json& m = e["metrics"];
  const bool binary = e["model"]["problem"] == "binary_classification";
  std::vector<std::string> classes = e["model"]["classes"].get<std::vector<std::string>>();
  std::string out = "<section class=grid>";
  std::vector<std::pair<std::string, std::string>> overall = {{"accuracy", Num(m["accuracy"])},
                                                              {"log loss", Num(m["log_loss"])}};
  std::vector<std::vector<int64_t>> confusion;
  if (binary) {
    overall.insert(overall.begin() + 1,
                   {{"ROC AUC", Num(m["roc_auc"])},
                    {"PR AUC (average precision)", Num(m["pr_auc"])},
                    {fmt::format("precision ({})", classes[1]), Num(m["precision"])},
                    {fmt::format("recall ({})", classes[1]), Num(m["recall"])},
                    {fmt::format("F1 ({})", classes[1]), Num(m["f1"])}});
    overall.emplace_back("decision threshold", Num(e["threshold"]));
    const Json& c = m["confusion_matrix"];
    confusion = {{c["tn"].get<int64_t>(), c["fp"].get<int64_t>()},
                 {c["fn"].get<int64_t>(), c["tp"].get<int64_t>()}};
    if (m["roc_curve"].empty()) {
      out +=
          Card("ROC curve", "<p class=muted>undefined: the evaluated rows hold one class only</p>");
    } else {
      out +=
          Card("ROC curve", html::CurveSvg({{fmt::format("ROC (AUC {})", Num(m["roc_auc"])),
                                             "line-a", CurvePoints(m["roc_curve"], "fpr", "tpr")}},
                                           "false positive rate", "true positive rate", true));
      out += Card("Precision-recall curve",
                  html::CurveSvg({{fmt::format("PR (AP {})", Num(m["pr_auc"])), "line-b",
                                   CurvePoints(m["pr_curve"], "recall", "precision")}},
                                 "recall", "precision", false));
    }
  } else {
    overall.emplace(overall.begin() + 1, "ROC AUC (one-vs-rest, macro)", Num(m["roc_auc_ovr"]));
    confusion = m["confusion_matrix"].get<std::vector<std::vector<int64_t>>>();
  }
  out += Card(binary ? fmt::format("Confusion matrix (threshold {})", Num(e["threshold"]))
                     : "Confusion matrix",
              ConfusionHeatmap(classes, confusion));
  out += Card("Per class", PerClassBars(m));
  out += "</section><section class=grid>";
  out += Card("Metrics", html::StatsTable(overall));
  out += Card("By class", ClassTable(m));
  return out + "</section>";
}

std::string Regression(const Json& e) {
  const Json& m = e["metrics"];
  const Json& charts = e["charts"];
  std::vector<html::Point> points;
  for (const auto& p : charts["scatter"])
    points.push_back({p[0].get<double>(), p[1].get<double>()});
  std::vector<int64_t> counts = charts["residual_histogram"]["counts"].get<std::vector<int64_t>>();
  const Json& edges = charts["residual_histogram"]["edges"];
  std::string out = "<section class=grid>";
  out += Card(fmt::format("Predicted vs actual ({} of {} rows)", points.size(),
                          e["rows"]["evaluated"].get<int64_t>()),
              html::ScatterSvg(points, "actual", "predicted", true));
  out += Card("Residuals (actual − predicted)",
              edges.empty()
                  ? html::HistogramSvg({}, "", "")
                  : html::HistogramSvg(counts, html::FormatNumber(edges.front().get<double>()),
                                       html::FormatNumber(edges.back().get<double>())));
  const Json& r = m["residuals"];
  out += Card("Metrics", html::StatsTable({{"RMSE", Num(m["rmse"])},
                                           {"MAE", Num(m["mae"])},
                                           {"R²", Num(m["r2"])},
                                           {"MAPE", Num(m["mape"])},
                                           {"rows with actual 0 (MAPE)", Num(m["zero_actuals"])},
                                           {"residual mean", Num(r["mean"])},
                                           {"residual std", Num(r["std"])},
                                           {"residual p5", Num(r["p5"])},
                                           {"residual median", Num(r["p50"])},
                                           {"residual p95", Num(r["p95"])}}));
  return out + "</section>";
}

// {column: value} as bars, largest first, at most `top` of them.
std::string ColumnBars(const Json& values, size_t top = 15) {
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& [column, v] : values.items()) {
    if (v.is_number()) bars.emplace_back(column, v.get<double>());
  }
  std::stable_sort(bars.begin(), bars.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (bars.size() > top) bars.resize(top);
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.second);
  return html::BarsSvg(bars, max, "{:.4g}");
}

std::string PartialDependenceChart(const Json& pd, const std::string& problem) {
  static const char* kLines[] = {"line-a", "line-b", "line-c", "line-d"};
  const std::string column = pd["column"].get<std::string>();
  const std::string y_label = problem == "regression" ? "mean prediction" : "mean probability";
  const Json& grid = pd["grid"];
  const Json& series = pd["series"];
  if (pd["kind"] == "categorical") {
    std::vector<std::string> labels, names;
    std::vector<std::vector<double>> values;
    double max = 0, min = 0;
    for (const auto& g : grid) labels.push_back(g.is_string() ? g.get<std::string>() : g.dump());
    for (size_t s = 0; s < series.size() && s < 3; ++s) {
      const std::string name = series[s]["name"].get<std::string>();
      names.push_back(problem == "regression" ? name : fmt::format("P({})", name));
      values.push_back(series[s]["values"].get<std::vector<double>>());
      for (double v : values.back()) {
        max = std::max(max, v);
        min = std::min(min, v);
      }
    }
    return html::GroupedBarsSvg(labels, names, values, max, min);  // a regression may be < 0
  }
  std::vector<html::Series> lines;
  for (size_t s = 0; s < series.size() && s < std::size(kLines); ++s) {
    std::string name = series[s]["name"].get<std::string>();
    if (problem != "regression") name = fmt::format("P({})", name);
    html::Series line{name, kLines[s], {}};
    const Json& values = series[s]["values"];
    for (size_t i = 0; i < grid.size() && i < values.size(); ++i) {
      line.points.push_back({grid[i].get<double>(), values[i].get<double>()});
    }
    lines.push_back(std::move(line));
  }
  return html::LineSvg(lines, column, y_label);
}

// Importance (from training), the SHAP summary and partial dependence of the top columns.
std::string Explanations(const Json& e) {
  if (!e.contains("explanations")) return "";
  const Json& x = e["explanations"];
  const std::string problem = e["model"]["problem"].get<std::string>();
  std::string cards;
  if (x.contains("importance")) {
    for (const auto& [kind, imp] : x["importance"].items()) {
      if (!imp.is_object() || !imp.contains("values")) continue;
      std::string title = fmt::format("Importance: {}", kind);
      if (kind == "permutation") {
        title =
            fmt::format("Permutation importance (drop of validation {})", imp.value("metric", ""));
      }
      cards += Card(
          title, ColumnBars(imp["values"]) +
                     fmt::format("<p class=muted>{}</p>", html::Esc(imp.value("description", ""))));
    }
  }
  if (x.contains("shap_summary")) {
    const Json& s = x["shap_summary"];
    cards += Card(fmt::format("SHAP summary ({} rows)", s["rows"].get<int64_t>()),
                  ColumnBars(s["values"]) + fmt::format("<p class=muted>{} ({}, link {})</p>",
                                                        html::Esc(s.value("description", "")),
                                                        html::Esc(s.value("method", "")),
                                                        html::Esc(s.value("link", ""))));
  }
  for (const auto& pd : x.value("partial_dependence", Json::array())) {
    cards += Card(fmt::format("Partial dependence: {}", pd["column"].get<std::string>()),
                  PartialDependenceChart(pd, problem));
  }
  std::string notes;
  for (const auto& n : x.value("notes", Json::array())) {
    notes += fmt::format("<p class=muted>{}</p>", html::Esc(n.get<std::string>()));
  }
  if (cards.empty() && notes.empty()) return "";
  return "<h2>Explanations</h2>" + notes + "<section class=grid>" + cards + "</section>";
}

// Clustering, anomaly detection and dimensionality reduction: the charts each has.
std::string Unsupervised(const Json& e) {
  const Json& m = e["metrics"];
  const std::string problem = e["model"]["problem"];
  std::string out = "<section class=grid>";
  if (problem == "clustering") {
    std::vector<std::pair<std::string, double>> bars;
    double max = 1;
    const auto sizes = m["cluster_sizes"].get<std::vector<int64_t>>();
    for (size_t c = 0; c < sizes.size(); ++c) {
      bars.emplace_back(fmt::format("cluster {}", c), static_cast<double>(sizes[c]));
      max = std::max(max, static_cast<double>(sizes[c]));
    }
    out += Card("Cluster sizes (rows)", html::BarsSvg(bars, max, "{:.0f}"));
    out += Card("Metrics", html::StatsTable({{"clusters", Num(m["clusters"])},
                                             {"inertia (sum of squared distances)", Num(m["inertia"])},
                                             {"mean distance to centre", Num(m["mean_distance"])},
                                             {"silhouette", Num(m["silhouette"])},
                                             {"rows in the silhouette sample", Num(m["silhouette_rows"])}}));
  } else if (problem == "anomaly_detection") {
    const Json& h = e["charts"]["score_histogram"];
    out += Card("Anomaly scores", html::HistogramSvg(h["counts"].get<std::vector<int64_t>>(),
                                                     html::FormatNumber(h["edges"].front().get<double>()),
                                                     html::FormatNumber(h["edges"].back().get<double>())));
    std::vector<std::pair<std::string, std::string>> rows = {{"rows flagged", Num(m["flagged"])},
                                                             {"share flagged", Num(m["flagged_rate"])},
                                                             {"score median", Num(m["score_p50"])},
                                                             {"score p90", Num(m["score_p90"])},
                                                             {"score p99", Num(m["score_p99"])}};
    if (m.contains("roc_auc")) {
      const Json& l = m;
      rows.insert(rows.end(), {{"labelled anomalies", Num(l["labelled_anomalies"])},
                               {"ROC AUC (score vs labels)", Num(l["roc_auc"])},
                               {"PR AUC (average precision)", Num(l["pr_auc"])},
                               {"precision of the flags", Num(l["precision"])},
                               {"recall of the flags", Num(l["recall"])}});
    }
    out += Card("Metrics", html::StatsTable(rows));
  } else {
    std::vector<std::pair<std::string, double>> bars;
    const auto ratios = m["explained_variance_ratio"].get<std::vector<double>>();
    for (size_t c = 0; c < ratios.size(); ++c) bars.emplace_back(fmt::format("component {}", c + 1), 100 * ratios[c]);
    out += Card("Explained variance", html::BarsSvg(bars, 100, "{:.1f}%"));
    out += Card("Metrics", html::StatsTable({{"components", Num(m["components"])},
                                             {"total explained variance ratio", Num(m["total_explained_variance_ratio"])},
                                             {"rows sampled", Num(m["sample_rows"])}}));
  }
  return out + "</section>";
}

}  // namespace

std::string RenderEvaluationHtml(const Json& e) {
  const Json& model = e["model"];
  const Json& dataset = e["dataset"];
  std::string title = fmt::format(
      "{} v{} on {} v{}", model["name"].get<std::string>(), model["version"].get<int64_t>(),
      dataset["name"].get<std::string>(), dataset["version"].get<int64_t>());
  std::string out = html::PageStart(
      title, fmt::format("Model evaluation by Strata {}: {} {}{}", core::Version(),
                         model["algorithm"].get<std::string>(), model["problem"].get<std::string>(),
                         model["target"] == "" ? "" : fmt::format(" predicting '{}'", model["target"].get<std::string>())));
  const Json& rows = e["rows"];
  const std::string problem = model["problem"];
  if (problem == "clustering" || problem == "anomaly_detection" || problem == "dimensionality_reduction") {
    out += "<section class=card>" + html::Kpi("rows evaluated", html::FormatValue(rows["evaluated"]));
    const Json& m = e["metrics"];
    if (problem == "clustering") out += html::Kpi("silhouette", Num(m["silhouette"]));
    if (problem == "anomaly_detection") out += html::Kpi("flagged", Num(m["flagged"]));
    if (m.contains("roc_auc")) out += html::Kpi("ROC AUC", Num(m["roc_auc"]));
    if (problem == "dimensionality_reduction") {
      out += html::Kpi("explained variance", Num(m["total_explained_variance_ratio"]));
    }
    return out + "</section>" + Unsupervised(e) + html::PageEnd();
  }
  out += "<section class=card>" +
         html::Kpi("rows evaluated", html::FormatValue(rows["evaluated"])) +
         html::Kpi("without target", html::FormatValue(rows["missing_target"]));
  if (model["problem"] != "regression") {
    out += html::Kpi("unseen class", html::FormatValue(rows["unseen_class"]));
    out += html::Kpi("accuracy", Num(e["metrics"]["accuracy"]));
    if (e["metrics"].contains("roc_auc")) out += html::Kpi("ROC AUC", Num(e["metrics"]["roc_auc"]));
    if (e["metrics"].contains("macro"))
      out += html::Kpi("macro F1", Num(e["metrics"]["macro"]["f1"]));
  } else {
    out += html::Kpi("RMSE", Num(e["metrics"]["rmse"])) + html::Kpi("R²", Num(e["metrics"]["r2"]));
  }
  out += "</section>";
  std::string warnings;
  if (e.contains("unseen_classes")) {
    for (const auto& u : e["unseen_classes"]) {
      warnings += fmt::format(
          "<div class=warn>{} rows have class '{}', which the model was not trained on: not "
          "evaluated</div>",
          u["rows"].get<int64_t>(), html::Esc(u["class"].get<std::string>()));
    }
  }
  for (const auto& n : e.value("notes", Json::array())) {
    warnings += fmt::format("<div class=warn>{}</div>", html::Esc(n.get<std::string>()));
  }
  if (!warnings.empty()) out += "<section><h2>Warnings</h2>" + warnings + "</section>";
  out += model["problem"] == "regression" ? Regression(e) : Classification(e);
  out += Explanations(e);
  return out + html::PageEnd();
}

}  // namespace strata::platform
