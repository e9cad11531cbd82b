// ReferenceMatcher: finds references to datasets in a buffer of text. For each dataset's table
// name (the last part) a CaseInsensitiveFinder finds candidate positions; each candidate is then
// checked in its context, backwards (qualifier, quotes, project prefix, dbt `source(`) and
// forwards (word boundary, closing quote, dbt `)`), within a bounded window so a file can be
// processed in overlapping chunks.
//
// What counts as a reference (also in comments and strings: discovery reports both):
//   core.user_profile_v1          proj.core.user_profile_v1        "core.user_profile_v1" in code
//   "core"."user_profile_v1"      `core`.`user_profile_v1`         [core].[user_profile_v1]
//   `proj.core.user_profile_v1`   proj:core.user_profile_v1        source('core', "user_profile_v1")
//   \"core\".\"user_profile_v1\" (quoted identifiers inside a JSON or code string literal)
// always ASCII case-insensitively, never when an identifier character ([A-Za-z0-9_$]) touches the
// name: xcore.user_profile_v1, core.user_profile_v10 and core.user_profile_v1_backup are not
// references. A BigQuery partition decorator (core.user_profile_v1$20240101) is one.
//
// Thread-safety: immutable after construction; one matcher serves every scanning thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "discover/reference.h"
#include "discover/substring_finder.h"

namespace skein {

// How far the context check may look before a table-name candidate and after it. A chunked file
// keeps kChunkOverlap bytes from the previous chunk, which must cover both.
inline constexpr size_t kMaxLookBehind = 1024;
inline constexpr size_t kMaxLookAhead = 1024;
inline constexpr size_t kChunkOverlap = 4096;

// A reference found in a buffer; positions are buffer offsets.
struct RawMatch {
  size_t dataset = 0;  // index into the matcher's datasets
  size_t begin = 0;    // first byte of the matched text
  size_t end = 0;      // one past its last byte
  size_t anchor = 0;   // where the table name starts: what makes a match belong to one chunk
  ReferenceForm form = ReferenceForm::kQualified;
};

class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(std::vector<DatasetPattern> datasets);

  // Appends to `out` every reference in `buffer` whose table name starts in
  // [own_begin, own_end). Context is read from the whole buffer: a caller that chunks a file
  // keeps kChunkOverlap bytes on both sides of [own_begin, own_end) unless that side is the file's
  // start or end. The order of `out` is unspecified.
  void FindInBuffer(std::string_view buffer, size_t own_begin, size_t own_end,
                    std::vector<RawMatch>* out) const;

  const std::vector<DatasetPattern>& datasets() const { return datasets_; }

 private:
  struct Needle {
    CaseInsensitiveFinder finder;
    std::vector<size_t> datasets;  // the datasets whose table name this is
  };

  std::vector<DatasetPattern> datasets_;
  std::vector<Needle> needles_;
};

// Tracks the line and column of a moving position in a file, counting newlines only between the
// positions asked for (never the whole file). Columns count bytes; CRLF files count like LF.
class LineTracker {
 public:
  // Moves to file offset `target` >= position(). `buffer` holds the file's bytes from offset
  // `buffer_base` on and must cover [position(), target).
  void AdvanceTo(std::string_view buffer, uint64_t buffer_base, uint64_t target);
  uint64_t position() const { return position_; }
  int64_t line() const { return line_; }                                                // 1-based
  int64_t column() const { return static_cast<int64_t>(position_ - line_start_) + 1; }  // 1-based

 private:
  uint64_t position_ = 0;
  int64_t line_ = 1;
  uint64_t line_start_ = 0;
};

// Every reference in `text` (a whole file's content), sorted by offset, with dataset, line, col,
// offset, text and form set; repo, repo_path and file are left empty.
std::vector<Reference> FindReferencesInText(std::string_view text, const ReferenceMatcher& matcher);

}  // namespace skein
