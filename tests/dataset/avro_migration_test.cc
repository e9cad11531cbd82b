// An Avro-to-Parquet migration end to end through the CLI, as a user runs it: v1 is a folder of
// Avro files, v2 a Parquet folder partitioned by day; `skein data plan`, `run`, `verify`,
// `approve` and `publish`, then the published Parquet read back through the engine must hold
// exactly v1's rows through the manifest (a rename, a retype), and the Avro files must be
// byte-identical to what they were.
//
// The Avro files are written byte by byte as the Avro specification lays the container out
// (dataset_tests does not link libavro), with the logical types in the header's schema as Java and
// Python writers write them.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "data/engine.h"
#include "tests/support/avro_encoding.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::PutAvroBytes;
using testing::PutAvroLong;
using testing::RunSkein;

// --- Avro's binary encoding ---------------------------------------------------------------------

// A decimal's unscaled value: big-endian two's complement, as few bytes as it needs.
std::string DecimalBytes(int64_t unscaled) {
  std::string bytes;
  for (int i = 7; i >= 0; --i) bytes += static_cast<char>(static_cast<uint64_t>(unscaled) >> (8 * i));
  while (bytes.size() > 1 &&
         ((bytes[0] == 0 && !(bytes[1] & 0x80)) || (bytes[0] == '\xff' && (bytes[1] & 0x80)))) {
    bytes.erase(bytes.begin());
  }
  return bytes;
}

// An object container file: "Obj\x01", the metadata map (schema, null codec), the sync marker,
// then blocks of `rows_per_block` encoded rows, each followed by the sync marker.
void WriteAvroFile(const fs::path& path, const std::string& schema, const std::vector<std::string>& rows,
                   size_t rows_per_block) {
  const std::string sync = "skein-test-sync!";  // 16 bytes
  std::string out("Obj\x01", 4);
  PutAvroLong(out, 2);
  PutAvroBytes(out, "avro.schema");
  PutAvroBytes(out, schema);
  PutAvroBytes(out, "avro.codec");
  PutAvroBytes(out, "null");
  PutAvroLong(out, 0);
  out += sync;
  for (size_t first = 0; first < rows.size(); first += rows_per_block) {
    std::string block;
    size_t count = std::min(rows_per_block, rows.size() - first);
    for (size_t i = first; i < first + count; ++i) block += rows[i];
    PutAvroLong(out, static_cast<int64_t>(count));
    PutAvroBytes(out, block);
    out += sync;
  }
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// --- the orders dataset ---------------------------------------------------------------------------

const char* kOrderSchema = R"({"type": "record", "name": "Order", "namespace": "shop", "fields": [
  {"name": "order_id", "type": "long"},
  {"name": "customer", "type": ["null", "string"]},
  {"name": "quantity", "type": "int"},
  {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
  {"name": "placed_at", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
  {"name": "day", "type": {"type": "int", "logicalType": "date"}}]})";

constexpr int kOrders = 12;
constexpr int32_t kFirstDay = 19844;              // 2024-05-01 as days since 1970-01-01
constexpr int64_t kFirstHour = 1714521600000000;  // 2024-05-01 00:00:00 UTC in microseconds

// Order i: customer "c<i>" (NULL when i % 4 == 0), quantity i * 10 - 5 (an Avro int), price
// (1000 i + 99) cents (negative for order 7, a refund), placed 2024-05-01 00:00 + i hours (NULL
// when i % 5 == 0), on day 2024-05-01 + i % 3.
std::string EncodeOrder(int i) {
  std::string row;
  PutAvroLong(row, i);
  PutAvroLong(row, i % 4 == 0 ? 0 : 1);  // the union's branch
  if (i % 4 != 0) PutAvroBytes(row, "c" + std::to_string(i));
  PutAvroLong(row, i * 10 - 5);
  PutAvroBytes(row, DecimalBytes((i == 7 ? -1 : 1) * (1000 * i + 99)));
  PutAvroLong(row, i % 5 == 0 ? 0 : 1);
  if (i % 5 != 0) PutAvroLong(row, kFirstHour + int64_t{3600000000} * i);
  PutAvroLong(row, kFirstDay + i % 3);
  return row;
}

