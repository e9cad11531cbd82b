// ParseMigration: a manifest's YAML to a checked Migration with every default filled in.
// Checks here need nothing but the file; CheckMigrationAgainstData (data_check.cc) does the rest.
#include <map>
#include <regex>

#include "base/text.h"
#include "catalog/validate.h"
#include "data/diff.h"
#include "data/sql_text.h"
#include "manifest/migration.h"
#include "manifest/names.h"
#include "manifest/yaml_fields.h"

namespace skein {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kVerifiers = {"parse", "residual", "equivalence", "build", "scope"};

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// The environment variable names a manifest may point a secret at: [A-Z_][A-Z0-9_]*.
bool IsUpperEnvName(std::string_view name) {
  static const std::regex kName("^[A-Z_][A-Z0-9_]*$");
  return std::regex_match(name.begin(), name.end(), kName);
}

// 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit.
bool IsLabel(std::string_view text) {
  static const std::regex kLabel("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  return std::regex_match(text.begin(), text.end(), kLabel);
}

// http:// or https:// followed by something.
bool IsHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

// "HH:MM-HH:MM", 00:00 to 23:59 on each side.
bool IsTimeWindow(std::string_view text) {
  auto clock_time = [](std::string_view t) {
    return t.size() == 5 && std::isdigit(static_cast<unsigned char>(t[0])) &&
           std::isdigit(static_cast<unsigned char>(t[1])) && t[2] == ':' &&
           std::isdigit(static_cast<unsigned char>(t[3])) && std::isdigit(static_cast<unsigned char>(t[4])) &&
           (t[0] - '0') * 10 + (t[1] - '0') < 24 && t[3] < '6';
  };
  return text.size() == 11 && text[5] == '-' && clock_time(text.substr(0, 5)) && clock_time(text.substr(6));
}

class ManifestReader {
 public:
  explicit ManifestReader(Migration& migration) : m_(migration), fields_(migration.source, migration.file) {}

  Status Read() {
    const json& root = m_.source.value;
    if (fields_.CheckKeys(root, "", {"apiVersion", "kind", "metadata", "spec"}, "the manifest")) {
      ReadHeader(root);
      if (const json* metadata = fields_.Get(root, "", "metadata", true)) ReadMetadata(*metadata);
      if (const json* spec = fields_.Get(root, "", "spec", true)) ReadSpec(*spec);
    }
    return fields_.Problems();
  }

 private:
  void ReadHeader(const json& root) {
    std::string api_version, kind;
    fields_.ReadString(root, "", "apiVersion", api_version, true);
    fields_.ReadString(root, "", "kind", kind, true);
    if (!api_version.empty() && api_version != "skein.dev/v1") {
      fields_.Problem("/apiVersion", "apiVersion must be skein.dev/v1, not '" + api_version + "'");
    }
    if (!kind.empty() && kind != "Migration") {
      fields_.Problem("/kind",
                      "kind must be Migration, not '" + kind + "'" + DidYouMean(kind, {"Migration"}));
    }
  }

  void ReadMetadata(const json& metadata) {
    if (!fields_.CheckKeys(metadata, "/metadata", {"name", "owner", "description"}, "metadata")) return;
    fields_.ReadString(metadata, "/metadata", "name", m_.name, true);
    static const std::regex kName("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$");
    if (!m_.name.empty() && !std::regex_match(m_.name, kName)) {
      fields_.Problem("/metadata/name",
                      "metadata.name '" + m_.name +
                          "' must be 1-63 letters, digits, '-', '_' or '.', starting and ending "
                          "with a letter or digit");
    }
    fields_.ReadString(metadata, "/metadata", "description", m_.description);
    std::string owner;
    fields_.ReadString(metadata, "/metadata", "owner", owner);
    if (owner.empty()) return;
    Result<EntityRef> ref = EntityRef::Parse(owner, "group");
    if (!ref.ok()) return fields_.Problem("/metadata/owner", "metadata.owner: " + ref.status().message());
    m_.owner = ref->Key();
  }

  void ReadSpec(const json& spec) {
    if (!fields_.CheckKeys(spec, "/spec", {"from", "to", "start", "columns", "data", "consumers", "rollout"},
                           "spec"))
      return;
    m_.start_auto = fields_.ReadEnum(spec, "/spec", "start", {"manual", "auto"}) == 1;
    ReadDatasetId(spec, "from", m_.from);
    ReadDatasetId(spec, "to", m_.to);
    if (!m_.from.empty() && EqualsIgnoreCase(m_.from, m_.to)) {
      fields_.Problem("/spec/to", "spec.to is the same dataset as spec.from");
    }
    if (const json* columns = fields_.Get(spec, "/spec", "columns")) ReadColumns(*columns);
    static const json kEmpty = json::object();
    const json* data = fields_.Get(spec, "/spec", "data");
    ReadData(data ? *data : kEmpty);
    const json* consumers = fields_.Get(spec, "/spec", "consumers");
    ReadConsumers(consumers ? *consumers : kEmpty);
    const json* rollout = fields_.Get(spec, "/spec", "rollout");
    ReadRollout(rollout ? *rollout : kEmpty);
  }

  void ReadDatasetId(const json& spec, const std::string& key, std::string& out) {
    fields_.ReadString(spec, "/spec", key, out, true);
    if (!out.empty() && !IsValidDatasetId(out)) {
      fields_.Problem("/spec/" + key,
                      "spec." + key + " '" + out +
                          "' is not a dataset id (dot-separated names such as core.user_profile_v1)");
      out.clear();
    }
  }

  void ReadColumns(const json& columns) {
    if (!columns.is_array()) return fields_.Problem("/spec/columns", "spec.columns must be a list");
    for (size_t i = 0; i < columns.size(); ++i)
      ReadColumnOp(columns[i], "/spec/columns/" + std::to_string(i));
    CheckColumnsUnique();
  }

  void ReadColumnOp(const json& node, const std::string& pointer) {
    if (!node.is_object()) return fields_.Problem(pointer, FieldName(pointer) + " must be a mapping");
    std::vector<std::string> kinds;
    for (const char* key : {"from", "drop", "add"}) {
      if (node.contains(key)) kinds.push_back(key);
    }
    if (kinds.size() != 1) {
      return fields_.Problem(pointer,
                             FieldName(pointer) + " needs exactly one of from, drop or add" +
                                 (kinds.empty() ? std::string() : " (found " + Join(kinds, " and ") + ")"));
    }
    ColumnOp op;
    op.pointer = pointer;
    if (kinds[0] == "from") {
      ReadMapOp(node, op);
    } else if (kinds[0] == "drop") {
      op.kind = ColumnOpKind::kDrop;
      fields_.CheckKeys(node, pointer, {"drop", "reverse"}, "a drop column op");
      fields_.ReadColumn(node, pointer, "drop", op.from, true);
      fields_.ReadSql(node, pointer, "reverse", op.reverse);
    } else {
      op.kind = ColumnOpKind::kAdd;
      fields_.CheckKeys(node, pointer, {"add", "type", "using"}, "an add column op");
      fields_.ReadColumn(node, pointer, "add", op.to, true);
      fields_.ReadSql(node, pointer, "type", op.type, true);
      fields_.ReadSql(node, pointer, "using", op.using_expr, true);
    }
    m_.columns.push_back(std::move(op));
  }

  void ReadMapOp(const json& node, ColumnOp& op) {
    const std::string& pointer = op.pointer;
    fields_.CheckKeys(node, pointer, {"from", "to", "type", "using", "reverse"}, "a column mapping");
    fields_.ReadColumn(node, pointer, "from", op.from, true);
    fields_.ReadColumn(node, pointer, "to", op.to);
    if (op.to.empty()) op.to = op.from;
    fields_.ReadSql(node, pointer, "type", op.type);
    fields_.ReadSql(node, pointer, "using", op.using_expr);
    fields_.ReadSql(node, pointer, "reverse", op.reverse);
    bool changes = !EqualsIgnoreCase(op.from, op.to) || !op.type.empty() || !op.using_expr.empty();
    if (!op.from.empty() && !changes) {
      fields_.Problem(pointer, FieldName(pointer) + " maps '" + op.from + "' to itself and changes nothing");
    }
  }

  // Each v1 column is mapped or dropped once; each v2 column is produced once.
  void CheckColumnsUnique() {
    std::map<std::string, std::string> v1, v2;  // lower-cased name -> pointer of the first op
    auto claim = [&](std::map<std::string, std::string>& seen, const std::string& name,
                     const std::string& pointer, const std::string& what) {
      if (name.empty()) return;
      auto [it, fresh] = seen.emplace(ToLower(name), pointer);
      if (fresh) return;
      fields_.Problem(pointer, "column '" + name + "' " + what + " (first at line " +
                                   std::to_string(m_.PositionOf(it->second).line) + ")");
    };
    for (const auto& op : m_.columns) {
      if (op.kind != ColumnOpKind::kAdd) {
        claim(v1, op.from, op.pointer + (op.kind == ColumnOpKind::kDrop ? "/drop" : "/from"),
              "of v1 is mapped twice");
      }
      if (op.kind != ColumnOpKind::kDrop) {
        // A map op without `to` keeps its name: point at `from`, the value written.
        bool wrote_to =
            op.kind == ColumnOpKind::kAdd || m_.source.value_positions.count(op.pointer + "/to") > 0;
        claim(v2, op.to,
              op.pointer + (op.kind == ColumnOpKind::kAdd ? "/add"
                            : wrote_to                    ? "/to"
                                                          : "/from"),
              "of v2 is produced twice");
      }
    }
  }

  void ReadData(const json& data) {
    const std::string p = "/spec/data";
    if (!fields_.CheckKeys(data, p, {"materialize", "partition_by", "key", "window", "verify", "publish"},
                           "data")) {
      return;
    }
    DataPlan& plan = m_.data;
    fields_.ReadBool(data, p, "materialize", plan.materialize);
    fields_.ReadColumn(data, p, "partition_by", plan.partition_by);
    ReadKey(data);
    fields_.ReadSql(data, p, "window", plan.window);
    static const json kEmpty = json::object();
    const json* verify = fields_.Get(data, p, "verify");
    ReadVerify(verify ? *verify : kEmpty);
    const json* publish = fields_.Get(data, p, "publish");
    ReadPublish(publish ? *publish : kEmpty);
  }

  void ReadKey(const json& data) {
    std::vector<std::string> key;
    fields_.ReadStringList(data, "/spec/data", "key", key);
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < key.size(); ++i) {
      std::string pointer = "/spec/data/key/" + std::to_string(i);
      Result<std::string> name = ParseColumnName(key[i]);
      if (!name.ok()) {
        fields_.Problem(pointer, name.status().message());
      } else if (!seen.emplace(ToLower(*name), i).second) {
        fields_.Problem(pointer, "key column '" + *name + "' is listed twice");
      } else {
        m_.data.key.push_back(*name);
      }
    }
  }

  void ReadVerify(const json& verify) {
    const std::string p = "/spec/data/verify";
    if (!fields_.CheckKeys(
            verify, p,
            {"counts", "null_counts", "checksum", "max_mismatch_ratio", "sample_queries", "tolerances"},
            "data.verify")) {
      return;
    }
    VerifyPolicy& policy = m_.data.verify;
    fields_.ReadBool(verify, p, "counts", policy.counts);
    fields_.ReadBool(verify, p, "null_counts", policy.null_counts);
    fields_.ReadBool(verify, p, "checksum", policy.checksum);
    fields_.ReadNumber(verify, p, "max_mismatch_ratio", policy.max_mismatch_ratio, 0, 1);
    fields_.ReadStringList(verify, p, "sample_queries", policy.sample_queries);
    for (size_t i = 0; i < policy.sample_queries.size(); ++i) {
      Status fragment = CheckSqlFragment(policy.sample_queries[i]);
      std::string pointer = p + "/sample_queries/" + std::to_string(i);
      if (!fragment.ok()) fields_.Problem(pointer, FieldName(pointer) + ": " + fragment.message());
    }
    ReadTolerances(verify, p + "/tolerances");
  }

  // tolerances: {column: 0.01, created_at: 1ms}. The columns are checked against v2's schema
  // with the data (CheckMigrationAgainstData); here, each value's form.
  void ReadTolerances(const json& verify, const std::string& p) {
    auto found = verify.find("tolerances");
    if (found == verify.end() || found->is_null()) return;
    if (!found->is_object()) {
      fields_.Problem(
          p, "data.verify.tolerances must be a mapping of v2 column to tolerance, e.g. {amount: 0.01}");
      return;
    }
    for (const auto& [column, value] : found->items()) {
      std::string pointer = p + "/" + column;
      Result<std::string> name = ParseColumnName(column);
      if (!name.ok()) {
        fields_.Problem(pointer, name.status().message());
        continue;
      }
      std::string text;
      if (value.is_number()) {
        if (value.get<double>() < 0) {
          fields_.Problem(pointer, "the tolerance of " + *name + " must be >= 0");
          continue;
        }
        text = value.dump();
      } else if (value.is_string()) {
        text = value.get<std::string>();
        if (!ParseMicroseconds(text).ok()) {
          fields_.Problem(
              pointer,
              "'" + text +
                  "' is not a tolerance: a number (0.01) or a duration (500us, 1ms, 2s, 1min, 1h, 1d)");
          continue;
        }
      } else {
        fields_.Problem(pointer, "the tolerance of " + *name + " must be a number or a duration");
        continue;
      }
      m_.data.verify.tolerances.emplace_back(*name, text);
    }
  }

  void ReadPublish(const json& publish) {
    const std::string p = "/spec/data/publish";
    if (!fields_.CheckKeys(publish, p, {"approval", "compat_view"}, "data.publish")) return;
    int approval = fields_.ReadEnum(publish, p, "approval", {"none", "required"});
    if (approval >= 0)
      m_.data.publish.approval = approval == 1 ? PublishApproval::kRequired : PublishApproval::kNone;
    fields_.ReadBool(publish, p, "compat_view", m_.data.publish.compat_view);
    if (!m_.data.publish.compat_view) return;
    std::vector<std::string> unprovable;
    for (const auto& op : m_.columns) {
      if (op.kind != ColumnOpKind::kAdd && !op.Provable()) unprovable.push_back(op.from);
    }
    if (!unprovable.empty()) {
      fields_.Problem(p + "/compat_view",
                      "compat_view needs a reverse for every retyped or dropped column; missing for " +
                          Join(unprovable, ", "));
    }
  }

  void ReadConsumers(const json& consumers) {
    const std::string p = "/spec/consumers";
    if (!fields_.CheckKeys(consumers, p,
                           {"preserve_output", "agent", "verifiers", "max_attempts", "build_timeout",
                            "max_workspace_mb", "equivalence", "change"},
                           "consumers"))
      return;
    ConsumerPlan& plan = m_.consumers;
    fields_.ReadBool(consumers, p, "preserve_output", plan.preserve_output);
    fields_.ReadInt(consumers, p, "max_attempts", plan.max_attempts, 1);
    fields_.ReadDuration(consumers, p, "build_timeout", plan.build_timeout);
    int workspace_mb = static_cast<int>(plan.max_workspace_bytes >> 20);
    fields_.ReadInt(consumers, p, "max_workspace_mb", workspace_mb, 1);
    plan.max_workspace_bytes = static_cast<uint64_t>(workspace_mb) << 20;
    if (const json* equivalence = fields_.Get(consumers, p, "equivalence")) ReadEquivalence(*equivalence);
    static const json kEmpty = json::object();
    const json* agent = fields_.Get(consumers, p, "agent");
    ReadAgent(agent ? *agent : kEmpty);
    ReadVerifiers(consumers);
    const json* change = fields_.Get(consumers, p, "change");
    ReadChange(change ? *change : kEmpty);
  }

  void ReadAgent(const json& agent) {
    const std::string p = "/spec/consumers/agent";
    if (!fields_.CheckKeys(agent, p,
                           {"kind", "command", "timeout", "env", "judge", "sandbox", "version_command"},
                           "consumers.agent"))
      return;
    AgentSpec& spec = m_.consumers.agent;
    int kind = fields_.ReadEnum(agent, p, "kind", {"builtin", "command", "chain"});
    if (kind >= 0) spec.kind = static_cast<AgentKind>(kind);
    fields_.ReadString(agent, p, "command", spec.command);
    fields_.ReadDuration(agent, p, "timeout", spec.timeout);
    fields_.ReadStringList(agent, p, "env", spec.env);
    for (size_t i = 0; i < spec.env.size(); ++i) {
      if (!IsEnvName(spec.env[i]))
        fields_.Problem(p + "/env/" + std::to_string(i),
                        "'" + spec.env[i] + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    fields_.ReadString(agent, p, "judge", spec.judge);
    fields_.ReadString(agent, p, "version_command", spec.version_command);
    static const char* kSandboxes[] = {"auto", "bwrap", "none"};
    int sandbox = fields_.ReadEnum(agent, p, "sandbox", {"auto", "bwrap", "none"});
    if (sandbox >= 0) spec.sandbox = kSandboxes[sandbox];
    // A configured command with no kind means the default for it: built-in first, then the agent.
    if (kind < 0 && !spec.command.empty()) spec.kind = AgentKind::kChain;
    if (spec.kind != AgentKind::kBuiltin && spec.command.empty()) {
      fields_.Problem(p, "consumers.agent.command is required when agent.kind is command or chain");
    }
    if (spec.kind == AgentKind::kBuiltin && !spec.command.empty()) {
      fields_.Problem(p + "/command",
                      "consumers.agent.command is used only when agent.kind is command or chain");
    }
  }

  void ReadVerifiers(const json& consumers) {
    const std::string p = "/spec/consumers/verifiers";
    const json* list = fields_.Get(consumers, "/spec/consumers", "verifiers");
    if (list == nullptr) return;
    if (!list->is_array() || list->empty())
      return fields_.Problem(p, "consumers.verifiers must be a non-empty list");
    std::vector<std::string> verifiers;
    for (size_t i = 0; i < list->size(); ++i) {
      std::string pointer = p + "/" + std::to_string(i);
      std::string name = (*list)[i].is_string() ? (*list)[i].get<std::string>() : (*list)[i].dump();
      if (std::find(kVerifiers.begin(), kVerifiers.end(), name) == kVerifiers.end()) {
        fields_.Problem(pointer, "unknown verifier '" + name + "' (expected " + Join(kVerifiers, ", ") + ")" +
                                     DidYouMean(name, kVerifiers));
      } else if (std::find(verifiers.begin(), verifiers.end(), name) != verifiers.end()) {
        fields_.Problem(pointer, "verifier '" + name + "' is listed twice");
      } else {
        verifiers.push_back(name);
      }
    }
    m_.consumers.verifiers = verifiers;
  }

  void ReadChange(const json& change) {
    const std::string p = "/spec/consumers/change";
    if (!fields_.CheckKeys(change, p,
                           {"branch", "title", "body", "message", "draft", "labels", "reviewers_from_owner",
                            "auto_merge", "forge"},
                           "consumers.change"))
      return;
    ChangeSpec& spec = m_.consumers.change;
    fields_.ReadString(change, p, "branch", spec.branch);
    fields_.ReadString(change, p, "title", spec.title);
    fields_.ReadString(change, p, "body", spec.body);
    fields_.ReadString(change, p, "message", spec.message);
    fields_.ReadBool(change, p, "draft", spec.draft);
    fields_.ReadStringList(change, p, "labels", spec.labels);
    fields_.ReadBool(change, p, "reviewers_from_owner", spec.reviewers_from_owner);
    fields_.ReadBool(change, p, "auto_merge", spec.auto_merge);
    if (const json* forge = fields_.Get(change, p, "forge")) ReadForge(*forge);
    bool given = !spec.branch.empty();
    if (!given && !m_.name.empty()) spec.branch = "skein/" + m_.name;
    if (spec.title.empty() && !m_.to.empty()) spec.title = "Move to " + m_.to;
    if (spec.branch.empty()) return;
    Status branch = CheckBranchName(spec.branch);
    if (!branch.ok())
      fields_.Problem(given ? p + "/branch" : "/metadata/name",
                      "consumers.change.branch: " + branch.message());
  }

  void ReadEquivalence(const json& equivalence) {
    const std::string p = "/spec/consumers/equivalence";
    if (!fields_.CheckKeys(equivalence, p, {"sample_rows", "seed", "float_tolerance"},
                           "consumers.equivalence"))
      return;
    EquivalenceSpec& spec = m_.consumers.equivalence;
    fields_.ReadInt(equivalence, p, "sample_rows", spec.sample_rows, 1);
    int seed = static_cast<int>(spec.seed);
    fields_.ReadInt(equivalence, p, "seed", seed, 0);
    spec.seed = static_cast<uint64_t>(seed);
    fields_.ReadNumber(equivalence, p, "float_tolerance", spec.float_tolerance, 0, 1);
  }

  void ReadForge(const json& forge) {
    const std::string p = "/spec/consumers/change/forge";
    if (!fields_.CheckKeys(forge, p, {"kind", "api_url", "token_env", "per_minute", "per_hour", "windows"},
                           "consumers.change.forge"))
      return;
    ForgeSpec& spec = m_.consumers.change.forge;
    static const std::vector<std::string> kKinds = {"auto", "git", "github", "gitlab"};
    int kind = fields_.ReadEnum(forge, p, "kind", kKinds);
    if (kind >= 0) spec.kind = kKinds[static_cast<size_t>(kind)];
    fields_.ReadString(forge, p, "api_url", spec.api_url);
    if (!spec.api_url.empty() && spec.api_url.rfind("https://", 0) != 0 &&
        spec.api_url.rfind("http://", 0) != 0)
      fields_.Problem(p + "/api_url", "consumers.change.forge.api_url must be an http(s) URL");
    fields_.ReadString(forge, p, "token_env", spec.token_env);
    if (!spec.token_env.empty() && !IsEnvName(spec.token_env))
      fields_.Problem(p + "/token_env", "'" + spec.token_env + "' is not an environment variable name");
    fields_.ReadInt(forge, p, "per_minute", spec.per_minute, 0);
    fields_.ReadInt(forge, p, "per_hour", spec.per_hour, 0);
    fields_.ReadStringList(forge, p, "windows", spec.windows);
    for (size_t i = 0; i < spec.windows.size(); ++i) {
      if (!IsTimeWindow(spec.windows[i]))
        fields_.Problem(p + "/windows/" + std::to_string(i),
                        "'" + spec.windows[i] + "' is not a time window \"HH:MM-HH:MM\"");
    }
  }

  void ReadRollout(const json& rollout) {
    const std::string p = "/spec/rollout";
    if (!fields_.CheckKeys(
            rollout, p,
            {"canary", "growth", "max_parallel", "max_parallel_per_owner", "max_parallel_per_repo",
             "pause_on_failure_rate", "breaker", "retries", "approval", "group", "alerts"},
            "rollout")) {
      return;
    }
    RolloutPolicy& policy = m_.rollout;
    fields_.ReadInt(rollout, p, "canary", policy.canary, 1);
    fields_.ReadNumber(rollout, p, "growth", policy.growth, 1, 1e18);
    fields_.ReadInt(rollout, p, "max_parallel", policy.max_parallel, 1);
    fields_.ReadInt(rollout, p, "max_parallel_per_owner", policy.max_parallel_per_owner, 0);
    fields_.ReadInt(rollout, p, "max_parallel_per_repo", policy.max_parallel_per_repo, 0);
    fields_.ReadNumber(rollout, p, "pause_on_failure_rate", policy.pause_on_failure_rate, 0, 1);
    if (const json* breaker = fields_.Get(rollout, p, "breaker")) ReadBreaker(*breaker);
    if (const json* retries = fields_.Get(rollout, p, "retries")) ReadRetries(*retries);
    if (const json* approval = fields_.Get(rollout, p, "approval")) {
      if (fields_.CheckKeys(*approval, p + "/approval", {"tiers"}, "rollout.approval")) {
        fields_.ReadStringList(*approval, p + "/approval", "tiers", policy.approval_tiers);
      }
    }
    fields_.ReadString(rollout, p, "group", policy.group);
    if (!policy.group.empty() && !IsLabel(policy.group)) {
      fields_.Problem(p + "/group", "rollout.group '" + policy.group +
                                        "' is not a label: 1-63 lowercase letters, digits and '-', "
                                        "starting and ending with a letter or digit");
    }
    if (const json* alerts = fields_.Get(rollout, p, "alerts")) ReadAlerts(*alerts);
  }

  void ReadBreaker(const json& breaker) {
    const std::string p = "/spec/rollout/breaker";
    if (!fields_.CheckKeys(breaker, p, {"window", "min_sample"}, "rollout.breaker")) return;
    BreakerPolicy& policy = m_.rollout.breaker;
    fields_.ReadInt(breaker, p, "window", policy.window, 1);
    fields_.ReadInt(breaker, p, "min_sample", policy.min_sample, 1);
    if (policy.min_sample <= policy.window) return;
    // Point at what was written: min_sample, or window when min_sample is its default.
    bool min_sample_written = fields_.Get(breaker, p, "min_sample") != nullptr;
    fields_.Problem(p + (min_sample_written ? "/min_sample" : "/window"),
                    "rollout.breaker.min_sample (" + std::to_string(policy.min_sample) +
                        (min_sample_written ? "" : ", the default") +
                        ") must be at most rollout.breaker.window (" + std::to_string(policy.window) + ")");
  }

  void ReadAlerts(const json& alerts) {
    const std::string p = "/spec/rollout/alerts";
    if (!fields_.CheckKeys(alerts, p, {"webhook", "webhook_env"}, "rollout.alerts")) return;
    RolloutPolicy& policy = m_.rollout;
    fields_.ReadString(alerts, p, "webhook", policy.alert_webhook);
    // The URL is not echoed: a webhook URL is often a secret.
    if (!policy.alert_webhook.empty() && !IsHttpUrl(policy.alert_webhook))
      fields_.Problem(p + "/webhook", "rollout.alerts.webhook must be an http:// or https:// URL");
    fields_.ReadString(alerts, p, "webhook_env", policy.alert_webhook_env);
    if (!policy.alert_webhook_env.empty() && !IsUpperEnvName(policy.alert_webhook_env))
      fields_.Problem(p + "/webhook_env", "'" + policy.alert_webhook_env +
                                              "' is not an environment variable name ([A-Z_][A-Z0-9_]*)");
    if (fields_.Get(alerts, p, "webhook") && fields_.Get(alerts, p, "webhook_env"))
      fields_.Problem(p + "/webhook_env", "rollout.alerts takes webhook or webhook_env, not both",
                      /*at_key=*/true);
  }

  void ReadRetries(const json& retries) {
    const std::string p = "/spec/rollout/retries";
    if (!fields_.CheckKeys(retries, p, {"max", "base", "cap"}, "rollout.retries")) return;
    RetryPolicy& policy = m_.rollout.retries;
    fields_.ReadInt(retries, p, "max", policy.max, 0);
    fields_.ReadDuration(retries, p, "base", policy.base);
    fields_.ReadDuration(retries, p, "cap", policy.cap);
    if (policy.cap < policy.base) {
      fields_.Problem(p + "/cap", "rollout.retries.cap (" + FormatDuration(policy.cap) +
                                      ") must be at least rollout.retries.base (" +
                                      FormatDuration(policy.base) + ")");
    }
  }

  Migration& m_;
  FieldReader fields_;
};

}  // namespace

Result<Migration> ParseMigration(std::string_view text, std::string_view file) {
  ASSIGN_OR_RETURN(std::vector<MarkedDocument> documents, ParseMarkedYaml(text, file));
  std::vector<MarkedDocument*> present;
  for (auto& document : documents) {
    if (!document.value.is_null()) present.push_back(&document);
  }
  if (present.size() != 1) {
    int line = present.size() > 1 ? present[1]->start.line : 0;
    return Status::InvalidInputAt(file, line, 0,
                                  "a manifest is one YAML document; found " + std::to_string(present.size()));
  }
  Migration migration;
  migration.file = std::string(file);
  migration.source = std::move(*present[0]);
  ManifestReader reader(migration);
  RETURN_IF_ERROR(reader.Read());
  return migration;
}

Result<Migration> ReadMigrationFile(const std::filesystem::path& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseMigration(text, path.string());
}

}  // namespace skein
