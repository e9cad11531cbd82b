#include <gtest/gtest.h>

#include "rewrite/rewrite.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

// `diff -u` of the two texts, from the first hunk on (its header carries file times).
std::string SystemDiff(const std::string& before, const std::string& after) {
  testing::TempDir dir;
  dir.Write("a", before);
  dir.Write("b", after);
  testing::CommandResult r = testing::RunProgram({"diff", "-u", "a", "b"}, dir.path());
  size_t hunk = r.out.find("@@");
  return hunk == std::string::npos ? "" : r.out.substr(hunk);
}

std::string OurHunks(const std::string& before, const std::string& after) {
  std::string d = UnifiedDiff("f", before, after);
  size_t hunk = d.find("@@");
  return hunk == std::string::npos ? "" : d.substr(hunk);
}

std::string Lines(int from, int to, int changed = -1) {
  std::string s;
  for (int i = from; i <= to; ++i) s += (i == changed ? "changed " : "line ") + std::to_string(i) + "\n";
  return s;
}

TEST(UnifiedDiff, EqualTextsGiveNothing) { EXPECT_EQ(UnifiedDiff("f", "a\nb\n", "a\nb\n"), ""); }

TEST(UnifiedDiff, LabelsBothSides) {
  EXPECT_EQ(UnifiedDiff("q.sql", "a\n", "b\n"), "--- a/q.sql\n+++ b/q.sql\n@@ -1 +1 @@\n-a\n+b\n");
}

TEST(UnifiedDiff, MatchesDiffUOnOneChange) {
  EXPECT_EQ(OurHunks(Lines(1, 20), Lines(1, 20, 10)), SystemDiff(Lines(1, 20), Lines(1, 20, 10)));
}

TEST(UnifiedDiff, MatchesDiffUOnSeparateAndMergedHunks) {
  std::string before = Lines(1, 40);
  std::string after = before;
  after.replace(after.find("line 5\n"), 7, "five\n");
  after.replace(after.find("line 12\n"), 8, "twelve\nextra\n");
  after.replace(after.find("line 30\n"), 8, "");
  EXPECT_EQ(OurHunks(before, after), SystemDiff(before, after));
}

TEST(UnifiedDiff, MatchesDiffUWithoutFinalNewline) {
  EXPECT_EQ(OurHunks("a\nb\nc", "a\nb\nd"), SystemDiff("a\nb\nc", "a\nb\nd"));
  EXPECT_EQ(OurHunks("a\nb\n", "a\nb"), SystemDiff("a\nb\n", "a\nb"));
  EXPECT_NE(OurHunks("a\nb\nc", "a\nb\nd").find("\\ No newline at end of file"), std::string::npos);
}

TEST(UnifiedDiff, MatchesDiffUFromAndToEmpty) {
  EXPECT_EQ(OurHunks("", "a\nb\n"), SystemDiff("", "a\nb\n"));
  EXPECT_EQ(OurHunks("a\nb\n", ""), SystemDiff("a\nb\n", ""));
}

}  // namespace
}  // namespace skein
