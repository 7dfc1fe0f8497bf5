#include "ml/tree_ensemble.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace strata::ml {
namespace {

Status Unsupported(std::string_view what) {
  return InvalidArgumentError(
      fmt::format("xgboost model: {} (not supported by the compiled evaluator)", what));
}

// XGBoost writes its parameters as strings ("5E-1") and tree arrays as numbers.
Result<double> NumberParam(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key))
    return Unsupported(fmt::format("'{}' is missing", key));
  const Json& v = object[key];
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && *end == '\0') return d;
  }
  return Unsupported(fmt::format("'{}' is not a number", key));
}

// An array of numbers of the expected length.
Result<std::vector<double>> Numbers(const Json& tree, const char* key, size_t n) {
  if (!tree.contains(key) || !tree[key].is_array() || tree[key].size() != n) {
    return Unsupported(fmt::format("tree field '{}' is missing or of the wrong length", key));
  }
  std::vector<double> out;
  out.reserve(n);
  for (const Json& v : tree[key]) {
    if (v.is_boolean()) {  // default_left, in writers that spell it as booleans
      out.push_back(v.get<bool>() ? 1 : 0);
      continue;
    }
    if (!v.is_number()) return Unsupported(fmt::format("tree field '{}' holds a non-number", key));
    out.push_back(v.get<double>());
  }
  return out;
}

float Logit(float p) {
  return -logf(1.0f / p - 1.0f);
}
float Log(float p) {
  return logf(p);
}
float Same(float p) {
  return p;
}

}  // namespace

Result<TreeEnsemble> TreeEnsemble::Compile(const Json& model, int iteration_end) {
  if (!model.is_object() || !model.contains("learner") || !model["learner"].is_object()) {
    return Unsupported("no learner");
  }
  const Json& learner = model["learner"];
  TreeEnsemble e;

  const std::string objective = learner.contains("objective") && learner["objective"].is_object()
                                    ? learner["objective"].value("name", "")
                                    : "";
  // The link of each objective as libxgboost 1.6 applies it: ProbToMargin turns the
  // base score into the starting margin, PredTransform the margin into the output.
  struct Link {
    const char* objective;
    float (*to_margin)(float base_score);
    MarginLink transform;
  };
  static constexpr Link kLinks[] = {
      {"binary:logistic", Logit, MarginLink::kLogit},
      {"reg:logistic", Logit, MarginLink::kLogit},
      {"multi:softprob", Same, MarginLink::kSoftmax},
      {"reg:squarederror", Same, MarginLink::kIdentity},
      {"count:poisson", Log, MarginLink::kLog},
      {"reg:tweedie", Log, MarginLink::kLog},
      {"reg:gamma", Log, MarginLink::kLog},
  };
  const Link* link = nullptr;
  for (const Link& l : kLinks) {
    if (objective == l.objective) link = &l;
  }
  if (link == nullptr) return Unsupported(fmt::format("objective '{}'", objective));
  e.link_ = link->transform;

  const Json& param =
      learner.contains("learner_model_param") ? learner["learner_model_param"] : Json();
  STRATA_ASSIGN_OR_RETURN(double base_score, NumberParam(param, "base_score"));
  STRATA_ASSIGN_OR_RETURN(double num_class, NumberParam(param, "num_class"));
  if (param.contains("num_target")) {
    STRATA_ASSIGN_OR_RETURN(double targets, NumberParam(param, "num_target"));
    if (targets != 1) return Unsupported("more than one target");
  }
  e.base_margin_ = link->to_margin(static_cast<float>(base_score));
  e.groups_ = std::max(1, static_cast<int>(num_class));
  if ((e.link_ == MarginLink::kSoftmax) != (e.groups_ > 1))
    return Unsupported("classes and objective disagree");

  const Json& booster = learner.contains("gradient_booster") ? learner["gradient_booster"] : Json();
  if (!booster.is_object() || booster.value("name", "") != "gbtree") {
    return Unsupported(
        fmt::format("booster '{}'", booster.is_object() ? booster.value("name", "") : ""));
  }
  const Json& gbtree = booster.contains("model") ? booster["model"] : Json();
  if (!gbtree.is_object() || !gbtree.contains("trees") || !gbtree["trees"].is_array() ||
      !gbtree.contains("tree_info") || !gbtree["tree_info"].is_array() ||
      gbtree["tree_info"].size() != gbtree["trees"].size()) {
    return Unsupported("malformed gbtree model");
  }
  double parallel = 1;
  if (gbtree.contains("gbtree_model_param")) {
    STRATA_ASSIGN_OR_RETURN(parallel,
                            NumberParam(gbtree["gbtree_model_param"], "num_parallel_tree"));
  }
  // Rounds [0, iteration_end) hold these trees, as libxgboost's LayerToTree counts them.
  const size_t per_round =
      static_cast<size_t>(std::max(1.0, parallel)) * static_cast<size_t>(e.groups_);
  const size_t num_trees =
      std::min(gbtree["trees"].size(), static_cast<size_t>(std::max(0, iteration_end)) * per_round);

  for (size_t t = 0; t < num_trees; ++t) {
    const Json& tree = gbtree["trees"][t];
    const Json& group = gbtree["tree_info"][t];
    if (!tree.is_object() || !group.is_number_integer() || group.get<int>() < 0 ||
        group.get<int>() >= e.groups_) {
      return Unsupported(fmt::format("tree {} is malformed", t));
    }
    const Json& tp = tree.contains("tree_param") ? tree["tree_param"] : Json();
    STRATA_ASSIGN_OR_RETURN(double nodes_d, NumberParam(tp, "num_nodes"));
    if (tp.contains("size_leaf_vector")) {
      STRATA_ASSIGN_OR_RETURN(double leaf_vector, NumberParam(tp, "size_leaf_vector"));
      if (leaf_vector > 1) return Unsupported("vector leaves");
    }
    const size_t n = static_cast<size_t>(nodes_d);
    if (n == 0) return Unsupported(fmt::format("tree {} has no nodes", t));
    STRATA_ASSIGN_OR_RETURN(auto left, Numbers(tree, "left_children", n));
    STRATA_ASSIGN_OR_RETURN(auto right, Numbers(tree, "right_children", n));
    STRATA_ASSIGN_OR_RETURN(auto feature, Numbers(tree, "split_indices", n));
    STRATA_ASSIGN_OR_RETURN(auto value, Numbers(tree, "split_conditions", n));
    STRATA_ASSIGN_OR_RETURN(auto default_left, Numbers(tree, "default_left", n));
    if (tree.contains("split_type")) {
      STRATA_ASSIGN_OR_RETURN(auto split_type, Numbers(tree, "split_type", n));
      if (std::any_of(split_type.begin(), split_type.end(), [](double s) { return s != 0; })) {
        return Unsupported("categorical splits");
      }
    }
    // Lay the reachable nodes out breadth-first with each split's children side by side.
    const uint32_t root = static_cast<uint32_t>(e.nodes_.size());
    e.nodes_.push_back({});
    // (xgboost node, our slot, depth)
    std::deque<std::tuple<size_t, uint32_t, uint32_t>> queue = {{0, root, 0}};
    size_t visited = 0;
    uint32_t depth = 0;
    while (!queue.empty()) {
      auto [x, slot, level] = queue.front();
      queue.pop_front();
      if (++visited > n) return Unsupported(fmt::format("tree {} has a cycle", t));
      depth = std::max(depth, level);
      Node node{static_cast<float>(value[x]), kLeaf, slot};  // a leaf steps to itself
      if (left[x] >= 0) {
        const double l = left[x], r = right[x];
        if (l >= static_cast<double>(n) || r < 0 || r >= static_cast<double>(n) || feature[x] < 0 ||
            feature[x] > static_cast<double>(kFeatureMask)) {
          return Unsupported(fmt::format("tree {} node {} is malformed", t, x));
        }
        const uint32_t f = static_cast<uint32_t>(feature[x]);
        e.num_features_ = std::max(e.num_features_, static_cast<size_t>(f) + 1);
        node.feature = f | (default_left[x] != 0 ? kDefaultLeft : 0);
        node.left = static_cast<uint32_t>(e.nodes_.size());
        e.nodes_.push_back({});
        e.nodes_.push_back({});
        queue.emplace_back(static_cast<size_t>(l), node.left, level + 1);
        queue.emplace_back(static_cast<size_t>(r), node.left + 1, level + 1);
      }
      e.nodes_[slot] = node;
    }
    e.roots_.push_back(root);
    e.depths_.push_back(depth);
    e.groups_of_.push_back(static_cast<uint32_t>(group.get<int>()));
  }
  return e;
}

