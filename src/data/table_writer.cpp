#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>

#include <fmt/format.h>

#include "data/column_batch.h"
#include "data/table.h"

namespace strata::data {

struct TableWriter::ColumnFiles {
  FILE* valid = nullptr;
  FILE* values = nullptr;
  FILE* offsets = nullptr;  // text only
  FILE* data = nullptr;     // text only
  uint8_t valid_byte = 0;
  int valid_bits = 0;
  int64_t nulls = 0;
  uint64_t data_size = 0;
  uint64_t unsynced_bytes = 0;  // appended by AppendColumn since its last writeback
  int64_t rows = 0;
  std::unordered_map<std::string, int32_t> dictionary;  // category
  std::vector<std::string> dictionary_order;
  std::vector<char> buffers[4];

  ~ColumnFiles() {
    for (FILE* f : {valid, values, offsets, data}) {
      if (f != nullptr) std::fclose(f);
    }
  }
};

namespace {

// Per column: the disk writes of a column start every few MB it appends, so Finish's
// fsync, which a caller waits for, finds little left to do.
constexpr uint64_t kWritebackBytes = 2 << 20;

Result<FILE*> OpenFile(const std::filesystem::path& path, std::vector<char>* buffer) {
  FILE* f = std::fopen(path.c_str(), "wbx");
  if (f == nullptr) return InternalError(fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)));
  buffer->resize(1 << 18);
  std::setvbuf(f, buffer->data(), _IOFBF, buffer->size());
  return f;
}

Status SyncClose(FILE*& f, const std::filesystem::path& what) {
  if (f == nullptr) return Status::Ok();
  bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  f = nullptr;
  if (!ok) return InternalError(fmt::format("cannot write '{}': {}", what.string(), std::strerror(errno)));
  return Status::Ok();
}

}  // namespace

TableWriter::~TableWriter() = default;

Result<std::unique_ptr<TableWriter>> TableWriter::Create(const std::filesystem::path& dir, const Schema& schema) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return InternalError(fmt::format("'{}' already exists", dir.string()));
  std::filesystem::create_directories(dir, ec);
  if (ec) return InternalError(fmt::format("cannot create '{}': {}", dir.string(), ec.message()));
  std::unique_ptr<TableWriter> w(new TableWriter());
  w->dir_ = dir;
  w->schema_ = schema;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    STRATA_ASSIGN_OR_RETURN(auto c, w->OpenColumn(i, schema.columns[i].type));
    w->columns_.push_back(std::move(c));
  }
  return w;
}

Result<std::unique_ptr<TableWriter::ColumnFiles>> TableWriter::OpenColumn(size_t column, ColumnType type) const {
  auto c = std::make_unique<ColumnFiles>();
  const std::string base = (dir_ / fmt::format("c{}", column)).string();
  STRATA_ASSIGN_OR_RETURN(c->valid, OpenFile(base + ".valid", &c->buffers[0]));
  if (type == ColumnType::kText) {
    STRATA_ASSIGN_OR_RETURN(c->offsets, OpenFile(base + ".offsets", &c->buffers[2]));
    STRATA_ASSIGN_OR_RETURN(c->data, OpenFile(base + ".data", &c->buffers[3]));
    uint64_t zero = 0;
    std::fwrite(&zero, sizeof zero, 1, c->offsets);
  } else {
    STRATA_ASSIGN_OR_RETURN(c->values, OpenFile(base + ".values", &c->buffers[1]));
  }
  return c;
}

Status TableWriter::ResetColumn(size_t column, ColumnType type) {
  columns_[column].reset();  // closes its files
  const std::string base = (dir_ / fmt::format("c{}", column)).string();
  for (const char* ext : {".valid", ".values", ".offsets", ".data"}) {
    std::error_code ec;
    std::filesystem::remove(base + ext, ec);
    if (ec) return InternalError(fmt::format("cannot remove '{}{}': {}", base, ext, ec.message()));
  }
  schema_.columns[column].type = type;
  STRATA_ASSIGN_OR_RETURN(columns_[column], OpenColumn(column, type));
  return Status::Ok();
}

int64_t TableWriter::rows() const { return columns_.empty() ? 0 : columns_[0]->rows; }

void TableWriter::Write(FILE* f, const void* data, size_t size) {
  // Unlocked: one thread writes a file at a time, and the stdio lock per value cost ~10 %.
  if (fwrite_unlocked(data, 1, size, f) != size) {
    const int error = errno;
    std::lock_guard lock(error_mu_);
    if (error_.ok())
      error_ = InternalError(fmt::format("cannot write table data in '{}': {}", dir_.string(), std::strerror(error)));
  }
}

