// CaseInsensitiveFinder: the scanner's hot loop, an ASCII case-insensitive substring search.
//
// It is the generic SIMD substring algorithm: compare two bytes of the needle (the two rarest,
// by a static byte-frequency table) against 32 (AVX2) or 16 (SSE2) positions of the haystack at
// once, after OR-ing 0x20 into haystack bytes where the needle byte is a letter; then verify each
// candidate byte by byte. AVX2 is chosen at run time when the CPU has it.
//
// Thread-safety: immutable after construction; share freely.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skein {

class CaseInsensitiveFinder {
 public:
  // `needle` is ASCII, non-empty, in any case.
  explicit CaseInsensitiveFinder(std::string_view needle);

  // The first position >= `from` where the needle occurs in `hay`, ASCII case-insensitively,
  // or std::string_view::npos.
  size_t Find(std::string_view hay, size_t from) const;

  // The needle, lower-cased.
  const std::string& needle() const { return needle_; }

 private:
  bool MatchesAt(const char* at) const;
  size_t FindScalar(const char* hay, size_t size, size_t from) const;
  size_t FindSse2(const char* hay, size_t size, size_t from) const;
  size_t FindAvx2(const char* hay, size_t size, size_t from) const;

  std::string needle_;  // lower-cased
  std::string fold_;    // per needle byte: 0x20 when it is a letter, else 0
  size_t rare1_ = 0;    // the two needle positions the SIMD loop compares
  size_t rare2_ = 0;
  bool use_avx2_ = false;
};

}  // namespace skein
