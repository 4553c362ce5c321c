#include "tessera/common/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tessera {

void SslContextDeleter::operator()(SSL_CTX* context) const { SSL_CTX_free(context); }

std::string TakeOpenSslErrors() {
  std::string text;
  while (auto code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty())
      text += "; ";
    text += buffer;
  }
  return text.empty() ? "unknown error" : text;
}

Result<TlsContext> MakeServerTlsContext(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  TlsContext context(SSL_CTX_new(TLS_server_method()));
  if (!context)
    return Status::Internal("cannot create a TLS context: " + TakeOpenSslErrors());
  if (SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1)
    return Status::Internal("cannot require TLS 1.2: " + TakeOpenSslErrors());
  // PostgreSQL's be-secure-openssl.c: no session resumption (each connection authenticates
  // anyway), no compression (CRIME), no renegotiation.
  SSL_CTX_set_options(context.get(),
                      SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(context.get(), 0);
  if (SSL_CTX_use_certificate_chain_file(context.get(), cert_file.c_str()) != 1) {
    return Status::InvalidArgument("cannot load TLS certificate file '" + cert_file +
                                   "': " + TakeOpenSslErrors());
  }
  std::string mismatch =
      "TLS private key file '" + key_file + "' does not match certificate file '" + cert_file + "'";
  if (SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // Loading already compares the key with the certificate.
    auto last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_X509 && (ERR_GET_REASON(last) == X509_R_KEY_VALUES_MISMATCH ||
                                              ERR_GET_REASON(last) == X509_R_KEY_TYPE_MISMATCH)) {
      return Status::InvalidArgument(mismatch + ": " + TakeOpenSslErrors());
    }
    return Status::InvalidArgument("cannot load TLS private key file '" + key_file +
                                   "': " + TakeOpenSslErrors());
  }
  if (SSL_CTX_check_private_key(context.get()) != 1)
    return Status::InvalidArgument(mismatch + ": " + TakeOpenSslErrors());
  return context;
}

}  // namespace tessera
