#include "tessera/sharing/file_urls.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"
#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

using tessera::testing::TempDir;

class FakeClock : public Clock {
 public:
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{1'700'000'000'000};
};

// What our HTTP server hands the route: the decoded path after "/files/" and decoded params.
std::pair<std::string, std::vector<std::pair<std::string, std::string>>> AsRequest(
    const std::string& url) {
  std::string rest = url.substr(url.find("/files/") + 7);
  size_t question = rest.find('?');
  std::string path = *PercentDecode(rest.substr(0, question));
  std::vector<std::pair<std::string, std::string>> query;
  for (const std::string& pair : Split(rest.substr(question + 1), '&')) {
    size_t equals = pair.find('=');
    query.emplace_back(pair.substr(0, equals), *PercentDecode(pair.substr(equals + 1)));
  }
  return {path, query};
}

TEST(FileUrlSignerTest, SignedUrlsVerifyAndSurviveOddNames) {
  FakeClock clock;
  FileUrlSigner signer(std::string(32, 's'), &clock);
  std::string relative = "part=a b%2Fc:d/ünïcode+x=1.parquet";
  auto signed_url =
      signer.Sign("http://h:1/", "table-1", relative, "rec-1", std::chrono::seconds(60));
  EXPECT_EQ(signed_url.url.rfind("http://h:1/files/table-1/", 0), 0u) << signed_url.url;
  EXPECT_EQ(signed_url.expiration_ms, clock.NowMillis() + 60'000);
  auto [path, query] = AsRequest(signed_url.url);
  ASSERT_OK_AND_ASSIGN(auto verified, signer.Verify(path, query));
  EXPECT_EQ(verified.table_id, "table-1");
  EXPECT_EQ(verified.relative_path, relative);
  EXPECT_EQ(verified.recipient_id, "rec-1");
  clock.Advance(61'000);
  EXPECT_EQ(signer.Verify(path, query).status().code(), StatusCode::kPermissionDenied);
}

TEST(FileUrlSignerTest, AnyChangeBreaksTheSignature) {
  FakeClock clock;
  FileUrlSigner signer(std::string(32, 's'), &clock);
  auto [path, query] =
      AsRequest(signer.Sign("http://h", "t", "a/b.parquet", "r", std::chrono::seconds(60)).url);
  ASSERT_OK(signer.Verify(path, query).status());
  EXPECT_FALSE(signer.Verify("t/a/c.parquet", query).ok());
  EXPECT_FALSE(signer.Verify("u/a/b.parquet", query).ok());
  for (size_t i = 0; i < query.size(); ++i) {
    auto changed = query;
    changed[i].second += "0";
    EXPECT_EQ(signer.Verify(path, changed).status().code(), StatusCode::kPermissionDenied)
        << changed[i].first;
    auto missing = query;
    missing.erase(missing.begin() + static_cast<std::ptrdiff_t>(i));
    EXPECT_FALSE(signer.Verify(path, missing).ok());
  }
  FileUrlSigner other(std::string(32, 'o'), &clock);
  EXPECT_FALSE(other.Verify(path, query).ok());
  EXPECT_EQ(signer.Verify("no-slash", query).status().code(), StatusCode::kInvalidArgument);
}

TEST(FileUrlSignerTest, SignaturesAre128BitsAndWholeMacsStillVerify) {
  FakeClock clock;
  std::string secret(32, 's');
  FileUrlSigner signer(secret, &clock);
  auto [path, query] =
      AsRequest(signer.Sign("http://h", "t", "a/b.parquet", "r", std::chrono::seconds(60)).url);
  ASSERT_EQ(query.size(), 3u);
  ASSERT_EQ(query[2].first, "s");
  EXPECT_EQ(query[2].second.size(), 22u);
  // A URL signed with the whole HMAC (43 characters), as before the truncation: the message is
  // the length-prefixed table, path, recipient and expiry.
  std::string expiry = query[0].second;
  std::string message = "1:t11:a/b.parquet1:r" + std::to_string(expiry.size()) + ":" + expiry;
  std::string whole =
      Base64UrlEncode(HmacSha256(HmacSha256(secret, "tessera file urls v1"), message));
  ASSERT_EQ(whole.size(), 43u);
  EXPECT_EQ(whole.substr(0, 21), query[2].second.substr(0, 21));
  auto legacy = query;
  legacy[2].second = whole;
  EXPECT_OK(signer.Verify(path, legacy).status());
  // Any other length, or a whole HMAC cut anywhere else, is refused.
  for (size_t length : {size_t{0}, size_t{21}, size_t{23}, size_t{42}}) {
    auto cut = query;
    cut[2].second = whole.substr(0, length);
    EXPECT_EQ(signer.Verify(path, cut).status().code(), StatusCode::kPermissionDenied) << length;
  }
}

TEST(RelativeDataPathTest, DecodesAndConfinesToTheRoot) {
  EXPECT_EQ(*RelativeDataPath("/t", "part=a%20b/x.parquet"), "part=a b/x.parquet");
  EXPECT_EQ(*RelativeDataPath("/t", "file:///t/sub/x.parquet"), "sub/x.parquet");
  EXPECT_EQ(RelativeDataPath("/t", "file:///elsewhere/x.parquet").status().code(),
            StatusCode::kUnsupported);
  EXPECT_FALSE(RelativeDataPath("/t", "../x.parquet").ok());
}

TEST(OpenTableFileTest, ServesOnlyRegularFilesInsideTheTable) {
  TempDir dir;
  std::filesystem::path root = dir.path() / "table";
  std::filesystem::create_directories(root / "_delta_log");
  std::filesystem::create_directories(root / "part=1");
  std::ofstream(root / "part=1" / "a.parquet") << "PAR1data";
  std::ofstream(root / "_delta_log" / "00000000000000000000.json") << "{}";
  std::ofstream(dir.path() / "secret.txt") << "secret";
  std::filesystem::create_symlink(dir.path() / "secret.txt", root / "escape.parquet");
  ASSERT_OK_AND_ASSIGN(OpenedFile file, OpenTableFile(root.string(), "part=1/a.parquet"));
  EXPECT_EQ(file.size(), 8);
  EXPECT_GE(file.fd(), 0);
  for (std::string_view bad :
       {"", "/etc/passwd", "../secret.txt", "part=1/../../secret.txt", "part=1//a.parquet",
        "./part=1/a.parquet", "_delta_log/00000000000000000000.json"}) {
    EXPECT_EQ(OpenTableFile(root.string(), bad).status().code(), StatusCode::kPermissionDenied)
        << bad;
  }
  EXPECT_EQ(OpenTableFile(root.string(), "escape.parquet").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(OpenTableFile(root.string(), "part=1/missing.parquet").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(OpenTableFile(root.string(), "part=1").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera::sharing
