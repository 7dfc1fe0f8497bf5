// The isolation forest (see isolation_forest.h): growing, scoring and the file.
//
// File layout, version 1, all integers and floats little-endian:
//   offset  size  field
//   0       8     magic "STRATAIF"
//   8       4     u32 format version (1)
//   12      4     u32 features (d)
//   16      4     u32 sample size ψ (the c(ψ) normaliser)
//   20      4     u32 trees (T)
//   24      8     f64 contamination (0: the fixed threshold 0.5)
//   32      8     f64 threshold (rows scoring above it are anomalies)
//   40            T trees, each: u32 node count n, then n nodes of 12 bytes:
//                   i32 feature (-1: leaf), f32 threshold (0 in a leaf),
//                   u32 left child index (split; the right child is the next node) or
//                       the number of training sample rows in the leaf (leaf)
//                 node 0 is the root; a child's index is always greater than its parent's;
//                 the leaves' row counts add up to ψ
//   end - 8 8     u64 FNV-1a hash of every byte before it
#include "ml/isolation_forest.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "ml/byte_reader.h"

namespace strata::ml {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the forest file is written in native byte order");

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'I', 'F'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 40, kNodeBytes = 12, kTrailerBytes = 8;
// Limits a file may claim; they keep a damaged header from asking for absurd memory.
constexpr uint32_t kMaxFeatures = 1u << 24, kMaxSampleSize = 1u << 30, kMaxTrees = 1u << 20;
constexpr int kProgressChunks = 10;
constexpr int64_t kLeafTableSize = 4096;  // c(n) looked up below, computed above

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// SplitMix64: spreads (seed, tree) into well-mixed generator seeds.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
}
uint64_t Below(std::mt19937_64& rng, uint64_t n) {  // [0, n); the bias is below 2^-40 for our n
  return rng() % n;
}

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

Status Corrupt(const std::string& why) {
  return InvalidArgumentError("the isolation forest file is corrupt: " + why);
}

}  // namespace

double AveragePathLength(double n) {
  if (n <= 1) return 0;
  if (n <= 2) return 1;
  constexpr double kEulerGamma = 0.5772156649015329;
  return 2.0 * (std::log(n - 1.0) + kEulerGamma) - 2.0 * (n - 1.0) / n;
}

void IsolationForest::Prepare() {
  leaf_adjustment_.resize(static_cast<size_t>(std::min<int64_t>(sample_size_, kLeafTableSize)) + 1);
  for (size_t n = 0; n < leaf_adjustment_.size(); ++n)
    leaf_adjustment_[n] = AveragePathLength(static_cast<double>(n));
  normalizer_ = AveragePathLength(static_cast<double>(sample_size_));
}

