// The tolerant parser behind ParseSql (see syntax.h). It walks the significant tokens (trivia
// and {% %} / {# #} Jinja dropped) with one cursor; every loop consumes at least one token or
// stops, and nesting deeper than kMaxDepth is skipped, so any input terminates in linear time.
#include "sql/syntax.h"

#include <algorithm>

namespace skein::sql {
namespace {

constexpr int kMaxDepth = 100;

// Scan modes for ScanExpr.
enum ScanFlags : unsigned {
  kStopAtAlias = 1,  // a select item or FROM item: stop at AS and at a bare alias
  kInParens = 2,     // inside ( ), [ ] or { }: only the closing bracket stops the scan
};

// {% .. %}, {# .. #}, and dbt's {{ config(..) }}, which renders to nothing: none is part of the SQL.
bool IsJinjaStatement(std::string_view token_text) {
  if (token_text.size() >= 2 && (token_text[1] == '%' || token_text[1] == '#')) return true;
  size_t i = 2;
  while (i < token_text.size() && (token_text[i] == ' ' || token_text[i] == '-' || token_text[i] == '\n'))
    ++i;
  return token_text.compare(i, 7, "config(") == 0 || token_text.compare(i, 8, "config (") == 0;
}

class Parser {
 public:
  Parser(std::string_view text, SqlSyntax* out) : text_(text), out_(*out), dialect_(out->dialect) {}

  void Run(std::span<const Token> tokens);

 private:
  // --- Cursor ---
  const Token& Peek(size_t k = 0) const { return pos_ + k < sig_.size() ? sig_[pos_ + k] : eof_; }
  bool AtEnd() const { return pos_ >= sig_.size(); }
  std::string_view TextOf(const Token& t) const { return TokenText(text_, t); }
  Keyword Kw(size_t k = 0) const {
    const Token& t = Peek(k);
    return (t.kind == TokenKind::kKeyword || t.kind == TokenKind::kIdentifier) ? t.keyword : Keyword::kNone;
  }
  bool Op(std::string_view op, size_t k = 0) const {
    const Token& t = Peek(k);
    return t.kind == TokenKind::kOperator && TextOf(t) == op;
  }
  bool IsName(size_t k = 0, bool allow_keywords = false) const {
    const Token& t = Peek(k);
    if (t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kQuotedIdentifier) return true;
    return allow_keywords && t.kind == TokenKind::kKeyword;
  }
  bool IsBareAlias(size_t k = 0) const;
  bool StartsQuery(size_t k) const {
    Keyword kw = Kw(k);
    return kw == Keyword::kSELECT || kw == Keyword::kWITH || kw == Keyword::kVALUES ||
           (kw == Keyword::kFROM && dialect_ == Dialect::kAnsi);
  }
  uint32_t PrevEnd() const { return pos_ > 0 ? sig_[pos_ - 1].end : (sig_.empty() ? 0 : sig_[0].begin); }
  Span SpanFrom(size_t start_pos) const {
    uint32_t begin = start_pos < sig_.size() ? sig_[start_pos].begin : PrevEnd();
    return {begin, std::max(begin, PrevEnd())};
  }

  // --- Statements ---
  void ParseStatement();
  int NewBlock(int query, int outer_block);
  int NewStatementBlock(StatementKind kind, size_t start);
  void ParseInsert(size_t start);
  void ParseUpdate(size_t start);
  void ParseDelete(size_t start);
  void ParseMerge(size_t start);
  void ParseCreate(size_t start);
  void ParseDdl(size_t start);
  void ParseAssignments(int block);
  bool ParseTargetTable(int block, TableRole role, bool with_alias);

  // --- Queries ---
  int ParseQuery(int outer_block);
  void ParseCte(int query, bool recursive);
  void ParseSetTerm(int query);
  int ParseSelect(int query);
  void ParseValues(int block);
  void ParseClauses(int block);
  void ParseSelectModifiers(int block);
  void ParseSelectList(int block);
  void ParseStarModifiers(int block, SelectItem* item);
  int LookupCte(const NamePart& name) const;

  // --- FROM ---
  void ParseFromList(int block);
  bool ParseFromItem(int block);
  bool ParseJoinKeywords(bool* natural);
  void ParseAliasAndSuffixes(int block, FromItem* item);
  void ParseJinjaSource(const Token& token, FromItem* item) const;

  // --- Names and expressions ---
  NamePart PartOf(const Token& token) const;
  std::vector<NamePart> ParseNameChain(bool table_name);
  void AppendPart(const Token& token, std::vector<NamePart>* parts) const;
  std::vector<NamePart> ParseNameList();
  void ScanExpr(int block, Clause clause, unsigned flags);
  void ScanOperator(int block, Clause clause, bool* prev_operand);
  bool ScanKeyword(int block, Clause clause, unsigned flags, bool* prev_operand);
  void ScanBrackets(int block, Clause clause);
  void ScanNameOperand(int block, Clause clause, bool in_parens);
  void SkipTypeName();
  void SkipBalanced();
  void SkipToStatementEnd(size_t start);

  std::string_view text_;
  SqlSyntax& out_;
  Dialect dialect_;
  std::vector<Token> sig_;
  Token eof_;
  size_t pos_ = 0;
  int depth_ = 0;
  int case_depth_ = 0;  // open CASE expressions in the current MERGE branch
  bool in_merge_ = false;
  struct CteScope {
    int query;
    size_t visible;  // how many of the query's CTEs are in scope
  };
  std::vector<CteScope> cte_scopes_;
};

// A guard that counts nesting; when too deep the caller skips the construct instead of recursing.
class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
  ~DepthGuard() { --*depth_; }
  bool too_deep() const { return *depth_ > kMaxDepth; }

