#include "data/speculative_batch.h"

#include <algorithm>
#include <utility>

namespace strata::data {

ColumnType SpeculativeBatch::LayoutType(Form form) {
  switch (form) {
    case Form::kInt: return ColumnType::kInt;
    case Form::kFloat: return ColumnType::kFloat;
    case Form::kBool: return ColumnType::kBool;
    case Form::kTimestamp: return ColumnType::kTimestamp;
    case Form::kCodes: return ColumnType::kCategory;
    case Form::kNone:
    case Form::kText:
    case Form::kLost: break;
  }
  return ColumnType::kText;
}

SpeculativeBatch::SpeculativeBatch(size_t columns, const std::vector<std::optional<ColumnType>>& forced,
                                   size_t expected_rows)
    : columns_(columns), expected_rows_(expected_rows) {
  // Reserved once: growing a chunk's vectors by doubling copied them over and over.
  for (Column& c : columns_) c.v.valid.reserve(expected_rows);
  for (size_t c = 0; c < forced.size() && c < columns; ++c) {
    if (!forced[c]) continue;
    Column& col = columns_[c];
    col.forced = forced[c];
    switch (*forced[c]) {
      case ColumnType::kInt: col.form = Form::kInt; break;
      case ColumnType::kFloat: col.form = Form::kFloat; break;
      case ColumnType::kBool: col.form = Form::kBool; break;
      case ColumnType::kTimestamp: col.form = Form::kTimestamp; break;
      case ColumnType::kCategory: col.form = Form::kCodes; break;
      case ColumnType::kText: col.form = Form::kText; break;
    }
    col.v.type = *forced[c];
  }
}

void SpeculativeBatch::Start(Column& c, Form form) {
  // Only nulls before this value (the last of `valid`): their fillers in the new form.
  const size_t n = c.v.valid.size() - 1;
  c.form = form;
  c.v.type = LayoutType(form);
  auto fill = [&](auto& v, auto filler) {
    v.reserve(std::max(expected_rows_, n + 1));
    v.assign(n, filler);
  };
  switch (form) {
    case Form::kInt:
    case Form::kTimestamp: fill(c.v.ints, int64_t{0}); break;
    case Form::kFloat: fill(c.v.floats, 0.0); break;
    case Form::kBool: fill(c.v.bools, uint8_t{0}); break;
    case Form::kCodes: fill(c.v.codes, int32_t{-1}); break;
    case Form::kText: fill(c.v.ends, uint64_t{0}); break;
    case Form::kNone:
    case Form::kLost: break;
  }
}

void SpeculativeBatch::ToText(Column& c) {
  const size_t rows = c.v.codes.size();
  c.v.ends.reserve(std::max(expected_rows_, rows));
  Convert(c, ColumnType::kText, &c.v);
  // The chunk's text at the length per row so far: growing the string by doubling
  // copied most of it several times.
  if (rows > 0) c.v.bytes.reserve(c.v.bytes.size() / rows * std::max(expected_rows_, rows) * 9 / 8);
  c.v.codes = {};
  c.v.dictionary.clear();
  c.form = Form::kText;
}

void SpeculativeBatch::GiveUpCodes(size_t column) {
  Column& c = columns_[column];
  if (c.form == Form::kCodes && !c.forced) ToText(c);
}

void SpeculativeBatch::AddString(Column& c, std::string_view text) {
  if (c.form == Form::kCodes) {
    c.v.codes.push_back(c.v.dictionary.Code(text));
    // More distinct values in one chunk than any category has: plain text from here.
    if (c.v.dictionary.size() <= kMaxCategories) return;
    c.v.codes.pop_back();
    ToText(c);
    c.too_many_distinct = true;
  }
  c.v.bytes.append(text);
  c.v.ends.push_back(c.v.bytes.size());
}

void SpeculativeBatch::ToFloats(Column& c) {
  Convert(c, ColumnType::kFloat, &c.v);
  c.v.ints = {};
  c.negative_zeros = {};
  c.form = Form::kFloat;
}

void SpeculativeBatch::AddNull(size_t column) {
  Column& c = columns_[column];
  c.v.valid.push_back(0);
  switch (c.form) {
    case Form::kInt:
    case Form::kTimestamp: c.v.ints.push_back(0); break;
    case Form::kFloat: c.v.floats.push_back(0.0); break;
    case Form::kBool: c.v.bools.push_back(0); break;
    case Form::kCodes: c.v.codes.push_back(-1); break;
    case Form::kText: c.v.ends.push_back(c.v.bytes.size()); break;
    case Form::kNone:
    case Form::kLost: break;
  }
}

void SpeculativeBatch::Add(size_t column, std::string_view text, const InferredValue& p) {
  Column& c = columns_[column];
  if (c.form == Form::kLost) return;
  const int64_t row = static_cast<int64_t>(c.v.valid.size());
  c.v.valid.push_back(1);
  if (c.forced) {
    // The row passed the check against the forced type, so the text parses as it.
    ParsedValue v;
    if (!ParseAs(*c.forced, text, &v)) {
      c = Column{};
      c.form = Form::kLost;
      return;
    }
    switch (c.form) {
      case Form::kInt:
      case Form::kTimestamp: c.v.ints.push_back(v.i); break;
      case Form::kFloat: c.v.floats.push_back(v.f); break;
      case Form::kBool: c.v.bools.push_back(static_cast<uint8_t>(v.i != 0)); break;
      case Form::kCodes:
      case Form::kText: AddString(c, text); break;
      case Form::kNone:
      case Form::kLost: break;
    }
    return;
  }
  auto push_int = [&] {
    c.v.ints.push_back(p.i);
    if (p.i == 0 && !text.empty() && text[0] == '-') c.negative_zeros.push_back(row);
  };
  switch (c.form) {
    case Form::kNone:
      // The first value: the first form it has, in inference's order.
      if (p.is_int) {
        Start(c, Form::kInt);
        push_int();
      } else if (p.is_float) {
        Start(c, Form::kFloat);
        c.v.floats.push_back(p.f);
      } else if (p.is_bool) {
        Start(c, Form::kBool);
        c.v.bools.push_back(p.b);
      } else if (p.is_timestamp) {
        Start(c, Form::kTimestamp);
        c.v.ints.push_back(p.timestamp);
      } else {
        Start(c, Form::kCodes);
        AddString(c, text);
      }
      return;
    case Form::kInt:
      if (p.is_int) {
        push_int();
        return;
      }
      if (p.is_float) {
        ToFloats(c);
        c.v.floats.push_back(p.f);
        return;
      }
      break;
    case Form::kFloat:
      if (p.is_float) {
        c.v.floats.push_back(p.f);
        return;
      }
      break;
    case Form::kBool:
      if (p.is_bool) {
        c.v.bools.push_back(p.b);
        return;
      }
      break;
    case Form::kTimestamp:
      if (p.is_timestamp) {
        c.v.ints.push_back(p.timestamp);
        return;
      }
      break;
    case Form::kCodes:
    case Form::kText: AddString(c, text); return;
    case Form::kLost: return;
  }
  c = Column{};  // the values no longer share a form: nothing is kept
  c.form = Form::kLost;
}

size_t SpeculativeBatch::bytes() const {
  size_t n = 0;
  for (const Column& c : columns_) {
    n += c.v.valid.capacity() + c.v.ints.capacity() * 8 + c.v.floats.capacity() * 8 + c.v.bools.capacity() +
         c.v.codes.capacity() * 4 + c.v.bytes.capacity() + c.v.ends.capacity() * 8 + c.negative_zeros.capacity() * 8;
  }
  return n;
}

bool SpeculativeBatch::Converts(const Column& c, ColumnType type) {
  switch (c.form) {
    case Form::kNone: return true;  // only nulls: the type's fillers
    case Form::kLost: return false;
    case Form::kInt: return type == ColumnType::kInt || type == ColumnType::kFloat;
    case Form::kFloat: return type == ColumnType::kFloat;
    case Form::kBool: return type == ColumnType::kBool;
    case Form::kTimestamp: return type == ColumnType::kTimestamp;
    case Form::kCodes:
    case Form::kText: return type == ColumnType::kCategory || type == ColumnType::kText;
  }
  return false;
}

bool SpeculativeBatch::InLayout(const Column& c, ColumnType type) {
  return c.form != Form::kNone && c.form != Form::kLost && c.v.type == type;
}

void SpeculativeBatch::Convert(const Column& c, ColumnType type, ColumnBatch::Column* o) const {
  const size_t n = static_cast<size_t>(rows_);
  o->type = type;
  if (c.form == Form::kNone) {
    switch (type) {
      case ColumnType::kInt:
      case ColumnType::kTimestamp: o->ints.assign(n, 0); break;
      case ColumnType::kFloat: o->floats.assign(n, 0.0); break;
      case ColumnType::kBool: o->bools.assign(n, 0); break;
      case ColumnType::kText: o->ends.assign(n, 0); break;
      case ColumnType::kCategory: o->codes.assign(n, -1); break;
    }
    return;
  }
  switch (type) {
    case ColumnType::kFloat: {  // from ints
      // The integer's nearest double, as the text parses: exact below 2^53, and both
      // round the same exact value to nearest above it. Only the sign of a zero is lost.
      o->floats.resize(c.v.ints.size());
      for (size_t r = 0; r < c.v.ints.size(); ++r) o->floats[r] = static_cast<double>(c.v.ints[r]);
      for (int64_t r : c.negative_zeros) o->floats[static_cast<size_t>(r)] = -0.0;
      break;
    }
    case ColumnType::kText: {  // from codes
      for (int32_t code : c.v.codes) {
        if (code >= 0) o->bytes.append(c.v.dictionary.at(static_cast<size_t>(code)));
        o->ends.push_back(o->bytes.size());
      }
      break;
    }
    case ColumnType::kCategory: {  // from text
      // Local codes in order of first appearance, as ColumnBatch::AddRow gives them.
      o->codes.resize(n);
      uint64_t from = 0;
      for (size_t r = 0; r < n; ++r) {
        const uint64_t to = c.v.ends[r];
        o->codes[r] = c.v.valid[r] ? o->dictionary.Code(std::string_view(c.v.bytes).substr(from, to - from)) : -1;
        from = to;
      }
      break;
    }
    case ColumnType::kInt:
    case ColumnType::kBool:
    case ColumnType::kTimestamp: break;  // only in their own layout
  }
}

const ColumnBatch::Column* SpeculativeBatch::ColumnAs(size_t column, ColumnType type,
                                                      ColumnBatch::Column* scratch) const {
  const Column& c = columns_[column];
  if (c.v.valid.size() != static_cast<size_t>(rows_) || !Converts(c, type)) return nullptr;
  if (InLayout(c, type)) return &c.v;
  *scratch = ColumnBatch::Column{};
  scratch->valid = c.v.valid;
  Convert(c, type, scratch);
  return scratch;
}

std::unique_ptr<ColumnBatch> SpeculativeBatch::Finish(const Schema& schema) {
  if (schema.columns.size() != columns_.size()) return nullptr;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    if (c.v.valid.size() != static_cast<size_t>(rows_) || !Converts(c, schema.columns[i].type)) return nullptr;
  }
  std::vector<ColumnBatch::Column> out(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    const ColumnType type = schema.columns[i].type;
    if (InLayout(c, type)) {
      out[i] = std::move(c.v);
    } else {
      Convert(c, type, &out[i]);
      out[i].valid = std::move(c.v.valid);
    }
    out[i].type = type;
    c = Column{};
  }
  return std::make_unique<ColumnBatch>(std::move(out), rows_);
}

}  // namespace strata::data
