// Alerts: a campaign's notable events (breaker trip, pause, dead jobs, approval needed,
// completion, failure) POSTed to the manifest's webhook (rollout.alerts.webhook, or the URL in
// the variable rollout.alerts.webhook_env) as Slack-compatible JSON: {"text": "..."} plus
// structured fields skein adds ({"campaign", "kind", "message"}), which Slack ignores.
//
// Thread-safety: free functions; each call uses its own HTTP client.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "queue/queue.h"

namespace skein {

// Events worth a message: breaker, paused, dead, approval-needed, completed, failed, rolled-back,
// declined (a person closed a change request), checks-failing (after a merge).
bool IsAlertKind(std::string_view kind);
// The webhook URL of a campaign's rollout policy (JSON), "" when none is set.
std::string AlertWebhook(const std::string& policy_json);
// The message body for `event`.
std::string AlertBody(const queue::Event& event);
// POSTs the event; IoError / Unavailable naming the host (never the URL's path: it is a secret).
Status SendAlert(const std::string& url, const queue::Event& event);
// The message body for a watcher's notice (schema drift, decommission): {"text", "subject",
// "kind", "message", "detail"}.
std::string NoticeBody(const queue::Notice& notice);
// POSTs a notice, as SendAlert.
Status SendNotice(const std::string& url, const queue::Notice& notice);

}  // namespace skein