 private:
  int* depth_;
};

void Parser::Run(std::span<const Token> tokens) {
  sig_.clear();
  sig_.reserve(tokens.size() / 2 + 1);
  for (const Token& t : tokens) {
    if (IsTrivia(t.kind)) continue;
    if (t.kind == TokenKind::kJinja && IsJinjaStatement(TextOf(t))) continue;
    if (t.kind == TokenKind::kError) out_.lex_errors.push_back({t.begin, t.end});
    sig_.push_back(t);
  }
  uint32_t end = tokens.empty() ? 0 : tokens.back().end;
  eof_ = Token{end, end, TokenKind::kWhitespace, 0, Keyword::kNone};
  pos_ = 0;
  while (!AtEnd()) {
    if (Op(";")) {
      ++pos_;
      continue;
    }
    size_t start = pos_;
    ParseStatement();
    if (!AtEnd() && !Op(";")) SkipToStatementEnd(pos_);
    if (pos_ == start) ++pos_;  // never stall
  }
}

void Parser::SkipToStatementEnd(size_t start) {
  pos_ = start;
  while (!AtEnd() && !Op(";")) ++pos_;
  if (pos_ > start) out_.skipped.push_back(SpanFrom(start));
}

bool Parser::IsBareAlias(size_t k) const {
  const Token& t = Peek(k);
  if (t.kind == TokenKind::kQuotedIdentifier) return true;
  if (t.kind != TokenKind::kIdentifier) return false;
  return t.keyword == Keyword::kNone || ClassOf(t.keyword) == KeywordClass::kNonReserved;
}

// ----------------------------------------------------------------------------- statements

void Parser::ParseStatement() {
  size_t start = pos_;
  switch (Kw()) {
    case Keyword::kINSERT:
      return ParseInsert(start);
    case Keyword::kUPDATE:
      return ParseUpdate(start);
    case Keyword::kDELETE:
      return ParseDelete(start);
    case Keyword::kMERGE:
      return ParseMerge(start);
    case Keyword::kCREATE:
      return ParseCreate(start);
    case Keyword::kDROP:
    case Keyword::kALTER:
    case Keyword::kTRUNCATE:
      return ParseDdl(start);
    default:
      break;
  }
  if (StartsQuery(0) || Op("(")) {
    Statement statement;
    statement.kind = StatementKind::kQuery;
    statement.query = ParseQuery(-1);
    statement.span = SpanFrom(start);
    out_.statements.push_back(statement);
  }
}

int Parser::NewBlock(int query, int outer_block) {
  Block block;
  block.query = query;
  block.outer_block = outer_block;
  block.span = {Peek().begin, Peek().begin};
  out_.blocks.push_back(std::move(block));
  return static_cast<int>(out_.blocks.size()) - 1;
}

int Parser::NewStatementBlock(StatementKind kind, size_t start) {
  Statement statement;
  statement.kind = kind;
  statement.block = NewBlock(-1, -1);
  statement.span = SpanFrom(start);
  out_.statements.push_back(statement);
  return statement.block;
}

// Parses the target name of INSERT/UPDATE/DELETE/MERGE/CREATE/DROP into `block`.
bool Parser::ParseTargetTable(int block, TableRole role, bool with_alias) {
  if (Kw() == Keyword::kONLY && IsName(1)) ++pos_;
  size_t start = pos_;
  FromItem item;
  item.role = role;
  if (Peek().kind == TokenKind::kJinja) {
    ParseJinjaSource(Peek(), &item);
    ++pos_;
  } else {
    item.name = ParseNameChain(true);
    if (item.name.empty()) return false;
    item.name_span = SpanFrom(start);
  }
  if (with_alias) {
    if (Kw() == Keyword::kAS && IsName(1, true)) {
      item.alias = PartOf(Peek(1));
      pos_ += 2;
    } else if (IsBareAlias() && Kw() != Keyword::kREPLACE) {
      item.alias = PartOf(Peek());
      ++pos_;
    }
  }
  item.span = SpanFrom(start);
  out_.blocks[block].from.push_back(std::move(item));
  return true;
}

void Parser::ParseInsert(size_t start) {
  ++pos_;  // INSERT
  while (Kw() == Keyword::kOR || Kw() == Keyword::kREPLACE || Kw() == Keyword::kIGNORE) ++pos_;
  if (Kw() == Keyword::kINTO || Kw() == Keyword::kOVERWRITE) ++pos_;
  if (Kw() == Keyword::kTABLE) ++pos_;
  int block = NewStatementBlock(StatementKind::kInsert, start);
  if (!ParseTargetTable(block, TableRole::kWrite, false)) return;
  if (Kw() == Keyword::kAS && IsName(1)) {  // PostgreSQL: INSERT INTO t AS alias
    pos_ += 2;
  }
  if (Kw() == Keyword::kPARTITION) {
    ++pos_;
    ScanBrackets(block, Clause::kOther);
  }
  if (Op("(") && !StartsQuery(1)) {
    ++pos_;
    for (NamePart& part : ParseNameList()) {
      ColumnRef ref{{part}, part.span, Clause::kInsertColumns, block, 0};
      out_.columns.push_back(std::move(ref));
    }
    if (Op(")")) ++pos_;
  }
  if (Kw() == Keyword::kBY && Kw(1) == Keyword::kNAME) pos_ += 2;
  // ParseQuery may add statements (WITH .. INSERT nested in the source): index after it returns.
  size_t statement = out_.statements.size() - 1;
  if (StartsQuery(0) || Op("(")) {
    int query = ParseQuery(-1);
    out_.statements[statement].query = query;
  }
  if (!AtEnd() && !Op(";")) ScanExpr(block, Clause::kOther, 0);  // ON CONFLICT, RETURNING
  out_.statements.back().span = SpanFrom(start);
}

void Parser::ParseAssignments(int block) {
  while (!AtEnd()) {
    if (Op("(")) {  // (a, b) = (..)
      ++pos_;
      for (NamePart& part : ParseNameList()) {
        out_.columns.push_back({{part}, part.span, Clause::kSet, block, 0});
      }
      if (Op(")")) ++pos_;
    } else if (IsName()) {
      size_t start = pos_;
      std::vector<NamePart> parts = ParseNameChain(false);
      // `SET a = ..` names a column of the target; `SET t.a = ..` qualifies it.
      int forced = parts.size() == 1 ? 0 : -1;
      out_.columns.push_back({std::move(parts), SpanFrom(start), Clause::kSet, block, forced});
    } else {
      return;
    }
    if (!Op("=")) return;
    ++pos_;
    ScanExpr(block, Clause::kSet, 0);
    if (!Op(",")) return;
    ++pos_;
  }
}

void Parser::ParseUpdate(size_t start) {
  ++pos_;  // UPDATE
  int block = NewStatementBlock(StatementKind::kUpdate, start);
  if (!ParseTargetTable(block, TableRole::kWrite, true)) return;
  if (Kw() != Keyword::kSET) return;
  ++pos_;
  ParseAssignments(block);
  if (Kw() == Keyword::kFROM) {
    ++pos_;
    ParseFromList(block);
  }
  ParseClauses(block);
  if (Kw() == Keyword::kRETURNING) ScanExpr(block, Clause::kOther, 0);
  out_.statements.back().span = SpanFrom(start);
}

void Parser::ParseDelete(size_t start) {
  ++pos_;  // DELETE
  if (Kw() == Keyword::kFROM) ++pos_;
  int block = NewStatementBlock(StatementKind::kDelete, start);
  if (!ParseTargetTable(block, TableRole::kWrite, true)) return;
  if (Kw() == Keyword::kUSING) {
    ++pos_;
    ParseFromList(block);
  }
  ParseClauses(block);
  if (Kw() == Keyword::kRETURNING) ScanExpr(block, Clause::kOther, 0);
  out_.statements.back().span = SpanFrom(start);
}

void Parser::ParseMerge(size_t start) {
  ++pos_;  // MERGE
  if (Kw() == Keyword::kINTO) ++pos_;
  int block = NewStatementBlock(StatementKind::kMerge, start);
  if (!ParseTargetTable(block, TableRole::kWrite, true)) return;
  if (Kw() != Keyword::kUSING) return;
  ++pos_;
  ParseFromItem(block);
  in_merge_ = true;
  case_depth_ = 0;
  while (!AtEnd() && !Op(";")) {
    Keyword kw = Kw();
    if (kw == Keyword::kSET) {
      ++pos_;
      ParseAssignments(block);
    } else if (kw == Keyword::kINSERT && Op("(", 1)) {
      pos_ += 2;
      for (NamePart& part : ParseNameList()) {
        out_.columns.push_back({{part}, part.span, Clause::kInsertColumns, block, 0});
      }
      if (Op(")")) ++pos_;
    } else if (kw == Keyword::kWHEN) {  // WHEN [NOT] MATCHED [BY SOURCE|TARGET]
      ++pos_;
      if (Kw() == Keyword::kNOT) ++pos_;
      if (Kw() == Keyword::kMATCHED) ++pos_;
      if (Kw() == Keyword::kBY && IsName(1)) pos_ += 2;
    } else {
      size_t before = pos_;
      if (kw == Keyword::kTHEN || kw == Keyword::kUPDATE || kw == Keyword::kDELETE ||
          kw == Keyword::kINSERT) {
        ++pos_;  // the action words; SET and INSERT (..) are handled above
        continue;
      }
      if (kw == Keyword::kON || kw == Keyword::kVALUES || kw == Keyword::kAND) ++pos_;
      ScanExpr(block, Clause::kOther, 0);
      if (pos_ == before) ++pos_;
    }
  }
  in_merge_ = false;
  out_.statements.back().span = SpanFrom(start);
}

void Parser::ParseCreate(size_t start) {
  ++pos_;  // CREATE
  // Modifiers up to TABLE/VIEW: OR REPLACE, TEMP, TRANSIENT, SECURE, MATERIALIZED, ...
  while (!AtEnd() && Kw() != Keyword::kTABLE && Kw() != Keyword::kVIEW &&
         (IsName() || Kw() == Keyword::kOR)) {
    ++pos_;
  }
  if (Kw() != Keyword::kTABLE && Kw() != Keyword::kVIEW) return;
  ++pos_;
  if (Kw() == Keyword::kIF && Kw(1) == Keyword::kNOT && Kw(2) == Keyword::kEXISTS) pos_ += 3;
  int block = NewStatementBlock(StatementKind::kCreate, start);
  if (!ParseTargetTable(block, TableRole::kWrite, false)) return;
  // Column definitions and options, then AS query (or a bare query, as Spark allows).
  while (!AtEnd() && !Op(";")) {
    if (Kw() == Keyword::kAS && (StartsQuery(1) || Op("(", 1))) {
      ++pos_;
      break;
    }
    if (StartsQuery(0) && Kw() != Keyword::kWITH) break;
    if (Op("(") || Op("[")) {
      SkipBalanced();
    } else {
      ++pos_;
    }
  }
  if (StartsQuery(0) || Op("(")) out_.statements.back().query = ParseQuery(-1);
  out_.statements.back().span = SpanFrom(start);
}

void Parser::ParseDdl(size_t start) {
  bool truncate = Kw() == Keyword::kTRUNCATE;
  ++pos_;  // DROP / ALTER / TRUNCATE
  while (Kw() == Keyword::kMATERIALIZED || Kw() == Keyword::kTEMP || Kw() == Keyword::kTEMPORARY) ++pos_;
  if (Kw() == Keyword::kTABLE || Kw() == Keyword::kVIEW) {
    ++pos_;
  } else if (!truncate) {
    return;  // DROP INDEX, ALTER SESSION, ...: nothing skein tracks
  }
  if (Kw() == Keyword::kIF && Kw(1) == Keyword::kEXISTS) pos_ += 2;
  int block = NewStatementBlock(StatementKind::kDdl, start);
  ParseTargetTable(block, TableRole::kDdl, false);
  while (!AtEnd() && !Op(";")) ++pos_;  // the rest of a DDL statement reads no table
  out_.statements.back().span = SpanFrom(start);
}

// ----------------------------------------------------------------------------- queries

int Parser::ParseQuery(int outer_block) {
  DepthGuard guard(&depth_);
  size_t start = pos_;
  out_.queries.push_back(Query{});
  const int q = static_cast<int>(out_.queries.size()) - 1;
  out_.queries[q].outer_block = outer_block;
  if (guard.too_deep()) {
    while (!AtEnd() && !Op(")") && !Op(";")) SkipBalanced();
    out_.too_deep.push_back(SpanFrom(start));
    out_.queries[q].span = SpanFrom(start);
    return q;
  }
  cte_scopes_.push_back({q, 0});
  if (Kw() == Keyword::kWITH) {
    ++pos_;
    bool recursive = Kw() == Keyword::kRECURSIVE && IsName(1, true);
    if (recursive) ++pos_;
    while (IsName()) {
      ParseCte(q, recursive);
      if (!Op(",")) break;
      ++pos_;
    }
  }
  cte_scopes_.back().visible = out_.queries[q].ctes.size();
  switch (Kw()) {  // WITH .. INSERT/UPDATE/DELETE/MERGE (PostgreSQL, DuckDB)
    case Keyword::kINSERT:
      ParseInsert(pos_);
      break;
    case Keyword::kUPDATE:
      ParseUpdate(pos_);
      break;
    case Keyword::kDELETE:
      ParseDelete(pos_);
      break;
    case Keyword::kMERGE:
      ParseMerge(pos_);
      break;
    default:
      ParseSetTerm(q);
  }
  size_t last_term_refs = out_.columns.size();
  for (Keyword kw = Kw();
       kw == Keyword::kUNION || kw == Keyword::kINTERSECT || kw == Keyword::kEXCEPT || kw == Keyword::kMINUS;
       kw = Kw()) {
    ++pos_;
    while (Kw() == Keyword::kALL || Kw() == Keyword::kDISTINCT) ++pos_;
    if (Kw() == Keyword::kBY && Kw(1) == Keyword::kNAME) pos_ += 2;
    size_t before = pos_;
    last_term_refs = out_.columns.size();
    ParseSetTerm(q);
    if (pos_ == before) break;
  }
  Keyword kw = Kw();
  if (kw == Keyword::kORDER || kw == Keyword::kLIMIT || kw == Keyword::kOFFSET || kw == Keyword::kFETCH) {
    if (out_.queries[q].blocks.empty()) {
      int block = NewBlock(q, outer_block);
      out_.queries[q].blocks.push_back(block);
    }
    ParseClauses(out_.queries[q].blocks.back());
  }
  // A set operation's ORDER BY (parsed with its last SELECT) names the operation's output
  // columns, whose names are the first SELECT's.
  const std::vector<int>& blocks = out_.queries[q].blocks;
  if (blocks.size() > 1) {
    for (size_t i = last_term_refs; i < out_.columns.size(); ++i) {
      ColumnRef& ref = out_.columns[i];
      if (ref.clause != Clause::kOrderBy || ref.block != blocks.back()) continue;
      ref.set_output = true;
      ref.block = blocks.front();
    }
  }
  cte_scopes_.pop_back();
  out_.queries[q].span = SpanFrom(start);
  return q;
}

void Parser::ParseCte(int query, bool recursive) {
  size_t start = pos_;
  Cte cte;
  cte.name = PartOf(Peek());
  cte.recursive = recursive;
  ++pos_;
  if (Op("(")) {
    ++pos_;
    cte.columns = ParseNameList();
    if (Op(")")) ++pos_;
  }
  if (Kw() != Keyword::kAS) return;
  ++pos_;
  if (Kw() == Keyword::kNOT) ++pos_;
  if (Kw() == Keyword::kMATERIALIZED) ++pos_;
  const int c = static_cast<int>(out_.ctes.size());
  out_.ctes.push_back(std::move(cte));
  out_.queries[query].ctes.push_back(c);
  // A CTE sees the ones before it, and itself when the WITH is RECURSIVE.
  cte_scopes_.back().visible = out_.queries[query].ctes.size() - (recursive ? 0 : 1);
  if (!Op("(")) return;
  ++pos_;
  int body = ParseQuery(out_.queries[query].outer_block);
  out_.ctes[c].query = body;
  if (Op(")")) ++pos_;
  out_.ctes[c].span = SpanFrom(start);
}

void Parser::ParseSetTerm(int query) {
  int block = -1;
  if (Kw() == Keyword::kSELECT || (Kw() == Keyword::kFROM && dialect_ == Dialect::kAnsi)) {
    block = ParseSelect(query);
  } else if (Kw() == Keyword::kVALUES) {
    block = NewBlock(query, out_.queries[query].outer_block);
    ParseValues(block);
  } else if (Op("(")) {
    ++pos_;
    int sub = ParseQuery(out_.queries[query].outer_block);
    if (out_.queries[query].output_block < 0)
      out_.queries[query].output_block = out_.queries[sub].output_block;
    if (Op(")")) ++pos_;
    return;
  } else {
    return;
  }
  out_.queries[query].blocks.push_back(block);
  if (out_.queries[query].output_block < 0) out_.queries[query].output_block = block;
}

void Parser::ParseSelectModifiers(int block) {
  for (;;) {
    if (Kw() == Keyword::kDISTINCT) {
      ++pos_;
      if (Kw() == Keyword::kON && Op("(", 1)) {
        ++pos_;
        ScanBrackets(block, Clause::kSelect);
      }
    } else if (Kw() == Keyword::kALL) {
      ++pos_;
    } else if (Kw() == Keyword::kTOP) {
      ++pos_;
      if (Op("(")) {
        ScanBrackets(block, Clause::kLimit);
      } else if (Peek().kind == TokenKind::kNumber) {
        ++pos_;
      }
    } else if (Kw() == Keyword::kAS && IsName(1) && !Op(",", 2)) {  // BigQuery SELECT AS STRUCT
      pos_ += 2;
    } else {
      return;
    }
  }
}

int Parser::ParseSelect(int query) {
  size_t start = pos_;
  const int b = NewBlock(query, out_.queries[query].outer_block);
  if (Kw() == Keyword::kFROM) {  // DuckDB: FROM t [SELECT ..]
    ++pos_;
    ParseFromList(b);
  }
  if (Kw() == Keyword::kSELECT) {
    ++pos_;
    ParseSelectModifiers(b);
    ParseSelectList(b);
    if (Kw() == Keyword::kINTO) {  // SELECT .. INTO new_table: a target, not a source
      ++pos_;
      while (IsName(0) || Op(",") || Op(".")) ++pos_;
    }
    if (Kw() == Keyword::kFROM) {
      ++pos_;
      ParseFromList(b);
    }
  }
  ParseClauses(b);
  out_.blocks[b].span = SpanFrom(start);
  return b;
}

void Parser::ParseValues(int block) {
  size_t start = pos_;
  ++pos_;  // VALUES
  while (Op("(")) {
    ScanBrackets(block, Clause::kValues);
    if (!Op(",")) break;
    ++pos_;
  }
  out_.blocks[block].span = SpanFrom(start);
}

void Parser::ParseClauses(int block) {
  while (!AtEnd()) {
    switch (Kw()) {
      case Keyword::kWHERE:
        ++pos_;
        ScanExpr(block, Clause::kWhere, 0);
        break;
      case Keyword::kGROUP:
      case Keyword::kORDER: {
        if (Kw(1) != Keyword::kBY) return;
        Clause clause = Kw() == Keyword::kGROUP ? Clause::kGroupBy : Clause::kOrderBy;
        pos_ += 2;
        while (true) {  // a list: GROUP BY a, b / ORDER BY a DESC, b
          ScanExpr(block, clause, 0);
          if (!Op(",")) break;
          ++pos_;
        }
        break;
      }
      case Keyword::kHAVING:
        ++pos_;
        ScanExpr(block, Clause::kHaving, 0);
        break;
      case Keyword::kQUALIFY:
        ++pos_;
        ScanExpr(block, Clause::kQualify, 0);
        break;
      case Keyword::kWINDOW:
        ++pos_;
        while (IsName() && Kw(1) == Keyword::kAS && Op("(", 2)) {
          pos_ += 2;
          ScanBrackets(block, Clause::kWindow);
          if (!Op(",")) break;
          ++pos_;
        }
        break;
      case Keyword::kLIMIT:
      case Keyword::kOFFSET:
      case Keyword::kFETCH:
        ++pos_;
        ScanExpr(block, Clause::kLimit, 0);
        break;
      default:
        return;
    }
  }
}

void Parser::ParseSelectList(int block) {
  while (!AtEnd() && Kw() != Keyword::kFROM) {
    size_t start = pos_;
    SelectItem item;
    size_t k = 0;  // a qualified star: name (. name)* . *
    while (IsName(k, k > 0) && Op(".", k + 1)) k += 2;
    if (Op("*") || (k > 0 && Op("*", k))) {
      if (k > 0) item.star_qualifier = ParseNameChain(false);
      if (Op(".")) ++pos_;
      ++pos_;  // *
      item.star = true;
      item.span = SpanFrom(start);
      ParseStarModifiers(block, &item);
    } else {
      size_t refs_before = out_.columns.size();
      ScanExpr(block, Clause::kSelect, kStopAtAlias);
      if (pos_ == start) break;
      item.span = SpanFrom(start);
      if (out_.columns.size() == refs_before + 1 && out_.columns.back().span == item.span) {
        item.column_ref = static_cast<int>(refs_before);
      }
      if (Kw() == Keyword::kAS && IsName(1, true)) {
        item.alias = PartOf(Peek(1));
        pos_ += 2;
      } else if (IsBareAlias()) {
        item.alias = PartOf(Peek());
        ++pos_;
      }
    }
    out_.blocks[block].select.push_back(std::move(item));
    if (!Op(",")) break;
    ++pos_;
  }
}

void Parser::ParseStarModifiers(int block, SelectItem* item) {
  size_t start = pos_;
  auto add_ref = [&](const NamePart& name) {
    ColumnRef ref{item->star_qualifier, name.span, Clause::kStarModifier, block};
    ref.parts.push_back(name);
    out_.columns.push_back(std::move(ref));
  };
  for (;;) {
    Keyword kw = Kw();
    if ((kw == Keyword::kEXCEPT && Op("(", 1) && !StartsQuery(2)) || kw == Keyword::kEXCLUDE) {
      ++pos_;
      if (Op("(")) {
        ++pos_;
        for (const NamePart& name : ParseNameList()) add_ref(name);
        if (Op(")")) ++pos_;
      } else if (IsName()) {
        add_ref(PartOf(Peek()));
        ++pos_;
      }
    } else if ((kw == Keyword::kREPLACE || kw == Keyword::kRENAME) && Op("(", 1)) {
      pos_ += 2;
      while (!AtEnd() && !Op(")") && !Op(";")) {
        size_t before = pos_;
        if (kw == Keyword::kRENAME && IsName()) {
          add_ref(PartOf(Peek()));
          ++pos_;
        } else {
          ScanExpr(block, Clause::kSelect, kStopAtAlias);
        }
        if (Kw() == Keyword::kAS && IsName(1, true)) {
          if (kw == Keyword::kREPLACE) add_ref(PartOf(Peek(1)));
          pos_ += 2;
        }
        if (Op(",")) ++pos_;
        if (pos_ == before) break;
      }
      if (Op(")")) ++pos_;
    } else if ((kw == Keyword::kILIKE || kw == Keyword::kLIKE) && Peek(1).kind == TokenKind::kString) {
      pos_ += 2;
    } else {
      break;
    }
  }
  if (pos_ > start) item->star_modifiers = SpanFrom(start);
}

int Parser::LookupCte(const NamePart& name) const {
  for (auto scope = cte_scopes_.rbegin(); scope != cte_scopes_.rend(); ++scope) {
    const std::vector<int>& ctes = out_.queries[scope->query].ctes;
    for (size_t i = std::min(scope->visible, ctes.size()); i-- > 0;) {
      if (SameName(out_.ctes[ctes[i]].name.text(), name.text(), NameKind::kAlias, dialect_)) return ctes[i];
    }
  }
  return -1;
}

// ----------------------------------------------------------------------------- FROM

void Parser::ParseFromList(int block) {
  if (!ParseFromItem(block)) return;
  while (!AtEnd()) {
    if (Op(",")) {
      ++pos_;
      if (!ParseFromItem(block)) return;
      continue;
    }
    bool natural = false;
    if (!ParseJoinKeywords(&natural)) return;
    if (!ParseFromItem(block)) return;
    out_.blocks[block].from.back().natural_join = natural;
    if (Kw() == Keyword::kON) {
      ++pos_;
      ScanExpr(block, Clause::kJoinOn, 0);
    } else if (Kw() == Keyword::kUSING && Op("(", 1)) {
      pos_ += 2;
      std::vector<NamePart> names = ParseNameList();
      out_.blocks[block].from.back().using_columns = std::move(names);
      if (Op(")")) ++pos_;
    }
  }
}

bool Parser::ParseJoinKeywords(bool* natural) {
  size_t save = pos_;
  for (;;) {
    switch (Kw()) {
      case Keyword::kJOIN:
        ++pos_;
        return true;
      case Keyword::kNATURAL:
        *natural = true;
        [[fallthrough]];
      case Keyword::kINNER:
      case Keyword::kLEFT:
      case Keyword::kRIGHT:
      case Keyword::kFULL:
      case Keyword::kOUTER:
      case Keyword::kCROSS:
      case Keyword::kSEMI:
      case Keyword::kANTI:
      case Keyword::kASOF:
      case Keyword::kPOSITIONAL:
        ++pos_;
        break;
      default:
        pos_ = save;
        return false;
    }
  }
}

bool Parser::ParseFromItem(int block) {
  DepthGuard guard(&depth_);
  size_t start = pos_;
  if (guard.too_deep()) {
    SkipBalanced();
    out_.too_deep.push_back(SpanFrom(start));
    return false;
  }
  FromItem item;
  bool lateral = Kw() == Keyword::kLATERAL;
  if (lateral) ++pos_;
  if (Kw() == Keyword::kONLY && IsName(1)) ++pos_;
  if (Op("(")) {
    size_t k = 1;
    while (Op("(", k)) ++k;
    if (!StartsQuery(k)) {  // a parenthesized join: (a JOIN b ON ..)
      ++pos_;
      ParseFromList(block);
      if (Op(")")) ++pos_;
      return true;
    }
    ++pos_;
    item.kind = SourceKind::kDerived;
    item.query = ParseQuery(lateral ? block : out_.blocks[block].outer_block);
    if (Op(")")) ++pos_;
  } else if (Peek().kind == TokenKind::kJinja) {
    ParseJinjaSource(Peek(), &item);
    ++pos_;
  } else if (Kw() == Keyword::kTABLE && Op("(", 1)) {
    ++pos_;
    item.kind = SourceKind::kFunction;
    ScanBrackets(block, Clause::kFrom);
  } else if (IsName()) {
    size_t name_start = pos_;
    item.name = ParseNameChain(true);
    item.name_span = SpanFrom(name_start);
    if (Op("(")) {
      item.kind = SourceKind::kFunction;
      ScanBrackets(block, Clause::kFrom);
    } else if (item.name.size() == 1) {
      item.cte = LookupCte(item.name.front());
    }
  } else {
    pos_ = start;
    return false;
  }
  ParseAliasAndSuffixes(block, &item);
  item.span = SpanFrom(start);
  out_.blocks[block].from.push_back(std::move(item));
  return true;
}

void Parser::ParseAliasAndSuffixes(int block, FromItem* item) {
  for (int round = 0; round < 8 && !AtEnd(); ++round) {
    Keyword kw = Kw();
    if (kw == Keyword::kFOR && IsName(1) && Kw(2) == Keyword::kAS) {  // FOR SYSTEM_TIME AS OF ..
      pos_ += 4;
      ScanExpr(block, Clause::kFrom, kStopAtAlias);
    } else if (kw == Keyword::kTABLESAMPLE || kw == Keyword::kSAMPLE) {
      ++pos_;
      if (IsName() && Op("(", 1)) ++pos_;
      if (Op("(")) ScanBrackets(block, Clause::kOther);
    } else if ((kw == Keyword::kAT || kw == Keyword::kCHANGES || kw == Keyword::kPIVOT ||
                kw == Keyword::kUNPIVOT || kw == Keyword::kMATCH_RECOGNIZE) &&
               Op("(", 1)) {
      ++pos_;
      ScanBrackets(block, Clause::kFrom);
    } else if (kw == Keyword::kWITH && (Kw(1) == Keyword::kOFFSET || IsName(1))) {  // WITH OFFSET/ORDINALITY
      pos_ += 2;
      if (Kw() == Keyword::kAS && IsName(1, true)) pos_ += 2;
    } else if (!item->alias && Kw() == Keyword::kAS && IsName(1, true)) {
      item->alias = PartOf(Peek(1));
      pos_ += 2;
    } else if (!item->alias && IsBareAlias()) {
      item->alias = PartOf(Peek());
      ++pos_;
    } else {
      return;
    }
    if (item->alias && item->column_aliases.empty() && Op("(") && IsName(1, true)) {
      ++pos_;
      item->column_aliases = ParseNameList();
      if (Op(")")) ++pos_;
    }
  }
}

// {{ source('core', 'users') }} and {{ ref('model') }} name tables; other {{ }} stay opaque.
void Parser::ParseJinjaSource(const Token& token, FromItem* item) const {
  item->kind = SourceKind::kJinja;
  item->name_span = {token.begin, token.end};
  std::string_view body = TokenText(text_, token);
  if (body.size() < 4 || body[1] != '{') return;
  size_t i = 2;
  auto skip_space = [&] {
    while (i < body.size() && (body[i] == ' ' || body[i] == '-' || body[i] == '\n' || body[i] == '\t')) ++i;
  };
  skip_space();
  JinjaCall call = JinjaCall::kNone;
  if (body.compare(i, 6, "source") == 0) {
    call = JinjaCall::kSource;
    i += 6;
  } else if (body.compare(i, 3, "ref") == 0) {
    call = JinjaCall::kRef;
    i += 3;
  }
  skip_space();
  if (call == JinjaCall::kNone || i >= body.size() || body[i] != '(') return;
  ++i;
  std::vector<NamePart> args;
  for (;;) {
    skip_space();
    if (i >= body.size() || (body[i] != '\'' && body[i] != '"')) break;
    size_t close = body.find(body[i], i + 1);
    if (close == std::string_view::npos) return;
    NamePart part;
    part.name = std::string(body.substr(i + 1, close - i - 1));
    part.span = {static_cast<uint32_t>(token.begin + i + 1), static_cast<uint32_t>(token.begin + close)};
    args.push_back(std::move(part));
    i = close + 1;
    skip_space();
    if (i >= body.size() || body[i] != ',') break;
    ++i;
  }
  if (call == JinjaCall::kSource && args.size() != 2) return;
  if (call == JinjaCall::kRef && (args.empty() || args.size() > 2)) return;
  if (call == JinjaCall::kRef) args.erase(args.begin(), args.end() - 1);  // ref('package', 'model')
  item->kind = SourceKind::kTable;
  item->jinja = call;
  item->name = std::move(args);
}

// ----------------------------------------------------------------------------- names, expressions

NamePart Parser::PartOf(const Token& token) const {
  NamePart part;
  part.name = IdentifierName(text_, token, dialect_);
  part.quoted = token.kind == TokenKind::kQuotedIdentifier;
  part.span = {token.begin, token.end};
  return part;
}

void Parser::AppendPart(const Token& token, std::vector<NamePart>* parts) const {
  NamePart part = PartOf(token);
  // [project:dataset.table] (legacy SQL) separates the project with a colon.
  const char* separators = text_[token.begin] == '[' ? ".:" : ".";
  bool path = part.quoted && RulesOf(dialect_).quoted_identifier_is_path && !(token.detail & kHasEscapes) &&
              part.name.find_first_of(separators) != std::string::npos;
  if (!path) {
    parts->push_back(std::move(part));
    return;
  }
  // `project.dataset.table`: one token, several parts, each spanning its bytes inside the quotes.
  uint32_t offset = token.begin + 1;
  size_t from = 0;
  for (;;) {
    size_t dot = part.name.find_first_of(separators, from);
    size_t piece_end = dot == std::string::npos ? part.name.size() : dot;
    NamePart piece;
    piece.name = part.name.substr(from, piece_end - from);
    piece.quoted = true;
    piece.in_quoted_path = true;
    piece.span = {static_cast<uint32_t>(offset + from), static_cast<uint32_t>(offset + piece_end)};
    parts->push_back(std::move(piece));
    if (dot == std::string::npos) return;
    from = dot + 1;
  }
}

std::vector<NamePart> Parser::ParseNameChain(bool table_name) {
  std::vector<NamePart> parts;
  if (!IsName(0, false)) return parts;
  AppendPart(Peek(), &parts);
  ++pos_;
  const bool dashes = table_name && RulesOf(dialect_).dashes_in_table_names;
  for (;;) {
    // BigQuery: my-project.dataset.table, the dashes touching both neighbours.
    while (dashes && Op("-") && Peek().begin == parts.back().span.end && !parts.back().quoted &&
           (Peek(1).kind == TokenKind::kIdentifier || Peek(1).kind == TokenKind::kNumber) &&
           Peek(1).begin == Peek().end) {
      parts.back().name += "-";
      parts.back().name += TextOf(Peek(1));
      parts.back().span.end = Peek(1).end;
      pos_ += 2;
    }
    if (!Op(".") || !IsName(1, true)) return parts;
    AppendPart(Peek(1), &parts);
    pos_ += 2;
  }
}

std::vector<NamePart> Parser::ParseNameList() {
  std::vector<NamePart> names;
  while (IsName(0, true)) {
    names.push_back(PartOf(Peek()));
    ++pos_;
    while (!AtEnd() && !Op(",") && !Op(")") && !Op(";")) SkipBalanced();  // a type after the name
    if (!Op(",")) break;
    ++pos_;
  }
  return names;
}

bool IsStopKeyword(Keyword kw) {
  switch (kw) {
    case Keyword::kFROM:
    case Keyword::kWHERE:
    case Keyword::kGROUP:
    case Keyword::kHAVING:
    case Keyword::kQUALIFY:
    case Keyword::kWINDOW:
    case Keyword::kORDER:
    case Keyword::kLIMIT:
    case Keyword::kOFFSET:
    case Keyword::kFETCH:
    case Keyword::kUNION:
    case Keyword::kINTERSECT:
    case Keyword::kEXCEPT:
    case Keyword::kMINUS:
    case Keyword::kINTO:
    case Keyword::kON:
    case Keyword::kUSING:
    case Keyword::kJOIN:
    case Keyword::kINNER:
    case Keyword::kLEFT:
    case Keyword::kRIGHT:
    case Keyword::kFULL:
    case Keyword::kCROSS:
    case Keyword::kNATURAL:
    case Keyword::kSELECT:
    case Keyword::kWITH:
    case Keyword::kSET:
    case Keyword::kRETURNING:
    case Keyword::kVALUES:
    case Keyword::kLATERAL:
    case Keyword::kTABLESAMPLE:
    case Keyword::kFOR:
      return true;
    default:
      return false;
  }
}

bool EndsOperand(Keyword kw) {
  switch (kw) {
    case Keyword::kEND:
    case Keyword::kNULL:
    case Keyword::kTRUE:
    case Keyword::kFALSE:
    case Keyword::kCURRENT_DATE:
    case Keyword::kCURRENT_TIME:
    case Keyword::kCURRENT_TIMESTAMP:
    case Keyword::kCURRENT_USER:
    case Keyword::kSESSION_USER:
    case Keyword::kLOCALTIME:
    case Keyword::kLOCALTIMESTAMP:
      return true;
    default:
      return false;
  }
}

bool IsWordTo(std::string_view word) {
  return word.size() == 2 && (word[0] | 0x20) == 't' && (word[1] | 0x20) == 'o';
}

void Parser::ScanOperator(int block, Clause clause, bool* prev_operand) {
  std::string_view op = TextOf(Peek());
  if (op == "(" || op == "[" || op == "{") {
    if (op == "(" && StartsQuery(1)) {  // a subquery: it sees this block's scope
      ++pos_;
      ParseQuery(block);
      if (Op(")")) ++pos_;
    } else {
      ScanBrackets(block, clause);
    }
    *prev_operand = true;
    return;
  }
  ++pos_;
  if (op == "::") {
    SkipTypeName();
    *prev_operand = true;
  } else if ((op == ":" || op == ".") && *prev_operand && IsName(0, true)) {
    // v:field.sub (Snowflake paths), (expr).field: field names, not columns.
    ++pos_;
    while (Op(".") && IsName(1, true)) pos_ += 2;
  } else {
    *prev_operand = false;
  }
}

// Handles a keyword inside an expression; false when it ends the expression.
bool Parser::ScanKeyword(int block, Clause clause, unsigned flags, bool* prev_operand) {
  const bool in_parens = flags & kInParens;
  const Keyword kw = Peek().keyword;
  const bool function_call = (kw == Keyword::kLEFT || kw == Keyword::kRIGHT) && Op("(", 1);
  if (!in_parens && !function_call && IsStopKeyword(kw)) return false;
  if (kw == Keyword::kCASE) ++case_depth_;
  if (kw == Keyword::kEND && case_depth_ > 0) --case_depth_;
  // MERGE .. THEN UPDATE SET a = 1 WHEN ..: the WHEN of the next branch, not of a CASE.
  if (kw == Keyword::kWHEN && in_merge_ && !in_parens && case_depth_ == 0) return false;
  if (kw == Keyword::kAS) {
    if (!in_parens && (flags & kStopAtAlias)) return false;
    ++pos_;
    // CAST(x AS type), STRUCT(x AS name): what follows AS up to , or ) names no column.
    while (!AtEnd() && !Op(",") && !Op(")") && !Op("]") && !Op(";")) SkipBalanced();
    *prev_operand = true;
    return true;
  }
  ++pos_;
  *prev_operand = true;
  if (function_call) {
    ScanBrackets(block, clause);
  } else if (kw == Keyword::kINTERVAL) {  // INTERVAL '1' DAY, INTERVAL 1 YEAR TO MONTH
    if (Peek().kind == TokenKind::kString || Peek().kind == TokenKind::kNumber) ++pos_;
    while (IsDatePart(Kw()) || (Peek().kind == TokenKind::kIdentifier && IsWordTo(TextOf(Peek())))) ++pos_;
  } else if (kw == Keyword::kNULLS) {
    if (Kw() == Keyword::kFIRST || Kw() == Keyword::kLAST) ++pos_;
  } else if (kw == Keyword::kOVER && IsName()) {
    ++pos_;  // OVER named_window
  } else {
    *prev_operand = EndsOperand(kw);
  }
  return true;
}

void Parser::ScanExpr(int block, Clause clause, unsigned flags) {
  const bool in_parens = flags & kInParens;
  bool prev_operand = false;
  while (!AtEnd()) {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kOperator: {
        std::string_view op = TextOf(t);
        if (op == ")" || op == "]" || op == "}" || op == ";" || (op == "," && !in_parens)) return;
        ScanOperator(block, clause, &prev_operand);
        break;
      }
      case TokenKind::kKeyword:
        if (!ScanKeyword(block, clause, flags, &prev_operand)) return;
        break;
      case TokenKind::kIdentifier:
      case TokenKind::kQuotedIdentifier:
        if (prev_operand && !in_parens && (flags & kStopAtAlias) && IsBareAlias()) return;
        if (prev_operand && ClassOf(t.keyword) == KeywordClass::kNoBareAlias) {  // FILTER (..), IGNORE NULLS
          ++pos_;
          prev_operand = false;
          break;
        }
        ScanNameOperand(block, clause, in_parens);
        prev_operand = true;
        break;
      default:  // string, number, parameter, Jinja, error
        ++pos_;
        prev_operand = true;
    }
  }
}

