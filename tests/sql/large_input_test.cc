// Scale and hostile input: a 100 MB generated file with invalid UTF-8 is lexed and resolved
// statement by statement without crashing, and every reference in it is still found.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/lexer.h"
#include "sql/resolver.h"

namespace skein::sql {
namespace {

// One chunk: three statements, two column references and two table references of the target,
// one comment and one string naming it (not references), and bytes that are not UTF-8.
constexpr std::string_view kChunk =
    "-- daily job \xff\xfe reads core.user_profile_v1\n"
    "SELECT p.user_id, o.amount, 'core.user_profile_v1' AS src, caf\xc3\xa9\xc3 FROM core.user_profile_v1 p\n"
    "  JOIN core.orders o ON o.user_id = p.user_id WHERE o.amount > 10;\n"
    "WITH x AS (SELECT user_id FROM core.orders) SELECT count(*) FROM x;\n"
    "INSERT INTO out.t SELECT 1 FROM core.user_profile_v1 /* done */;\n";

ColumnsOf Catalog() {
  return [](const std::vector<NamePart>& name) -> std::optional<std::vector<std::string>> {
    if (name.back().name == "user_profile_v1") return std::vector<std::string>{"user_id", "signup_ts"};
    if (name.back().name == "orders") return std::vector<std::string>{"user_id", "amount"};
    return std::nullopt;
  };
}

// 100 MB in the normal build; under ASan (CI's run), whose shadow memory and checks make the same
// input some twenty times slower (two minutes), 16 MB exercises the same paths.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kLargeInputBytes = 16u << 20;
#else
constexpr size_t kLargeInputBytes = 100u << 20;
#endif

TEST(LargeInput, ResolvesAHundredMegabytesWithInvalidUtf8) {
  const size_t chunks = kLargeInputBytes / kChunk.size() + 1;
  std::string text;
  text.reserve(chunks * kChunk.size());
  for (size_t i = 0; i < chunks; ++i) text += kChunk;
  ASSERT_GE(text.size(), kLargeInputBytes);

  std::vector<NamePart> target = ParseTableName("core.user_profile_v1", Dialect::kAnsi);
  TargetUsage usage = AnalyzeTargetUsage(text, Dialect::kAnsi, target, Catalog());
  EXPECT_EQ(usage.tables.size(), 2 * chunks);
  EXPECT_EQ(usage.columns.size(), 2 * chunks);  // p.user_id twice per chunk
  ASSERT_FALSE(usage.columns.empty());
  EXPECT_EQ(text.substr(usage.columns.back().span.begin, 9), "p.user_id");
  // `caf\xc3\xa9\xc3` is an unknown column while the target is in scope: one finding per chunk.
  EXPECT_EQ(usage.findings.size(), chunks);
}

TEST(LargeInput, UnterminatedCommentAtTheEndLeavesEverythingBeforeItResolved) {
  std::string text(kChunk);
  text += "SELECT user_id FROM core.user_profile_v1 /* never closed";
  TargetUsage usage = AnalyzeTargetUsage(text, Dialect::kAnsi,
                                         ParseTableName("core.user_profile_v1", Dialect::kAnsi), Catalog());
  EXPECT_EQ(usage.tables.size(), 3u);
  ASSERT_FALSE(usage.findings.empty());
  const Finding& last = usage.findings.back();
  EXPECT_EQ(last.kind, FindingKind::kLexError);
  EXPECT_EQ(last.span.end, text.size());
}

}  // namespace
}  // namespace skein::sql
