#include "tessera/ports/http/sharing_admin_api.h"

#include <chrono>
#include <memory>
#include <optional>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/ports/http/status_mapping.h"
#include "tessera/sharing/profile.h"
#include "tessera/sharing/table_source.h"

namespace tessera::ports::http {
namespace {

constexpr std::string_view kJson = "application/json";

Json ShareJson(const sharing::Share& share) {
  return {{"name", share.name},
          {"id", share.id},
          {"comment", share.comment},
          {"created", FormatIso8601Millis(share.created_ms)}};
}

Json TableJson(const sharing::SharedTable& table) {
  Json json = {
      {"share", table.share},
      {"schema", table.schema},
      {"name", table.name},
      {"id", table.id},
      {"source", table.source},
      {"source_kind", table.source_kind == sharing::TableSourceKind::kTessera ? "tessera" : "path"},
      {"history", table.history_shared},
      {"comment", table.comment}};
  json["start_version"] = table.start_version ? Json(*table.start_version) : Json(nullptr);
  return json;
}

Json RecipientJson(const sharing::RecipientInfo& info) {
  Json tokens = Json::array();
  for (const auto& token : info.tokens) {
    tokens.push_back(
        {{"id", token.id},
         {"created", FormatIso8601Millis(token.created_ms)},
         {"expires", token.expires_ms ? Json(FormatIso8601Millis(*token.expires_ms)) : Json()},
         {"revoked", token.revoked_ms.has_value()},
         {"active", token.active}});
  }
  return {{"name", info.recipient.name},
          {"id", info.recipient.id},
          {"comment", info.recipient.comment},
          {"tokens", tokens},
          {"shares", info.shares}};
}

Status SendJson(ResponseWriter& writer, int status, const Json& body) {
  return writer.Send(status, kJson, DumpJson(body));
}

// The request body as a JSON object ({} when empty).
Result<Json> Body(const Request& request) {
  if (Trim(request.body).empty())
    return Json::object();
  auto json = ParseJson(request.body);
  if (!json.ok() || !json->is_object())
    return Status::InvalidArgument("the request body must be a JSON object");
  return std::move(*json);
}

Result<std::optional<std::chrono::seconds>> Seconds(const Json& body, const char* key) {
  TESSERA_ASSIGN_OR_RETURN(auto value, JsonOptInt(body, key));
  if (!value)
    return std::optional<std::chrono::seconds>();
  if (*value < 0)
    return Status::InvalidArgument(std::string(key) + " cannot be negative");
  return std::optional<std::chrono::seconds>(std::chrono::seconds(*value));
}

// JsonOpt* report type errors as kCorruption (they were made for files); here they are the
// client's mistake.
Status ClientError(Status status) {
  if (status.code() == StatusCode::kCorruption)
    return Status::InvalidArgument(status.message());
  return status;
}

class AdminApi {
 public:
  explicit AdminApi(SharingAdminDeps deps) : deps_(std::move(deps)) {}

  Status Handle(const Request& request, ResponseWriter& writer) {
    Status status = Authorize(request, writer);
    if (!status.ok())
      return status.code() == StatusCode::kCancelled ? Status::OK() : status;
    std::vector<std::string> parts;
    for (const std::string& part : Split(request.path, '/')) {
      if (!part.empty())
        parts.push_back(part);
    }
    // parts[0..1] = "api", "v1"
    status = ClientError(Route(request, writer, parts));
    if (!status.ok() && !writer.started())
      return writer.SendError(status);
    return status;
  }

 private:
  // Answers 401/403 itself and returns kCancelled then; OK for an admin.
  Status Authorize(const Request& request, ResponseWriter& writer) {
    auto header = request.Header("Authorization");
    std::string_view token;
    if (header && header->size() > 7 && ToLower(header->substr(0, 7)) == "bearer ")
      token = Trim(header->substr(7));
    if (token.empty()) {
      writer.SetHeader("WWW-Authenticate", "Bearer");
      (void)writer.SendError(401, "Unauthenticated",
                             "an admin principal's bearer token is required");
      return Status::Cancelled("answered");
    }
    auto principal = deps_.access->AuthenticateToken(token);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kUnauthenticated)
        return principal.status();
      writer.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      (void)writer.SendError(401, "Unauthenticated", principal.status().message());
      return Status::Cancelled("answered");
    }
    if (!principal->admin) {
      (void)writer.SendError(403, "PermissionDenied",
                             "only admin principals may manage shares and recipients");
      return Status::Cancelled("answered");
    }
    return Status::OK();
  }

