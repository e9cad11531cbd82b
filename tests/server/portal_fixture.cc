#include "tests/server/portal_fixture.h"

#include <yaml-cpp/yaml.h>

#include <regex>

#include "catalog/descriptor_reader.h"
#include "server/tokens.h"
#include "tests/support/test_support.h"

namespace skein::testing {
namespace {

using nlohmann::json;

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = YamlToJson(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true") return true;
      if (text == "false") return false;
      if (std::regex_match(text, std::regex("-?[0-9]+"))) return std::stoll(text);
      if (std::regex_match(text, std::regex("-?[0-9]+\\.[0-9]+"))) return std::stod(text);
      return text;
    }
    default:
      return nullptr;
  }
}

// The dataset, four consumers of it and one consumer of what the first produces.
constexpr const char* kCatalog = R"(
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v1
  annotations:
    skein.dev/dataset-id: core.orders_v1
    skein.dev/deprecated-by: core.orders_v2
    skein.dev/decommission-date: 2027-01-31
spec:
  type: dataset
  owner: group:default/platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: alpha
  title: Alpha <b>pipeline</b>
  annotations:
    skein.dev/repo: repos/alpha
    skein.dev/produces: mart.alpha_daily
  tags: [tier-1]
spec:
  type: data-pipeline
  owner: group:default/growth
  lifecycle: production
  dependsOn: ["resource:default/orders-v1"]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: beta
  annotations:
    skein.dev/repo: repos/beta
  tags: [tier-2]
spec:
  type: data-pipeline
  owner: group:default/finance
  lifecycle: production
  dependsOn: ["resource:default/orders-v1"]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: alpha-daily
  annotations:
    skein.dev/dataset-id: mart.alpha_daily
spec:
  type: dataset
  owner: group:default/growth
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: downstream
  annotations:
    skein.dev/repo: repos/downstream
spec:
  type: data-pipeline
  owner: group:default/growth
  lifecycle: production
  dependsOn: ["resource:default/alpha-daily"]
)";

queue::NewJob ConsumerJob(std::string target, std::string owner, std::string tier, bool approval = false) {
  queue::NewJob j;
  j.kind = "consumer";
  j.target = std::move(target);
  j.wave = 1;
  j.stage = queue::StageOfWave(1);
  j.owner = std::move(owner);
  j.tier = std::move(tier);
  j.repo = "repos/" + j.target.substr(j.target.rfind('/') + 1);
  j.needs_approval = approval;
  return j;
}

// As fleet/ plans it: the catalog's title in the payload, for the portal.
queue::NewJob AlphaJob() {
  queue::NewJob j = ConsumerJob("component:default/alpha", "group:default/growth", "tier-1");
  j.payload = R"({"handler": "builtin", "title": "Alpha <b>pipeline</b>"})";
  return j;
}

}  // namespace

const OpenApiDocument& OpenApiDocument::Get() {
  static OpenApiDocument* document = [] {
    auto* d = new OpenApiDocument();
    d->doc_ = YamlToJson(YAML::LoadFile((SourceDir() / "docs" / "openapi.yaml").string()));
    return d;
  }();
  return *document;
}

const json* OpenApiDocument::Operation(const std::string& method, const std::string& path) const {
  if (!doc_.contains("paths") || !doc_["paths"].contains(path)) return nullptr;
  std::string m = method;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char ch) { return std::tolower(ch); });
  const json& item = doc_["paths"][path];
  if (!item.contains(m)) return nullptr;
  return &item[m];
}

std::string OpenApiDocument::Check(const std::string& method, const std::string& path, int status,
                                   const json& body) const {
  const json* op = Operation(method, path);
  if (op == nullptr) return method + " " + path + " is not in docs/openapi.yaml";
  if (!op->contains("responses") || !(*op)["responses"].contains(std::to_string(status)))
    return method + " " + path + ": answered " + std::to_string(status) +
           ", which docs/openapi.yaml does not list";
  const json& response = (*op)["responses"][std::to_string(status)];
  if (!response.contains("content")) return "";
  const json& content = response["content"];
  if (!content.contains("application/json")) return "";
  if (!content["application/json"].contains("schema")) return "";
  return Validate(content["application/json"]["schema"], body,
                  method + " " + path + " " + std::to_string(status));
}

