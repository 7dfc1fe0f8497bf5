// GGUF reader. Hand-written from the GGUF specification (v2/v3); no Debian 12 package
// reads GGUF.
//
// Layout: header (magic "GGUF", uint32 version, uint64 tensor count, uint64 kv count),
// kv pairs (string key, uint32 type, value), tensor infos (string name, uint32 n_dims,
// uint64 dims[n_dims], uint32 type, uint64 offset), padding to the alignment, data.
// Strings are uint64 length + bytes (no terminator). Version 1 (uint32 counts) is gone
// from the wild and not accepted.
#include "genai/gguf_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "genai/dequantize.h"
#include "genai/mapped_file.h"

namespace strata::genai {

static_assert(std::endian::native == std::endian::little,
              "the reader copies little-endian GGUF values as they are");

// ---- Parser ----

namespace {

constexpr uint32_t kMinVersion = 2, kMaxVersion = 3;
// Smallest possible encodings, used to bound counts by the bytes left.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;              // key length, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // name length, n_dims, type, offset

std::string Range(uint64_t begin, uint64_t end) {
  return fmt::format("[{}, {})", begin, end);
}

}  // namespace

class GgufParser {
 public:
  explicit GgufParser(GgufFile* file) : f_(*file), bytes_(file->bytes_) {}

  Status Parse() {
    STRATA_RETURN_IF_ERROR(ParseHeader());
    for (uint64_t i = 0; i < n_kv_; ++i) STRATA_RETURN_IF_ERROR(ParseKv(i));
    STRATA_RETURN_IF_ERROR(ReadAlignment());
    f_.tensors_.reserve(n_tensors_);
    for (uint64_t i = 0; i < n_tensors_; ++i) STRATA_RETURN_IF_ERROR(ParseTensorInfo(i));
    f_.data_offset_ = AlignUp(pos_, f_.alignment_);
    return CheckTensorPlacement();
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError(f_.name_ + ": " + what);
  }

  uint64_t remaining() const { return bytes_.size() - pos_; }

  Status Need(uint64_t n, std::string_view what) const {
    if (n > remaining()) {
      return Error(fmt::format("truncated: {} needs {} bytes at offset {} but the file has {}",
                               what, n, pos_, bytes_.size()));
    }
    return Status::Ok();
  }

