// OpenStore and StoreUrlFrom: which backend a store URL opens, and how failures read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "pg/pg_conn.h"
#include "store/store.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

Entity ComponentNamed(std::string name) {
  Entity e;
  e.kind = "Component";
  e.name = std::move(name);
  return e;
}

// Sets (or unsets, with nullptr) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    had_ = std::getenv(name) != nullptr;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// Works in `dir` for one scope.
class ScopedWorkingDir {
 public:
  explicit ScopedWorkingDir(const std::filesystem::path& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedWorkingDir() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

TEST(StoreUrlFrom, TheFlagWinsOverTheEnvironment) {
  ScopedEnv env("SKEIN_STORE", "postgresql://db.example/skein");
  EXPECT_EQ(StoreUrlFrom("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
}

TEST(StoreUrlFrom, HonoursSkeinStoreWithoutAFlag) {
  ScopedEnv env("SKEIN_STORE", "postgresql://db.example/skein");
  EXPECT_EQ(StoreUrlFrom(""), "postgresql://db.example/skein");
}

TEST(StoreUrlFrom, IsTheEmbeddedDefaultWithNeither) {
  ScopedEnv env("SKEIN_STORE", nullptr);
  EXPECT_EQ(StoreUrlFrom(""), "");
}

TEST(OpenStore, TheDefaultIsSqliteInDotSkeinOfTheWorkingFolder) {
  testing::TempDir dir;
  {
    ScopedWorkingDir cwd(dir.path());
    auto store = OpenStore("");
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_EQ((*store)->Kind(), "sqlite");
    ASSERT_TRUE((*store)->ImportEntities({{"a.yaml", {ComponentNamed("x")}}}).ok());
  }
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / ".skein" / "skein.db"));
  auto reopened = OpenStore((dir.path() / ".skein" / "skein.db").string());
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  auto listed = (*reopened)->ListEntities();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST(OpenStore, SqlitePrefixAndPlainPathNameTheSameFile) {
  testing::TempDir dir;
  auto path = dir.path() / "state.db";
  {
    auto store = OpenStore("sqlite:" + path.string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->ImportEntities({{"a.yaml", {ComponentNamed("x")}}}).ok());
  }
  for (const std::string& url : {path.string(), "sqlite://" + path.string()}) {
    auto store = OpenStore(url);
    ASSERT_TRUE(store.ok()) << url << ": " << store.status().message();
    auto found = (*store)->FindEntity(EntityRef{"Component", "default", "x"});
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->has_value()) << url;
  }
}

TEST(OpenStore, ASqliteFileInAMissingFolderIsAnIoError) {
  testing::TempDir dir;
  auto store = OpenStore((dir.path() / "missing" / "state.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError);
  EXPECT_NE(store.status().message().find("missing/state.db"), std::string::npos) << store.status().message();
}

TEST(OpenStore, AcceptsBothPostgresSchemes) {
  std::string url = testing::PostgresUrl();
  ASSERT_EQ(url.rfind("postgresql://", 0), 0u) << url;
  for (const std::string& candidate : {url, "postgres://" + url.substr(13)}) {
    auto store = OpenStore(candidate);
    ASSERT_TRUE(store.ok()) << candidate << ": " << store.status().message();
    EXPECT_EQ((*store)->Kind(), "postgresql");
  }
}

TEST(OpenStore, UnreachablePostgresIsUnavailableAndNamesHostAndPortButNotThePassword) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  for (const std::string url :
       {"postgresql://skein:s3cret-pw@127.0.0.1:1/skein",
        "postgresql://skein@127.0.0.1:1/skein?password=s3cret-pw&connect_timeout=5"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
    const std::string& message = store.status().message();
    EXPECT_NE(message.find("127.0.0.1:1"), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cret-pw"), std::string::npos) << message;
  }
}

TEST(OpenStore, AnUnknownSchemeIsInvalidInputWithoutThePassword) {
  auto store = OpenStore("mysql://root:s3cret-pw@db/skein");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(store.status().message().find("mysql://root:***@db/skein"), std::string::npos)
      << store.status().message();
}

TEST(OpenStore, AMalformedPostgresUrlIsInvalidInputWithoutThePassword) {
  auto store = OpenStore("postgresql://u:s3cret-pw@host/db?no_such_option=1");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(store.status().message().find("s3cret-pw"), std::string::npos) << store.status().message();
}

TEST(RedactPasswords, HidesUserinfoAndQueryPasswords) {
  EXPECT_EQ(pg::RedactPasswords("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(pg::RedactPasswords("postgresql://u@h/db?password=pw&sslmode=require"),
            "postgresql://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(pg::RedactPasswords("postgresql://u@h/db"), "postgresql://u@h/db");
}

}  // namespace
}  // namespace skein