std::string OpenApiDocument::Validate(const json& schema_in, const json& value,
                                      const std::string& where) const {
  const json* schema = &schema_in;
  if (schema->contains("$ref")) {
    std::string ref = (*schema)["$ref"];
    std::string name = ref.substr(ref.rfind('/') + 1);
    schema = &doc_["components"]["schemas"][name];
  }
  if (schema->contains("oneOf")) {
    for (const json& option : (*schema)["oneOf"]) {
      if (Validate(option, value, where).empty()) return "";
    }
    return where + ": matches none of oneOf";
  }
  if (value.is_null() && schema->value("nullable", false)) return "";
  if (schema->contains("enum")) {
    bool found = false;
    for (const json& e : (*schema)["enum"]) found = found || e == value;
    if (!found) return where + ": " + value.dump() + " is not in the enum";
  }
  std::string type = schema->value("type", "");
  if (type == "object") {
    if (!value.is_object()) return where + ": expected an object, got " + value.dump().substr(0, 80);
    for (const json& key : schema->value("required", json::array())) {
      if (!value.contains(key.get<std::string>()))
        return where + ": lacks required '" + key.get<std::string>() + "'";
    }
    json properties = schema->value("properties", json::object());
    for (const auto& [key, item] : value.items()) {
      if (properties.contains(key)) {
        std::string why = Validate(properties[key], item, where + "." + key);
        if (!why.empty()) return why;
      } else if (schema->contains("additionalProperties")) {
        const json& extra = (*schema)["additionalProperties"];
        if (extra.is_boolean() && !extra.get<bool>()) return where + ": '" + key + "' is not in the schema";
        if (extra.is_object()) {
          std::string why = Validate(extra, item, where + "." + key);
          if (!why.empty()) return why;
        }
      }
    }
    return "";
  }
  if (type == "array") {
    if (!value.is_array()) return where + ": expected an array";
    if (schema->contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string why = Validate((*schema)["items"], value[i], where + "[" + std::to_string(i) + "]");
        if (!why.empty()) return why;
      }
    }
    return "";
  }
  if (type == "string" && !value.is_string()) return where + ": expected a string, got " + value.dump();
  if (type == "integer" && !value.is_number_integer())
    return where + ": expected an integer, got " + value.dump();
  if (type == "number" && !value.is_number()) return where + ": expected a number, got " + value.dump();
  if (type == "boolean" && !value.is_boolean()) return where + ": expected a boolean, got " + value.dump();
  return "";
}

