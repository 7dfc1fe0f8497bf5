// Adapter over simdjson's On-Demand API (ARCHITECTURE.md: simdjson where measured to
// matter). Reading a one-row body with nlohmann's parser, even through its SAX events,
// was about 15 % of the server's CPU per invocation; simdjson reads it in a fraction.
#include "serve/json_features.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include <simdjson.h>

namespace strata::serve {
namespace {

namespace dom = simdjson::dom;

class Reader {
 public:
  Reader(const Predictor& predictor, size_t max_rows, Features* out)
      : columns_(predictor.input_columns()), encoder_(predictor.recipe(), &out->values, &out->notes),
        max_rows_(max_rows) {}

  size_t rows() const { return encoder_.rows(); }

  // {"instances": [...]} or a bare list.
  bool Document(dom::element doc) {
    if (doc.type() == dom::element_type::ARRAY) return Rows(dom::array(doc));
    if (doc.type() != dom::element_type::OBJECT) return false;
    dom::object object(doc);
    // Only {"instances": [...]}: other keys are the document path's to judge.
    if (object.size() != 1) return false;
    dom::key_value_pair only = *object.begin();
    return only.key == "instances" && only.value.type() == dom::element_type::ARRAY && Rows(dom::array(only.value));
  }

 private:
  bool Rows(dom::array rows) {
    for (dom::element row : rows) {
      if (encoder_.rows() >= max_rows_) return false;
      encoder_.BeginRow();
      if (row.type() == dom::element_type::OBJECT) {
        if (!ObjectRow(dom::object(row))) return false;
      } else if (row.type() == dom::element_type::ARRAY) {
        if (!ListRow(dom::array(row))) return false;
      } else {
        return false;
      }
      if (!encoder_.EndRow().ok()) return false;
    }
    return true;
  }

  bool ObjectRow(dom::object object) {
    size_t at = 0;
    for (dom::key_value_pair field : object) {
      // A column of the model's input (the document path notes any other) that a step reads.
      const bool input = (at < columns_.size() && columns_[at] == field.key) ||
                         std::find(columns_.begin(), columns_.end(), field.key) != columns_.end();
      const int step = input ? encoder_.Find(field.key, at) : -1;
      ++at;
      if (step < 0 || !Scalar(field.value, step)) return false;
    }
    return true;
  }

  bool ListRow(dom::array list) {
    size_t at = 0;
    for (dom::element value : list) {
      if (at >= columns_.size()) return false;
      const int step = encoder_.Find(columns_[at], at);
      ++at;
      if (step < 0 || !Scalar(value, step)) return false;
    }
    return at == columns_.size();
  }

  // The value's kind decides as in the document path: integers (signed, or unsigned
  // up to int64's range) are integers, other numbers doubles.
  bool Scalar(dom::element value, int step) {
    switch (value.type()) {
      case dom::element_type::INT64: return encoder_.Integer(step, int64_t(value)).ok();
      case dom::element_type::UINT64: return false;  // past int64: the document path's rules
      case dom::element_type::DOUBLE: return encoder_.Number(step, double(value)).ok();
      case dom::element_type::STRING: return encoder_.String(step, std::string_view(value)).ok();
      case dom::element_type::BOOL: return encoder_.Bool(step, bool(value)).ok();
      case dom::element_type::NULL_VALUE: return encoder_.Null(step).ok();
      default: return false;  // a nested object or list
    }
  }

  const std::vector<std::string>& columns_;
  data::Recipe::RowEncoder encoder_;
  size_t max_rows_;
};

}  // namespace

bool ReadJsonFeatures(std::string_view body, const Predictor& predictor, size_t max_rows, Features* out) {
  if (!predictor.text_column().empty()) return false;
  // The DOM parser picks its SIMD kernels at run time (the On-Demand API would be built
  // for the compile target, here plain x86-64). It reads a few bytes past the end: a
  // padded copy (only small bodies come here).
  thread_local dom::parser parser;
  thread_local std::string padded;
  padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), body.data(), body.size());
  std::memset(padded.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element doc;
  if (parser.parse(padded.data(), body.size(), false).get(doc)) return false;
  Features f;
  Reader reader(predictor, max_rows, &f);
  if (!reader.Document(doc) || reader.rows() == 0 || !f.notes.empty()) return false;
  f.rows = reader.rows();
  f.cols = predictor.num_features();
  *out = std::move(f);
  return true;
}

}  // namespace strata::serve
