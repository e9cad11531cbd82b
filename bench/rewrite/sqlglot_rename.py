#!/usr/bin/python3
"""The rewrite benchmark's baseline: the same rename as bench_rewrite, done with sqlglot.

    sqlglot_rename.py CORPUS_DIR [--every K] [--changes OUT.jsonl]

Uses Debian's python3-sqlglot (10.6.3) as its API exists there: sqlglot.parse (postgres),
optimizer.scope.traverse_scope for scopes, then renames in place and regenerates with .sql():
  - every exp.Table naming core.user_profile_v1 (or user_profile_v1) -> user_profile_v2;
  - every exp.Column that belongs to it: qualified by its alias (or table name), or unqualified
    when the target is the only source of its scope having that column (schemas.json), or read
    through a CTE/derived table whose select list passes the renamed column through unchanged
    (what skein does with preserve_output off).
Renames: user_id -> account_id, signup_ts -> signed_up_at, plan -> plan_tier.

Times parse + rename + .sql() per file (reading the file is outside the timing), on every K-th
file of the sorted corpus (--every, default 1), and prints one JSON object: files, bytes,
seconds, MB/s, files that failed to parse. With --changes, one JSON line per file:
{"file", "changes": [{"key": "table:OLD->NEW" | "column:OLD->NEW"}], "error"?}.
"""
import json
import os
import sys
import time

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

TARGET_DB, TARGET_TABLE, NEW_TABLE = "core", "user_profile_v1", "user_profile_v2"
RENAMES = {"user_id": "account_id", "signup_ts": "signed_up_at", "plan": "plan_tier"}


def is_target(table):
    return (table.name.lower() == TARGET_TABLE and
            (not table.args.get("db") or table.text("db").lower() == TARGET_DB))


def table_columns(schemas, table):
    name = ".".join(p for p in (table.text("db"), table.name) if p)
    for key, columns in schemas.items():
        if key == name or key.endswith("." + name):
            return set(columns)
    return None


def rename_file(text, schemas):
    changes = []
    trees = sqlglot.parse(text, read="postgres")
    for tree in trees:
        if tree is None:
            continue
        passthrough = {}  # id(Scope) -> names its output passes through from the target, renamed
        # traverse_scope takes queries only: INSERT .. SELECT gives its SELECT.
        root = tree.expression if isinstance(tree, exp.Insert) else tree
        scopes = traverse_scope(root) if isinstance(root, (exp.Select, exp.Union, exp.Subquery)) else []
        for scope in scopes:
            targets, others = set(), []
            for name, source in scope.sources.items():
                if isinstance(source, exp.Table) and is_target(source):
                    targets.add(name)
                else:
                    others.append((name, source))
            renamed_out = set()
            for column in scope.columns:
                old = column.name
                if old.lower() not in RENAMES:
                    continue
                qualifier = column.table
                via_target = qualifier in targets
                via_scope = False
                if qualifier and not via_target:
                    source = scope.sources.get(qualifier)
                    via_scope = isinstance(source, Scope) and old.lower() in passthrough.get(id(source), ())
                elif not qualifier:
                    owners = 0
                    for name in targets:
                        owners += 1
                    for name, source in others:
                        if isinstance(source, Scope):
                            if old.lower() in passthrough.get(id(source), ()):
                                via_scope = True
                                owners += 1
                            elif old.lower() in {s.lower() for s in source.expression.named_selects}:
                                owners += 1
                        elif isinstance(source, exp.Table):
                            cols = table_columns(schemas, source)
                            if cols is None or old.lower() in cols:
                                owners += 1
                    via_target = bool(targets) and owners == 1 and not via_scope
                    via_scope = via_scope and owners == 1
                if via_target or via_scope:
                    new = RENAMES[old.lower()]
                    column.set("this", exp.to_identifier(new))
                    changes.append("column:%s->%s" % (old.lower(), new))
                    parent = column.parent
                    if isinstance(parent, exp.Select) or (parent is scope.expression):
                        renamed_out.add(old.lower())
            if isinstance(scope.expression, exp.Select):
                for item in scope.expression.expressions:
                    if isinstance(item, exp.Star) and (targets or any(
                            isinstance(s, Scope) and passthrough.get(id(s)) for _, s in others)):
                        renamed_out.update(RENAMES)
            passthrough[id(scope)] = renamed_out
        for table in tree.find_all(exp.Table):
            if is_target(table):
                table.set("this", exp.to_identifier(NEW_TABLE))
                changes.append("table:%s->%s" % (TARGET_TABLE, NEW_TABLE))
    out = ";\n".join(t.sql(dialect="postgres") for t in trees if t is not None)
    return out, changes


def main():
    corpus = sys.argv[1]
    every, changes_path = 1, None
    args = sys.argv[2:]
    while args:
        flag = args.pop(0)
        if flag == "--every":
            every = max(1, int(args.pop(0)))
        elif flag == "--changes":
            changes_path = args.pop(0)
    schemas = json.load(open(os.path.join(corpus, "schemas.json")))
    names = sorted(os.listdir(os.path.join(corpus, "sql")))[::every]
    total_bytes, seconds, failed = 0, 0.0, 0
    lines = []
    for name in names:
        with open(os.path.join(corpus, "sql", name), encoding="utf-8") as f:
            text = f.read()
        start = time.perf_counter()
        record = {"file": name}
        try:
            _, changes = rename_file(text, schemas)
            record["changes"] = [{"key": k} for k in changes]
        except Exception as e:  # sqlglot raises on what it cannot parse
            failed += 1
            record["changes"] = []
            record["error"] = "%s: %s" % (type(e).__name__, str(e)[:200])
        seconds += time.perf_counter() - start
        total_bytes += len(text.encode("utf-8"))
        lines.append(record)
    if changes_path:
        with open(changes_path, "w") as out:
            for record in lines:
                out.write(json.dumps(record) + "\n")
    print(json.dumps({"files": len(names), "every": every, "bytes": total_bytes, "seconds": seconds,
                      "mb_per_s": total_bytes / 1e6 / seconds if seconds else 0,
                      "files_failed": failed, "sqlglot": sqlglot.__version__}))


if __name__ == "__main__":
    main()
