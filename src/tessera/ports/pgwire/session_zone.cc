#include "tessera/ports/pgwire/session_zone.h"

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include <unicode/ucal.h>
#include <unicode/uenum.h>

#include "tessera/common/strings.h"

namespace tessera::ports::pgwire {
namespace {

// Every zone ICU knows, by lower-case name. Built once: ~600 names.
const std::map<std::string, std::string>& ZonesByLowerName() {
  static const std::map<std::string, std::string> kZones = [] {
    std::map<std::string, std::string> out;
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration* ids = ucal_openTimeZones(&status);
    if (U_FAILURE(status))
      return out;
    while (true) {
      int32_t length = 0;
      const char* id = uenum_next(ids, &length, &status);
      if (U_FAILURE(status) || id == nullptr)
        break;
      std::string name(id, static_cast<size_t>(length));
      out.emplace(ToLower(name), name);
    }
    uenum_close(ids);
    return out;
  }();
  return kZones;
}

std::vector<UChar> ToUChars(const std::string& ascii) {
  std::vector<UChar> out;
  out.reserve(ascii.size());
  for (char c : ascii)
    out.push_back(static_cast<UChar>(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::string> CanonicalZoneName(std::string_view name) {
  const auto& zones = ZonesByLowerName();
  auto it = zones.find(ToLower(name));
  if (it == zones.end()) {
    return Status::InvalidArgument("invalid value for parameter \"TimeZone\": \"" +
                                   std::string(name) + "\" (use a time zone name such as UTC or " +
                                   "Europe/Berlin)");
  }
  return it->second;
}

Result<std::unique_ptr<SessionZone>> SessionZone::Open(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(std::string canonical, CanonicalZoneName(name));
  std::unique_ptr<SessionZone> zone(new SessionZone());
  zone->name_ = canonical;
  std::vector<UChar> id = ToUChars(canonical);
  UErrorCode status = U_ZERO_ERROR;
  UCalendar* calendar =
      ucal_open(id.data(), static_cast<int32_t>(id.size()), "", UCAL_GREGORIAN, &status);
  if (U_FAILURE(status))
    return Status::Internal("ICU cannot open time zone " + canonical + ": " + u_errorName(status));
  zone->calendar_ = calendar;
  // A zone with no transitions at all and offset 0 is UTC (UTC, Etc/UTC, GMT, Zulu, ...).
  UDate probe = 0;
  UBool has_next =
      ucal_getTimeZoneTransitionDate(calendar, UCAL_TZ_TRANSITION_NEXT, &probe, &status);
  zone->is_utc_ = !has_next && zone->OffsetSecondsAt(0) == 0;
  return zone;
}

SessionZone::~SessionZone() {
  if (calendar_ != nullptr)
    ucal_close(static_cast<UCalendar*>(calendar_));
}

int32_t SessionZone::OffsetSecondsAt(int64_t utc_micros) {
  // Milliseconds, rounded down, as ICU counts them.
  double ms = std::floor(static_cast<double>(utc_micros) / 1000.0);
  if (ms >= span_begin_ms_ && ms < span_end_ms_)
    return span_offset_;
  auto* calendar = static_cast<UCalendar*>(calendar_);
  UErrorCode status = U_ZERO_ERROR;
  ucal_setMillis(calendar, ms, &status);
  int32_t offset_ms =
      ucal_get(calendar, UCAL_ZONE_OFFSET, &status) + ucal_get(calendar, UCAL_DST_OFFSET, &status);
  if (U_FAILURE(status))
    return 0;
  UDate begin = -std::numeric_limits<double>::infinity();
  UDate end = std::numeric_limits<double>::infinity();
  UDate found = 0;
  if (ucal_getTimeZoneTransitionDate(calendar, UCAL_TZ_TRANSITION_PREVIOUS_INCLUSIVE, &found,
                                     &status) &&
      U_SUCCESS(status))
    begin = found;
  status = U_ZERO_ERROR;
  ucal_setMillis(calendar, ms, &status);
  if (ucal_getTimeZoneTransitionDate(calendar, UCAL_TZ_TRANSITION_NEXT, &found, &status) &&
      U_SUCCESS(status))
    end = found;
  span_begin_ms_ = begin;
  span_end_ms_ = end;
  span_offset_ = offset_ms / 1000;
  return span_offset_;
}

}  // namespace tessera::ports::pgwire
