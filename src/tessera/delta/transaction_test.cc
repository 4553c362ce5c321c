#include "tessera/delta/transaction.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

Metadata TestMetadata() {
  Metadata m;
  m.id = "test";
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
  return m;
}

AddFile File(const std::string& path) {
  AddFile a;
  a.path = path;
  a.size = 1;
  return a;
}

Status CreateTable(const std::string& root) {
  Transaction txn(root, nullptr);
  txn.SetProtocol(Protocol{1, 2, std::nullopt, std::nullopt});
  txn.SetMetadata(TestMetadata());
  txn.SetOperation("CREATE TABLE", Json::object());
  return txn.Commit(storage::LocalStorage::Instance()).status();
}

TEST(TransactionTest, CreateThenAppendWritesValidCommits) {
  testing::TempDir dir;
  auto& fs = storage::LocalStorage::Instance();
  std::string root = dir.Sub("t");
  ASSERT_OK(CreateTable(root));
  EXPECT_EQ(CreateTable(root).code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto snapshot, Snapshot::Load(fs, nullptr, root, std::nullopt));
  Transaction append(root, snapshot);
  append.Add(File("a.parquet"));
  EXPECT_TRUE(append.IsBlindAppend());
  ASSERT_OK_AND_ASSIGN(auto result, append.Commit(fs));
  EXPECT_EQ(result.version, 1);
  ASSERT_OK_AND_ASSIGN(std::string text, fs.Read(root + "/_delta_log/00000000000000000001.json"));
  ASSERT_OK_AND_ASSIGN(auto actions, ParseCommit(text));
  ASSERT_EQ(actions.size(), 2u);
  const auto& info = std::get<CommitInfo>(actions[0]);  // commitInfo is the first line
  EXPECT_EQ(info.Operation(), "WRITE");
  EXPECT_EQ(info.value["isBlindAppend"], true);
  EXPECT_EQ(info.value["readVersion"], 0);
  EXPECT_EQ(std::get<AddFile>(actions[1]).path, "a.parquet");
}

TEST(TransactionTest, ConcurrentBlindAppendsAllLand) {
  testing::TempDir dir;
  auto& fs = storage::LocalStorage::Instance();
  std::string root = dir.Sub("t");
  ASSERT_OK(CreateTable(root));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto snapshot = Snapshot::Load(fs, nullptr, root, std::nullopt);
        if (!snapshot.ok()) {
          ++failures;
          continue;
        }
        Transaction txn(root, *snapshot);
        txn.Add(File("f-" + std::to_string(t) + "-" + std::to_string(i) + ".parquet"));
        if (!txn.Commit(fs, {64}).ok())
          ++failures;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto final_snapshot, Snapshot::Load(fs, nullptr, root, std::nullopt));
  EXPECT_EQ(final_snapshot->version(), kThreads * kPerThread);
  EXPECT_EQ(final_snapshot->files().size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(TransactionTest, DeleteConflictsWithConcurrentAppend) {
  testing::TempDir dir;
  auto& fs = storage::LocalStorage::Instance();
  std::string root = dir.Sub("t");
  ASSERT_OK(CreateTable(root));
  ASSERT_OK_AND_ASSIGN(auto v0, Snapshot::Load(fs, nullptr, root, std::nullopt));
  Transaction seed(root, v0);
  seed.Add(File("a.parquet"));
  ASSERT_OK(seed.Commit(fs).status());
  ASSERT_OK_AND_ASSIGN(auto v1, Snapshot::Load(fs, nullptr, root, std::nullopt));

  Transaction deleter(root, v1);
  RemoveFile remove;
  remove.path = "a.parquet";
  deleter.Remove(remove);
  deleter.MarkDataRead();
  Transaction appender(root, v1);
  appender.Add(File("b.parquet"));
  ASSERT_OK(appender.Commit(fs).status());
  auto result = deleter.Commit(fs);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  EXPECT_EQ(result.status().message(),
            "concurrent commit 2 added data this operation did not read; retry the operation");
  ASSERT_OK_AND_ASSIGN(auto latest, Snapshot::Load(fs, nullptr, root, std::nullopt));
  EXPECT_EQ(latest->version(), 2);
  EXPECT_EQ(latest->files().size(), 2u);
}

TEST(TransactionTest, AppendOnlyRefusesRemoves) {
  testing::TempDir dir;
  auto& fs = storage::LocalStorage::Instance();
  std::string root = dir.Sub("t");
  Transaction create(root, nullptr);
  create.SetProtocol(Protocol{1, 2, std::nullopt, std::nullopt});
  Metadata m = TestMetadata();
  m.configuration["delta.appendOnly"] = "true";
  create.SetMetadata(m);
  ASSERT_OK(create.Commit(fs).status());
  ASSERT_OK_AND_ASSIGN(auto snapshot, Snapshot::Load(fs, nullptr, root, std::nullopt));
  Transaction txn(root, snapshot);
  RemoveFile remove;
  remove.path = "x.parquet";
  txn.Remove(remove);
  EXPECT_EQ(txn.Commit(fs).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::delta
