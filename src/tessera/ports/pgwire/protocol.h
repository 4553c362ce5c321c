#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::ports::pgwire {

// Codes of the untyped first packet (PostgreSQL protocol v3, "Message Formats").
inline constexpr int32_t kProtocolVersion3 = 196608;
inline constexpr int32_t kSslRequestCode = 80877103;
inline constexpr int32_t kGssEncRequestCode = 80877104;
inline constexpr int32_t kCancelRequestCode = 80877102;

/// The first packet of a connection: a StartupMessage, an SSL/GSS encryption request or a
/// CancelRequest. Plain value.
struct StartupPacket {
  int32_t code = 0;
  /// StartupMessage parameters (user, database, options, application_name, ...).
  std::map<std::string, std::string> parameters;
  /// CancelRequest target.
  int32_t process_id = 0;
  int32_t secret_key = 0;
};

/// Decode the body of the first packet (after its length word). Return kInvalidArgument for a
/// truncated packet, an unknown protocol version, parameters that are not NUL-terminated pairs,
/// or a StartupMessage without `user`.
Result<StartupPacket> ParseStartupPacket(std::string_view body);

/// Bounds-checked reader over one message body; every read fails with kInvalidArgument instead
/// of running past the end. Not thread-safe.
class MessageReader {
 public:
  explicit MessageReader(std::string_view body) : body_(body) {}
  Result<int16_t> ReadInt16();
  Result<int32_t> ReadInt32();
  /// A NUL-terminated string (without the NUL).
  Result<std::string_view> ReadCString();
  Result<std::string_view> ReadBytes(int64_t count);
  /// Fail unless every byte was consumed.
  Status ExpectEnd() const;
  int64_t remaining() const { return static_cast<int64_t>(body_.size() - offset_); }

 private:
  std::string_view body_;
  size_t offset_ = 0;
};

/// Parse ('P'). Plain value.
struct ParseMessage {
  std::string statement;
  std::string query;
  std::vector<uint32_t> parameter_types;
};

/// Bind ('B'). Plain value; a parameter of nullopt is SQL NULL.
struct BindMessage {
  std::string portal;
  std::string statement;
  std::vector<int16_t> parameter_formats;
  std::vector<std::optional<std::string>> parameters;
  std::vector<int16_t> result_formats;
};

/// Describe ('D') and Close ('C'): 'S' for a statement, 'P' for a portal.
struct TargetMessage {
  char kind = 'S';
  std::string name;
};

/// Execute ('E'): max_rows 0 means all.
struct ExecuteMessage {
  std::string portal;
  int32_t max_rows = 0;
};

/// SASLInitialResponse ('p' during SASL): the mechanism and the client-first message.
struct SaslInitialResponse {
  std::string mechanism;
  std::string data;
};

// Each parser takes a message body (after type byte and length) and returns kInvalidArgument
// for truncated or malformed input, including counts that are negative or exceed the body.
Result<std::string> ParseQueryMessage(std::string_view body);
Result<ParseMessage> ParseParseMessage(std::string_view body);
Result<BindMessage> ParseBindMessage(std::string_view body);
Result<TargetMessage> ParseTargetMessage(std::string_view body);
Result<ExecuteMessage> ParseExecuteMessage(std::string_view body);
Result<SaslInitialResponse> ParseSaslInitialResponse(std::string_view body);
/// PasswordMessage: one NUL-terminated string.
Result<std::string> ParsePasswordMessage(std::string_view body);
/// The settings in a startup packet's `options` parameter ("-c TimeZone=UTC --search_path=x"),
/// in order: words split at unescaped spaces, a backslash escaping the next character (libpq's
/// rule); words that are not settings are skipped.
std::vector<std::pair<std::string, std::string>> ParseStartupOptions(std::string_view options);

/// Builds backend messages into a byte buffer: Begin(type), Add*, End() fills in the length.
/// Not thread-safe.
class MessageWriter {
 public:
  explicit MessageWriter(std::string& out) : out_(out) {}
  MessageWriter& Begin(char type);
  MessageWriter& AddInt16(int16_t value);
  MessageWriter& AddInt32(int32_t value);
  MessageWriter& AddCString(std::string_view text);
  MessageWriter& AddBytes(std::string_view bytes);
  void End();

 private:
  std::string& out_;
  size_t start_ = 0;
};

/// The fields of an ErrorResponse or NoticeResponse. Plain value.
struct ErrorFields {
  std::string severity = "ERROR";
  std::string sqlstate;
  std::string message;
  std::string detail;
  std::string hint;
  /// 1-based character position in the query, 0 for none.
  int32_t position = 0;
};

/// An error (or, with severity "WARNING"/"NOTICE", a notice) with just a SQLSTATE and message.
inline ErrorFields MakeError(std::string severity, std::string sqlstate, std::string message) {
  ErrorFields error;
  error.severity = std::move(severity);
  error.sqlstate = std::move(sqlstate);
  error.message = std::move(message);
  return error;
}

void AppendError(std::string& out, const ErrorFields& error, bool notice = false);
void AppendReadyForQuery(std::string& out, char transaction_status);
void AppendCommandComplete(std::string& out, std::string_view tag);
void AppendParameterStatus(std::string& out, std::string_view name, std::string_view value);
/// A message with no body ('1' ParseComplete, '2' BindComplete, '3' CloseComplete, 'n' NoData,
/// 's' PortalSuspended, 'I' EmptyQueryResponse).
void AppendEmpty(std::string& out, char type);
void AppendParameterDescription(std::string& out, const std::vector<uint32_t>& types);
/// AuthenticationOk (0), AuthenticationSASL (10) listing `mechanisms`, SASLContinue (11), SASLFinal
/// (12), AuthenticationCleartextPassword (3).
void AppendAuthentication(std::string& out, int32_t code, std::string_view payload = {});
void AppendAuthenticationSasl(std::string& out, const std::vector<std::string>& mechanisms);
void AppendBackendKeyData(std::string& out, int32_t process_id, int32_t secret_key);

}  // namespace tessera::ports::pgwire
