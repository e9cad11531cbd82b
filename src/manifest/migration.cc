// Migration's own methods, durations, and the manifest as JSON with its defaults.
#include "manifest/migration.h"

#include <cctype>

#include "base/text.h"

namespace skein {

bool ColumnOp::Provable() const {
  switch (kind) {
    case ColumnOpKind::kMap:
      return !reverse.empty() || (type.empty() && using_expr.empty());
    case ColumnOpKind::kDrop:
      return !reverse.empty();
    case ColumnOpKind::kAdd:
      return true;  // v1 never had it: nothing to compute
  }
  return false;
}

std::string ColumnOp::Describe() const {
  switch (kind) {
    case ColumnOpKind::kDrop:
      return "drop";
    case ColumnOpKind::kAdd:
      return "add";
    case ColumnOpKind::kMap:
      break;
  }
  bool rename = !EqualsIgnoreCase(from, to);
  bool retype = !type.empty() || !using_expr.empty();
  return rename && retype ? "rename+retype" : rename ? "rename" : "retype";
}

SourcePosition Migration::PositionOf(std::string_view pointer) const { return source.Find(pointer); }

Status Migration::ErrorAt(std::string_view pointer, std::string_view message) const {
  SourcePosition at = PositionOf(pointer);
  return Status::InvalidInputAt(file, at.line, at.col, message);
}

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  std::string_view rest = Trim(text);
  auto bad = [&] {
    return Status::InvalidInput("'" + std::string(text) +
                                "' is not a duration (such as 30s, 10m, 1h30m, 2d or 600)");
  };
  if (rest.empty()) return bad();
  long long total = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 0 || digits > 9) return bad();
    long long number = std::stoll(std::string(rest.substr(0, digits)));
    rest.remove_prefix(digits);
    long long unit = 1;
    if (!rest.empty()) {
      switch (rest[0]) {
        case 's':
          unit = 1;
          break;
        case 'm':
          unit = 60;
          break;
        case 'h':
          unit = 3600;
          break;
        case 'd':
          unit = 86400;
          break;
        default:
          return bad();
      }
      rest.remove_prefix(1);
    } else if (total != 0) {
      return bad();  // "1h30" has no unit for its last number
    }
    total += number * unit;
  }
  return std::chrono::seconds(total);
}

std::string FormatDuration(std::chrono::seconds duration) {
  long long left = duration.count();
  if (left <= 0) return std::to_string(left) + "s";
  std::string out;
  for (auto [unit, suffix] : {std::pair{86400LL, 'd'}, {3600LL, 'h'}, {60LL, 'm'}, {1LL, 's'}}) {
    if (left >= unit) {
      out += std::to_string(left / unit) + suffix;
      left %= unit;
    }
  }
  return out;
}

namespace {

nlohmann::json ColumnOpToJson(const ColumnOp& op) {
  nlohmann::json out;
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  switch (op.kind) {
    case ColumnOpKind::kMap:
      out = {{"from", op.from}, {"to", op.to}};
      put("type", op.type);
      put("using", op.using_expr);
      put("reverse", op.reverse);
      break;
    case ColumnOpKind::kDrop:
      out = {{"drop", op.from}};
      put("reverse", op.reverse);
      break;
    case ColumnOpKind::kAdd:
      out = {{"add", op.to}, {"type", op.type}, {"using", op.using_expr}};
      break;
  }
  return out;
}

nlohmann::json DataToJson(const DataPlan& data) {
  const VerifyPolicy& verify = data.verify;
  return {{"materialize", data.materialize},
          {"partition_by", data.partition_by},
          {"key", data.key},
          {"window", data.window},
          {"verify",
           {{"counts", verify.counts},
            {"null_counts", verify.null_counts},
            {"checksum", verify.checksum},
            {"max_mismatch_ratio", verify.max_mismatch_ratio},
            {"sample_queries", verify.sample_queries},
            {"tolerances",
             [&] {
               nlohmann::json t = nlohmann::json::object();
               for (const auto& [column, value] : verify.tolerances) t[column] = value;
               return t;
             }()}}},
          {"publish",
           {{"approval", data.publish.approval == PublishApproval::kRequired ? "required" : "none"},
            {"compat_view", data.publish.compat_view}}}};
}

nlohmann::json ConsumersToJson(const ConsumerPlan& consumers) {
  static const char* kKinds[] = {"builtin", "command", "chain"};
  const AgentSpec& agent = consumers.agent;
  const ChangeSpec& change = consumers.change;
  const ForgeSpec& forge = change.forge;
  return {{"preserve_output", consumers.preserve_output},
          {"agent",
           {{"kind", kKinds[static_cast<int>(agent.kind)]},
            {"command", agent.command},
            {"timeout", FormatDuration(agent.timeout)},
            {"env", agent.env},
            {"judge", agent.judge},
            {"version_command", agent.version_command},
            {"sandbox", agent.sandbox}}},
          {"verifiers", consumers.verifiers},
          {"max_attempts", consumers.max_attempts},
          {"build_timeout", FormatDuration(consumers.build_timeout)},
          {"max_workspace_mb", consumers.max_workspace_bytes >> 20},
          {"equivalence",
           {{"sample_rows", consumers.equivalence.sample_rows},
            {"seed", consumers.equivalence.seed},
            {"float_tolerance", consumers.equivalence.float_tolerance}}},
          {"change",
           {{"branch", change.branch},
            {"title", change.title},
            {"body", change.body},
            {"message", change.message},
            {"draft", change.draft},
            {"labels", change.labels},
            {"reviewers_from_owner", change.reviewers_from_owner},
            {"auto_merge", change.auto_merge},
            {"forge",
             {{"kind", forge.kind},
              {"api_url", forge.api_url},
              {"token_env", forge.token_env},
              {"per_minute", forge.per_minute},
              {"per_hour", forge.per_hour},
              {"windows", forge.windows}}}}}};
}

nlohmann::json RolloutToJson(const RolloutPolicy& rollout) {
  return {{"canary", rollout.canary},
          {"growth", rollout.growth},
          {"max_parallel", rollout.max_parallel},
          {"max_parallel_per_owner", rollout.max_parallel_per_owner},
          {"max_parallel_per_repo", rollout.max_parallel_per_repo},
          {"pause_on_failure_rate", rollout.pause_on_failure_rate},
          {"breaker", {{"window", rollout.breaker.window}, {"min_sample", rollout.breaker.min_sample}}},
          {"retries",
           {{"max", rollout.retries.max},
            {"base", FormatDuration(rollout.retries.base)},
            {"cap", FormatDuration(rollout.retries.cap)}}},
          {"approval", {{"tiers", rollout.approval_tiers}}},
          {"group", rollout.group},
          {"alerts", {{"webhook", rollout.alert_webhook}, {"webhook_env", rollout.alert_webhook_env}}}};
}

}  // namespace

nlohmann::json MigrationToJson(const Migration& migration) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& op : migration.columns) columns.push_back(ColumnOpToJson(op));
  return {{"apiVersion", "skein.dev/v1"},
          {"kind", "Migration"},
          {"metadata",
           {{"name", migration.name}, {"owner", migration.owner}, {"description", migration.description}}},
          {"spec",
           {{"from", migration.from},
            {"to", migration.to},
            {"columns", columns},
            {"data", DataToJson(migration.data)},
            {"consumers", ConsumersToJson(migration.consumers)},
            {"rollout", RolloutToJson(migration.rollout)}}}};
}

}  // namespace skein
