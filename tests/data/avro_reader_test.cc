// Avro files as a dataset source: schemas mapped to DuckDB types, rows as text values, folders and
// globs, and bad files; then `avro:` as a dataset location: its schema through the warehouse, its
// rows through the DuckDB engine's Relation, and `skein data diff` of Avro against Parquet. The
// files are written by libavro's own writer; one test loads the rows into DuckDB and checks the
// typed values with SQL.
#include "data/avro_reader.h"

#include <avro.h>
#include <duckdb.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "data/engine.h"
#include "data/warehouse.h"
#include "tests/support/avro_encoding.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::PutAvroLong;
using testing::TempDir;

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

int64_t GetLong(const std::string& in, size_t& pos) {
  uint64_t n = 0;
  for (int shift = 0; pos < in.size(); shift += 7) {
    auto c = static_cast<unsigned char>(in[pos++]);
    n |= static_cast<uint64_t>(c & 0x7f) << shift;
    if (!(c & 0x80)) break;
  }
  return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1);
}

// Replaces (or adds) entries of a container file's header metadata, keeping its blocks.
void RewriteHeader(const fs::path& path, const std::map<std::string, std::string>& changes) {
  std::string bytes = ReadBytes(path);
  ASSERT_EQ(bytes.substr(0, 4), std::string("Obj\x01", 4));
  size_t pos = 4;
  std::map<std::string, std::string> entries;
  for (int64_t count = GetLong(bytes, pos); count != 0; count = GetLong(bytes, pos)) {
    if (count < 0) {
      count = -count;
      GetLong(bytes, pos);  // the block's byte size
    }
    for (int64_t i = 0; i < count; ++i) {
      int64_t key_size = GetLong(bytes, pos);
      std::string key = bytes.substr(pos, key_size);
      pos += key_size;
      int64_t value_size = GetLong(bytes, pos);
      entries[key] = bytes.substr(pos, value_size);
      pos += value_size;
    }
  }
  for (const auto& [key, value] : changes) entries[key] = value;
  std::string out("Obj\x01", 4);
  PutAvroLong(out, static_cast<int64_t>(entries.size()));
  for (const auto& [key, value] : entries) {
    PutAvroLong(out, static_cast<int64_t>(key.size()));
    out += key;
    PutAvroLong(out, static_cast<int64_t>(value.size()));
    out += value;
  }
  PutAvroLong(out, 0);
  out += bytes.substr(pos);  // the sync marker and the blocks
  WriteBytes(path, out);
}

// Writes an Avro object container file with libavro. avro-c 1.11 drops "logicalType" when it
// parses a schema, so it writes the schema without logical types; Close() puts the full schema
// back into the header, as a Java or Python writer would have written it. The data bytes are
// libavro's: a logical type does not change the encoding.
class AvroWriter {
 public:
  AvroWriter(fs::path path, std::string schema, const char* codec = "null", size_t block_size = 16 * 1024)
      : path_(std::move(path)), schema_json_(std::move(schema)) {
    EXPECT_EQ(avro_schema_from_json_length(schema_json_.data(), schema_json_.size(), &schema_), 0)
        << avro_strerror();
    if (schema_ == nullptr) return;
    EXPECT_EQ(avro_file_writer_create_with_codec(path_.c_str(), schema_, &writer_, codec, block_size), 0)
        << avro_strerror();
    iface_ = avro_generic_class_from_schema(schema_);
    EXPECT_EQ(avro_generic_value_new(iface_, &record_), 0) << avro_strerror();
  }
  ~AvroWriter() {
    Close();
    if (record_.iface != nullptr) avro_value_decref(&record_);
    if (iface_ != nullptr) avro_value_iface_decref(iface_);
    if (schema_ != nullptr) avro_schema_decref(schema_);
  }

  // The field `name` of the row being built.
  avro_value_t Field(const char* name) {
    avro_value_t field{};
    EXPECT_EQ(avro_value_get_by_name(&record_, name, &field, nullptr), 0) << name;
    return field;
  }
  avro_value_t& record() { return record_; }

  // Appends the row built so far and starts an empty one.
  void Append() {
    EXPECT_EQ(avro_file_writer_append_value(writer_, &record_), 0) << avro_strerror();
    avro_value_reset(&record_);
  }

  void Close() {
    if (writer_ == nullptr) return;
    EXPECT_EQ(avro_file_writer_close(writer_), 0) << avro_strerror();
    writer_ = nullptr;
    RewriteHeader(path_, {{"avro.schema", schema_json_}});
  }

 private:
  fs::path path_;
  std::string schema_json_;
  avro_schema_t schema_ = nullptr;
  avro_file_writer_t writer_ = nullptr;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t record_{};
};

avro_value_t Branch(avro_value_t value, int index) {
  avro_value_t branch{};
  EXPECT_EQ(avro_value_set_branch(&value, index, &branch), 0) << avro_strerror();
  return branch;
}

void SetBytes(avro_value_t value, const std::string& bytes) {
  EXPECT_EQ(avro_value_set_bytes(&value, const_cast<char*>(bytes.data()), bytes.size()), 0);
}

void SetFixed(avro_value_t value, const std::string& bytes) {
  EXPECT_EQ(avro_value_set_fixed(&value, const_cast<char*>(bytes.data()), bytes.size()), 0);
}

// A decimal's unscaled value as big-endian two's complement, as wide as the value needs.
std::string DecimalBytes(__int128 unscaled) {
  std::string bytes;
  for (int i = 0; i < 16; ++i) bytes.insert(bytes.begin(), static_cast<char>(unscaled >> (8 * i)));
  while (bytes.size() > 1 &&
         ((bytes[0] == 0 && !(bytes[1] & 0x80)) || (bytes[0] == '\xff' && (bytes[1] & 0x80)))) {
    bytes.erase(bytes.begin());
  }
  return bytes;
}

// Every row of `path`, read in one batch.
RowSet ReadAll(const std::string& path) {
  RowSet all;
  Status status = ReadAvroRows(path, 1'000'000, [&](const RowSet& batch) {
    all.columns = batch.columns;
    all.rows.insert(all.rows.end(), batch.rows.begin(), batch.rows.end());
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return all;
}

std::string TypesOf(const Schema& schema) {
  std::string text;
  for (const auto& column : schema.columns)
    text += (text.empty() ? "" : ", ") + column.name + " " + column.type;
  return text;
}

const char* kPrimitives = R"({"type": "record", "name": "Primitives", "fields": [
  {"name": "flag", "type": "boolean"}, {"name": "small", "type": "int"}, {"name": "big", "type": "long"},
  {"name": "ratio", "type": "float"}, {"name": "precise", "type": "double"}, {"name": "name", "type": "string"},
  {"name": "payload", "type": "bytes"},
  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
  {"name": "tag", "type": {"type": "fixed", "name": "Tag", "size": 3}},
  {"name": "nothing", "type": "null"}]})";