  Status Route(const Request& request, ResponseWriter& writer,
               const std::vector<std::string>& parts) {
    const std::string& method = request.method;
    size_t n = parts.size();
    if (n >= 3 && parts[2] == "shares") {
      if (n == 3) {
        if (method == "GET")
          return ListShares(writer);
        if (method == "POST")
          return CreateShare(request, writer);
      } else if (n == 4) {
        if (method == "GET")
          return DescribeShare(parts[3], writer);
        if (method == "DELETE")
          return Done(writer, deps_.shares->DropShare(parts[3]));
      } else if (n == 5 && parts[4] == "tables" && method == "POST") {
        return AddTable(parts[3], request, writer);
      } else if (n == 7 && parts[4] == "tables" && method == "DELETE") {
        return Done(writer, deps_.shares->RemoveTable(parts[3], parts[5], parts[6]));
      } else if (n == 6 && parts[4] == "recipients") {
        if (method == "PUT")
          return Done(writer, deps_.shares->GrantShare(parts[3], parts[5]));
        if (method == "DELETE")
          return Done(writer, deps_.shares->RevokeShare(parts[3], parts[5]));
      }
      return MethodOrPath(writer, n);
    }
    if (n >= 3 && parts[2] == "recipients") {
      if (n == 3) {
        if (method == "GET")
          return ListRecipients(writer);
        if (method == "POST")
          return CreateRecipient(request, writer);
      } else if (n == 4) {
        if (method == "GET") {
          TESSERA_ASSIGN_OR_RETURN(auto info, deps_.shares->DescribeRecipient(parts[3]));
          return SendJson(writer, 200, RecipientJson(info));
        }
        if (method == "DELETE")
          return Done(writer, deps_.shares->DropRecipient(parts[3]));
      } else if (n == 5 && method == "POST") {
        if (parts[4] == "rotate")
          return Rotate(parts[3], request, writer);
        if (parts[4] == "revoke")
          return Done(writer, deps_.shares->RevokeRecipient(parts[3]));
        if (parts[4] == "profile")
          return Profile(parts[3], request, writer);
      }
      return MethodOrPath(writer, n);
    }
    return writer.SendError(404, "NotFound", "no such endpoint: " + request.path);
  }

  Status MethodOrPath(ResponseWriter& writer, size_t parts) {
    if (parts > 7)
      return writer.SendError(404, "NotFound", "no such endpoint");
    return writer.SendError(405, "MethodNotAllowed",
                            "this method is not allowed here; see docs/sharing-admin.md");
  }

  Status Done(ResponseWriter& writer, const Status& status) {
    TESSERA_RETURN_NOT_OK(status);
    return SendJson(writer, 200, Json{{"ok", true}});
  }

  Status ListShares(ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(auto shares, deps_.shares->ListShares());
    Json items = Json::array();
    for (const auto& share : shares)
      items.push_back(ShareJson(share));
    return SendJson(writer, 200, Json{{"items", items}});
  }

  Status CreateShare(const Request& request, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(Json body, Body(request));
    TESSERA_ASSIGN_OR_RETURN(std::string name, JsonString(body, "name"));
    TESSERA_ASSIGN_OR_RETURN(auto comment, JsonOptString(body, "comment"));
    TESSERA_ASSIGN_OR_RETURN(auto share, deps_.shares->CreateShare(name, comment.value_or("")));
    return SendJson(writer, 201, ShareJson(share));
  }

  Status DescribeShare(const std::string& name, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(auto info, deps_.shares->DescribeShare(name));
    Json json = ShareJson(info.share);
    json["tables"] = Json::array();
    for (const auto& table : info.tables)
      json["tables"].push_back(TableJson(table));
    json["recipients"] = info.recipients;
    return SendJson(writer, 200, json);
  }

