// The fleet scan: which folders are repositories, which files are read, chunked reading, and
// deterministic output whatever the thread count.
#include "discover/scanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::TempDir;

ReferenceMatcher Matcher(const std::vector<std::string>& ids = {"core.user_profile_v1"}) {
  auto patterns = ParseDatasetPatterns(ids);
  EXPECT_TRUE(patterns.ok());
  return ReferenceMatcher(*patterns);
}

std::vector<Repository> Repos(const std::filesystem::path& root) {
  auto repos = ResolveRepositories({root});
  EXPECT_TRUE(repos.ok()) << repos.status().message();
  return repos.ok() ? *repos : std::vector<Repository>{};
}

// "repo/file:line:col text" for each reference.
std::vector<std::string> Lines(const ScanReport& report) {
  std::vector<std::string> out;
  for (const Reference& r : report.references) {
    out.push_back(r.repo + "/" + r.file + ":" + std::to_string(r.line) + ":" + std::to_string(r.col) + " " +
                  r.text);
  }
  return out;
}

TEST(ResolveRepositories, FolderWithGitIsOneRepository) {
  TempDir dir;
  dir.Write("solo/.git/HEAD", "ref: refs/heads/main\n");
  dir.Write("solo/sub/x.sql", "");
  auto repos = Repos(dir.path() / "solo");
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].name, "solo");
  EXPECT_TRUE(std::filesystem::path(repos[0].path).is_absolute());
}

TEST(ResolveRepositories, OtherFolderHoldsOneRepositoryPerSubfolder) {
  TempDir dir;
  dir.Write("fleet/b/x.sql", "");
  dir.Write("fleet/a/y.sql", "");
  dir.Write("fleet/.hidden/z.sql", "");
  dir.Write("fleet/loose.sql", "");
  auto repos = Repos(dir.path() / "fleet");
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_EQ(repos[0].name, "a");
  EXPECT_EQ(repos[1].name, "b");
  // The same folder given twice, or a repository given beside its fleet, counts once.
  auto twice = ResolveRepositories({dir.path() / "fleet", dir.path() / "fleet"});
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->size(), 2u);
}

TEST(ResolveRepositories, MissingFolderIsInvalidInputNamingIt) {
  TempDir dir;
  auto missing = ResolveRepositories({dir.path() / "nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  dir.Write("file.txt", "");
  auto file = ResolveRepositories({dir.path() / "file.txt"});
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidInput);
}

TEST(ScanRepositories, ReportsRepoRelativePathsLinesAndColumns) {
  TempDir dir;
  dir.Write("fleet/jobs/sql/daily.sql", "select 1;\nselect * from core.user_profile_v1 u\n");
  dir.Write("fleet/web/README.md", "nothing here\n");
  dir.Write("fleet/dbt/models/stg.sql", "select * from {{ source('core', 'user_profile_v1') }}\r\n");
  ScanReport report = ScanRepositories(Repos(dir.path() / "fleet"), Matcher());
  EXPECT_EQ(Lines(report),
            (std::vector<std::string>{"dbt/models/stg.sql:1:18 source('core', 'user_profile_v1')",
                                      "jobs/sql/daily.sql:2:15 core.user_profile_v1"}));
  EXPECT_EQ(report.references[0].form, ReferenceForm::kDbtSource);
  EXPECT_EQ(report.stats.files_scanned, 3u);
  EXPECT_EQ(report.stats.repositories, 3u);
}

TEST(ScanRepositories, SkipsGitAndHiddenFolders) {
  TempDir dir;
  dir.Write("fleet/r/.git/config", "core.user_profile_v1\n");
  dir.Write("fleet/r/.github/workflows/ci.yml", "core.user_profile_v1\n");
  dir.Write("fleet/r/.env", "core.user_profile_v1\n");
  dir.Write("fleet/r/visible.sql", "core.user_profile_v1\n");
  ScanReport report = ScanRepositories(Repos(dir.path() / "fleet"), Matcher());
  EXPECT_EQ(Lines(report), (std::vector<std::string>{"r/visible.sql:1:1 core.user_profile_v1"}));
}

TEST(ScanRepositories, SkipsBinaryFilesByANulInTheFirst8KiB) {
  TempDir dir;
  dir.Write("fleet/r/data.parquet", std::string("PAR1\0", 5) + "core.user_profile_v1");
  std::string late_nul(9000, 'x');
  late_nul += std::string("\0", 1) + "\ncore.user_profile_v1";
  dir.Write("fleet/r/late.txt", late_nul);
  ScanReport report = ScanRepositories(Repos(dir.path() / "fleet"), Matcher());
  ASSERT_EQ(report.references.size(), 1u);
  EXPECT_EQ(report.references[0].file, "late.txt");
  EXPECT_EQ(report.references[0].line, 2);
  EXPECT_EQ(report.stats.binary_files_skipped, 1u);
}

TEST(ScanRepositories, FindsReferencesAcrossChunkBoundaries) {
  // References at every offset around several chunk boundaries, in each form, one of them a
  // dbt source() spread over lines: chunked scanning must equal scanning the whole text.
  std::string text;
  const std::vector<std::string> forms = {
      "core.user_profile_v1", "`proj.core.user_profile_v1`", "\"core\".\"user_profile_v1\"",
      "{{ source(\n  'core',\n  'user_profile_v1'\n) }}", "p:core.user_profile_v1"};
  for (int i = 0; text.size() < 200000; ++i) {
    text += std::string(static_cast<size_t>(37 + (i * 13) % 500), i % 7 == 0 ? '\n' : 'x');
    text += " " + forms[static_cast<size_t>(i) % forms.size()] + " ";
    if (i % 3 == 0) text += "\r\n";
  }
  TempDir dir;
  dir.Write("fleet/r/big.log", text);
  ReferenceMatcher matcher = Matcher();
  std::vector<Reference> whole = FindReferencesInText(text, matcher);
  ASSERT_GT(whole.size(), 300u);
  for (size_t chunk : {size_t{1}, size_t{4096}, size_t{5000}, size_t{65536}}) {
    ScanOptions options;
    options.chunk_bytes = chunk;
    options.threads = 2;
    ScanReport report = ScanRepositories(Repos(dir.path() / "fleet"), matcher, options);
    ASSERT_EQ(report.references.size(), whole.size()) << "chunk " << chunk;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(report.references[i].offset, whole[i].offset) << "chunk " << chunk << " #" << i;
      EXPECT_EQ(report.references[i].line, whole[i].line) << "chunk " << chunk << " #" << i;
      EXPECT_EQ(report.references[i].col, whole[i].col) << "chunk " << chunk << " #" << i;
      EXPECT_EQ(report.references[i].text, whole[i].text) << "chunk " << chunk << " #" << i;
    }
    EXPECT_EQ(report.stats.bytes_scanned, text.size());
  }
}