void WritePrimitiveRow(AvroWriter& writer, int i) {
  avro_value_t field = writer.Field("flag");
  avro_value_set_boolean(&field, i % 2 == 0);
  field = writer.Field("small");
  avro_value_set_int(&field, i == 0 ? -2147483647 - 1 : i);
  field = writer.Field("big");
  avro_value_set_long(&field, i == 0 ? 9223372036854775807 : -i);
  field = writer.Field("ratio");
  avro_value_set_float(&field, 1.1f);
  field = writer.Field("precise");
  avro_value_set_double(&field, 0.1);
  field = writer.Field("name");
  avro_value_set_string(&field, "h\xc3\xa9llo 'x\"");
  SetBytes(writer.Field("payload"), std::string("\x00"
                                                "a\\\xff",
                                                4));
  field = writer.Field("color");
  avro_value_set_enum(&field, 1);
  SetFixed(writer.Field("tag"), "abc");
  writer.Append();
}

TEST(AvroReader, MapsEveryPrimitiveTypeAndFormatsItsValues) {
  TempDir dir;
  std::string path = (dir.path() / "primitives.avro").string();
  {
    AvroWriter writer(path, kPrimitives);
    WritePrimitiveRow(writer, 0);
    WritePrimitiveRow(writer, 1);
  }
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(
      TypesOf(*schema),
      "flag BOOLEAN, small INTEGER, big BIGINT, ratio FLOAT, precise DOUBLE, name VARCHAR, payload BLOB, "
      "color VARCHAR, tag BLOB, nothing VARCHAR");

  RowSet rows = ReadAll(path);
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.columns, (std::vector<std::string>{"flag", "small", "big", "ratio", "precise", "name",
                                                    "payload", "color", "tag", "nothing"}));
  std::vector<Value> expected = {"true",
                                 "-2147483648",
                                 "9223372036854775807",
                                 "1.10000002",
                                 "0.10000000000000001",
                                 "h\xc3\xa9llo 'x\"",
                                 "\\x00a\\x5C\\xFF",
                                 "GREEN",
                                 "abc",
                                 std::nullopt};
  EXPECT_EQ(rows.rows[0], expected);
  EXPECT_EQ(rows.rows[1][0], "false");
  EXPECT_EQ(rows.rows[1][2], "-1");
}

TEST(AvroReader, NullableUnionsAreNullableColumnsOfTheirBranchType) {
  TempDir dir;
  std::string path = (dir.path() / "nullable.avro").string();
  {
    AvroWriter writer(path, R"({"type": "record", "name": "R", "fields": [
      {"name": "amount", "type": ["null", "long"]}, {"name": "note", "type": ["string", "null"]}]})");
    for (int i = 0; i < 3; ++i) {
      avro_value_t amount = Branch(writer.Field("amount"), i == 1 ? 0 : 1);
      if (i != 1) avro_value_set_long(&amount, 100 + i);
      avro_value_t note = Branch(writer.Field("note"), i == 2 ? 1 : 0);
      if (i != 2) avro_value_set_string(&note, "n");
      writer.Append();
    }
  }
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(TypesOf(*schema), "amount BIGINT, note VARCHAR");
  RowSet rows = ReadAll(path);
  ASSERT_EQ(rows.rows.size(), 3u);
  EXPECT_EQ(rows.rows[0], (std::vector<Value>{"100", "n"}));
  EXPECT_EQ(rows.rows[1], (std::vector<Value>{std::nullopt, "n"}));
  EXPECT_EQ(rows.rows[2], (std::vector<Value>{"102", std::nullopt}));
}

