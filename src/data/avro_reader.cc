// Avro object container files (see avro_reader.h): the container framing and the schema's JSON
// are read here, the row values are decoded by libavro and formatted here.
#include "data/avro_reader.h"

#include <avro.h>
#include <glob.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "base/text.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kSyncSize = 16;
// Deeper schemas or values are refused rather than risking the stack.
constexpr int kMaxDepth = 128;

// ---------------------------------------------------------------------------------------------
// The container: "Obj\x01", a metadata map (avro.schema, avro.codec), a 16-byte sync marker, then
// blocks of (object count, byte size, bytes, sync marker).

struct ContainerHeader {
  std::string schema_json;
  std::string codec = "null";
  std::array<char, kSyncSize> sync{};
};

// Reads the container byte by byte, bounding every length by what is left in the file, so a
// corrupt length is an error instead of a huge allocation. Errors name the path and byte offset.
class ContainerScanner {
 public:
  ContainerScanner(std::istream& in, const std::string& path, uint64_t size)
      : in_(in), path_(path), size_(size) {}

  const std::string& path() const { return path_; }
  bool AtEnd() const { return offset_ >= size_; }

  Status Error(const std::string& what) const {
    return Status::InvalidInput(path_ + ": byte " + std::to_string(offset_) + ": " + what);
  }

  // An Avro long: a zig-zag varint of at most 10 bytes.
  Status ReadLong(const std::string& what, int64_t& value) {
    uint64_t bits = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int c = in_.get();
      if (c == std::char_traits<char>::eof()) return Error("truncated: the file ends inside the " + what);
      ++offset_;
      bits |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) {
        value = static_cast<int64_t>(bits >> 1) ^ -static_cast<int64_t>(bits & 1);
        return Status::Ok();
      }
    }
    return Error("malformed " + what + " (a varint longer than 10 bytes)");
  }

  Status ReadBytes(const std::string& what, uint64_t count, std::string& out) {
    if (count > size_ - offset_) return Error("truncated: the file ends inside the " + what);
    out.resize(count);
    in_.read(out.data(), static_cast<std::streamsize>(count));
    if (static_cast<uint64_t>(in_.gcount()) != count) return Error("cannot read the " + what);
    offset_ += count;
    return Status::Ok();
  }

  // A length-prefixed string or bytes value.
  Status ReadLengthPrefixed(const std::string& what, std::string& out) {
    int64_t length = 0;
    RETURN_IF_ERROR(ReadLong("length of the " + what, length));
    if (length < 0) return Error("malformed " + what + " (negative length " + std::to_string(length) + ")");
    return ReadBytes(what, static_cast<uint64_t>(length), out);
  }

  Status Skip(const std::string& what, uint64_t count) {
    if (count > size_ - offset_) {
      return Error("truncated: the " + what + " declares " + std::to_string(count) +
                   " bytes but the file has " + std::to_string(size_ - offset_) + " left");
    }
    in_.seekg(static_cast<std::streamoff>(count), std::ios::cur);
    if (!in_) return Error("cannot seek over the " + what);
    offset_ += count;
    return Status::Ok();
  }

 private:
  std::istream& in_;
  const std::string& path_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

// The metadata map: blocks of entries ending with a 0 count; a negative count is followed by the
// block's byte size (which is not needed here).
Status ReadMetadata(ContainerScanner& scanner, ContainerHeader& header) {
  bool has_schema = false;
  while (true) {
    int64_t count = 0;
    RETURN_IF_ERROR(scanner.ReadLong("header's metadata", count));
    if (count == 0) break;
    if (count < 0) {
      int64_t block_bytes = 0;
      RETURN_IF_ERROR(scanner.ReadLong("header's metadata", block_bytes));
      count = count == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -count;
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string key, value;
      RETURN_IF_ERROR(scanner.ReadLengthPrefixed("header's metadata key", key));
      RETURN_IF_ERROR(scanner.ReadLengthPrefixed("header's metadata value", value));
      if (key == "avro.schema") {
        header.schema_json = std::move(value);
        has_schema = true;
      } else if (key == "avro.codec") {
        header.codec = std::move(value);
      }
    }
  }
  if (!has_schema) return scanner.Error("the header has no avro.schema entry");
  return Status::Ok();
}

Status ReadHeader(ContainerScanner& scanner, ContainerHeader& header) {
  std::string magic;
  if (!scanner.ReadBytes("magic", 4, magic).ok() || magic != std::string("Obj\x01", 4)) {
    return Status::InvalidInput(scanner.path() +
                                ": not an Avro object container file (it does not start with \"Obj\\x01\")");
  }
  RETURN_IF_ERROR(ReadMetadata(scanner, header));
  std::string sync;
  RETURN_IF_ERROR(scanner.ReadBytes("header's sync marker", kSyncSize, sync));
  std::copy(sync.begin(), sync.end(), header.sync.begin());
  static const std::vector<std::string> kCodecs = {"null", "deflate", "snappy", "lzma"};
  if (std::find(kCodecs.begin(), kCodecs.end(), header.codec) == kCodecs.end()) {
    return scanner.Error("compression codec '" + header.codec + "' is not supported (libavro reads " +
                         Join(kCodecs, ", ") + ")");
  }
  return Status::Ok();
}

