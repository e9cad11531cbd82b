#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

TEST(ApplyEdits, SplicesEditsAndKeepsEveryOtherByte) {
  std::string input = "SELECT a FROM core.t1 WHERE b = 1";
  std::vector<Edit> edits = {{7, 8, "a", "x", "column rename"},
                             {14, 21, "core.t1", "core.t2", "table rename"}};
  EXPECT_EQ(ApplyEdits(input, edits), "SELECT x FROM core.t2 WHERE b = 1");
  EXPECT_EQ(ApplyEdits(input, {}), input);
}

TEST(ApplyEdits, DropsAnOverlappingEditInsteadOfCorruptingText) {
  std::vector<Edit> edits = {{0, 4, "abcd", "X", ""}, {2, 6, "cdef", "Y", ""}};
  EXPECT_EQ(ApplyEdits("abcdefgh", edits), "Xefgh");
}

}  // namespace
}  // namespace skein
