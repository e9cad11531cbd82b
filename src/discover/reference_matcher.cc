// ReferenceMatcher and LineTracker. Every backward look is bounded by `lo` (kMaxLookBehind before
// the candidate) and every forward look by `hi` (kMaxLookAhead after it), which is what lets the
// scanner cut big files into chunks that overlap by kChunkOverlap.
#include "discover/reference_matcher.h"

#include <algorithm>
#include <cstring>
#include <map>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace skein {
namespace {

constexpr size_t kNone = std::string_view::npos;
// The longest quoted or bare prefix part (project, catalog) the matcher walks over.
constexpr size_t kMaxPrefixLength = 256;
constexpr int kMaxPrefixParts = 3;

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}
bool IsProjectChar(char c) { return IsIdentifierChar(c) || c == '-'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The quote that opens an identifier closed by `closer`, or 0 when `closer` closes none.
char OpenerFor(char closer) {
  switch (closer) {
    case '"':
      return '"';
    case '`':
      return '`';
    case ']':
      return '[';
    default:
      return 0;
  }
}
char CloserFor(char opener) {
  switch (opener) {
    case '"':
      return '"';
    case '`':
      return '`';
    case '[':
      return ']';
    default:
      return 0;
  }
}

// `text` equals `lower` (lower-cased ASCII) ignoring ASCII case.
bool EqualsFolded(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c != lower[i]) return false;
  }
  return true;
}

// The buffer seen by one candidate: [lo, hi) is where the context check may look.
struct Window {
  std::string_view buf;
  size_t lo;
  size_t hi;
  char At(size_t i) const { return i >= lo && i < hi ? buf[i] : '\0'; }
  // The byte before `i`, or '\0' at the window's start.
  char Before(size_t i) const { return i > lo ? buf[i - 1] : '\0'; }
  size_t SkipSpaceBackward(size_t i) const {
    while (i > lo && IsSpace(buf[i - 1])) --i;
    return i;
  }
  size_t SkipSpaceForward(size_t i) const {
    while (i < hi && IsSpace(buf[i])) ++i;
    return i;
  }
};

// Whether an escaped double quote (\") ends at `end`: how SQL's quoted identifiers look inside a
// JSON or code string literal.
bool EscapedQuoteBefore(const Window& w, size_t end) {
  return end >= w.lo + 2 && w.buf[end - 1] == '"' && w.buf[end - 2] == '\\';
}
bool EscapedQuoteAt(const Window& w, size_t i) { return w.At(i) == '\\' && w.At(i + 1) == '"'; }

// A dataset part that ends at `end`, bare or in one pair of identifier quotes ("", ``, [], or
// \"\" inside a string literal). Returns where it begins, or kNone.
size_t PartBackward(const Window& w, size_t end, std::string_view part, bool* quoted) {
  if (EscapedQuoteBefore(w, end)) {
    if (end < w.lo + part.size() + 4) return kNone;
    size_t begin = end - part.size() - 4;
    if (!EscapedQuoteAt(w, begin) || !EqualsFolded(w.buf.substr(begin + 2, part.size()), part)) return kNone;
    *quoted = true;
    return begin;
  }
  char opener = OpenerFor(w.Before(end));
  if (opener != 0) {
    if (end < w.lo + part.size() + 2) return kNone;
    size_t begin = end - part.size() - 2;
    if (w.buf[begin] != opener || !EqualsFolded(w.buf.substr(begin + 1, part.size()), part)) return kNone;
    *quoted = true;
    return begin;
  }
  if (end < w.lo + part.size()) return kNone;
  size_t begin = end - part.size();
  if (!EqualsFolded(w.buf.substr(begin, part.size()), part)) return kNone;
  *quoted = false;
  return begin;
}

// Any prefix part (a project or catalog) that ends at `end`: quoted on one line, or a run of
// project characters. Returns where it begins, or kNone.
size_t PrefixBackward(const Window& w, size_t end, bool allow_quoted, bool* quoted) {
  char opener = allow_quoted ? OpenerFor(w.Before(end)) : 0;
  if (opener != 0) {
    for (size_t i = end - 1; i > w.lo && end - i <= kMaxPrefixLength;) {
      --i;
      if (w.buf[i] == '\n') return kNone;
      if (w.buf[i] == opener) {
        if (i + 2 == end) return kNone;  // empty quotes
        *quoted = true;
        return opener == '"' && i > w.lo && w.buf[i - 1] == '\\' ? i - 1 : i;  // \"proj\"
      }
    }
    return kNone;
  }
  size_t begin = end;
  while (begin > w.lo && end - begin < kMaxPrefixLength && IsProjectChar(w.buf[begin - 1])) --begin;
  if (begin == end) return kNone;
  *quoted = false;
  return begin;
}