// Walks every block after the header, checking its sizes and sync marker; returns the number of
// rows. libavro gets the file only after this passed.
Result<int64_t> CountRows(ContainerScanner& scanner, const ContainerHeader& header) {
  int64_t rows = 0;
  for (int64_t block = 1; !scanner.AtEnd(); ++block) {
    std::string name = "block " + std::to_string(block);
    int64_t count = 0, bytes = 0;
    RETURN_IF_ERROR(scanner.ReadLong("object count of " + name, count));
    RETURN_IF_ERROR(scanner.ReadLong("byte size of " + name, bytes));
    if (count < 0 || bytes < 0) return scanner.Error("malformed " + name + " (a negative count or size)");
    RETURN_IF_ERROR(scanner.Skip(name, static_cast<uint64_t>(bytes)));
    std::string sync;
    RETURN_IF_ERROR(scanner.ReadBytes("sync marker of " + name, kSyncSize, sync));
    if (!std::equal(sync.begin(), sync.end(), header.sync.begin())) {
      return scanner.Error("the sync marker after " + name +
                           " does not match the header's: the file is corrupt");
    }
    if (count > std::numeric_limits<int64_t>::max() - rows) return scanner.Error("malformed " + name);
    rows += count;
  }
  return rows;
}

// An Avro file opened for a ContainerScanner; ReadHeader fills `header`.
struct ContainerFile {
  std::ifstream in;
  uint64_t size = 0;
  ContainerHeader header;
};

Status OpenContainer(const std::string& path, ContainerFile& file) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return Status::NotFound("no such Avro file: " + path);
  if (fs::is_directory(status)) return Status::InvalidInput(path + " is a folder, not an Avro file");
  file.size = fs::file_size(path, ec);
  if (ec) return Status::IoError("cannot read " + path + ": " + ec.message());
  file.in.open(path, std::ios::binary);
  if (!file.in) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// The schema, parsed from the header's JSON with its logical types.

struct AvroType {
  enum class Kind {
    kNull,
    kBoolean,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kBytes,
    kString,
    kRecord,
    kEnum,
    kArray,
    kMap,
    kUnion,
    kFixed
  };
  enum class Logical {
    kNone,
    kDate,
    kTimeMillis,
    kTimeMicros,
    kTimestampMillis,
    kTimestampMicros,
    kDecimal,
    kUuid
  };

  Kind kind = Kind::kNull;
  Logical logical = Logical::kNone;
  int64_t precision = 0;  // decimal
  int64_t scale = 0;      // decimal
  int64_t fixed_size = 0;
  std::vector<std::string> names;  // a record's field names, an enum's symbols
  // A record's fields, a union's branches, an array's items or a map's values.
  std::vector<const AvroType*> children;
};
using Kind = AvroType::Kind;
using Logical = AvroType::Logical;

struct LibavroSchemaRelease {
  void operator()(avro_schema_t schema) const { avro_schema_decref(schema); }
};
using LibavroSchema = std::unique_ptr<std::remove_pointer_t<avro_schema_t>, LibavroSchemaRelease>;

// The parsed types; `root` and every child point into `nodes`. A recursive record refers back to
// an ancestor, so the types form a graph, owned here as a whole. `libavro` is the same schema as
// libavro parses it, for decoding.
struct AvroSchemaTree {
  std::vector<std::unique_ptr<AvroType>> nodes;
  const AvroType* root = nullptr;
  LibavroSchema libavro;
};

const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string StringMember(const json& object, const char* key) {
  const json* member = Member(object, key);
  return member != nullptr && member->is_string() ? member->get<std::string>() : "";
}

// Wider decimals are treated as plain bytes: the text of one would be unbounded.
constexpr int64_t kMaxDecimalPrecision = 1000;

// A logical type the Avro specification does not allow on `type`'s underlying type, or does not
// define, is ignored: readers fall back to the underlying type.
void ApplyLogicalType(const json& object, AvroType& type) {
  static const std::map<std::string, std::pair<Logical, Kind>> kTyped = {
      {"date", {Logical::kDate, Kind::kInt}},
      {"time-millis", {Logical::kTimeMillis, Kind::kInt}},
      {"time-micros", {Logical::kTimeMicros, Kind::kLong}},
      {"timestamp-millis", {Logical::kTimestampMillis, Kind::kLong}},
      {"timestamp-micros", {Logical::kTimestampMicros, Kind::kLong}},
      {"local-timestamp-millis", {Logical::kTimestampMillis, Kind::kLong}},
      {"local-timestamp-micros", {Logical::kTimestampMicros, Kind::kLong}}};
  std::string name = StringMember(object, "logicalType");
  if (auto it = kTyped.find(name); it != kTyped.end()) {
    if (type.kind == it->second.second) type.logical = it->second.first;
  } else if (name == "uuid") {
    if (type.kind == Kind::kString || (type.kind == Kind::kFixed && type.fixed_size == 16))
      type.logical = Logical::kUuid;
  } else if (name == "decimal" && (type.kind == Kind::kBytes || type.kind == Kind::kFixed)) {
    const json* precision = Member(object, "precision");
    const json* scale = Member(object, "scale");
    if (precision == nullptr || !precision->is_number_integer()) return;
    if (scale != nullptr && !scale->is_number_integer()) return;
    int64_t p = precision->get<int64_t>();
    int64_t s = scale == nullptr ? 0 : scale->get<int64_t>();
    if (p <= 0 || p > kMaxDecimalPrecision || s < 0 || s > p) return;
    type.logical = Logical::kDecimal;
    type.precision = p;
    type.scale = s;
  }
}