TEST(ScanRepositories, FindsSeveralDatasetsAndTellsThemApart) {
  TempDir dir;
  dir.Write("fleet/r/a.sql", "from core.user_profile_v1 join sales.orders_v2 join raw.user_profile_v1");
  ScanReport report =
      ScanRepositories(Repos(dir.path() / "fleet"),
                       Matcher({"core.user_profile_v1", "sales.orders_v2", "raw.user_profile_v1"}));
  ASSERT_EQ(report.references.size(), 3u);
  EXPECT_EQ(report.references[0].dataset, 0u);
  EXPECT_EQ(report.references[1].dataset, 1u);
  EXPECT_EQ(report.references[2].dataset, 2u);
}

TEST(ScanRepositories, SameOutputForOneAndFourThreads) {
  TempDir dir;
  for (int r = 0; r < 12; ++r) {
    for (int f = 0; f < 30; ++f) {
      std::string body(static_cast<size_t>(100 + 37 * f), '-');
      if ((r + f) % 4 == 0) body += "\nselect * from CORE.user_profile_v1 where x\n";
      dir.Write(
          "fleet/repo" + std::to_string(r) + "/d" + std::to_string(f % 3) + "/f" + std::to_string(f) + ".sql",
          body);
    }
  }
  auto repos = Repos(dir.path() / "fleet");
  ScanOptions one, four;
  one.threads = 1;
  four.threads = 4;
  four.queue_files = 1;  // the walker blocks on a full queue all the time
  ScanReport a = ScanRepositories(repos, Matcher(), one);
  ScanReport b = ScanRepositories(repos, Matcher(), four);
  EXPECT_EQ(a.references.size(), 90u);
  EXPECT_EQ(Lines(a), Lines(b));
  EXPECT_EQ(a.stats.files_scanned, 360u);
  EXPECT_EQ(b.stats.files_scanned, 360u);
}

TEST(ScanRepositories, ReportsProgressFromTheWalkingThread) {
  TempDir dir;
  for (int f = 0; f < 300; ++f) dir.Write("fleet/r/f" + std::to_string(f) + ".txt", "core.user_profile_v1");
  std::vector<uint64_t> seen;
  ScanOptions options;
  options.threads = 1;
  options.queue_files = 32;
  options.progress_every = std::chrono::milliseconds(0);
  options.on_progress = [&](const ScanProgress& progress) { seen.push_back(progress.files); };
  ScanReport report = ScanRepositories(Repos(dir.path() / "fleet"), Matcher(), options);
  EXPECT_EQ(report.references.size(), 300u);
  ASSERT_GE(seen.size(), 5u);  // one call per batch of 32 files handed over
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_LE(seen.back(), 300u);
}

}  // namespace
}  // namespace skein
