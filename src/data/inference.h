#pragma once
// Schema inference over every value of a column (not a sample). The rules, in order:
//   no non-null value            -> float (an all-missing numeric column, as pandas does)
//   every value an int64         -> int   (0/1 columns stay int)
//   every value a number         -> float (ints that overflow int64 too)
//   every value a boolean token  -> bool  (true/false, yes/no, t/f, y/n, any case)
//   every value a timestamp      -> timestamp
//   few distinct values          -> category: distinct <= min(1000, max(20, non-null / 20))
//   otherwise                    -> text
// Every rule depends only on the set of values, never on their order, so inferences
// over parts of a file merge into the inference over the whole (Merge).

#include <cstdint>
#include <string>
#include <string_view>

#include "data/column_type.h"
#include "data/string_codes.h"

namespace strata::data {

constexpr size_t kMaxCategories = 1000;

// What ColumnInference::Add parsed a value as, on the way: each flag set only when
// the value is of that type and the column could still be (the checks it ran).
struct InferredValue {
  bool is_int = false, is_float = false, is_bool = false, is_timestamp = false;
  int64_t i = 0;          // is_int
  double f = 0;           // is_float (not set for a value that is_int)
  bool b = false;         // is_bool
  int64_t timestamp = 0;  // is_timestamp: microseconds
};

class ColumnInference {
 public:
  void Add(std::string_view value) {
    InferredValue unused;
    Add(value, &unused);
  }
  // `count_distinct` false: the caller counts this value's distinct values itself and
  // hands them over later (AddDistinctValues) or gives up on them (GiveUpDistinct).
  void Add(std::string_view value, InferredValue* parsed, bool count_distinct = true);
  // Distinct values counted elsewhere (a chunk's dictionary): as if each had been added.
  void AddDistinctValues(const StringCodes& values);
  void AddNulls(int64_t n) { nulls_ += n; }
  // As if every value `other` saw had been added here.
  void Merge(const ColumnInference& other);
  // Too many distinct values to be a category: stops counting them. For a part of a
  // file once another part found as much (what Merge would conclude anyway).
  void GiveUpDistinct();
  bool gave_up_distinct() const { return too_many_distinct_; }
  ColumnType Decide() const;
  int64_t nulls() const { return nulls_; }
  int64_t non_null() const { return non_null_; }

 private:
  bool can_int_ = true, can_float_ = true, can_bool_ = true, can_timestamp_ = true;
  void AddDistinct(std::string_view v);
  StringCodes distinct_;
  bool too_many_distinct_ = false;
  int64_t nulls_ = 0, non_null_ = 0;
};

// A value parsed as its column's type.
struct ParsedValue {
  int64_t i = 0;  // int, timestamp (microseconds), bool (0/1)
  double f = 0;
};
// False when `text` is not a value of `type` (text and category accept anything).
bool ParseAs(ColumnType type, std::string_view text, ParsedValue* out);

}  // namespace strata::data
