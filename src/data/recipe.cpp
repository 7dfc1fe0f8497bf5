#include "data/recipe.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/core.h"
#include "data/hyperloglog.h"
#include "data/profile_column.h"
#include "data/value_parse.h"

namespace strata::data {

namespace detail {
struct RecipeValue {
  bool null = true;
  bool numeric = false;  // `number` holds it
  double number = 0;
  std::string text;      // strings (and numbers/bools spelled out for categorical use)
};
}  // namespace detail

namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr const char* kOther = "__other__";
const char* kParts[] = {"year", "month", "day", "day_of_week", "hour", "epoch_days"};

template <typename E>
struct Named {
  E value;
  const char* name;
};
constexpr Named<Encoding> kEncodings[] = {{Encoding::kNumeric, "numeric"},       {Encoding::kOneHot, "onehot"},
                                          {Encoding::kOrdinal, "ordinal"},       {Encoding::kHashedText, "hashed_text"},
                                          {Encoding::kTimestampParts, "timestamp_parts"}, {Encoding::kDrop, "drop"}};
constexpr Named<Impute> kImputes[] = {{Impute::kMean, "mean"},
                                      {Impute::kMedian, "median"},
                                      {Impute::kMostFrequent, "most_frequent"},
                                      {Impute::kConstant, "constant"},
                                      {Impute::kNone, "none"}};
constexpr Named<Scale> kScales[] = {{Scale::kNone, "none"}, {Scale::kStandard, "standard"}, {Scale::kMinMax, "minmax"}};

template <typename E, size_t N>
const char* NameOf(const Named<E> (&table)[N], E v) {
  for (const auto& n : table) {
    if (n.value == v) return n.name;
  }
  return "?";
}

template <typename E, size_t N>
Result<E> Parse(const Named<E> (&table)[N], std::string_view name, std::string_view what) {
  std::string known;
  for (const auto& n : table) {
    if (name == n.name) return n.value;
    known += (known.empty() ? "" : ", ") + std::string(n.name);
  }
  return InvalidArgumentError(fmt::format("{} must be one of {}, got '{}'", what, known, name));
}

// One raw input value, from a table or from JSON.
using Value = detail::RecipeValue;

// `with_text`: also spell numbers and booleans out (categorical encodings need the text;
// numeric ones do not, and formatting every cell dominated fit and transform).
Value FromTable(const ColumnView& c, int64_t row, bool with_text = true) {
  Value v;
  if (!c.IsValid(row)) return v;
  v.null = false;
  switch (c.type) {
    case ColumnType::kInt:
    case ColumnType::kTimestamp:
      v.numeric = true;
      v.number = static_cast<double>(c.ints[row]);
      if (with_text) v.text = std::to_string(c.ints[row]);
      break;
    case ColumnType::kFloat:
      v.numeric = std::isfinite(c.floats[row]);
      v.null = !v.numeric;
      v.number = c.floats[row];
      if (with_text) v.text = fmt::format("{}", c.floats[row]);
      break;
    case ColumnType::kBool:
      v.numeric = true;
      v.number = c.bools[row];
      if (with_text) v.text = c.bools[row] ? "true" : "false";
      break;
    case ColumnType::kCategory:
    case ColumnType::kText: v.text = std::string(c.Text(row)); break;
  }
  return v;
}

// Days since the epoch to (year, month, day) (Howard Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void Hash(std::string_view token, int dims, float* out) {
  uint64_t h = HashBytes(token);
  out[h % static_cast<uint64_t>(dims)] += (h >> 63) ? -1.0f : 1.0f;
}

