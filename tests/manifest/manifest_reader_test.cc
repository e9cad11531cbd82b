// ParseMigration: the manifest file on its own — shape, defaults, types, names, and the exact
// file:line:col of each problem.
#include <gtest/gtest.h>

#include "manifest/migration.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

// A manifest whose spec continues with `rest`, which starts on line 7.
std::string Manifest(const std::string& rest) {
  return "apiVersion: skein.dev/v1\n"
         "kind: Migration\n"
         "metadata: {name: users-v2}\n"
         "spec:\n"
         "  from: core.users_v1\n"
         "  to: core.users_v2\n" +
         rest;
}

// The message of a manifest that must be rejected.
std::string Rejection(const std::string& text) {
  Result<Migration> migration = ParseMigration(text, "m.yaml");
  EXPECT_FALSE(migration.ok()) << "accepted:\n" << text;
  if (migration.ok()) return "";
  EXPECT_EQ(migration.status().code(), StatusCode::kInvalidInput);
  return migration.status().message();
}

std::filesystem::path Fixture(const std::string& name) {
  return testing::SourceDir() / "tests" / "data" / "manifests" / name;
}

TEST(ManifestReader, ReadsTheProductExample) {
  auto m = ReadMigrationFile(Fixture("user-profile-v2.yaml"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->name, "user-profile-v2");
  EXPECT_EQ(m->owner, "group:default/identity");
  EXPECT_EQ(m->from, "core.user_profile_v1");
  EXPECT_EQ(m->to, "core.user_profile_v2");
  ASSERT_EQ(m->columns.size(), 5u);
  EXPECT_EQ(m->columns[0].kind, ColumnOpKind::kMap);
  EXPECT_EQ(m->columns[0].Describe(), "rename");
  EXPECT_TRUE(m->columns[0].Provable());
  EXPECT_EQ(m->columns[1].to, "signup_at");
  EXPECT_EQ(m->columns[1].type, "TIMESTAMP");
  EXPECT_EQ(m->columns[1].using_expr, "CAST(signup_ts AS TIMESTAMP)");
  EXPECT_FALSE(m->columns[1].Provable());
  EXPECT_EQ(m->columns[2].Describe(), "retype");
  EXPECT_EQ(m->columns[2].reverse, "CASE WHEN is_premium THEN 1 ELSE 0 END");
  EXPECT_TRUE(m->columns[2].Provable());
  EXPECT_EQ(m->columns[3].kind, ColumnOpKind::kDrop);
  EXPECT_EQ(m->columns[3].from, "legacy_segment");
  EXPECT_FALSE(m->columns[3].Provable());
  EXPECT_EQ(m->columns[4].kind, ColumnOpKind::kAdd);
  EXPECT_EQ(m->columns[4].to, "plan_type");
  EXPECT_EQ(m->data.partition_by, "dt");
  EXPECT_EQ(m->data.key, std::vector<std::string>{"user_id"});
  EXPECT_EQ(m->data.publish.approval, PublishApproval::kRequired);
  EXPECT_EQ(m->consumers.change.branch, "skein/user-profile-v2");
  EXPECT_EQ(m->rollout.canary, 2);
  EXPECT_EQ(m->rollout.max_parallel, 8);
  EXPECT_EQ(m->rollout.retries.cap, std::chrono::hours(1));
  EXPECT_EQ(m->rollout.approval_tiers, std::vector<std::string>{"tier-1"});
  // Positions are kept: the second op's `using` is on line 11, column 15.
  EXPECT_EQ(m->PositionOf("/spec/columns/1/using").line, 11);
  EXPECT_EQ(m->PositionOf("/spec/columns/1/using").col, 15);
}

TEST(ManifestReader, ReadsEveryFieldSetAwayFromItsDefault) {
  auto m = ReadMigrationFile(Fixture("every-field.yaml"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->description, "Orders move to cents and lose the legacy channel.");
  EXPECT_EQ(m->columns[0].Describe(), "rename+retype");
  EXPECT_EQ(m->columns[1].reverse, "'web'");
  EXPECT_EQ(m->columns[2].from, "Order Date");  // quoted in the manifest
  EXPECT_FALSE(m->data.materialize);
  EXPECT_EQ(m->data.key, (std::vector<std::string>{"order_id", "region"}));
  EXPECT_EQ(m->data.window, "region <> 'test'");
  EXPECT_FALSE(m->data.verify.counts);
  EXPECT_FALSE(m->data.verify.null_counts);
  EXPECT_FALSE(m->data.verify.checksum);
  EXPECT_DOUBLE_EQ(m->data.verify.max_mismatch_ratio, 0.01);
  EXPECT_EQ(m->data.verify.sample_queries.size(), 1u);
  EXPECT_TRUE(m->data.publish.compat_view);
  EXPECT_FALSE(m->consumers.preserve_output);
  EXPECT_EQ(m->consumers.agent.kind, AgentKind::kChain);
  EXPECT_EQ(m->consumers.agent.command, "claude -p");
  EXPECT_EQ(m->consumers.agent.timeout, std::chrono::minutes(15));
  EXPECT_EQ(m->consumers.verifiers, (std::vector<std::string>{"parse", "residual"}));
  EXPECT_EQ(m->consumers.change.branch, "data/orders-v3");
  EXPECT_EQ(m->consumers.change.body, "See the data team's note.");
  EXPECT_EQ(m->rollout.canary, 3);
  EXPECT_DOUBLE_EQ(m->rollout.growth, 1.5);
  EXPECT_EQ(m->rollout.max_parallel, 2);
  EXPECT_DOUBLE_EQ(m->rollout.pause_on_failure_rate, 0.1);
  EXPECT_EQ(m->rollout.retries.max, 5);
  EXPECT_EQ(m->rollout.retries.base, std::chrono::minutes(1));
  EXPECT_EQ(m->rollout.retries.cap, std::chrono::hours(2));
  EXPECT_EQ(m->rollout.approval_tiers, (std::vector<std::string>{"tier-1", "tier-2"}));
}

TEST(ManifestReader, FillsEveryDefaultOfAMinimalManifest) {
  auto m = ParseMigration(Manifest(""), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->columns.empty());
  EXPECT_EQ(m->owner, "");
  EXPECT_TRUE(m->data.materialize);
  EXPECT_EQ(m->data.partition_by, "");
  EXPECT_TRUE(m->data.key.empty());
  EXPECT_TRUE(m->data.verify.counts && m->data.verify.null_counts && m->data.verify.checksum);
  EXPECT_EQ(m->data.verify.max_mismatch_ratio, 0);
  EXPECT_EQ(m->data.publish.approval, PublishApproval::kNone);
  EXPECT_FALSE(m->data.publish.compat_view);
  EXPECT_TRUE(m->consumers.preserve_output);
  EXPECT_EQ(m->consumers.agent.kind, AgentKind::kBuiltin);
  EXPECT_EQ(m->consumers.agent.timeout, std::chrono::minutes(10));
  EXPECT_EQ(m->consumers.verifiers,
            (std::vector<std::string>{"parse", "residual", "equivalence", "build", "scope"}));
  EXPECT_EQ(m->consumers.change.branch, "skein/users-v2");
  EXPECT_EQ(m->consumers.change.title, "Move to core.users_v2");
  EXPECT_EQ(m->rollout.canary, 1);
  EXPECT_EQ(m->rollout.growth, 2.0);
  EXPECT_EQ(m->rollout.max_parallel, 4);
  EXPECT_EQ(m->rollout.pause_on_failure_rate, 0.25);
  EXPECT_EQ(m->rollout.retries.max, 3);
  EXPECT_EQ(m->rollout.retries.base, std::chrono::seconds(30));
  EXPECT_EQ(m->rollout.retries.cap, std::chrono::hours(1));
  EXPECT_TRUE(m->rollout.approval_tiers.empty());
  EXPECT_EQ(m->rollout.max_parallel_per_owner, 0);
  EXPECT_EQ(m->rollout.max_parallel_per_repo, 1);
  EXPECT_EQ(m->rollout.breaker.window, 20);
  EXPECT_EQ(m->rollout.breaker.min_sample, 5);
  EXPECT_EQ(m->rollout.group, "");
  EXPECT_EQ(m->rollout.alert_webhook, "");
  EXPECT_EQ(m->rollout.alert_webhook_env, "");
}

TEST(ManifestReader, RejectsUnknownKeyWithDidYouMean) {
  EXPECT_EQ(Rejection(Manifest("  colums:\n    - {drop: a}\n")),
            "m.yaml:7:3: unknown key 'colums' in spec (did you mean 'columns'?)");
  EXPECT_EQ(Rejection(Manifest("  rollout: {canary: 2, grwoth: 3}\n")),
            "m.yaml:7:24: unknown key 'grwoth' in rollout (did you mean 'growth'?)");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {from: a, to: b, usign: \"a + 1\"}\n")),
            "m.yaml:8:24: unknown key 'usign' in a column mapping (did you mean 'using'?)");
}