class SchemaParser {
 public:
  explicit SchemaParser(AvroSchemaTree& tree) : tree_(tree) {}

  Result<const AvroType*> Parse(const json& schema, const std::string& space, int depth) {
    if (depth > kMaxDepth)
      return Status::InvalidInput("the schema nests deeper than " + std::to_string(kMaxDepth));
    if (schema.is_string()) return Named(schema.get<std::string>(), space);
    if (schema.is_array()) {
      AvroType& type = New(Kind::kUnion);
      for (const json& branch : schema) {
        ASSIGN_OR_RETURN(const AvroType* child, Parse(branch, space, depth + 1));
        type.children.push_back(child);
      }
      return &type;
    }
    if (!schema.is_object())
      return Status::InvalidInput("a type is " + schema.dump() + ", not a name, union or object");
    const json* type_member = Member(schema, "type");
    if (type_member == nullptr) return Status::InvalidInput("a type object has no \"type\"");
    if (!type_member->is_string()) return Parse(*type_member, space, depth + 1);
    return Complex(schema, type_member->get<std::string>(), space, depth);
  }

 private:
  AvroType& New(Kind kind) {
    tree_.nodes.push_back(std::make_unique<AvroType>());
    tree_.nodes.back()->kind = kind;
    return *tree_.nodes.back();
  }

  static bool PrimitiveKind(const std::string& name, Kind& kind) {
    static const std::map<std::string, Kind> kPrimitives = {
        {"null", Kind::kNull},   {"boolean", Kind::kBoolean}, {"int", Kind::kInt},
        {"long", Kind::kLong},   {"float", Kind::kFloat},     {"double", Kind::kDouble},
        {"bytes", Kind::kBytes}, {"string", Kind::kString}};
    auto it = kPrimitives.find(name);
    if (it == kPrimitives.end()) return false;
    kind = it->second;
    return true;
  }

  // A primitive type name, or a reference to a named type defined earlier.
  Result<const AvroType*> Named(const std::string& name, const std::string& space) {
    Kind kind;
    if (PrimitiveKind(name, kind)) return &New(kind);
    if (name.find('.') == std::string::npos && !space.empty()) {
      if (auto it = named_.find(space + "." + name); it != named_.end()) return it->second;
    }
    if (auto it = named_.find(name); it != named_.end()) return it->second;
    return Status::InvalidInput("unknown type name '" + name + "'");
  }

  // Registers a record, enum or fixed under its full name; returns the namespace its own
  // definitions use.
  std::string Register(const json& schema, const std::string& space, const AvroType& type) {
    std::string name = StringMember(schema, "name");
    std::string own_space = schema.contains("namespace") ? StringMember(schema, "namespace") : space;
    size_t dot = name.rfind('.');
    if (dot != std::string::npos) own_space = name.substr(0, dot);
    std::string full = dot != std::string::npos || own_space.empty() ? name : own_space + "." + name;
    named_[full] = &type;
    return own_space;
  }

  Result<const AvroType*> Complex(const json& schema, const std::string& type_name, const std::string& space,
                                  int depth) {
    Kind kind;
    if (PrimitiveKind(type_name, kind)) {
      AvroType& type = New(kind);
      ApplyLogicalType(schema, type);
      return &type;
    }
    if (type_name == "record" || type_name == "error") return Record(schema, space, depth);
    if (type_name == "enum") {
      AvroType& type = New(Kind::kEnum);
      Register(schema, space, type);
      const json* symbols = Member(schema, "symbols");
      if (symbols == nullptr || !symbols->is_array())
        return Status::InvalidInput("an enum has no \"symbols\" array");
      for (const json& symbol : *symbols)
        type.names.push_back(symbol.is_string() ? symbol.get<std::string>() : "");
      return &type;
    }
    if (type_name == "fixed") {
      AvroType& type = New(Kind::kFixed);
      Register(schema, space, type);
      const json* size = Member(schema, "size");
      if (size == nullptr || !size->is_number_integer())
        return Status::InvalidInput("a fixed type has no \"size\"");
      type.fixed_size = size->get<int64_t>();
      ApplyLogicalType(schema, type);
      return &type;
    }
    if (type_name == "array" || type_name == "map") {
      AvroType& type = New(type_name == "array" ? Kind::kArray : Kind::kMap);
      const json* inner = Member(schema, type_name == "array" ? "items" : "values");
      if (inner == nullptr) return Status::InvalidInput("an " + type_name + " type has no element type");
      ASSIGN_OR_RETURN(const AvroType* child, Parse(*inner, space, depth + 1));
      type.children.push_back(child);
      return &type;
    }
    return Named(type_name, space);
  }

