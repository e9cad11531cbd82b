// The queue's row mapping and transaction helpers, shared by its files (queue.cc, views.cc,
// watch_state.cc); not part of its interface.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "queue/queue.h"

namespace skein::queue {

extern const std::string_view kJobColumns;       // the SELECT list JobFromRow reads
extern const std::string_view kCampaignColumns;  // ... CampaignFromRow
extern const std::string_view kAttemptColumns;   // ... AttemptFromRow

nlohmann::json PolicyToJson(const CampaignPolicy& p);
CampaignPolicy PolicyFromJson(const nlohmann::json& j);
Result<Job> JobFromRow(const Rows& rows, size_t r);
Result<Campaign> CampaignFromRow(const Rows& rows, size_t r);
Attempt AttemptFromRow(const Rows& rows, size_t r);

// The campaign row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite holds the writer
// lock already). NotFound when absent.
Result<Campaign> LockCampaign(SqlSession& s, std::string_view id);
// Adds a campaign event in the caller's transaction (and to `events` when given).
Status Record(SqlSession& s, std::vector<Event>* events, std::string_view campaign, std::string_view kind,
              std::string message, int64_t now);
// The migrating state of a campaign whose open stage is `stage`.
CampaignState MigratingStateFor(int stage);

}  // namespace skein::queue