// source('core', 'user_profile_v1') around a table name quoted at [s - 1, e + 1).
bool MatchDbtSource(const Window& w, size_t s, size_t e, const DatasetPattern& dataset, RawMatch* match) {
  if (dataset.parts.size() != 2) return false;
  size_t close = w.SkipSpaceForward(e + 1);
  if (w.At(close) != ')') return false;
  size_t i = w.SkipSpaceBackward(s - 1);
  if (w.Before(i) != ',') return false;
  i = w.SkipSpaceBackward(i - 1);
  char quote = w.Before(i);
  if (quote != '\'' && quote != '"') return false;
  const std::string& schema = dataset.parts[0];
  if (i < w.lo + schema.size() + 2) return false;
  size_t schema_begin = i - 1 - schema.size();
  if (w.buf[schema_begin - 1] != quote || !EqualsFolded(w.buf.substr(schema_begin, schema.size()), schema)) {
    return false;
  }
  i = w.SkipSpaceBackward(schema_begin - 1);
  if (w.Before(i) != '(') return false;
  i = w.SkipSpaceBackward(i - 1);
  constexpr std::string_view kSource = "source";
  if (i < w.lo + kSource.size() || w.buf.substr(i - kSource.size(), kSource.size()) != kSource) return false;
  size_t begin = i - kSource.size();
  if (IsIdentifierChar(w.Before(begin))) return false;
  match->begin = begin;
  match->end = close + 1;
  match->form = ReferenceForm::kDbtSource;
  return true;
}

// The context check for one dataset at a table-name candidate [s, e) whose neighbours are not
// identifier characters.
bool MatchAt(const Window& w, size_t s, size_t e, const DatasetPattern& dataset, RawMatch* match) {
  char before = w.Before(s);
  char after = w.At(e);
  if ((before == '\'' || before == '"') && after == before && MatchDbtSource(w, s, e, dataset, match))
    return true;

  // The table part, then each earlier dataset part right to left.
  bool escaped = EscapedQuoteBefore(w, s) && EscapedQuoteAt(w, e);
  bool table_quoted = escaped || (CloserFor(before) != 0 && after == CloserFor(before));
  size_t begin = escaped ? s - 2 : table_quoted ? s - 1 : s;
  size_t end = escaped ? e + 2 : table_quoted ? e + 1 : e;
  bool any_quoted = table_quoted;
  bool first_quoted = table_quoted;
  bool legacy = false;
  const size_t parts = dataset.parts.size();
  for (size_t k = parts - 1; k-- > 0;) {
    char separator = w.Before(begin);
    bool legacy_separator = separator == ':' && k == 0 && parts == 3;
    if (separator != '.' && !legacy_separator) return false;
    bool quoted = false;
    size_t part_begin = PartBackward(w, begin - 1, dataset.parts[k], &quoted);
    if (part_begin == kNone) return false;
    if (legacy_separator) {
      if (quoted || any_quoted) return false;
      legacy = true;
    }
    begin = part_begin;
    any_quoted |= quoted;
    first_quoted = quoted;
  }

  // What stands before the dataset's first part: nothing that continues an identifier; maybe a
  // legacy BigQuery project ("proj:"), maybe project/catalog prefixes ("proj.", "`proj`.").
  char lead = w.Before(begin);
  if (IsIdentifierChar(lead)) return false;
  if (lead == ':' && parts == 2 && !any_quoted) {
    bool quoted = false;
    size_t project = PrefixBackward(w, begin - 1, /*allow_quoted=*/false, &quoted);
    if (project != kNone && !IsIdentifierChar(w.Before(project))) {
      begin = project;
      legacy = true;
      first_quoted = false;
    }
  } else {
    for (int n = 0; n < kMaxPrefixParts && w.Before(begin) == '.'; ++n) {
      bool quoted = false;
      size_t prefix = PrefixBackward(w, begin - 1, /*allow_quoted=*/true, &quoted);
      if (prefix == kNone) break;
      begin = prefix;
      any_quoted |= quoted;
      first_quoted = quoted;
    }
  }

  // One pair of backticks around the whole path: BigQuery's standard form.
  bool whole_backticks = !table_quoted && !first_quoted && w.At(end) == '`' && w.Before(begin) == '`';
  if (whole_backticks) {
    --begin;
    ++end;
  }
  match->begin = begin;
  match->end = end;
  if (legacy) {
    match->form = ReferenceForm::kBigQueryLegacy;
  } else if (whole_backticks) {
    match->form = ReferenceForm::kBigQuery;
  } else if (any_quoted) {
    match->form = ReferenceForm::kQuoted;
  } else {
    match->form = ReferenceForm::kQualified;
  }
  return true;
}

