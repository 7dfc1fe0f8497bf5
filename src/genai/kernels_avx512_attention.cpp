// AVX-512 attention for one query position and the query heads that share one key/value
// head (grouped-query attention): each key and value row is loaded once for every head
// of the group, and the heads' outputs stay in registers while the values stream by.
// This file alone is compiled with AVX-512; kernels.cpp checks the CPU before use.
//
// Hand-written: no Debian 12 package provides this loop over our KV cache layout.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "genai/kernels.h"

namespace strata::genai::internal {
namespace {

// kC: head size / 16 (vectors per row).
template <int kC>
void AttendRows(const float* q, int n_q, const float* k, const float* v, size_t stride, int n_keys,
                float scale, float softcap, float* scores, float* out) {
  for (int j = 0; j < n_keys; ++j) {
    __m512 key[kC];
    for (int c = 0; c < kC; ++c) key[c] = _mm512_loadu_ps(k + j * stride + 16 * c);
    for (int h = 0; h < n_q; ++h) {
      const float* qh = q + h * 16 * kC;
      __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(qh), key[0]);
      for (int c = 1; c < kC; ++c) acc = _mm512_fmadd_ps(_mm512_loadu_ps(qh + 16 * c), key[c], acc);
      scores[h * n_keys + j] = _mm512_reduce_add_ps(acc) * scale;
    }
  }
  for (int h = 0; h < n_q; ++h) {  // softmax, as the portable path computes it
    float* s = scores + h * n_keys;
    if (softcap > 0.f) {
      for (int j = 0; j < n_keys; ++j) s[j] = softcap * std::tanh(s[j] / softcap);
    }
    const float max = *std::max_element(s, s + n_keys);
    double sum = 0;
    for (int j = 0; j < n_keys; ++j) {
      s[j] = std::exp(s[j] - max);
      sum += s[j];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int j = 0; j < n_keys; ++j) s[j] *= inv;
  }
  // Heads in passes whose accumulators fit in the 32 vector registers with a value row.
  constexpr int kPass = std::max(1, 16 / kC);
  for (int h0 = 0; h0 < n_q; h0 += kPass) {
    const int hn = std::min(kPass, n_q - h0);
    __m512 acc[kPass][kC];
    for (auto& row : acc) {
      for (auto& a : row) a = _mm512_setzero_ps();
    }
    for (int j = 0; j < n_keys; ++j) {
      __m512 value[kC];
      for (int c = 0; c < kC; ++c) value[c] = _mm512_loadu_ps(v + j * stride + 16 * c);
      for (int h = 0; h < kPass; ++h) {
        if (h >= hn) break;
        const __m512 p = _mm512_set1_ps(scores[(h0 + h) * n_keys + j]);
        for (int c = 0; c < kC; ++c) acc[h][c] = _mm512_fmadd_ps(p, value[c], acc[h][c]);
      }
    }
    for (int h = 0; h < hn; ++h) {
      for (int c = 0; c < kC; ++c) _mm512_storeu_ps(out + (h0 + h) * 16 * kC + 16 * c, acc[h][c]);
    }
  }
}

}  // namespace

bool AttendAvx512(const float* q, int n_q, const float* k, const float* v, size_t stride,
                  int n_keys, int head_dim, float scale, float softcap, float* scores, float* out) {
  switch (head_dim) {
    case 64:
      AttendRows<4>(q, n_q, k, v, stride, n_keys, scale, softcap, scores, out);
      return true;
    case 96:
      AttendRows<6>(q, n_q, k, v, stride, n_keys, scale, softcap, scores, out);
      return true;
    case 128:
      AttendRows<8>(q, n_q, k, v, stride, n_keys, scale, softcap, scores, out);
      return true;
    case 256:
      AttendRows<16>(q, n_q, k, v, stride, n_keys, scale, softcap, scores, out);
      return true;
    default:
      return false;
  }
}

}  // namespace strata::genai::internal
