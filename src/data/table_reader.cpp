#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "data/table.h"

namespace strata::data {
namespace {

Status Corrupt(const std::filesystem::path& dir, const std::string& what) {
  return InternalError(fmt::format("dataset files in '{}' are corrupt: {}", dir.string(), what));
}

}  // namespace

std::string_view ColumnView::Text(int64_t row) const {
  if (type == ColumnType::kCategory) return dictionary[static_cast<size_t>(codes[row])];
  return std::string_view(data + offsets[row], offsets[row + 1] - offsets[row]);
}

Table::~Table() {
  for (auto& m : mappings_) {
    if (m.addr != nullptr) ::munmap(m.addr, m.size);
  }
}

Result<const void*> Table::Map(const std::filesystem::path& file, size_t expected, bool exact) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Corrupt(dir_, fmt::format("cannot open {}: {}", file.filename().string(), std::strerror(errno)));
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0 || (exact ? static_cast<size_t>(size) != expected : static_cast<size_t>(size) < expected)) {
    ::close(fd);
    return Corrupt(dir_, fmt::format("{} has {} bytes, expected {}", file.filename().string(), size, expected));
  }
  bytes_ += static_cast<uint64_t>(size);
  if (size == 0) {
    ::close(fd);
    static const uint64_t kEmpty = 0;
    return static_cast<const void*>(&kEmpty);
  }
  void* addr = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED) return InternalError(fmt::format("cannot map {}: {}", file.string(), std::strerror(errno)));
  mappings_.push_back({addr, static_cast<size_t>(size)});
  return static_cast<const void*>(addr);
}

Result<std::shared_ptr<Table>> Table::Open(const std::filesystem::path& dir) {
  std::shared_ptr<Table> t(new Table());
  t->dir_ = dir;
  STRATA_ASSIGN_OR_RETURN(std::string text, core::ReadFile(dir / "schema.json"));
  auto parsed = core::ParseJson(text, (dir / "schema.json").string());
  if (!parsed.ok()) return Corrupt(dir, parsed.status().message());
  const Json& j = *parsed;
  if (!j.is_object() || j.value("format", "") != "strata-table" || !j["version"].is_number_integer() ||
      !j["rows"].is_number_integer() || !j["columns"].is_array()) {
    return Corrupt(dir, "schema.json is not a strata-table schema");
  }
  int version = j["version"].get<int>();
  if (version > kTableFormatVersion) {
    return ConflictError(fmt::format("dataset in '{}' has table format version {}, this strata reads up to {}: "
                                     "upgrade strata",
                                     dir.string(), version, kTableFormatVersion));
  }
  t->rows_ = j["rows"].get<int64_t>();
  if (t->rows_ < 0) return Corrupt(dir, "negative row count");
  const size_t n = static_cast<size_t>(t->rows_);
  for (size_t i = 0; i < j["columns"].size(); ++i) {
    const Json& c = j["columns"][i];
    ColumnView v;
    v.name = c.value("name", "");
    auto type = ParseColumnType(c.value("type", ""));
    if (!type || v.name.empty()) return Corrupt(dir, fmt::format("column {} has no valid name or type", i));
    v.type = *type;
    v.nulls = c.value("nulls", int64_t{0});
    std::string base = (dir / fmt::format("c{}", i)).string();
    if (v.nulls > 0) {
      STRATA_ASSIGN_OR_RETURN(const void* p, t->Map(base + ".valid", (n + 7) / 8, true));
      v.valid = static_cast<const uint8_t*>(p);
    }
    switch (v.type) {
      case ColumnType::kInt:
      case ColumnType::kTimestamp: {
        STRATA_ASSIGN_OR_RETURN(const void* p, t->Map(base + ".values", n * 8, true));
        v.ints = static_cast<const int64_t*>(p);
        break;
      }
      case ColumnType::kFloat: {
        STRATA_ASSIGN_OR_RETURN(const void* p, t->Map(base + ".values", n * 8, true));
        v.floats = static_cast<const double*>(p);
        break;
      }
      case ColumnType::kBool: {
        STRATA_ASSIGN_OR_RETURN(const void* p, t->Map(base + ".values", n, true));
        v.bools = static_cast<const uint8_t*>(p);
        break;
      }
      case ColumnType::kText:
      case ColumnType::kCategory: {
        size_t entries = n;
        if (v.type == ColumnType::kCategory) {
          int64_t k = c.value("dictionary", int64_t{-1});
          if (k < 0) return Corrupt(dir, fmt::format("category column '{}' has no dictionary size", v.name));
          entries = static_cast<size_t>(k);
          STRATA_ASSIGN_OR_RETURN(const void* p, t->Map(base + ".values", n * 4, true));
          v.codes = static_cast<const int32_t*>(p);
        }
        STRATA_ASSIGN_OR_RETURN(const void* po, t->Map(base + ".offsets", (entries + 1) * 8, true));
        v.offsets = static_cast<const uint64_t*>(po);
        STRATA_ASSIGN_OR_RETURN(const void* pd, t->Map(base + ".data", 0, false));
        v.data = static_cast<const char*>(pd);
        std::error_code ec;
        uint64_t data_size = std::filesystem::file_size(base + ".data", ec);
        if (v.offsets[0] != 0 || v.offsets[entries] != data_size) {
          return Corrupt(dir, fmt::format("column '{}': offsets do not match its data", v.name));
        }
        for (size_t r = 0; r < entries; ++r) {
          if (v.offsets[r] > v.offsets[r + 1]) return Corrupt(dir, fmt::format("column '{}': offsets decrease", v.name));
        }
        if (v.type == ColumnType::kCategory) {
          for (size_t e = 0; e < entries; ++e) {
            v.dictionary.emplace_back(v.data + v.offsets[e], v.offsets[e + 1] - v.offsets[e]);
          }
          for (size_t r = 0; r < n; ++r) {
            bool valid = v.valid == nullptr || (v.valid[r >> 3] >> (r & 7)) & 1;
            if (valid && (v.codes[r] < 0 || static_cast<size_t>(v.codes[r]) >= entries)) {
              return Corrupt(dir, fmt::format("column '{}': category code out of range at row {}", v.name, r));
            }
          }
          v.offsets = nullptr;  // the dictionary's, not per row
        }
        break;
      }
    }
    t->schema_.columns.push_back({v.name, v.type, v.nulls});
    t->columns_.push_back(std::move(v));
  }
  return t;
}

