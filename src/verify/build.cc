// The build verifier: the consumer repository's own checks, run in the checkout.
//
// The command is the consumer's `skein.dev/verify-command` annotation when set, else detected
// from the checkout: a Makefile test target, pytest, npm's test script, sbt, Maven (first match
// wins, in that order). It runs under /bin/sh in a scrubbed environment (PATH and LANG only, HOME
// and TMPDIR in the job's home) with the manifest's time limit. A detected tool that is not
// installed makes the verifier not applicable, never a pass.
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "base/text.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

constexpr std::string_view kVerifyCommandAnnotation = "skein.dev/verify-command";
// A failing build's verdict is at the end of its output.
constexpr size_t kOutputLines = 30;

struct BuildCommand {
  std::string command;  // run by /bin/sh
  std::string origin;   // "skein.dev/verify-command", "Makefile", ...
  std::string missing;  // the tool it needs that is not installed; "" when runnable
};

std::vector<std::string> ScrubbedEnv(const VerifyContext& context) {
  std::vector<std::string> env = InheritedEnv({"PATH", "LANG"});
  if (!context.workspace.home.empty()) {
    env.push_back("HOME=" + context.workspace.home.string());
    env.push_back("TMPDIR=" + context.workspace.home.string());
  }
  return env;
}

// Whether `program` is an executable on the PATH the build will see.
bool OnPath(const std::string& program) {
  std::vector<std::string> path = InheritedEnv({"PATH"});
  if (path.empty()) return false;
  for (const std::string& dir : Split(std::string_view(path[0]).substr(5), ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir) / program;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return true;
  }
  return false;
}

std::optional<std::string> ReadIfExists(const std::filesystem::path& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  return std::move(*text);
}

// A rule `test:` (not a variable assignment `test := ..`).
bool HasMakeTestTarget(std::string_view makefile) {
  for (std::string_view line : Split(makefile, '\n', /*skip_empty=*/false)) {
    if (!line.starts_with("test")) continue;
    std::string_view rest = Trim(line.substr(4));
    if (rest.starts_with(":") && !rest.starts_with(":=") && !rest.starts_with("::=")) return true;
  }
  return false;
}

// test_*.py or *_test.py anywhere but hidden folders and virtual environments, or a tests/ folder.
bool HasPythonTests(const std::filesystem::path& repo) {
  std::error_code ec;
  if (std::filesystem::is_directory(repo / "tests", ec)) return true;
  for (auto it = std::filesystem::recursive_directory_iterator(repo, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && (name.starts_with(".") || name == "node_modules" || name == "venv")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && name.ends_with(".py") &&
        (name.starts_with("test_") || name.ends_with("_test.py"))) {
      return true;
    }
  }
  return false;
}

bool PytestInstalled(const VerifyContext& context) {
  ProcessOptions options;
  options.cwd = context.workspace.repo;
  options.replace_env = true;
  options.env = ScrubbedEnv(context);
  options.timeout = std::chrono::seconds(30);
  Result<ProcessResult> run = RunProcess({"python3", "-m", "pytest", "--version"}, options);
  return run.ok() && run->ok();
}

std::optional<BuildCommand> DetectCommand(const VerifyContext& context) {
  if (context.consumer != nullptr) {
    std::string declared = std::string(Trim(context.consumer->Annotation(kVerifyCommandAnnotation)));
    if (!declared.empty()) return BuildCommand{declared, std::string(kVerifyCommandAnnotation), ""};
  }
  const std::filesystem::path& repo = context.workspace.repo;
  for (const char* name : {"GNUmakefile", "makefile", "Makefile"}) {
    std::optional<std::string> makefile = ReadIfExists(repo / name);
    if (makefile && HasMakeTestTarget(*makefile)) {
      return BuildCommand{"make test", name, OnPath("make") ? "" : "make"};
    }
  }
  if (HasPythonTests(repo)) {
    std::string missing = !OnPath("python3")          ? "python3"
                          : !PytestInstalled(context) ? "the pytest module"
                                                      : "";
    return BuildCommand{"python3 -m pytest -q", "pytest", missing};
  }
  if (std::optional<std::string> package = ReadIfExists(repo / "package.json")) {
    nlohmann::json json = nlohmann::json::parse(*package, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.contains("scripts") && json["scripts"].is_object() &&
        json["scripts"].contains("test")) {
      return BuildCommand{"npm test", "package.json", OnPath("npm") ? "" : "npm"};
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(repo / "build.sbt", ec))
    return BuildCommand{"sbt test", "build.sbt", OnPath("sbt") ? "" : "sbt"};
  if (std::filesystem::exists(repo / "pom.xml", ec))
    return BuildCommand{"mvn -q test", "pom.xml", OnPath("mvn") ? "" : "mvn"};
  return std::nullopt;
}

std::vector<std::string> LastLines(std::string_view text, size_t count) {
  std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return {};
  std::vector<std::string> lines = Split(trimmed, '\n', /*skip_empty=*/false);
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
  return lines;
}

class BuildVerifier : public Verifier {
 public:
  std::string Name() const override { return "build"; }

  VerifierResult Verify(const VerifyContext& context) override {
    VerifierResult result;
    result.verifier = Name();
    std::optional<BuildCommand> build = DetectCommand(context);
    if (!build) {
      result.summary = "no build or test command declared (" + std::string(kVerifyCommandAnnotation) +
                       ") or detected (Makefile test target, pytest, package.json test script, sbt, mvn)";
      return result;
    }
    result.evidence = {{"command", build->command}, {"from", build->origin}};
    if (!build->missing.empty()) {
      result.summary = "`" + build->command + "` (from " + build->origin + ") needs " + build->missing +
                       ", which is not installed";
      return result;
    }
    std::error_code ec;
    if (!context.workspace.home.empty()) std::filesystem::create_directories(context.workspace.home, ec);
    ProcessOptions options;
    options.cwd = context.workspace.repo;
    options.replace_env = true;
    options.env = ScrubbedEnv(context);
    options.timeout = context.settings.build_timeout;
    options.merge_stderr = true;
    Result<ProcessResult> run = RunProcess({"sh", "-c", build->command}, options);
    if (!run.ok()) {
      result.outcome = Outcome::kFail;
      result.summary = "cannot run `" + build->command + "`: " + run.status().message();
      return result;
    }
    result.evidence["exit_code"] = run->exit_code;
    result.evidence["timed_out"] = run->timed_out;
    result.evidence["elapsed_ms"] = run->elapsed.count();
    result.lines = LastLines(run->out, kOutputLines);
    if (run->timed_out) {
      result.outcome = Outcome::kFail;
      result.summary = "`" + build->command + "` did not finish within the " +
                       std::to_string(context.settings.build_timeout.count()) + "s limit";
    } else if (run->exit_code != 0) {
      result.outcome = Outcome::kFail;
      result.summary = "`" + build->command + "` failed with exit code " + std::to_string(run->exit_code);
    } else {
      result.outcome = Outcome::kPass;
      result.summary = "`" + build->command + "` (from " + build->origin + ") passed";
      result.lines.clear();  // a passing build's output is noise in a report
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<Verifier> MakeBuildVerifier() { return std::make_unique<BuildVerifier>(); }

}  // namespace skein::verify