  template <typename T>
  Status Read(T* out, std::string_view what) {
    STRATA_RETURN_IF_ERROR(Need(sizeof(T), what));
    std::memcpy(out, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status ReadString(std::string* out, uint64_t max_len, const std::string& what) {
    uint64_t len = 0;
    STRATA_RETURN_IF_ERROR(Read(&len, what + " length"));
    if (len > max_len) {
      return Error(fmt::format("{} at offset {} has length {}, more than the limit {}", what,
                               pos_ - 8, len, max_len));
    }
    STRATA_RETURN_IF_ERROR(Need(len, what));  // before allocating
    out->assign(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return Status::Ok();
  }

  static uint64_t AlignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

  Status ParseHeader() {
    uint32_t magic = 0;
    STRATA_RETURN_IF_ERROR(Read(&magic, "magic"));
    if (magic != kGgufMagic) {
      std::string shown;
      for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>(magic >> (8 * i));
        shown += (c >= 32 && c < 127) ? c : '?';
      }
      return Error("not a GGUF file (magic is '" + shown + "', expected 'GGUF')");
    }
    STRATA_RETURN_IF_ERROR(Read(&f_.version_, "version"));
    const uint32_t v = f_.version_;
    if (v < kMinVersion || v > kMaxVersion) {
      const uint32_t swapped = __builtin_bswap32(v);
      if (swapped >= kMinVersion && swapped <= kMaxVersion) {
        return Error("big-endian GGUF files are not supported");
      }
      return Error(fmt::format("unsupported GGUF version {} (supported: 2 and 3)", v));
    }
    STRATA_RETURN_IF_ERROR(Read(&n_tensors_, "tensor count"));
    STRATA_RETURN_IF_ERROR(Read(&n_kv_, "metadata count"));
    if (n_kv_ > remaining() / kMinKvBytes) {
      return Error(fmt::format("metadata count {} is impossible for a file of {} bytes", n_kv_,
                               bytes_.size()));
    }
    if (n_tensors_ > (remaining() - n_kv_ * kMinKvBytes) / kMinTensorInfoBytes) {
      return Error(fmt::format("tensor count {} is impossible for a file of {} bytes", n_tensors_,
                               bytes_.size()));
    }
    return Status::Ok();
  }

  Status ParseKv(uint64_t index) {
    const std::string where = fmt::format("metadata entry {}", index);
    std::string key;
    STRATA_RETURN_IF_ERROR(ReadString(&key, kGgufMaxNameLength, where + " key"));
    if (f_.metadata_.Contains(key)) return Error("duplicate metadata key '" + key + "'");
    uint32_t type_id = 0;
    STRATA_RETURN_IF_ERROR(Read(&type_id, "type of metadata key '" + key + "'"));
    GgufValue value;
    STRATA_RETURN_IF_ERROR(ReadValue(type_id, 0, "metadata key '" + key + "'", &value));
    f_.metadata_.Set(std::move(key), std::move(value));
    return Status::Ok();
  }

  Status ReadValue(uint32_t type_id, int depth, const std::string& what, GgufValue* out) {
    if (!IsValidGgufType(type_id)) {
      return Error(fmt::format("{}: unknown value type {}", what, type_id));
    }
    const auto type = static_cast<GgufType>(type_id);
    if (type == GgufType::kString) {
      std::string s;
      STRATA_RETURN_IF_ERROR(ReadString(&s, std::numeric_limits<uint64_t>::max(), what));
      *out = GgufValue::String(std::move(s));
      return Status::Ok();
    }
    if (type == GgufType::kArray) return ReadArray(depth, what, out);
    const size_t size = GgufScalarSize(type);
    STRATA_RETURN_IF_ERROR(Need(size, what));
    uint64_t bits = 0;
    std::memcpy(&bits, bytes_.data() + pos_, size);  // little-endian host: the low bytes
    pos_ += size;
    *out = ScalarFromBits(type, bits);
    return Status::Ok();
  }

  static GgufValue ScalarFromBits(GgufType type, uint64_t bits) {
    switch (type) {
      case GgufType::kUint8:
        return GgufValue::U8(static_cast<uint8_t>(bits));
      case GgufType::kInt8:
        return GgufValue::I8(static_cast<int8_t>(bits));
      case GgufType::kUint16:
        return GgufValue::U16(static_cast<uint16_t>(bits));
      case GgufType::kInt16:
        return GgufValue::I16(static_cast<int16_t>(bits));
      case GgufType::kUint32:
        return GgufValue::U32(static_cast<uint32_t>(bits));
      case GgufType::kInt32:
        return GgufValue::I32(static_cast<int32_t>(bits));
      case GgufType::kUint64:
        return GgufValue::U64(bits);
      case GgufType::kInt64:
        return GgufValue::I64(static_cast<int64_t>(bits));
      case GgufType::kBool:
        return GgufValue::Bool(bits != 0);
      case GgufType::kFloat32:
        return GgufValue::F32(std::bit_cast<float>(static_cast<uint32_t>(bits)));
      case GgufType::kFloat64:
        return GgufValue::F64(std::bit_cast<double>(bits));
      default:
        return GgufValue();
    }
  }

  Status ReadArray(int depth, const std::string& what, GgufValue* out) {
    if (depth >= kGgufMaxArrayDepth) {
      return Error(fmt::format("{}: arrays nested deeper than {}", what, kGgufMaxArrayDepth));
    }
    uint32_t elem_id = 0;
    uint64_t count = 0;
    STRATA_RETURN_IF_ERROR(Read(&elem_id, what + " element type"));
    STRATA_RETURN_IF_ERROR(Read(&count, what + " length"));
    if (!IsValidGgufType(elem_id)) {
      return Error(fmt::format("{}: unknown array element type {}", what, elem_id));
    }
    const auto elem = static_cast<GgufType>(elem_id);
    const uint64_t min_size = elem == GgufType::kString  ? 8
                              : elem == GgufType::kArray ? 12
                                                         : GgufScalarSize(elem);
    if (count > remaining() / min_size) {
      return Error(fmt::format("{}: array of {} {} at offset {} extends past end of file (size {})",
                               what, count, GgufTypeName(elem), pos_, bytes_.size()));
    }
    if (elem == GgufType::kString) {
      std::vector<std::string> items(count);
      for (uint64_t i = 0; i < count; ++i) {
        STRATA_RETURN_IF_ERROR(ReadString(&items[i], std::numeric_limits<uint64_t>::max(),
                                          fmt::format("{}[{}]", what, i)));
      }
      *out = GgufValue::StringArray(std::move(items));
    } else if (elem == GgufType::kArray) {
      std::vector<GgufValue> items(count);
      for (uint64_t i = 0; i < count; ++i) {
        STRATA_RETURN_IF_ERROR(ReadValue(static_cast<uint32_t>(GgufType::kArray), depth + 1,
                                         fmt::format("{}[{}]", what, i), &items[i]));
      }
      *out = GgufValue::NestedArray(std::move(items));
    } else {
      const uint64_t n = count * min_size;
      std::vector<std::byte> packed(bytes_.data() + pos_, bytes_.data() + pos_ + n);
      pos_ += n;
      *out = GgufValue::PackedArray(elem, std::move(packed));
    }
    return Status::Ok();
  }

  Status ReadAlignment() {
    const GgufValue* v = f_.metadata_.Find(kGgufAlignmentKey);
    if (v == nullptr) return Status::Ok();
    Result<uint32_t> a = v->AsU32();
    if (!a.ok()) return Error(std::string(kGgufAlignmentKey) + ": " + a.status().message());
    if (*a == 0 || (*a & (*a - 1)) != 0) {
      return Error(fmt::format("{} is {}, not a power of two", kGgufAlignmentKey, *a));
    }
    f_.alignment_ = *a;
    return Status::Ok();
  }

  Status ParseTensorInfo(uint64_t index) {
    GgufTensorInfo t;
    STRATA_RETURN_IF_ERROR(
        ReadString(&t.name, kGgufMaxNameLength, fmt::format("name of tensor {}", index)));
    const std::string what = "tensor '" + t.name + "'";
    if (f_.tensor_index_.count(t.name)) return Error("duplicate " + what);
    uint32_t n_dims = 0;
    STRATA_RETURN_IF_ERROR(Read(&n_dims, what + " dimension count"));
    if (n_dims > static_cast<uint32_t>(kGgufMaxDims)) {
      return Error(fmt::format("{} has {} dimensions (at most {})", what, n_dims, kGgufMaxDims));
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      STRATA_RETURN_IF_ERROR(Read(&dim, what + " dimension"));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (dim != 0 &&
           n_elements > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(dim))) {
        return Error(fmt::format("{} has absurd dimension {}", what, dim));
      }
      n_elements *= static_cast<int64_t>(dim);
      t.dims.push_back(static_cast<int64_t>(dim));
    }
    t.n_elements = n_elements;
    uint32_t type_id = 0;
    STRATA_RETURN_IF_ERROR(Read(&type_id, what + " type"));
    const TensorTypeTraits* traits = FindTensorType(type_id);
    if (traits == nullptr)
      return Error(fmt::format("{} has unknown tensor type {}", what, type_id));
    t.type = traits->type;
    STRATA_RETURN_IF_ERROR(Read(&t.offset, what + " offset"));

    if (t.row_length() % traits->block_size != 0) {
      return Error(fmt::format("{} row length {} is not a multiple of the {} block size {}", what,
                               t.row_length(), traits->name, traits->block_size));
    }
    const uint64_t n_blocks = static_cast<uint64_t>(n_elements / traits->block_size);
    if (__builtin_mul_overflow(n_blocks, traits->type_size, &t.size_bytes)) {
      return Error(what + " is absurdly large");
    }
    if (t.offset % f_.alignment_ != 0) {
      return Error(fmt::format("{} offset {} is not a multiple of the alignment {}", what, t.offset,
                               f_.alignment_));
    }
    f_.tensor_index_.emplace(t.name, f_.tensors_.size());
    f_.tensors_.push_back(std::move(t));
    return Status::Ok();
  }

  Status CheckTensorPlacement() {
    const uint64_t file_size = bytes_.size();
    for (const GgufTensorInfo& t : f_.tensors_) {
      uint64_t begin = 0, end = 0;
      const bool overflow = __builtin_add_overflow(f_.data_offset_, t.offset, &begin) ||
                            __builtin_add_overflow(begin, t.size_bytes, &end);
      if (overflow || end > file_size) {
        // Offsets in the message are from the start of the file, comparable to its size.
        const std::string where =
            overflow ? fmt::format("at offset {} of {} bytes", t.offset, t.size_bytes)
                     : Range(begin, end);
        return Error(fmt::format("tensor '{}' data {} extends past end of file (size {})", t.name,
                                 where, file_size));
      }
    }
    std::vector<const GgufTensorInfo*> by_offset;
    for (const GgufTensorInfo& t : f_.tensors_) {
      if (t.size_bytes > 0) by_offset.push_back(&t);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const auto* a, const auto* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const GgufTensorInfo& a = *by_offset[i - 1];
      const GgufTensorInfo& b = *by_offset[i];
      if (a.offset + a.size_bytes > b.offset) {
        return Error(fmt::format("tensors '{}' {} and '{}' {} overlap", a.name,
                                 Range(a.offset, a.offset + a.size_bytes), b.name,
                                 Range(b.offset, b.offset + b.size_bytes)));
      }
    }
    return Status::Ok();
  }

  GgufFile& f_;
  std::span<const std::byte> bytes_;
  uint64_t pos_ = 0;
  uint64_t n_tensors_ = 0, n_kv_ = 0;
};

// ---- GgufFile ----

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

size_t GgufFile::HugeMappedBytes() const {
  return mapping_ != nullptr ? mapping_->HugeMappedBytes() : 0;
}

Result<GgufFile> GgufFile::Open(const std::filesystem::path& path) {
  STRATA_ASSIGN_OR_RETURN(auto mapping, MappedFile::Open(path));
  GgufFile f;
  f.name_ = path.string();
  f.bytes_ = mapping->bytes();
  f.mapping_ = std::move(mapping);
  GgufParser parser(&f);
  STRATA_RETURN_IF_ERROR(parser.Parse());
  return f;
}

Result<GgufFile> GgufFile::FromMemory(std::span<const std::byte> bytes, std::string name) {
  GgufFile f;
  f.name_ = std::move(name);
  f.bytes_ = bytes;
  GgufParser parser(&f);
  STRATA_RETURN_IF_ERROR(parser.Parse());
  return f;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

GgufTensorView GgufFile::View(const GgufTensorInfo& info) const {
  return {&info, bytes_.subspan(data_offset_ + info.offset, info.size_bytes)};
}

Result<GgufTensorView> GgufFile::Tensor(std::string_view name) const {
  const GgufTensorInfo* info = FindTensor(name);
  if (info == nullptr) return NotFoundError(fmt::format("{}: no tensor '{}'", name_, name));
  return View(*info);
}

Result<std::vector<float>> GgufFile::DequantizeTensor(std::string_view name) const {
  STRATA_ASSIGN_OR_RETURN(GgufTensorView view, Tensor(name));
  std::vector<float> out(static_cast<size_t>(view.info->n_elements));
  Status s = Dequantize(view.type(), view.data.data(), out.size(), out.data());
  if (!s.ok()) return s.WithContext(fmt::format("{}: tensor '{}'", name_, name));
  return out;
}

}  // namespace strata::genai
