// DatasetLocation::Parse, ParseSchemaAnnotation, Schema::Find and the SQL text helpers: no
// engine involved.
#include <gtest/gtest.h>

#include "data/postgres_schema.h"
#include "data/sql_text.h"
#include "data/warehouse.h"

namespace skein {
namespace {

TEST(DatasetLocation, ParsesEveryPrefixedFormat) {
  auto parquet = DatasetLocation::Parse("parquet:warehouse/core/user_profile_v1");
  ASSERT_TRUE(parquet.ok()) << parquet.status().message();
  EXPECT_EQ(parquet->format, DatasetLocation::Format::kParquet);
  EXPECT_EQ(parquet->path, "warehouse/core/user_profile_v1");

  auto csv = DatasetLocation::Parse("  csv:data/*.csv ");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->format, DatasetLocation::Format::kCsv);
  EXPECT_EQ(csv->path, "data/*.csv");

  auto json = DatasetLocation::Parse("json:events.jsonl");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->format, DatasetLocation::Format::kJson);

  auto duck = DatasetLocation::Parse("duckdb:warehouse.duckdb#core.users");
  ASSERT_TRUE(duck.ok()) << duck.status().message();
  EXPECT_EQ(duck->format, DatasetLocation::Format::kDuckDb);
  EXPECT_EQ(duck->path, "warehouse.duckdb");
  EXPECT_EQ(duck->table, "core.users");

  auto pg = DatasetLocation::Parse("postgresql://u:secret@db:5432/app#public.users");
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  EXPECT_EQ(pg->format, DatasetLocation::Format::kPostgres);
  EXPECT_EQ(pg->path, "postgresql://u:secret@db:5432/app");
  EXPECT_EQ(pg->table, "public.users");
  EXPECT_EQ(pg->ToString(), "postgresql://u:***@db:5432/app#public.users");
}

TEST(DatasetLocation, InfersTheFormatOfABarePathFromItsExtension) {
  auto csv = DatasetLocation::Parse("exports/users.CSV");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->format, DatasetLocation::Format::kCsv);
  auto json = DatasetLocation::Parse("events.ndjson");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->format, DatasetLocation::Format::kJson);
}

TEST(DatasetLocation, ParsesAvroFilesGlobsAndFolders) {
  auto folder = DatasetLocation::Parse("avro:landing/events");
  ASSERT_TRUE(folder.ok()) << folder.status().message();
  EXPECT_EQ(folder->format, DatasetLocation::Format::kAvro);
  EXPECT_EQ(folder->path, "landing/events");
  EXPECT_TRUE(folder->table.empty());

  auto glob = DatasetLocation::Parse(" AVRO: landing/2024-*/*.avro ");
  ASSERT_TRUE(glob.ok()) << glob.status().message();
  EXPECT_EQ(glob->format, DatasetLocation::Format::kAvro);
  EXPECT_EQ(glob->path, "landing/2024-*/*.avro");

  auto bare = DatasetLocation::Parse("exports/events.AVRO");
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  EXPECT_EQ(bare->format, DatasetLocation::Format::kAvro);
  EXPECT_EQ(bare->path, "exports/events.AVRO");

  EXPECT_FALSE(DatasetLocation::Parse("avro:").ok());
  EXPECT_FALSE(DatasetLocation::Parse("avro:   ").ok());
  auto unknown = DatasetLocation::Parse("landing/events");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("avro:PATH"), std::string::npos) << unknown.status().message();
}

TEST(DatasetLocation, ToStringIsReadBackAsTheSameLocation) {
  for (const char* text : {"parquet:w/core/users", "csv:data/*.csv", "json:events.jsonl",
                           "avro:landing/events", "avro:landing/*.avro", "events.avro",
                           "duckdb:w.duckdb#core.users", "postgresql://db:5432/app#public.users"}) {
    auto location = DatasetLocation::Parse(text);
    ASSERT_TRUE(location.ok()) << text << ": " << location.status().message();
    auto again = DatasetLocation::Parse(location->ToString());
    ASSERT_TRUE(again.ok()) << location->ToString() << ": " << again.status().message();
    EXPECT_EQ(again->format, location->format) << text;
    EXPECT_EQ(again->path, location->path) << text;
    EXPECT_EQ(again->table, location->table) << text;
  }
  EXPECT_EQ(DatasetLocation::Parse("events.avro")->ToString(), "avro:events.avro");
  EXPECT_EQ(DatasetLocation::Parse("avro:landing/events")->ToString(), "avro:landing/events");
}

TEST(DatasetLocation, RejectsUnknownFormatsAndMissingTables) {
  auto unknown = DatasetLocation::Parse("warehouse/core/users");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(unknown.status().message().find("warehouse/core/users"), std::string::npos);
  EXPECT_FALSE(DatasetLocation::Parse("duckdb:warehouse.duckdb").ok());
  EXPECT_FALSE(DatasetLocation::Parse("duckdb:w.duckdb#a.b.c").ok());
  EXPECT_FALSE(DatasetLocation::Parse("postgresql://db/app").ok());
  EXPECT_FALSE(DatasetLocation::Parse("parquet:").ok());
  EXPECT_FALSE(DatasetLocation::Parse("").ok());
}

