#include "cli/cli.h"
namespace skein {
void AddPlanCommands(CLI::App&, GlobalOptions&) {}
}  // namespace skein
