// The verifiers, one factory per file; MakeVerifier (verifier.cc) picks by name.
#pragma once

#include <memory>

#include "verify/verifier.h"

namespace skein::verify {

std::unique_ptr<Verifier> MakeParseVerifier();        // parse.cc
std::unique_ptr<Verifier> MakeResidualVerifier();     // residual.cc
std::unique_ptr<Verifier> MakeEquivalenceVerifier();  // equivalence.cc
std::unique_ptr<Verifier> MakeBuildVerifier();        // build.cc
std::unique_ptr<Verifier> MakeScopeVerifier();        // scope.cc

}  // namespace skein::verify