void HashText(const std::string& text, int dims, float* out) {
  std::string lower;
  for (unsigned char ch : text) lower += static_cast<char>(std::tolower(ch));
  std::vector<std::string> words;
  std::string w;
  for (unsigned char ch : lower) {
    if (std::isalnum(ch) || ch >= 0x80) {
      w += static_cast<char>(ch);
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(w);
  for (size_t i = 0; i < words.size(); ++i) {
    Hash("w:" + words[i], dims, out);
    if (i + 1 < words.size()) Hash("b:" + words[i] + " " + words[i + 1], dims, out);
  }
  std::string padded = " " + lower + " ";
  for (size_t i = 0; i + 3 <= padded.size(); ++i) Hash("c:" + padded.substr(i, 3), dims, out);
  double norm = 0;
  for (int i = 0; i < dims; ++i) norm += static_cast<double>(out[i]) * out[i];
  if (norm > 0) {
    float inv = static_cast<float>(1 / std::sqrt(norm));
    for (int i = 0; i < dims; ++i) out[i] *= inv;
  }
}

Encoding DefaultEncoding(ColumnType t) {
  switch (t) {
    case ColumnType::kInt:
    case ColumnType::kFloat:
    case ColumnType::kBool: return Encoding::kNumeric;
    case ColumnType::kCategory: return Encoding::kOneHot;
    case ColumnType::kText: return Encoding::kHashedText;
    case ColumnType::kTimestamp: return Encoding::kTimestampParts;
  }
  return Encoding::kDrop;
}

// Writes the features of one value; notes what was unusual. `row` names it in errors.
Status Encode(const ColumnStep& s, Value v, float* out, size_t row, TransformNotes* notes) {
  float* f = out + s.first_feature;
  switch (s.encoding) {
    case Encoding::kDrop: return Status::Ok();
    case Encoding::kNumeric:
    case Encoding::kTimestampParts: {
      if (!v.null && !v.numeric) {
        double d;
        int64_t us;
        if (s.encoding == Encoding::kTimestampParts && ParseTimestamp(v.text, &us)) {
          v.number = static_cast<double>(us);
        } else if (s.encoding == Encoding::kNumeric && ParseDouble(v.text, &d)) {
          v.number = d;
        } else if (bool b; s.encoding == Encoding::kNumeric && s.type == ColumnType::kBool && ParseBool(v.text, &b)) {
          v.number = b;  // the tokens import accepts: yes/no, true/false, t/f, y/n
        } else {
          return InvalidArgumentError(fmt::format("row {}: column '{}': '{}' is not a {}", row, s.name, v.text,
                                                  s.encoding == Encoding::kTimestampParts ? "timestamp" : "number"));
        }
      }
      double x = v.null ? s.fill : v.number;
      if (s.encoding == Encoding::kNumeric) {
        f[0] = std::isnan(x) ? kMissing : static_cast<float>((x - s.center) / s.scale);
        return Status::Ok();
      }
      if (std::isnan(x)) {
        for (size_t i = 0; i < s.num_features; ++i) f[i] = kMissing;
        return Status::Ok();
      }
      int64_t us = static_cast<int64_t>(x);
      int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
      int64_t y;
      int m, d;
      CivilFromDays(days, &y, &m, &d);
      int64_t in_day = us - days * 86400000000LL;
      f[0] = static_cast<float>(y);
      f[1] = static_cast<float>(m);
      f[2] = static_cast<float>(d);
      f[3] = static_cast<float>(((days % 7) + 7 + 3) % 7);  // Monday = 0 (1970-01-01 was a Thursday)
      f[4] = static_cast<float>(in_day / 3600000000LL);
      f[5] = static_cast<float>(days);
      return Status::Ok();
    }
    case Encoding::kOneHot:
    case Encoding::kOrdinal: {
      if (v.null) {
        if (s.encoding == Encoding::kOrdinal) f[0] = kMissing;
        return Status::Ok();
      }
      auto it = std::find(s.categories.begin(), s.categories.end(), v.text);
      if (it == s.categories.end()) {
        if (notes) notes->push_back(fmt::format("row {}: {}: unknown category '{}' (encoded as {})", row, s.name, v.text,
                                                s.encoding == Encoding::kOneHot ? kOther : "missing"));
        if (s.encoding == Encoding::kOneHot) f[s.num_features - 1] = 1;
        else f[0] = kMissing;
        return Status::Ok();
      }
      size_t k = static_cast<size_t>(it - s.categories.begin());
      if (s.encoding == Encoding::kOneHot) f[k] = 1;
      else f[0] = static_cast<float>(k);
      return Status::Ok();
    }
    case Encoding::kHashedText:
      if (!v.null) HashText(v.text, s.hash_dims, f);
      return Status::Ok();
  }
  return Status::Ok();
}

// Fits one step's parameters (imputed value, scaling, categories) on `rows` of `col`;
// the step's name, type and encoding are set.
void FitStep(const ColumnView& col, const std::vector<int64_t>& rows, const RecipeOptions& options,
             const ColumnOptions* o, ColumnStep* s) {
  if (s->encoding == Encoding::kNumeric || s->encoding == Encoding::kTimestampParts) {
    std::vector<double> values;
    values.reserve(rows.size());
    for (int64_t r : rows) {
      if (double x; NumericValue(col, r, &x)) values.push_back(x);
    }
    Impute def = col.type == ColumnType::kBool ? Impute::kMostFrequent : Impute::kMedian;
    s->impute = o && o->impute ? *o->impute : def;
    // Only what the options need: a full sort of every column cost more than the rest
    // of fitting together.
    double mean = 0;
    for (double x : values) mean += x;
    mean = values.empty() ? 0 : mean / static_cast<double>(values.size());
    double median = 0, mode = 0, lo = 0, hi = 0;
    if (!values.empty()) {
      const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
      lo = *mn;
      hi = *mx;
    }
    if (s->impute == Impute::kMedian && !values.empty()) {
      const size_t mid = values.size() / 2;
      std::nth_element(values.begin(), values.begin() + mid, values.end());
      median = values[mid];
      if (values.size() % 2 == 0) median = (*std::max_element(values.begin(), values.begin() + mid) + median) / 2;
    }
    if (s->impute == Impute::kMostFrequent) {
      std::sort(values.begin(), values.end());
      for (size_t i = 0, best = 0; i < values.size();) {
        size_t k = i;
        while (k < values.size() && values[k] == values[i]) ++k;
        if (k - i > best) {
          best = k - i;
          mode = values[i];
        }
        i = k;
      }
    }
    switch (s->impute) {
      case Impute::kMean: s->fill = mean; break;
      case Impute::kMedian: s->fill = median; break;
      case Impute::kMostFrequent: s->fill = mode; break;
      case Impute::kConstant: s->fill = o ? o->impute_value : 0; break;
      case Impute::kNone: s->fill = std::numeric_limits<double>::quiet_NaN(); break;
    }
    if (s->encoding == Encoding::kNumeric && options.scale != Scale::kNone && !values.empty()) {
      if (options.scale == Scale::kStandard) {
        double var = 0;
        for (double x : values) var += (x - mean) * (x - mean);
        double sd = values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1)) : 0;
        s->center = mean;
        s->scale = sd > 0 ? sd : 1;
      } else {
        s->center = lo;
        s->scale = hi > lo ? hi - lo : 1;
      }
    }
  } else if (s->encoding == Encoding::kOneHot || s->encoding == Encoding::kOrdinal) {
    std::unordered_map<std::string, int64_t> counts;
    for (int64_t r : rows) {
      Value v = FromTable(col, r);
      if (!v.null) ++counts[v.text];
    }
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    size_t keep = s->encoding == Encoding::kOneHot ? std::min(sorted.size(), static_cast<size_t>(options.max_categories))
                                                  : sorted.size();
    for (size_t i = 0; i < keep; ++i) s->categories.push_back(sorted[i].first);
    s->other_bucket = s->encoding == Encoding::kOneHot;
  } else if (s->encoding == Encoding::kHashedText) {
    s->hash_dims = options.hash_dims;
  }
}

}  // namespace

