#include "tessera/common/logging.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tessera {
namespace {

LogLevel InitialLevel() {
  const char* env = std::getenv("TESSERA_LOG");
  if (env == nullptr)
    return LogLevel::kWarn;
  if (std::strcmp(env, "debug") == 0)
    return LogLevel::kDebug;
  if (std::strcmp(env, "info") == 0)
    return LogLevel::kInfo;
  if (std::strcmp(env, "error") == 0)
    return LogLevel::kError;
  return LogLevel::kWarn;
}

std::atomic<LogLevel>& Level() {
  static std::atomic<LogLevel> level{InitialLevel()};
  return level;
}

}  // namespace

void SetLogLevel(LogLevel level) { Level().store(level); }

void Log(LogLevel level, std::string_view message) {
  if (level < Level().load())
    return;
  static std::mutex mutex;
  static const char* const kNames[] = {"debug", "info", "warning", "error"};
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "tessera %s: %.*s\n", kNames[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
}

namespace internal {
void CheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "tessera: check failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}
}  // namespace internal

}  // namespace tessera
