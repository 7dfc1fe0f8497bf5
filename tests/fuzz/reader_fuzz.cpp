// libFuzzer target for the CSV/TSV and JSON Lines readers and type parsing: whatever
// the bytes, no crash, no out-of-bounds access (ASan), no hang. The first byte picks
// the format and options; the rest is the file, served from a memfd.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "data/data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  int fd = memfd_create("fuzz-input", 0);
  if (fd < 0) return 0;
  if (size > 1 && write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) {
    close(fd);
    return 0;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  strata::data::ReaderOptions options;
  options.format = mode % 3 == 0 ? strata::data::FileFormat::kCsv
                   : mode % 3 == 1 ? strata::data::FileFormat::kTsv
                                   : strata::data::FileFormat::kJsonl;
  options.header = (mode & 4) == 0;
  if (mode & 8) options.separator = ';';
  auto reader = strata::data::OpenReader(path, options);
  if (reader.ok()) {
    std::vector<strata::data::ColumnInference> inference;
    strata::data::Record record;
    for (int records = 0; records < 100000; ++records) {
      auto more = (*reader)->Next(&record);
      if (!more.ok() || !*more) break;
      inference.resize(std::max(inference.size(), record.fields.size()));
      for (size_t i = 0; i < record.fields.size(); ++i) {
        size_t bad;
        if (record.null[i] || !strata::data::ValidUtf8(record.fields[i], &bad)) continue;
        inference[i].Add(record.fields[i]);
        strata::data::ParsedValue v;
        (void)strata::data::ParseAs(inference[i].Decide(), record.fields[i], &v);
      }
    }
  }
  close(fd);
  return 0;
}