  Result<const AvroType*> Record(const json& schema, const std::string& space, int depth) {
    AvroType& type = New(Kind::kRecord);
    // Registered before its fields, which may refer to it (a linked list, a tree).
    std::string own_space = Register(schema, space, type);
    const json* fields = Member(schema, "fields");
    if (fields == nullptr || !fields->is_array())
      return Status::InvalidInput("a record has no \"fields\" array");
    for (const json& field : *fields) {
      const json* field_type = field.is_object() ? Member(field, "type") : nullptr;
      if (field_type == nullptr) return Status::InvalidInput("a record field has no \"type\"");
      type.names.push_back(StringMember(field, "name"));
      ASSIGN_OR_RETURN(const AvroType* child, Parse(*field_type, own_space, depth + 1));
      type.children.push_back(child);
    }
    return &type;
  }

  AvroSchemaTree& tree_;
  std::map<std::string, const AvroType*> named_;
};

// The header's schema as a tree, and as libavro parses it.
Result<AvroSchemaTree> ParseSchema(const std::string& path, const std::string& text) {
  AvroSchemaTree tree;
  avro_schema_t parsed = nullptr;
  if (avro_schema_from_json_length(text.data(), text.size(), &parsed) != 0) {
    return Status::InvalidInput(path + ": libavro cannot parse the schema: " + avro_strerror());
  }
  tree.libavro.reset(parsed);

  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Status::InvalidInput(path + ": the schema is not valid JSON");
  try {  // every access above is type-checked, so nlohmann should not throw; if it does, it stops here
    Result<const AvroType*> root = SchemaParser(tree).Parse(document, "", 0);
    if (!root.ok()) return root.status().WithContext(path + ": schema");
    tree.root = *root;
  } catch (const std::exception& e) {
    return Status::InvalidInput(path + ": schema: " + e.what());
  }
  if (tree.root->kind != Kind::kRecord) {
    return Status::InvalidInput(path + ": the schema's top level is not a record, so it has no columns");
  }
  if (tree.root->children.empty()) return Status::InvalidInput(path + ": the schema's record has no fields");
  return tree;
}

Result<AvroSchemaTree> ReadSchemaTree(ContainerScanner& scanner, ContainerHeader& header) {
  RETURN_IF_ERROR(ReadHeader(scanner, header));
  return ParseSchema(scanner.path(), header.schema_json);
}

// ---------------------------------------------------------------------------------------------
// DuckDB types.

// The non-null branch of a union [null, T] or [T, null], else nullptr.
const AvroType* NullableBranch(const AvroType& type) {
  if (type.kind != Kind::kUnion || type.children.size() != 2) return nullptr;
  const AvroType* first = type.children[0];
  const AvroType* second = type.children[1];
  if (first->kind == Kind::kNull && second->kind != Kind::kNull) return second;
  if (second->kind == Kind::kNull && first->kind != Kind::kNull) return first;
  return nullptr;
}

constexpr int64_t kMaxDuckDbDecimalPrecision = 38;

std::string DuckDbType(const AvroType& type) {
  if (const AvroType* inner = NullableBranch(type)) return DuckDbType(*inner);
  switch (type.logical) {
    case Logical::kDate:
      return "DATE";
    case Logical::kTimeMillis:
    case Logical::kTimeMicros:
      return "TIME";
    case Logical::kTimestampMillis:
    case Logical::kTimestampMicros:
      return "TIMESTAMP";
    case Logical::kDecimal:
      if (type.precision > kMaxDuckDbDecimalPrecision) return "VARCHAR";
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case Logical::kUuid:
      return "UUID";
    case Logical::kNone:
      break;
  }
  switch (type.kind) {
    case Kind::kBoolean:
      return "BOOLEAN";
    case Kind::kInt:
      return "INTEGER";
    case Kind::kLong:
      return "BIGINT";
    case Kind::kFloat:
      return "FLOAT";
    case Kind::kDouble:
      return "DOUBLE";
    case Kind::kBytes:
    case Kind::kFixed:
      return "BLOB";
    default:  // string, enum, null; records, arrays, maps and unions as JSON text
      return "VARCHAR";
  }
}

// ---------------------------------------------------------------------------------------------
// Value text.

Status LibavroError(const char* doing) {
  const char* message = avro_strerror();
  return Status::InvalidInput(std::string("libavro cannot ") + doing +
                              (message != nullptr && *message != '\0' ? std::string(": ") + message : ""));
}

Kind KindOf(avro_type_t type) {
  switch (type) {
    case AVRO_STRING:
      return Kind::kString;
    case AVRO_BYTES:
      return Kind::kBytes;
    case AVRO_INT32:
      return Kind::kInt;
    case AVRO_INT64:
      return Kind::kLong;
    case AVRO_FLOAT:
      return Kind::kFloat;
    case AVRO_DOUBLE:
      return Kind::kDouble;
    case AVRO_BOOLEAN:
      return Kind::kBoolean;
    case AVRO_RECORD:
      return Kind::kRecord;
    case AVRO_ENUM:
      return Kind::kEnum;
    case AVRO_FIXED:
      return Kind::kFixed;
    case AVRO_MAP:
      return Kind::kMap;
    case AVRO_ARRAY:
      return Kind::kArray;
    case AVRO_UNION:
      return Kind::kUnion;
    default:
      return Kind::kNull;
  }
}

