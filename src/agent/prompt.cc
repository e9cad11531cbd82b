// WritePrompt and FindReferences: what a command agent is told, and where the checkout refers to
// the from-dataset.
#include <algorithm>
#include <set>
#include <sstream>

#include "agent/agent.h"
#include "base/text.h"
#include "discover/reference_matcher.h"
#include "discover/scanner.h"

namespace skein::agent {
namespace {

namespace fs = std::filesystem;

// A table cell: pipes would split the cell, newlines would end the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out.empty() ? "" : "`" + out + "`";
}

std::string TypeOf(const Schema* schema, std::string_view column) {
  if (schema == nullptr) return "";
  const Column* c = schema->Find(column);
  return c == nullptr ? "" : c->type;
}

// What the agent should do with one column op, in words.
std::string WhatToDo(const ColumnOp& op, const std::string& to) {
  switch (op.kind) {
    case ColumnOpKind::kAdd:
      return "new in v2; use it only where the migration needs it";
    case ColumnOpKind::kDrop:
      if (!op.reverse.empty()) return "dropped: replace each use with the reverse expression";
      return "**dropped, no reverse: needs judgement** — find what the consumer computes with it and keep "
             "that result, or leave it and say why";
    case ColumnOpKind::kMap:
      break;
  }
  bool renamed = !to.empty() && to != op.from;
  bool retyped = !op.type.empty();
  if (retyped && !op.reverse.empty()) {
    return std::string(renamed ? "renamed and retyped" : "retyped") +
           ": where the v1 type matters, use the reverse expression";
  }
  if (retyped) return "retyped, no reverse: **needs judgement** where the v1 type matters";
  if (renamed) return "renamed: use the v2 name";
  return "unchanged";
}

void WriteNotes(std::ostringstream& out, const std::vector<FileNote>& notes) {
  for (const auto& n : notes) {
    out << "- `" << n.file << ":" << n.line << ":" << n.col << "`";
    if (!n.text.empty()) out << " " << n.text;
    out << "\n";
  }
}

}  // namespace

Result<std::vector<FileNote>> FindReferences(const vcs::Workspace& workspace, const Migration& migration) {
  ASSIGN_OR_RETURN(DatasetPattern pattern, ParseDatasetPattern(migration.from));
  ReferenceMatcher matcher({pattern});
  std::error_code ec;
  fs::path root = fs::weakly_canonical(workspace.repo, ec);
  if (ec || !fs::is_directory(root, ec))
    return Status::NotFound("checkout " + workspace.repo.string() + " does not exist");
  // The discovery scan itself, so the agent sees exactly the references the campaign found (it
  // skips .git and every hidden folder, symbolic links and binary files the same way).
  ScanOptions options;
  options.threads = 1;
  ScanReport report =
      ScanRepositories({Repository{root.filename().string(), root.string()}}, matcher, options);
  if (report.stats.files_scanned == 0 && !report.warnings.empty()) {
    return Status::IoError("cannot scan " + root.string() + ": " + report.warnings.front());
  }
  std::vector<FileNote> notes;
  notes.reserve(report.references.size());
  for (const Reference& r : report.references) {
    std::string text = r.text;
    std::replace(text.begin(), text.end(), '\n', ' ');
    notes.push_back(FileNote{r.file, static_cast<int>(r.line), static_cast<int>(r.col), std::move(text)});
  }
  return notes;
}

std::string WritePrompt(const AgentTask& task) {
  const Migration& m = *task.migration;
  std::ostringstream out;
  out << "# Move this repository from `" << m.from << "` to `" << m.to << "`\n\n";
  out << "This repository must read `" << m.to << "` instead of `" << m.from
      << "` and compute exactly what it computed before: the same rows, the same values, the same "
         "output columns.\n";
  if (!task.consumer.empty()) out << "\nConsumer: `" << task.consumer << "`.";
  out << "\nAttempt " << task.attempt << ".\n";

  out << "\n## Column mapping\n\n";
  out << "| v1 column | v2 column | v2 type | reverse expression (v1 value over a v2 row) | what to do |\n";
  out << "| --- | --- | --- | --- | --- |\n";
  std::vector<const ColumnOp*> needs_judgement;
  for (const ColumnOp& op : m.columns) {
    if (op.kind == ColumnOpKind::kAdd) continue;
    std::string to = op.kind == ColumnOpKind::kDrop ? "" : (op.to.empty() ? op.from : op.to);
    std::string type = op.type;
    if (type.empty() && op.kind == ColumnOpKind::kMap) {
      type = TypeOf(task.v2_schema, to);
      if (type.empty()) type = TypeOf(task.v1_schema, op.from);
    }
    out << "| " << Cell(op.from) << " | " << (to.empty() ? "(dropped)" : Cell(to)) << " | " << Cell(type)
        << " | " << (op.reverse.empty() ? "(none)" : Cell(op.reverse)) << " | " << WhatToDo(op, to) << " |\n";
    if (op.kind == ColumnOpKind::kDrop && op.reverse.empty()) needs_judgement.push_back(&op);
  }
  out << "\nColumns not listed keep their name and type.\n";
  if (!needs_judgement.empty()) {
    out << "\nDropped without a reverse expression (needs judgement: v2 cannot give the old value):\n";
    for (const ColumnOp* op : needs_judgement) out << "- `" << op->from << "`\n";
  }
  bool any_added = false;
  for (const ColumnOp& op : m.columns) {
    if (op.kind != ColumnOpKind::kAdd) continue;
    if (!any_added) out << "\nAdded in v2 (computed from v1 as shown):\n";
    any_added = true;
    out << "- `" << op.to << "` " << op.type << " = `" << op.using_expr << "`\n";
  }

  out << "\n## Where this repository refers to `" << m.from << "`\n\n";
  if (task.references.empty()) {
    out << "No reference found by skein's scan; check code that builds the name at run time.\n";
  } else {
    WriteNotes(out, task.references);
  }

  out << "\n## What skein's built-in rewriters could not resolve\n\n";
  if (task.open_findings.empty()) {
    out << "Nothing.\n";
  } else {
    WriteNotes(out, task.open_findings);
  }

  if (!task.feedback.empty()) {
    out << "\n## Why the previous attempt failed verification\n\n";
    for (const auto& f : task.feedback) {
      std::string line(Trim(f));
      std::replace(line.begin(), line.end(), '\n', ' ');
      out << "- " << line << "\n";
    }
  }

  out << "\n## Rules\n\n";
  out << "- Change nothing the migration does not need: no reformatting, no refactoring, no unrelated "
         "fixes.\n";
  bool preserve = task.spec != nullptr ? task.spec->preserve_output : m.consumers.preserve_output;
  if (preserve) {
    out << "- Keep output column names: where a renamed column is selected, alias it back to its v1 name "
           "(`account_id AS user_id`).\n";
  }
  out << "- Do not touch tests, CI configuration, or anything outside this folder.\n";
  out << "- Do not commit, push or open a pull request: skein verifies the change and does that.\n";
  out << "- When something cannot be migrated exactly, leave it and explain why in your output.\n";
  return out.str();
}

}  // namespace skein::agent
