// PlanRollout and its rules (see plan.h).
#include "fleet/plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/text.h"

namespace skein {
namespace {

const std::set<std::string> kBuiltinFrameworks = {"sql", "dbt", "config", "yaml", "json"};
const std::set<std::string> kCodeFrameworks = {"python",     "pyspark",    "scala", "spark",
                                               "java",       "kotlin",     "go",    "r",
                                               "javascript", "typescript", "ruby",  "shell"};

bool IsRetired(const LineageConsumer& consumer) { return EqualsIgnoreCase(consumer.lifecycle, "retired"); }

// The v1 columns the migration drops or retypes with no `reverse`: a consumer that reads one
// needs judgement, not substitution.
std::vector<std::string> UnprovableColumns(const Migration& migration) {
  std::vector<std::string> columns;
  for (const auto& op : migration.columns) {
    if (op.kind != ColumnOpKind::kAdd && !op.Provable()) columns.push_back(op.from);
  }
  return columns;
}

// Sort key for the rollout: least critical first, unknown tier last.
std::tuple<int, int, std::string> RolloutOrder(const PlannedConsumer& planned) {
  int number = TierNumber(planned.consumer.tier);
  int criticality = number == 0 ? 0 : -number;  // tier-3 -> -3 first; unknown (0) after tier-1 (-1)
  bool production = !EqualsIgnoreCase(planned.consumer.lifecycle, "experimental") &&
                    !EqualsIgnoreCase(planned.consumer.lifecycle, "deprecated");
  return {criticality, production ? 1 : 0, planned.key};
}

bool NeedsApproval(const Migration& migration, const LineageConsumer& consumer) {
  for (const auto& tier : migration.rollout.approval_tiers) {
    if (!consumer.tier.empty() && EqualsIgnoreCase(tier, consumer.tier)) return true;
  }
  return false;
}

PlannedConsumer Planned(const LineageConsumer& consumer) {
  PlannedConsumer planned;
  planned.consumer = consumer;
  planned.key = consumer.ref.Key();
  return planned;
}

PlannedConsumer PlanDirect(const Migration& migration, const LineageConsumer& consumer) {
  PlannedConsumer planned = Planned(consumer);
  if (IsRetired(consumer)) {
    planned.needs_change = false;
    planned.note = "retired: listed, not migrated";
    return planned;
  }
  planned.estimate = EstimateHandler(migration, consumer);
  planned.needs_approval = NeedsApproval(migration, consumer);
  if (EqualsIgnoreCase(consumer.lifecycle, "deprecated"))
    planned.note = "deprecated: migrate it or retire it";
  return planned;
}

PlannedConsumer PlanTransitive(const Migration& migration, const LineageConsumer& consumer) {
  PlannedConsumer planned = Planned(consumer);
  planned.needs_change = false;
  if (migration.consumers.preserve_output) {
    planned.note =
        "no change: reads " + consumer.reads + ", whose columns stay as they are (preserve_output)";
  } else {
    planned.note = "review: reads " + consumer.reads +
                   ", whose producer is migrated without preserve_output; its columns may change";
  }
  return planned;
}

void AssignWaves(const Migration& migration, RolloutPlan& plan) {
  std::vector<PlannedConsumer*> pending;
  for (auto& planned : plan.direct) {
    if (planned.needs_change) pending.push_back(&planned);
  }
  size_t next = 0;
  for (int size :
       WaveSizes(static_cast<int>(pending.size()), migration.rollout.canary, migration.rollout.growth)) {
    Wave wave;
    wave.number = static_cast<int>(plan.waves.size()) + 1;
    for (int i = 0; i < size; ++i, ++next) {
      pending[next]->wave = wave.number;
      wave.consumers.push_back(pending[next]->key);
      if (pending[next]->needs_approval) ++wave.approvals;
    }
    plan.waves.push_back(std::move(wave));
  }
}

}  // namespace

int TierNumber(std::string_view tier) {
  std::string lower = ToLower(Trim(tier));
  if (lower.rfind("tier-", 0) != 0 || lower.size() == 5 || lower.size() > 8) return 0;
  int number = 0;
  for (char c : lower.substr(5)) {
    if (c < '0' || c > '9') return 0;
    number = number * 10 + (c - '0');
  }
  return number;
}

std::vector<int> WaveSizes(int consumers, int canary, double growth) {
  std::vector<int> sizes;
  long long size = std::max(canary, 1);
  for (int remaining = consumers; remaining > 0;) {
    int wave = static_cast<int>(std::min<long long>(size, remaining));
    sizes.push_back(wave);
    remaining -= wave;
    // The epsilon keeps 2 x 1.5 at 3, not 4, when the product lands a hair above an integer.
    size = std::max(
        size, static_cast<long long>(std::ceil(static_cast<double>(size) * std::max(growth, 1.0) - 1e-9)));
    size = std::min<long long>(size, 1LL << 30);
  }
  return sizes;
}

HandlerEstimate EstimateHandler(const Migration& migration, const LineageConsumer& consumer) {
  std::string framework = ToLower(Trim(consumer.framework));
  HandlerEstimate out;
  if (migration.consumers.agent.kind == AgentKind::kCommand) {
    return {ConsumerHandler::kAgent, "agent.kind is command: every change goes to the external agent"};
  }
  std::vector<std::string> unprovable = UnprovableColumns(migration);
  if (kBuiltinFrameworks.count(framework)) {
    out = {ConsumerHandler::kBuiltin, "the " + framework + " rewriter substitutes names and reverses"};
    if (!unprovable.empty()) out.reason += "; an agent takes over if it reads " + Join(unprovable, ", ");
    return out;
  }
  if (kCodeFrameworks.count(framework)) {
    if (unprovable.empty()) {
      return {ConsumerHandler::kBuiltin,
              "table names and SQL in " + framework + " strings: every column op is provable"};
    }
    out = {ConsumerHandler::kAgent, framework + " code may read " + Join(unprovable, ", ") +
                                        ", changed without a reverse: needs judgement"};
  } else if (framework.empty()) {
    out = {ConsumerHandler::kAgent, "framework unknown (no skein.dev/framework annotation)"};
  } else {
    out = {ConsumerHandler::kAgent, "no built-in rewriter for framework '" + framework + "'"};
  }
  if (migration.consumers.agent.kind == AgentKind::kBuiltin)
    out.reason += " (agent.kind is builtin: a person must do it)";
  return out;
}

std::vector<OwnerGroup> GroupByOwnerAndTier(const std::vector<PlannedConsumer>& consumers) {
  // Owner "" sorts last; tiers most critical first, unknown last.
  auto owner_order = [](const std::string& owner) { return std::pair(owner.empty(), owner); };
  auto tier_order = [](const std::string& tier) {
    int number = TierNumber(tier);
    return std::tuple(number == 0, number, tier);
  };
  std::map<std::pair<bool, std::string>,
           std::map<std::tuple<bool, int, std::string>, std::vector<std::string>>>
      groups;
  for (const auto& planned : consumers) {
    groups[owner_order(planned.consumer.owner)][tier_order(planned.consumer.tier)].push_back(planned.key);
  }
  std::vector<OwnerGroup> out;
  for (auto& [owner, tiers] : groups) {
    OwnerGroup group{owner.second, {}};
    for (auto& [tier, keys] : tiers) {
      std::sort(keys.begin(), keys.end());
      group.tiers.push_back({std::get<2>(tier), keys});
    }
    out.push_back(std::move(group));
  }
  return out;
}

int RolloutPlan::CountHandler(ConsumerHandler handler) const {
  return static_cast<int>(std::count_if(direct.begin(), direct.end(), [&](const PlannedConsumer& p) {
    return p.needs_change && p.estimate.handler == handler;
  }));
}

int RolloutPlan::CountApprovals() const {
  return static_cast<int>(
      std::count_if(direct.begin(), direct.end(), [](const PlannedConsumer& p) { return p.needs_approval; }));
}

const PlannedConsumer* RolloutPlan::Find(std::string_view key) const {
  for (const auto* list : {&direct, &transitive}) {
    for (const auto& planned : *list) {
      if (planned.key == key) return &planned;
    }
  }
  return nullptr;
}

Result<RolloutPlan> PlanRollout(const Migration& migration, const CatalogGraph& graph,
                                const Schema* from_schema) {
  ASSIGN_OR_RETURN(Lineage lineage, graph.LineageOf(migration.from));
  RolloutPlan plan;
  plan.migration = migration.name;
  plan.from = migration.from;
  plan.to = migration.to;
  plan.lineage_truncated = lineage.truncated;
  if (from_schema != nullptr) {
    ASSIGN_OR_RETURN(Schema target, TargetSchema(migration, *from_schema));
    plan.target_schema = std::move(target);
  }
  for (const auto& consumer : lineage.consumers) {
    if (consumer.depth == 1) {
      plan.direct.push_back(PlanDirect(migration, consumer));
    } else {
      plan.transitive.push_back(PlanTransitive(migration, consumer));
    }
  }
  std::stable_sort(
      plan.direct.begin(), plan.direct.end(),
      [](const PlannedConsumer& a, const PlannedConsumer& b) { return RolloutOrder(a) < RolloutOrder(b); });
  AssignWaves(migration, plan);
  return plan;
}

}  // namespace skein