const char* kLogical = R"({"type": "record", "name": "Logical", "namespace": "skein.test", "fields": [
  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
  {"name": "at_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "at_ms", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
  {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
  {"name": "clock_ms", "type": {"type": "int", "logicalType": "time-millis"}},
  {"name": "clock_us", "type": {"type": "long", "logicalType": "time-micros"}},
  {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
  {"name": "huge", "type": {"type": "fixed", "name": "Huge", "size": 16, "logicalType": "decimal",
                            "precision": 38, "scale": 0}},
  {"name": "wide", "type": {"type": "bytes", "logicalType": "decimal", "precision": 40, "scale": 5}},
  {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
  {"name": "fixed_id", "type": {"type": "fixed", "name": "Id", "size": 16, "logicalType": "uuid"}},
  {"name": "not_a_date", "type": {"type": "string", "logicalType": "date"}},
  {"name": "unknown", "type": {"type": "long", "logicalType": "nanos-of-something"}}]})";

struct LogicalRow {
  int32_t day;
  int64_t at_us;
  std::optional<int64_t> at_ms;
  int32_t clock_ms;
  int64_t clock_us;
  __int128 price;
  __int128 huge;
};

void WriteLogicalRow(AvroWriter& writer, const LogicalRow& row) {
  avro_value_t field = writer.Field("day");
  avro_value_set_int(&field, row.day);
  field = writer.Field("at_us");
  avro_value_set_long(&field, row.at_us);
  field = Branch(writer.Field("at_ms"), row.at_ms ? 1 : 0);
  if (row.at_ms) avro_value_set_long(&field, *row.at_ms);
  field = writer.Field("local_us");
  avro_value_set_long(&field, row.at_us);
  field = writer.Field("clock_ms");
  avro_value_set_int(&field, row.clock_ms);
  field = writer.Field("clock_us");
  avro_value_set_long(&field, row.clock_us);
  SetBytes(writer.Field("price"), DecimalBytes(row.price));
  std::string huge = DecimalBytes(row.huge);
  huge.insert(0, 16 - huge.size(), (row.huge < 0) ? '\xff' : '\0');  // fixed: sign-extended to 16 bytes
  SetFixed(writer.Field("huge"), huge);
  SetBytes(writer.Field("wide"), DecimalBytes(row.price));
  field = writer.Field("id");
  avro_value_set_string(&field, "0f8fad5b-d9cb-469f-a165-70867728950e");
  SetFixed(writer.Field("fixed_id"), "\x0f\x8f\xad\x5b\xd9\xcb\x46\x9f\xa1\x65\x70\x86\x77\x28\x95\x0e");
  field = writer.Field("not_a_date");
  avro_value_set_string(&field, "soon");
  field = writer.Field("unknown");
  avro_value_set_long(&field, 7);
  writer.Append();
}

__int128 Power10(int n) {
  __int128 value = 1;
  while (n-- > 0) value *= 10;
  return value;
}

TEST(AvroReader, MapsLogicalTypesAndFormatsThemAsDuckDbReadsThem) {
  TempDir dir;
  std::string path = (dir.path() / "logical.avro").string();
  {
    AvroWriter writer(path, kLogical);
    // 2024-03-01 12:34:56.789012 UTC is 1709296496789012 µs; 2024-01-01 is day 19723.
    WriteLogicalRow(writer,
                    {19723, 1709296496789012, 1709296496789, 45296789, 45296789012, -1250, Power10(38) - 1});
    WriteLogicalRow(writer, {-1, -1, std::nullopt, 0, 86399999999, 5, -(Power10(38) - 1)});
    // 0001-01-01 is day -719162; the day before is year 0 (1 BC), a year before that is -0001.
    WriteLogicalRow(writer, {-719529, -62135596800000000, -62135596800001, 0, 0, 0, 0});
  }
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(
      TypesOf(*schema),
      "day DATE, at_us TIMESTAMP, at_ms TIMESTAMP, local_us TIMESTAMP, clock_ms TIME, clock_us TIME, "
      "price DECIMAL(10,2), huge DECIMAL(38,0), wide VARCHAR, id UUID, fixed_id UUID, not_a_date VARCHAR, "
      "unknown BIGINT");

  RowSet rows = ReadAll(path);
  ASSERT_EQ(rows.rows.size(), 3u);
  EXPECT_EQ(rows.rows[0],
            (std::vector<Value>{"2024-01-01", "2024-03-01 12:34:56.789012", "2024-03-01 12:34:56.789000",
                                "2024-03-01 12:34:56.789012", "12:34:56.789000", "12:34:56.789012", "-12.50",
                                "99999999999999999999999999999999999999", "-0.01250",
                                "0f8fad5b-d9cb-469f-a165-70867728950e",
                                "0f8fad5b-d9cb-469f-a165-70867728950e", "soon", "7"}));
  EXPECT_EQ(
      rows.rows[1],
      (std::vector<Value>{
          "1969-12-31", "1969-12-31 23:59:59.999999", std::nullopt, "1969-12-31 23:59:59.999999",
          "00:00:00.000000", "23:59:59.999999", "0.05", "-99999999999999999999999999999999999999", "0.00005",
          "0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e", "soon", "7"}));
  EXPECT_EQ(rows.rows[2][0], "-0001-12-31");
  EXPECT_EQ(rows.rows[2][1], "0001-01-01 00:00:00.000000");
  EXPECT_EQ(rows.rows[2][2], "0000-12-31 23:59:59.999000");
  EXPECT_EQ(rows.rows[2][6], "0.00");
  EXPECT_EQ(rows.rows[2][8], "0.00000");
}

TEST(AvroReader, NestedRecordsArraysMapsAndUnionsBecomeJsonText) {
  TempDir dir;
  std::string path = (dir.path() / "nested.avro").string();
  {
    AvroWriter writer(path, R"({"type": "record", "name": "Nested", "fields": [
      {"name": "point", "type": {"type": "record", "name": "Point", "fields": [
        {"name": "x", "type": "int"}, {"name": "label", "type": ["null", "string"]}]}},
      {"name": "tags", "type": {"type": "array", "items": "string"}},
      {"name": "scores", "type": {"type": "map", "values": "double"}},
      {"name": "choice", "type": ["int", "string"]},
      {"name": "days", "type": {"type": "array", "items": {"type": "int", "logicalType": "date"}}},
      {"name": "more", "type": ["null", {"type": "array", "items": "Point"}]}]})");
    avro_value_t point = writer.Field("point"), child, item;
    avro_value_get_by_name(&point, "x", &child, nullptr);
    avro_value_set_int(&child, 3);
    avro_value_get_by_name(&point, "label", &child, nullptr);
    child = Branch(child, 1);
    avro_value_set_string(&child, "a \"q\"\n");
    avro_value_t tags = writer.Field("tags");
    avro_value_append(&tags, &item, nullptr);
    avro_value_set_string(&item, "a");
    avro_value_append(&tags, &item, nullptr);
    avro_value_set_string(&item, "b\\c");
    avro_value_t scores = writer.Field("scores");
    avro_value_add(&scores, "k", &item, nullptr, nullptr);
    avro_value_set_double(&item, 0.5);
    child = Branch(writer.Field("choice"), 1);
    avro_value_set_string(&child, "seven");
    avro_value_t days = writer.Field("days");
    avro_value_append(&days, &item, nullptr);
    avro_value_set_int(&item, 19723);
    avro_value_t more = Branch(writer.Field("more"), 1);
    avro_value_append(&more, &item, nullptr);
    avro_value_get_by_name(&item, "x", &child, nullptr);
    avro_value_set_int(&child, 1);
    avro_value_get_by_name(&item, "label", &child, nullptr);
    Branch(child, 0);
    writer.Append();

    point = writer.Field("point");
    avro_value_get_by_name(&point, "x", &child, nullptr);
    avro_value_set_int(&child, -4);
    avro_value_get_by_name(&point, "label", &child, nullptr);
    Branch(child, 0);
    child = Branch(writer.Field("choice"), 0);
    avro_value_set_int(&child, 7);
    Branch(writer.Field("more"), 0);
    writer.Append();
  }
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(TypesOf(*schema),
            "point VARCHAR, tags VARCHAR, scores VARCHAR, choice VARCHAR, days VARCHAR, more VARCHAR");
  RowSet rows = ReadAll(path);
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.rows[0],
            (std::vector<Value>{R"({"x":3,"label":"a \"q\"\n"})", R"(["a","b\\c"])", R"({"k":0.5})",
                                R"("seven")", R"(["2024-01-01"])", R"([{"x":1,"label":null}])"}));
  EXPECT_EQ(rows.rows[1],
            (std::vector<Value>{R"({"x":-4,"label":null})", "[]", "{}", "7", "[]", std::nullopt}));
}

