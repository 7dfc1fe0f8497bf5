// libFuzzer target for the parallel CSV import: whatever the bytes, the import with
// each chunk's values kept between its passes (speculative_batch.h) and its columns
// written during pass 1 must give exactly what it gives when every chunk is parsed
// again, when only the first chunks fit the budget, and what one chunk gives: the same
// table (schema, rows, values) or the same error. A difference aborts. The first byte
// picks the chunk size, the separator, skip mode and a forced type; the rest is the
// file, served from a memfd.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/data.h"

namespace {

std::string Import(const std::string& path, strata::data::ImportOptions options, size_t chunk, size_t kept) {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/strata-import-fuzz-XXXXXX";
    return std::filesystem::path(mkdtemp(tmpl));
  }();
  const std::filesystem::path out = dir / "t";
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  options.chunk_bytes = chunk;
  options.max_kept_bytes = kept;
  auto summary = strata::data::ImportFile(path, options, out);
  if (!summary.ok()) return "error: " + summary.status().message();
  auto table = strata::data::Table::Open(out);
  if (!table.ok()) return "open: " + table.status().message();
  strata::Json j = {{"schema", summary->schema.ToJson()},
                    {"rows", summary->rows},
                    {"skipped", summary->skipped_rows},
                    {"data", (*table)->RowsAsJson(0, 100000)}};
  return j.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  int fd = memfd_create("fuzz-import", 0);
  if (fd < 0) return 0;
  if (write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  strata::data::ImportOptions options;
  options.reader.format = strata::data::FileFormat::kCsv;
  if (mode & 0x10) options.reader.separator = ';';
  if (mode & 0x20) options.on_error = strata::data::OnError::kSkip;
  if (mode & 0x40) options.types = {{"a", strata::data::ColumnType::kText}};
  if (mode & 0x80) options.types = {{"a", strata::data::ColumnType::kFloat}};
  const size_t chunk = 1 + (mode & 0x0f) * 3;
  const std::string kept = Import(path, options, chunk, size_t{1} << 30);
  const std::string reparsed = Import(path, options, chunk, 0);
  const std::string some = Import(path, options, chunk, 200 + size / 2);
  const std::string whole = Import(path, options, size_t{1} << 30, size_t{1} << 30);
  close(fd);
  if (kept != reparsed || kept != some || kept != whole) {
    fprintf(stderr, "kept:     %s\nreparsed: %s\nsome kept: %s\nwhole:    %s\n", kept.c_str(), reparsed.c_str(),
            some.c_str(), whole.c_str());
    abort();
  }
  return 0;
}