// Newlines in [p, p + n).
uint64_t CountNewlines(const char* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  for (; i + 16 <= n; i += 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    count += static_cast<uint64_t>(__builtin_popcount(_mm_movemask_epi8(_mm_cmpeq_epi8(block, newline))));
  }
#endif
  for (; i < n; ++i) count += p[i] == '\n';
  return count;
}

}  // namespace

ReferenceMatcher::ReferenceMatcher(std::vector<DatasetPattern> datasets) : datasets_(std::move(datasets)) {
  std::map<std::string, size_t> by_table;
  for (size_t i = 0; i < datasets_.size(); ++i) {
    auto [it, inserted] = by_table.emplace(datasets_[i].table(), needles_.size());
    if (inserted) needles_.push_back(Needle{CaseInsensitiveFinder(datasets_[i].table()), {}});
    needles_[it->second].datasets.push_back(i);
  }
}

void ReferenceMatcher::FindInBuffer(std::string_view buffer, size_t own_begin, size_t own_end,
                                    std::vector<RawMatch>* out) const {
  own_end = std::min(own_end, buffer.size());
  if (own_begin >= own_end) return;
  for (const Needle& needle : needles_) {
    const size_t m = needle.finder.needle().size();
    // Only candidates that start before own_end: the haystack ends m - 1 bytes after it.
    std::string_view hay = buffer.substr(0, std::min(buffer.size(), own_end + m - 1));
    for (size_t s = needle.finder.Find(hay, own_begin); s != kNone; s = needle.finder.Find(hay, s + 1)) {
      size_t e = s + m;
      Window w{buffer, s > kMaxLookBehind ? s - kMaxLookBehind : 0,
               std::min(buffer.size(), e + kMaxLookAhead)};
      if (IsIdentifierChar(w.Before(s))) continue;
      char after = w.At(e);
      if (IsIdentifierChar(after) && !(after == '$' && IsDigit(w.At(e + 1)))) continue;
      for (size_t dataset : needle.datasets) {
        RawMatch match;
        if (!MatchAt(w, s, e, datasets_[dataset], &match)) continue;
        match.dataset = dataset;
        match.anchor = s;
        out->push_back(match);
      }
    }
  }
}

void LineTracker::AdvanceTo(std::string_view buffer, uint64_t buffer_base, uint64_t target) {
  if (target <= position_) return;
  const char* from = buffer.data() + (position_ - buffer_base);
  size_t n = static_cast<size_t>(target - position_);
  uint64_t newlines = CountNewlines(from, n);
  if (newlines > 0) {
    const void* last = ::memrchr(from, '\n', n);
    line_start_ = position_ + static_cast<uint64_t>(static_cast<const char*>(last) - from) + 1;
    line_ += static_cast<int64_t>(newlines);
  }
  position_ = target;
}

std::vector<Reference> FindReferencesInText(std::string_view text, const ReferenceMatcher& matcher) {
  std::vector<RawMatch> raw;
  matcher.FindInBuffer(text, 0, text.size(), &raw);
  std::sort(raw.begin(), raw.end(), [](const RawMatch& a, const RawMatch& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.dataset < b.dataset;
  });
  std::vector<Reference> references;
  LineTracker lines;
  for (const RawMatch& match : raw) {
    lines.AdvanceTo(text, 0, match.begin);
    Reference ref;
    ref.dataset = match.dataset;
    ref.line = lines.line();
    ref.col = lines.column();
    ref.offset = match.begin;
    ref.text = std::string(text.substr(match.begin, match.end - match.begin));
    ref.form = match.form;
    references.push_back(std::move(ref));
  }
  return references;
}

}  // namespace skein
