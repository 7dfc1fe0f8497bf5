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
#include "genai/kernels_avx512_math.h"

namespace strata::genai::internal {
namespace {

// Scores of heads h < n_q for keys j0..j0+15: scores[h * n_keys + j] = scale * q_h . k_j.
template <int kC>
void Scores16(const float* q, int n_q, const float* k, size_t stride, int n_keys, int j0, float scale,
              float* scores) {
  for (int h = 0; h < n_q; ++h) {
    const float* qh = q + h * 16 * kC;
    __m512 acc[16];
    for (int j = 0; j < 16; ++j) {
      const float* key = k + (j0 + j) * stride;
      acc[j] = _mm512_mul_ps(_mm512_loadu_ps(qh), _mm512_loadu_ps(key));
      for (int c = 1; c < kC; ++c) acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(qh + 16 * c), _mm512_loadu_ps(key + 16 * c), acc[j]);
    }
    _mm512_storeu_ps(scores + h * n_keys + j0, _mm512_mul_ps(Sums16(acc), _mm512_set1_ps(scale)));
  }
}

// In place: s = softmax(s) over n values, sums in float over 16 lanes.
void Softmax(float* s, int n) {
  __m512 max = _mm512_set1_ps(-INFINITY);
  int j = 0;
  for (; j + 16 <= n; j += 16) max = _mm512_max_ps(max, _mm512_loadu_ps(s + j));
  float m = _mm512_reduce_max_ps(max);
  for (int i = j; i < n; ++i) m = std::max(m, s[i]);
  const __m512 mv = _mm512_set1_ps(m);
  __m512 sum = _mm512_setzero_ps();
  for (j = 0; j < n; j += 16) {
    const __mmask16 mask = n - j >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (n - j)) - 1);
    const __m512 e = Exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, s + j), mv));
    _mm512_mask_storeu_ps(s + j, mask, e);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(mask, e));
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
  for (j = 0; j < n; j += 16) {
    const __mmask16 mask = n - j >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (n - j)) - 1);
    _mm512_mask_storeu_ps(s + j, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, s + j), inv));
  }
}

// kC: head size / 16 (vectors per row).
template <int kC>
void AttendRows(const float* q, int n_q, const float* k, const float* v, size_t stride, int n_keys,
                float scale, float softcap, float* scores, float* out) {
  int j0 = 0;
  for (; j0 + 16 <= n_keys; j0 += 16) Scores16<kC>(q, n_q, k, stride, n_keys, j0, scale, scores);
  for (int j = j0; j < n_keys; ++j) {
    __m512 key[kC];
    for (int c = 0; c < kC; ++c) key[c] = _mm512_loadu_ps(k + j * stride + 16 * c);
    for (int h = 0; h < n_q; ++h) {
      const float* qh = q + h * 16 * kC;
      __m512 acc = _mm512_mul_ps(_mm512_loadu_ps(qh), key[0]);
      for (int c = 1; c < kC; ++c) acc = _mm512_fmadd_ps(_mm512_loadu_ps(qh + 16 * c), key[c], acc);
      scores[h * n_keys + j] = _mm512_reduce_add_ps(acc) * scale;
    }
  }
  for (int h = 0; h < n_q; ++h) {
    float* s = scores + h * n_keys;
    if (softcap > 0.f) {
      for (int j = 0; j < n_keys; ++j) s[j] = softcap * std::tanh(s[j] / softcap);
    }
    Softmax(s, n_keys);
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
