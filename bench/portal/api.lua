-- wrk script for bench/portal/run: one endpoint of the portal's API per wrk run, with the bearer
-- token, and random ids, pages and searches where the endpoint takes them. Configured through the
-- environment (bench/portal/run sets it):
--   SKEIN_ENDPOINT   healthz | campaigns | campaign | jobs-page | jobs-search | job | attempts |
--                    datasets | lineage
--   SKEIN_TOKEN      the operator token (sent as Authorization: Bearer; /healthz gets it too)
--   SKEIN_CAMPAIGN, SKEIN_DATASET, SKEIN_FIRST_JOB, SKEIN_LAST_JOB (consumer job ids, inclusive),
--   SKEIN_JOBS_TOTAL (the campaign's jobs, for the pages' offsets)
-- done() prints one JSON line: requests, duration, errors, latency percentiles (microseconds).
local endpoint = os.getenv("SKEIN_ENDPOINT") or "healthz"
local token = os.getenv("SKEIN_TOKEN") or ""
local campaign = os.getenv("SKEIN_CAMPAIGN") or "user-profile-v2"
local dataset = os.getenv("SKEIN_DATASET") or "core.user_profile_v1"
local first_job = tonumber(os.getenv("SKEIN_FIRST_JOB") or "1")
local last_job = tonumber(os.getenv("SKEIN_LAST_JOB") or "1")
local jobs_total = tonumber(os.getenv("SKEIN_JOBS_TOTAL") or "100")

-- What people type in the jobs table's search box: teams, kinds of consumer, a number.
local searches = { "analytics", "growth", "finance", "funnel", "export", "payments", "ml-platform", "cohorts",
  "0042", "report" }

wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"

local threads = {}
local counter = 1
function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

local base = "/api/v1/campaigns/" .. campaign

function request()
  local path
  if endpoint == "healthz" then
    path = "/healthz"
  elseif endpoint == "campaigns" then
    path = "/api/v1/campaigns"
  elseif endpoint == "campaign" then
    path = base
  elseif endpoint == "jobs-page" then
    local pages = math.max(1, math.floor((jobs_total + 99) / 100))
    path = base .. "/jobs?limit=100&offset=" .. (math.random(0, pages - 1) * 100)
  elseif endpoint == "jobs-search" then
    path = base .. "/jobs?q=" .. searches[math.random(1, #searches)] .. "&state=failed"
  elseif endpoint == "job" then
    path = "/api/v1/jobs/" .. math.random(first_job, last_job)
  elseif endpoint == "attempts" then
    path = "/api/v1/jobs/" .. math.random(first_job, last_job) .. "/attempts"
  elseif endpoint == "datasets" then
    path = "/api/v1/datasets"
  elseif endpoint == "lineage" then
    path = "/api/v1/datasets/" .. dataset .. "/lineage"
  else
    error("unknown SKEIN_ENDPOINT " .. endpoint)
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"endpoint": "%s", "requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    endpoint, summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