void Parser::ScanNameOperand(int block, Clause clause, bool in_parens) {
  size_t start = pos_;
  if (Peek().kind == TokenKind::kIdentifier && Peek(1).kind == TokenKind::kString) {
    pos_ += 2;  // a typed literal: DATE '2024-01-01'
    return;
  }
  std::vector<NamePart> parts = ParseNameChain(false);
  if (Op("(")) {  // a function call
    ScanBrackets(block, clause);
    return;
  }
  if (Op(".") && Op("*", 1)) {  // COUNT(t.*)
    pos_ += 2;
    return;
  }
  if (Op("=>")) return;  // a named argument
  if (in_parens && parts.size() == 1 && Op("->") && Peek(1).kind != TokenKind::kString) {
    return;  // a lambda parameter: x -> x + 1
  }
  if (clause == Clause::kLimit || parts.empty()) return;
  out_.columns.push_back({std::move(parts), SpanFrom(start), clause, block});
}

void Parser::ScanBrackets(int block, Clause clause) {
  DepthGuard guard(&depth_);
  if (guard.too_deep()) {
    size_t start = pos_;
    SkipBalanced();
    out_.too_deep.push_back(SpanFrom(start));
    return;
  }
  ++pos_;  // ( [ {
  ScanExpr(block, clause, kInParens);
  if (Op(")") || Op("]") || Op("}")) ++pos_;
}

