// GGUF writer. Hand-written from the GGUF specification; no Debian 12 package writes
// GGUF. All values are written little-endian (the host order; see gguf_reader.cpp).
#include "genai/gguf_writer.h"

#include "genai/dequantize.h"

namespace strata::genai {
namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void PutString(std::string* out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out->append(s);
}

// Writes the value's payload (without its type id, which the caller writes).
void PutValue(std::string* out, const GgufValue& v) {
  switch (v.type()) {
    case GgufType::kString:
      PutString(out, *v.AsString());
      return;
    case GgufType::kArray:
      Put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
      Put<uint64_t>(out, v.size());
      if (v.element_type() == GgufType::kString) {
        for (const std::string& s : v.string_items()) PutString(out, s);
      } else if (v.element_type() == GgufType::kArray) {
        for (const GgufValue& item : v.array_items()) PutValue(out, item);
      } else {
        out->append(reinterpret_cast<const char*>(v.packed().data()), v.packed().size());
      }
      return;
    case GgufType::kFloat32:
      Put<float>(out, *v.AsF32());
      return;
    case GgufType::kFloat64:
      Put<double>(out, *v.AsF64());
      return;
    case GgufType::kBool:
      Put<uint8_t>(out, *v.AsBool() ? 1 : 0);
      return;
    default:
      break;
  }
  // Integers: the low GgufScalarSize bytes of the two's-complement value.
  const bool is_signed = v.type() == GgufType::kInt8 || v.type() == GgufType::kInt16 ||
                         v.type() == GgufType::kInt32 || v.type() == GgufType::kInt64;
  const uint64_t bits = is_signed ? static_cast<uint64_t>(*v.AsI64()) : *v.AsU64();
  out->append(reinterpret_cast<const char*>(&bits), GgufScalarSize(v.type()));
}

uint64_t AlignUp(uint64_t x, uint64_t a) {
  return (x + a - 1) / a * a;
}

}  // namespace

GgufWriter::GgufWriter(uint32_t version) : version_(version == 2 ? 2 : 3) {}

Status GgufWriter::SetAlignment(uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    return InvalidArgumentError(fmt::format("alignment {} is not a power of two", alignment));
  }
  metadata_.Set(std::string(kGgufAlignmentKey), GgufValue::U32(alignment));
  return Status::Ok();
}

Result<uint32_t> GgufWriter::Alignment() const {
  const GgufValue* v = metadata_.Find(kGgufAlignmentKey);
  if (v == nullptr) return kGgufDefaultAlignment;
  if (v->type() != GgufType::kUint32) {
    return InvalidArgumentError(fmt::format("{} must be uint32", kGgufAlignmentKey));
  }
  const uint32_t a = *v->AsU32();
  if (a == 0 || (a & (a - 1)) != 0) {
    return InvalidArgumentError(fmt::format("{} is not a power of two", kGgufAlignmentKey));
  }
  return a;
}

Status GgufWriter::Validate(const std::string& name, TensorType type,
                            const std::vector<int64_t>& dims, size_t n_bytes) const {
  const std::string what = "tensor '" + name + "'";
  if (name.empty() || name.size() > kGgufMaxNameLength) {
    return InvalidArgumentError(what + ": bad name length");
  }
  for (const PendingTensor& t : tensors_) {
    if (t.name == name) return InvalidArgumentError("duplicate " + what);
  }
  if (dims.empty() || dims.size() > static_cast<size_t>(kGgufMaxDims)) {
    return InvalidArgumentError(what + ": needs 1 to 4 dimensions");
  }
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return InvalidArgumentError(what + ": negative dimension");
    n *= d;
  }
  Result<size_t> row = RowSizeBytes(type, dims[0]);
  if (!row.ok()) return row.status().WithContext(what);
  const size_t expected = dims[0] == 0 ? 0 : *row * static_cast<size_t>(n / dims[0]);
  if (n_bytes != expected) {
    return InvalidArgumentError(fmt::format("{}: {} bytes given, {} of this shape needs {}", what,
                                            n_bytes, TensorTypeName(type), expected));
  }
  return Status::Ok();
}

Status GgufWriter::AddTensor(std::string name, TensorType type, std::vector<int64_t> dims,
                             std::span<const std::byte> data) {
  STRATA_RETURN_IF_ERROR(Validate(name, type, dims, data.size()));
  PendingTensor t{std::move(name), type, std::move(dims), {data.begin(), data.end()}, {}};
  tensors_.push_back(std::move(t));
  tensors_.back().data = tensors_.back().owned;  // the vector's buffer moves with it
  return Status::Ok();
}

Status GgufWriter::AddTensorView(std::string name, TensorType type, std::vector<int64_t> dims,
                                 std::span<const std::byte> data) {
  STRATA_RETURN_IF_ERROR(Validate(name, type, dims, data.size()));
  tensors_.push_back(PendingTensor{std::move(name), type, std::move(dims), {}, data});
  return Status::Ok();
}

Status GgufWriter::AddTensorFromF32(std::string name, TensorType type, std::vector<int64_t> dims,
                                    std::span<const float> values) {
  Result<std::vector<std::byte>> bytes = Quantize(type, values.data(), values.size());
  if (!bytes.ok()) return bytes.status().WithContext("tensor '" + name + "'");
  STRATA_RETURN_IF_ERROR(Validate(name, type, dims, bytes->size()));
  tensors_.push_back(PendingTensor{std::move(name), type, std::move(dims), std::move(*bytes), {}});
  tensors_.back().data = tensors_.back().owned;
  return Status::Ok();
}

Status GgufWriter::Write(const std::function<Status(std::string_view)>& sink) const {
  STRATA_ASSIGN_OR_RETURN(uint32_t alignment, Alignment());
  std::string head;
  Put<uint32_t>(&head, kGgufMagic);
  Put<uint32_t>(&head, version_);
  Put<uint64_t>(&head, tensors_.size());
  Put<uint64_t>(&head, metadata_.size());
  for (const auto& [key, value] : metadata_.entries()) {
    PutString(&head, key);
    Put<uint32_t>(&head, static_cast<uint32_t>(value.type()));
    PutValue(&head, value);
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    PutString(&head, t.name);
    Put<uint32_t>(&head, static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) Put<uint64_t>(&head, static_cast<uint64_t>(d));
    Put<uint32_t>(&head, static_cast<uint32_t>(t.type));
    Put<uint64_t>(&head, offset);
    offset = AlignUp(offset + t.data.size(), alignment);
  }
  head.resize(AlignUp(head.size(), alignment), '\0');
  STRATA_RETURN_IF_ERROR(sink(head));
  const std::string zeros(alignment, '\0');
  for (const PendingTensor& t : tensors_) {
    STRATA_RETURN_IF_ERROR(sink({reinterpret_cast<const char*>(t.data.data()), t.data.size()}));
    const size_t pad = AlignUp(t.data.size(), alignment) - t.data.size();
    if (pad > 0) STRATA_RETURN_IF_ERROR(sink({zeros.data(), pad}));
  }
  return Status::Ok();
}

Status GgufWriter::WriteFile(const std::filesystem::path& path) const {
  core::AtomicFileWriter out(path);
  STRATA_RETURN_IF_ERROR(out.Open());
  STRATA_RETURN_IF_ERROR(Write([&out](std::string_view b) { return out.Write(b); }));
  return out.Commit();
}

Result<std::string> GgufWriter::WriteToString() const {
  std::string out;
  STRATA_RETURN_IF_ERROR(Write([&out](std::string_view b) {
    out.append(b);
    return Status::Ok();
  }));
  return out;
}

}  // namespace strata::genai
