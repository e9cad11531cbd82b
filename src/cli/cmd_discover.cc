#include "cli/cli.h"
namespace skein {
void AddDiscoverCommand(CLI::App&, GlobalOptions&) {}
}  // namespace skein
