#include "tessera/ports/pgwire/transport.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include "tessera/common/tls_context.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

using std::chrono::milliseconds;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

void WritePem(const std::string& path, EVP_PKEY* key, X509* cert) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  ASSERT_NE(bio, nullptr) << path;
  int ok = key != nullptr
               ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_X509(bio, cert);
  BIO_free(bio);
  ASSERT_EQ(ok, 1) << path;
}

// A self-signed certificate for CN=localhost and its key, as PEM files in a temp dir (what
// `openssl req -x509 -newkey ... -nodes -subj /CN=localhost` makes).
class TlsFiles {
 public:
  TlsFiles() {
    Pkey key(EVP_EC_gen("P-256"));
    std::unique_ptr<X509, X509Deleter> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_sign(cert.get(), key.get(), EVP_sha256());
    WritePem(cert_file(), nullptr, cert.get());
    WritePem(key_file(), key.get(), nullptr);
    Pkey other(EVP_EC_gen("P-256"));
    WritePem(other_key_file(), other.get(), nullptr);
  }
  std::string cert_file() const { return dir_.Sub("server.crt"); }
  std::string key_file() const { return dir_.Sub("server.key"); }
  std::string other_key_file() const { return dir_.Sub("other.key"); }

 private:
  testing::TempDir dir_;
};

TEST(MakeServerTlsContextTest, LoadsMatchingCertificateAndKey) {
  TlsFiles files;
  ASSERT_OK_AND_ASSIGN(TlsContext context,
                       MakeServerTlsContext(files.cert_file(), files.key_file()));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context.get()), TLS1_2_VERSION);
}

TEST(MakeServerTlsContextTest, NamesAMissingCertificateFile) {
  TlsFiles files;
  auto context = MakeServerTlsContext("/nonexistent/server.crt", files.key_file());
  ASSERT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(context.status().message().rfind(
                "cannot load TLS certificate file '/nonexistent/server.crt': ", 0),
            0u)
      << context.status().message();
}

TEST(MakeServerTlsContextTest, NamesAKeyFileThatIsNotAKey) {
  TlsFiles files;
  auto context = MakeServerTlsContext(files.cert_file(), files.cert_file());
  ASSERT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(context.status().message().rfind(
                "cannot load TLS private key file '" + files.cert_file() + "': ", 0),
            0u)
      << context.status().message();
}

TEST(MakeServerTlsContextTest, RejectsAKeyOfAnotherCertificate) {
  TlsFiles files;
  auto context = MakeServerTlsContext(files.cert_file(), files.other_key_file());
  ASSERT_EQ(context.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(context.status().message().rfind("TLS private key file '" + files.other_key_file() +
                                                 "' does not match certificate file '" +
                                                 files.cert_file() + "'",
                                             0),
            0u)
      << context.status().message();
}

// A server Transport on one end of a socket pair; the test plays the client on the other end.
class TransportTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    server_ = std::make_unique<Transport>(fds[0]);
    client_fd_ = fds[1];
    ASSERT_OK_AND_ASSIGN(context_, MakeServerTlsContext(files_.cert_file(), files_.key_file()));
    client_context_.reset(SSL_CTX_new(TLS_client_method()));
    ASSERT_NE(client_context_, nullptr);
    client_.reset(SSL_new(client_context_.get()));
    SSL_set_fd(client_.get(), client_fd_);
  }
  void TearDown() override {
    client_.reset();
    if (client_fd_ >= 0)
      ::close(client_fd_);
  }

  // The client's handshake, on a thread of its own while the server accepts.
  std::thread ConnectClient() {
    return std::thread([this] { client_connected_ = SSL_connect(client_.get()) == 1; });
  }
  std::string ClientRead(size_t count) {
    std::string out(count, '\0');
    size_t done = 0;
    while (done < count) {
      size_t n = 0;
      if (SSL_read_ex(client_.get(), out.data() + done, count - done, &n) != 1)
        break;
      done += n;
    }
    out.resize(done);
    return out;
  }
  bool ClientWrite(std::string_view bytes) {
    size_t n = 0;
    return SSL_write_ex(client_.get(), bytes.data(), bytes.size(), &n) == 1 && n == bytes.size();
  }

  TlsFiles files_;
  TlsContext context_;
  TlsContext client_context_;
  std::unique_ptr<SSL, SslDeleter> client_;
  std::unique_ptr<Transport> server_;
  int client_fd_ = -1;
  bool client_connected_ = false;
};

