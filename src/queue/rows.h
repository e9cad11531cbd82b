// The queue's row mapping, shared by its files (queue.cc, views.cc); not part of its interface.
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

}  // namespace skein::queue
