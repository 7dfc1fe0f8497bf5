#include "data/speculative_batch.h"

#include <algorithm>
#include <utility>

namespace strata::data {

SpeculativeBatch::SpeculativeBatch(size_t columns, const std::vector<std::optional<ColumnType>>& forced,
                                   size_t expected_rows)
    : columns_(columns), expected_rows_(expected_rows) {
  // Reserved once: growing a chunk's vectors by doubling copied them over and over.
  for (Column& c : columns_) c.valid.reserve(expected_rows);
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
  }
}

void SpeculativeBatch::Start(Column& c, Form form) {
  // Only nulls before this value (the last of `valid`): their fillers in the new form.
  const size_t n = c.valid.size() - 1;
  c.form = form;
  auto fill = [&](auto& v, auto filler) {
    v.reserve(std::max(expected_rows_, n + 1));
    v.assign(n, filler);
  };
  switch (form) {
    case Form::kInt:
    case Form::kTimestamp: fill(c.ints, int64_t{0}); break;
    case Form::kFloat: fill(c.floats, 0.0); break;
    case Form::kBool: fill(c.bools, uint8_t{0}); break;
    case Form::kCodes: fill(c.codes, int32_t{-1}); break;
    case Form::kText: fill(c.ends, uint64_t{0}); break;
    case Form::kNone:
    case Form::kLost: break;
  }
}

void SpeculativeBatch::ToText(Column& c) {
  c.ends.reserve(std::max(expected_rows_, c.codes.size()));
  for (int32_t code : c.codes) {
    if (code >= 0) c.bytes.append(c.dictionary.at(static_cast<size_t>(code)));
    c.ends.push_back(c.bytes.size());
  }
  // The chunk's text at the length per row so far: growing the string by doubling
  // copied most of it several times.
  if (!c.codes.empty()) {
    c.bytes.reserve(c.bytes.size() / c.codes.size() * std::max(expected_rows_, c.codes.size()) * 9 / 8);
  }
  c.codes = {};
  c.dictionary.clear();
  c.form = Form::kText;
}

void SpeculativeBatch::GiveUpCodes(size_t column) {
  Column& c = columns_[column];
  if (c.form == Form::kCodes && !c.forced) ToText(c);
}

void SpeculativeBatch::AddString(Column& c, std::string_view text) {
  if (c.form == Form::kCodes) {
    c.codes.push_back(c.dictionary.Code(text));
    // More distinct values in one chunk than any category has: plain text from here.
    if (c.dictionary.size() <= kMaxCategories) return;
    c.codes.pop_back();
    ToText(c);
    c.too_many_distinct = true;
  }
  c.bytes.append(text);
  c.ends.push_back(c.bytes.size());
}

void SpeculativeBatch::ToFloats(Column& c) {
  // The integer's nearest double, as the text parses: exact below 2^53, and both round
  // the same exact value to nearest above it. Only the sign of a zero is lost.
  c.floats.resize(c.ints.size());
  for (size_t r = 0; r < c.ints.size(); ++r) c.floats[r] = static_cast<double>(c.ints[r]);
  for (int64_t r : c.negative_zeros) c.floats[static_cast<size_t>(r)] = -0.0;
  c.ints = {};
  c.negative_zeros = {};
  c.form = Form::kFloat;
}

void SpeculativeBatch::AddNull(size_t column) {
  Column& c = columns_[column];
  c.valid.push_back(0);
  switch (c.form) {
    case Form::kInt:
    case Form::kTimestamp: c.ints.push_back(0); break;
    case Form::kFloat: c.floats.push_back(0.0); break;
    case Form::kBool: c.bools.push_back(0); break;
    case Form::kCodes: c.codes.push_back(-1); break;
    case Form::kText: c.ends.push_back(c.bytes.size()); break;
    case Form::kNone:
    case Form::kLost: break;
  }
}