void PortalTest::SetUp() {
  db_ = NewStoreDatabase(GetParam());
  auto store = OpenStore(db_->url());
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto entities = ParseDescriptors(kCatalog, "catalog.yaml");
  ASSERT_TRUE(entities.ok()) << entities.status().message();
  ASSERT_TRUE((*store)->ImportEntities({ImportBatch{"catalog.yaml", *entities}}).ok());

  auto q = queue::Queue::Open(db_->url(), std::chrono::seconds(20));
  ASSERT_TRUE(q.ok()) << q.status().message();
  q_ = std::move(q).value();
  now_ = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch()).count();

  // Campaign c1: a data job done; alpha done with a diff, beta failed, delta pending, gamma
  // waiting for an approval, and one named like a script.
  queue::CampaignSpec spec;
  spec.id = "c1";
  spec.manifest_file = "migrations/orders-v2.yaml";
  spec.manifest =
      "apiVersion: skein.dev/v1\nkind: Migration\nmetadata:\n  name: c1\nspec:\n  from: core.orders_v1\n";
  spec.workdir = "/tmp";
  spec.policy_json = R"({"max_parallel": 4})";
  spec.policy.pause_on_failure_rate = 0.5;
  spec.policy.breaker_window = 10;
  spec.policy.breaker_min_sample = 50;  // no trip in these tests
  queue::NewJob data;
  data.kind = "partition";
  data.target = "2024-01";
  std::vector<queue::NewJob> jobs = {
      data,
      AlphaJob(),
      ConsumerJob("component:default/beta", "group:default/finance", "tier-2"),
      ConsumerJob("component:default/delta", "group:default/growth", "tier-2"),
      ConsumerJob("component:default/gamma", "group:default/finance", "tier-1", true),
      ConsumerJob("component:default/<script>alert(1)</script>", "group:default/growth", "tier-3")};
  ASSERT_TRUE(q_->CreateCampaign(spec, jobs, now_).ok());
  ASSERT_TRUE(q_->Start("c1", now_).ok());
  auto lease = q_->Claim("w1", "", 1, std::chrono::seconds(30), now_);
  ASSERT_TRUE(lease.ok() && lease->size() == 1);
  ASSERT_TRUE(q_->Complete(lease->at(0).job.id, lease->at(0).token, true, "done", "{}", "{}", now_).ok());
  ASSERT_TRUE(q_->Advance("c1", now_).ok());
  lease = q_->Claim("w1", "", 2, std::chrono::seconds(30), now_ + 10);
  ASSERT_TRUE(lease.ok() && lease->size() == 2) << (lease.ok() ? lease->size() : 0);
  json evidence = {
      {"diff",
       "--- a/q.sql\n+++ b/q.sql\n@@ -1 +1 @@\n-select * from core.orders_v1\n+select * from "
       "core.orders_v2\n"},
      {"reason", ""},
      {"attempts",
       {{{"attempt", 1},
         {"agent", "builtin"},
         {"edited", {"q.sql"}},
         {"problems", json::array()},
         {"passed", false},
         {"verifiers", {{{"verifier", "equivalence"}, {"outcome", "fail"}, {"summary", "3 rows differ"}}}}},
        {{"attempt", 2},
         {"agent", "builtin"},
         {"edited", {"q.sql"}},
         {"problems", json::array()},
         {"passed", true},
         {"verifiers", {{{"verifier", "equivalence"}, {"outcome", "pass"}, {"summary", "same rows"}}}}}}},
      {"request", {{"url", "https://forge.example/pr/1"}, {"state", "open"}, {"id", "1"}}}};
  json result = {{"state", "migrated"}, {"request", "https://forge.example/pr/1"}};
  ASSERT_TRUE(q_->Complete(lease->at(0).job.id, lease->at(0).token, true, "migrated", result.dump(),
                           evidence.dump(), now_ + 20)
                  .ok());
  ASSERT_TRUE(q_->Complete(lease->at(1).job.id, lease->at(1).token, false, "failed: no verified change",
                           R"({"state": "failed"})", "{}", now_ + 30)
                  .ok());

  auto tokens = server::TokenStore::Open(db_->url());
  ASSERT_TRUE(tokens.ok());
  auto op = (*tokens)->Create("ops", server::Role::kOperator, now_);
  auto viewer = (*tokens)->Create("watcher", server::Role::kViewer, now_);
  ASSERT_TRUE(op.ok() && viewer.ok());
  operator_token_ = *op;
  viewer_token_ = *viewer;

  server::ServerOptions options;
  options.store_url = db_->url();
  options.port = 0;
  options.send_alerts = false;
  options.stream_poll = std::chrono::milliseconds(50);
  options.log = [this](const std::string& line) {
    std::lock_guard lock(log_mutex_);
    log_.push_back(line);
  };
  server_ = std::make_unique<server::Server>(options, clock_);
  auto port = server_->Start();
  ASSERT_TRUE(port.ok()) << port.status().message();
  port_ = *port;
}

void PortalTest::TearDown() {
  if (server_) server_->Stop();
}

Reply PortalTest::Raw(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body, const std::string& content_type,
                      const httplib::Headers& extra) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10);
  httplib::Headers headers = extra;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  httplib::Result res = method == "GET"    ? client.Get(path, headers)
                        : method == "POST" ? client.Post(path, headers, body, content_type)
                                           : client.Delete(path, headers, body, content_type);
  Reply reply;
  if (!res) {
    ADD_FAILURE() << method << " " << path << ": no answer (" << httplib::to_string(res.error()) << ")";
    return reply;
  }
  reply.status = res->status;
  reply.text = res->body;
  reply.headers = res->headers;
  reply.body = json::parse(res->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

Reply PortalTest::Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::optional<json>& body, const std::string& pattern,
                       const httplib::Headers& extra) {
  Reply reply = Raw(method, path, token, body ? body->dump() : "", body ? "application/json" : "", extra);
  if (!pattern.empty()) {
    std::string why = OpenApiDocument::Get().Check(method, pattern, reply.status, reply.body);
    EXPECT_EQ(why, "") << reply.text.substr(0, 400);
  }
  return reply;
}

queue::Job PortalTest::Job(int64_t id) {
  auto job = q_->FindJob(id);
  EXPECT_TRUE(job.ok() && job->has_value());
  return job.ok() && job->has_value() ? **job : queue::Job{};
}

queue::Campaign PortalTest::Campaign(const std::string& id) {
  auto c = q_->FindCampaign(id);
  EXPECT_TRUE(c.ok() && c->has_value());
  return c.ok() && c->has_value() ? **c : queue::Campaign{};
}

int64_t PortalTest::JobIdOf(const std::string& target) {
  auto jobs = q_->ListJobs("c1");
  EXPECT_TRUE(jobs.ok());
  for (const auto& j : *jobs) {
    if (j.target == target) return j.id;
  }
  ADD_FAILURE() << "no job for " << target;
  return 0;
}

}  // namespace skein::testing