std::vector<float> TreeEnsemble::Predict(Matrix x) const {
  std::vector<float> out(x.rows * static_cast<size_t>(groups_), base_margin_);
  AddTrees(x, out.data());
  ApplyTransform(x.rows, out.data());
  return out;
}

void TreeEnsemble::AddTrees(Matrix x, float* margins) const {
  const size_t g = static_cast<size_t>(groups_);
  float* out = margins;
  // Blocks of rows tree by tree keep a tree's nodes in cache across the block, and the
  // block's rows walk the tree in lockstep, one level at a time for the tree's depth
  // (a leaf steps to itself): their walks are independent, so the core overlaps them,
  // and without a branch per split there is no misprediction. Each row still sums its
  // trees in boosting order, in float, as libxgboost does.
  constexpr size_t kBlock = 64;
  uint32_t at[kBlock];
  for (size_t begin = 0; begin < x.rows; begin += kBlock) {
    const size_t count = std::min(x.rows - begin, kBlock);
    const float* rows = x.row(begin);
    for (size_t t = 0; t < roots_.size(); ++t) {
      std::fill_n(at, count, roots_[t]);
      for (uint32_t level = 0; level < depths_[t]; ++level) {
        for (size_t r = 0; r < count; ++r) {
          const Node& n = nodes_[at[r]];
          const float v = rows[r * x.cols + (n.feature & kFeatureMask)];
          // As libxgboost's GetNextNode: missing follows the default, else `x < threshold` left.
          const bool right = std::isnan(v) ? (n.feature & kDefaultLeft) == 0 : !(v < n.value);
          at[r] = n.left + static_cast<uint32_t>(right & ((n.feature & kLeaf) == 0));
        }
      }
      float* acc = out + begin * g + groups_of_[t];
      for (size_t r = 0; r < count; ++r) acc[r * g] += nodes_[at[r]].value;
    }
  }
}

void TreeEnsemble::ApplyTransform(size_t rows, float* values) const {
  const int g = groups_;
  auto each_row = [&](auto apply) {
    for (size_t r = 0; r < rows; ++r) apply(values + r * static_cast<size_t>(g), g);
  };
  switch (link_) {
    case MarginLink::kIdentity: break;
    case MarginLink::kLogit: each_row(ApplyLink<MarginLink::kLogit>); break;
    case MarginLink::kLog: each_row(ApplyLink<MarginLink::kLog>); break;
    case MarginLink::kSoftmax: each_row(ApplyLink<MarginLink::kSoftmax>); break;
  }
}

}  // namespace strata::ml
