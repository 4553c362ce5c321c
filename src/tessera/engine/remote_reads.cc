#include "tessera/engine/remote_reads.h"

#include <utility>

namespace tessera::engine {
namespace {
thread_local std::optional<std::map<std::string, RemoteRead>> current_reads;
}  // namespace

ScopedRemoteReads::ScopedRemoteReads(std::map<std::string, RemoteRead> reads)
    : previous_(std::move(current_reads)) {
  current_reads = std::move(reads);
}

ScopedRemoteReads::~ScopedRemoteReads() { current_reads = std::move(previous_); }

const RemoteRead* ScopedRemoteReads::For(const std::string& table) {
  if (!current_reads)
    return nullptr;
  auto found = current_reads->find(table);
  return found == current_reads->end() ? nullptr : &found->second;
}

}  // namespace tessera::engine