TEST(ManifestReader, RejectsAnotherApiVersionOrKind) {
  EXPECT_EQ(Rejection("apiVersion: skein.dev/v2\nkind: Migration\nmetadata: {name: m}\n"
                      "spec: {from: a.b, to: a.c}\n"),
            "m.yaml:1:13: apiVersion must be skein.dev/v1, not 'skein.dev/v2'");
  EXPECT_EQ(Rejection("apiVersion: skein.dev/v1\nkind: Migraton\nmetadata: {name: m}\n"
                      "spec: {from: a.b, to: a.c}\n"),
            "m.yaml:2:7: kind must be Migration, not 'Migraton' (did you mean 'Migration'?)");
}

TEST(ManifestReader, RejectsMissingRequiredFields) {
  EXPECT_EQ(Rejection("apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: m}\nspec:\n  from: a.b\n"),
            "m.yaml:5:3: spec.to is required");
  EXPECT_EQ(Rejection("apiVersion: skein.dev/v1\nkind: Migration\nspec: {from: a.b, to: a.c}\n"),
            "m.yaml:1:1: metadata is required");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {from: a, to: }\n")),
            "m.yaml:8:7: spec.columns[0] maps 'a' to itself "
            "and changes nothing");
}

TEST(ManifestReader, RejectsValuesOfTheWrongType) {
  EXPECT_EQ(Rejection(Manifest("  rollout: {canary: two}\n")),
            "m.yaml:7:21: spec.rollout.canary must be an integer >= 1");
  EXPECT_EQ(Rejection(Manifest("  rollout: {canary: 0}\n")),
            "m.yaml:7:21: spec.rollout.canary must be an integer >= 1");
  EXPECT_EQ(Rejection(Manifest("  rollout: {growth: 0.5}\n")),
            "m.yaml:7:21: spec.rollout.growth must be >= 1");
  EXPECT_EQ(Rejection(Manifest("  rollout: {pause_on_failure_rate: 1.5}\n")),
            "m.yaml:7:36: spec.rollout.pause_on_failure_rate must be between 0 and 1");
  EXPECT_EQ(Rejection(Manifest("  data: {verify: {max_mismatch_ratio: -0.1}}\n")),
            "m.yaml:7:39: spec.data.verify.max_mismatch_ratio must be between 0 and 1");
  EXPECT_EQ(Rejection(Manifest("  data: {materialize: yes}\n")),
            "m.yaml:7:23: spec.data.materialize must be true or false");
  EXPECT_EQ(Rejection(Manifest("  columns: {from: a}\n")), "m.yaml:7:12: spec.columns must be a list");
  EXPECT_EQ(Rejection(Manifest("  rollout: {retries: {base: soon}}\n")),
            "m.yaml:7:29: spec.rollout.retries.base must be a positive duration such as 30s, 10m, 1h or 600");
  EXPECT_EQ(Rejection(Manifest("  rollout: {retries: {base: 10m, cap: 1m}}\n")),
            "m.yaml:7:39: rollout.retries.cap (1m) must be at least rollout.retries.base (10m)");
}