TEST(ParseSchemaAnnotation, KeepsCommasInsideParenthesizedTypes) {
  auto schema = ParseSchemaAnnotation(
      "id BIGINT, price DECIMAL(10,2), address STRUCT(street VARCHAR, zip INT), tags MAP(VARCHAR, INT), "
      "scores DOUBLE[]");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  ASSERT_EQ(schema->columns.size(), 5u);
  EXPECT_EQ(schema->columns[0].name, "id");
  EXPECT_EQ(schema->columns[0].type, "BIGINT");
  EXPECT_EQ(schema->columns[1].name, "price");
  EXPECT_EQ(schema->columns[1].type, "DECIMAL(10,2)");
  EXPECT_EQ(schema->columns[2].name, "address");
  EXPECT_EQ(schema->columns[2].type, "STRUCT(street VARCHAR, zip INT)");
  EXPECT_EQ(schema->columns[3].type, "MAP(VARCHAR, INT)");
  EXPECT_EQ(schema->columns[4].type, "DOUBLE[]");
}

TEST(ParseSchemaAnnotation, ReadsQuotedColumnNames) {
  auto schema = ParseSchemaAnnotation("\"Signup Date\" DATE, \"say \"\"hi\"\"\" VARCHAR");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  ASSERT_EQ(schema->columns.size(), 2u);
  EXPECT_EQ(schema->columns[0].name, "Signup Date");
  EXPECT_EQ(schema->columns[0].type, "DATE");
  EXPECT_EQ(schema->columns[1].name, "say \"hi\"");
}

TEST(ParseSchemaAnnotation, RejectsMalformedDefinitions) {
  EXPECT_FALSE(ParseSchemaAnnotation("").ok());
  EXPECT_FALSE(ParseSchemaAnnotation("id").ok());                     // no type
  EXPECT_FALSE(ParseSchemaAnnotation("id INT,, name VARCHAR").ok());  // empty definition
  EXPECT_FALSE(ParseSchemaAnnotation("price DECIMAL(10,2").ok());     // unbalanced
  auto twice = ParseSchemaAnnotation("id INT, ID BIGINT");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("twice"), std::string::npos);
}

TEST(ParseSchemaAnnotation, RejectsAStatementSmuggledIntoAType) {
  auto schema = ParseSchemaAnnotation("id INT); DROP TABLE users; --");
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
}

TEST(Schema, FindsColumnsCaseInsensitively) {
  Schema schema{{{"user_id", "BIGINT"}, {"Email", "VARCHAR"}}};
  ASSERT_NE(schema.Find("USER_ID"), nullptr);
  EXPECT_EQ(schema.Find("email")->name, "Email");
  EXPECT_EQ(schema.Find("missing"), nullptr);
}

TEST(SqlText, QuotesIdentifiersAndLiterals) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteQualifiedName("core.user\"s"), "\"core\".\"user\"\"s\"");
}

TEST(SqlText, FragmentGuardAllowsExpressionsAndRejectsStatementSeparators) {
  EXPECT_TRUE(CheckSqlFragment("CASE WHEN a = ';' THEN 1 ELSE 0 END").ok());
  EXPECT_TRUE(CheckSqlFragment("\"odd;name\" + 1 -- trailing; comment").ok());
  EXPECT_TRUE(CheckSqlFragment("{'a': [1, 2]}").ok());
  EXPECT_FALSE(CheckSqlFragment("1); DROP TABLE x; --").ok());
  EXPECT_FALSE(CheckSqlFragment("1) UNION SELECT 2 --").ok());
  EXPECT_FALSE(CheckSqlFragment("'unterminated").ok());
  EXPECT_FALSE(CheckSqlFragment("a /* open comment").ok());
  EXPECT_FALSE(CheckSqlFragment("(a").ok());
  EXPECT_FALSE(CheckSqlFragment("   ").ok());
}

TEST(PostgresTypes, SpellsPostgresTypesAsDuckDbDoes) {
  EXPECT_EQ(DuckDbTypeForPostgres("integer", "int4", "32", "0"), "INTEGER");
  EXPECT_EQ(DuckDbTypeForPostgres("character varying", "varchar", "", ""), "VARCHAR");
  EXPECT_EQ(DuckDbTypeForPostgres("numeric", "numeric", "10", "2"), "DECIMAL(10,2)");
  EXPECT_EQ(DuckDbTypeForPostgres("numeric", "numeric", "", ""), "DOUBLE");
  EXPECT_EQ(DuckDbTypeForPostgres("timestamp with time zone", "timestamptz", "", ""),
            "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(DuckDbTypeForPostgres("ARRAY", "_int8", "", ""), "BIGINT[]");
  EXPECT_EQ(DuckDbTypeForPostgres("USER-DEFINED", "mood", "", ""), "VARCHAR");
}

}  // namespace
}  // namespace skein
