// Internal to rewrite/: the per-kind rewriters RewriteFile dispatches to (besides RewriteSql).
// Each takes the whole file and returns a finished RewriteResult. Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "rewrite/rewrite.h"

namespace skein::rewrite_internal {

// String literals of Python, Scala, Java, Go, JavaScript/TypeScript (code_rewriter.cc).
RewriteResult RewriteCode(FileKind kind, std::string_view text, const RewriteSpec& spec,
                          const RewriteOptions& options);
// YAML, JSON and TOML values (config_rewriter.cc).
RewriteResult RewriteConfig(FileKind kind, std::string_view text, const RewriteSpec& spec,
                            const RewriteOptions& options);
// dbt sources YAML: the table entry and its column entries (dbt_yaml_rewriter.cc).
RewriteResult RewriteDbtSchemaYaml(std::string_view text, const RewriteSpec& spec,
                                   const RewriteOptions& options);

}  // namespace skein::rewrite_internal
