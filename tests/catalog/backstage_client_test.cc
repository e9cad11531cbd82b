// Specification of the Backstage catalog client, run against BackstageStandIn.
#include "catalog/backstage_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/catalog/backstage_stand_in.h"

namespace skein {
namespace {

using nlohmann::json;
using skein::testing::BackstageStandIn;

json Group(const std::string& name) {
  return {{"apiVersion", "backstage.io/v1alpha1"},
          {"kind", "Group"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}, {"etag", "e1"}}},
          {"spec", {{"type", "team"}, {"children", json::array()}}},
          {"relations", json::array()}};
}

json Pipeline(const std::string& name, const std::string& reads) {
  return {{"apiVersion", "backstage.io/v1alpha1"},
          {"kind", "Component"},
          {"metadata", {{"name", name}, {"annotations", {{"skein.dev/repo", "repos/" + name}}}}},
          {"spec",
           {{"type", "data-pipeline"},
            {"owner", "group:default/growth"},
            {"lifecycle", "production"},
            {"dependsOn", {reads}}}}};
}

std::vector<json> SevenEntities() {
  return {Group("growth"),
          Group("identity"),
          Pipeline("dau", "resource:default/users"),
          Pipeline("funnel", "resource:default/users"),
          Pipeline("churn", "resource:default/users"),
          Group("finance"),
          Pipeline("revenue", "resource:default/orders")};
}

TEST(FetchBackstageEntities, FollowsCursorsAcrossPages) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  auto entities = FetchBackstageEntities({backstage.url(), "s3cret", {}, 3, 5});
  ASSERT_TRUE(entities.ok()) << entities.status().message();
  ASSERT_EQ(entities->size(), 7u);
  EXPECT_EQ((*entities)[0].Ref().Key(), "group:default/growth");
  EXPECT_EQ((*entities)[6].Ref().Key(), "component:default/revenue");
  EXPECT_EQ((*entities)[6].origin, backstage.url());
  EXPECT_EQ((*entities)[2].SpecRefs("dependsOn", "resource")[0].Key(), "resource:default/users");
  std::vector<std::string> requests = backstage.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "limit=3");
  EXPECT_EQ(requests[1], "cursor=3|&limit=3");
  EXPECT_EQ(requests[2], "cursor=6|&limit=3");
}

TEST(FetchBackstageEntities, PassesFilters) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  auto entities = FetchBackstageEntities({backstage.url(), "s3cret", {"kind=component"}, 3, 5});
  ASSERT_TRUE(entities.ok()) << entities.status().message();
  ASSERT_EQ(entities->size(), 4u);
  for (const Entity& e : *entities) EXPECT_EQ(e.kind, "Component");
  EXPECT_EQ(backstage.requests()[0], "filter=kind=component&limit=3");
}

TEST(FetchBackstageEntities, RejectedTokenSaysSo) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  auto entities = FetchBackstageEntities({backstage.url(), "wrong", {}, 3, 5});
  ASSERT_FALSE(entities.ok());
  EXPECT_EQ(entities.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(entities.status().message().find("token rejected (HTTP 401)"), std::string::npos)
      << entities.status().message();
  auto anonymous = FetchBackstageEntities({backstage.url(), "", {}, 3, 5});
  EXPECT_NE(anonymous.status().message().find("token rejected"), std::string::npos);
}

TEST(FetchBackstageEntities, InvalidEntitiesNameTheUrlAndRef) {
  std::vector<json> entities = SevenEntities();
  entities[3]["spec"].erase("owner");
  entities[5]["metadata"]["tags"] = {"Not A Tag"};
  BackstageStandIn backstage(entities, "s3cret");
  auto result = FetchBackstageEntities({backstage.url(), "s3cret", {}, 3, 5});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(result.status().message(),
            backstage.url() + " (component:default/funnel): /spec: spec.owner is required\n" +
                backstage.url() + " (group:default/finance): /metadata/tags/0: tag 'Not A " +
                "Tag' must be 1-63 chars of [a-z0-9:+#] separated by '-'");
}

TEST(FetchBackstageEntities, ServerErrorsAreUnavailable) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  backstage.FailNext(503, "overloaded");
  auto result = FetchBackstageEntities({backstage.url(), "s3cret", {}, 3, 5});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("HTTP 503: overloaded"), std::string::npos)
      << result.status().message();
}

TEST(FetchBackstageEntities, AnswerThatIsNotAPageIsUnavailable) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  backstage.FailNext(200, "<html>login</html>");
  auto result = FetchBackstageEntities({backstage.url(), "s3cret", {}, 3, 5});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("not a Backstage by-query page"), std::string::npos);
}

TEST(FetchBackstageEntities, UnknownPathIsNotFound) {
  BackstageStandIn backstage(SevenEntities(), "s3cret");
  auto result = FetchBackstageEntities({backstage.url() + "/not-backstage", "s3cret", {}, 3, 5});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
}

TEST(FetchBackstageEntities, UnreachableServerIsUnavailable) {
  // A port bound but not listening: connections to it are refused, and nobody else can take it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  auto result = FetchBackstageEntities({"http://127.0.0.1:" + std::to_string(port), "t", {}, 3, 2});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("cannot reach Backstage"), std::string::npos);
  ::close(fd);
}

TEST(FetchBackstageEntities, RejectsNonHttpUrls) {
  auto result = FetchBackstageEntities({"ftp://example.com", "", {}, 3, 2});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace skein
