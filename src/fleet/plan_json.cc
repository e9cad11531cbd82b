// RolloutPlanToJson: the plan as `skein plan --json` prints it (see plan.h).
#include "fleet/plan.h"

namespace skein {
namespace {

using nlohmann::json;

const char* HandlerName(ConsumerHandler handler) {
  return handler == ConsumerHandler::kAgent ? "agent" : "builtin";
}

json ColumnsJson(const Migration& migration) {
  json columns = json::array();
  for (const auto& op : migration.columns) {
    json column = {{"op", op.Describe()}, {"provable", op.Provable()}};
    if (op.kind != ColumnOpKind::kAdd) column["from"] = op.from;
    if (op.kind != ColumnOpKind::kDrop) column["to"] = op.to;
    if (!op.type.empty()) column["type"] = op.type;
    if (!op.using_expr.empty()) column["using"] = op.using_expr;
    if (!op.reverse.empty()) column["reverse"] = op.reverse;
    columns.push_back(std::move(column));
  }
  return columns;
}

json ConsumerJson(const PlannedConsumer& planned, bool direct) {
  const LineageConsumer& c = planned.consumer;
  json out = {{"ref", planned.key},       {"owner", c.owner},         {"tier", c.tier},
              {"lifecycle", c.lifecycle}, {"framework", c.framework}, {"repo", c.repo},
              {"depth", c.depth},         {"reads", c.reads},         {"needs_change", planned.needs_change},
              {"note", planned.note}};
  if (direct) {
    out["handler"] = planned.needs_change ? json(HandlerName(planned.estimate.handler)) : json(nullptr);
    out["reason"] = planned.estimate.reason;
    out["approval_required"] = planned.needs_approval;
    out["wave"] = planned.wave == 0 ? json(nullptr) : json(planned.wave);
  }
  return out;
}

json GroupsJson(const std::vector<PlannedConsumer>& consumers) {
  json groups = json::array();
  for (const auto& owner : GroupByOwnerAndTier(consumers)) {
    json tiers = json::array();
    for (const auto& tier : owner.tiers)
      tiers.push_back({{"tier", tier.tier}, {"consumers", tier.consumers}});
    groups.push_back({{"owner", owner.owner}, {"tiers", tiers}});
  }
  return groups;
}

}  // namespace

json RolloutPlanToJson(const Migration& migration, const RolloutPlan& plan) {
  json out = {{"migration", plan.migration}, {"file", migration.file},
              {"from", plan.from},           {"to", plan.to},
              {"owner", migration.owner},    {"columns", ColumnsJson(migration)}};
  out["target_schema"] = nullptr;
  if (plan.target_schema) {
    out["target_schema"] = json::array();
    for (const auto& column : plan.target_schema->columns) {
      out["target_schema"].push_back({{"name", column.name}, {"type", column.type}});
    }
  }
  out["direct"] = json::array();
  for (const auto& planned : plan.direct) out["direct"].push_back(ConsumerJson(planned, true));
  out["transitive"] = json::array();
  for (const auto& planned : plan.transitive) out["transitive"].push_back(ConsumerJson(planned, false));
  out["groups"] = {{"direct", GroupsJson(plan.direct)}, {"transitive", GroupsJson(plan.transitive)}};
  out["waves"] = json::array();
  for (const auto& wave : plan.waves) {
    out["waves"].push_back(
        {{"number", wave.number}, {"consumers", wave.consumers}, {"approvals", wave.approvals}});
  }
  int migrated = plan.CountHandler(ConsumerHandler::kBuiltin) + plan.CountHandler(ConsumerHandler::kAgent);
  out["totals"] = {{"direct", plan.direct.size()},
                   {"to_migrate", migrated},
                   {"builtin", plan.CountHandler(ConsumerHandler::kBuiltin)},
                   {"agent", plan.CountHandler(ConsumerHandler::kAgent)},
                   {"transitive", plan.transitive.size()},
                   {"waves", plan.waves.size()},
                   {"approvals", plan.CountApprovals()}};
  out["lineage_truncated"] = plan.lineage_truncated;
  return out;
}

}  // namespace skein
