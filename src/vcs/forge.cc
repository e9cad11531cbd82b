// ForgeKindName and MakeForge (see forge.h): the checks every forge configuration must pass.
#include "vcs/forge.h"

#include <cstdlib>

#include "vcs/forge_http.h"

namespace skein::vcs {

std::string_view ForgeKindName(ForgeKind kind) {
  switch (kind) {
    case ForgeKind::kGit:
      return "git";
    case ForgeKind::kGitHub:
      return "github";
    case ForgeKind::kGitLab:
      return "gitlab";
  }
  return "unknown";
}

Result<std::unique_ptr<Forge>> MakeForge(const ForgeConfig& config, Clock& clock) {
  std::string name(ForgeKindName(config.kind));
  // The git forge pushes from a repository to a remote, which the configuration does not name.
  if (config.kind == ForgeKind::kGit)
    return Status::InvalidInput("git forge: made per repository with MakeGitForge(repo, remote)");
  RETURN_IF_ERROR(ValidateRateLimitPolicy(config.limits).WithContext(name));
  if (config.api_url.empty()) return Status::InvalidInput(name + " forge: no API URL configured");
  RETURN_IF_ERROR(internal::SplitApiUrl(config.api_url).status().WithContext(name));
  if (config.token_env.empty())
    return Status::InvalidInput(name + " forge: no token variable configured (e.g. token_env: " +
                                (config.kind == ForgeKind::kGitHub ? "GITHUB_TOKEN" : "GITLAB_TOKEN") + ")");
  const char* token = std::getenv(config.token_env.c_str());
  if (token == nullptr || *token == '\0')
    return Status::InvalidInput(name + " forge: environment variable " + config.token_env + " is not set");
  if (config.kind == ForgeKind::kGitHub) return internal::MakeGitHubForge(config, token, clock);
  return internal::MakeGitLabForge(config, token, clock);
}

}  // namespace skein::vcs
