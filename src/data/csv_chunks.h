#pragma once
// Parallel parsing of a CSV held in memory (an mmap'd file): the records are cut into
// chunks of about `chunk_bytes`, workers parse chunks ahead, and the results are
// consumed in file order.
//
// Where a chunk starts is a guess: just after the first '\n' past its nominal offset.
// The guess is wrong when that '\n' lies inside a quoted field (or the record before
// it is cut by a parse error). It is checked, not trusted: chunk 0 starts at a true
// record start, and chunk k is used only when it starts exactly where chunk k-1's
// records ended; otherwise it is parsed again, serially, from that position. A worker
// also gives up (`overran`) when a record runs far past its chunk — a long quoted field,
// or a wrong start that read the file's quotes inside out — so a bad guess costs at
// most about one chunk of wasted work, and a file whose every guess is wrong still
// parses correctly, only serially.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <vector>

#include "core/core.h"
#include "data/csv_scan.h"

namespace strata::data {

// Chunk start guesses for records in data[begin, end): begin, then just after the
// first '\n' at or past each point chunk_bytes beyond the previous guess's point (or
// the previous guess, when that is further). Ascending, all < end.
std::vector<size_t> GuessChunkStarts(const char* data, size_t begin, size_t end,
                                     size_t chunk_bytes);

// Where a chunk's parse stopped.
struct ChunkEnd {
  size_t end = 0;        // the position after its last record
  int64_t newlines = 0;  // line breaks in [begin, end)
  bool overran = false;  // gave up inside a record past the bound: parse again unbounded
  std::optional<CsvScanner::Error> error;  // a syntax error ended the chunk
  int64_t error_line = 0;                  // its record's line, relative to the chunk
};

// Parses records from data[begin] until one ends at or past `target` (or the input
// ends at `size`), calling on_record(record, record_begin, record_end) for each, with
// record.line relative to the chunk (0: its first line); on_record returns false to
// stop there. Bounded, it gives up on a record still open at target + bound.
template <typename OnRecord>
ChunkEnd ParseChunk(CsvScanner& scanner, const char* data, size_t size, size_t begin, size_t target,
                    std::optional<size_t> bound, OnRecord&& on_record) {
  ChunkEnd out;
  const size_t limit = bound && target + *bound < size ? target + *bound : size;
  const bool eof = limit == size;
  Record record;
  size_t pos = begin;
  while (pos < target && pos < size) {
    size_t next = 0;
    int64_t newlines = 0;
    CsvScanner::Error error;
    CsvScanner::Step step = scanner.Parse(data, pos, limit, eof, &record, &next, &newlines, &error);
    if (step == CsvScanner::Step::kNeedMore) {
      out.overran = true;
      break;
    }
    if (step == CsvScanner::Step::kError) {
      out.error = std::move(error);
      out.error_line = out.newlines;
      break;
    }
    if (step == CsvScanner::Step::kRecord) {
      record.line = out.newlines;
      if (!on_record(record, pos, next)) {
        out.end = next;
        out.newlines += newlines;
        return out;
      }
    }
    out.newlines += newlines;
    pos = next;
  }
  out.end = pos;
  return out;
}

// A chunk as it turned out: its records span data[begin, end), the first on line
// first_line of the file.
struct ChunkSpan {
  size_t begin = 0, end = 0;
  int64_t first_line = 0;
};

// Runs parse(begin, target, bounded) for each chunk on `pool`, a few chunks ahead, and
// consume(result, span) in file order on the calling thread; stops at the first error
// consume returns. R has a member `ChunkEnd at`. Chunks are checked and reparsed as the
// header explains. Returns once no task is left running.
template <typename R>
Status RunChunks(core::ThreadPool& pool, const std::vector<size_t>& starts, size_t end,
                 int64_t first_line,
                 const std::function<R(size_t begin, size_t target, bool bounded)>& parse,
                 const std::function<Status(R& result, const ChunkSpan& span)>& consume) {
  const size_t n = starts.size();
  const size_t window = 2 * pool.size() + 1;
  auto target = [&](size_t k) { return k + 1 < n ? starts[k + 1] : end; };
  std::deque<std::future<R>> ahead;
  size_t submitted = 0;
  Status status;
  size_t pos = n > 0 ? starts[0] : end;
  int64_t line = first_line;
  for (size_t k = 0; k < n && status.ok(); ++k) {
    for (; submitted < n && submitted < k + window; ++submitted) {
      size_t b = starts[submitted], t = target(submitted);
      ahead.push_back(pool.Submit([&parse, b, t] { return parse(b, t, true); }));
    }
    R r = ahead.front().get();
    ahead.pop_front();
    if (pos >= target(k)) continue;  // the chunk before ran over this whole chunk
    if (starts[k] != pos || r.at.overran) r = parse(pos, target(k), false);
    status = consume(r, ChunkSpan{pos, r.at.end, line});
    pos = r.at.end;
    line += r.at.newlines;
  }
  for (auto& f : ahead) f.wait();  // the tasks read the caller's data
  return status;
}

}  // namespace strata::data