TEST(ManifestReader, ReadsTheRolloutsSchedulerFields) {
  Result<Migration> m =
      ParseMigration(Manifest("  rollout:\n"
                              "    max_parallel_per_owner: 2\n"
                              "    max_parallel_per_repo: 3\n"
                              "    breaker: {window: 10, min_sample: 4}\n"
                              "    group: etl-eu-1\n"
                              "    alerts: {webhook: \"https://hooks.example.com/T0/B0/x\"}\n"),
                     "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->rollout.max_parallel_per_owner, 2);
  EXPECT_EQ(m->rollout.max_parallel_per_repo, 3);
  EXPECT_EQ(m->rollout.breaker.window, 10);
  EXPECT_EQ(m->rollout.breaker.min_sample, 4);
  EXPECT_EQ(m->rollout.group, "etl-eu-1");
  EXPECT_EQ(m->rollout.alert_webhook, "https://hooks.example.com/T0/B0/x");
  EXPECT_EQ(m->rollout.alert_webhook_env, "");

  m = ParseMigration(Manifest("  rollout: {max_parallel_per_repo: 0, breaker: {window: 1, min_sample: 1},\n"
                              "            alerts: {webhook_env: SKEIN_ALERT_URL}}\n"),
                     "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->rollout.max_parallel_per_repo, 0);  // 0 = no cap
  EXPECT_EQ(m->rollout.breaker.window, 1);
  EXPECT_EQ(m->rollout.breaker.min_sample, 1);
  EXPECT_EQ(m->rollout.alert_webhook, "");
  EXPECT_EQ(m->rollout.alert_webhook_env, "SKEIN_ALERT_URL");
}

TEST(ManifestReader, RejectsNegativeParallelismCaps) {
  EXPECT_EQ(Rejection(Manifest("  rollout: {max_parallel_per_owner: -1}\n")),
            "m.yaml:7:37: spec.rollout.max_parallel_per_owner must be an integer >= 0");
  EXPECT_EQ(Rejection(Manifest("  rollout: {max_parallel_per_repo: 1.5}\n")),
            "m.yaml:7:36: spec.rollout.max_parallel_per_repo must be an integer >= 0");
}

TEST(ManifestReader, RejectsABreakerSampleLargerThanItsWindow) {
  EXPECT_EQ(Rejection(Manifest("  rollout: {breaker: {window: 3, min_sample: 4}}\n")),
            "m.yaml:7:46: rollout.breaker.min_sample (4) must be at most rollout.breaker.window (3)");
  // min_sample left at its default of 5: the window written is what conflicts.
  EXPECT_EQ(Rejection(Manifest("  rollout:\n    breaker:\n      window: 3\n")),
            "m.yaml:9:15: rollout.breaker.min_sample (5, the default) must be at most "
            "rollout.breaker.window (3)");
  EXPECT_EQ(Rejection(Manifest("  rollout: {breaker: {window: 0}}\n")),
            "m.yaml:7:31: spec.rollout.breaker.window must be an integer >= 1");
  EXPECT_EQ(Rejection(Manifest("  rollout: {breaker: {min_sample: 0}}\n")),
            "m.yaml:7:35: spec.rollout.breaker.min_sample must be an integer >= 1");
  EXPECT_EQ(Rejection(Manifest("  rollout: {breaker: 5}\n")),
            "m.yaml:7:22: spec.rollout.breaker must be a mapping");
}

TEST(ManifestReader, RejectsAnUnknownBreakerOrAlertsKeyWithDidYouMean) {
  EXPECT_EQ(Rejection(Manifest("  rollout: {breaker: {window: 20, min_smaple: 5}}\n")),
            "m.yaml:7:35: unknown key 'min_smaple' in rollout.breaker (did you mean 'min_sample'?)");
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhok: \"https://x.example\"}}\n")),
            "m.yaml:7:22: unknown key 'webhok' in rollout.alerts (did you mean 'webhook'?)");
  EXPECT_EQ(Rejection(Manifest("  rollout: {max_parallel_per_rep: 2}\n")),
            "m.yaml:7:13: unknown key 'max_parallel_per_rep' in rollout (did you mean "
            "'max_parallel_per_repo'?)");
}

