// The run-time choice of a kernel set, and the activation formats the kernels take.
//
// Hand-written: no Debian 12 package provides dot products over GGUF block types.
#include "genai/kernels.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <iterator>

#include "genai/quant_blocks.h"

namespace strata::genai::internal {

const KernelSet* Avx2KernelsImpl();    // kernels_avx2.cpp
const KernelSet* Avx512KernelsImpl();  // kernels_avx512.cpp
const KernelSet* AmxKernelsImpl(const KernelSet& below);  // kernels_amx.cpp

namespace {

// The type fields of a set and the weight type of each, for code that treats them alike.
constexpr TypeKernel KernelSet::*kTypeFields[] = {
    &KernelSet::f32,  &KernelSet::f16,  &KernelSet::bf16, &KernelSet::q4_0, &KernelSet::q4_1,
    &KernelSet::q5_0, &KernelSet::q5_1, &KernelSet::q8_0, &KernelSet::q2_k, &KernelSet::q3_k,
    &KernelSet::q4_k, &KernelSet::q5_k, &KernelSet::q6_k,
};

constexpr TensorType kFieldTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0, TensorType::kQ4_1,
    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0, TensorType::kQ2_K, TensorType::kQ3_K,
    TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K,
};
static_assert(std::size(kFieldTypes) == std::size(kTypeFields));

// `base` with every type kernel `over` has replaced.
KernelSet Overlay(KernelSet base, const KernelSet& over) {
  base.name = over.name;
  if (over.dot_f32 != nullptr) base.dot_f32 = over.dot_f32;
  if (over.axpy_f32 != nullptr) base.axpy_f32 = over.axpy_f32;
  if (over.attend != nullptr) base.attend = over.attend;
  if (over.silu_mul != nullptr) base.silu_mul = over.silu_mul;
  if (over.gelu_mul != nullptr) base.gelu_mul = over.gelu_mul;
  if (over.quantize_q8_0 != nullptr) base.quantize_q8_0 = over.quantize_q8_0;
  if (over.quantize_q8_1 != nullptr) base.quantize_q8_1 = over.quantize_q8_1;
  if (over.quantize_q8_k != nullptr) base.quantize_q8_k = over.quantize_q8_k;
  for (auto field : kTypeFields) {
    if ((over.*field).dot != nullptr) {
      base.*field = over.*field;
    } else if ((over.*field).few != nullptr) {
      (base.*field).few = (over.*field).few;
    }
  }
  return base;
}

}  // namespace

const KernelSet* Avx2Kernels() {
  static const KernelSet* set = [] {
    __builtin_cpu_init();
    // F16C by cpuid (leaf 1, ECX bit 29): clang's __builtin_cpu_supports does not know
    // "f16c"; AVX2 and FMA imply the OS saves the AVX state.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
    const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    return ok ? Avx2KernelsImpl() : nullptr;
  }();
  return set;
}

const KernelSet* Avx512Kernels() {
  static const KernelSet* set = [] {
    if (Avx2Kernels() == nullptr) return static_cast<const KernelSet*>(nullptr);
    // By cpuid, as for F16C: clang 14's __builtin_cpu_supports lacks "avx512vnni".
    // Leaf 7: AVX512F (EBX 16), DQ (17), BW (30), VL (31), VNNI (ECX 11).
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
      return static_cast<const KernelSet*>(nullptr);
    const unsigned ebx_bits = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
    const bool cpu = (ebx & ebx_bits) == ebx_bits && (ecx & (1u << 11)) != 0;
    // The OS must save the opmask and ZMM registers: XCR0 bits 1, 2 and 5-7 (OSXSAVE,
    // leaf 1 ECX bit 27, makes XGETBV available).
    if (!cpu || !__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & (1u << 27)) == 0) {
      return static_cast<const KernelSet*>(nullptr);
    }
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool os = (xcr0_lo & 0xe6u) == 0xe6u;
    return os ? Avx512KernelsImpl() : static_cast<const KernelSet*>(nullptr);
  }();
  return set;
}

const KernelSet* AmxKernels() {
  static const KernelSet* set = []() -> const KernelSet* {
    const KernelSet* avx512 = Avx512Kernels();
    if (avx512 == nullptr) return nullptr;
    // Leaf 7: AMX-TILE (EDX 24) and AMX-INT8 (EDX 25).
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || (edx & (3u << 24)) != (3u << 24)) {
      return nullptr;
    }
    // The OS saves the tile configuration and data: XCR0 bits 17 and 18.
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & (3u << 17)) != (3u << 17)) return nullptr;
    // Linux (5.16+) gives a process the large tile data state only when it asks:
    // arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA); without it the first tile
    // instruction is killed with SIGILL.
    constexpr long kReqXcompPerm = 0x1023, kXfeatureXtileData = 18;
    if (syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtileData) != 0) return nullptr;
    return AmxKernelsImpl(*avx512);
  }();
  return set;
}

const KernelSet& BestKernels() {
  static const KernelSet best = [] {
    KernelSet set = ScalarKernels();
    if (const KernelSet* avx2 = Avx2Kernels()) set = Overlay(set, *avx2);
    if (const KernelSet* avx512 = Avx512Kernels()) set = Overlay(set, *avx512);
    if (const KernelSet* amx = AmxKernels()) set = Overlay(set, *amx);
    return set;
  }();
  return best;
}

const TypeKernel* KernelFor(const KernelSet& set, TensorType type) {
  const TypeKernel* k = nullptr;
  for (size_t i = 0; i < std::size(kTypeFields); ++i) {
    if (kFieldTypes[i] == type) k = &(set.*kTypeFields[i]);
  }
  return k != nullptr && k->dot != nullptr ? k : nullptr;
}

size_t ActRowBytes(ActFormat format, int64_t n) {
  switch (format) {
    case ActFormat::kF32:
      return static_cast<size_t>(n) * sizeof(float);
    case ActFormat::kQ8_0:
      return static_cast<size_t>(n / 32) * sizeof(ActBlockQ8_0);
    case ActFormat::kQ8_1:
      return static_cast<size_t>(n / 32) * sizeof(ActBlockQ8_1);
    case ActFormat::kQ8_K:
      return static_cast<size_t>(n / kQK_K) * sizeof(ActBlockQ8_K);
  }
  return 0;
}

void QuantizeActivations(const KernelSet& set, ActFormat format, const float* x, void* out,
                         int64_t n) {
  switch (format) {
    case ActFormat::kF32:
      std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case ActFormat::kQ8_0:
      set.quantize_q8_0(x, out, n);
      return;
    case ActFormat::kQ8_1:
      set.quantize_q8_1(x, out, n);
      return;
    case ActFormat::kQ8_K:
      set.quantize_q8_k(x, out, n);
      return;
  }
}

void QuantizeActivations(ActFormat format, const float* x, void* out, int64_t n) {
  QuantizeActivations(BestKernels(), format, x, out, n);
}

}  // namespace strata::genai::internal