Result<RecipeOptions> ParseRecipeOptions(const Json& json) {
  RecipeOptions o;
  if (json.is_null()) return o;
  if (!json.is_object()) return InvalidArgumentError("preprocessing must be an object");
  for (const auto& [key, value] : json.items()) {
    if (key != "scale" && key != "max_categories" && key != "hash_dims" && key != "drop" && key != "columns") {
      return InvalidArgumentError(fmt::format(
          "preprocessing: unknown field '{}' (known: scale, max_categories, hash_dims, drop, columns)", key));
    }
  }
  STRATA_ASSIGN_OR_RETURN(std::string scale, core::OptionalString(json, "scale", "none"));
  STRATA_ASSIGN_OR_RETURN(o.scale, Parse(kScales, scale, "preprocessing.scale"));
  STRATA_ASSIGN_OR_RETURN(int64_t cap, core::OptionalInt(json, "max_categories", 20));
  if (cap < 1 || cap > 10000) return InvalidArgumentError(fmt::format("preprocessing.max_categories must be in [1, 10000], got {}", cap));
  o.max_categories = static_cast<int>(cap);
  STRATA_ASSIGN_OR_RETURN(int64_t dims, core::OptionalInt(json, "hash_dims", 64));
  if (dims < 1 || dims > 1 << 20) return InvalidArgumentError(fmt::format("preprocessing.hash_dims must be in [1, 1048576], got {}", dims));
  o.hash_dims = static_cast<int>(dims);
  if (json.contains("drop")) {
    if (!json["drop"].is_array()) return InvalidArgumentError("preprocessing.drop must be a list of column names");
    for (const auto& d : json["drop"]) {
      if (!d.is_string()) return InvalidArgumentError("preprocessing.drop must be a list of column names");
      o.drop.push_back(d.get<std::string>());
    }
  }
  if (json.contains("columns")) {
    if (!json["columns"].is_object()) return InvalidArgumentError("preprocessing.columns must be an object");
    for (const auto& [name, spec] : json["columns"].items()) {
      ColumnOptions c;
      std::string where = "preprocessing.columns." + name;
      if (!spec.is_object()) return InvalidArgumentError(where + " must be an object");
      if (spec.contains("encoding")) {
        STRATA_ASSIGN_OR_RETURN(std::string e, core::OptionalString(spec, "encoding", ""));
        STRATA_ASSIGN_OR_RETURN(c.encoding, Parse(kEncodings, e, where + ".encoding"));
      }
      if (spec.contains("impute")) {
        STRATA_ASSIGN_OR_RETURN(std::string i, core::OptionalString(spec, "impute", ""));
        STRATA_ASSIGN_OR_RETURN(c.impute, Parse(kImputes, i, where + ".impute"));
      }
      STRATA_ASSIGN_OR_RETURN(c.impute_value, core::OptionalNumber(spec, "value", 0));
      o.columns[name] = c;
    }
  }
  return o;
}