void Parser::SkipTypeName() {
  if (!IsName(0, true)) return;
  ++pos_;
  while (Op(".") && IsName(1, true)) pos_ += 2;
  while (Op("(") || Op("[")) SkipBalanced();
}

// Skips one token, or a whole bracketed group when at an opening bracket; stops at `;`.
void Parser::SkipBalanced() {
  int depth = 0;
  while (!AtEnd() && !Op(";")) {
    if (Op("(") || Op("[") || Op("{")) {
      ++depth;
    } else if (Op(")") || Op("]") || Op("}")) {
      --depth;
    }
    ++pos_;
    if (depth <= 0) return;
  }
}

}  // namespace

// Along any chain of active DepthGuards, a level is entered at or just after an opening bracket
// it consumes, or is a query begun by the statement itself or after a WITH/INSERT/.. keyword, or
// is a FROM item whose parent is one of those: so depth <= 2 * (brackets + keywords + 1).
bool MayNestTooDeeply(std::string_view text, std::span<const Token> tokens) {
  int openers = 0;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kOperator) {
      char c = text[t.begin];
      openers += c == '(' || c == '[' || c == '{';
    } else if (t.kind == TokenKind::kKeyword || t.kind == TokenKind::kIdentifier) {
      Keyword kw = t.keyword;
      openers += kw == Keyword::kWITH || kw == Keyword::kINSERT || kw == Keyword::kUPDATE ||
                 kw == Keyword::kDELETE || kw == Keyword::kMERGE || kw == Keyword::kCREATE;
    }
  }
  return 3 * (openers + 2) > kMaxDepth;  // 3, not 2: a margin for the argument above
}