TEST(AvroReader, RecursiveRecordsBecomeNestedJsonText) {
  TempDir dir;
  std::string path = (dir.path() / "list.avro").string();
  {
    AvroWriter writer(path, R"({"type": "record", "name": "Holder", "namespace": "skein.test", "fields": [
      {"name": "list", "type": {"type": "record", "name": "Node", "fields": [
        {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "skein.test.Node"]}]}}]})");
    avro_value_t node = writer.Field("list"), child;
    for (int value = 1; value <= 3; ++value) {
      avro_value_get_by_name(&node, "value", &child, nullptr);
      avro_value_set_int(&child, value);
      avro_value_get_by_name(&node, "next", &child, nullptr);
      node = Branch(child, value < 3 ? 1 : 0);
    }
    writer.Append();
  }
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(TypesOf(*schema), "list VARCHAR");
  RowSet rows = ReadAll(path);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], R"({"value":1,"next":{"value":2,"next":{"value":3,"next":null}}})");
}

const char* kCounter = R"({"type": "record", "name": "Counter", "fields": [
  {"name": "n", "type": "long"}, {"name": "text", "type": "string"}]})";

void WriteCounterFile(const std::string& path, int first, int count, const char* codec = "null",
                      size_t block_size = 16 * 1024) {
  AvroWriter writer(path, kCounter, codec, block_size);
  for (int i = first; i < first + count; ++i) {
    avro_value_t field = writer.Field("n");
    avro_value_set_long(&field, i);
    field = writer.Field("text");
    avro_value_set_string(&field, ("row " + std::to_string(i)).c_str());
    writer.Append();
  }
}

TEST(AvroReader, StreamsAllRowsInOrderInBatches) {
  TempDir dir;
  std::string path = (dir.path() / "counter.avro").string();
  WriteCounterFile(path, 0, 2500, "null", /*block_size=*/1024);  // many blocks

  std::vector<size_t> batch_sizes;
  int64_t next = 0;
  Status status = ReadAvroRows(path, 1000, [&](const RowSet& batch) {
    batch_sizes.push_back(batch.rows.size());
    EXPECT_EQ(batch.columns, (std::vector<std::string>{"n", "text"}));
    for (const auto& row : batch.rows) {
      EXPECT_EQ(row[0], std::to_string(next));
      EXPECT_EQ(row[1], "row " + std::to_string(next));
      ++next;
    }
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{1000, 1000, 500}));
  EXPECT_EQ(next, 2500);
}

TEST(AvroReader, ReadsCompressedFiles) {
  TempDir dir;
  for (const char* codec : {"deflate", "snappy", "lzma"}) {
    std::string path = (dir.path() / (std::string(codec) + ".avro")).string();
    WriteCounterFile(path, 0, 300, codec, 1024);
    RowSet rows = ReadAll(path);
    ASSERT_EQ(rows.rows.size(), 300u) << codec;
    EXPECT_EQ(rows.rows[299][1], "row 299") << codec;
  }
}