// Order i as v2 holds it, each value as DuckDB spells it.
std::vector<Value> ExpectedV2Row(int i) {
  auto two_digits = [](int n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  int cents = 1000 * i + 99;
  std::string price =
      std::string(i == 7 ? "-" : "") + std::to_string(cents / 100) + "." + two_digits(cents % 100);
  return {std::to_string(i),
          i % 4 == 0 ? Value() : Value("c" + std::to_string(i)),
          std::to_string(i * 10 - 5),
          price,
          i % 5 == 0 ? Value() : Value("2024-05-01 " + two_digits(i) + ":00:00"),
          "2024-05-0" + std::to_string(1 + i % 3)};
}

const char* kManifest = R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: orders-v2, owner: group:sales}
spec:
  from: shop.orders_v1
  to: shop.orders_v2
  columns:
    - {from: customer, to: customer_name}   # rename
    - {from: quantity, type: BIGINT}        # retype: Avro int -> BIGINT
  data: {partition_by: day, key: [order_id], publish: {approval: required}}
)";

std::string Catalog(const std::string& v1_location, const std::string& v2_location) {
  return R"(apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v1
  annotations:
    skein.dev/dataset-id: shop.orders_v1
    skein.dev/location: )" +
         v1_location + R"(
    skein.dev/lifecycle: deprecated
spec: {type: dataset, owner: group:default/sales}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-v2
  annotations:
    skein.dev/dataset-id: shop.orders_v2
    skein.dev/location: )" +
         v2_location + R"(
spec: {type: dataset, owner: group:default/sales}
)";
}

class AvroMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two files of v1, several blocks each, in a folder with a subfolder.
    std::vector<std::string> first, second;
    for (int i = 0; i < kOrders; ++i) (i < 7 ? first : second).push_back(EncodeOrder(i));
    WriteAvroFile(V1() / "part-0.avro", kOrderSchema, first, 3);
    WriteAvroFile(V1() / "2024" / "part-1.avro", kOrderSchema, second, 2);
    for (const auto& entry : fs::recursive_directory_iterator(V1())) {
      if (entry.is_regular_file()) v1_bytes_[entry.path()] = ReadFile(entry.path());
    }
    dir_.Write("orders-v2.yaml", kManifest);
  }

  // v1 is only read: every Avro file as it was, and no other file beside them.
  void TearDown() override {
    for (const auto& [path, bytes] : v1_bytes_) EXPECT_EQ(ReadFile(path), bytes) << path << " was modified";
    size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(V1())) files += entry.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, v1_bytes_.size()) << "files were added to v1's folder";
  }

  fs::path V1() const { return dir_.path() / "landing" / "orders"; }
  fs::path V2() const { return dir_.path() / "warehouse" / "orders_v2"; }

  testing::CommandResult Skein(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", "skein.db"});
    return RunSkein(args, dir_.path());
  }

  // Plan, run, verify, approve and publish, each succeeding, with `extra` arguments.
  void MigrateThroughTheCli(const std::vector<std::string>& extra) {
    auto with = [&](std::vector<std::string> args) {
      args.insert(args.end(), extra.begin(), extra.end());
      return Skein(args);
    };
    auto plan = with({"data", "plan", "orders-v2.yaml"});
    ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    EXPECT_TRUE(Contains(plan.out, "v1: avro:landing/orders")) << plan.out;
    EXPECT_TRUE(Contains(plan.out, "partitions: by day")) << plan.out;
    EXPECT_TRUE(Contains(plan.out, "customer_name VARCHAR = \"customer\"")) << plan.out;
    EXPECT_TRUE(Contains(plan.out, "quantity BIGINT = CAST(\"quantity\" AS BIGINT)")) << plan.out;

    auto run = with({"data", "run", "orders-v2.yaml"});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_TRUE(Contains(run.out, "staged 12 rows in 3 partition(s)")) << run.out;
    EXPECT_TRUE(Contains(run.out, "waiting for approval")) << run.out;
    EXPECT_FALSE(fs::exists(V2() / "day=2024-05-01")) << "published before the approval";

    auto verify = with({"data", "verify", "orders-v2.yaml"});
    ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_TRUE(Contains(verify.out, "verified: ")) << verify.out;
    EXPECT_TRUE(Contains(verify.out, "v1 12 rows through the transform, v2 12 rows")) << verify.out;

    auto approve = with({"data", "approve", "orders-v2.yaml", "--by", "alice"});
    ASSERT_EQ(approve.exit_code, 0) << approve.out << approve.err;
    auto publish = with({"data", "publish", "orders-v2.yaml"});
    ASSERT_EQ(publish.exit_code, 0) << publish.out << publish.err;
    EXPECT_TRUE(Contains(publish.out, "published parquet:warehouse/orders_v2")) << publish.out;
  }

  // The published Parquet holds exactly v1's rows through the manifest, one folder per day.
  void ExpectV2HoldsExactlyTheOrders() {
    EXPECT_TRUE(fs::is_directory(V2() / "day=2024-05-01"));
    EXPECT_TRUE(fs::is_directory(V2() / "day=2024-05-02"));
    EXPECT_TRUE(fs::is_directory(V2() / "day=2024-05-03"));
    EXPECT_FALSE(fs::exists(V2() / ".skein-staging"));

    auto engine = OpenDuckDbEngine();
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    auto v2 = (*engine)->Relation(DatasetLocation::Parse("parquet:" + V2().string()).value());
    ASSERT_TRUE(v2.ok()) << v2.status().message();
    auto types = (*engine)->Query(
        "SELECT string_agg(column_name || ' ' || column_type, ', ' ORDER BY column_name) FROM "
        "(DESCRIBE SELECT * FROM " +
        *v2 + ")");
    ASSERT_TRUE(types.ok()) << types.status().message();
    EXPECT_EQ(types->rows.at(0).at(0),
              "customer_name VARCHAR, day DATE, order_id BIGINT, placed_at TIMESTAMP, price DECIMAL(10,2), "
              "quantity BIGINT");
    auto rows = (*engine)->Query("SELECT order_id, customer_name, quantity, price, placed_at, day FROM " +
                                 *v2 + " ORDER BY order_id");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    std::vector<std::vector<Value>> expected;
    for (int i = 0; i < kOrders; ++i) expected.push_back(ExpectedV2Row(i));
    EXPECT_EQ(rows->rows, expected);
  }

  testing::TempDir dir_;
  std::map<fs::path, std::string> v1_bytes_;
};

TEST_F(AvroMigration, PublishesAnAvroDatasetOfTheCatalogAsPartitionedParquet) {
  dir_.Write("catalog/datasets.yaml", Catalog("avro:landing/orders", "parquet:warehouse/orders_v2"));
  auto imported = Skein({"catalog", "import", "catalog"});
  ASSERT_EQ(imported.exit_code, 0) << "the catalog must accept avro: locations (catalog/validate.cc)\n"
                                   << imported.out << imported.err;
  MigrateThroughTheCli({});
  ExpectV2HoldsExactlyTheOrders();
}

TEST_F(AvroMigration, PublishesAvroGivenOnTheCommandLineAsPartitionedParquet) {
  MigrateThroughTheCli(
      {"--from-location", "avro:landing/orders", "--to-location", "parquet:warehouse/orders_v2"});
  ExpectV2HoldsExactlyTheOrders();
}

TEST_F(AvroMigration, RefusesToWriteV2AsAvro) {
  auto run = Skein({"data", "run", "orders-v2.yaml", "--from-location", "avro:landing/orders",
                    "--to-location", "avro:warehouse/orders_v2"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err,
                       "v2 is written as Parquet files, a DuckDB table or a PostgreSQL table, not "
                       "avro:warehouse/orders_v2"))
      << run.err;
  EXPECT_FALSE(fs::exists(V2()));
}

}  // namespace
}  // namespace skein
