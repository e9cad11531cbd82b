#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec DbtSpec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false}, {"legacy_segment", "", "", false}};
  return spec;
}

const char* kHead = "version: 2\nsources:\n  - name: core\n    tables:\n";

TEST(DbtYamlRewriter, RenamesTheTableNameAndItsColumnEntries) {
  std::string in =
      std::string(kHead) + "      - name: user_profile_v1\n        columns:\n          - name: \"user_id\"\n";
  RewriteResult r = RewriteFile("models/sources.yml", in, DbtSpec(), {});
  EXPECT_EQ(r.text,
            std::string(kHead) +
                "      - name: user_profile_v2\n        columns:\n          - name: \"account_id\"\n");
  ASSERT_EQ(r.edits.size(), 2u);
  EXPECT_EQ(r.edits[1].why, "column rename account_id");
}

TEST(DbtYamlRewriter, AnIdentifierIsUpdatedAndTheNameKept) {
  std::string in = std::string(kHead) + "      - name: profiles\n        identifier: user_profile_v1\n";
  EXPECT_EQ(RewriteFile("models/sources.yml", in, DbtSpec(), {}).text,
            std::string(kHead) + "      - name: profiles\n        identifier: user_profile_v2\n");
}

TEST(DbtYamlRewriter, ADroppedColumnEntryIsReportedAndKept) {
  std::string in = std::string(kHead) +
                   "      - name: user_profile_v1\n        columns:\n          - name: legacy_segment\n";
  RewriteResult r = RewriteFile("models/sources.yml", in, DbtSpec(), {});
  EXPECT_NE(r.text.find("- name: legacy_segment"), std::string::npos);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].line, 7);
}

TEST(DbtYamlRewriter, OtherSourcesAndModelsAreLeftAlone) {
  std::string in =
      "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: user_profile_v1\n"
      "models:\n  - name: user_profile_v1\n";
  EXPECT_EQ(RewriteFile("models/sources.yml", in, DbtSpec(), {}).text, in);
}

}  // namespace
}  // namespace skein