void TableWriter::PushValid(size_t column, bool valid) {
  ColumnFiles& c = *columns_[column];
  ++c.rows;
  if (valid) c.valid_byte |= static_cast<uint8_t>(1u << c.valid_bits);
  else ++c.nulls;
  if (++c.valid_bits == 8) {
    Write(c.valid, &c.valid_byte, 1);
    c.valid_byte = 0;
    c.valid_bits = 0;
  }
}

void TableWriter::PushValids(size_t column, const std::vector<uint8_t>& valid) {
  ColumnFiles& c = *columns_[column];
  size_t i = 0;
  const int64_t rows = c.rows + static_cast<int64_t>(valid.size());
  while (i < valid.size() && c.valid_bits != 0) PushValid(column, valid[i++] != 0);
  // Whole bytes of the bitmap at once: a call and a one-byte write per value was most
  // of appending a batch.
  uint8_t packed[512];
  size_t n = 0;
  for (; i + 8 <= valid.size(); i += 8) {
    uint8_t byte = 0;
    for (int b = 0; b < 8; ++b) byte |= static_cast<uint8_t>((valid[i + b] != 0) << b);
    c.nulls += 8 - std::popcount(byte);
    packed[n++] = byte;
    if (n == sizeof packed) {
      Write(c.valid, packed, n);
      n = 0;
    }
  }
  if (n > 0) Write(c.valid, packed, n);
  while (i < valid.size()) PushValid(column, valid[i++] != 0);
  c.rows = rows;
}

void TableWriter::WriteInt(size_t column, int64_t v) {
  ColumnFiles& c = *columns_[column];
  if (schema_.columns[column].type == ColumnType::kBool) {
    uint8_t b = v != 0;
    Write(c.values, &b, 1);
  } else {
    Write(c.values, &v, sizeof v);
  }
}

void TableWriter::WriteText(size_t column, std::string_view v, bool null) {
  ColumnFiles& c = *columns_[column];
  if (schema_.columns[column].type == ColumnType::kCategory) {
    int32_t code = -1;
    if (!null) {
      auto [it, added] = c.dictionary.try_emplace(std::string(v), static_cast<int32_t>(c.dictionary.size()));
      if (added) c.dictionary_order.emplace_back(v);
      code = it->second;
    }
    Write(c.values, &code, sizeof code);
    return;
  }
  Write(c.data, v.data(), v.size());
  c.data_size += v.size();
  Write(c.offsets, &c.data_size, sizeof c.data_size);
}

void TableWriter::AppendNull(size_t column) {
  PushValid(column, false);
  switch (schema_.columns[column].type) {
    case ColumnType::kInt:
    case ColumnType::kTimestamp:
    case ColumnType::kBool: WriteInt(column, 0); break;
    case ColumnType::kFloat: {
      double zero = 0;
      Write(columns_[column]->values, &zero, sizeof zero);
      break;
    }
    case ColumnType::kCategory:
    case ColumnType::kText: WriteText(column, {}, true); break;
  }
}

void TableWriter::AppendInt(size_t column, int64_t v) {
  PushValid(column, true);
  WriteInt(column, v);
}

void TableWriter::AppendFloat(size_t column, double v) {
  PushValid(column, true);
  Write(columns_[column]->values, &v, sizeof v);
}

void TableWriter::AppendText(size_t column, std::string_view v) {
  PushValid(column, true);
  WriteText(column, v, false);
}

void TableWriter::AppendBatch(const ColumnBatch& batch, core::ThreadPool* pool, const std::vector<uint8_t>* only) {
  const auto& in = batch.columns();
  std::vector<std::pair<size_t, size_t>> order;  // (bytes, column)
  for (size_t i = 0; i < in.size(); ++i) {
    if (only == nullptr || (*only)[i]) order.emplace_back(in[i].valid.size() * 8 + in[i].bytes.size(), i);
  }
  if (pool == nullptr || order.size() < 2) {
    for (const auto& [bytes, i] : order) AppendColumn(i, in[i]);
    return;
  }
  // Columns have their own files, so they append independently; copying a batch
  // into the page cache was most of an import's second pass on one thread.
  // Largest first, as each free thread claims the next.
  std::sort(order.begin(), order.end(), std::greater<>());
  pool->ParallelForDynamic(order.size(), [&](size_t k) { AppendColumn(order[k].second, in[order[k].second]); });
}

