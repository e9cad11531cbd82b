// Specification of `skein rewrite`, run as the real binary in a fresh folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::CommandResult;
using skein::testing::RunSkein;
using skein::testing::TempDir;

const char* kSchema = "user_id BIGINT, email VARCHAR, country VARCHAR, legacy_segment VARCHAR";

class RewriteCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("m.yaml",
               "apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: up}\nspec:\n"
               "  from: core.user_profile_v1\n  to: core.user_profile_v2\n  columns:\n"
               "    - {from: user_id, to: account_id}\n    - {drop: legacy_segment}\n");
    dir_.Write("load.py", "T = \"core.user_profile_v1\"\n");
    dir_.Write("seg.py", "T = \"core.user_profile_v1\"\nx = row[\"legacy_segment\"]\n");
  }
  CommandResult Skein(const std::vector<std::string>& args) { return RunSkein(args, dir_.path()); }
  TempDir dir_;
};

TEST_F(RewriteCli, PrintsADiffAndExitsZeroWithoutFindings) {
  CommandResult r = Skein({"rewrite", "m.yaml", "load.py", "--schema", kSchema});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--- a/load.py\n+++ b/load.py\n@@ -1 +1 @@\n-T = \"core.user_profile_v1\"\n"
                       "+T = \"core.user_profile_v2\"\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(*ReadFile(dir_.path() / "load.py"), "T = \"core.user_profile_v1\"\n");  // not in place
}

TEST_F(RewriteCli, FindingsExitOneWithFileLineCol) {
  CommandResult r = Skein({"rewrite", "m.yaml", "seg.py", "--schema", kSchema});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("seg.py:2:10: column legacy_segment used outside SQL"), std::string::npos) << r.out;
}

TEST_F(RewriteCli, InPlaceWritesTheFile) {
  CommandResult r = Skein({"rewrite", "m.yaml", "load.py", "--in-place", "--schema", kSchema});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(*ReadFile(dir_.path() / "load.py"), "T = \"core.user_profile_v2\"\n");
}

TEST_F(RewriteCli, JsonListsEditsAndFindings) {
  CommandResult r = Skein({"rewrite", "m.yaml", "load.py", "seg.py", "--json", "--schema", kSchema});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["edits"][0]["after"], "core.user_profile_v2");
  EXPECT_EQ(j["files"][0]["edits"][0]["begin"], 5);
  EXPECT_EQ(j["files"][0]["edits"][0]["why"], "table rename");
  EXPECT_EQ(j["files"][1]["findings"][0]["line"], 2);
  EXPECT_EQ(j["findings"], 1);
}

TEST_F(RewriteCli, BadInputExitsTwo) {
  EXPECT_EQ(Skein({"rewrite", "missing.yaml", "load.py", "--schema", kSchema}).exit_code, 2);
  EXPECT_EQ(Skein({"rewrite", "m.yaml", "nope.py", "--schema", kSchema}).exit_code, 2);
  EXPECT_EQ(Skein({"rewrite", "m.yaml", "load.py", "--schema", kSchema, "--dialect", "oracle"}).exit_code, 2);
  CommandResult r = Skein({"rewrite", "m.yaml", "load.py", "--schema", "email VARCHAR"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("m.yaml:"), std::string::npos) << r.err;
}

TEST_F(RewriteCli, WithoutSchemaOrCatalogSaysHowToFixIt) {
  CommandResult r = Skein({"rewrite", "m.yaml", "load.py"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--schema"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace skein
