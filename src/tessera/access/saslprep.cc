#include "tessera/access/saslprep.h"

#include <vector>

#include <unicode/usprep.h>
#include <unicode/ustring.h>

namespace tessera::access {

std::optional<std::string> SaslPrep(std::string_view password) {
  // Pure ASCII without control characters maps to itself: skip ICU for the common case.
  bool plain = true;
  for (char c : password)
    plain = plain && c >= 0x20 && c < 0x7f;
  if (plain)
    return password.empty() ? std::nullopt : std::optional<std::string>(password);

  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8(nullptr, 0, &length, password.data(), static_cast<int32_t>(password.size()),
                &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
    return std::nullopt;
  std::vector<UChar> utf16(static_cast<size_t>(length) + 1);
  status = U_ZERO_ERROR;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &length, password.data(),
                static_cast<int32_t>(password.size()), &status);
  if (U_FAILURE(status))
    return std::nullopt;

  UStringPrepProfile* profile = usprep_openByType(USPREP_RFC4013_SASLPREP, &status);
  if (U_FAILURE(status))
    return std::nullopt;
  // Mapping can lengthen the text (NFKC of ligatures); four times is far beyond any case.
  std::vector<UChar> prepared(static_cast<size_t>(length) * 4 + 16);
  UParseError where;
  int32_t prepared_length =
      usprep_prepare(profile, utf16.data(), length, prepared.data(),
                     static_cast<int32_t>(prepared.size()), USPREP_DEFAULT, &where, &status);
  usprep_close(profile);
  if (U_FAILURE(status) || prepared_length == 0)
    return std::nullopt;

  int32_t utf8_length = 0;
  u_strToUTF8(nullptr, 0, &utf8_length, prepared.data(), prepared_length, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
    return std::nullopt;
  std::string out(static_cast<size_t>(utf8_length), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), utf8_length, &utf8_length, prepared.data(), prepared_length, &status);
  if (U_FAILURE(status))
    return std::nullopt;
  return out;
}

}  // namespace tessera::access
