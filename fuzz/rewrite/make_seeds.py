#!/usr/bin/env python3
"""Writes fuzz_rewrite seeds from the rewriter corpus: one file per tests/rewrite/corpus/**.case,
its input prefixed by the byte that picks the case's file kind (kTargets in fuzz_rewrite.cc).
Also writes the inputs, unprefixed, as fuzz_sql seeds when a second folder is given.
  make_seeds.py CORPUS_DIR REWRITE_SEEDS_DIR [SQL_SEEDS_DIR]"""
import pathlib
import sys

DIALECTS = {"ansi": 0, "postgres": 0, "duckdb": 0, "bigquery": 1, "snowflake": 2, "spark": 3}
BY_EXTENSION = {".py": 6, ".scala": 7, ".sc": 7, ".java": 8, ".go": 9, ".js": 10, ".ts": 10,
                ".yaml": 11, ".yml": 11, ".json": 12, ".toml": 13}


def parse(text):
    header, input_lines, section = {}, [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("=== "):
            section = line[4:].strip()
            continue
        if section is None:
            if ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                header[key.strip()] = value.split(" #")[0].strip()
        elif section == "input":
            input_lines.append(line)
    return header, "".join(input_lines).encode()


def selector(header, data):
    path = header.get("file", "")
    ext = pathlib.PurePath(path).suffix.lower()
    if ext == ".sql":
        if b"{{" in data or b"{%" in data:
            return 4
        return DIALECTS.get(header.get("dialect", "ansi"), 0)
    if ext in (".yml", ".yaml") and b"version: 2" in data:
        return 5
    return BY_EXTENSION.get(ext)


def main():
    corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    sql_out = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else None
    out.mkdir(parents=True, exist_ok=True)
    if sql_out:
        sql_out.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in sorted(corpus.rglob("*.case")):
        header, data = parse(case.read_text())
        kind = selector(header, data)
        if kind is None:
            continue
        (out / case.stem).write_bytes(bytes([kind]) + data)
        if sql_out and kind <= 4:
            (sql_out / case.stem).write_bytes(data)
        count += 1
    print(f"make_seeds: {count} seeds in {out}")


if __name__ == "__main__":
    main()
