#pragma once
// What the two FAISS adapters (kmeans.cpp, knn.cpp) share: index files written and read
// through Strata's atomic files and errors, the OpenMP thread count of one call, and
// rows cleaned of values FAISS cannot compare. Internal to ml/: only those two files
// include it, and only they include <faiss/...>; faiss::Index is forward-declared here.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "ml/matrix.h"

namespace faiss {
struct Index;
}

namespace strata::ml {

// Writes `index` with faiss::write_index into `path` atomically (a temporary beside it,
// fsync, rename): the file is FAISS's own format, so faiss.read_index reads it.
Status WriteFaissIndex(const faiss::Index& index, const std::filesystem::path& path);
// Reads what WriteFaissIndex wrote; a damaged file is an InvalidArgument naming it.
Result<std::unique_ptr<faiss::Index>> ReadFaissIndex(const std::filesystem::path& path);

// Sets the calling thread's OpenMP thread count (FAISS's loops and OpenBLAS follow it)
// for its lifetime and restores it after. Thread-local: other threads are unaffected.
// `threads` <= 0: one per core.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads);
  ~ScopedOmpThreads();
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

// Runs fn(begin, end) over blocks of rows [0, rows), with FAISS on one OpenMP thread
// in each (ScopedOmpThreads(1)); returns the first error. Small inputs (endpoints'
// micro-batches) run on the calling thread alone; large ones (evaluation, validation,
// transform chunks) in blocks of 4096 rows over one thread per core. Why not FAISS's own
// OpenMP loops: 1.7.3's flat search opens a parallel region per block of 4096 x 1024
// distances, and with the cores shared that barrier-heavy pattern collapsed (20k x 100k
// neighbours: 20.8 s on two threads, 5.7 s on one, on this machine under load).
Status ForRowBlocks(size_t rows, const std::function<Status(size_t begin, size_t end)>& fn);

// `x`'s data, or a copy in `storage` with every NaN or infinity replaced by 0 when it
// has any. The platform's recipe imputes missing values, so such a value is a gap the
// recipe left; 0 is the mean of a standardized feature, the least surprising guess,
// where FAISS would otherwise give a NaN distance and no neighbour.
const float* FiniteRows(Matrix x, std::vector<float>* storage);

// Runs `f`, turning FAISS's exceptions (faiss::FaissException, std::bad_alloc) into an
// InternalError that starts with `what`.
Status CatchFaiss(const std::string& what, const std::function<void()>& f);

}  // namespace strata::ml