TEST(ManifestReader, RejectsAGroupThatIsNotALabel) {
  const std::string rule =
      "' is not a label: 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: ETL}\n")), "m.yaml:7:20: rollout.group 'ETL" + rule);
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: \"-etl\"}\n")), "m.yaml:7:20: rollout.group '-etl" + rule);
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: etl-}\n")), "m.yaml:7:20: rollout.group 'etl-" + rule);
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: etl_eu}\n")), "m.yaml:7:20: rollout.group 'etl_eu" + rule);
  std::string long_label(64, 'a');
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: " + long_label + "}\n")),
            "m.yaml:7:20: rollout.group '" + long_label + rule);
  EXPECT_EQ(Rejection(Manifest("  rollout: {group: 7}\n")),
            "m.yaml:7:20: spec.rollout.group must be a string");
  for (const std::string& good : std::vector<std::string>{"a", "7", "etl-eu-1", std::string(63, 'a')}) {
    Result<Migration> m = ParseMigration(Manifest("  rollout: {group: \"" + good + "\"}\n"), "m.yaml");
    ASSERT_TRUE(m.ok()) << good << ": " << m.status().message();
    EXPECT_EQ(m->rollout.group, good);
  }
}

TEST(ManifestReader, RejectsAnAlertWebhookThatIsNotHttp) {
  const std::string message = "rollout.alerts.webhook must be an http:// or https:// URL";
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhook: \"ftp://hooks.example\"}}\n")),
            "m.yaml:7:31: " + message);
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhook: hooks.example/x}}\n")),
            "m.yaml:7:31: " + message);
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhook: \"https://\"}}\n")), "m.yaml:7:31: " + message);
  Result<Migration> m =
      ParseMigration(Manifest("  rollout: {alerts: {webhook: \"http://127.0.0.1:9/hook\"}}\n"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->rollout.alert_webhook, "http://127.0.0.1:9/hook");
}

