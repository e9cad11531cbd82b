// UnifiedDiff: a line diff in `diff -u` format. The longest common subsequence of the lines
// between the common prefix and suffix is found by dynamic programming when that middle is small
// enough (kMaxCells); a larger middle is shown as all removed then all added — still a correct
// diff, just not a minimal one.
#include <algorithm>
#include <cstdint>
#include <string>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

constexpr size_t kMaxCells = size_t{16} << 20;  // 16M cells of 2 bytes: 32 MB at most
constexpr size_t kContext = 3;

struct Line {
  std::string_view text;  // without its newline
  bool newline = true;    // false only for a last line with no newline
  bool operator==(const Line& o) const { return text == o.text && newline == o.newline; }
};

std::vector<Line> SplitLines(std::string_view s) {
  std::vector<Line> lines;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t eol = s.find('\n', pos);
    if (eol == std::string_view::npos) {
      lines.push_back({s.substr(pos), false});
      break;
    }
    lines.push_back({s.substr(pos, eol - pos), true});
    pos = eol + 1;
  }
  return lines;
}

struct Op {
  char kind;  // ' ', '-', '+'
  size_t a;   // line index in before (for ' ' and '-')
  size_t b;   // line index in after (for ' ' and '+')
};

// The middle a[lo_a, hi_a) vs b[lo_b, hi_b) as ops, removals before additions in each change.
void DiffMiddle(const std::vector<Line>& a, const std::vector<Line>& b, size_t lo_a, size_t hi_a, size_t lo_b,
                size_t hi_b, std::vector<Op>* ops) {
  size_t n = hi_a - lo_a, m = hi_b - lo_b;
  std::vector<Op> mid;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= kMaxCells) {
    std::vector<uint16_t> lcs((n + 1) * (m + 1), 0);  // lcs of a[i..], b[j..]
    auto at = [&](size_t i, size_t j) -> uint16_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        at(i, j) = a[lo_a + i] == b[lo_b + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[lo_a + i] == b[lo_b + j])
        mid.push_back({' ', lo_a + i++, lo_b + j++});
      else if (j < m && (i == n || at(i, j + 1) > at(i + 1, j)))
        mid.push_back({'+', 0, lo_b + j++});
      else
        mid.push_back({'-', lo_a + i++, 0});
    }
  } else {
    for (size_t i = lo_a; i < hi_a; ++i) mid.push_back({'-', i, 0});
    for (size_t j = lo_b; j < hi_b; ++j) mid.push_back({'+', 0, j});
  }
  // Within each run of changes, removals first, as diff prints them.
  for (size_t s = 0; s < mid.size();) {
    size_t e = s;
    while (e < mid.size() && mid[e].kind != ' ') ++e;
    std::stable_partition(mid.begin() + s, mid.begin() + e, [](const Op& o) { return o.kind == '-'; });
    s = e == s ? s + 1 : e;
  }
  ops->insert(ops->end(), mid.begin(), mid.end());
}

std::string Range(size_t start, size_t count) {
  size_t first = count == 0 ? start : start + 1;
  return count == 1 ? std::to_string(first) : std::to_string(first) + "," + std::to_string(count);
}

void AppendHunk(const std::vector<Line>& a, const std::vector<Line>& b, const std::vector<Op>& ops, size_t s,
                size_t e, std::string* out) {
  size_t a_start = 0, b_start = 0, a_count = 0, b_count = 0;
  bool a_set = false, b_set = false;
  for (size_t k = s; k < e; ++k) {
    const Op& o = ops[k];
    if (o.kind != '+') a_count++, a_set = a_set || (a_start = o.a, true);
    if (o.kind != '-') b_count++, b_set = b_set || (b_start = o.b, true);
  }
  // An empty side starts after the lines before the hunk.
  auto before_count = [&](char skip) {
    size_t n = 0;
    for (size_t k = 0; k < s; ++k) n += ops[k].kind != skip;
    return n;
  };
  if (!a_set) a_start = before_count('+');
  if (!b_set) b_start = before_count('-');
  *out += "@@ -" + Range(a_start, a_count) + " +" + Range(b_start, b_count) + " @@\n";
  for (size_t k = s; k < e; ++k) {
    const Line& line = ops[k].kind == '+' ? b[ops[k].b] : a[ops[k].a];
    *out += ops[k].kind;
    out->append(line.text);
    *out += line.newline ? "\n" : "\n\\ No newline at end of file\n";
  }
}

}  // namespace

std::string UnifiedDiff(std::string_view path, std::string_view before, std::string_view after) {
  if (before == after) return "";
  std::vector<Line> a = SplitLines(before), b = SplitLines(after);
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  std::vector<Op> ops;
  for (size_t i = 0; i < pre; ++i) ops.push_back({' ', i, i});
  DiffMiddle(a, b, pre, a.size() - suf, pre, b.size() - suf, &ops);
  for (size_t k = 0; k < suf; ++k) ops.push_back({' ', a.size() - suf + k, b.size() - suf + k});

  std::string out = "--- a/" + std::string(path) + "\n+++ b/" + std::string(path) + "\n";
  for (size_t k = 0; k < ops.size();) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    size_t s = k >= kContext ? k - kContext : 0;
    size_t e = k;
    // Extend while the next change is within 2 * kContext unchanged lines.
    while (true) {
      while (e < ops.size() && ops[e].kind != ' ') ++e;
      size_t gap = e;
      while (gap < ops.size() && ops[gap].kind == ' ' && gap - e < 2 * kContext + 1) ++gap;
      if (gap < ops.size() && ops[gap].kind != ' ' && gap - e <= 2 * kContext) {
        e = gap;
        continue;
      }
      e = std::min(ops.size(), e + kContext);
      break;
    }
    AppendHunk(a, b, ops, s, e, &out);
    k = e;
  }
  return out;
}

}  // namespace skein
