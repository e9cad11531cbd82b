// An `avro:` location on the PostgreSQL engine: PostgreSQL cannot read Avro files, and says so
// rather than looking for a table. (In a *_pg_test.cc file so that ctest's postgres fixture
// starts the server first.)
#include <gtest/gtest.h>

#include "data/engine.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

TEST(AvroLocationOnPostgres, IsNeitherReadNorWritten) {
  auto engine = OpenPostgresEngine(testing::PostgresUrl());
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  DatasetLocation avro = DatasetLocation::Parse("avro:landing/orders").value();

  Result<std::string> relation = (*engine)->Relation(avro);
  ASSERT_FALSE(relation.ok());
  EXPECT_EQ(relation.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(relation.status().message().rfind("PostgreSQL cannot read Avro files; 'avro:landing/orders'", 0),
            0u)
      << relation.status().message();

  EXPECT_EQ((*engine)->TableName(avro).status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace skein
