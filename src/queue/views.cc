// The queue's reads for the portal and /metrics: pages of jobs, counts per wave, the burndown's
// finish times, the breaker's failure rate, alerts claimed once, attempt durations, the backlog.
// Each is one read-only transaction (it does not wait for SQLite's writer).
#include <algorithm>
#include <cctype>

#include "queue/queue.h"
#include "queue/rows.h"

namespace skein::queue {
namespace {

// A LIKE pattern matching `text` anywhere, lower-cased, with LIKE's own characters escaped.
std::string ContainsPattern(std::string_view text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out + "%";
}

std::string JsonTexts(const std::vector<std::string>& texts) {
  nlohmann::json list = texts;
  return list.dump();
}

}  // namespace

Result<JobPage> Queue::FindJobs(std::string_view campaign, const JobQuery& query) {
  std::string where = " FROM jobs WHERE campaign = $1";
  std::vector<Param> params = {campaign};
  auto add = [&](Param value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  if (!query.states.empty()) {
    std::vector<std::string> names;
    for (JobState s : query.states) names.emplace_back(JobStateName(s));
    add(JsonTexts(names));
    where += " AND state " + TextsIn(dialect(), static_cast<int>(params.size()));
  }
  if (!query.kind.empty()) where += " AND kind = " + add(query.kind);
  if (!query.owner.empty()) where += " AND owner = " + add(query.owner);
  if (!query.tier.empty()) where += " AND tier = " + add(query.tier);
  if (query.wave >= 0) where += " AND wave = " + add(query.wave);
  if (!query.search.empty()) {
    // Case-insensitive (ASCII): SQLite's LIKE already is, PostgreSQL's ILIKE. Without LOWER() on
    // each column, SQLite matches within the index of step 8 (schema.cc) at twice the speed.
    std::string p = add(ContainsPattern(query.search));
    std::string like = dialect() == Dialect::kPostgres ? " ILIKE " : " LIKE ";
    where += " AND (target" + like + p + " ESCAPE '\\' OR owner" + like + p + " ESCAPE '\\' OR repo" + like +
             p + " ESCAPE '\\')";
  }
  std::string count_sql = "SELECT COUNT(*)" + where;
  std::string page_sql = "SELECT " + std::string(kJobColumns) + where + " ORDER BY id LIMIT " +
                         std::to_string(std::max(query.limit, 0)) + " OFFSET " +
                         std::to_string(std::max(query.offset, 0));
  // A search reads every job's texts: once, for the ids of all that match (they are counted and
  // the page's cut from them), instead of once to count and again to find the page.
  bool one_pass = !query.search.empty() && query.limit > 0;
  std::string ids_sql = "SELECT id" + where + " ORDER BY id";
  JobPage page;
  RETURN_IF_ERROR(Read([&]() -> Status {
    page = JobPage{};
    Rows rows;
    if (one_pass) {
      ASSIGN_OR_RETURN(Rows ids, Q(ids_sql, params));
      page.total = static_cast<int64_t>(ids.size());
      std::vector<int64_t> wanted;
      for (size_t r = static_cast<size_t>(std::max(query.offset, 0));
           r < ids.size() && wanted.size() < static_cast<size_t>(query.limit); ++r) {
        wanted.push_back(ids.Int(r, 0));
      }
      if (wanted.empty()) return Status::Ok();
      ASSIGN_OR_RETURN(rows, Q("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE id " +
                                   IdsIn(dialect(), 1) + " ORDER BY id",
                               {JsonIds(wanted)}));
    } else {
      ASSIGN_OR_RETURN(Rows count, Q(count_sql, params));
      page.total = count.empty() ? 0 : count.Int(0, 0);
      ASSIGN_OR_RETURN(rows, Q(page_sql, params));
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSIGN_OR_RETURN(Job job, JobFromRow(rows, r));
      page.jobs.push_back(std::move(job));
    }
    return Status::Ok();
  }));
  return page;
}

Result<std::vector<JobBrief>> Queue::ListJobBriefs(std::string_view campaign, std::string_view kind) {
  std::vector<JobBrief> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(
        Rows rows,
        Q("SELECT id, target, state, finished_ms FROM jobs WHERE campaign = $1 AND kind = $2 ORDER BY id",
          {campaign, kind}));
    out.reserve(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSIGN_OR_RETURN(JobState state, ParseJobState(rows.at(r, 2)));
      out.push_back(JobBrief{rows.Int(r, 0), std::string(rows.at(r, 1)), state, rows.Int(r, 3)});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<WaveCounts>> Queue::CountJobsByWave(std::string_view campaign) {
  std::vector<WaveCounts> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT CASE WHEN kind = 'consumer' THEN wave ELSE 0 END AS w, state, COUNT(*), "
                       "MAX(finished_ms) FROM jobs WHERE campaign = $1 GROUP BY w, state ORDER BY w",
                       {campaign}));
    for (size_t r = 0; r < rows.size(); ++r) {
      int wave = static_cast<int>(rows.Int(r, 0));
      if (out.empty() || out.back().wave != wave) out.push_back(WaveCounts{wave, {}, 0});
      ASSIGN_OR_RETURN(JobState state, ParseJobState(rows.at(r, 1)));
      out.back().counts.by_state[static_cast<int>(state)] += rows.Int(r, 2);
      out.back().counts.total += rows.Int(r, 2);
      if (IsTerminal(state))
        out.back().last_finished_ms = std::max(out.back().last_finished_ms, rows.Int(r, 3));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<int64_t>> Queue::FinishTimes(std::string_view campaign, std::string_view kind) {
  std::vector<int64_t> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT finished_ms FROM jobs WHERE campaign = $1 AND kind = $2 AND state IN "
                       "('done', 'failed', 'dead', 'cancelled', 'rolled-back') ORDER BY finished_ms",
                       {campaign, kind}));
    out.reserve(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(rows.Int(r, 0));
    return Status::Ok();
  }));
  return out;
}

