// The import of a CSV/TSV file mapped into memory, both passes in parallel chunks
// (csv_chunks.h): workers tokenize, check and infer (pass 1), keeping each chunk's
// values typed as they go (speculative_batch.h); once the schema is known, pass 2 turns
// each kept chunk into a column batch, and parses again from the file only the chunks
// whose values were not kept in a form their column's type takes (or that a memory
// budget left unkept). The calling thread merges in file order, so results, errors,
// skip counts and stored bytes are those of a serial import. Pass 1 records where the
// chunks truly start, so pass 2 reuses them without guessing.
//
// Writing the table waits on the disk, so the calling thread starts it during pass 1:
// as each kept chunk is merged, each column's values go to the table in the type the
// column has if the file ended there (WriteEarly). Pass 2 then writes only the chunks
// past the kept ones and the columns whose type changed.

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "core/core.h"

#include "data/column_batch.h"
#include "data/csv_chunks.h"
#include "data/import_passes.h"
#include "data/import_rows.h"
#include "data/inference.h"
#include "data/mapped_input.h"
#include "data/speculative_batch.h"
#include "data/table.h"

namespace strata::data {
namespace {

constexpr size_t kMaxChunkBytes = 4 << 20;
constexpr size_t kMinChunkBytes = 64 << 10;

// A rejection found by a worker, its line relative to its chunk.
struct LineError {
  int64_t line = 0;
  std::string rest;
};

struct InferChunk {
  ChunkEnd at;
  std::vector<ColumnInference> columns;
  int64_t rows = 0;
  std::vector<int64_t> bad_lines;     // skipped rows
  std::vector<LineError> examples;    // the first few of them
  std::optional<LineError> rejected;  // the row that fails the import (OnError::kFail)
  std::unique_ptr<SpeculativeBatch> batch;  // the rows' values, when kept
};

struct WriteChunk {
  ChunkEnd at;
  size_t span = 0;                     // pass 1's chunk it is
  std::unique_ptr<ColumnBatch> batch;  // null when pass 1 wrote all of it
  std::optional<std::string> bug;  // an internal error, with its line still relative
  int64_t bug_line = 0;
};

class ParallelImport {
 public:
  ParallelImport(const ImportOptions& options, const ImportProgress& progress,
                 const MappedInput& input, std::unique_ptr<RecordReader> header)
      : options_(options),
        progress_(progress),
        input_(input),
        name_(header->display_name()),
        columns_(header->columns()),
        begin_(header->bytes_read()),
        total_(input.size()),
        sep_(options.reader.separator != 0               ? options.reader.separator
             : options.reader.format == FileFormat::kTsv ? '\t'
                                                         : ','),
        pool_(std::max(1u, core::CoreCount())),
        given_up_(header->columns().size()) {
    forced_.resize(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      auto it = options_.types.find(columns_[c]);
      if (it != options_.types.end()) forced_[c] = it->second;
    }
    if (!options_.types.empty()) check_forced_ = forced_;
    // At most an eighth of the machine's memory, on a small one.
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    max_kept_bytes_ = options_.max_kept_bytes;
    if (pages > 0 && page > 0) {
      max_kept_bytes_ = std::min(max_kept_bytes_, static_cast<size_t>(pages) * static_cast<size_t>(page) / 8);
    }
    // Rows per byte from the first megabyte, to size each chunk's kept values once.
    const size_t sample = std::min<size_t>(total_ - std::min<size_t>(begin_, total_), 1 << 20);
    const auto lines = std::count(input.data() + begin_, input.data() + begin_ + sample, '\n');
    rows_per_byte_ = sample > 0 ? static_cast<double>(lines + 1) / static_cast<double>(sample) : 0;
  }

  Result<ImportSummary> Run(const std::filesystem::path& out_dir) {
    out_dir_ = out_dir;
    STRATA_RETURN_IF_ERROR(InferSchema());
    STRATA_RETURN_IF_ERROR(WriteTable());
    summary_.input_bytes = total_;
    return summary_;
  }