// (a / b, a mod b) rounded toward negative infinity, for times before 1970.
std::pair<int64_t, int64_t> FloorDivide(int64_t a, int64_t b) {
  int64_t quotient = a / b, remainder = a % b;
  if (remainder < 0) {
    --quotient;
    remainder += b;
  }
  return {quotient, remainder};
}

// Days since 1970-01-01 as YYYY-MM-DD in the proleptic Gregorian calendar (Howard Hinnant's
// civil_from_days); a year before 1 is astronomical with a sign (-0001), as DuckDB reads it.
void AppendDate(int64_t days, std::string& out) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s%04lld-%02d-%02d", year < 0 ? "-" : "",
                static_cast<long long>(year < 0 ? -year : year), static_cast<int>(month),
                static_cast<int>(day));
  out += buffer;
}

constexpr int64_t kMicrosPerDay = 86'400'000'000;

// Microseconds since midnight as HH:MM:SS.ffffff; 24:00:00 is allowed, as DuckDB allows it.
Status AppendTimeOfDay(int64_t micros, std::string& out) {
  if (micros < 0 || micros > kMicrosPerDay)
    return Status::InvalidInput("time of day out of range: " + std::to_string(micros) + " microseconds");
  int64_t seconds = micros / 1'000'000;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%06lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60),
                static_cast<long long>(micros % 1'000'000));
  out += buffer;
  return Status::Ok();
}

// A timestamp `value` in units of 1/`per_second` seconds since the epoch. The day is split off in
// the value's own unit so that no multiplication can overflow.
Status AppendTimestamp(int64_t value, int64_t per_second, std::string& out) {
  auto [days, rest] = FloorDivide(value, 86'400 * per_second);
  AppendDate(days, out);
  out += ' ';
  return AppendTimeOfDay(rest * (1'000'000 / per_second), out);
}

void AppendFloatingPoint(double value, const char* format, std::string& out) {
  if (std::isnan(value)) {
    out += "nan";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
  } else {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, format, value);
    out += buffer;
  }
}

// Bytes as DuckDB's blob escape text: CAST(text AS BLOB) reads \xAB as one byte and refuses
// other backslashes and non-ASCII characters.
void AppendBlobText(const unsigned char* bytes, size_t size, std::string& out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < size; ++i) {
    unsigned char c = bytes[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
}

void AppendUuid(const unsigned char* bytes, std::string& out) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
}

// A decimal's unscaled value (big-endian two's complement, any width) as exact decimal text.
Status AppendDecimal(const unsigned char* bytes, size_t size, const AvroType& type, std::string& out) {
  bool negative = size > 0 && (bytes[0] & 0x80) != 0;
  std::vector<unsigned char> magnitude(bytes, bytes + size);
  if (negative) {  // two's complement negation: invert, add one
    for (auto& byte : magnitude) byte = static_cast<unsigned char>(~byte);
    for (size_t i = magnitude.size(); i-- > 0;) {
      if (++magnitude[i] != 0) break;
    }
  }
  size_t start = 0;
  while (start < magnitude.size() && magnitude[start] == 0) ++start;
  // p digits take at most 0.42p + 1 bytes: a wider value cannot fit its precision and is refused
  // before the quadratic division below.
  if (static_cast<int64_t>(magnitude.size() - start) > type.precision / 2 + 2) {
    return Status::InvalidInput("decimal value wider than its precision " + std::to_string(type.precision));
  }
  std::string digits;  // least significant first
  while (start < magnitude.size()) {
    unsigned remainder = 0;
    for (size_t i = start; i < magnitude.size(); ++i) {
      unsigned current = remainder * 256 + magnitude[i];
      magnitude[i] = static_cast<unsigned char>(current / 10);
      remainder = current % 10;
    }
    digits += static_cast<char>('0' + remainder);
    while (start < magnitude.size() && magnitude[start] == 0) ++start;
  }
  if (static_cast<int64_t>(digits.size()) > type.precision) {
    return Status::InvalidInput("decimal value has " + std::to_string(digits.size()) +
                                " digits, more than its precision " + std::to_string(type.precision));
  }
  if (static_cast<int64_t>(digits.size()) <= type.scale) digits.resize(type.scale + 1, '0');
  if (negative) out += '-';  // a negative value is never zero, so there is no "-0"
  for (size_t i = digits.size(); i-- > 0;) {
    out += digits[i];
    if (i == static_cast<size_t>(type.scale) && i != 0) out += '.';
  }
  return Status::Ok();
}

Status CheckKind(const avro_value_t& value, const AvroType& type) {
  avro_type_t actual = avro_value_get_type(&value);
  if (KindOf(actual) != type.kind || (type.kind == Kind::kNull && actual != AVRO_NULL)) {
    return Status::InvalidInput("libavro decoded a different type than the schema's JSON describes");
  }
  return Status::Ok();
}

