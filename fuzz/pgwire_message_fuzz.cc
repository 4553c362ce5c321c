// Feeds arbitrary bytes to every decoder of client input on the PostgreSQL port: the startup
// packet, each message body parser, and the text-level statement classifier and catalog
// rewriter. None may crash, hang or read out of bounds, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/ports/pgwire/catalog_emulation.h"
#include "tessera/ports/pgwire/commands.h"
#include "tessera/ports/pgwire/protocol.h"

namespace pg = tessera::ports::pgwire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  // The first byte picks the decoder, as the message type byte does on the wire.
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0:
      (void)pg::ParseStartupPacket(body);
      (void)pg::ParseStartupOptions(body);
      break;
    case 1:
      (void)pg::ParseQueryMessage(body);
      break;
    case 2:
      (void)pg::ParseParseMessage(body);
      break;
    case 3:
      (void)pg::ParseBindMessage(body);
      break;
    case 4:
      (void)pg::ParseTargetMessage(body);
      break;
    case 5:
      (void)pg::ParseExecuteMessage(body);
      break;
    case 6:
      (void)pg::ParseSaslInitialResponse(body);
      break;
    case 7:
      (void)pg::ClassifyCommand(body);
      (void)pg::CommandTagFor(body, 1);
      break;
    case 8:
      (void)pg::RewriteCatalogQuery(body);
      (void)pg::IsCatalogQuery(body);
      break;
    default:
      (void)pg::ParsePasswordMessage(body);
      break;
  }
  return 0;
}