void TableWriter::AppendColumn(size_t i, const ColumnBatch::Column& b) {
  ColumnFiles& c = *columns_[i];
  PushValids(i, b.valid);
  switch (b.type) {
    case ColumnType::kInt:
    case ColumnType::kTimestamp: Write(c.values, b.ints.data(), b.ints.size() * sizeof(int64_t)); break;
    case ColumnType::kFloat: Write(c.values, b.floats.data(), b.floats.size() * sizeof(double)); break;
    case ColumnType::kBool: Write(c.values, b.bools.data(), b.bools.size()); break;
    case ColumnType::kText: {
      std::vector<uint64_t> offsets(b.ends.size());
      for (size_t r = 0; r < offsets.size(); ++r) offsets[r] = c.data_size + b.ends[r];
      Write(c.data, b.bytes.data(), b.bytes.size());
      Write(c.offsets, offsets.data(), offsets.size() * sizeof(uint64_t));
      c.data_size += b.bytes.size();
      break;
    }
    case ColumnType::kCategory: {
      // Local codes to table codes: local entries are in order of first appearance,
      // so new ones join the table's dictionary in the order row-by-row appends give.
      std::vector<int32_t> global(b.dictionary.size());
      for (size_t k = 0; k < global.size(); ++k) {
        std::string_view v = b.dictionary.at(k);
        auto it = c.dictionary.find(std::string(v));
        if (it == c.dictionary.end()) {
          it = c.dictionary.emplace(std::string(v), static_cast<int32_t>(c.dictionary.size())).first;
          c.dictionary_order.emplace_back(v);
        }
        global[k] = it->second;
      }
      std::vector<int32_t> codes(b.codes.size());
      for (size_t r = 0; r < codes.size(); ++r) codes[r] = b.codes[r] < 0 ? -1 : global[b.codes[r]];
      Write(c.values, codes.data(), codes.size() * sizeof(int32_t));
      break;
    }
  }
  c.unsynced_bytes += b.valid.size() * 8 + b.bytes.size();  // about what the column wrote
  if (c.unsynced_bytes >= kWritebackBytes) {
    c.unsynced_bytes = 0;
    for (FILE* f : {c.valid, c.values, c.offsets, c.data}) {
      // Asynchronous: queues the pages for writing and returns. Durability still comes
      // from Finish's fsync; an error here will show there too.
      if (f != nullptr && std::fflush(f) == 0) ::sync_file_range(fileno(f), 0, 0, SYNC_FILE_RANGE_WRITE);
    }
  }
}

Status TableWriter::Finish() {
  STRATA_RETURN_IF_ERROR(error_);
  for (size_t i = 1; i < columns_.size(); ++i) {
    if (columns_[i]->rows != rows()) {
      return InternalError(fmt::format("table in '{}': column {} has {} rows, column 0 {}", dir_.string(), i,
                                       columns_[i]->rows, rows()));
    }
  }
  Json columns = Json::array();
  for (size_t i = 0; i < columns_.size(); ++i) {
    ColumnFiles& c = *columns_[i];
    auto base = dir_ / fmt::format("c{}", i);
    if (c.valid_bits > 0) Write(c.valid, &c.valid_byte, 1);
    Json col = {{"name", schema_.columns[i].name},
                {"type", ColumnTypeName(schema_.columns[i].type)},
                {"nulls", c.nulls}};
    if (schema_.columns[i].type == ColumnType::kCategory) {
      // The dictionary: offsets and bytes of its entries, in code order.
      std::vector<char> b1, b2;
      STRATA_ASSIGN_OR_RETURN(c.offsets, OpenFile(base.string() + ".offsets", &b1));
      STRATA_ASSIGN_OR_RETURN(c.data, OpenFile(base.string() + ".data", &b2));
      uint64_t off = 0;
      Write(c.offsets, &off, sizeof off);
      for (const auto& s : c.dictionary_order) {
        Write(c.data, s.data(), s.size());
        off += s.size();
        Write(c.offsets, &off, sizeof off);
      }
      STRATA_RETURN_IF_ERROR(error_);
      STRATA_RETURN_IF_ERROR(SyncClose(c.offsets, base.string() + ".offsets"));
      STRATA_RETURN_IF_ERROR(SyncClose(c.data, base.string() + ".data"));
      col["dictionary"] = c.dictionary_order.size();
    }
    for (FILE** f : {&c.values, &c.offsets, &c.data, &c.valid}) {
      STRATA_RETURN_IF_ERROR(SyncClose(*f, base));
    }
    if (c.nulls == 0) std::filesystem::remove(base.string() + ".valid");
    schema_.columns[i].nulls = c.nulls;
    columns.push_back(std::move(col));
  }
  Json schema = {{"format", "strata-table"}, {"version", kTableFormatVersion}, {"rows", rows()}, {"columns", columns}};
  STRATA_RETURN_IF_ERROR(core::WriteFileAtomic(dir_ / "schema.json", schema.dump(2)));
  return core::SyncDirectory(dir_);
}

}  // namespace strata::data