Result<Recipe> Recipe::Fit(const Table& table, const std::vector<int64_t>& rows_in, const std::string& target,
                           const RecipeOptions& options) {
  std::vector<int64_t> rows = rows_in;
  if (rows.empty()) {
    rows.resize(static_cast<size_t>(table.rows()));
    for (int64_t r = 0; r < table.rows(); ++r) rows[static_cast<size_t>(r)] = r;
  }
  for (const auto& [name, spec] : options.columns) {
    if (table.schema().Find(name) < 0) {
      return InvalidArgumentError(fmt::format("preprocessing.columns: '{}' is not a column of the dataset", name));
    }
  }
  for (const auto& name : options.drop) {
    if (table.schema().Find(name) < 0) {
      return InvalidArgumentError(fmt::format("preprocessing.drop: '{}' is not a column of the dataset", name));
    }
  }
  std::vector<ColumnStep> steps;
  std::vector<const ColumnOptions*> options_of;
  std::vector<const ColumnView*> columns;
  for (size_t c = 0; c < table.num_columns(); ++c) {
    const ColumnView& col = table.column(c);
    if (col.name == target || std::find(options.drop.begin(), options.drop.end(), col.name) != options.drop.end()) {
      continue;
    }
    ColumnStep s;
    s.name = col.name;
    s.type = col.type;
    auto override = options.columns.find(col.name);
    const ColumnOptions* o = override == options.columns.end() ? nullptr : &override->second;
    s.encoding = o && o->encoding ? *o->encoding : DefaultEncoding(col.type);
    if ((s.encoding == Encoding::kNumeric && (col.type == ColumnType::kCategory || col.type == ColumnType::kText)) ||
        (s.encoding == Encoding::kTimestampParts && col.type != ColumnType::kTimestamp) ||
        (s.encoding == Encoding::kHashedText && col.type != ColumnType::kText && col.type != ColumnType::kCategory)) {
      return InvalidArgumentError(fmt::format("column '{}' ({}) cannot be encoded as {}", col.name,
                                              ColumnTypeName(col.type), NameOf(kEncodings, s.encoding)));
    }
    steps.push_back(std::move(s));
    options_of.push_back(o);
    columns.push_back(&col);
  }
  // Columns are fitted independently: over every core.
  const size_t threads = std::min<size_t>(steps.size(), std::max(1u, std::thread::hardware_concurrency()));
  auto fit = [&](size_t i) { FitStep(*columns[i], rows, options, options_of[i], &steps[i]); };
  if (threads > 1) {
    core::ThreadPool pool(threads - 1);
    pool.ParallelForDynamic(steps.size(), fit);
  } else {
    for (size_t i = 0; i < steps.size(); ++i) fit(i);
  }
  Recipe recipe;
  recipe.steps_ = std::move(steps);
  recipe.Layout();
  if (recipe.num_features() == 0) return InvalidArgumentError("no feature columns left to train on");
  return recipe;
}

