// Manifest names and did-you-mean (see names.h).
#include "manifest/names.h"

#include <algorithm>

#include "base/text.h"
#include "catalog/validate.h"

namespace skein {
namespace {

bool IsIdentifierStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string match = ClosestMatch(word, candidates);
  return match.empty() ? "" : " (did you mean '" + match + "'?)";
}

Result<std::string> ParseColumnName(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    std::string name;
    for (size_t i = 1; i + 1 < text.size(); ++i) {
      if (text[i] == '"') {
        if (i + 2 >= text.size() || text[i + 1] != '"') {
          return Status::InvalidInput("a quote inside a quoted column name is written \"\"");
        }
        ++i;
      }
      name += text[i];
    }
    if (name.empty()) return Status::InvalidInput("empty column name");
    return name;
  }
  if (text.empty()) return Status::InvalidInput("empty column name");
  bool plain = IsIdentifierStart(text[0]) && std::all_of(text.begin(), text.end(), IsIdentifierChar);
  if (!plain) {
    return Status::InvalidInput("'" + std::string(text) +
                                "' is not a plain column name (letters, digits, '_'); quote it: '\"" +
                                std::string(text) + "\"'");
  }
  return std::string(text);
}

Status CheckBranchName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidInput("'" + std::string(name) +
                                "' is not a valid git branch name: " + std::string(why));
  };
  if (name.empty()) return bad("empty");
  if (name == "@" || name[0] == '-') return bad("it must not be '@' or start with '-'");
  if (name.find("..") != std::string_view::npos) return bad("it contains '..'");
  if (name.find("@{") != std::string_view::npos) return bad("it contains '@{'");
  if (name.find("//") != std::string_view::npos) return bad("it contains '//'");
  if (name.front() == '/' || name.back() == '/' || name.back() == '.')
    return bad("it starts or ends with '/' or ends with '.'");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("it contains a control character");
    if (std::string_view(" ~^:?*[\\").find(c) != std::string_view::npos) {
      return bad(std::string("it contains '") + c + "'");
    }
  }
  for (const auto& component : Split(name, '/', /*skip_empty=*/false)) {
    if (component.front() == '.') return bad("a component starts with '.'");
    if (component.size() >= 5 && component.substr(component.size() - 5) == ".lock") {
      return bad("a component ends with '.lock'");
    }
  }
  return Status::Ok();
}

}  // namespace skein
