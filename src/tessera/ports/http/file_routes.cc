#include "tessera/ports/http/file_routes.h"

#include "tessera/common/json.h"
#include "tessera/ports/http/file_response.h"

namespace tessera::ports::http {
namespace {

constexpr std::string_view kPrefix = "/files/";

Status SendSharingError(ResponseWriter& writer, int status, std::string_view code,
                        std::string_view message) {
  return writer.Send(status, "application/json; charset=utf-8",
                     DumpJson(Json{{"errorCode", code}, {"message", message}}));
}

std::pair<int, std::string_view> ErrorFor(StatusCode code) {
  switch (code) {
    case StatusCode::kPermissionDenied:
      return {403, "PERMISSION_DENIED"};
    case StatusCode::kNotFound:
      return {404, "RESOURCE_DOES_NOT_EXIST"};
    case StatusCode::kInvalidArgument:
      return {400, "MALFORMED_REQUEST"};
    default:
      return {500, "INTERNAL_ERROR"};
  }
}

}  // namespace

void RegisterFileRoutes(Router& router, FileRouteDeps deps) {
  auto handler = [deps = std::move(deps)](const Request& request, ResponseWriter& writer) {
    FileAccess access;
    auto fail = [&](const Status& error) {
      auto [status, code] = ErrorFor(error.code());
      access.status = status;
      access.error = error.message();
      if (deps.audit)
        (void)deps.audit(access);
      // Messages are generic: which part of a URL was wrong, or where files live, is nobody's
      // business but the server's.
      std::string message = status == 403   ? "invalid or expired file URL"
                            : status == 404 ? "no such file"
                            : status == 400 ? error.message()
                                            : "the file cannot be read";
      return SendSharingError(writer, status, code, message);
    };
    auto verified =
        deps.signer->Verify(std::string_view(request.path).substr(kPrefix.size()), request.query);
    if (!verified.ok())
      return fail(verified.status());
    access.recipient = verified->recipient_id;
    access.table = verified->table_id;
    access.relative_path = verified->relative_path;
    auto resolved = deps.resolve(*verified);
    if (!resolved.ok())
      return fail(resolved.status());
    const FileTarget& target = **resolved;
    access.recipient = target.recipient;
    access.table = target.table;
    auto opened = target.directory
                      ? sharing::OpenTableFile(*target.directory, verified->relative_path)
                      : sharing::OpenTableFile(target.table_root, verified->relative_path);
    if (!opened.ok())
      return fail(opened.status());
    access.bytes = request.method == "HEAD" ? 0 : opened->size();
    access.status = 200;
    if (deps.audit) {
      Status recorded = deps.audit(access);
      if (!recorded.ok())
        return SendSharingError(writer, 500, "INTERNAL_ERROR",
                                "the audit log cannot be written, so nothing is served");
    }
    FileToServe file{opened->fd(), opened->size(), opened->mtime_ns(), opened->inode()};
    auto sent = ServeFile(request, writer, file, "application/octet-stream");
    if (!sent.ok()) {
      access.status = 0;
      access.error = sent.status().message();
      if (deps.audit)
        (void)deps.audit(access);
      return sent.status();
    }
    return Status::OK();
  };
  router.AddPrefix("GET", std::string(kPrefix), handler);
}

}  // namespace tessera::ports::http
