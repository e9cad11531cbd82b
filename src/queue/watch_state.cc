// The queue's records for background mode (queue.h, "background mode"): change requests as last
// seen on their forge, datasets' schemas as last read, and the watcher's notices.
#include "base/clock.h"
#include "queue/queue.h"
#include "queue/rows.h"

namespace skein::queue {
namespace {

constexpr std::string_view kRequestColumns =
    "campaign, consumer, job, forge, url, branch, state, checks, closed_by, closed_ms, rebase_ms, "
    "checks_failed_ms, synced_ms";
constexpr std::string_view kNoticeColumns = "id, key, kind, subject, at_ms, message, detail, alert, sent_ms";

ChangeRequestRecord RequestFromRow(const Rows& rows, size_t r) {
  ChangeRequestRecord out;
  out.campaign = rows.at(r, 0);
  out.consumer = rows.at(r, 1);
  out.job = rows.Int(r, 2);
  out.forge = rows.at(r, 3);
  out.url = rows.at(r, 4);
  out.branch = rows.at(r, 5);
  out.state = rows.at(r, 6);
  out.checks = rows.at(r, 7);
  out.closed_by = rows.at(r, 8);
  out.closed_ms = rows.Int(r, 9);
  out.rebase_ms = rows.Int(r, 10);
  out.checks_failed_ms = rows.Int(r, 11);
  out.synced_ms = rows.Int(r, 12);
  return out;
}

Notice NoticeFromRow(const Rows& rows, size_t r) {
  Notice out;
  out.id = rows.Int(r, 0);
  out.key = rows.at(r, 1);
  out.kind = rows.at(r, 2);
  out.subject = rows.at(r, 3);
  out.at_ms = rows.Int(r, 4);
  out.message = rows.at(r, 5);
  out.detail = rows.at(r, 6);
  out.alert = rows.Int(r, 7) != 0;
  out.sent_ms = rows.Int(r, 8);
  return out;
}

// The notice's row unless its key is there already; true when inserted.
Result<bool> InsertNotice(SqlSession& s, const Notice& n) {
  ASSIGN_OR_RETURN(Rows rows,
                   s.Query("INSERT INTO notices (key, kind, subject, at_ms, message, detail, alert, "
                           "sent_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 0) ON CONFLICT (key) DO "
                           "NOTHING RETURNING id",
                           {n.key, n.kind, n.subject, n.at_ms, n.message,
                            n.detail.empty() ? std::string("{}") : n.detail, n.alert ? 1 : 0}));
  return !rows.empty();
}

std::string Who(const std::string& closed_by) { return closed_by.empty() ? "someone" : closed_by; }

}  // namespace

Result<std::vector<ChangeRequestRecord>> Queue::ListChangeRequests(std::string_view campaign) {
  std::vector<ChangeRequestRecord> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT " + std::string(kRequestColumns) +
                                      " FROM change_requests WHERE campaign = $1 ORDER BY consumer",
                                  {campaign}));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(RequestFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<std::string> Queue::RecordChangeRequest(const ChangeRequestSeen& seen, int64_t now) {
  std::string recorded;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    recorded.clear();
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, seen.campaign));
    ASSIGN_OR_RETURN(Rows had, Q("SELECT " + std::string(kRequestColumns) +
                                     " FROM change_requests WHERE campaign = $1 AND consumer = $2",
                                 {seen.campaign, seen.consumer}));
    ChangeRequestRecord r;
    if (!had.empty()) {
      r = RequestFromRow(had, 0);
    } else {
      r.campaign = seen.campaign;
      r.consumer = seen.consumer;
      r.state = "open";
    }
    r.job = seen.job;
    r.forge = seen.forge;
    r.url = seen.url;
    r.branch = seen.branch;
    r.checks = seen.checks;
    r.synced_ms = now;
    ASSIGN_OR_RETURN(Rows job_rows, Q("SELECT state, finished_ms FROM jobs WHERE id = $1 AND campaign = $2",
                                      {seen.job, seen.campaign}));
    bool job_done = !job_rows.empty() && job_rows.at(0, 0) == "done";
    int64_t job_finished = job_rows.empty() ? 0 : job_rows.Int(0, 1);
    bool live = c.state != CampaignState::kRollingBack && c.state != CampaignState::kRolledBack &&
                c.state != CampaignState::kCancelled;
    std::string label = "job " + std::to_string(seen.job) + " (" + seen.consumer + "): ";

    if (r.state == "declined" || r.state == "closed") {
      // Declined stays declined: a person's "no" is not undone by a later reading.
    } else if (seen.state == "closed" && seen.forge == "git") {
      // A plain git remote has no requests: its branch was deleted, merged or abandoned — the
      // remote alone cannot say which, nor who. Recorded, and the job left as it is.
      r.state = "closed";
      r.closed_ms = now;
      recorded = "closed";
      RETURN_IF_ERROR(Record(*session_, nullptr, seen.campaign, "closed",
                             label + "branch " + seen.branch +
                                 " was deleted from the remote (merged or abandoned: a plain git remote "
                                 "cannot say which)",
                             now));
    } else if (seen.state == "merged") {
      if (r.state != "merged") {
        r.state = "merged";
        r.closed_by = seen.closed_by;
        r.closed_ms = seen.closed_ms != 0 ? seen.closed_ms : now;
        recorded = "merged";
        RETURN_IF_ERROR(Record(*session_, nullptr, seen.campaign, "merged",
                               label + seen.url + " merged" +
                                   (seen.closed_by.empty() ? "" : " by " + seen.closed_by) + " at " +
                                   UtcText(r.closed_ms),
                               now));
      }
      if (seen.checks == "failure" && r.checks_failed_ms == 0) {
        r.checks_failed_ms = now;
        recorded = "checks-failing";
        RETURN_IF_ERROR(Record(*session_, nullptr, seen.campaign, "checks-failing",
                               label + "checks fail on " + seen.url + " after it was merged", now));
      }
    } else if (seen.state == "closed") {
      r.state = "declined";
      r.closed_by = seen.closed_by;
      r.closed_ms = seen.closed_ms != 0 ? seen.closed_ms : now;
      recorded = "declined";
      std::string why = "declined: " + seen.url + " was closed by " + Who(seen.closed_by) + " at " +
                        UtcText(r.closed_ms) + "; skein does not reopen it";
      if (job_done && live) {
        RETURN_IF_ERROR(Q("UPDATE jobs SET state = 'failed', outcome = $2, updated_ms = $3 WHERE id = $1",
                          {seen.job, why, now})
                            .status());
      }
      RETURN_IF_ERROR(Record(*session_, nullptr, seen.campaign, "declined", label + why, now));
    } else if (seen.state == "open" && seen.conflicting && job_done && live && r.rebase_ms <= job_finished) {
      // Made again on the base as it is now and verified again; the forge finds the open request
      // by its branch and updates it.
      r.rebase_ms = now;
      recorded = "rebasing";
      RETURN_IF_ERROR(
          Q("UPDATE jobs SET state = 'pending', attempts = 0, run_after_ms = $2, updated_ms = $2, "
            "finished_ms = 0, outcome = $3 WHERE id = $1",
            {seen.job, now, "rebasing: " + seen.url + " conflicts with its base branch"})
              .status());
      RETURN_IF_ERROR(RunAgainIfEnded(c, now));
      RETURN_IF_ERROR(Record(*session_, nullptr, seen.campaign, "rebasing",
                             label + seen.url + " conflicts with its base branch: made again on it", now));
    }
    return Q("INSERT INTO change_requests (" + std::string(kRequestColumns) +
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (campaign, "
                 "consumer) DO UPDATE SET job = $3, forge = $4, url = $5, branch = $6, state = $7, checks = "
                 "$8, "
                 "closed_by = $9, closed_ms = $10, rebase_ms = $11, checks_failed_ms = $12, synced_ms = $13",
             {r.campaign, r.consumer, r.job, r.forge, r.url, r.branch, r.state, r.checks, r.closed_by,
              r.closed_ms, r.rebase_ms, r.checks_failed_ms, r.synced_ms})
        .status();
  }));
  return recorded;
}

