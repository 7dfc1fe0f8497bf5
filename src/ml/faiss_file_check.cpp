#include "ml/faiss_file_check.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "ml/byte_reader.h"

namespace strata::ml {
namespace {

// The file's bytes, read front to back as FAISS reads them; every read is bounded.
class Cursor {
 public:
  explicit Cursor(std::span<const unsigned char> bytes)
      : in_(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) {}

  template <typename T>
  bool Read(T* out) {
    return in_.Get(out);
  }
  // A vector as READVECTOR writes it: a uint64 count, then count items. `out` null
  // skips the items; `count` gets the count.
  template <typename T>
  bool ReadVector(std::vector<T>* out, uint64_t* count) {
    std::string_view items;
    if (!in_.Get(count) || *count > in_.left() / sizeof(T) || !in_.Take(*count * sizeof(T), &items)) return false;
    if (out) {
      out->resize(*count);
      std::memcpy(out->data(), items.data(), items.size());
    }
    return true;
  }
  bool ReadFourcc(std::string* out) {
    std::string_view v;
    if (!in_.Take(4, &v)) return false;
    out->assign(v);
    return true;
  }
  size_t pos() const { return in_.pos(); }
  bool at_end() const { return in_.left() == 0; }

 private:
  ByteReader in_;
};

struct Header {
  int32_t d = 0;
  int64_t ntotal = 0;
};

class Checker {
 public:
  Checker(std::span<const unsigned char> bytes, const std::string& name) : in_(bytes), name_(name) {}

  Status Run() {
    std::string fourcc;
    if (!in_.ReadFourcc(&fourcc)) return Bad("it is shorter than an index header");
    if (IsFlat(fourcc)) {
      Header h;
      STRATA_RETURN_IF_ERROR(Flat(&h));
    } else if (fourcc == "IHNf") {
      STRATA_RETURN_IF_ERROR(Hnsw());
    } else {
      return Bad(fmt::format("its index type '{}' is neither IndexFlat nor IndexHNSWFlat", Printable(fourcc)));
    }
    if (!in_.at_end()) return Bad(fmt::format("bytes follow the index at offset {}", in_.pos()));
    return Status::Ok();
  }

 private:
  static bool IsFlat(const std::string& fourcc) { return fourcc == "IxF2" || fourcc == "IxFI" || fourcc == "IxFl"; }

  static std::string Printable(std::string s) {
    for (char& c : s) {
      if (c < 0x20 || c > 0x7e) c = '?';
    }
    return s;
  }

  Status Bad(const std::string& why) const {
    return InvalidArgumentError(fmt::format("{} is not a FAISS index this program reads: {}", name_, why));
  }
  Status Truncated(const char* what) const {
    return Bad(fmt::format("{} at offset {} runs past the end of the file", what, in_.pos()));
  }

  // read_index_header: d, ntotal, two unused idx_t, is_trained, metric_type and, for
  // metrics past inner product and L2, metric_arg.
  Status ReadHeader(Header* h) {
    int64_t unused = 0;
    uint8_t is_trained = 0;
    int32_t metric = 0;
    if (!in_.Read(&h->d) || !in_.Read(&h->ntotal) || !in_.Read(&unused) || !in_.Read(&unused) ||
        !in_.Read(&is_trained) || !in_.Read(&metric)) {
      return Truncated("the index header");
    }
    if (metric > 1) {
      float arg = 0;
      if (!in_.Read(&arg)) return Truncated("the metric argument");
    }
    if (h->d < 1) return Bad(fmt::format("dimension {}", h->d));
    if (h->ntotal < 0) return Bad(fmt::format("{} vectors", h->ntotal));
    return Status::Ok();
  }

  // IndexFlat: the header, then ntotal * d floats.
  Status Flat(Header* h) {
    STRATA_RETURN_IF_ERROR(ReadHeader(h));
    uint64_t floats = 0;
    if (!in_.ReadVector<float>(nullptr, &floats)) return Truncated("the vectors");
    if (floats % static_cast<uint64_t>(h->d) != 0 ||
        floats / static_cast<uint64_t>(h->d) != static_cast<uint64_t>(h->ntotal)) {
      return Bad(fmt::format("{} floats for {} vectors of dimension {}", floats, h->ntotal, h->d));
    }
    return Status::Ok();
  }

