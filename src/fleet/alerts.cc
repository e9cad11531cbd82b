// Alert webhooks (alerts.h).
#include "fleet/alerts.h"

#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace skein {

bool IsAlertKind(std::string_view kind) {
  return kind == "breaker" || kind == "paused" || kind == "dead" || kind == "approval-needed" ||
         kind == "completed" || kind == "failed" || kind == "rolled-back" || kind == "declined" ||
         kind == "checks-failing";
}

std::string AlertWebhook(const std::string& policy_json) {
  nlohmann::json policy = nlohmann::json::parse(policy_json, nullptr, false);
  if (!policy.is_object() || !policy.contains("alerts") || !policy["alerts"].is_object()) return "";
  const auto& alerts = policy["alerts"];
  std::string url = alerts.value("webhook", "");
  if (!url.empty()) return url;
  std::string env = alerts.value("webhook_env", "");
  if (env.empty()) return "";
  const char* value = std::getenv(env.c_str());
  return value != nullptr ? value : "";
}

std::string AlertBody(const queue::Event& event) {
  std::string icon = event.kind == "completed"         ? ":white_check_mark:"
                     : event.kind == "approval-needed" ? ":raised_hand:"
                                                       : ":warning:";
  nlohmann::json body = {
      {"text", icon + " skein campaign *" + event.campaign + "* — " + event.kind + ": " + event.message},
      {"campaign", event.campaign},
      {"kind", event.kind},
      {"message", event.message}};
  return body.dump();
}

namespace {

Status Post(const std::string& url, const std::string& body) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return Status::InvalidInput("alert webhook is not a URL");
  size_t path_at = url.find('/', scheme + 3);
  std::string origin = path_at == std::string::npos ? url : url.substr(0, path_at);
  std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  httplib::Client client(origin);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Result response = client.Post(path, body, "application/json");
  if (!response) {
    return Status::Unavailable("alert webhook at " + origin +
                               " did not answer: " + httplib::to_string(response.error()));
  }
  if (response->status / 100 != 2) {
    return Status::IoError("alert webhook at " + origin + " answered HTTP " +
                           std::to_string(response->status));
  }
  return Status::Ok();
}

}  // namespace

Status SendAlert(const std::string& url, const queue::Event& event) { return Post(url, AlertBody(event)); }

std::string NoticeBody(const queue::Notice& notice) {
  std::string icon = notice.kind == "retired" ? ":white_check_mark:" : ":warning:";
  nlohmann::json detail = nlohmann::json::parse(notice.detail, nullptr, false);
  nlohmann::json body = {
      {"text", icon + " skein dataset *" + notice.subject + "* — " + notice.kind + ": " + notice.message},
      {"subject", notice.subject},
      {"kind", notice.kind},
      {"message", notice.message},
      {"detail", detail.is_discarded() ? nlohmann::json::object() : detail}};
  return body.dump();
}

Status SendNotice(const std::string& url, const queue::Notice& notice) {
  return Post(url, NoticeBody(notice));
}

}  // namespace skein
