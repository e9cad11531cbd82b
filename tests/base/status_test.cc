#include "base/status.h"

#include <gtest/gtest.h>

#include "base/text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

TEST(Status, InvalidInputAtNamesFileLineAndColumn) {
  Status s = Status::InvalidInputAt("catalog/a.yaml", 3, 7, "metadata.name is required");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "catalog/a.yaml:3:7: metadata.name is required");
  EXPECT_EQ(s.ExitCode(), 2);
}

TEST(Status, ExitCodesSeparateBadInputFromFailures) {
  EXPECT_EQ(Status::Ok().ExitCode(), 0);
  EXPECT_EQ(Status::NotFound("x").ExitCode(), 2);
  EXPECT_EQ(Status::Unavailable("db down").ExitCode(), 1);
  EXPECT_EQ(Status::Conflict("x").ExitCode(), 1);
}

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidInput(std::to_string(n) + " is odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "3 is odd");
}

TEST(Text, SplitTrimsAndDropsEmptyPieces) {
  EXPECT_EQ(Split(" a, b ,,c ", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Split("a,,b", ',', false), (std::vector<std::string>{"a", "", "b"}));
}

TEST(Text, WriteFileAtomicallyReplacesContent) {
  testing::TempDir dir;
  auto path = dir.path() / "f.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two").ok());
  EXPECT_EQ(*ReadFile(path), "two");
  EXPECT_EQ(ReadFile(dir.path() / "missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace skein