// A scalar (not a record, array, map or union) as text.
Status AppendScalar(const avro_value_t& value, const AvroType& type, std::string& out) {
  RETURN_IF_ERROR(CheckKind(value, type));
  switch (type.kind) {
    case Kind::kBoolean: {
      int b = 0;
      if (avro_value_get_boolean(&value, &b) != 0) return LibavroError("read a boolean");
      out += b ? "true" : "false";
      return Status::Ok();
    }
    case Kind::kInt: {
      int32_t i = 0;
      if (avro_value_get_int(&value, &i) != 0) return LibavroError("read an int");
      if (type.logical == Logical::kDate) {
        AppendDate(i, out);
        return Status::Ok();
      }
      if (type.logical == Logical::kTimeMillis) return AppendTimeOfDay(int64_t{i} * 1000, out);
      out += std::to_string(i);
      return Status::Ok();
    }
    case Kind::kLong: {
      int64_t l = 0;
      if (avro_value_get_long(&value, &l) != 0) return LibavroError("read a long");
      if (type.logical == Logical::kTimestampMillis) return AppendTimestamp(l, 1'000, out);
      if (type.logical == Logical::kTimestampMicros) return AppendTimestamp(l, 1'000'000, out);
      if (type.logical == Logical::kTimeMicros) return AppendTimeOfDay(l, out);
      out += std::to_string(l);
      return Status::Ok();
    }
    case Kind::kFloat: {
      float f = 0;
      if (avro_value_get_float(&value, &f) != 0) return LibavroError("read a float");
      AppendFloatingPoint(f, "%.9g", out);
      return Status::Ok();
    }
    case Kind::kDouble: {
      double d = 0;
      if (avro_value_get_double(&value, &d) != 0) return LibavroError("read a double");
      AppendFloatingPoint(d, "%.17g", out);
      return Status::Ok();
    }
    case Kind::kString: {
      const char* text = nullptr;
      size_t size = 0;  // counts libavro's terminating NUL
      if (avro_value_get_string(&value, &text, &size) != 0) return LibavroError("read a string");
      if (text != nullptr && size > 0) out.append(text, size - 1);
      return Status::Ok();
    }
    case Kind::kBytes:
    case Kind::kFixed: {
      const void* data = nullptr;
      size_t size = 0;
      int rc = type.kind == Kind::kBytes ? avro_value_get_bytes(&value, &data, &size)
                                         : avro_value_get_fixed(&value, &data, &size);
      if (rc != 0) return LibavroError("read bytes");
      const auto* bytes = static_cast<const unsigned char*>(data);
      if (type.logical == Logical::kDecimal) return AppendDecimal(bytes, size, type, out);
      if (type.logical == Logical::kUuid && size == 16) {
        AppendUuid(bytes, out);
        return Status::Ok();
      }
      AppendBlobText(bytes, size, out);
      return Status::Ok();
    }
    case Kind::kEnum: {
      int index = 0;
      if (avro_value_get_enum(&value, &index) != 0) return LibavroError("read an enum");
      if (index < 0 || static_cast<size_t>(index) >= type.names.size()) {
        return Status::InvalidInput("enum index " + std::to_string(index) + " out of range");
      }
      out += type.names[index];
      return Status::Ok();
    }
    default:
      return Status::Internal("AppendScalar called on a nested type");
  }
}

void AppendJsonString(std::string_view text, std::string& out) {
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// The selected branch of a union value, with its type; its type is null for a null value.
Status UnionBranch(const avro_value_t& value, const AvroType& type, avro_value_t& branch,
                   const AvroType*& branch_type) {
  RETURN_IF_ERROR(CheckKind(value, type));
  int index = 0;
  if (avro_value_get_discriminant(&value, &index) != 0) return LibavroError("read a union's branch");
  if (index < 0 || static_cast<size_t>(index) >= type.children.size()) {
    return Status::InvalidInput("union branch " + std::to_string(index) + " out of range");
  }
  if (avro_value_get_current_branch(&value, &branch) != 0) return LibavroError("read a union's branch");
  branch_type = type.children[index];
  return Status::Ok();
}

Status AppendJson(const avro_value_t& value, const AvroType& type, std::string& out, int depth);

// A record's fields or a map's entries as a JSON object.
Status AppendJsonObject(const avro_value_t& value, const AvroType& type, std::string& out, int depth) {
  size_t size = 0;
  if (avro_value_get_size(&value, &size) != 0) return LibavroError("read a record or map's size");
  bool record = type.kind == Kind::kRecord;
  if (record && size != type.children.size())
    return Status::InvalidInput("a record has an unexpected field count");
  out += '{';
  for (size_t i = 0; i < size; ++i) {
    avro_value_t child;
    const char* key = nullptr;
    if (avro_value_get_by_index(&value, i, &child, &key) != 0)
      return LibavroError("read a record field or map entry");
    if (i > 0) out += ',';
    AppendJsonString(record ? std::string_view(type.names[i]) : std::string_view(key ? key : ""), out);
    out += ':';
    RETURN_IF_ERROR(AppendJson(child, record ? *type.children[i] : *type.children[0], out, depth + 1));
  }
  out += '}';
  return Status::Ok();
}

Status AppendJson(const avro_value_t& value, const AvroType& type, std::string& out, int depth) {
  if (depth > kMaxDepth)
    return Status::InvalidInput("a value nests deeper than " + std::to_string(kMaxDepth));
  switch (type.kind) {
    case Kind::kNull:
      out += "null";
      return Status::Ok();
    case Kind::kUnion: {
      avro_value_t branch;
      const AvroType* branch_type = nullptr;
      RETURN_IF_ERROR(UnionBranch(value, type, branch, branch_type));
      return AppendJson(branch, *branch_type, out, depth + 1);
    }
    case Kind::kRecord:
    case Kind::kMap:
      RETURN_IF_ERROR(CheckKind(value, type));
      return AppendJsonObject(value, type, out, depth);
    case Kind::kArray: {
      RETURN_IF_ERROR(CheckKind(value, type));
      size_t size = 0;
      if (avro_value_get_size(&value, &size) != 0) return LibavroError("read an array's size");
      out += '[';
      for (size_t i = 0; i < size; ++i) {
        avro_value_t item;
        if (avro_value_get_by_index(&value, i, &item, nullptr) != 0)
          return LibavroError("read an array item");
        if (i > 0) out += ',';
        RETURN_IF_ERROR(AppendJson(item, *type.children[0], out, depth + 1));
      }
      out += ']';
      return Status::Ok();
    }
    default:
      break;
  }
  std::string text;
  RETURN_IF_ERROR(AppendScalar(value, type, text));
  bool number = type.logical == Logical::kNone &&
                (type.kind == Kind::kBoolean || type.kind == Kind::kInt || type.kind == Kind::kLong ||
                 ((type.kind == Kind::kFloat || type.kind == Kind::kDouble) &&
                  text.find_first_of("ni") == std::string::npos));
  if (number) {
    out += text;
  } else {
    AppendJsonString(text, out);
  }
  return Status::Ok();
}

bool IsNested(const AvroType& type) {
  return type.kind == Kind::kRecord || type.kind == Kind::kArray || type.kind == Kind::kMap ||
         type.kind == Kind::kUnion;
}

// One cell: NULL, the scalar's text, or JSON text for nested values (DuckDbType decides which).
Result<Value> CellValue(const avro_value_t& value, const AvroType& type) {
  const AvroType* nullable = NullableBranch(type);
  if (nullable != nullptr) {
    avro_value_t branch;
    const AvroType* branch_type = nullptr;
    RETURN_IF_ERROR(UnionBranch(value, type, branch, branch_type));
    if (branch_type->kind == Kind::kNull) return Value();
    return CellValue(branch, *branch_type);
  }
  if (type.kind == Kind::kNull) return Value();
  std::string text;
  if (IsNested(type)) {
    RETURN_IF_ERROR(AppendJson(value, type, text, 0));
  } else {
    RETURN_IF_ERROR(AppendScalar(value, type, text));
  }
  return Value(std::move(text));
}

// ---------------------------------------------------------------------------------------------
// libavro's reader.

// libavro's file reader and the value it decodes rows into; frees both.
class LibavroReader {
 public:
  LibavroReader() = default;
  LibavroReader(const LibavroReader&) = delete;
  LibavroReader& operator=(const LibavroReader&) = delete;
  ~LibavroReader() {
    if (value_.iface != nullptr) avro_value_decref(&value_);
    if (iface_ != nullptr) avro_value_iface_decref(iface_);
    if (reader_ != nullptr) avro_file_reader_close(reader_);
  }

  // Opens `path`, decoding rows with `schema`: the file's own schema, parsed once already.
  // (avro_file_reader_get_writer_schema is not used: whether it returns a new reference differs
  // between libavro versions, so one of them would leak it or free it twice.)
  Status Open(const std::string& path, avro_schema_t schema) {
    avro_set_error("%s", "");  // fopen's failure sets no message: do not show a stale one
    if (avro_file_reader(path.c_str(), &reader_) != 0) {
      reader_ = nullptr;
      return LibavroError("open the file").WithContext(path);
    }
    iface_ = avro_generic_class_from_schema(schema);
    if (iface_ == nullptr || avro_generic_value_new(iface_, &value_) != 0) {
      value_ = avro_value_t{};
      return LibavroError("make a value for the schema").WithContext(path);
    }
    return Status::Ok();
  }

  // Decodes the next row into value().
  Status Next() {
    if (avro_file_reader_read_value(reader_, &value_) != 0) return LibavroError("decode the row");
    return Status::Ok();
  }

  const avro_value_t& value() const { return value_; }

 private:
  avro_file_reader_t reader_ = nullptr;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t value_{};
};

Status RowValues(const avro_value_t& record, const AvroType& root, std::vector<Value>& row) {
  RETURN_IF_ERROR(CheckKind(record, root));
  for (size_t column = 0; column < root.children.size(); ++column) {
    avro_value_t field;
    if (avro_value_get_by_index(&record, column, &field, nullptr) != 0) return LibavroError("read a field");
    Result<Value> cell = CellValue(field, *root.children[column]);
    if (!cell.ok()) return cell.status().WithContext("column '" + root.names[column] + "'");
    row.push_back(std::move(*cell));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Listing files.

bool HasGlob(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }

Result<std::vector<std::string>> GlobFiles(const std::string& pattern) {
  glob_t matches{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> files;
  for (size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) {
    std::error_code ec;
    if (fs::is_regular_file(matches.gl_pathv[i], ec)) files.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) return Status::IoError("cannot list the files matching " + pattern);
  if (files.empty()) return Status::NotFound("no files match " + pattern);
  return files;
}

Result<std::vector<std::string>> FolderFiles(const fs::path& folder) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;  // an entry that vanished or cannot be examined is skipped
    if (it->is_directory(entry_ec) && it->path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(entry_ec) && ToLower(it->path().extension().string()) == ".avro") {
      files.push_back(it->path().string());
    }
  }
  if (ec) return Status::IoError("cannot list " + folder.string() + ": " + ec.message());
  if (files.empty()) return Status::NotFound("no .avro files under folder " + folder.string());
  return files;
}

// How `other` differs from `first`, or "" when they are the same.
std::string SchemaDifference(const Schema& first, const Schema& other) {
  size_t common = std::min(first.columns.size(), other.columns.size());
  for (size_t i = 0; i < common; ++i) {
    const Column& a = first.columns[i];
    const Column& b = other.columns[i];
    if (a.name != b.name || a.type != b.type) {
      return "column " + std::to_string(i + 1) + " is '" + b.name + " " + b.type + "' here and '" + a.name +
             " " + a.type + "' there";
    }
  }
  if (first.columns.size() != other.columns.size()) {
    return "it has " + std::to_string(other.columns.size()) + " columns, not " +
           std::to_string(first.columns.size());
  }
  return "";
}

}  // namespace

Result<Schema> ReadAvroSchema(const std::string& path) {
  ContainerFile file;
  RETURN_IF_ERROR(OpenContainer(path, file));
  ContainerScanner scanner(file.in, path, file.size);
  ASSIGN_OR_RETURN(AvroSchemaTree tree, ReadSchemaTree(scanner, file.header));
  Schema schema;
  for (size_t i = 0; i < tree.root->children.size(); ++i) {
    schema.columns.push_back({tree.root->names[i], DuckDbType(*tree.root->children[i])});
  }
  return schema;
}

Status ReadAvroRows(const std::string& path, size_t batch_rows,
                    const std::function<Status(const RowSet&)>& sink) {
  ContainerFile file;
  RETURN_IF_ERROR(OpenContainer(path, file));
  ContainerScanner scanner(file.in, path, file.size);
  ASSIGN_OR_RETURN(AvroSchemaTree tree, ReadSchemaTree(scanner, file.header));
  ASSIGN_OR_RETURN(int64_t rows, CountRows(scanner, file.header));
  file.in.close();
  // libavro reports the end of the file like a decoding error, so it reads only counted rows.
  if (rows == 0) return Status::Ok();

  LibavroReader reader;
  RETURN_IF_ERROR(reader.Open(path, tree.libavro.get()));
  RowSet batch;
  batch.columns = tree.root->names;
  batch_rows = std::max<size_t>(batch_rows, 1);
  for (int64_t row = 0; row < rows; ++row) {
    std::vector<Value> values;
    values.reserve(batch.columns.size());
    Status status = reader.Next();
    if (status.ok()) status = RowValues(reader.value(), *tree.root, values);
    if (!status.ok()) return status.WithContext(path + ": row " + std::to_string(row + 1));
    batch.rows.push_back(std::move(values));
    if (batch.rows.size() >= batch_rows) {
      RETURN_IF_ERROR(sink(batch));
      batch.rows.clear();
    }
  }
  if (!batch.rows.empty()) RETURN_IF_ERROR(sink(batch));
  return Status::Ok();
}

Result<AvroFileSet> ReadAvroFileSet(const std::string& path_or_folder_or_glob) {
  const std::string& location = path_or_folder_or_glob;
  std::vector<std::string> files;
  std::error_code ec;
  if (HasGlob(location) && !fs::exists(location, ec)) {
    ASSIGN_OR_RETURN(files, GlobFiles(location));
  } else if (fs::is_directory(location, ec)) {
    ASSIGN_OR_RETURN(files, FolderFiles(location));
  } else if (fs::exists(location, ec)) {
    files.push_back(location);
  } else {
    return Status::NotFound("no such file or folder: " + location);
  }
  std::sort(files.begin(), files.end());

  ASSIGN_OR_RETURN(Schema first, ReadAvroSchema(files.front()));
  for (size_t i = 1; i < files.size(); ++i) {
    ASSIGN_OR_RETURN(Schema other, ReadAvroSchema(files[i]));
    std::string difference = SchemaDifference(first, other);
    if (!difference.empty()) {
      return Status::InvalidInput(files[i] + ": its schema differs from " + files.front() +
                                  "'s: " + difference);
    }
  }
  return AvroFileSet{std::move(files), std::move(first)};
}

Result<std::vector<std::string>> AvroFiles(const std::string& path_or_folder_or_glob) {
  ASSIGN_OR_RETURN(AvroFileSet set, ReadAvroFileSet(path_or_folder_or_glob));
  return std::move(set.files);
}

}  // namespace skein