namespace {

// Microseconds since the epoch as RFC 3339 (milliseconds, rounded down).
std::string TimestampText(int64_t us) {
  int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  return core::FormatRfc3339(core::FromUnixMillis(ms));
}

}  // namespace

std::string Table::ValueAsText(size_t column, int64_t row) const {
  const ColumnView& c = columns_[column];
  if (!c.IsValid(row)) return "";
  switch (c.type) {
    case ColumnType::kInt: return std::to_string(c.ints[row]);
    case ColumnType::kFloat: return std::isfinite(c.floats[row]) ? fmt::format("{}", c.floats[row]) : "";
    case ColumnType::kBool: return c.bools[row] ? "true" : "false";
    case ColumnType::kTimestamp: return TimestampText(c.ints[row]);
    case ColumnType::kCategory:
    case ColumnType::kText: return std::string(c.Text(row));
  }
  return "";
}

Json Table::ValueAsJson(size_t column, int64_t row) const {
  const ColumnView& c = columns_[column];
  if (!c.IsValid(row)) return nullptr;
  switch (c.type) {
    case ColumnType::kInt: return c.ints[row];
    case ColumnType::kFloat: return std::isfinite(c.floats[row]) ? Json(c.floats[row]) : Json(nullptr);
    case ColumnType::kBool: return c.bools[row] != 0;
    case ColumnType::kTimestamp: return TimestampText(c.ints[row]);
    case ColumnType::kCategory:
    case ColumnType::kText: return std::string(c.Text(row));
  }
  return nullptr;
}

Json Table::RowsAsJson(int64_t offset, int64_t limit) const {
  Json rows = Json::array();
  if (offset < 0) offset = 0;
  int64_t end = std::min(rows_, offset + std::max<int64_t>(0, limit));
  for (int64_t r = offset; r < end; ++r) {
    Json row = Json::object();
    for (size_t c = 0; c < columns_.size(); ++c) row[columns_[c].name] = ValueAsJson(c, r);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace strata::data
