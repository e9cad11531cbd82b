#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

TEST(DetectFileKind, SqlWithJinjaIsADbtModel) {
  EXPECT_EQ(DetectFileKind("q/daily.sql", "select 1"), FileKind::kSql);
  EXPECT_EQ(DetectFileKind("models/x.sql", "select * from {{ ref('a') }}"), FileKind::kDbtModel);
  EXPECT_EQ(DetectFileKind("models/x.SQL", "{% set x = 1 %}select 1"), FileKind::kDbtModel);
}

TEST(DetectFileKind, DbtSchemaYamlNeedsVersion2AndSourcesOrModels) {
  EXPECT_EQ(DetectFileKind("models/sources.yml", "version: 2\nsources:\n  - name: core\n"),
            FileKind::kDbtSchemaYaml);
  EXPECT_EQ(DetectFileKind("models/schema.yaml", "version: 2\nmodels: []\n"), FileKind::kDbtSchemaYaml);
  EXPECT_EQ(DetectFileKind("conf/job.yml", "sources:\n  - core\n"), FileKind::kYaml);
  EXPECT_EQ(DetectFileKind("conf/job.yml", "version: 3\nmodels: []\n"), FileKind::kYaml);
}

TEST(DetectFileKind, ByExtension) {
  EXPECT_EQ(DetectFileKind("a/b.py", ""), FileKind::kPython);
  EXPECT_EQ(DetectFileKind("B.scala", ""), FileKind::kScala);
  EXPECT_EQ(DetectFileKind("b.sc", ""), FileKind::kScala);
  EXPECT_EQ(DetectFileKind("B.java", ""), FileKind::kJava);
  EXPECT_EQ(DetectFileKind("b.go", ""), FileKind::kGo);
  EXPECT_EQ(DetectFileKind("b.ts", ""), FileKind::kJavaScript);
  EXPECT_EQ(DetectFileKind("b.mjs", ""), FileKind::kJavaScript);
  EXPECT_EQ(DetectFileKind("b.json", ""), FileKind::kJson);
  EXPECT_EQ(DetectFileKind("pyproject.toml", ""), FileKind::kToml);
  EXPECT_EQ(DetectFileKind("README.md", "core.user_profile_v1"), FileKind::kOther);
  EXPECT_EQ(DetectFileKind("Makefile", ""), FileKind::kOther);
}

TEST(RewriteFile, OtherFilesComeBackUnchanged) {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  RewriteResult r = RewriteFile("README.md", "reads core.user_profile_v1\n", spec, {});
  EXPECT_EQ(r.text, "reads core.user_profile_v1\n");
  EXPECT_FALSE(r.changed());
}

}  // namespace
}  // namespace skein
