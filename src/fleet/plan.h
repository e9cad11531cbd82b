// The rollout plan of a migration: which consumers it affects (directly and transitively), who
// owns them and how critical they are, a first estimate of which the built-in rewriters can
// handle and which need an agent, and the waves the rollout policy implies. `skein plan` prints
// it; a campaign starts from it. docs/manifest.md states the rules; they are spelled once here.
//
// Rules, in short:
//   - Direct consumers (depth 1) need a change, unless retired (listed, not migrated).
//   - Transitive consumers (depth >= 2) need none when the manifest preserves consumers' outputs
//     (consumers.preserve_output); otherwise they are flagged for review. Neither joins a wave.
//   - Estimate: agent.kind command sends everything to the agent. Else sql, dbt and config
//     consumers are builtin; code (python, scala, java, ...) is builtin unless the manifest drops
//     or retypes a column without a `reverse` (code may read it: judgement); any other or unknown
//     framework needs an agent.
//   - Waves: least critical first (tier-3, tier-2, tier-1, then consumers with no tier, treated
//     as the most critical); within a tier, non-production lifecycles first; then by ref key.
//     Wave 1 holds `canary` consumers, each next wave ceil(previous x growth), the last what remains.
//   - A consumer whose tier is listed in rollout.approval.tiers waits for an approval.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/lineage.h"
#include "data/warehouse.h"
#include "manifest/migration.h"

namespace skein {

enum class ConsumerHandler { kBuiltin, kAgent };

struct HandlerEstimate {
  ConsumerHandler handler = ConsumerHandler::kBuiltin;
  std::string reason;
};

struct PlannedConsumer {
  LineageConsumer consumer;
  std::string key;           // consumer.ref.Key()
  bool needs_change = true;  // false: retired, or transitive with preserve_output
  HandlerEstimate estimate;  // direct consumers that need a change
  bool needs_approval = false;
  int wave = 0;      // 1-based; 0 when in no wave
  std::string note;  // why no change, or a lifecycle remark; "" when none
};

struct Wave {
  int number = 0;
  std::vector<std::string> consumers;  // ref keys, in rollout order
  int approvals = 0;                   // how many of them wait for an approval
};

struct TierGroup {
  std::string tier;                    // "" when unknown
  std::vector<std::string> consumers;  // ref keys
};

struct OwnerGroup {
  std::string owner;             // ref key, "" when unknown
  std::vector<TierGroup> tiers;  // most critical first
};

struct RolloutPlan {
  std::string migration;  // metadata.name
  std::string from;
  std::string to;
  std::optional<Schema> target_schema;      // when the from-dataset's schema was given
  std::vector<PlannedConsumer> direct;      // in rollout order
  std::vector<PlannedConsumer> transitive;  // by depth, then ref key
  std::vector<Wave> waves;
  bool lineage_truncated = false;

  int CountHandler(ConsumerHandler handler) const;  // direct consumers that need a change
  int CountApprovals() const;
  const PlannedConsumer* Find(std::string_view key) const;
};

// Plans the rollout of `migration` over the lineage of its from-dataset in `graph`. With
// `from_schema`, the plan carries the target schema (TargetSchema's errors are returned).
// NotFound when the from-dataset is not in the catalog.
Result<RolloutPlan> PlanRollout(const Migration& migration, const CatalogGraph& graph,
                                const Schema* from_schema = nullptr);

// The rules above, one at a time.
HandlerEstimate EstimateHandler(const Migration& migration, const LineageConsumer& consumer);
// The N of "tier-N", or 0 when the tier has no number.
int TierNumber(std::string_view tier);
// Wave sizes for `consumers` consumers: canary, then ceil(previous x growth), capped by what remains.
std::vector<int> WaveSizes(int consumers, int canary, double growth);
// Consumers grouped by owner (sorted; unknown last), then tier (most critical first).
std::vector<OwnerGroup> GroupByOwnerAndTier(const std::vector<PlannedConsumer>& consumers);

// The plan (with the migration's header facts) as `skein plan --json` prints it.
nlohmann::json RolloutPlanToJson(const Migration& migration, const RolloutPlan& plan);

}  // namespace skein
