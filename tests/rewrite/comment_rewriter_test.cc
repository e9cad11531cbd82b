#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec CommentSpec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  return spec;
}

TEST(RenameDatasetInComments, RenamesTheIdWhereACommentNamesIt) {
  std::string sql =
      "-- Runs daily after core.user_profile_v1 lands.\n"
      "/* reads CORE.USER_PROFILE_V1 */ SELECT 'core.user_profile_v1' FROM core.user_profile_v1\n";
  RewriteResult r = RenameDatasetInComments(sql, CommentSpec(), sql::Dialect::kAnsi);
  EXPECT_EQ(r.text,
            "-- Runs daily after core.user_profile_v2 lands.\n"
            "/* reads core.user_profile_v2 */ SELECT 'core.user_profile_v1' FROM core.user_profile_v1\n");
  ASSERT_EQ(r.edits.size(), 2u);
  EXPECT_EQ(r.edits[0].why, "table rename in a comment");
}

TEST(RenameDatasetInComments, LeavesLongerNamesAlone) {
  std::string sql =
      "-- see core.user_profile_v1_backup and x.core.user_profile_v1 and core.user_profile_v1.dt\n";
  RewriteResult r = RenameDatasetInComments(sql, CommentSpec(), sql::Dialect::kAnsi);
  EXPECT_EQ(r.text, sql);
  EXPECT_FALSE(r.changed());
}

}  // namespace
}  // namespace skein