IsolationForest::Tree IsolationForest::GrowTree(Matrix x, const IsolationForestOptions& o,
                                                size_t tree_index, int64_t psi) {
  std::mt19937_64 rng(Mix(o.seed ^ Mix(tree_index)));
  const size_t d = x.cols, n = x.rows, m = static_cast<size_t>(psi);

  // The sample: ψ distinct rows (Floyd's algorithm), sorted so the order is the seed's alone.
  std::vector<size_t> rows;
  if (m == n) {
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), size_t{0});
  } else {
    std::unordered_set<size_t> chosen;
    for (size_t j = n - m; j < n; ++j) {
      const size_t t = Below(rng, j + 1);
      chosen.insert(chosen.count(t) ? j : t);
    }
    rows.assign(chosen.begin(), chosen.end());
    std::sort(rows.begin(), rows.end());
  }
  // The tree's features: a share of them, drawn without replacement.
  std::vector<int32_t> features(d);
  std::iota(features.begin(), features.end(), 0);
  const size_t kept =
      std::clamp<size_t>(static_cast<size_t>(o.max_features * static_cast<double>(d)), 1, d);
  for (size_t i = 0; i < kept && kept < d; ++i)
    std::swap(features[i], features[i + Below(rng, d - i)]);
  features.resize(kept);
  // The sampled rows, copied together so the tree reads compact memory.
  std::vector<float> local(m * d);
  for (size_t i = 0; i < m; ++i)
    std::copy_n(x.row(rows[i]), d, local.begin() + static_cast<ptrdiff_t>(i * d));
  std::vector<uint32_t> idx(m);
  std::iota(idx.begin(), idx.end(), 0u);

  const int depth_limit =
      static_cast<int>(std::ceil(std::log2(std::max<double>(static_cast<double>(m), 2))));
  struct Task {
    uint32_t node, begin, end;
    int depth;
  };
  Tree tree(1);
  std::vector<Task> stack = {{0, 0, static_cast<uint32_t>(m), 0}};
  std::vector<int32_t> candidates;
  while (!stack.empty()) {
    const Task t = stack.back();
    stack.pop_back();
    const Node leaf = {-1, 0, t.end - t.begin};
    if (t.depth >= depth_limit || t.end - t.begin <= 1) {
      tree[t.node] = leaf;
      continue;
    }
    // A random feature that is not constant here; none: the node is a leaf.
    candidates = features;
    float lo = 0, hi = 0;
    int32_t feature = -1;
    while (!candidates.empty()) {
      const size_t pick = Below(rng, candidates.size());
      const int32_t f = candidates[pick];
      lo = hi = local[idx[t.begin] * d + static_cast<size_t>(f)];
      for (uint32_t i = t.begin + 1; i < t.end; ++i) {
        const float v = local[idx[i] * d + static_cast<size_t>(f)];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      if (hi > lo) {
        feature = f;
        break;
      }
      candidates[pick] = candidates.back();
      candidates.pop_back();
    }
    if (feature < 0) {
      tree[t.node] = leaf;
      continue;
    }
    // A threshold in (lo, hi], so both sides get rows: lo goes left, hi goes right.
    float threshold = static_cast<float>(lo + (1 - Uniform(rng)) * (static_cast<double>(hi) - lo));
    if (threshold <= lo) threshold = std::nextafter(lo, hi);
    threshold = std::min(threshold, hi);
    const auto mid = static_cast<uint32_t>(
        std::partition(
            idx.begin() + t.begin, idx.begin() + t.end,
            [&](uint32_t i) { return local[i * d + static_cast<size_t>(feature)] < threshold; }) -
        idx.begin());
    const auto left = static_cast<uint32_t>(tree.size());
    tree[t.node] = {feature, threshold, left};
    tree.resize(tree.size() + 2);
    stack.push_back({left + 1, mid, t.end, t.depth + 1});
    stack.push_back({left, t.begin, mid, t.depth + 1});
  }
  return tree;
}

Result<IsolationForest> IsolationForest::Fit(Matrix x, const IsolationForestOptions& o,
                                             core::ThreadPool& pool,
                                             const std::function<bool(int, int)>& progress) {
  if (x.rows < 2)
    return InvalidArgumentError("an isolation forest needs at least two training rows");
  if (x.cols == 0) return InvalidArgumentError("an isolation forest needs at least one feature");
  if (x.cols > kMaxFeatures)
    return InvalidArgumentError(
        fmt::format("an isolation forest takes at most {} features", kMaxFeatures));
  if (o.trees < 1 || static_cast<uint32_t>(o.trees) > kMaxTrees)
    return InvalidArgumentError(fmt::format("trees must be in [1, {}]", kMaxTrees));
  if (o.sample_size < 2)
    return InvalidArgumentError(
        fmt::format("sample_size must be at least 2, got {}", o.sample_size));
  if (!(o.max_features > 0 && o.max_features <= 1)) {
    return InvalidArgumentError(
        fmt::format("max_features must be in (0, 1], got {}", o.max_features));
  }
  STRATA_RETURN_IF_ERROR(CheckFinite(x, "an isolation forest"));
  IsolationForest forest;
  forest.features_ = x.cols;
  forest.sample_size_ =
      std::min<int64_t>({o.sample_size, static_cast<int64_t>(x.rows), kMaxSampleSize});
  forest.Prepare();
  forest.trees_.resize(static_cast<size_t>(o.trees));
  const int chunk = std::max(1, (o.trees + kProgressChunks - 1) / kProgressChunks);
  int done = 0;
  while (done < o.trees) {
    const int end = std::min(o.trees, done + chunk);
    pool.ParallelFor(static_cast<size_t>(end - done), [&](size_t i) {
      const size_t t = static_cast<size_t>(done) + i;
      forest.trees_[t] = GrowTree(x, o, t, forest.sample_size_);
    });
    done = end;
    if (progress && !progress(done, o.trees)) break;
  }
  forest.trees_.resize(static_cast<size_t>(done));
  return forest;
}

void IsolationForest::Score(Matrix x, std::span<double> out) const {
  const double trees = static_cast<double>(trees_.size());
  for (size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    double total = 0;
    for (const Tree& tree : trees_) {
      uint32_t i = 0;
      int depth = 0;
      while (tree[i].feature >= 0) {
        i = row[tree[i].feature] < tree[i].threshold ? tree[i].value : tree[i].value + 1;
        ++depth;
      }
      const uint32_t size = tree[i].value;
      total +=
          depth + (size < leaf_adjustment_.size() ? leaf_adjustment_[size]
                                                  : AveragePathLength(static_cast<double>(size)));
    }
    out[r] = std::exp2(-(total / trees) / normalizer_);
  }
}