TEST(ManifestReader, RejectsAWebhookTogetherWithWebhookEnvAndABadVariableName) {
  EXPECT_EQ(Rejection(Manifest("  rollout:\n"
                               "    alerts:\n"
                               "      webhook: \"https://hooks.example/x\"\n"
                               "      webhook_env: ALERT_URL\n")),
            "m.yaml:10:7: rollout.alerts takes webhook or webhook_env, not both");
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhook_env: alert_url}}\n")),
            "m.yaml:7:35: 'alert_url' is not an environment variable name ([A-Z_][A-Z0-9_]*)");
  EXPECT_EQ(Rejection(Manifest("  rollout: {alerts: {webhook_env: 1URL}}\n")),
            "m.yaml:7:35: '1URL' is not an environment variable name ([A-Z_][A-Z0-9_]*)");
}

TEST(ManifestReader, ReadsTolerancesAndRejectsMalformedOnes) {
  auto m =
      ParseMigration(Manifest("  data: {verify: {tolerances: {amount: 0.01, taken_at: 1ms}}}\n"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->data.verify.tolerances.size(), 2u);
  EXPECT_EQ(m->data.verify.tolerances[0], (std::pair<std::string, std::string>{"amount", "0.01"}));
  EXPECT_EQ(m->data.verify.tolerances[1], (std::pair<std::string, std::string>{"taken_at", "1ms"}));
  std::string bad =
      Rejection(Manifest("  data: {verify: {tolerances: {amount: -1, taken_at: soon, x: [1]}}}\n"));
  EXPECT_TRUE(bad.find("the tolerance of amount must be >= 0") != std::string::npos) << bad;
  EXPECT_TRUE(bad.find("'soon' is not a tolerance") != std::string::npos) << bad;
  EXPECT_TRUE(bad.find("the tolerance of x must be a number or a duration") != std::string::npos) << bad;
  EXPECT_TRUE(bad.find("m.yaml:7:") != std::string::npos) << "each at its place: " << bad;
}

TEST(ManifestReader, RejectsUnknownEnumValuesWithDidYouMean) {
  EXPECT_EQ(
      Rejection(Manifest("  consumers: {agent: {kind: biultin}}\n")),
      "m.yaml:7:29: spec.consumers.agent.kind must be one of builtin, command, chain, not 'biultin' (did you "
      "mean 'builtin'?)");
  EXPECT_EQ(Rejection(Manifest("  data: {publish: {approval: yes}}\n")),
            "m.yaml:7:30: spec.data.publish.approval must be one of none, required, not 'yes'");
  EXPECT_EQ(Rejection(Manifest("  consumers: {verifiers: [parse, equivalance]}\n")),
            "m.yaml:7:34: unknown verifier 'equivalance' (expected parse, residual, equivalence, build, "
            "scope) (did "
            "you mean 'equivalence'?)");
}

TEST(ManifestReader, RejectsMalformedDatasetIdsAndColumnNames) {
  EXPECT_EQ(Rejection("apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: m}\n"
                      "spec: {from: user_profile, to: core.x}\n"),
            "m.yaml:4:14: spec.from 'user_profile' is not a dataset id (dot-separated names such as "
            "core.user_profile_v1)");
  EXPECT_EQ(
      Rejection(Manifest("  columns:\n    - {from: user id, to: account_id}\n")),
      "m.yaml:8:14: 'user id' is not a plain column name (letters, digits, '_'); quote it: '\"user id\"'");
  auto quoted =
      ParseMigration(Manifest("  columns:\n    - {from: '\"user id\"', to: account_id}\n"), "m.yaml");
  ASSERT_TRUE(quoted.ok()) << quoted.status().message();
  EXPECT_EQ(quoted->columns[0].from, "user id");
  EXPECT_EQ(Rejection(Manifest("  to: core.users_v3\n")), "m.yaml:7:3: duplicate key 'to'");
}

TEST(ManifestReader, RejectsTheSameV1ColumnMappedTwice) {
  EXPECT_EQ(Rejection(Manifest("  columns:\n"
                               "    - {from: user_id, to: account_id}\n"
                               "    - {drop: USER_ID}\n")),
            "m.yaml:9:14: column 'USER_ID' of v1 is mapped twice (first at line 8)");
}

TEST(ManifestReader, RejectsAV2ColumnProducedTwice) {
  EXPECT_EQ(Rejection(Manifest("  columns:\n"
                               "    - {from: user_id, to: account_id}\n"
                               "    - {add: account_id, type: BIGINT, using: \"1\"}\n")),
            "m.yaml:9:13: column 'account_id' of v2 is produced twice (first at line 8)");
}

TEST(ManifestReader, RejectsMalformedColumnOps) {
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {from: a, drop: b}\n")),
            "m.yaml:8:7: spec.columns[0] needs exactly one of from, drop or add (found from and drop)");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {to: b}\n")),
            "m.yaml:8:7: spec.columns[0] needs exactly one of from, drop or add");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {drop: a, type: INT}\n")),
            "m.yaml:8:17: unknown key 'type' in a drop column op");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {add: a, type: INT}\n")),
            "m.yaml:8:7: spec.columns[0].using is required");
}

