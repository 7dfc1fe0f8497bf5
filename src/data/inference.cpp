#include "data/inference.h"

#include <algorithm>

#include "data/value_parse.h"

namespace strata::data {

void ColumnInference::AddDistinctValues(const StringCodes& values) {
  for (size_t k = 0; k < values.size() && !too_many_distinct_; ++k) AddDistinct(values.at(k));
}

void ColumnInference::Add(std::string_view v, InferredValue* p, bool count_distinct) {
  ++non_null_;
  if (can_int_ && !(p->is_int = ParseInt64(v, &p->i))) can_int_ = false;
  if (!can_int_ && can_float_ && !(p->is_float = ParseDouble(v, &p->f))) can_float_ = false;
  if (can_bool_ && !(p->is_bool = ParseBool(v, &p->b))) can_bool_ = false;
  if (can_timestamp_ && !(p->is_timestamp = ParseTimestamp(v, &p->timestamp))) can_timestamp_ = false;
  if (count_distinct && !too_many_distinct_) AddDistinct(v);
}

void ColumnInference::AddDistinct(std::string_view v) {
  if (!distinct_.Add(v)) return;
  if (distinct_.size() > kMaxCategories) {
    too_many_distinct_ = true;
    distinct_.clear();
  }
}

void ColumnInference::GiveUpDistinct() {
  too_many_distinct_ = true;
  distinct_.clear();
}

void ColumnInference::Merge(const ColumnInference& o) {
  can_int_ = can_int_ && o.can_int_;
  can_float_ = can_float_ && o.can_float_;
  can_bool_ = can_bool_ && o.can_bool_;
  can_timestamp_ = can_timestamp_ && o.can_timestamp_;
  nulls_ += o.nulls_;
  non_null_ += o.non_null_;
  if (o.too_many_distinct_) {
    too_many_distinct_ = true;
    distinct_.clear();
  }
  for (size_t k = 0; k < o.distinct_.size() && !too_many_distinct_; ++k) AddDistinct(o.distinct_.at(k));
}

ColumnType ColumnInference::Decide() const {
  if (non_null_ == 0) return ColumnType::kFloat;
  if (can_int_) return ColumnType::kInt;
  if (can_float_) return ColumnType::kFloat;
  if (can_bool_) return ColumnType::kBool;
  if (can_timestamp_) return ColumnType::kTimestamp;
  size_t limit = std::min<size_t>(kMaxCategories, std::max<size_t>(20, static_cast<size_t>(non_null_ / 20)));
  if (!too_many_distinct_ && distinct_.size() <= limit) return ColumnType::kCategory;
  return ColumnType::kText;
}

bool ParseAs(ColumnType type, std::string_view text, ParsedValue* out) {
  switch (type) {
    case ColumnType::kInt: return ParseInt64(text, &out->i);
    case ColumnType::kFloat: return ParseDouble(text, &out->f);
    case ColumnType::kBool: {
      bool b;
      if (!ParseBool(text, &b)) {
        if (text == "1") b = true;  // an overridden 0/1 column
        else if (text == "0") b = false;
        else return false;
      }
      out->i = b;
      return true;
    }
    case ColumnType::kTimestamp: return ParseTimestamp(text, &out->i);
    case ColumnType::kCategory:
    case ColumnType::kText: return true;
  }
  return false;
}

}  // namespace strata::data
