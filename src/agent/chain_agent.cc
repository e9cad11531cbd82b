// The chain agent: the builtin rewriters first (cheap, exact), the command agent only for what
// they leave — findings, or a previous attempt that failed verification. MakeAgent lives here too.
#include <algorithm>

#include "agent/agent.h"
#include "base/version.h"

namespace skein::agent {
namespace {

class ChainAgent : public Agent {
 public:
  ChainAgent(const AgentSpec& spec, const CommandAgentOptions& options)
      : builtin_(MakeBuiltinAgent()), command_(MakeCommandAgent(spec, options)) {}
  std::string Name() const override { return "chain"; }
  // skein's version for the rewriters, the command's executable and its hash for the rest.
  AgentVersion Version() const override {
    AgentVersion version = command_->Version();
    version.kind = Name();
    // The rewriters it runs first are skein's; the command's own version follows when known.
    version.version = version.version.empty() ? std::string(SKEIN_VERSION)
                                              : std::string(SKEIN_VERSION) + " + " + version.version;
    return version;
  }
  Result<AgentOutcome> Run(const AgentTask& task) override;

 private:
  std::unique_ptr<Agent> builtin_;
  std::unique_ptr<Agent> command_;
};

Result<AgentOutcome> ChainAgent::Run(const AgentTask& task) {
  ASSIGN_OR_RETURN(AgentOutcome builtin, builtin_->Run(task));
  AgentOutcome outcome = builtin;
  outcome.agent = Name();
  outcome.log = "== builtin ==\n" + builtin.log;
  if (builtin.findings.empty() && task.feedback.empty()) return outcome;

  AgentTask next = task;
  next.open_findings = builtin.findings;
  // The references as they are after the rewriters: what the command agent still has to move.
  if (task.migration != nullptr) {
    Result<std::vector<FileNote>> left = FindReferences(task.workspace, *task.migration);
    if (left.ok()) next.references = std::move(*left);
  }
  ASSIGN_OR_RETURN(AgentOutcome command, command_->Run(next));
  outcome.ran_command = true;
  outcome.prompt = command.prompt;
  outcome.log += "== command ==\n" + command.log;
  outcome.violations = command.violations;
  outcome.timed_out = command.timed_out;
  outcome.exit_code = command.exit_code;
  // The command agent was told the findings; whether it resolved them is the verifiers' call.
  outcome.findings.clear();
  for (auto& file : command.edited) {
    if (std::find(outcome.edited.begin(), outcome.edited.end(), file) == outcome.edited.end()) {
      outcome.edited.push_back(std::move(file));
    }
  }
  std::sort(outcome.edited.begin(), outcome.edited.end());
  return outcome;
}

}  // namespace

std::unique_ptr<Agent> MakeChainAgent(const AgentSpec& spec, const CommandAgentOptions& options) {
  return std::make_unique<ChainAgent>(spec, options);
}

std::unique_ptr<Agent> MakeAgent(const AgentSpec& spec, const CommandAgentOptions& options) {
  switch (spec.kind) {
    case AgentKind::kBuiltin:
      return MakeBuiltinAgent();
    case AgentKind::kCommand:
      return MakeCommandAgent(spec, options);
    case AgentKind::kChain:
      // A chain with nothing to chain to is the builtin agent: the remaining findings fail the
      // attempt instead of a command that cannot run.
      if (spec.command.empty()) return MakeBuiltinAgent();
      return MakeChainAgent(spec, options);
  }
  return MakeBuiltinAgent();
}

}  // namespace skein::agent
