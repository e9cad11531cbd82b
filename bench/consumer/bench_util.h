// Shared by the consumer benchmarks: percentiles of timings, and a fatal error.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace skein::bench {

using Ms = std::chrono::duration<double, std::milli>;

// The p-th percentile (0..1) of `values`, nearest rank.
inline double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// Prints "PROGRAM: message" and exits 2.
[[noreturn]] inline void Die(const char* program, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
  std::exit(2);
}

}  // namespace skein::bench
