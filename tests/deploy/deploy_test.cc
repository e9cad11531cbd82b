// deploy/kubernetes: each manifest parses and has the shape Kubernetes and KEDA expect (no
// cluster runs here), the worker Deployment runs `skein worker` with the store from the Secret,
// and the ScaledObject's backlog query, run against a real queue in PostgreSQL, counts exactly
// the jobs a worker could run now (claimable pending and running, of active campaigns).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>

#include "queue/queue.h"
#include "tests/store/store_test_databases.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

std::vector<YAML::Node> Documents(const std::string& name) {
  return YAML::LoadAllFromFile((testing::SourceDir() / "deploy/kubernetes" / name).string());
}

const YAML::Node* Find(const std::vector<YAML::Node>& docs, const std::string& kind) {
  for (const auto& d : docs) {
    if (d["kind"] && d["kind"].as<std::string>() == kind) return &d;
  }
  return nullptr;
}

TEST(Deploy, TheWorkerDeploymentRunsSkeinWorkerWithTheStoreFromItsSecret) {
  auto docs = Documents("worker-deployment.yaml");
  const YAML::Node* d = Find(docs, "Deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ((*d)["apiVersion"].as<std::string>(), "apps/v1");
  YAML::Node pod = (*d)["spec"]["template"]["spec"];
  EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>(), 30) << "longer than the 30 s lease";
  YAML::Node container = pod["containers"][0];
  EXPECT_EQ(container["args"][0].as<std::string>(), "worker");
  bool store_from_secret = false;
  for (const auto& env : container["env"]) {
    if (env["name"].as<std::string>() == "SKEIN_STORE") {
      store_from_secret = env["valueFrom"]["secretKeyRef"]["name"].as<std::string>() == "skein-store";
    }
  }
  EXPECT_TRUE(store_from_secret);
  auto kustomization = Documents("kustomization.yaml");
  ASSERT_EQ(kustomization.size(), 1u);
  std::vector<std::string> resources;
  for (const auto& r : kustomization[0]["resources"]) resources.push_back(r.as<std::string>());
  EXPECT_NE(std::find(resources.begin(), resources.end(), "worker-deployment.yaml"), resources.end());
  EXPECT_NE(std::find(resources.begin(), resources.end(), "keda-scaledobject.yaml"), resources.end());
}

TEST(Deploy, TheKedaQueryCountsTheClaimableBacklog) {
  auto docs = Documents("keda-scaledobject.yaml");
  const YAML::Node* scaled = Find(docs, "ScaledObject");
  ASSERT_NE(scaled, nullptr);
  EXPECT_EQ((*scaled)["spec"]["scaleTargetRef"]["name"].as<std::string>(), "skein-worker");
  YAML::Node trigger = (*scaled)["spec"]["triggers"][0];
  EXPECT_EQ(trigger["type"].as<std::string>(), "postgresql");
  std::string query = trigger["metadata"]["query"].as<std::string>();

  auto db = testing::NewStoreDatabase("postgresql");
  auto q = queue::Queue::Open(db->url()).value();
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto make = [&](const std::string& id, int jobs) {
    queue::CampaignSpec spec;
    spec.id = id;
    std::vector<queue::NewJob> list;
    for (int i = 0; i < jobs; ++i) {
      queue::NewJob j;
      j.kind = "noop";
      j.target = std::to_string(i);
      list.push_back(j);
    }
    ASSERT_TRUE(q->CreateCampaign(spec, list, now).ok());
    ASSERT_TRUE(q->Start(id, now).ok());
  };
  make("active", 10);
  make("paused", 5);
  make("grouped", 0);
  ASSERT_TRUE(q->Pause("paused", "test", now).ok());
  auto leases = q->Claim("w", "", 3, std::chrono::seconds(30), now);  // 3 running, 7 pending
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 3u);
  ASSERT_TRUE(
      q->Complete((*leases)[0].job.id, (*leases)[0].token, true, "", "{}", "{}", now).ok());  // 2 running
  db->Exec("UPDATE jobs SET run_after_ms = " + std::to_string(now + 3600000) +
           " WHERE id = (SELECT MIN(id) FROM jobs WHERE campaign = 'active' AND state = 'pending')");  // backing
                                                                                                       // off
  db->Exec(
      "UPDATE jobs SET grp = 'eu' WHERE id = (SELECT MAX(id) FROM jobs WHERE campaign = 'active' AND state = "
      "'pending')");  // another group's
  // 2 running + 7 pending - 1 backing off - 1 of another group = 7; the paused campaign's 5 wait.
  EXPECT_EQ(db->QueryText(query), "7");
}

}  // namespace
}  // namespace skein
