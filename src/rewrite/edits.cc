// Splicing edits into text: the one place output text is assembled, so "no byte outside an edit
// span changes" holds by construction.
#include <string>

#include "rewrite/rewrite.h"

namespace skein {

std::string ApplyEdits(std::string_view input, const std::vector<Edit>& edits) {
  std::string out;
  size_t grow = 0;
  for (const auto& e : edits) grow += e.after.size();
  out.reserve(input.size() + grow);
  size_t pos = 0;
  for (const auto& e : edits) {
    // Edits are sorted and disjoint (the rewriters guarantee it); an out-of-order edit is a bug
    // and is dropped rather than corrupting the text.
    if (e.begin < pos || e.end < e.begin || e.end > input.size()) continue;
    out.append(input.substr(pos, e.begin - pos));
    out.append(e.after);
    pos = e.end;
  }
  out.append(input.substr(pos));
  return out;
}

}  // namespace skein
