#include "fleet/draft.h"

#include <memory>

#include "catalog/validate.h"
#include "data/engine.h"
#include "data/warehouse.h"
#include "dataset/dataset.h"
#include "fleet/campaign.h"
#include "fleet/targets.h"
#include "worker/worker.h"

namespace skein {

Result<const Entity*> FromDatasetOf(const Migration& m, const CatalogGraph& graph) {
  if (const Entity* dataset = graph.FindDataset(m.from)) return dataset;
  std::vector<std::string> ids;
  for (const Entity& e : graph.entities()) {
    if (!e.DatasetId().empty()) ids.push_back(e.DatasetId());
  }
  std::string guess = ClosestMatch(m.from, ids);
  return m.ErrorAt("/spec/from", "dataset " + m.from + " is not in the catalog" +
                                     (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                                     "; import its descriptor with 'skein catalog import'");
}

Result<Schema> CheckManifestAgainstData(const Migration& m, const Entity& dataset) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  Result<Schema> schema = DatasetSchema(dataset, *warehouse);
  if (!schema.ok()) {
    return m.ErrorAt(
        "/spec/from",
        "cannot check the manifest against " + m.from + ": " + schema.status().message() +
            "\nskein checks every column and expression against the from-dataset's schema first. "
            "Add a skein.dev/schema annotation (\"name TYPE, ...\") to its catalog entity, make its "
            "skein.dev/location readable from here, or pass --schema-from none to go without the check.");
  }
  RETURN_IF_ERROR(CheckMigrationAgainstData(m, *schema, *warehouse));
  return *schema;
}

Result<CampaignDraft> DraftCampaign(const Migration& m, const std::string& manifest_text,
                                    const CatalogGraph& graph, const std::filesystem::path& workdir) {
  ASSIGN_OR_RETURN(const Entity* dataset, FromDatasetOf(m, graph));
  CampaignDraft draft;
  ASSIGN_OR_RETURN(draft.v1_schema, CheckManifestAgainstData(m, *dataset));
  ASSIGN_OR_RETURN(draft.plan, PlanRollout(m, graph, &draft.v1_schema));
  std::vector<std::string> partitions;
  if (m.data.materialize) {
    ASSIGN_OR_RETURN(dataset::Locations locations, ResolveLocations(m, graph));
    ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> engine, OpenEngineFor(locations.v1));
    ASSIGN_OR_RETURN(partitions, dataset::PartitionKeys(m, locations, *engine));
  }
  for (const PlannedConsumer& p : draft.plan.direct) {
    if (!p.needs_change || p.wave <= 0) continue;
    const Entity* e = graph.FindEntity(p.consumer.ref);
    if (e == nullptr) continue;
    std::string group = e->Annotation("skein.dev/worker-group");
    if (!group.empty())
      RETURN_IF_ERROR(CheckGroupLabel(group).WithContext("consumer " + p.key + ": skein.dev/worker-group"));
  }
  draft.spec = CampaignSpecFor(m, manifest_text, workdir);
  draft.jobs = CampaignJobs(m, draft.plan, graph, partitions);
  return draft;
}

}  // namespace skein
