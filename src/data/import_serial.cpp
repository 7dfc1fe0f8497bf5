#include <fmt/format.h>

#include "data/column_batch.h"
#include "data/import_passes.h"
#include "data/import_rows.h"
#include "data/inference.h"
#include "data/prefetch_reader.h"
#include "data/table.h"

namespace strata::data {
namespace {

constexpr size_t kBatchRows = 4096;

class Import {
 public:
  Import(const std::filesystem::path& input, const ImportOptions& options,
         const ImportProgress& progress)
      : input_(input), options_(options), progress_(progress) {}

  Result<ImportSummary> Run(const std::filesystem::path& out_dir) {
    STRATA_RETURN_IF_ERROR(InferSchema());
    STRATA_RETURN_IF_ERROR(WriteTable(out_dir));
    summary_.input_bytes = total_;
    return summary_;
  }

 private:
  bool Skip(const std::string& reason) {
    if (options_.on_error != OnError::kSkip) return false;
    ++summary_.skipped_rows;
    if (summary_.skipped_examples.size() < kMaxSkipExamples)
      summary_.skipped_examples.push_back(reason);
    return true;
  }

  void Report(const RecordReader& reader, uint64_t base) {
    if (progress_ && (++ticks_ & 0x3ff) == 0) progress_(base + reader.bytes_read(), 2 * total_);
  }

  Status InferSchema() {
    STRATA_ASSIGN_OR_RETURN(auto reader, OpenReader(input_, options_.reader));
    // JSON Lines discovers columns as it reads: its first pass cannot be batched.
    if (options_.reader.format != FileFormat::kJsonl)
      reader = std::make_unique<PrefetchReader>(std::move(reader));
    total_ = reader->total_bytes();
    std::vector<ColumnInference> columns(reader->columns().size());
    // Overridden columns are checked against their type instead.
    std::vector<std::optional<ColumnType>> forced;
    auto refresh_forced = [&] {
      forced.resize(reader->columns().size());
      for (size_t c = 0; c < forced.size(); ++c) {
        auto it = options_.types.find(reader->columns()[c]);
        if (it != options_.types.end()) forced[c] = it->second;
      }
    };
    refresh_forced();
    Record rec;
    int64_t rows = 0;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool more, reader->Next(&rec));
      if (!more) break;
      if (reader->columns().size() > columns.size()) {  // JSON Lines: a new key
        columns.resize(reader->columns().size());
        for (size_t c = forced.size(); c < columns.size(); ++c) columns[c].AddNulls(rows);
        refresh_forced();
      }
      if (std::string rest = RejectRow(rec, reader->columns(), forced, false); !rest.empty()) {
        std::string why = LineMessage(reader->display_name(), rec.line, rest);
        if (!Skip(why)) return InvalidArgumentError(why);
        bad_lines_.push_back(rec.line);
        continue;
      }
      for (size_t c = 0; c < columns.size(); ++c) {
        if (rec.null[c])
          columns[c].AddNulls(1);
        else
          columns[c].Add(rec.fields[c]);
      }
      ++rows;
      Report(*reader, 0);
    }
    for (const auto& [name, type] : options_.types) {
      bool known = false;
      for (const auto& c : reader->columns()) known = known || c == name;
      if (!known)
        return InvalidArgumentError(fmt::format("type given for '{}', which is not a column of {}",
                                                name, reader->display_name()));
    }
    if (reader->columns().empty()) {
      return InvalidArgumentError(
          fmt::format("{}: the file is empty: no header and no rows", reader->display_name()));
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      ColumnSchema col;
      col.name = reader->columns()[c];
      col.type = forced[c] ? *forced[c] : columns[c].Decide();
      col.nulls = columns[c].nulls();
      summary_.schema.columns.push_back(col);
    }
    summary_.rows = rows;
    column_names_ = reader->columns();
    return Status::Ok();
  }

  Status WriteTable(const std::filesystem::path& out_dir) {
    ReaderOptions second = options_.reader;
    if (second.format == FileFormat::kJsonl) second.fixed_columns = column_names_;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, OpenReader(input_, second));
    reader = std::make_unique<PrefetchReader>(std::move(reader));
    STRATA_ASSIGN_OR_RETURN(auto writer, TableWriter::Create(out_dir, summary_.schema));
    const auto& schema = summary_.schema.columns;
    ColumnBatch batch(summary_.schema);
    size_t next_bad = 0;
    Record rec;
    for (;;) {
      auto more = reader->Next(&rec);
      if (!more.ok()) return more.status();
      if (!*more) break;
      // Rows pass 1 skipped are skipped again, by line, silently: they were counted
      // there. Every other row passed pass 1's checks (UTF-8 included).
      if (next_bad < bad_lines_.size() && bad_lines_[next_bad] == rec.line) {
        ++next_bad;
        continue;
      }
      if (rec.fields.size() != schema.size()) {
        return InternalError(fmt::format("{}: line {}: the file changed during the import",
                                         reader->display_name(), rec.line));
      }
      size_t bad = 0;
      if (!batch.AddRow(rec, &bad)) {
        // Inference saw every value, so this is a bug, not bad input.
        return InternalError(
            fmt::format("{}: line {}: value {} no longer parses as {}", reader->display_name(),
                        rec.line, QuoteValue(rec.fields[bad]), ColumnTypeName(schema[bad].type)));
      }
      if (batch.rows() == kBatchRows) {
        writer->AppendBatch(batch);
        batch = ColumnBatch(summary_.schema);
      }
      Report(*reader, total_);
    }
    writer->AppendBatch(batch);
    if (writer->rows() != summary_.rows) {
      return InternalError(fmt::format("{}: the file changed during the import ({} rows, then {})",
                                       reader->display_name(), summary_.rows, writer->rows()));
    }
    STRATA_RETURN_IF_ERROR(writer->Finish());
    if (progress_) progress_(2 * total_, 2 * total_);
    return Status::Ok();
  }

  std::filesystem::path input_;
  const ImportOptions& options_;
  const ImportProgress& progress_;
  ImportSummary summary_;
  std::vector<std::string> column_names_;
  std::vector<int64_t> bad_lines_;  // lines of the rows pass 1 skipped, ascending
  uint64_t total_ = 0;
  uint64_t ticks_ = 0;
};

}  // namespace

Result<ImportSummary> ImportSerial(const std::filesystem::path& input, const ImportOptions& options,
                                   const std::filesystem::path& out_dir,
                                   const ImportProgress& progress) {
  Import import(input, options, progress);
  return import.Run(out_dir);
}

}  // namespace strata::data