void Recipe::Layout() {
  feature_names_.clear();
  feature_source_.clear();
  for (size_t i = 0; i < steps_.size(); ++i) {
    ColumnStep& s = steps_[i];
    s.first_feature = feature_names_.size();
    switch (s.encoding) {
      case Encoding::kNumeric:
      case Encoding::kOrdinal: feature_names_.push_back(s.name); break;
      case Encoding::kOneHot:
        for (const auto& c : s.categories) feature_names_.push_back(s.name + "=" + c);
        feature_names_.push_back(s.name + "=" + kOther);
        break;
      case Encoding::kHashedText:
        for (int h = 0; h < s.hash_dims; ++h) feature_names_.push_back(fmt::format("{}#{}", s.name, h));
        break;
      case Encoding::kTimestampParts:
        for (const char* p : kParts) feature_names_.push_back(s.name + "." + p);
        break;
      case Encoding::kDrop: break;
    }
    s.num_features = feature_names_.size() - s.first_feature;
    feature_source_.resize(feature_names_.size(), i);
  }
}

std::vector<double> Recipe::SumByColumn(std::span<const double> per_feature) const {
  std::vector<double> out(steps_.size(), 0.0);
  for (size_t f = 0; f < per_feature.size() && f < feature_source_.size(); ++f)
    out[feature_source_[f]] += per_feature[f];
  return out;
}

namespace {

// A numeric step's value of one row of a numeric column, as Encode would compute it
// from FromTable's Value (a non-finite float counts as missing), without building one.
inline float NumericFeature(const ColumnStep& s, const ColumnView& c, int64_t row) {
  double x;
  if (!NumericValue(c, row, &x)) x = s.fill;
  return std::isnan(x) ? kMissing : static_cast<float>((x - s.center) / s.scale);
}

}  // namespace

