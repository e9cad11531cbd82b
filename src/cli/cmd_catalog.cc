#include "cli/cli.h"
namespace skein {
void AddCatalogCommands(CLI::App&, GlobalOptions&) {}
}  // namespace skein
