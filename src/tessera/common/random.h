#pragma once

#include <cstdint>
#include <string>

namespace tessera {

/// Fill a buffer with cryptographically strong random bytes (getrandom). Aborts if the kernel
/// cannot supply them, which on Linux means the process cannot run safely anyway.
void RandomBytes(void* out, size_t size);

/// Return a random (version 4) UUID in canonical lowercase form.
std::string RandomUuid();

}  // namespace tessera
