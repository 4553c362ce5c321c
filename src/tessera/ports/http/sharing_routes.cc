#include "tessera/ports/http/sharing_routes.h"

#include <memory>

namespace tessera::ports::http {
namespace {

// Adapts the transport-neutral sink of the sharing service to the HTTP response writer.
class WriterSink : public sharing::ResponseSink {
 public:
  explicit WriterSink(ResponseWriter& writer) : writer_(writer) {}
  void SetStatus(int status) override { writer_.SetStatus(status); }
  void SetHeader(std::string_view name, std::string_view value) override {
    writer_.SetHeader(name, value);
  }
  Status Write(std::string_view data) override { return writer_.Write(data); }
  Status Finish() override { return writer_.Finish(); }
  void Abort() override { writer_.Abort(); }

 private:
  ResponseWriter& writer_;
};

// Only a plain host[:port] may go into the file URLs a response hands out.
bool IsPlainHost(std::string_view host) {
  if (host.empty() || host.size() > 255)
    return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok)
      return false;
  }
  return true;
}

std::optional<std::string> HeaderValue(const Request& request, std::string_view name) {
  auto value = request.Header(name);
  if (!value)
    return std::nullopt;
  return std::string(*value);
}

}  // namespace

sharing::SharingRequest ToSharingRequest(const Request& request) {
  sharing::SharingRequest out;
  out.method = request.method;
  out.path = request.path.substr(std::min(request.path.size(), kDeltaSharingPrefix.size()));
  out.query = request.query;
  out.authorization = HeaderValue(request, "Authorization");
  out.capabilities = HeaderValue(request, "delta-sharing-capabilities");
  out.file_id_hash = HeaderValue(request, "fileidhash");
  auto host = request.Header("Host");
  if (host && IsPlainHost(*host))
    out.host = std::string(*host);
  if (auto encodings = request.Header("Accept-Encoding"))
    out.accepts_gzip = AcceptsEncoding(*encodings, "gzip");
  out.body = request.body;
  return out;
}

void RegisterSharingRoutes(Router& router, sharing::SharingService& service) {
  Handler handler = [&service](const Request& request, ResponseWriter& writer) {
    WriterSink sink(writer);
    service.Handle(ToSharingRequest(request), sink);
    return Status::OK();
  };
  std::string prefix = std::string(kDeltaSharingPrefix) + "/";
  router.AddPrefix("GET", prefix, handler);
  router.AddPrefix("POST", prefix, handler);
}

}  // namespace tessera::ports::http