 private:
  size_t ChunkBytes() const {
    if (options_.chunk_bytes > 0) return options_.chunk_bytes;
    // Several chunks per core even for a small file, at most a few MB each.
    return std::clamp<size_t>(total_ / (4 * pool_.size()), kMinChunkBytes, kMaxChunkBytes);
  }

  void Report(uint64_t done) {
    if (progress_) progress_(done, 2 * total_);
  }

  InferChunk Infer(size_t begin, size_t target, bool bounded) const {
    InferChunk out;
    out.columns.resize(columns_.size());
    CsvScanner scanner(sep_, options_.reader.null_tokens);
    const char* data = input_.data();
    auto on_record = [&](const Record& rec, size_t from, size_t to) {
      std::string rest = RejectRow(rec, columns_, check_forced_, IsAscii(data + from, to - from));
      if (!rest.empty()) {
        if (options_.on_error != OnError::kSkip) {
          out.rejected = LineError{rec.line, std::move(rest)};
          return false;
        }
        out.bad_lines.push_back(rec.line);
        if (out.examples.size() < kMaxSkipExamples)
          out.examples.push_back({rec.line, std::move(rest)});
        return true;
      }
      SpeculativeBatch* batch = out.batch.get();
      if ((out.rows & 0xff) == 0) ShareGivenUp(&out.columns, batch);
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (rec.null[c]) {
          out.columns[c].AddNulls(1);
          if (batch) batch->AddNull(c);
        } else {
          // Strings the kept batch codes are counted there, not hashed twice.
          InferredValue parsed;
          out.columns[c].Add(rec.fields[c], &parsed, !(batch && batch->CountsDistinct(c)));
          if (batch) batch->Add(c, rec.fields[c], parsed);
        }
      }
      if (batch) batch->EndRow();
      ++out.rows;
      return true;
    };
    if (keep_.load(std::memory_order_relaxed)) {
      const double bytes = static_cast<double>(std::min(target, input_.size()) - begin);
      out.batch = std::make_unique<SpeculativeBatch>(columns_.size(), forced_,
                                                     static_cast<size_t>(bytes * rows_per_byte_ * 1.05) + 16);
    }
    std::optional<size_t> bound;
    if (bounded) bound = ChunkBytes();
    out.at = ParseChunk(scanner, data, input_.size(), begin, target, bound, on_record);
    if (out.batch) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (out.batch->CountsDistinct(c)) out.columns[c].AddDistinctValues(out.batch->distinct(c));
        if (out.batch->too_many_distinct(c)) out.columns[c].GiveUpDistinct();
      }
    }
    return out;
  }

  // A column with too many distinct values for a category in a chunk already merged
  // has them in the file: the chunks still parsing stop counting theirs (otherwise most
  // of pass 1's hashing: a thousand values per column and chunk). Set only from
  // checked chunks (a chunk parsed from a wrong start sees wrong values); relaxed, as
  // a late hint costs only time.
  void ShareGivenUp(std::vector<ColumnInference>* columns, SpeculativeBatch* batch) const {
    for (size_t c = 0; c < columns->size(); ++c) {
      if (given_up_[c].load(std::memory_order_relaxed)) {
        (*columns)[c].GiveUpDistinct();
        if (batch) batch->GiveUpCodes(c);
      }
    }
  }

  Status InferSchema() {
    const char* data = input_.data();
    std::vector<ColumnInference> columns(columns_.size());
    const int64_t first_line = 1 + std::count(data, data + begin_, '\n');
    auto consume = [&](InferChunk& r, const ChunkSpan& span) -> Status {
      if (r.at.error) {
        return InvalidArgumentError(LineMessage(
            name_, span.first_line + r.at.error_line + r.at.error->line_offset, r.at.error->rest));
      }
      if (r.rejected)
        return InvalidArgumentError(
            LineMessage(name_, span.first_line + r.rejected->line, r.rejected->rest));
      for (const LineError& e : r.examples) {
        if (summary_.skipped_examples.size() == kMaxSkipExamples) break;
        summary_.skipped_examples.push_back(LineMessage(name_, span.first_line + e.line, e.rest));
      }
      for (int64_t line : r.bad_lines) bad_lines_.push_back(span.first_line + line);
      summary_.skipped_rows += static_cast<int64_t>(r.bad_lines.size());
      for (size_t c = 0; c < columns.size(); ++c) {
        columns[c].Merge(r.columns[c]);
        if (columns[c].gave_up_distinct()) given_up_[c].store(true, std::memory_order_relaxed);
      }
      summary_.rows += r.rows;
      spans_.push_back(span);
      span_rows_.push_back(r.rows);
      span_newlines_.push_back(r.at.newlines);
      // A budget (max_kept_bytes_: a gigabyte, or an eighth of memory) bounds memory
      // for a file of any size: chunks past it are parsed again in pass 2.
      const size_t bytes = r.batch ? r.batch->bytes() : 0;
      if (r.batch && kept_bytes_ + bytes <= max_kept_bytes_) {
        kept_bytes_ += bytes;
        kept_.push_back(std::move(r.batch));
      } else {
        keep_.store(false, std::memory_order_relaxed);  // the chunks still to come are not kept
        kept_.emplace_back();
      }
      STRATA_RETURN_IF_ERROR(WriteEarly(columns));
      input_.Release(span.begin, span.end);
      Report(span.end);
      return Status::Ok();
    };
    std::vector<size_t> starts = GuessChunkStarts(data, begin_, total_, ChunkBytes());
    STRATA_RETURN_IF_ERROR(RunChunks<InferChunk>(
        pool_, starts, total_, first_line,
        [this](size_t b, size_t t, bool bounded) { return Infer(b, t, bounded); }, consume));
    for (const auto& [name, type] : options_.types) {
      if (std::find(columns_.begin(), columns_.end(), name) == columns_.end()) {
        return InvalidArgumentError(
            fmt::format("type given for '{}', which is not a column of {}", name, name_));
      }
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      summary_.schema.columns.push_back(
          {columns_[c], forced_[c] ? *forced_[c] : columns[c].Decide(), columns[c].nulls()});
    }
    return Status::Ok();
  }

  // Writes the chunk just merged (the last of kept_) in the types the columns have
  // so far: each column's file holds its first early_[c].chunks chunks in the
  // writer's type for it. A column whose type changes starts again from the first
  // chunk (they are all kept), a few times at most; one whose values do not convert is
  // left to pass 2. Stops at the first chunk not kept: pass 2 writes from there.
  Status WriteEarly(const std::vector<ColumnInference>& merged) {
    const size_t k = kept_.size() - 1;
    if (!kept_[k]) early_stopped_ = true;
    if (early_stopped_) return Status::Ok();
    Schema now;
    for (size_t c = 0; c < columns_.size(); ++c)
      now.columns.push_back({columns_[c], forced_[c] ? *forced_[c] : merged[c].Decide(), 0});
    if (!writer_) {
      STRATA_ASSIGN_OR_RETURN(writer_, TableWriter::Create(out_dir_, now));
      early_.resize(columns_.size());
    }
    ColumnBatch::Column scratch;
    for (size_t c = 0; c < columns_.size(); ++c) {
      EarlyColumn& e = early_[c];
      if (e.given_up) continue;
      const ColumnType type = now.columns[c].type;
      if (writer_->type(c) != type) {
        if (++e.resets > kMaxEarlyResets) {
          e.given_up = true;
          continue;
        }
        STRATA_RETURN_IF_ERROR(writer_->ResetColumn(c, type));
        e.chunks = 0;
      }
      for (; e.chunks <= k; ++e.chunks) {
        const ColumnBatch::Column* values = kept_[e.chunks]->ColumnAs(c, type, &scratch);
        if (values == nullptr) {
          e.given_up = true;
          break;
        }
        writer_->AppendColumn(c, *values);
      }
    }
    return Status::Ok();
  }

  WriteChunk Parse(size_t span_index, size_t begin, size_t target, int64_t first_line, int64_t rows) {
    WriteChunk out;
    out.span = span_index;
    // Pass 1 wrote every column of it.
    if (begin == spans_[span_index].begin && target == spans_[span_index].end &&
        std::all_of(from_.begin(), from_.end(), [&](size_t f) { return f > span_index; })) {
      out.at.end = target;
      out.at.newlines = span_newlines_[span_index];
      return out;
    }
    // The values pass 1 kept, when they convert to the schema.
    if (std::unique_ptr<SpeculativeBatch> kept = std::move(kept_[span_index]);
        kept && begin == spans_[span_index].begin && target == spans_[span_index].end) {
      out.batch = kept->Finish(summary_.schema);
      if (out.batch) {
        out.at.end = target;
        out.at.newlines = span_newlines_[span_index];
        return out;
      }
    }
    out.batch = std::make_unique<ColumnBatch>(summary_.schema, rows);
    CsvScanner scanner(sep_, options_.reader.null_tokens);
    // Rows pass 1 skipped are skipped again, silently: they were counted there.
    auto bad = std::lower_bound(bad_lines_.begin(), bad_lines_.end(), first_line);
    auto on_record = [&](const Record& rec, size_t, size_t) {
      const int64_t line = first_line + rec.line;
      while (bad != bad_lines_.end() && *bad < line) ++bad;
      if (bad != bad_lines_.end() && *bad == line) return true;
      out.bug_line = rec.line;
      if (rec.fields.size() != columns_.size()) {
        out.bug = ": the file changed during the import";
        return false;
      }
      size_t column = 0;
      if (!out.batch->AddRow(rec, &column)) {
        // Inference saw every value, so this is a bug, not bad input.
        out.bug = fmt::format(": value {} no longer parses as {}", QuoteValue(rec.fields[column]),
                              ColumnTypeName(summary_.schema.columns[column].type));
        return false;
      }
      return true;
    };
    out.at =
        ParseChunk(scanner, input_.data(), input_.size(), begin, target, std::nullopt, on_record);
    return out;
  }

  Status WriteTable() {
    if (!writer_) {
      STRATA_ASSIGN_OR_RETURN(writer_, TableWriter::Create(out_dir_, summary_.schema));
      early_.assign(columns_.size(), EarlyColumn{});
    }
    // Columns pass 1 wrote in another type than the file's, or gave up on, are
    // written again from the start.
    from_.resize(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      const ColumnType type = summary_.schema.columns[c].type;
      if (early_[c].given_up || writer_->type(c) != type) {
        STRATA_RETURN_IF_ERROR(writer_->ResetColumn(c, type));
        early_[c].chunks = 0;
      }
      from_[c] = early_[c].chunks;
    }
    const size_t first = from_.empty() ? 0 : *std::min_element(from_.begin(), from_.end());
    for (size_t k = 0; k < first && k < kept_.size(); ++k) kept_[k].reset();  // written
    if (first < spans_.size()) {
      // The chunks pass 1 found: true record starts, so nothing is guessed or parsed twice.
      std::vector<size_t> starts;
      for (size_t k = first; k < spans_.size(); ++k) starts.push_back(spans_[k].begin);
      auto parse = [this](size_t b, size_t t, bool) {
        auto it = std::lower_bound(spans_.begin(), spans_.end(), b,
                                   [](const ChunkSpan& s, size_t pos) { return s.begin < pos; });
        const auto k = static_cast<size_t>(it - spans_.begin());
        return Parse(k, b, t, it->first_line, span_rows_[k]);
      };
      std::vector<uint8_t> only(columns_.size());
      auto consume = [&](WriteChunk& r, const ChunkSpan& span) -> Status {
        if (r.at.error) {
          return InvalidArgumentError(LineMessage(
              name_, span.first_line + r.at.error_line + r.at.error->line_offset, r.at.error->rest));
        }
        if (r.bug) return InternalError(LineMessage(name_, span.first_line + r.bug_line, *r.bug));
        if (r.batch) {
          for (size_t c = 0; c < columns_.size(); ++c) only[c] = from_[c] <= r.span;
          writer_->AppendBatch(*r.batch, &pool_, &only);
        }
        input_.Release(span.begin, span.end);
        Report(total_ + span.end);
        return Status::Ok();
      };
      STRATA_RETURN_IF_ERROR(
          RunChunks<WriteChunk>(pool_, starts, spans_.back().end, spans_[first].first_line, parse, consume));
    }
    if (writer_->rows() != summary_.rows) {
      return InternalError(fmt::format("{}: the file changed during the import ({} rows, then {})",
                                       name_, summary_.rows, writer_->rows()));
    }
    STRATA_RETURN_IF_ERROR(writer_->Finish());
    Report(2 * total_);
    return Status::Ok();
  }

  const ImportOptions& options_;
  const ImportProgress& progress_;
  const MappedInput& input_;
  const std::string name_;
  const std::vector<std::string> columns_;
  const size_t begin_;  // of the first record after the header (and BOM)
  const uint64_t total_;
  const char sep_;
  std::vector<std::optional<ColumnType>> forced_;
  std::vector<std::optional<ColumnType>> check_forced_;  // forced_, or empty when no type is
  core::ThreadPool pool_;
  mutable std::vector<std::atomic<bool>> given_up_;  // per column: see ShareGivenUp
  ImportSummary summary_;
  std::vector<ChunkSpan> spans_;    // pass 1's chunks, in file order
  std::vector<int64_t> span_rows_;  // and the rows each holds
  std::vector<int64_t> span_newlines_;  // and the line breaks each spans
  std::vector<std::unique_ptr<SpeculativeBatch>> kept_;  // and its typed values, when kept
  size_t kept_bytes_ = 0, max_kept_bytes_ = 0;
  double rows_per_byte_ = 0;
  std::atomic<bool> keep_{true};  // whether workers still keep values
  std::vector<int64_t> bad_lines_;  // lines of the rows pass 1 skipped, ascending
  // The table, written from pass 1 on (WriteEarly).
  struct EarlyColumn {
    size_t chunks = 0;      // the first chunks its file holds, in the writer's type for it
    int resets = 0;         // times its type changed
    bool given_up = false;  // left to pass 2
  };
  static constexpr int kMaxEarlyResets = 3;
  std::filesystem::path out_dir_;
  std::unique_ptr<TableWriter> writer_;
  std::vector<EarlyColumn> early_;
  bool early_stopped_ = false;  // a chunk was not kept
  std::vector<size_t> from_;    // per column, the first chunk pass 2 writes
};

}  // namespace

std::optional<Result<ImportSummary>> ImportParallel(const std::filesystem::path& input,
                                                    const ImportOptions& options,
                                                    const std::filesystem::path& out_dir,
                                                    const ImportProgress& progress) {
  if (options.reader.format == FileFormat::kJsonl) return std::nullopt;
  std::unique_ptr<MappedInput> mapped = MappedInput::Open(input);
  if (!mapped) return std::nullopt;
  // The streaming reader reads the header (BOM, names, their errors) and says where
  // the records begin.
  auto header = OpenReader(input, options.reader);
  if (!header.ok()) return Result<ImportSummary>(header.status());
  if ((*header)->columns().empty())
    return std::nullopt;  // no header, no rows: the serial path words it
  ParallelImport import(options, progress, *mapped, std::move(*header));
  return import.Run(out_dir);
}

}  // namespace strata::data
