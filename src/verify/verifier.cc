// MakeVerifier's dispatch and the helpers over a list of results (see verifier.h).
#include "verify/verifier.h"

#include "verify/verifiers.h"

namespace skein::verify {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kNotApplicable:
      break;
  }
  return "not applicable";
}

std::unique_ptr<Verifier> MakeVerifier(std::string_view name) {
  if (name == "parse") return MakeParseVerifier();
  if (name == "residual") return MakeResidualVerifier();
  if (name == "equivalence") return MakeEquivalenceVerifier();
  if (name == "build") return MakeBuildVerifier();
  if (name == "scope") return MakeScopeVerifier();
  return nullptr;
}

std::vector<VerifierResult> RunVerifiers(const std::vector<std::string>& names,
                                         const VerifyContext& context) {
  std::vector<VerifierResult> results;
  for (const std::string& name : names) {
    auto start = std::chrono::steady_clock::now();
    std::unique_ptr<Verifier> verifier = MakeVerifier(name);
    VerifierResult result;
    if (verifier == nullptr) {
      // The manifest reader rejects unknown names; one arriving here is a bug, and a verifier that
      // did not run must never read as a pass.
      result.verifier = name;
      result.outcome = Outcome::kFail;
      result.summary = "unknown verifier \"" + name + "\"";
    } else {
      result = verifier->Verify(context);
      if (result.verifier.empty()) result.verifier = name;
    }
    result.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    results.push_back(std::move(result));
  }
  return results;
}

bool AllPassed(const std::vector<VerifierResult>& results) {
  for (const VerifierResult& result : results) {
    if (result.outcome == Outcome::kFail) return false;
  }
  return true;
}

std::vector<std::string> Feedback(const std::vector<VerifierResult>& results, size_t max_lines) {
  std::vector<std::string> feedback;
  for (const VerifierResult& result : results) {
    if (result.outcome != Outcome::kFail) continue;
    feedback.push_back("verifier " + result.verifier + " failed: " + result.summary);
    size_t shown = std::min(max_lines, result.lines.size());
    for (size_t i = 0; i < shown; ++i) feedback.push_back("  " + result.lines[i]);
    if (shown < result.lines.size()) {
      feedback.push_back("  ... and " + std::to_string(result.lines.size() - shown) + " more");
    }
  }
  return feedback;
}

nlohmann::json ResultsToJson(const std::vector<VerifierResult>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const VerifierResult& result : results) {
    nlohmann::json item = {{"verifier", result.verifier},
                           {"outcome", std::string(OutcomeName(result.outcome))},
                           {"summary", result.summary},
                           {"lines", result.lines},
                           {"elapsed_ms", result.elapsed.count()}};
    if (!result.evidence.is_null()) item["evidence"] = result.evidence;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace skein::verify