Result<std::vector<float>> Recipe::TransformTable(const Table& table, const std::vector<int64_t>& rows,
                                                  TransformNotes* notes) const {
  const size_t nf = num_features();
  std::vector<float> out(rows.size() * nf, 0.0f);
  std::vector<const ColumnView*> columns(steps_.size(), nullptr);
  for (size_t k = 0; k < steps_.size(); ++k) {
    const int c = table.schema().Find(steps_[k].name);
    if (c >= 0) {
      columns[k] = &table.column(static_cast<size_t>(c));
    } else if (notes) {
      notes->push_back(fmt::format("column '{}' is missing: treated as missing values", steps_[k].name));
    }
  }
  // A block of rows at a time, every step over it: the block's output rows stay in
  // cache while each column fills its features (one column over all rows at a time
  // wrote a cache line per value, and was most of training's preprocessing).
  auto transform = [&](size_t begin, size_t end, TransformNotes* chunk_notes) -> Status {
    constexpr size_t kBlock = 256;
    for (size_t b = begin; b < end; b += kBlock) {
      const size_t e = std::min(end, b + kBlock);
      for (size_t k = 0; k < steps_.size(); ++k) {
        const ColumnStep& s = steps_[k];
        const ColumnView* col = columns[k];
        if (s.encoding == Encoding::kNumeric && col != nullptr && col->type != ColumnType::kCategory &&
            col->type != ColumnType::kText) {
          float* f = out.data() + s.first_feature;
          for (size_t i = b; i < e; ++i) f[i * nf] = NumericFeature(s, *col, rows[i]);
          continue;
        }
        const bool with_text = s.encoding != Encoding::kNumeric && s.encoding != Encoding::kTimestampParts;
        for (size_t i = b; i < e; ++i) {
          Value v = col == nullptr ? Value{} : FromTable(*col, rows[i], with_text);
          STRATA_RETURN_IF_ERROR(
              Encode(s, std::move(v), out.data() + i * nf, static_cast<size_t>(rows[i]), chunk_notes));
        }
      }
    }
    return Status::Ok();
  };
  // Large tables in chunks over every core, each with its own notes, joined in row order
  // so that notes and the first error are those a serial pass would give.
  constexpr size_t kChunk = 1 << 15;
  const size_t chunks = (rows.size() + kChunk - 1) / kChunk;
  const size_t threads = std::min<size_t>(chunks, std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 1) {
    STRATA_RETURN_IF_ERROR(transform(0, rows.size(), notes));
    return out;
  }
  std::vector<TransformNotes> chunk_notes(chunks);
  std::vector<Status> chunk_status(chunks);
  core::ThreadPool pool(threads - 1);
  pool.ParallelForDynamic(chunks, [&](size_t c) {
    chunk_status[c] = transform(c * kChunk, std::min(rows.size(), (c + 1) * kChunk), notes ? &chunk_notes[c] : nullptr);
  });
  for (size_t c = 0; c < chunks; ++c) {
    if (notes) notes->insert(notes->end(), chunk_notes[c].begin(), chunk_notes[c].end());
    STRATA_RETURN_IF_ERROR(chunk_status[c]);
  }
  return out;
}

namespace {

// A number (or boolean) for step `s`, as TransformJson and RowEncoder read it: only
// categorical encodings get it spelled out as text (`spell`), as TransformTable does;
// spelling every number out was most of a one-row transform.
template <typename Spell>
Value NumberValue(const ColumnStep& s, double number, Spell spell) {
  Value v;
  v.null = false;
  v.numeric = true;
  v.number = number;
  if (s.encoding != Encoding::kNumeric && s.encoding != Encoding::kTimestampParts) v.text = spell();
  return v;
}

}  // namespace

