// Avro's binary encoding, for tests that write or edit Avro container files byte by byte (as the
// Avro specification lays them out), without linking libavro.
#pragma once

#include <cstdint>
#include <string>

namespace skein::testing {

// int and long: a zig-zag varint.
inline void PutAvroLong(std::string& out, int64_t value) {
  uint64_t n = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (n & ~uint64_t{0x7f}) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

// string and bytes: the length, then the bytes.
inline void PutAvroBytes(std::string& out, const std::string& bytes) {
  PutAvroLong(out, static_cast<int64_t>(bytes.size()));
  out += bytes;
}

}  // namespace skein::testing
