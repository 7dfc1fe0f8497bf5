#pragma once
// Internal, for the AVX-512 instruction-set files only (kernels_avx512.cpp,
// kernels_avx512_attention.cpp): float functions over 16 lanes. Internal linkage, so each
// file compiles its own copy with its own instruction sets.
//
// Hand-written: glibc's vector math (libmvec) is only declared to the compiler under
// -ffast-math, which the rest of these files must not have.

#include <immintrin.h>

namespace strata::genai::internal {
namespace {

// e^x within 2 ulp of the exact value: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two
// parts, so r is exact), e^r by Cephes' degree-5 polynomial for expf, times 2^n by
// scalef, which gives 0 below the smallest float and +inf above the largest.
inline __m512 Exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.f)), _mm512_set1_ps(89.f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_scalef_ps(p, n);
}

// Lane j of the result: the sum of v[j]'s 16 lanes. A transposing tree of adds: about
// three instructions per vector where _mm512_reduce_add_ps takes eight.
inline __m512 Sums16(const __m512 v[16]) {
  __m512 w[8], z[4];
  for (int i = 0; i < 8; ++i) {  // w[i]: v[2i]'s lanes 0+2, 1+3, then v[2i+1]'s
    w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  for (int i = 0; i < 4; ++i) {  // z[i]'s 128-bit lane L: four partial sums of v[4i + L]
    z[i] = _mm512_add_ps(_mm512_shuffle_f32x4(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  }
  const __m512 u0 = _mm512_add_ps(_mm512_unpacklo_ps(z[0], z[1]), _mm512_unpackhi_ps(z[0], z[1]));
  const __m512 u1 = _mm512_add_ps(_mm512_unpacklo_ps(z[2], z[3]), _mm512_unpackhi_ps(z[2], z[3]));
  const __m512d a = _mm512_castps_pd(u0), b = _mm512_castps_pd(u1);
  // Element 4L + i holds the sum of v[4i + L]: transpose the 4 x 4.
  const __m512 r = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  return _mm512_permutexvar_ps(_mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0), r);
}

}  // namespace
}  // namespace strata::genai::internal
