// CaseInsensitiveFinder. The SIMD loops never read outside `hay`: the vector loop stops where a
// full vector no longer fits and a scalar loop finishes the tail (ASan runs the tests).
#include "discover/substring_finder.h"

#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SKEIN_X86 1
#endif

namespace skein {
namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Rough frequency of a (lower-cased) byte in source code and configuration text: higher is more
// common. Only the order matters; it picks which two needle bytes the SIMD loop compares.
int ByteFrequency(unsigned char c) {
  static const char kByCommonness[] = " etaoinsrlcd_u.mphf0g(b)y,w=1\"'v2:k/x-3[]{}59j468q7z$`";
  const char* hit = std::strchr(kByCommonness, c);
  if (c == 0 || hit == nullptr) return 0;  // not listed: rare
  return static_cast<int>(sizeof(kByCommonness) - (hit - kByCommonness));
}

}  // namespace

CaseInsensitiveFinder::CaseInsensitiveFinder(std::string_view needle) {
  needle_.reserve(needle.size());
  for (char c : needle) {
    bool letter = IsLetter(c);
    needle_.push_back(letter ? static_cast<char>(c | 0x20) : c);
    fold_.push_back(letter ? 0x20 : 0);
  }
  // The rarest byte, then the rarest at another position holding a different byte when possible.
  size_t n = needle_.size();
  rare1_ = 0;
  for (size_t i = 1; i < n; ++i) {
    if (ByteFrequency(needle_[i]) < ByteFrequency(needle_[rare1_])) rare1_ = i;
  }
  rare2_ = rare1_;
  int best = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == rare1_) continue;
    int score = ByteFrequency(needle_[i]) + (needle_[i] == needle_[rare1_] ? 1000 : 0);
    if (rare2_ == rare1_ || score < best) rare2_ = i, best = score;
  }
  if (rare2_ < rare1_) std::swap(rare1_, rare2_);
#if defined(SKEIN_X86)
  use_avx2_ = __builtin_cpu_supports("avx2");
#endif
}

bool CaseInsensitiveFinder::MatchesAt(const char* at) const {
  for (size_t i = 0; i < needle_.size(); ++i) {
    if ((at[i] | fold_[i]) != needle_[i]) return false;
  }
  return true;
}

size_t CaseInsensitiveFinder::Find(std::string_view hay, size_t from) const {
  if (needle_.empty() || from >= hay.size() || hay.size() - from < needle_.size())
    return std::string_view::npos;
#if defined(SKEIN_X86)
  if (use_avx2_) return FindAvx2(hay.data(), hay.size(), from);
  return FindSse2(hay.data(), hay.size(), from);
#else
  return FindScalar(hay.data(), hay.size(), from);
#endif
}

size_t CaseInsensitiveFinder::FindScalar(const char* hay, size_t size, size_t from) const {
  for (size_t i = from; i + needle_.size() <= size; ++i) {
    if (MatchesAt(hay + i)) return i;
  }
  return std::string_view::npos;
}

#if defined(SKEIN_X86)

size_t CaseInsensitiveFinder::FindSse2(const char* hay, size_t size, size_t from) const {
  const size_t m = needle_.size();
  const __m128i fold1 = _mm_set1_epi8(fold_[rare1_]);
  const __m128i fold2 = _mm_set1_epi8(fold_[rare2_]);
  const __m128i want1 = _mm_set1_epi8(needle_[rare1_]);
  const __m128i want2 = _mm_set1_epi8(needle_[rare2_]);
  size_t i = from;
  // A full vector at i + rare2_ must fit: i + rare2_ + 16 <= size.
  for (; i + rare2_ + 16 <= size && i + m <= size; i += 16) {
    __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + rare1_)), fold1);
    __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hay + i + rare2_)), fold2);
    uint32_t mask = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, want1), _mm_cmpeq_epi8(b, want2))));
    while (mask != 0) {
      size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (at + m <= size && MatchesAt(hay + at)) return at;
      mask &= mask - 1;
    }
  }
  return FindScalar(hay, size, i);
}

__attribute__((target("avx2"))) size_t CaseInsensitiveFinder::FindAvx2(const char* hay, size_t size,
                                                                       size_t from) const {
  const size_t m = needle_.size();
  const __m256i fold1 = _mm256_set1_epi8(fold_[rare1_]);
  const __m256i fold2 = _mm256_set1_epi8(fold_[rare2_]);
  const __m256i want1 = _mm256_set1_epi8(needle_[rare1_]);
  const __m256i want2 = _mm256_set1_epi8(needle_[rare2_]);
  size_t i = from;
  // Two vectors per round while both fit; candidates are rare, so the loop is load-bound.
  for (; i + rare2_ + 64 <= size; i += 64) {
    __m256i a0 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + rare1_)), fold1);
    __m256i b0 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + rare2_)), fold2);
    __m256i a1 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + 32 + rare1_)), fold1);
    __m256i b1 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + 32 + rare2_)), fold2);
    __m256i m0 = _mm256_and_si256(_mm256_cmpeq_epi8(a0, want1), _mm256_cmpeq_epi8(b0, want2));
    __m256i m1 = _mm256_and_si256(_mm256_cmpeq_epi8(a1, want1), _mm256_cmpeq_epi8(b1, want2));
    uint64_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(m0)) |
                    (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(m1))) << 32);
    while (mask != 0) {
      size_t at = i + static_cast<size_t>(__builtin_ctzll(mask));
      if (at + m <= size && MatchesAt(hay + at)) return at;
      mask &= mask - 1;
    }
  }
  for (; i + rare2_ + 32 <= size; i += 32) {
    __m256i a =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + rare1_)), fold1);
    __m256i b =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hay + i + rare2_)), fold2);
    uint32_t mask = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, want1), _mm256_cmpeq_epi8(b, want2))));
    while (mask != 0) {
      size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (at + m <= size && MatchesAt(hay + at)) return at;
      mask &= mask - 1;
    }
  }
  return FindScalar(hay, size, i);
}

#endif

}  // namespace skein
