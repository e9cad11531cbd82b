// Reading a PostgreSQL table's schema from the throwaway test PostgreSQL.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "data/warehouse.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

void RunPostgres(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* result = PQexec(conn, sql.c_str());
  std::string error = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  ASSERT_TRUE(error.empty()) << error;
}

TEST(PostgresWarehouse, ReadsATableSchemaInDuckDbSpelling) {
  std::string url = testing::PostgresUrl();
  RunPostgres(url,
              "DROP SCHEMA IF EXISTS skein_data_test CASCADE; CREATE SCHEMA skein_data_test;"
              "CREATE TABLE skein_data_test.users (user_id bigint, email text, price numeric(10,2),"
              " signup_at timestamptz, active boolean, tags text[])");
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok());
  auto location = DatasetLocation::Parse(url + "#skein_data_test.users");
  ASSERT_TRUE(location.ok()) << location.status().message();
  auto schema = (*warehouse)->ReadSchema(*location);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  ASSERT_EQ(schema->columns.size(), 6u);
  EXPECT_EQ(schema->columns[0].name, "user_id");
  EXPECT_EQ(schema->columns[0].type, "BIGINT");
  EXPECT_EQ(schema->columns[1].type, "VARCHAR");
  EXPECT_EQ(schema->columns[2].type, "DECIMAL(10,2)");
  EXPECT_EQ(schema->columns[3].type, "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(schema->columns[4].type, "BOOLEAN");
  EXPECT_EQ(schema->columns[5].type, "VARCHAR[]");
}

TEST(PostgresWarehouse, AMissingTableIsNotFound) {
  std::string url = testing::PostgresUrl();
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok());
  auto location = DatasetLocation::Parse(url + "#public.no_such_table");
  ASSERT_TRUE(location.ok());
  auto schema = (*warehouse)->ReadSchema(*location);
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find("no_such_table"), std::string::npos);
}

TEST(PostgresWarehouse, AnUnreachableServerIsUnavailable) {
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok());
  auto location = DatasetLocation::Parse("postgresql://nobody:pw@127.0.0.1:1/none#public.t");
  ASSERT_TRUE(location.ok());
  auto schema = (*warehouse)->ReadSchema(*location);
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(schema.status().message().find(":pw@"), std::string::npos) << schema.status().message();
}

}  // namespace
}  // namespace skein