  Status AddTable(const std::string& share, const Request& request, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(Json body, Body(request));
    sharing::AddTableRequest add;
    add.share = share;
    TESSERA_ASSIGN_OR_RETURN(add.source, JsonString(body, "source"));
    TESSERA_ASSIGN_OR_RETURN(add.schema, JsonOptString(body, "schema"));
    TESSERA_ASSIGN_OR_RETURN(add.name, JsonOptString(body, "name"));
    TESSERA_ASSIGN_OR_RETURN(auto history, JsonOptBool(body, "history"));
    add.history_shared = history.value_or(false);
    TESSERA_ASSIGN_OR_RETURN(add.start_version, JsonOptInt(body, "start_version"));
    TESSERA_ASSIGN_OR_RETURN(auto comment, JsonOptString(body, "comment"));
    add.comment = comment.value_or("");
    // A path source on the server must be absolute: the API has no current directory.
    if (add.source.find('/') != std::string::npos && add.source.front() != '/')
      return Status::InvalidArgument("a table path must be absolute");
    TESSERA_ASSIGN_OR_RETURN(
        auto table, sharing::AddSharedTable(*deps_.shares, *deps_.storage, deps_.data_dir, add));
    return SendJson(writer, 201, TableJson(table));
  }

  Status ListRecipients(ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(auto recipients, deps_.shares->ListRecipients());
    Json items = Json::array();
    for (const auto& info : recipients)
      items.push_back(RecipientJson(info));
    return SendJson(writer, 200, Json{{"items", items}});
  }

  Status Issued(ResponseWriter& writer, int status, const std::string& name,
                const sharing::IssuedRecipientToken& issued, const Json& body) {
    TESSERA_ASSIGN_OR_RETURN(auto endpoint, JsonOptString(body, "endpoint"));
    TESSERA_ASSIGN_OR_RETURN(auto info, deps_.shares->DescribeRecipient(name));
    Json json = {
        {"recipient", RecipientJson(info)},
        {"token", issued.token},
        {"profile", sharing::ProfileJson(endpoint.value_or(deps_.default_endpoint), issued)}};
    return SendJson(writer, status, json);
  }

  Status CreateRecipient(const Request& request, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(Json body, Body(request));
    TESSERA_ASSIGN_OR_RETURN(std::string name, JsonString(body, "name"));
    TESSERA_ASSIGN_OR_RETURN(auto comment, JsonOptString(body, "comment"));
    TESSERA_ASSIGN_OR_RETURN(auto ttl, Seconds(body, "ttl_seconds"));
    TESSERA_ASSIGN_OR_RETURN(auto issued,
                             deps_.shares->CreateRecipient(name, comment.value_or(""), ttl));
    return Issued(writer, 201, name, issued, body);
  }

  Status Rotate(const std::string& name, const Request& request, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(Json body, Body(request));
    TESSERA_ASSIGN_OR_RETURN(auto ttl, Seconds(body, "ttl_seconds"));
    TESSERA_ASSIGN_OR_RETURN(auto grace, Seconds(body, "grace_seconds"));
    TESSERA_ASSIGN_OR_RETURN(
        auto issued, deps_.shares->RotateToken(name, ttl, grace.value_or(std::chrono::hours(1))));
    return Issued(writer, 200, name, issued, body);
  }

  Status Profile(const std::string& name, const Request& request, ResponseWriter& writer) {
    TESSERA_ASSIGN_OR_RETURN(Json body, Body(request));
    TESSERA_ASSIGN_OR_RETURN(auto ttl, Seconds(body, "ttl_seconds"));
    TESSERA_ASSIGN_OR_RETURN(auto endpoint, JsonOptString(body, "endpoint"));
    TESSERA_ASSIGN_OR_RETURN(auto issued, deps_.shares->IssueToken(name, ttl));
    return SendJson(writer, 200,
                    sharing::ProfileJson(endpoint.value_or(deps_.default_endpoint), issued));
  }

  SharingAdminDeps deps_;
};

}  // namespace

void AddSharingAdminApi(Router& router, SharingAdminDeps deps) {
  auto api = std::make_shared<AdminApi>(std::move(deps));
  Handler handler = [api](const Request& request, ResponseWriter& writer) {
    return api->Handle(request, writer);
  };
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
    router.Add(method, "/api/v1/shares", handler);
    router.AddPrefix(method, "/api/v1/shares/", handler);
    router.Add(method, "/api/v1/recipients", handler);
    router.AddPrefix(method, "/api/v1/recipients/", handler);
  }
}

}  // namespace tessera::ports::http
