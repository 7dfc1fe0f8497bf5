#include "ml/faiss_support.h"

#include <faiss/Index.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <new>
#include <thread>

#include <fmt/format.h>

#include "ml/faiss_file_check.h"

namespace strata::ml {
namespace {

// faiss::write_index's bytes streamed into Strata's atomic file. FAISS checks each
// call's return value and throws when fewer items than asked were written.
struct AtomicIOWriter final : faiss::IOWriter {
  explicit AtomicIOWriter(core::AtomicFileWriter* w) : writer(w) {}
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    if (!status.ok()) return 0;
    status = writer->Write({static_cast<const char*>(ptr), size * nitems});
    return status.ok() ? nitems : 0;
  }
  core::AtomicFileWriter* writer;
  Status status = Status::Ok();
};

}  // namespace

Status CatchFaiss(const std::string& what, const std::function<void()>& f) {
  try {
    f();
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return InternalError(fmt::format("{}: out of memory", what));
  } catch (const std::exception& e) {
    return InternalError(fmt::format("{}: {}", what, e.what()));
  }
}

Status WriteFaissIndex(const faiss::Index& index, const std::filesystem::path& path) {
  core::AtomicFileWriter file(path);
  STRATA_RETURN_IF_ERROR(file.Open());
  AtomicIOWriter writer(&file);
  writer.name = path.string();
  Status written = CatchFaiss(fmt::format("faiss: writing {}", path.string()),
                              [&] { faiss::write_index(&index, &writer); });
  STRATA_RETURN_IF_ERROR(writer.status);  // the root cause, before FAISS's report of it
  STRATA_RETURN_IF_ERROR(written);
  return file.Commit();
}

Result<std::unique_ptr<faiss::Index>> ReadFaissIndex(const std::filesystem::path& path) {
  // Checked before FAISS reads it (faiss_file_check.h), from the same bytes.
  faiss::VectorIOReader reader;
  reader.name = path.string();
  {
    STRATA_ASSIGN_OR_RETURN(std::string bytes, core::ReadFile(path));
    reader.data.assign(bytes.begin(), bytes.end());
  }
  STRATA_RETURN_IF_ERROR(CheckFaissIndexBytes(reader.data, path.string()));
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::read_index(&reader));
  } catch (const std::bad_alloc&) {
    return InvalidArgumentError(fmt::format(
        "{} is not a FAISS index this program reads (it asks for too much memory)", path.string()));
  } catch (const std::exception& e) {
    return InvalidArgumentError(
        fmt::format("{} is not a FAISS index this program reads: {}", path.string(), e.what()));
  }
  if (!index) return InvalidArgumentError(fmt::format("{} holds no FAISS index", path.string()));
  return index;
}

ScopedOmpThreads::ScopedOmpThreads(int threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

ScopedOmpThreads::~ScopedOmpThreads() {
  omp_set_num_threads(previous_);
}

Status ForRowBlocks(size_t rows, const std::function<Status(size_t begin, size_t end)>& fn) {
  constexpr size_t kBlock = 4096;
  const size_t blocks = (rows + kBlock - 1) / kBlock;
  const size_t threads = std::min<size_t>(blocks, std::thread::hardware_concurrency());
  if (threads <= 1) {
    ScopedOmpThreads one(1);
    return fn(0, rows);
  }
  core::ThreadPool pool(threads - 1);  // ParallelFor also runs on this thread
  std::mutex mu;
  Status first = Status::Ok();
  pool.ParallelFor(blocks, [&](size_t b) {
    ScopedOmpThreads one(1);
    Status s = fn(b * kBlock, std::min(rows, (b + 1) * kBlock));
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (first.ok()) first = std::move(s);
    }
  });
  return first;
}

const float* FiniteRows(Matrix x, std::vector<float>* storage) {
  const size_t n = x.rows * x.cols;
  size_t first = 0;
  while (first < n && std::isfinite(x.data[first])) ++first;
  if (first == n) return x.data;
  storage->assign(x.data, x.data + n);
  for (size_t i = first; i < n; ++i) {
    if (!std::isfinite((*storage)[i])) (*storage)[i] = 0;
  }
  return storage->data();
}

}  // namespace strata::ml
