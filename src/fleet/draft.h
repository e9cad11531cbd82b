// A campaign's draft: everything `skein run` and `skein watch` check and compute from a manifest,
// the catalog and the from-dataset before a job is enqueued — the from-dataset in the catalog,
// the manifest checked against its schema, the rollout plan, v1's partitions, each consumer's
// worker group — and the campaign's spec and jobs that follow. Nothing is written.
//
// Thread-safety: a pure function of its arguments (it reads the data at v1's location).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/lineage.h"
#include "fleet/plan.h"
#include "manifest/migration.h"
#include "queue/queue.h"

namespace skein {

struct CampaignDraft {
  queue::CampaignSpec spec;
  std::vector<queue::NewJob> jobs;
  RolloutPlan plan;
  Schema v1_schema;
};

// The from-dataset's entity; InvalidInput at spec.from (with the closest id) when the catalog
// lacks it.
Result<const Entity*> FromDatasetOf(const Migration& m, const CatalogGraph& graph);
// The from-dataset's schema, with the manifest checked against it; InvalidInput at spec.from when
// the schema cannot be read (saying how to give one), or at the value that does not bind.
Result<Schema> CheckManifestAgainstData(const Migration& m, const Entity& dataset);

// InvalidInput "file:line:col: ..." at the manifest's value when its from-dataset is not in the
// catalog (with the closest id), its schema cannot be read, the manifest does not bind over it,
// or a consumer's skein.dev/worker-group is not a label.
Result<CampaignDraft> DraftCampaign(const Migration& m, const std::string& manifest_text,
                                    const CatalogGraph& graph, const std::filesystem::path& workdir);

}  // namespace skein