Result<FailureRate> Queue::RecentFailureRate(std::string_view campaign) {
  FailureRate out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out = FailureRate{};
    ASSIGN_OR_RETURN(Rows c, Q("SELECT breaker_since_ms, policy FROM campaigns WHERE id = $1", {campaign}));
    if (c.empty()) return Status::NotFound("no campaign '" + std::string(campaign) + "'");
    nlohmann::json policy = nlohmann::json::parse(c.at(0, 1), nullptr, false);
    CampaignPolicy p = PolicyFromJson(policy.is_object() ? policy.value("queue", nlohmann::json::object())
                                                         : nlohmann::json::object());
    ASSIGN_OR_RETURN(Rows recent,
                     Q("SELECT state FROM jobs WHERE campaign = $1 AND stage >= $2 AND state IN ('done', "
                       "'failed', 'dead') AND finished_ms >= $3 ORDER BY finished_ms DESC, id DESC LIMIT $4",
                       {campaign, StageOfWave(1), c.Int(0, 0), p.breaker_window}));
    out.sample = static_cast<int64_t>(recent.size());
    for (size_t r = 0; r < recent.size(); ++r) out.failures += recent.at(r, 0) != "done" ? 1 : 0;
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Event>> Queue::LastEvents(std::string_view campaign, int n) {
  std::vector<Event> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT id, campaign, at_ms, kind, message FROM campaign_events WHERE campaign = "
                       "$1 ORDER BY id DESC LIMIT $2",
                       {campaign, n}));
    for (size_t r = rows.size(); r-- > 0;)
      out.push_back(Event{rows.Int(r, 0), rows.at(r, 1), rows.Int(r, 2), rows.at(r, 3), rows.at(r, 4)});
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> Queue::LastEventId() {
  int64_t out = 0;
  RETURN_IF_ERROR(Read([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT COALESCE(MAX(id), 0) FROM campaign_events"));
    out = rows.empty() ? 0 : rows.Int(0, 0);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Event>> Queue::EventsAfter(int64_t after_id, int limit) {
  std::vector<Event> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT id, campaign, at_ms, kind, message FROM campaign_events WHERE id > $1 "
                       "ORDER BY id LIMIT $2",
                       {after_id, limit}));
    for (size_t r = 0; r < rows.size(); ++r)
      out.push_back(Event{rows.Int(r, 0), rows.at(r, 1), rows.Int(r, 2), rows.at(r, 3), rows.at(r, 4)});
    return Status::Ok();
  }));
  return out;
}