Result<std::vector<float>> Recipe::TransformJson(const Json& rows, TransformNotes* notes) const {
  if (!rows.is_array()) return InvalidArgumentError("instances must be a list of objects");
  const size_t nf = num_features();
  std::vector<float> out(rows.size() * nf, 0.0f);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Json& row = rows[i];
    if (!row.is_object()) {
      return InvalidArgumentError(fmt::format("row {}: expected an object of column: value, got {}", i,
                                              core::JsonTypeName(row)));
    }
    // Rows usually list their columns in the recipe's order: the column at the step's
    // own position is tried before a search (an object's lookup compares every key).
    const Json::object_t& object = row.get_ref<const Json::object_t&>();
    size_t found = 0;
    for (size_t k = 0; k < steps_.size(); ++k) {
      const ColumnStep& s = steps_[k];
      Value v;
      const Json* it = nullptr;
      if (k < object.size() && (object.begin() + static_cast<ptrdiff_t>(k))->first == s.name) {
        it = &(object.begin() + static_cast<ptrdiff_t>(k))->second;
      } else if (auto at = row.find(s.name); at != row.end()) {
        it = &*at;
      }
      if (it != nullptr) ++found;
      if (it == nullptr) {
        if (notes) notes->push_back(fmt::format("row {}: column '{}' is missing: treated as missing", i, s.name));
      } else if (it->is_number()) {
        v = NumberValue(s, it->get<double>(), [it] {
          return it->is_number_integer() ? std::to_string(it->get<int64_t>()) : fmt::format("{}", it->get<double>());
        });
      } else if (it->is_boolean()) {
        v = NumberValue(s, it->get<bool>(), [it] { return std::string(it->get<bool>() ? "true" : "false"); });
      } else if (it->is_string()) {
        v.null = false;
        v.text = it->get<std::string>();
      } else if (!it->is_null()) {
        return InvalidArgumentError(fmt::format("row {}: column '{}': expected a number, string, boolean or null, got {}",
                                                i, s.name, core::JsonTypeName(*it)));
      }
      STRATA_RETURN_IF_ERROR(Encode(s, std::move(v), out.data() + i * nf, i, notes));
    }
    // Keys are unique, so when every key was a step's column there is nothing to note.
    if (notes && found < object.size()) {
      for (const auto& item : row.items()) {
        const std::string& key = item.key();  // a plain reference: clang 14 cannot capture bindings
        bool known = std::any_of(steps_.begin(), steps_.end(), [&key](const ColumnStep& s) { return s.name == key; });
        if (!known) notes->push_back(fmt::format("row {}: column '{}' is not a feature: ignored", i, key));
      }
    }
  }
  return out;
}

Recipe::RowEncoder::RowEncoder(const Recipe& recipe, std::vector<float>* out, TransformNotes* notes)
    : recipe_(recipe), out_(out), notes_(notes), seen_(recipe.steps_.size()) {}

int Recipe::RowEncoder::Find(std::string_view column, size_t hint) const {
  const auto& steps = recipe_.steps_;
  if (hint < steps.size() && steps[hint].name == column) return static_cast<int>(hint);
  for (size_t k = 0; k < steps.size(); ++k) {
    if (steps[k].name == column) return static_cast<int>(k);
  }
  return -1;
}

void Recipe::RowEncoder::BeginRow() {
  out_->resize(out_->size() + recipe_.num_features(), 0.0f);
  std::fill(seen_.begin(), seen_.end(), 0);
  ++row_;
}

Status Recipe::RowEncoder::Set(int step, Value&& v) {
  const ColumnStep& s = recipe_.steps_[static_cast<size_t>(step)];
  float* row = out_->data() + (row_ - 1) * recipe_.num_features();
  if (seen_[static_cast<size_t>(step)]) {  // a repeated column: the later value wins
    std::fill(row + s.first_feature, row + s.first_feature + s.num_features, 0.0f);
  }
  seen_[static_cast<size_t>(step)] = 1;
  return Encode(s, std::move(v), row, row_ - 1, notes_);
}

Status Recipe::RowEncoder::Null(int step) { return Set(step, Value{}); }

Status Recipe::RowEncoder::Number(int step, double value) {
  return Set(step, NumberValue(recipe_.steps_[static_cast<size_t>(step)], value, [&] { return fmt::format("{}", value); }));
}

Status Recipe::RowEncoder::Integer(int step, int64_t value) {
  return Set(step, NumberValue(recipe_.steps_[static_cast<size_t>(step)], static_cast<double>(value),
                               [&] { return std::to_string(value); }));
}

