#pragma once

#include <string_view>

namespace tessera {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

/// Set the minimum level written to stderr (default kWarn; TESSERA_LOG=debug|info|warn|error).
void SetLogLevel(LogLevel level);
/// Write one line "tessera <level>: <message>" to stderr if the level is enabled. Thread-safe.
void Log(LogLevel level, std::string_view message);

namespace internal {
/// Print the failed condition with its location and abort.
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);
}  // namespace internal

}  // namespace tessera

/// Abort if the invariant does not hold. Guards invariants, never input.
#define TESSERA_CHECK(cond)                                        \
  do {                                                             \
    if (!(cond))                                                   \
      ::tessera::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (false)

#ifdef NDEBUG
#define TESSERA_DCHECK(cond) \
  do {                       \
  } while (false)
#else
#define TESSERA_DCHECK(cond) TESSERA_CHECK(cond)
#endif
