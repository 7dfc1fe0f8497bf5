#include "data/jsonl_reader.h"

#include <cstring>

#include <fmt/format.h>

namespace strata::data {

JsonlReader::JsonlReader(std::string display_name, std::vector<std::string> fixed_columns)
    : name_(std::move(display_name)), fixed_(!fixed_columns.empty()), columns_(std::move(fixed_columns)) {
  for (size_t i = 0; i < columns_.size(); ++i) index_[columns_[i]] = i;
}

JsonlReader::~JsonlReader() {
  if (file_ != nullptr) std::fclose(file_);
}

Status JsonlReader::Open(const std::filesystem::path& path) {
  STRATA_ASSIGN_OR_RETURN(file_, OpenInput(path, name_, &total_));
  return Status::Ok();
}

bool JsonlReader::ReadLine(std::string* line) {
  line->clear();
  char buf[65536];
  while (std::fgets(buf, sizeof buf, file_) != nullptr) {
    size_t n = std::strlen(buf);
    line->append(buf, n);
    if (n > 0 && buf[n - 1] == '\n') break;
  }
  if (line->empty()) return false;
  consumed_ += line->size();
  ++line_;
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  if (line_ == 1 && line->size() >= 3 && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
  return true;
}

Result<bool> JsonlReader::Next(Record* record) {
  for (;;) {
    if (!ReadLine(&text_)) return false;
    size_t first = text_.find_first_not_of(" \t");
    if (first == std::string::npos) continue;  // blank line
    Json object;
    try {
      object = Json::parse(text_);
    } catch (const Json::parse_error& e) {
      std::string detail = e.what();
      if (auto pos = detail.find(": "); pos != std::string::npos) detail = detail.substr(pos + 2);
      return InvalidArgumentError(fmt::format("{}: line {}, column {}: invalid JSON: {}", name_, line_,
                                              e.byte == 0 ? 1 : e.byte, detail));
    }
    if (!object.is_object()) {
      return InvalidArgumentError(
          fmt::format("{}: line {}: expected a JSON object, got {}", name_, line_, core::JsonTypeName(object)));
    }
    values_.assign(columns_.size(), std::string());
    record->null.assign(columns_.size(), 1);
    for (auto& [key, value] : object.items()) {
      auto it = index_.find(key);
      size_t col;
      if (it == index_.end()) {
        if (fixed_) {
          return InvalidArgumentError(fmt::format("{}: line {}: unexpected key '{}'", name_, line_, key));
        }
        col = columns_.size();
        index_.emplace(key, col);
        columns_.push_back(key);
        values_.emplace_back();
        record->null.push_back(1);
      } else {
        col = it->second;
      }
      if (value.is_null()) continue;
      values_[col] = value.is_string() ? value.get<std::string>()
                                       : value.dump(-1, ' ', false, Json::error_handler_t::replace);
      record->null[col] = values_[col].empty();
    }
    record->fields.assign(values_.begin(), values_.end());
    record->line = line_;
    return true;
  }
}

}  // namespace strata::data
