// skein: moves every consumer of a dataset onto its new version.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "base/text.h"

#include "base/version.h"
#include "cli/cli.h"

namespace skein {

void Fail(const Status& status) {
  std::fprintf(stderr, "skein: %s\n", status.message().c_str());
  throw CommandExit{status.ok() ? 1 : status.ExitCode()};
}

std::unique_ptr<Store> OpenStoreOrFail(const GlobalOptions& global) {
  return OrFail(OpenStore(StoreUrlFrom(global.store)));
}

void PrintJson(const nlohmann::json& json) { std::cout << json.dump(2) << "\n"; }

// CLI11 answers an unknown command with "A subcommand is required"; say what was wrong instead.
int RejectUnknownCommand(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--store") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    if (std::find(names.begin(), names.end(), arg) != names.end()) return 0;
    std::fprintf(stderr, "skein: unknown command '%s'; commands: %s\nRun 'skein --help' for more.\n",
                 arg.c_str(), Join(names, ", ").c_str());
    return 2;
  }
  return 0;
}

}  // namespace skein

int main(int argc, char** argv) {
  CLI::App app{"skein moves every downstream consumer of a dataset onto the dataset's new version.", "skein"};
  app.set_version_flag("--version", std::string("skein ") + SKEIN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  skein::GlobalOptions global;
  app.add_option(
      "--store", global.store,
      "State store: postgresql://... or a SQLite path (default: $SKEIN_STORE, else .skein/skein.db)");
  app.footer(
      "Exit codes: 0 ok, 1 findings or failures, 2 bad input or usage.\n"
      "Run 'skein COMMAND --help' for a command's options.");

  skein::AddCatalogCommands(app, global);
  skein::AddLineageCommand(app, global);
  skein::AddDiscoverCommand(app, global);
  skein::AddPlanCommands(app, global);
  skein::AddRewriteCommand(app, global);
  skein::AddDataCommands(app, global);
  skein::AddMigrateConsumerCommand(app, global);
  skein::AddCampaignCommands(app, global);
  skein::AddServeCommands(app, global);
  skein::AddWatchCommand(app, global);

  if (int code = skein::RejectUnknownCommand(app, argc, argv); code != 0) return code;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage errors are bad input
  } catch (const skein::CommandExit& exit) {
    return exit.code;
  }
  return 0;
}
