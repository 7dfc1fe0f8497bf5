#pragma once
// The preprocessing recipe: how raw columns become the dense float features a model
// trains on. Fitted on the training rows only, stored inside the model, and applied
// again to raw rows at prediction, so training and serving cannot disagree.
//
// Defaults by column type (each overridable per column):
//   int, float  -> numeric: missing imputed (median), optional scaling
//   bool        -> numeric 0/1, missing imputed (most frequent)
//   category    -> one-hot of the `max_categories` most frequent values plus an
//                  "__other__" bucket for the rest and for values unseen at fit time
//                  (or ordinal codes)
//   text        -> feature hashing of word unigrams and bigrams and character
//                  trigrams into `hash_dims` signed buckets, L2-normalised
//   timestamp   -> year, month, day, day of week, hour, days since the epoch
// Missing values of categorical and text columns encode as all zeros.
// Serialized as JSON with a version; RecipeFromJson refuses newer versions.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/table.h"

namespace strata::data {

constexpr int kRecipeVersion = 1;

namespace detail {
struct RecipeValue;  // one raw value on its way to the features (recipe.cpp)
}

enum class Encoding { kNumeric, kOneHot, kOrdinal, kHashedText, kTimestampParts, kDrop };
enum class Impute { kMean, kMedian, kMostFrequent, kConstant, kNone };
enum class Scale { kNone, kStandard, kMinMax };

struct ColumnOptions {
  std::optional<Encoding> encoding;
  std::optional<Impute> impute;
  double impute_value = 0;  // for kConstant
};

struct RecipeOptions {
  Scale scale = Scale::kNone;  // numeric columns (trees do not need it; linear models do)
  int max_categories = 20;
  int hash_dims = 64;
  std::map<std::string, ColumnOptions> columns;  // per-column overrides
  std::vector<std::string> drop;                 // columns not to use
};

// Parses the JSON of the API's "preprocessing" field:
// {"scale": "standard", "max_categories": 30, "hash_dims": 128, "drop": ["id"],
//  "columns": {"plan": {"encoding": "ordinal"}, "age": {"impute": "constant", "value": 0}}}
Result<RecipeOptions> ParseRecipeOptions(const Json& json);

struct ColumnStep {
  std::string name;
  ColumnType type = ColumnType::kFloat;
  Encoding encoding = Encoding::kNumeric;
  Impute impute = Impute::kNone;
  double fill = 0;                      // the imputed value
  double center = 0, scale = 1;         // (x - center) / scale
  std::vector<std::string> categories;  // one-hot / ordinal, in feature order
  bool other_bucket = false;
  int hash_dims = 0;
  size_t first_feature = 0, num_features = 0;
};

// What happened to an input row when it was transformed (unknown categories, missing
// columns): "row 3: plan: unknown category 'gold' (encoded as __other__)".
using TransformNotes = std::vector<std::string>;

class Recipe {
 public:
  // Fits on `rows` of `table` (all rows when empty), leaving out `target`.
  static Result<Recipe> Fit(const Table& table, const std::vector<int64_t>& rows, const std::string& target,
                            const RecipeOptions& options);

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  size_t num_features() const { return feature_names_.size(); }
  const std::vector<ColumnStep>& steps() const { return steps_; }
  // The raw column each feature came from (index into steps()).
  const std::vector<size_t>& feature_source() const { return feature_source_; }
  // Per-feature values (importances, contributions; num_features() of them) summed into
  // one value per step, so that they speak of the raw columns a caller knows: a one-hot
  // column gets the sum over its categories. A step without features (dropped) gets 0.
  std::vector<double> SumByColumn(std::span<const double> per_feature) const;

  // Rows of a stored table into a row-major float matrix (rows x num_features).
  // Columns are found by name; a missing column is all-missing (noted once).
  Result<std::vector<float>> TransformTable(const Table& table, const std::vector<int64_t>& rows,
                                            TransformNotes* notes) const;
  // JSON rows ({"col": value, ...}) into the matrix; values may be numbers, strings,
  // booleans or null. A value of the wrong kind is an InvalidArgument naming the row
  // and the column.
  Result<std::vector<float>> TransformJson(const Json& rows, TransformNotes* notes) const;

  // TransformJson one value at a time, for a reader that meets the values as it parses
  // (an invocation body read without building a JSON document): the same features,
  // errors and notes for a row given as the same column/value pairs. Columns may come
  // in any order; a later value of a column replaces an earlier one.
  class RowEncoder {
   public:
    // Appends rows to `out`; `notes` may be null.
    RowEncoder(const Recipe& recipe, std::vector<float>* out, TransformNotes* notes);
    // The step reading `column`, or -1 when no step does; `hint` is where it usually
    // is (rows usually list their columns in the recipe's order).
    int Find(std::string_view column, size_t hint) const;
    void BeginRow();
    Status Null(int step);
    Status Number(int step, double value);
    Status Integer(int step, int64_t value);
    Status Bool(int step, bool value);
    Status String(int step, std::string_view value);
    // Encodes the steps the row gave no value as missing (noted).
    Status EndRow();
    size_t rows() const { return row_; }

   private:
    Status Set(int step, detail::RecipeValue&& value);
    const Recipe& recipe_;
    std::vector<float>* out_;
    TransformNotes* notes_;
    std::vector<char> seen_;
    size_t row_ = 0;  // rows begun
  };

  Json ToJson() const;
  static Result<Recipe> FromJson(const Json& json);

 private:
  void Layout();
  std::vector<ColumnStep> steps_;
  std::vector<std::string> feature_names_;
  std::vector<size_t> feature_source_;
};

}  // namespace strata::data
