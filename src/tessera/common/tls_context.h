#pragma once

#include <memory>
#include <string>

#include <openssl/types.h>

#include "tessera/common/result.h"

namespace tessera {

/// Frees an SSL_CTX (OpenSSL reference-counts it, so connections still using it keep it alive).
struct SslContextDeleter {
  void operator()(SSL_CTX* context) const;
};

/// A server TLS context: one per listener, shared by all of its connections. OpenSSL makes an
/// SSL_CTX safe to use from many threads once it is configured, which Make finishes doing.
using TlsContext = std::unique_ptr<SSL_CTX, SslContextDeleter>;

/// Build a server context (the PostgreSQL and HTTP ports): TLS 1.2 minimum, the certificate chain
/// from `cert_file` and the private key from `key_file` (both PEM), checked to match; no
/// compression, renegotiation, session cache or tickets, as PostgreSQL configures it.
/// Return kInvalidArgument, naming the file, when a file cannot be loaded or the key does not
/// match the certificate; kInternal if OpenSSL cannot allocate the context.
Result<TlsContext> MakeServerTlsContext(const std::string& cert_file, const std::string& key_file);

/// The reasons on OpenSSL's error queue for this thread, joined with "; ", and clear the queue.
/// "unknown error" when the queue is empty.
std::string TakeOpenSslErrors();

}  // namespace tessera