TEST_F(TransportTlsTest, RoundTripsBytesBothWays) {
  std::thread client = ConnectClient();
  Status handshake = server_->StartTls(context_.get(), milliseconds(5000));
  client.join();
  ASSERT_TRUE(handshake.ok()) << handshake.ToString();
  ASSERT_TRUE(client_connected_);
  EXPECT_TRUE(server_->tls());
  EXPECT_GE(SSL_version(client_.get()), TLS1_2_VERSION);

  ASSERT_TRUE(ClientWrite("hello"));
  std::string in;
  ASSERT_OK(server_->ReadExact(5, in, milliseconds(5000)));
  EXPECT_EQ(in, "hello");

  // Far more than the socket buffer: WriteAll must wait for the reader (WANT_WRITE).
  std::string big(4 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4093)
    big[i] = static_cast<char>('a' + i % 26);
  std::string received;
  std::thread reader([&] { received = ClientRead(big.size()); });
  Status write = server_->WriteAll(big);
  reader.join();
  ASSERT_TRUE(write.ok()) << write.ToString();
  EXPECT_TRUE(received == big);
}

TEST_F(TransportTlsTest, PeerClosedOrReadableSeesBytesOpenSslHolds) {
  std::thread client = ConnectClient();
  ASSERT_OK(server_->StartTls(context_.get(), milliseconds(5000)));
  client.join();
  EXPECT_FALSE(server_->PeerClosedOrReadable());
  ASSERT_TRUE(ClientWrite("0123456789"));  // one TLS record
  std::string in;
  ASSERT_OK(server_->ReadExact(4, in, milliseconds(5000)));
  EXPECT_EQ(in, "0123");
  // The whole record has left the socket; six decrypted bytes wait inside OpenSSL.
  EXPECT_TRUE(server_->PeerClosedOrReadable());
  ASSERT_OK(server_->ReadExact(6, in, milliseconds(5000)));
  EXPECT_EQ(in, "456789");
  EXPECT_FALSE(server_->PeerClosedOrReadable());
}

TEST_F(TransportTlsTest, ReadTimesOutOnASilentClient) {
  std::thread client = ConnectClient();
  ASSERT_OK(server_->StartTls(context_.get(), milliseconds(5000)));
  client.join();
  std::string in;
  Status read = server_->ReadExact(5, in, milliseconds(100));
  EXPECT_EQ(read.code(), StatusCode::kCancelled) << read.ToString();
}

TEST_F(TransportTlsTest, ShutdownWakesABlockedRead) {
  std::thread client = ConnectClient();
  ASSERT_OK(server_->StartTls(context_.get(), milliseconds(5000)));
  client.join();
  Status read;
  std::thread blocked([&] {
    std::string in;
    read = server_->ReadExact(5, in, milliseconds(0));
  });
  std::this_thread::sleep_for(milliseconds(100));
  server_->Shutdown();
  blocked.join();
  EXPECT_EQ(read.code(), StatusCode::kIoError) << read.ToString();
}

TEST_F(TransportTlsTest, HandshakeFailsOnGarbageInsteadOfClientHello) {
  std::string garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(300, '\xff');
  ASSERT_EQ(::send(client_fd_, garbage.data(), garbage.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(garbage.size()));
  Status handshake = server_->StartTls(context_.get(), milliseconds(5000));
  EXPECT_EQ(handshake.code(), StatusCode::kIoError);
  EXPECT_EQ(handshake.message().rfind("TLS handshake failed: ", 0), 0u) << handshake.ToString();
  EXPECT_FALSE(server_->tls());
  std::string in;
  EXPECT_EQ(server_->ReadExact(1, in, milliseconds(100)).code(), StatusCode::kIoError);
  EXPECT_EQ(server_->WriteAll("x").code(), StatusCode::kIoError);
}

TEST_F(TransportTlsTest, HandshakeFailsWhenTheClientHangsUp) {
  ::shutdown(client_fd_, SHUT_WR);
  Status handshake = server_->StartTls(context_.get(), milliseconds(5000));
  EXPECT_EQ(handshake.code(), StatusCode::kIoError) << handshake.ToString();
}

TEST_F(TransportTlsTest, HandshakeTimesOutOnASilentClient) {
  auto start = std::chrono::steady_clock::now();
  Status handshake = server_->StartTls(context_.get(), milliseconds(200));
  EXPECT_EQ(handshake.code(), StatusCode::kCancelled) << handshake.ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(190));
}

TEST_F(TransportTlsTest, RefusesASecondHandshake) {
  std::thread client = ConnectClient();
  ASSERT_OK(server_->StartTls(context_.get(), milliseconds(5000)));
  client.join();
  EXPECT_EQ(server_->StartTls(context_.get(), milliseconds(100)).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(TransportTlsTest, RefusesTls11Clients) {
  // Security level 0 lets this OpenSSL offer TLS 1.1 at all.
  SSL_set_security_level(client_.get(), 0);
  SSL_set_min_proto_version(client_.get(), TLS1_VERSION);
  SSL_set_max_proto_version(client_.get(), TLS1_1_VERSION);
  std::thread client = ConnectClient();
  Status handshake = server_->StartTls(context_.get(), milliseconds(5000));
  client.join();
  EXPECT_EQ(handshake.code(), StatusCode::kIoError) << handshake.ToString();
  EXPECT_NE(handshake.message().find("unsupported protocol"), std::string::npos)
      << handshake.ToString();
  EXPECT_FALSE(client_connected_);
}

}  // namespace
}  // namespace tessera::ports::pgwire
