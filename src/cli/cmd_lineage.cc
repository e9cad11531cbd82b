#include "cli/cli.h"
namespace skein {
void AddLineageCommand(CLI::App&, GlobalOptions&) {}
}  // namespace skein