TEST(AvroReader, FileWithoutRowsHasASchemaAndSendsNoBatch) {
  TempDir dir;
  std::string path = (dir.path() / "empty.avro").string();
  WriteCounterFile(path, 0, 0);
  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(TypesOf(*schema), "n BIGINT, text VARCHAR");
  int calls = 0;
  Status status = ReadAvroRows(path, 10, [&](const RowSet&) {
    ++calls;
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(calls, 0);
}

TEST(AvroReader, SinkErrorStopsTheRead) {
  TempDir dir;
  std::string path = (dir.path() / "counter.avro").string();
  WriteCounterFile(path, 0, 50);
  int calls = 0;
  Status status = ReadAvroRows(path, 10, [&](const RowSet&) {
    ++calls;
    return Status::IoError("target full");
  });
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(status.message(), "target full");
  EXPECT_EQ(calls, 1);
}

TEST(AvroFiles, ListsAFoldersAvroFilesSortedAndRecursively) {
  TempDir dir;
  fs::create_directories(dir.path() / "data" / "part=2" / ".staging");
  WriteCounterFile((dir.path() / "data" / "b.avro").string(), 10, 2);
  WriteCounterFile((dir.path() / "data" / "a.avro").string(), 0, 3);
  WriteCounterFile((dir.path() / "data" / "part=2" / "c.AVRO").string(), 20, 1);
  dir.Write("data/part=2/.staging/d.avro", "half written");
  dir.Write("data/notes.txt", "not a dataset file");

  Result<std::vector<std::string>> files = AvroFiles((dir.path() / "data").string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  std::string data = (dir.path() / "data").string();
  EXPECT_EQ(*files, (std::vector<std::string>{data + "/a.avro", data + "/b.avro", data + "/part=2/c.AVRO"}));

  int64_t rows = 0;
  for (const auto& file : *files) rows += static_cast<int64_t>(ReadAll(file).rows.size());
  EXPECT_EQ(rows, 6);

  Result<std::vector<std::string>> globbed = AvroFiles(data + "/*.avro");
  ASSERT_TRUE(globbed.ok()) << globbed.status().message();
  EXPECT_EQ(*globbed, (std::vector<std::string>{data + "/a.avro", data + "/b.avro"}));

  Result<std::vector<std::string>> single = AvroFiles(data + "/b.avro");
  ASSERT_TRUE(single.ok()) << single.status().message();
  EXPECT_EQ(*single, (std::vector<std::string>{data + "/b.avro"}));
}

TEST(AvroFiles, RefusesFilesWhoseSchemasDiffer) {
  TempDir dir;
  WriteCounterFile((dir.path() / "a.avro").string(), 0, 1);
  {
    AvroWriter writer(dir.path() / "b.avro", R"({"type": "record", "name": "Counter", "fields": [
      {"name": "n", "type": "int"}, {"name": "text", "type": "string"}]})");
  }
  Result<std::vector<std::string>> files = AvroFiles(dir.path().string());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(files.status().message(), (dir.path() / "b.avro").string() + ": its schema differs from " +
                                          (dir.path() / "a.avro").string() +
                                          "'s: column 1 is 'n INTEGER' here and 'n BIGINT' there");
}

TEST(AvroFiles, NothingThereIsNotFound) {
  TempDir dir;
  EXPECT_EQ(AvroFiles((dir.path() / "missing").string()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AvroFiles((dir.path() / "*.avro").string()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AvroFiles(dir.path().string()).status().code(), StatusCode::kNotFound);
}

TEST(AvroReader, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  std::string path = (dir.path() / "missing.avro").string();
  Result<Schema> schema = ReadAvroSchema(path);
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find(path), std::string::npos) << schema.status().message();
  Status rows = ReadAvroRows(path, 10, [](const RowSet&) { return Status::Ok(); });
  EXPECT_EQ(rows.code(), StatusCode::kNotFound);
}

TEST(AvroReader, TextFileNamedAvroIsInvalidInput) {
  TempDir dir;
  std::string path = dir.Write("notes.avro", "id,name\n1,alice\n").string();
  Result<Schema> schema = ReadAvroSchema(path);
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(schema.status().message(),
            path + ": not an Avro object container file (it does not start with \"Obj\\x01\")");
  EXPECT_EQ(ReadAvroRows(path, 10, [](const RowSet&) { return Status::Ok(); }).code(),
            StatusCode::kInvalidInput);
  EXPECT_EQ(ReadAvroSchema(dir.Write("empty.avro", "").string()).status().code(), StatusCode::kInvalidInput);
}

TEST(AvroReader, EveryTruncationIsAnErrorOrAShorterFileNeverACrash) {
  TempDir dir;
  std::string full_path = (dir.path() / "full.avro").string();
  WriteCounterFile(full_path, 0, 200, "null", 1024);
  std::string bytes = ReadBytes(full_path);
  std::string path = (dir.path() / "cut.avro").string();
  int complete_files = 0;
  for (size_t size = 0; size < bytes.size(); ++size) {
    WriteBytes(path, bytes.substr(0, size));
    size_t rows = 0;
    Status status = ReadAvroRows(path, 64, [&](const RowSet& batch) {
      rows += batch.rows.size();
      return Status::Ok();
    });
    if (status.ok()) {
      // A cut right after a block's sync marker leaves a valid file with fewer blocks.
      ++complete_files;
      EXPECT_LT(rows, 200u) << "cut at " << size;
      continue;
    }
    ASSERT_EQ(status.code(), StatusCode::kInvalidInput) << "cut at " << size << ": " << status.message();
    EXPECT_EQ(status.message().rfind(path + ": ", 0), 0u) << status.message();
    EXPECT_EQ(rows, 0u) << "rows were sent before the truncation was found";
  }
  EXPECT_GT(complete_files, 0);
  EXPECT_LT(complete_files, 200);

  WriteBytes(path, bytes.substr(0, bytes.size() - 100));
  Status status = ReadAvroRows(path, 64, [](const RowSet&) { return Status::Ok(); });
  EXPECT_NE(status.message().find("truncated"), std::string::npos) << status.message();
  WriteBytes(path, bytes.substr(0, 20));
  EXPECT_EQ(ReadAvroSchema(path).status().code(), StatusCode::kInvalidInput);
}

TEST(AvroReader, CorruptSyncMarkerIsInvalidInput) {
  TempDir dir;
  std::string path = (dir.path() / "counter.avro").string();
  WriteCounterFile(path, 0, 10);
  std::string bytes = ReadBytes(path);
  bytes[bytes.size() - 3] ^= 0x55;
  WriteBytes(path, bytes);
  Status status = ReadAvroRows(path, 64, [](const RowSet&) { return Status::Ok(); });
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput);
  EXPECT_NE(status.message().find("sync marker after block 1 does not match"), std::string::npos)
      << status.message();
}

TEST(AvroReader, GarbageInsideABlockIsAnErrorNotACrash) {
  TempDir dir;
  std::string path = (dir.path() / "counter.avro").string();
  WriteCounterFile(path, 0, 10);
  std::string bytes = ReadBytes(path);
  // The one block's bytes sit between the header and the final 16-byte sync marker; its strings'
  // lengths become huge varints.
  size_t block_end = bytes.size() - 16;
  for (size_t i = block_end - 60; i < block_end; ++i) bytes[i] = '\xfe';
  WriteBytes(path, bytes);
  Status status = ReadAvroRows(path, 64, [](const RowSet&) { return Status::Ok(); });
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(status.message().rfind(path + ": row ", 0), 0u) << status.message();
}

TEST(AvroReader, UnsupportedSchemasAndCodecsAreInvalidInput) {
  TempDir dir;
  std::string longs = (dir.path() / "longs.avro").string();
  {
    AvroWriter writer(longs, R"("long")");
    avro_value_set_long(&writer.record(), 5);
    writer.Append();
  }
  Result<Schema> schema = ReadAvroSchema(longs);
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(schema.status().message(),
            longs + ": the schema's top level is not a record, so it has no columns");

  std::string zstd = (dir.path() / "zstd.avro").string();
  WriteCounterFile(zstd, 0, 1);
  RewriteHeader(zstd, {{"avro.codec", "zstandard"}});
  schema = ReadAvroSchema(zstd);
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(schema.status().message().find("codec 'zstandard' is not supported"), std::string::npos)
      << schema.status().message();

  std::string broken = (dir.path() / "broken.avro").string();
  WriteCounterFile(broken, 0, 1);
  RewriteHeader(broken, {{"avro.schema", R"({"type": "record", "name": "R", "fields": [{"name": "a"}]})"}});
  schema = ReadAvroSchema(broken);
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(schema.status().message().find(broken + ": libavro cannot parse the schema"), std::string::npos)
      << schema.status().message();
}

// An in-memory DuckDB through its C API, for checking that the text values cast to their types.
class TestDuckDb {
 public:
  TestDuckDb() {
    EXPECT_EQ(duckdb_open(nullptr, &database_), DuckDBSuccess);
    EXPECT_EQ(duckdb_connect(database_, &connection_), DuckDBSuccess);
  }
  ~TestDuckDb() {
    duckdb_disconnect(&connection_);
    duckdb_close(&database_);
  }

  // The first row of `sql`'s result as text ("NULL" for NULL), or the error message.
  std::vector<std::string> Row(const std::string& sql) {
    duckdb_result result;
    std::vector<std::string> row;
    if (duckdb_query(connection_, sql.c_str(), &result) != DuckDBSuccess) {
      row.push_back(std::string("error: ") + duckdb_result_error(&result));
    } else {
      for (idx_t col = 0; col < duckdb_column_count(&result) && duckdb_row_count(&result) > 0; ++col) {
        char* value = duckdb_value_varchar(&result, col, 0);
        row.push_back(value == nullptr ? "NULL" : value);
        duckdb_free(value);
      }
    }
    duckdb_destroy_result(&result);
    return row;
  }

  // Appends `rows` to `table` with the appender, which casts each text value to its column's type.
  Status Append(const std::string& table, const RowSet& rows) {
    duckdb_appender appender = nullptr;
    if (duckdb_appender_create(connection_, nullptr, table.c_str(), &appender) != DuckDBSuccess) {
      duckdb_appender_destroy(&appender);
      return Status::Internal("cannot create an appender");
    }
    bool ok = true;
    for (const auto& row : rows.rows) {
      for (const auto& value : row) {
        ok = ok && (value ? duckdb_append_varchar_length(appender, value->data(), value->size())
                          : duckdb_append_null(appender)) == DuckDBSuccess;
      }
      ok = ok && duckdb_appender_end_row(appender) == DuckDBSuccess;
    }
    ok = ok && duckdb_appender_close(appender) == DuckDBSuccess;
    std::string error = ok ? "" : duckdb_appender_error(appender);
    duckdb_appender_destroy(&appender);
    return ok ? Status::Ok() : Status::InvalidInput(error);
  }

 private:
  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

TEST(AvroReader, RowsLoadIntoDuckDbWithTheirTypes) {
  TempDir dir;
  std::string path = (dir.path() / "orders.avro").string();
  const char* schema_json = R"({"type": "record", "name": "Order", "fields": [
    {"name": "id", "type": "int"}, {"name": "amount", "type": "long"},
    {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 3}},
    {"name": "ratio", "type": "double"}, {"name": "weight", "type": "float"},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "placed_at", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
    {"name": "clock", "type": {"type": "long", "logicalType": "time-micros"}},
    {"name": "payload", "type": "bytes"}, {"name": "paid", "type": "boolean"},
    {"name": "customer", "type": ["null", "string"]},
    {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "items", "type": {"type": "array", "items": "string"}}]})";
  const int kRows = 1500;
  {
    AvroWriter writer(path, schema_json, "deflate", 4096);
    for (int i = 0; i < kRows; ++i) {
      avro_value_t field = writer.Field("id"), item;
      avro_value_set_int(&field, i);
      field = writer.Field("amount");
      avro_value_set_long(&field, int64_t{3'000'000'000} * i);
      SetBytes(writer.Field("price"), DecimalBytes(i % 2 == 0 ? 1'234'567 : -1));  // 1234.567 or -0.001
      field = writer.Field("ratio");
      avro_value_set_double(&field, i == 7 ? std::nan("") : 0.1 * i);
      field = writer.Field("weight");
      avro_value_set_float(&field, 1.1f);
      field = writer.Field("day");
      avro_value_set_int(&field, i == 0 ? -719529 : 19723 + i % 366);
      field = Branch(writer.Field("placed_at"), i % 10 == 0 ? 0 : 1);
      if (i % 10 != 0) avro_value_set_long(&field, 1709296496789012 + i);
      field = writer.Field("clock");
      avro_value_set_long(&field, 45296789012);
      SetBytes(writer.Field("payload"), std::string("\x00\xff\\'", 4));
      field = writer.Field("paid");
      avro_value_set_boolean(&field, i % 3 == 0);
      field = Branch(writer.Field("customer"), i % 4 == 0 ? 0 : 1);
      if (i % 4 != 0) avro_value_set_string(&field, "O'Brien");
      field = writer.Field("ref");
      avro_value_set_string(&field, "0f8fad5b-d9cb-469f-a165-70867728950e");
      field = writer.Field("items");
      avro_value_append(&field, &item, nullptr);
      avro_value_set_string(&item, "apple");
      avro_value_append(&field, &item, nullptr);
      avro_value_set_string(&item, std::to_string(i).c_str());
      writer.Append();
    }
  }

  Result<Schema> schema = ReadAvroSchema(path);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  std::string create = "CREATE TABLE orders (";
  for (size_t i = 0; i < schema->columns.size(); ++i) {
    create += (i ? ", \"" : "\"") + schema->columns[i].name + "\" " + schema->columns[i].type;
  }
  TestDuckDb db;
  ASSERT_EQ(db.Row(create + ")"), std::vector<std::string>{});
  Status status = ReadAvroRows(path, 512, [&](const RowSet& batch) { return db.Append("orders", batch); });
  ASSERT_TRUE(status.ok()) << status.message();

  EXPECT_EQ(db.Row("SELECT count(*), sum(amount), count(placed_at), count(customer) FROM orders"),
            (std::vector<std::string>{
                "1500", std::to_string(int64_t{3'000'000'000} * (kRows - 1) * kRows / 2), "1350", "1125"}));
  EXPECT_EQ(
      db.Row(
          "SELECT max(placed_at)::VARCHAR, min(day)::VARCHAR, max(day)::VARCHAR, any_value(clock)::VARCHAR "
          "FROM orders"),
      (std::vector<std::string>{"2024-03-01 12:34:56.790511", "0002-12-31 (BC)", "2024-12-31",
                                "12:34:56.789012"}));
  // Decimals arrive exact: 750 * 1234.567 + 750 * -0.001.
  EXPECT_EQ(db.Row("SELECT sum(price)::VARCHAR, typeof(sum(price)) FROM orders"),
            (std::vector<std::string>{"925924.500", "DECIMAL(38,3)"}));
  EXPECT_EQ(db.Row("SELECT ratio = 0.1::DOUBLE * 3, isnan(ratio) FROM orders WHERE id IN (3, 7) ORDER BY id"),
            (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(db.Row("SELECT isnan(ratio), weight = 1.1::FLOAT FROM orders WHERE id = 7"),
            (std::vector<std::string>{"true", "true"}));
  EXPECT_EQ(db.Row("SELECT octet_length(payload), payload = '\\x00\\xFF\\x5C'''::BLOB FROM orders LIMIT 1"),
            (std::vector<std::string>{"4", "true"}));
  EXPECT_EQ(db.Row("SELECT count(*) FILTER (paid), any_value(customer) FILTER (customer IS NOT NULL), "
                   "any_value(ref)::VARCHAR, typeof(any_value(ref)) FROM orders"),
            (std::vector<std::string>{"500", "O'Brien", "0f8fad5b-d9cb-469f-a165-70867728950e", "UUID"}));
  EXPECT_EQ(db.Row("SELECT items FROM orders WHERE id = 42"),
            (std::vector<std::string>{R"(["apple","42"])"}));
}

// ---------------------------------------------------------------------------------------------
// `avro:` as a dataset location.

const char* kEvents = R"({"type": "record", "name": "Event", "fields": [
  {"name": "id", "type": "long"}, {"name": "name", "type": ["null", "string"]},
  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
  {"name": "at", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
  {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
  {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
  {"name": "payload", "type": "bytes"}]})";

const char* kEventTypes =
    "id BIGINT, name VARCHAR, day DATE, at TIMESTAMP, price DECIMAL(10,2), ref UUID, payload BLOB";

// Events first..first+count-1. Event i: name "e<i>" (NULL when i % 3 == 0), day 2024-01-01 + i,
// at 2024-03-01 00:00:00 + i seconds (NULL when i % 4 == 0), price i.25 (negative when i is odd),
// ref ...000<i>, payload the bytes 0x00 'i'.
void WriteEventFile(const fs::path& path, int first, int count) {
  fs::create_directories(path.parent_path());
  AvroWriter writer(path, kEvents);
  for (int i = first; i < first + count; ++i) {
    avro_value_t field = writer.Field("id");
    avro_value_set_long(&field, i);
    field = Branch(writer.Field("name"), i % 3 == 0 ? 0 : 1);
    if (i % 3 != 0) avro_value_set_string(&field, ("e" + std::to_string(i)).c_str());
    field = writer.Field("day");
    avro_value_set_int(&field, 19723 + i);
    field = Branch(writer.Field("at"), i % 4 == 0 ? 0 : 1);
    if (i % 4 != 0) avro_value_set_long(&field, 1709251200000000 + int64_t{1000000} * i);
    SetBytes(writer.Field("price"), DecimalBytes((i % 2 == 0 ? 1 : -1) * (100 * i + 25)));
    field = writer.Field("ref");
    char ref[37];
    std::snprintf(ref, sizeof ref, "00000000-0000-0000-0000-%012d", i);
    avro_value_set_string(&field, ref);
    SetBytes(writer.Field("payload"), std::string(1, '\0') + static_cast<char>('0' + i % 10));
    writer.Append();
  }
}

DatasetLocation AvroLocation(const fs::path& path) {
  return DatasetLocation::Parse("avro:" + path.string()).value();
}

std::unique_ptr<SqlEngine> DuckDbEngine() {
  auto engine = OpenDuckDbEngine();
  EXPECT_TRUE(engine.ok()) << engine.status().message();
  return std::move(engine).value();
}

// The rows of `sql`, every value as text, or the error as the only cell.
std::vector<std::vector<Value>> Rows(SqlEngine& engine, const std::string& sql) {
  Result<RowSet> rows = engine.Query(sql);
  if (!rows.ok()) return {{"error: " + rows.status().message()}};
  return rows->rows;
}

// How many temporary tables the engine holds: a failed load must leave none.
std::string TemporaryTables(SqlEngine& engine) {
  return Rows(engine, "SELECT count(*) FROM duckdb_tables() WHERE temporary").at(0).at(0).value_or("NULL");
}

TEST(AvroLocation, TheWarehouseReadsTheSchemaFromTheFilesHeaders) {
  TempDir dir;
  WriteEventFile(dir.path() / "events" / "a.avro", 0, 3);
  WriteEventFile(dir.path() / "events" / "later" / "b.avro", 3, 2);
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok()) << warehouse.status().message();

  for (const std::string& text :
       {"avro:" + (dir.path() / "events").string(), "avro:" + (dir.path() / "events" / "*.avro").string(),
        (dir.path() / "events" / "a.avro").string()}) {
    Result<Schema> schema = (*warehouse)->ReadSchema(DatasetLocation::Parse(text).value());
    ASSERT_TRUE(schema.ok()) << text << ": " << schema.status().message();
    EXPECT_EQ(TypesOf(*schema), kEventTypes) << text;
  }
}

TEST(AvroLocation, TheWarehouseNamesTheFileWhoseSchemaDiffers) {
  TempDir dir;
  WriteEventFile(dir.path() / "events" / "a.avro", 0, 3);
  WriteCounterFile((dir.path() / "events" / "b.avro").string(), 0, 3);
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok()) << warehouse.status().message();
  Result<Schema> schema = (*warehouse)->ReadSchema(AvroLocation(dir.path() / "events"));
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(schema.status().message(), (dir.path() / "events" / "b.avro").string() +
                                                      ": its schema differs from " +
                                                      (dir.path() / "events" / "a.avro").string()))
      << schema.status().message();
}

TEST(AvroLocation, NothingThereIsNotFound) {
  TempDir dir;
  fs::create_directories(dir.path() / "empty");
  dir.Write("empty/notes.txt", "no Avro here");
  auto warehouse = OpenDuckDbWarehouse();
  ASSERT_TRUE(warehouse.ok()) << warehouse.status().message();
  auto engine = DuckDbEngine();
  for (const fs::path& path :
       {dir.path() / "missing", dir.path() / "empty", dir.path() / "empty" / "*.avro"}) {
    EXPECT_EQ((*warehouse)->ReadSchema(AvroLocation(path)).status().code(), StatusCode::kNotFound) << path;
    EXPECT_EQ(engine->Relation(AvroLocation(path)).status().code(), StatusCode::kNotFound) << path;
  }
  EXPECT_EQ(TemporaryTables(*engine), "0");
}

TEST(AvroLocation, TheEngineReadsTheRowsWithTheirTypesAndNulls) {
  TempDir dir;
  WriteEventFile(dir.path() / "events" / "a.avro", 0, 3);
  WriteEventFile(dir.path() / "events" / "later" / "b.avro", 3, 2);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();
  EXPECT_EQ(OpenEngineFor(AvroLocation(dir.path() / "events")).value()->kind(), EngineKind::kDuckDb);
  Result<std::string> relation = engine->Relation(AvroLocation(dir.path() / "events"));
  ASSERT_TRUE(relation.ok()) << relation.status().message();

  auto described = Rows(*engine,
                        "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM "
                        "(DESCRIBE SELECT * FROM " +
                            *relation + ")");
  EXPECT_EQ(described.at(0).at(0), kEventTypes);
  auto rows = Rows(*engine, "SELECT * FROM " + *relation + " ORDER BY id");
  ASSERT_EQ(rows.size(), 5u) << rows.at(0).at(0).value_or("");
  EXPECT_EQ(rows[0], (std::vector<Value>{"0", std::nullopt, "2024-01-01", std::nullopt, "0.25",
                                         "00000000-0000-0000-0000-000000000000", "\\x000"}));
  EXPECT_EQ(rows[1], (std::vector<Value>{"1", "e1", "2024-01-02", "2024-03-01 00:00:01", "-1.25",
                                         "00000000-0000-0000-0000-000000000001", "\\x001"}));
  EXPECT_EQ(rows[4], (std::vector<Value>{"4", "e4", "2024-01-05", std::nullopt, "4.25",
                                         "00000000-0000-0000-0000-000000000004", "\\x004"}));
  // Typed, not text: date and timestamp arithmetic, an exact decimal sum, blob length.
  EXPECT_EQ(Rows(*engine,
                 "SELECT max(day) + 1, max(\"at\") + INTERVAL 1 HOUR, sum(price), count(name), "
                 "count(\"at\"), max(octet_length(payload)) FROM " +
                     *relation),
            (std::vector<std::vector<Value>>{{"2024-01-06", "2024-03-01 01:00:03", "2.25", "3", "3", "2"}}));
}

TEST(AvroLocation, TheEngineLoadsALocationOnceAndReusesItsTable) {
  TempDir dir;
  fs::create_directories(dir.path() / "counter");
  // More rows than one load batch, in two files.
  WriteCounterFile((dir.path() / "counter" / "a.avro").string(), 0, 15000);
  WriteCounterFile((dir.path() / "counter" / "b.avro").string(), 15000, 10000);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();
  Result<std::string> first = engine->Relation(AvroLocation(dir.path() / "counter"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(Rows(*engine, "SELECT count(*), count(DISTINCT n), sum(n), max(text) FROM " + *first),
            (std::vector<std::vector<Value>>{{"25000", "25000", "312487500", "row 9999"}}));

  // The files are gone, yet the second call answers: it reuses what the first one loaded.
  fs::remove_all(dir.path() / "counter");
  Result<std::string> second = engine->Relation(AvroLocation(dir.path() / "counter"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(Rows(*engine, "SELECT count(*) FROM " + *second), (std::vector<std::vector<Value>>{{"25000"}}));
  EXPECT_EQ(TemporaryTables(*engine), "1");
  // Another engine object loads on its own.
  EXPECT_EQ(DuckDbEngine()->Relation(AvroLocation(dir.path() / "counter")).status().code(),
            StatusCode::kNotFound);
}

TEST(AvroLocation, ALoadRolledBackWithTheCallersTransactionIsLoadedAgain) {
  TempDir dir;
  WriteCounterFile((dir.path() / "counter.avro").string(), 0, 10);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();
  ASSERT_TRUE(engine->Begin().ok());
  Result<std::string> inside = engine->Relation(AvroLocation(dir.path() / "counter.avro"));
  ASSERT_TRUE(inside.ok()) << inside.status().message();
  ASSERT_TRUE(engine->Rollback().ok());
  Result<std::string> after = engine->Relation(AvroLocation(dir.path() / "counter.avro"));
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(Rows(*engine, "SELECT count(*) FROM " + *after), (std::vector<std::vector<Value>>{{"10"}}));
}

TEST(AvroLocation, ACorruptFileIsAnErrorNamingItAndLeavesNoTableBehind) {
  TempDir dir;
  fs::path good = dir.path() / "counter" / "a.avro";
  fs::path bad = dir.path() / "counter" / "b.avro";
  fs::create_directories(good.parent_path());
  WriteCounterFile(good.string(), 0, 100);  // loaded first, then rolled back
  WriteCounterFile(bad.string(), 100, 100);
  std::string bytes = ReadBytes(bad);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();

  WriteBytes(bad, bytes.substr(0, bytes.size() - 100));  // truncated
  Result<std::string> truncated = engine->Relation(AvroLocation(good.parent_path()));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(truncated.status().message(), bad.string() + ": byte "))
      << truncated.status().message();
  EXPECT_TRUE(Contains(truncated.status().message(), "truncated")) << truncated.status().message();
  EXPECT_EQ(TemporaryTables(*engine), "0");

  std::string garbage = bytes;  // the block's last bytes become huge varints: libavro fails on a row
  for (size_t i = garbage.size() - 76; i < garbage.size() - 16; ++i) garbage[i] = '\xfe';
  WriteBytes(bad, garbage);
  Result<std::string> corrupt = engine->Relation(AvroLocation(good.parent_path()));
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(corrupt.status().message(), bad.string() + ": row ")) << corrupt.status().message();
  EXPECT_EQ(TemporaryTables(*engine), "0");

  WriteBytes(bad, bytes);  // repaired: the same engine loads it whole
  Result<std::string> repaired = engine->Relation(AvroLocation(good.parent_path()));
  ASSERT_TRUE(repaired.ok()) << repaired.status().message();
  EXPECT_EQ(Rows(*engine, "SELECT count(*), sum(n) FROM " + *repaired),
            (std::vector<std::vector<Value>>{{"200", "19900"}}));
  EXPECT_EQ(TemporaryTables(*engine), "1");
}

TEST(AvroLocation, AvroIsReadButNeverWritten) {
  TempDir dir;
  WriteCounterFile((dir.path() / "counter.avro").string(), 0, 1);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();
  Result<std::string> table = engine->TableName(AvroLocation(dir.path() / "counter.avro"));
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(table.status().message(), "never writes")) << table.status().message();
}

TEST(AvroLocation, DataDiffComparesAvroWithParquet) {
  TempDir dir;
  WriteEventFile(dir.path() / "events" / "a.avro", 0, 3);
  WriteEventFile(dir.path() / "events" / "b.avro", 3, 3);
  std::unique_ptr<SqlEngine> engine = DuckDbEngine();
  std::string relation = engine->Relation(AvroLocation(dir.path() / "events")).value();
  std::string same = (dir.path() / "same.parquet").string();
  std::string changed = (dir.path() / "changed.parquet").string();
  ASSERT_TRUE(
      engine->Execute("COPY (SELECT * FROM " + relation + ") TO '" + same + "' (FORMAT parquet)").ok());
  ASSERT_TRUE(
      engine
          ->Execute("COPY (SELECT * REPLACE (CASE WHEN id = 4 THEN price + 1 ELSE price END AS price) FROM " +
                    relation + ") TO '" + changed + "' (FORMAT parquet)")
          .ok());

  std::string events = "avro:" + (dir.path() / "events").string();
  auto equal = testing::RunSkein({"data", "diff", events, "parquet:" + same, "--key", "id"}, dir.path());
  EXPECT_EQ(equal.exit_code, 0) << equal.out << equal.err;
  EXPECT_TRUE(Contains(equal.out, "A: " + events + " (duckdb, 6 rows)")) << equal.out;
  EXPECT_TRUE(Contains(equal.out, "result: equal")) << equal.out;

  for (const char* method : {"join", "checksum"}) {
    auto different = testing::RunSkein(
        {"data", "diff", events, "parquet:" + changed, "--key", "id", "--method", method}, dir.path());
    EXPECT_EQ(different.exit_code, 1) << method << ": " << different.out << different.err;
    EXPECT_TRUE(Contains(different.out, "changed: 1")) << different.out;
    EXPECT_TRUE(Contains(different.out, "price: 4.25 -> 5.25")) << different.out;
  }
}

}  // namespace
}  // namespace skein