Status Recipe::RowEncoder::Bool(int step, bool value) {
  return Set(step, NumberValue(recipe_.steps_[static_cast<size_t>(step)], value,
                               [&] { return std::string(value ? "true" : "false"); }));
}

Status Recipe::RowEncoder::String(int step, std::string_view value) {
  Value v;
  v.null = false;
  v.text = std::string(value);
  return Set(step, std::move(v));
}

Status Recipe::RowEncoder::EndRow() {
  const auto& steps = recipe_.steps_;
  float* row = out_->data() + (row_ - 1) * recipe_.num_features();
  for (size_t k = 0; k < steps.size(); ++k) {
    if (seen_[k]) continue;
    if (notes_) notes_->push_back(fmt::format("row {}: column '{}' is missing: treated as missing", row_ - 1, steps[k].name));
    STRATA_RETURN_IF_ERROR(Encode(steps[k], Value{}, row, row_ - 1, notes_));
  }
  return Status::Ok();
}

Json Recipe::ToJson() const {
  Json steps = Json::array();
  for (const auto& s : steps_) {
    Json j = {{"name", s.name}, {"type", ColumnTypeName(s.type)}, {"encoding", NameOf(kEncodings, s.encoding)}};
    if (s.encoding == Encoding::kNumeric || s.encoding == Encoding::kTimestampParts) {
      j["impute"] = NameOf(kImputes, s.impute);
      j["fill"] = std::isnan(s.fill) ? Json(nullptr) : Json(s.fill);
      j["center"] = s.center;
      j["scale"] = s.scale;
    }
    if (!s.categories.empty() || s.encoding == Encoding::kOneHot || s.encoding == Encoding::kOrdinal) {
      j["categories"] = s.categories;
    }
    if (s.encoding == Encoding::kHashedText) j["hash_dims"] = s.hash_dims;
    steps.push_back(std::move(j));
  }
  return {{"version", kRecipeVersion}, {"steps", steps}, {"features", feature_names_}};
}

Result<Recipe> Recipe::FromJson(const Json& json) {
  if (!json.is_object() || !json["version"].is_number_integer() || !json["steps"].is_array()) {
    return InvalidArgumentError("not a preprocessing recipe");
  }
  if (json["version"].get<int>() > kRecipeVersion) {
    return ConflictError(fmt::format("recipe version {} is newer than this strata reads ({})", json["version"].get<int>(),
                                     kRecipeVersion));
  }
  Recipe r;
  for (const auto& j : json["steps"]) {
    ColumnStep s;
    STRATA_ASSIGN_OR_RETURN(s.name, core::RequiredString(j, "name"));
    auto type = ParseColumnType(j.value("type", ""));
    if (!type) return InvalidArgumentError(fmt::format("recipe step '{}' has no valid type", s.name));
    s.type = *type;
    STRATA_ASSIGN_OR_RETURN(s.encoding, Parse(kEncodings, j.value("encoding", ""), "recipe encoding"));
    if (j.contains("impute")) {
      STRATA_ASSIGN_OR_RETURN(s.impute, Parse(kImputes, j.value("impute", ""), "recipe impute"));
    }
    s.fill = j.contains("fill") && j["fill"].is_number() ? j["fill"].get<double>() : std::numeric_limits<double>::quiet_NaN();
    s.center = j.value("center", 0.0);
    s.scale = j.value("scale", 1.0);
    if (j.contains("categories")) s.categories = j["categories"].get<std::vector<std::string>>();
    s.other_bucket = s.encoding == Encoding::kOneHot;
    s.hash_dims = j.value("hash_dims", 0);
    if (s.encoding == Encoding::kHashedText && s.hash_dims < 1) return InvalidArgumentError("recipe: hash_dims missing");
    r.steps_.push_back(std::move(s));
  }
  r.Layout();
  return r;
}

}  // namespace strata::data
