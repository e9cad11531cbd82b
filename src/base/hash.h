// sha256 of text, as lower-case hex: the one way skein names content by its hash (a campaign's
// manifest, an API token, an agent's executable through its own streaming read).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace skein {

std::string Sha256Hex(std::string_view text);
// The sha256 of a file's content, read in blocks (an agent's binary can be large); IoError when
// it cannot be read.
Result<std::string> FileSha256Hex(const std::filesystem::path& path);

}  // namespace skein
