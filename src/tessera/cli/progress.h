#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "tessera/engine/database.h"

namespace tessera::cli {

/// Shows a statement's progress ("writing ... 42%") on stderr while it runs, when stderr is a
/// terminal; prints nothing otherwise (scripts and logs stay clean). Polls Connection::Progress
/// from its own thread, which that method allows; stops and clears the line on destruction.
class ProgressLine {
 public:
  ProgressLine(engine::Connection& connection, std::string label);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  engine::Connection& connection_;
  std::string label_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace tessera::cli