void SpeculativeBatch::Add(size_t column, std::string_view text, const InferredValue& p) {
  Column& c = columns_[column];
  if (c.form == Form::kLost) return;
  const int64_t row = static_cast<int64_t>(c.valid.size());
  c.valid.push_back(1);
  if (c.forced) {
    // The row passed the check against the forced type, so the text parses as it.
    ParsedValue v;
    if (!ParseAs(*c.forced, text, &v)) {
      c = Column{Form::kLost};
      return;
    }
    switch (c.form) {
      case Form::kInt:
      case Form::kTimestamp: c.ints.push_back(v.i); break;
      case Form::kFloat: c.floats.push_back(v.f); break;
      case Form::kBool: c.bools.push_back(static_cast<uint8_t>(v.i != 0)); break;
      case Form::kCodes:
      case Form::kText: AddString(c, text); break;
      case Form::kNone:
      case Form::kLost: break;
    }
    return;
  }
  auto push_int = [&] {
    c.ints.push_back(p.i);
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
        c.floats.push_back(p.f);
      } else if (p.is_bool) {
        Start(c, Form::kBool);
        c.bools.push_back(p.b);
      } else if (p.is_timestamp) {
        Start(c, Form::kTimestamp);
        c.ints.push_back(p.timestamp);
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
        c.floats.push_back(p.f);
        return;
      }
      break;
    case Form::kFloat:
      if (p.is_float) {
        c.floats.push_back(p.f);
        return;
      }
      break;
    case Form::kBool:
      if (p.is_bool) {
        c.bools.push_back(p.b);
        return;
      }
      break;
    case Form::kTimestamp:
      if (p.is_timestamp) {
        c.ints.push_back(p.timestamp);
        return;
      }
      break;
    case Form::kCodes:
    case Form::kText: AddString(c, text); return;
    case Form::kLost: return;
  }
  c = Column{Form::kLost};  // the values no longer share a form: nothing is kept
}

size_t SpeculativeBatch::bytes() const {
  size_t n = 0;
  for (const Column& c : columns_) {
    n += c.valid.capacity() + c.ints.capacity() * 8 + c.floats.capacity() * 8 + c.bools.capacity() +
         c.codes.capacity() * 4 + c.bytes.capacity() + c.ends.capacity() * 8 + c.negative_zeros.capacity() * 8;
  }
  return n;
}

std::unique_ptr<ColumnBatch> SpeculativeBatch::Finish(const Schema& schema) {
  if (schema.columns.size() != columns_.size()) return nullptr;
  const size_t n = static_cast<size_t>(rows_);
  std::vector<ColumnBatch::Column> out(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    ColumnBatch::Column& o = out[i];
    const ColumnType type = schema.columns[i].type;
    o.type = type;
    if (c.form == Form::kLost || c.valid.size() != n) return nullptr;
    o.valid = std::move(c.valid);
    if (c.form == Form::kNone) {  // only nulls: the type's fillers
      switch (type) {
        case ColumnType::kInt:
        case ColumnType::kTimestamp: o.ints.assign(n, 0); break;
        case ColumnType::kFloat: o.floats.assign(n, 0.0); break;
        case ColumnType::kBool: o.bools.assign(n, 0); break;
        case ColumnType::kText: o.ends.assign(n, 0); break;
        case ColumnType::kCategory: o.codes.assign(n, -1); break;
      }
      continue;
    }
    switch (type) {
      case ColumnType::kInt:
        if (c.form != Form::kInt) return nullptr;
        o.ints = std::move(c.ints);
        break;
      case ColumnType::kFloat:
        if (c.form == Form::kInt) ToFloats(c);
        if (c.form != Form::kFloat) return nullptr;
        o.floats = std::move(c.floats);
        break;
      case ColumnType::kBool:
        if (c.form != Form::kBool) return nullptr;
        o.bools = std::move(c.bools);
        break;
      case ColumnType::kTimestamp:
        if (c.form != Form::kTimestamp) return nullptr;
        o.ints = std::move(c.ints);
        break;
      case ColumnType::kText:
        if (c.form == Form::kCodes) ToText(c);
        if (c.form != Form::kText) return nullptr;
        o.bytes = std::move(c.bytes);
        o.ends = std::move(c.ends);
        break;
      case ColumnType::kCategory: {
        if (c.form == Form::kCodes) {  // local codes in order of first appearance, as AddRow's
          o.codes = std::move(c.codes);
          o.dictionary = std::move(c.dictionary);
          break;
        }
        if (c.form != Form::kText) return nullptr;
        // Local codes in order of first appearance, as ColumnBatch::AddRow gives them.
        o.codes.resize(n);
        uint64_t from = 0;
        for (size_t r = 0; r < n; ++r) {
          const uint64_t to = c.ends[r];
          o.codes[r] = o.valid[r] ? o.dictionary.Code(std::string_view(c.bytes).substr(from, to - from)) : -1;
          from = to;
        }
        c.bytes = {};
        c.ends = {};
        break;
      }
    }
  }
  return std::make_unique<ColumnBatch>(std::move(out), rows_);
}

}  // namespace strata::data