TEST(ManifestReader, RejectsAStatementSmuggledIntoAnExpression) {
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {from: a, to: b, using: \"1); DROP TABLE x; --\"}\n")),
            "m.yaml:8:31: spec.columns[0].using: unbalanced ')'");
  EXPECT_EQ(Rejection(Manifest("  columns:\n    - {from: a, to: b, using: \"a; DROP TABLE x\"}\n")),
            "m.yaml:8:31: spec.columns[0].using: ';' is not allowed: an expression is not a statement");
}

TEST(ManifestReader, RejectsBranchNamesGitRefuses) {
  for (const char* branch :
       {"skein/a..b", "skein/a b", "skein/a~1", "skein/a:b", "skein/a?", "skein/*", "skein/[x", "skein\\a",
        "/skein", "skein/", "skein/x.lock", "skein/.hidden", "skein/a@{1}"}) {
    std::string message =
        Rejection(Manifest("  consumers: {change: {branch: \"" + std::string(branch) + "\"}}\n"));
    EXPECT_EQ(message.rfind("m.yaml:7:32: consumers.change.branch: ", 0), 0u) << branch << ": " << message;
  }
}

TEST(ManifestReader, RequiresACommandForCommandAgents) {
  EXPECT_EQ(Rejection(Manifest("  consumers: {agent: {kind: command}}\n")),
            "m.yaml:7:22: consumers.agent.command is required when agent.kind is command or chain");
  EXPECT_EQ(Rejection(Manifest("  consumers: {agent: {kind: builtin, command: aider}}\n")),
            "m.yaml:7:47: consumers.agent.command is used only when agent.kind is command or chain");
}