Result<bool> Queue::ClaimAlert(int64_t event, int64_t now) {
  bool claimed = false;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows,
                     Q("UPDATE campaign_events SET alerted_ms = $2 WHERE id = $1 AND alerted_ms = 0 "
                       "RETURNING id",
                       {event, now}));
    claimed = !rows.empty();
    return Status::Ok();
  }));
  return claimed;
}

Status Queue::UnclaimAlert(int64_t event) {
  return Transact(
      [&]() { return Q("UPDATE campaign_events SET alerted_ms = 0 WHERE id = $1", {event}).status(); });
}

Result<std::vector<DurationHistogram>> Queue::AttemptDurations(const std::vector<int64_t>& bounds_ms) {
  // One row per kind: the count under each bound, summed in the database.
  std::string sql = "SELECT j.kind, COUNT(*), SUM(a.ended_ms - a.started_ms)";
  for (int64_t bound : bounds_ms)
    sql += ", SUM(CASE WHEN a.ended_ms - a.started_ms <= " + std::to_string(bound) + " THEN 1 ELSE 0 END)";
  sql += " FROM attempts a JOIN jobs j ON j.id = a.job WHERE a.ended_ms > 0 GROUP BY j.kind ORDER BY j.kind";
  std::vector<DurationHistogram> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q(sql));
    for (size_t r = 0; r < rows.size(); ++r) {
      DurationHistogram h;
      h.kind = rows.at(r, 0);
      h.count = rows.Int(r, 1);
      h.sum_ms = static_cast<double>(rows.Int(r, 2));
      for (size_t b = 0; b < bounds_ms.size(); ++b) h.cumulative.push_back(rows.Int(r, 3 + b));
      out.push_back(std::move(h));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Attempt>> Queue::AttemptsEndedSince(int64_t since_ms) {
  std::vector<Attempt> out;
  // kAttemptColumns is a plain list: qualify each column with the attempts' alias.
  std::string qualified;
  for (std::string_view rest = kAttemptColumns; !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view column = rest.substr(0, comma);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    qualified += (qualified.empty() ? "a." : ", a.") + std::string(column);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::string sql =
      "SELECT " + qualified +
      " FROM attempts a JOIN jobs j ON j.id = a.job WHERE j.kind = 'consumer' AND a.ended_ms >= $1 "
      "ORDER BY a.ended_ms";
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q(sql, {since_ms}));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(AttemptFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> Queue::Backlog(int64_t now) {
  int64_t out = 0;
  RETURN_IF_ERROR(Read([&]() -> Status {
    ASSIGN_OR_RETURN(
        Rows rows, Q("SELECT COUNT(*) FROM jobs j JOIN campaigns c ON c.id = j.campaign WHERE c.state NOT IN "
                     "('paused', 'cancelled', 'rolled-back') AND j.grp = '' AND (j.state = 'running' OR "
                     "(j.state = 'pending' AND j.run_after_ms <= $1))",
                     {now}));
    out = rows.empty() ? 0 : rows.Int(0, 0);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::pair<std::string, int64_t>>> Queue::QueueDepths(int64_t now) {
  std::vector<std::pair<std::string, int64_t>> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT campaign, COUNT(*) FROM jobs WHERE state = 'pending' AND run_after_ms <= "
                       "$1 GROUP BY campaign ORDER BY campaign",
                       {now}));
    for (size_t r = 0; r < rows.size(); ++r) out.emplace_back(rows.at(r, 0), rows.Int(r, 1));
    return Status::Ok();
  }));
  return out;
}

}  // namespace skein::queue
