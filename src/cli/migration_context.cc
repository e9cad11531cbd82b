// What several commands need before they work on a migration: its from-dataset in the
// catalog, and the manifest checked against that dataset's schema.
#include <memory>

#include "base/text.h"
#include "catalog/validate.h"
#include "cli/cli.h"
#include "data/warehouse.h"
#include "fleet/draft.h"

namespace skein {

// The from-dataset's entity, or Fail() at spec.from naming it.
const Entity& RequireDataset(const Migration& m, const CatalogGraph& graph) {
  return *OrFail(FromDatasetOf(m, graph));
}

// The from-dataset's schema after checking the manifest against it, or Fail().
Schema CheckAgainstData(const Migration& m, const Entity& dataset) {
  return OrFail(CheckManifestAgainstData(m, dataset));
}

}  // namespace skein
