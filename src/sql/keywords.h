// SQL keywords: the words skein's lexer tags and its syntax layer steers by.
//
// Only words with a structural meaning to skein are listed. A *reserved* word is never taken
// for a column or an alias unless quoted; a *non-reserved* word carries its Keyword id but may
// still be a column or alias name (`SELECT name, day FROM t`); a *no-bare-alias* word may name a
// column but is not taken for an alias without AS (`count(*) FILTER (...)`, `t SEMI JOIN u`).
//
// Thread-safety: constant data and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace skein::sql {

// X(name, class): class is R (reserved), A (no bare alias) or N (non-reserved).
// clang-format off
#define SKEIN_SQL_KEYWORDS(X) \
  X(ALL, R) X(ALTER, R) X(AND, R) X(ANY, R) X(ARRAY, R) X(AS, R) X(ASC, R) X(BETWEEN, R) X(BY, R)      \
  X(CASE, R) X(CAST, R) X(COLLATE, R) X(CREATE, R) X(CROSS, R) X(CURRENT, R) X(CURRENT_DATE, R)        \
  X(CURRENT_TIME, R) X(CURRENT_TIMESTAMP, R) X(CURRENT_USER, R) X(DEFAULT, R) X(DELETE, R) X(DESC, R)  \
  X(DISTINCT, R) X(DROP, R) X(ELSE, R) X(END, R) X(ESCAPE, R) X(EXCEPT, R) X(EXISTS, R) X(FALSE, R)    \
  X(FETCH, R) X(FOLLOWING, R) X(FOR, R) X(FROM, R) X(FULL, R) X(GLOB, R) X(GROUP, R) X(HAVING, R)      \
  X(ILIKE, R) X(IN, R) X(INNER, R) X(INSERT, R) X(INTERSECT, R) X(INTERVAL, R) X(INTO, R) X(IS, R)     \
  X(JOIN, R) X(LATERAL, R) X(LEFT, R) X(LIKE, R) X(LIMIT, R) X(LOCALTIME, R) X(LOCALTIMESTAMP, R)      \
  X(MERGE, R) X(MINUS, R) X(NATURAL, R) X(NOT, R) X(NULL, R) X(NULLS, R) X(OFFSET, R) X(ON, R)         \
  X(OR, R) X(ORDER, R) X(OUTER, R) X(OVER, R) X(PARTITION, R) X(PIVOT, R) X(PRECEDING, R)              \
  X(QUALIFY, R) X(RANGE, R) X(RETURNING, R) X(RIGHT, R) X(RLIKE, R) X(ROW, R) X(ROWS, R) X(SELECT, R)  \
  X(SESSION_USER, R) X(SET, R) X(SIMILAR, R) X(SOME, R) X(TABLE, R) X(TABLESAMPLE, R) X(THEN, R)       \
  X(TOP, R) X(TRUE, R) X(TRUNCATE, R) X(UNBOUNDED, R) X(UNION, R) X(UNPIVOT, R) X(UPDATE, R)           \
  X(USING, R) X(VALUES, R) X(VIEW, R) X(WHEN, R) X(WHERE, R) X(WINDOW, R) X(WITH, R) X(WITHIN, R)      \
  X(ANTI, A) X(ASOF, A) X(AT, A) X(FILTER, A) X(IGNORE, A) X(POSITIONAL, A) X(RESPECT, A)              \
  X(SAMPLE, A) X(SEMI, A) X(MATCH_RECOGNIZE, A) X(CHANGES, A) X(DAY, N) X(DAYOFWEEK, N)                \
  X(DAYOFYEAR, N) X(DOW, N) X(DOY, N) X(EPOCH, N) X(EXCLUDE, N) X(EXTRACT, N) X(FIRST, N) X(HOUR, N)   \
  X(IF, N) X(ISOWEEK, N) X(ISOYEAR, N) X(LAST, N) X(MATCHED, N) X(MATERIALIZED, N) X(MICROSECOND, N)   \
  X(MILLISECOND, N) X(MINUTE, N) X(MONTH, N) X(NAME, N) X(ONLY, N) X(OVERWRITE, N) X(QUARTER, N)       \
  X(RECURSIVE, N) X(RENAME, N) X(REPLACE, N) X(SAFE_CAST, N) X(SECOND, N) X(TEMP, N) X(TEMPORARY, N)   \
  X(TRANSIENT, N) X(TRY_CAST, N) X(UNNEST, N) X(WEEK, N) X(YEAR, N)
// clang-format on

enum class Keyword : uint16_t {
  kNone = 0,
#define SKEIN_SQL_KEYWORD_ENUM(name, cls) k##name,
  SKEIN_SQL_KEYWORDS(SKEIN_SQL_KEYWORD_ENUM)
#undef SKEIN_SQL_KEYWORD_ENUM
};

enum class KeywordClass : uint8_t { kNone, kReserved, kNoBareAlias, kNonReserved };

// The keyword spelled by `word` in any case, or kNone. Hot path of the lexer: no allocation.
Keyword LookupKeyword(std::string_view word);

KeywordClass ClassOf(Keyword keyword);

// The upper-case spelling ("SELECT"); "" for kNone.
std::string_view KeywordName(Keyword keyword);

// True for the date and time part words (YEAR, DAY, ...), which are arguments, not columns, in
// EXTRACT(YEAR FROM d) or DATE_TRUNC(d, MONTH).
bool IsDatePart(Keyword keyword);

}  // namespace skein::sql