std::string IsolationForest::Serialize() const {
  std::string out(kMagic, sizeof kMagic);
  Put(&out, kVersion);
  Put(&out, static_cast<uint32_t>(features_));
  Put(&out, static_cast<uint32_t>(sample_size_));
  Put(&out, static_cast<uint32_t>(trees_.size()));
  Put(&out, contamination_);
  Put(&out, threshold_);
  for (const Tree& tree : trees_) {
    Put(&out, static_cast<uint32_t>(tree.size()));
    for (const Node& n : tree) {
      Put(&out, n.feature);
      Put(&out, n.threshold);
      Put(&out, n.value);
    }
  }
  Put(&out, Fnv1a(out));
  return out;
}

Result<IsolationForest> IsolationForest::Parse(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes + kTrailerBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Corrupt(fmt::format("it is {} bytes and does not start with an isolation forest header",
                               bytes.size()));
  }
  ByteReader in(bytes.substr(sizeof kMagic, bytes.size() - sizeof kMagic - kTrailerBytes));
  uint32_t version = 0, d = 0, psi = 0, trees = 0;
  double contamination = 0, threshold = 0;
  in.Get(&version);
  if (version != kVersion) {
    return InvalidArgumentError(fmt::format(
        "the isolation forest file has format version {}; this program reads version {}", version,
        kVersion));
  }
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - kTrailerBytes, sizeof stored);
  if (stored != Fnv1a(bytes.substr(0, bytes.size() - kTrailerBytes))) {
    return Corrupt("its checksum does not match (the file is truncated or damaged)");
  }
  in.Get(&d);
  in.Get(&psi);
  in.Get(&trees);
  in.Get(&contamination);
  in.Get(&threshold);
  if (d < 1 || d > kMaxFeatures) return Corrupt(fmt::format("it claims {} features", d));
  if (psi < 2 || psi > kMaxSampleSize)
    return Corrupt(fmt::format("it claims a sample size of {}", psi));
  if (trees < 1 || trees > kMaxTrees) return Corrupt(fmt::format("it claims {} trees", trees));
  if (!(contamination >= 0 && contamination <= 0.5) || !(threshold >= 0 && threshold <= 1)) {
    return Corrupt(
        fmt::format("contamination {} or threshold {} is out of range", contamination, threshold));
  }
  IsolationForest f;
  f.features_ = d;
  f.sample_size_ = psi;
  f.contamination_ = contamination;
  f.threshold_ = threshold;
  f.trees_.reserve(trees);
  const uint64_t max_nodes = 2ull * psi - 1;
  for (uint32_t t = 0; t < trees; ++t) {
    uint32_t count = 0;
    if (!in.Get(&count)) return Corrupt(fmt::format("it ends inside tree {}", t + 1));
    if (count < 1 || count > max_nodes || static_cast<uint64_t>(count) * kNodeBytes > in.left()) {
      return Corrupt(fmt::format("tree {} claims {} nodes", t + 1, count));
    }
    Tree tree(count);
    uint64_t leaf_rows = 0;
    for (uint32_t i = 0; i < count; ++i) {
      Node& n = tree[i];
      in.Get(&n.feature);
      in.Get(&n.threshold);
      in.Get(&n.value);
      const bool leaf_ok = n.feature == -1 && n.value >= 1 && n.value <= psi;
      const bool split_ok = n.feature >= 0 && static_cast<uint32_t>(n.feature) < d &&
                            std::isfinite(n.threshold) && n.value > i &&
                            static_cast<uint64_t>(n.value) + 1 < count;
      if (!leaf_ok && !split_ok)
        return Corrupt(fmt::format("node {} of tree {} is not a valid split or leaf", i, t + 1));
      if (leaf_ok) leaf_rows += n.value;
    }
    // Every sampled row ends in one leaf.
    if (leaf_rows != psi) {
      return Corrupt(fmt::format("the leaves of tree {} hold {} rows where the sample has {}",
                                 t + 1, leaf_rows, psi));
    }
    f.trees_.push_back(std::move(tree));
  }
  if (in.left() != 0) return Corrupt(fmt::format("{} bytes follow the last tree", in.left()));
  f.Prepare();
  return f;
}

}  // namespace strata::ml