TEST(ManifestReader, ACommandWithoutAKindChainsTheBuiltinAgentFirst) {
  Result<Migration> m =
      ParseMigration(Manifest("  consumers: {agent: {command: aider, env: [OPENAI_API_KEY]}}\n"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->consumers.agent.kind, AgentKind::kChain);
  EXPECT_EQ(m->consumers.agent.env, std::vector<std::string>{"OPENAI_API_KEY"});
  EXPECT_EQ(m->consumers.agent.sandbox, "auto");
}

TEST(ManifestReader, ReadsTheAgentsSandboxAndRejectsAnUnknownOne) {
  Result<Migration> m =
      ParseMigration(Manifest("  consumers: {agent: {command: aider, sandbox: bwrap}}\n"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->consumers.agent.sandbox, "bwrap");
  EXPECT_EQ(Rejection(Manifest("  consumers: {agent: {command: aider, sandbox: docker}}\n")).substr(0, 12),
            "m.yaml:7:48:");
}

TEST(ManifestReader, ReadsConsumerJobSettings) {
  Result<Migration> m = ParseMigration(
      Manifest("  consumers:\n"
               "    max_attempts: 5\n"
               "    build_timeout: 2m\n"
               "    max_workspace_mb: 64\n"
               "    equivalence: {sample_rows: 500, seed: 7, float_tolerance: 0.001}\n"
               "    change: {draft: true, labels: [data], auto_merge: true,\n"
               "             forge: {kind: github, api_url: \"http://127.0.0.1:1\", token_env: GH,\n"
               "                     per_minute: 10, per_hour: 100, windows: [\"09:00-17:30\"]}}\n"),
      "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ConsumerPlan& c = m->consumers;
  EXPECT_EQ(c.max_attempts, 5);
  EXPECT_EQ(c.build_timeout.count(), 120);
  EXPECT_EQ(c.max_workspace_bytes, 64ull << 20);
  EXPECT_EQ(c.equivalence.sample_rows, 500);
  EXPECT_EQ(c.equivalence.seed, 7u);
  EXPECT_DOUBLE_EQ(c.equivalence.float_tolerance, 0.001);
  EXPECT_TRUE(c.change.draft);
  EXPECT_TRUE(c.change.auto_merge);
  EXPECT_EQ(c.change.labels, std::vector<std::string>{"data"});
  EXPECT_EQ(c.change.forge.kind, "github");
  EXPECT_EQ(c.change.forge.token_env, "GH");
  EXPECT_EQ(c.change.forge.per_minute, 10);
  EXPECT_EQ(c.change.forge.windows, std::vector<std::string>{"09:00-17:30"});
}

TEST(ManifestReader, RejectsBadForgeAndAgentSettingsAtTheirPlace) {
  EXPECT_EQ(Rejection(Manifest("  consumers: {change: {forge: {windows: [\"9-17\"]}}}\n")),
            "m.yaml:7:42: '9-17' is not a time window \"HH:MM-HH:MM\"");
  EXPECT_EQ(Rejection(Manifest("  consumers: {agent: {kind: command, command: x, env: [\"A-B\"]}}\n")),
            "m.yaml:7:56: 'A-B' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(Rejection(Manifest("  consumers: {change: {forge: {kind: bitbucket}}}\n")).substr(0, 12),
            "m.yaml:7:38:");
}

TEST(ManifestReader, CompatViewNeedsAReverseForEveryUnprovableColumn) {
  EXPECT_EQ(
      Rejection(Manifest("  columns:\n"
                         "    - {from: a, to: b}\n"
                         "    - {drop: c}\n"
                         "    - {from: d, type: INT, using: \"CAST(d AS INT)\"}\n"
                         "  data: {publish: {compat_view: true}}\n")),
      "m.yaml:11:33: compat_view needs a reverse for every retyped or dropped column; missing for c, d");
}

TEST(ManifestReader, ReportsEveryProblemInFileOrder) {
  std::string message = Rejection(Manifest("  rollout: {canary: 0}\n  colums: []\n  data: {key: [a, a]}\n"));
  EXPECT_EQ(message,
            "m.yaml:7:21: spec.rollout.canary must be an integer >= 1\n"
            "m.yaml:8:3: unknown key 'colums' in spec (did you mean 'columns'?)\n"
            "m.yaml:9:19: key column 'a' is listed twice");
}

TEST(ManifestReader, ReportsYamlSyntaxErrorsWithTheirPosition) {
  std::string message = Rejection(Manifest("  columns: [\n"));
  EXPECT_EQ(message.rfind("m.yaml:8:", 0), 0u) << message;
}

TEST(ManifestReader, RejectsMoreThanOneDocument) {
  EXPECT_EQ(Rejection(Manifest("") + "---\n" + Manifest("")),
            "m.yaml:8: a manifest is one YAML document; found 2");
}

TEST(ManifestReader, AMissingFileIsNotFound) {
  auto m = ReadMigrationFile("/no/such/manifest.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(ManifestReader, ErrorAtNamesTheValueOrItsNearestWrittenAncestor) {
  auto m = ReadMigrationFile(Fixture("user-profile-v2.yaml"));
  ASSERT_TRUE(m.ok());
  std::string file = Fixture("user-profile-v2.yaml").string();
  EXPECT_EQ(m->ErrorAt("/spec/columns/3/drop", "gone").message(), file + ":14:14: gone");
  // data.window is not written: the error points at data.
  EXPECT_EQ(m->ErrorAt("/spec/data/window", "x").message(), file + ":16:9: x");
}

TEST(ManifestReader, WritesTheManifestWithItsDefaultsAsJson) {
  auto m = ParseMigration(Manifest("  columns:\n    - {drop: a}\n"), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  nlohmann::json json = MigrationToJson(*m);
  EXPECT_EQ(json["spec"]["columns"][0]["drop"], "a");
  EXPECT_EQ(json["spec"]["consumers"]["agent"]["timeout"], "10m");
  EXPECT_EQ(json["spec"]["rollout"]["retries"]["cap"], "1h");
  EXPECT_EQ(json["spec"]["consumers"]["change"]["branch"], "skein/users-v2");
  EXPECT_EQ(json["spec"]["data"]["publish"]["approval"], "none");
}

TEST(ManifestReader, WritesEveryRolloutFieldWithItsDefault) {
  auto m = ParseMigration(Manifest(""), "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(MigrationToJson(*m)["spec"]["rollout"], nlohmann::json::parse(R"({
    "canary": 1, "growth": 2.0, "max_parallel": 4, "max_parallel_per_owner": 0,
    "max_parallel_per_repo": 1, "pause_on_failure_rate": 0.25,
    "breaker": {"window": 20, "min_sample": 5},
    "retries": {"max": 3, "base": "30s", "cap": "1h"},
    "approval": {"tiers": []},
    "group": "",
    "alerts": {"webhook": "", "webhook_env": ""}})"));

  m = ParseMigration(
      Manifest("  rollout: {max_parallel_per_owner: 2, max_parallel_per_repo: 3, group: etl,\n"
               "            breaker: {window: 8, min_sample: 2}, alerts: {webhook_env: HOOK}}\n"),
      "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  nlohmann::json rollout = MigrationToJson(*m)["spec"]["rollout"];
  EXPECT_EQ(rollout["max_parallel_per_owner"], 2);
  EXPECT_EQ(rollout["max_parallel_per_repo"], 3);
  EXPECT_EQ(rollout["breaker"], nlohmann::json::parse(R"({"window": 8, "min_sample": 2})"));
  EXPECT_EQ(rollout["group"], "etl");
  EXPECT_EQ(rollout["alerts"], nlohmann::json::parse(R"({"webhook": "", "webhook_env": "HOOK"})"));
}

TEST(Durations, ReadAndWriteTheUsualSpellings) {
  EXPECT_EQ(*ParseDuration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(*ParseDuration("10m"), std::chrono::minutes(10));
  EXPECT_EQ(*ParseDuration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(*ParseDuration("600"), std::chrono::seconds(600));
  EXPECT_EQ(*ParseDuration("2d"), std::chrono::hours(48));
  EXPECT_FALSE(ParseDuration("1h30").ok());
  EXPECT_FALSE(ParseDuration("10 minutes").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_EQ(FormatDuration(std::chrono::seconds(3600)), "1h");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(600)), "10m");
}

}  // namespace
}  // namespace skein
