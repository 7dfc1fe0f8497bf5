#include "ml/permutation_importance.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "core/core.h"
#include "ml/metrics.h"

namespace strata::ml {
namespace {

// The main metric of `problem` for Predict's output `pred` (metrics.h's definitions).
Result<double> Score(Problem problem, int num_classes, const std::vector<float>& pred,
                     const std::vector<int>& classes, const std::vector<double>& values) {
  if (problem == Problem::kBinaryClassification) {
    std::vector<double> scores(pred.begin(), pred.end());
    STRATA_ASSIGN_OR_RETURN(BinaryMetrics m, EvaluateBinary(classes, scores, 0.5, 2));
    return m.roc_auc;
  }
  if (problem == Problem::kMulticlassClassification) {
    std::vector<double> probs(pred.begin(), pred.end());
    std::vector<std::string> names(static_cast<size_t>(num_classes));
    for (int c = 0; c < num_classes; ++c) names[static_cast<size_t>(c)] = std::to_string(c);
    STRATA_ASSIGN_OR_RETURN(MulticlassMetrics m, EvaluateMulticlass(classes, probs, names));
    return m.accuracy;
  }
  std::vector<double> predicted(pred.begin(), pred.end());
  STRATA_ASSIGN_OR_RETURN(RegressionMetrics m, EvaluateRegression(values, predicted));
  return m.r2;
}

}  // namespace

Result<PermutationImportance> ComputePermutationImportance(
    const Model& model, Matrix x, std::span<const float> labels, Problem problem, int num_classes,
    const std::vector<std::vector<size_t>>& groups, const PermutationOptions& o) {
  if (labels.size() != x.rows) {
    return InvalidArgumentError(fmt::format("{} labels for {} rows", labels.size(), x.rows));
  }
  if (x.rows == 0) return InvalidArgumentError("no rows to compute permutation importance on");
  if (!IsSupervised(problem)) {
    return InvalidArgumentError(
        fmt::format("permutation importance needs a target; {} has none", ProblemName(problem)));
  }
  for (const auto& g : groups) {
    for (size_t f : g) {
      if (f >= x.cols)
        return InvalidArgumentError(fmt::format("feature {} is not below {}", f, x.cols));
    }
  }
  const int repeats = std::max(1, o.repeats);
  std::mt19937_64 rng(o.seed);

  // The rows: all, or a seeded sample small enough for the prediction budget.
  const size_t budget =
      o.max_row_predictions / std::max<size_t>(1, groups.size() * static_cast<size_t>(repeats));
  const size_t want = std::min({x.rows, o.max_rows, std::max(o.min_rows, budget)});
  std::vector<size_t> rows(x.rows);
  std::iota(rows.begin(), rows.end(), 0);
  if (want < x.rows) {
    std::shuffle(rows.begin(), rows.end(), rng);
    rows.resize(want);
    std::sort(rows.begin(), rows.end());
  }
  const size_t n = rows.size(), cols = x.cols;
  std::vector<float> base(n * cols);
  std::vector<int> classes;
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) {
    std::copy_n(x.row(rows[i]), cols, base.data() + i * cols);
    if (IsClassification(problem)) {
      classes.push_back(static_cast<int>(labels[rows[i]]));
    } else {
      values.push_back(labels[rows[i]]);
    }
  }

  PermutationImportance out;
  out.metric = problem == Problem::kBinaryClassification       ? "roc_auc"
               : problem == Problem::kMulticlassClassification ? "accuracy"
                                                               : "r2";
  out.rows = n;
  out.repeats = repeats;
  STRATA_ASSIGN_OR_RETURN(auto pred, model.Predict(Matrix{base.data(), n, cols}));
  STRATA_ASSIGN_OR_RETURN(out.baseline, Score(problem, num_classes, pred, classes, values));
  if (!std::isfinite(out.baseline)) {
    return InvalidArgumentError(
        fmt::format("{} is undefined on these {} rows (one class only?)", out.metric, n));
  }

  // The shuffles are drawn in order first, so the result is the same for any number of
  // threads; the groups are then scored in parallel, each with its own copy of the rows.
  std::vector<std::vector<uint32_t>> perms(groups.size() * static_cast<size_t>(repeats),
                                           std::vector<uint32_t>(n));
  for (auto& perm : perms) {
    std::iota(perm.begin(), perm.end(), 0u);
    std::shuffle(perm.begin(), perm.end(), rng);
  }
  out.mean.assign(groups.size(), 0.0);
  out.stddev.assign(groups.size(), 0.0);
  std::vector<Status> failed(groups.size());
  auto score_group = [&](size_t gi) {
    const auto& group = groups[gi];
    std::vector<float> mine = base;
    const Matrix shuffled_rows{mine.data(), n, cols};
    double sum = 0, sum_sq = 0;
    for (int r = 0; r < repeats; ++r) {
      const auto& perm = perms[gi * static_cast<size_t>(repeats) + static_cast<size_t>(r)];
      for (size_t i = 0; i < n; ++i) {
        for (size_t f : group) mine[i * cols + f] = base[perm[i] * cols + f];
      }
      auto shuffled = model.Predict(shuffled_rows);
      if (!shuffled.ok()) {
        failed[gi] = shuffled.status();
        return;
      }
      auto score = Score(problem, num_classes, *shuffled, classes, values);
      if (!score.ok()) {
        failed[gi] = score.status();
        return;
      }
      const double drop = out.baseline - *score;
      sum += drop;
      sum_sq += drop * drop;
    }
    const double mean = sum / repeats;
    out.mean[gi] = mean;
    out.stddev[gi] = std::sqrt(std::max(0.0, sum_sq / repeats - mean * mean));
  };
  const size_t threads = o.threads > 0 ? static_cast<size_t>(o.threads) : std::thread::hardware_concurrency();
  if (threads > 1 && groups.size() > 1) {
    core::ThreadPool pool(std::min(threads, groups.size()) - 1);
    pool.ParallelForDynamic(groups.size(), score_group);
  } else {
    for (size_t gi = 0; gi < groups.size(); ++gi) score_group(gi);
  }
  for (const Status& s : failed) STRATA_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace strata::ml