Result<std::optional<std::pair<std::string, std::string>>> Queue::FindDatasetSchema(
    std::string_view dataset) {
  std::optional<std::pair<std::string, std::string>> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.reset();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT location, columns FROM dataset_schemas WHERE dataset = $1", {dataset}));
    if (!rows.empty()) out = std::make_pair(rows.at(0, 0), rows.at(0, 1));
    return Status::Ok();
  }));
  return out;
}

Result<bool> Queue::PutDatasetSchema(std::string_view dataset, std::string_view location,
                                     std::string_view columns, const std::optional<Notice>& notice,
                                     int64_t now) {
  bool inserted = false;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    inserted = false;
    if (notice) {
      ASSIGN_OR_RETURN(inserted, InsertNotice(*session_, *notice));
    }
    return Q("INSERT INTO dataset_schemas (dataset, location, columns, seen_ms) VALUES ($1, $2, $3, $4) ON "
             "CONFLICT (dataset) DO UPDATE SET location = $2, columns = $3, seen_ms = $4",
             {dataset, location, columns, now})
        .status();
  }));
  return inserted;
}

Result<bool> Queue::AddNotice(const Notice& notice) {
  bool inserted = false;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    ASSIGN_OR_RETURN(inserted, InsertNotice(*session_, notice));
    return Status::Ok();
  }));
  return inserted;
}

Result<std::optional<Notice>> Queue::FindNotice(std::string_view key) {
  std::optional<Notice> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.reset();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT " + std::string(kNoticeColumns) + " FROM notices WHERE key = $1", {key}));
    if (!rows.empty()) out = NoticeFromRow(rows, 0);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Notice>> Queue::ListNotices(std::string_view subject, int limit) {
  std::vector<Notice> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    std::string sql = "SELECT " + std::string(kNoticeColumns) + " FROM notices";
    std::vector<Param> params;
    if (!subject.empty()) {
      sql += " WHERE subject = $1";
      params.push_back(subject);
    }
    sql += " ORDER BY id DESC LIMIT " + std::to_string(std::max(1, limit));
    ASSIGN_OR_RETURN(Rows rows, Q(sql, params));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(NoticeFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Notice>> Queue::UnsentNotices(int limit) {
  std::vector<Notice> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT " + std::string(kNoticeColumns) +
                                  " FROM notices WHERE alert = 1 AND sent_ms = 0 ORDER BY id LIMIT " +
                                  std::to_string(std::max(1, limit))));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(NoticeFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<bool> Queue::ClaimNotice(int64_t id, int64_t now) {
  bool claimed = false;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    ASSIGN_OR_RETURN(
        Rows rows,
        Q("UPDATE notices SET sent_ms = $2 WHERE id = $1 AND sent_ms = 0 RETURNING id", {id, now}));
    claimed = !rows.empty();
    return Status::Ok();
  }));
  return claimed;
}

Status Queue::UnclaimNotice(int64_t id) {
  std::vector<Param> params = {Param(id)};
  return Transact([&]() { return Q("UPDATE notices SET sent_ms = 0 WHERE id = $1", params).status(); });
}

}  // namespace skein::queue
