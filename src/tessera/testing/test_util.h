#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tessera/common/result.h"

/// Test-only helpers shared by every module's tests.
#define ASSERT_OK(expr)                                       \
  do {                                                        \
    ::tessera::Status _st = (expr);                           \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                       \
  do {                                                        \
    ::tessera::Status _st = (expr);                           \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                    \
  auto tmp = (rexpr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #rexpr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(TESSERA_CONCAT(_assert_result_, __LINE__), lhs, rexpr)

namespace tessera::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The repository root (TESSERA_SOURCE_DIR, set by CTest), for reaching ../shared fixtures.
std::filesystem::path SourceDir();
/// The Delta fixtures directory (../shared/fixtures/delta beside the repository).
std::filesystem::path DeltaFixturesDir();

/// Write a whole file, creating parent directories. Aborts the test on failure.
void WriteFile(const std::filesystem::path& path, const std::string& content);

}  // namespace tessera::testing