SqlSyntax ParseSql(std::string_view text, Dialect dialect) {
  SqlSyntax syntax;
  syntax.dialect = dialect;
  std::vector<Token> tokens = Lex(text, dialect);
  ParseTokens(text, tokens, &syntax);
  return syntax;
}

void ParseTokens(std::string_view text, std::span<const Token> tokens, SqlSyntax* out) {
  Parser parser(text, out);
  parser.Run(tokens);
}

std::vector<NamePart> ParseTableName(std::string_view name, Dialect dialect) {
  constexpr std::string_view kPrefix = "SELECT * FROM ";
  std::string statement(kPrefix);
  statement += name;
  SqlSyntax parsed = ParseSql(statement, dialect);
  if (parsed.blocks.size() != 1 || parsed.blocks[0].from.size() != 1) return {};
  const FromItem& item = parsed.blocks[0].from[0];
  if (item.kind != SourceKind::kTable || item.alias || item.jinja != JinjaCall::kNone ||
      item.span.end != statement.size()) {
    return {};
  }
  std::vector<NamePart> parts = item.name;
  for (NamePart& part : parts) {  // spans relative to `name`
    part.span.begin -= kPrefix.size();
    part.span.end -= kPrefix.size();
  }
  return parts;
}

std::string_view ClauseName(Clause clause) {
  switch (clause) {
    case Clause::kSelect:
      return "SELECT";
    case Clause::kFrom:
      return "FROM";
    case Clause::kJoinOn:
      return "JOIN ON";
    case Clause::kUsing:
      return "USING";
    case Clause::kWhere:
      return "WHERE";
    case Clause::kGroupBy:
      return "GROUP BY";
    case Clause::kHaving:
      return "HAVING";
    case Clause::kQualify:
      return "QUALIFY";
    case Clause::kWindow:
      return "WINDOW";
    case Clause::kOrderBy:
      return "ORDER BY";
    case Clause::kLimit:
      return "LIMIT";
    case Clause::kStarModifier:
      return "* modifier";
    case Clause::kValues:
      return "VALUES";
    case Clause::kInsertColumns:
      return "INSERT columns";
    case Clause::kSet:
      return "SET";
    case Clause::kOther:
      break;
  }
  return "other";
}

}  // namespace skein::sql