  // IndexHNSWFlat: the header, read_HNSW's graph, then the IndexFlat of the vectors.
  Status Hnsw() {
    Header h;
    STRATA_RETURN_IF_ERROR(ReadHeader(&h));
    std::vector<double> probas;
    std::vector<int32_t> cum, levels, neighbors;
    std::vector<uint64_t> offsets;
    uint64_t n = 0;
    if (!in_.ReadVector(&probas, &n)) return Truncated("the level probabilities");
    if (!in_.ReadVector(&cum, &n)) return Truncated("the neighbours per level");
    if (!in_.ReadVector(&levels, &n)) return Truncated("the levels");
    if (!in_.ReadVector(&offsets, &n)) return Truncated("the offsets");
    if (!in_.ReadVector(&neighbors, &n)) return Truncated("the neighbours");
    int32_t entry = 0, max_level = 0, ef_construction = 0, ef_search = 0, upper_beam = 0;
    if (!in_.Read(&entry) || !in_.Read(&max_level) || !in_.Read(&ef_construction) || !in_.Read(&ef_search) ||
        !in_.Read(&upper_beam)) {
      return Truncated("the search parameters");
    }
    std::string fourcc;
    if (!in_.ReadFourcc(&fourcc)) return Truncated("the storage index");
    if (!IsFlat(fourcc)) return Bad(fmt::format("its HNSW storage '{}' is not an IndexFlat", Printable(fourcc)));
    Header storage;
    STRATA_RETURN_IF_ERROR(Flat(&storage));
    if (storage.d != h.d || storage.ntotal != h.ntotal) {
      return Bad(fmt::format("the HNSW graph has {} vectors of dimension {}, its storage {} of {}", h.ntotal, h.d,
                             storage.ntotal, storage.d));
    }
    return Graph(h.ntotal, cum, levels, offsets, neighbors, entry, max_level);
  }

  // What HNSW search follows without checking: node i's neighbours at level l lie in
  // neighbors[offsets[i] + cum[l], offsets[i] + cum[l + 1]), for l below levels[i];
  // each is -1 (none) or a node that exists at level l.
  Status Graph(int64_t ntotal, const std::vector<int32_t>& cum, const std::vector<int32_t>& levels,
               const std::vector<uint64_t>& offsets, const std::vector<int32_t>& neighbors, int32_t entry,
               int32_t max_level) {
    const auto nodes = static_cast<size_t>(ntotal);
    if (levels.size() != nodes || offsets.size() != nodes + 1) {
      return Bad(fmt::format("the HNSW graph has {} levels and {} offsets for {} vectors", levels.size(),
                             offsets.size(), ntotal));
    }
    if (cum.empty() || cum[0] != 0) return Bad("the HNSW neighbours per level do not start at 0");
    for (size_t l = 1; l < cum.size(); ++l) {
      if (cum[l] < cum[l - 1]) return Bad("the HNSW neighbours per level decrease");
    }
    if (offsets[0] != 0 || offsets.back() != neighbors.size()) {
      return Bad(fmt::format("the HNSW offsets span [{}, {}) of {} neighbours", offsets[0], offsets.back(),
                             neighbors.size()));
    }
    for (size_t i = 0; i < nodes; ++i) {
      const int32_t level = levels[i];
      if (level < 1 || static_cast<size_t>(level) >= cum.size()) {
        return Bad(fmt::format("HNSW node {} has {} levels", i, level));
      }
      if (offsets[i] > offsets[i + 1] || offsets[i + 1] - offsets[i] != static_cast<uint64_t>(cum[level])) {
        return Bad(fmt::format("HNSW node {}'s neighbours do not fit its {} levels", i, level));
      }
    }
    for (size_t i = 0; i < nodes; ++i) {
      for (int32_t l = 0; l < levels[i]; ++l) {
        for (uint64_t k = offsets[i] + cum[l]; k < offsets[i] + cum[l + 1]; ++k) {
          const int32_t j = neighbors[k];
          if (j == -1) continue;
          if (j < 0 || j >= ntotal || levels[j] <= l) {
            return Bad(fmt::format("HNSW node {} links to node {} at level {}", i, j, l));
          }
        }
      }
    }
    if (ntotal == 0 ? (entry != -1 || max_level != -1)
                    : (entry < 0 || entry >= ntotal || max_level != levels[entry] - 1)) {
      return Bad(fmt::format("the HNSW entry point {} at level {} is not a node of the graph", entry, max_level));
    }
    return Status::Ok();
  }

  Cursor in_;
  const std::string& name_;
};

}  // namespace

Status CheckFaissIndexBytes(std::span<const unsigned char> bytes, const std::string& name) {
  return Checker(bytes, name).Run();
}

}  // namespace strata::ml
