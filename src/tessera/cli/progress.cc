#include "tessera/cli/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace tessera::cli {

ProgressLine::ProgressLine(engine::Connection& connection, std::string label)
    : connection_(connection), label_(std::move(label)) {
  if (::isatty(STDERR_FILENO) == 0)
    return;
  thread_ = std::thread([this] {
    bool shown = false;
    while (!done_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      double percent = connection_.Progress();
      if (percent < 0 || done_.load())
        continue;
      std::fprintf(stderr, "\r%s %3.0f%%", label_.c_str(), percent);
      std::fflush(stderr);
      shown = true;
    }
    if (shown)
      std::fprintf(stderr, "\r\033[K");
  });
}

ProgressLine::~ProgressLine() {
  done_.store(true);
  if (thread_.joinable())
    thread_.join();
}

}  // namespace tessera::cli
