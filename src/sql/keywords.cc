// Keyword lookup: an open-addressing table built once, probed with the lower-cased word.
#include "sql/keywords.h"

#include <array>
#include <cstring>

namespace skein::sql {
namespace {

struct KeywordInfo {
  std::string_view name;
  KeywordClass cls;
};

constexpr KeywordClass R = KeywordClass::kReserved;
constexpr KeywordClass A = KeywordClass::kNoBareAlias;
constexpr KeywordClass N = KeywordClass::kNonReserved;

constexpr KeywordInfo kKeywords[] = {{"", KeywordClass::kNone},
#define SKEIN_SQL_KEYWORD_INFO(name, cls) {#name, cls},
                                     SKEIN_SQL_KEYWORDS(SKEIN_SQL_KEYWORD_INFO)
#undef SKEIN_SQL_KEYWORD_INFO
};
constexpr size_t kKeywordCount = sizeof(kKeywords) / sizeof(kKeywords[0]);
constexpr size_t kMaxKeywordLength = 20;
constexpr size_t kTableSize = 1024;  // a power of two, well above 2x the keyword count

static_assert(kKeywordCount * 2 < kTableSize);

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

uint32_t Hash(const char* lower, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ static_cast<uint8_t>(lower[i])) * 16777619u;
  return h;
}

struct Table {
  std::array<uint16_t, kTableSize> slots{};  // keyword index, 0 = empty
  std::array<std::array<char, kMaxKeywordLength>, kKeywordCount> lower{};

  Table() {
    for (size_t k = 1; k < kKeywordCount; ++k) {
      std::string_view name = kKeywords[k].name;
      for (size_t i = 0; i < name.size(); ++i) lower[k][i] = Lower(name[i]);
      uint32_t slot = Hash(lower[k].data(), name.size()) & (kTableSize - 1);
      while (slots[slot] != 0) slot = (slot + 1) & (kTableSize - 1);
      slots[slot] = static_cast<uint16_t>(k);
    }
  }
};

const Table& TheTable() {
  static const Table table;
  return table;
}

}  // namespace

Keyword LookupKeyword(std::string_view word) {
  if (word.size() < 2 || word.size() > kMaxKeywordLength) return Keyword::kNone;
  char lower[kMaxKeywordLength];
  for (size_t i = 0; i < word.size(); ++i) lower[i] = Lower(word[i]);
  const Table& table = TheTable();
  uint32_t slot = Hash(lower, word.size()) & (kTableSize - 1);
  while (uint16_t k = table.slots[slot]) {
    if (kKeywords[k].name.size() == word.size() &&
        std::memcmp(table.lower[k].data(), lower, word.size()) == 0) {
      return static_cast<Keyword>(k);
    }
    slot = (slot + 1) & (kTableSize - 1);
  }
  return Keyword::kNone;
}

KeywordClass ClassOf(Keyword keyword) {
  auto index = static_cast<size_t>(keyword);
  return index < kKeywordCount ? kKeywords[index].cls : KeywordClass::kNone;
}

std::string_view KeywordName(Keyword keyword) {
  auto index = static_cast<size_t>(keyword);
  return index < kKeywordCount ? kKeywords[index].name : std::string_view();
}

bool IsDatePart(Keyword keyword) {
  switch (keyword) {
    case Keyword::kDAY:
    case Keyword::kDAYOFWEEK:
    case Keyword::kDAYOFYEAR:
    case Keyword::kDOW:
    case Keyword::kDOY:
    case Keyword::kEPOCH:
    case Keyword::kHOUR:
    case Keyword::kISOWEEK:
    case Keyword::kISOYEAR:
    case Keyword::kMICROSECOND:
    case Keyword::kMILLISECOND:
    case Keyword::kMINUTE:
    case Keyword::kMONTH:
    case Keyword::kQUARTER:
    case Keyword::kSECOND:
    case Keyword::kWEEK:
    case Keyword::kYEAR:
      return true;
    default:
      return false;
  }
}

}  // namespace skein::sql
