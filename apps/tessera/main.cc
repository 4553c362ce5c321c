// The tessera binary: only wiring; everything lives in the cli module.
#include <string>
#include <vector>

#include "tessera/cli/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tessera::cli::Main(args);
}
