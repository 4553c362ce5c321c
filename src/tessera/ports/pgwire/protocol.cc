#include "tessera/ports/pgwire/protocol.h"

#include <cstring>

namespace tessera::ports::pgwire {
namespace {

uint32_t ReadBigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

Status Truncated(std::string_view what) {
  return Status::InvalidArgument("invalid message format: truncated " + std::string(what));
}

// A count read from the wire, before it sizes a vector: negative or larger than what the rest of
// the message could hold (each item takes at least `min_item_bytes`) is hostile or broken.
Status CheckCount(int64_t count, const MessageReader& reader, int64_t min_item_bytes,
                  std::string_view what) {
  if (count < 0 || count * min_item_bytes > reader.remaining()) {
    return Status::InvalidArgument("invalid message format: bad " + std::string(what) + " count " +
                                   std::to_string(count));
  }
  return Status::OK();
}

}  // namespace

Result<int16_t> MessageReader::ReadInt16() {
  if (body_.size() - offset_ < 2)
    return Truncated("int16");
  const auto* b = reinterpret_cast<const unsigned char*>(body_.data() + offset_);
  offset_ += 2;
  return static_cast<int16_t>((b[0] << 8) | b[1]);
}

Result<int32_t> MessageReader::ReadInt32() {
  if (body_.size() - offset_ < 4)
    return Truncated("int32");
  uint32_t value = ReadBigEndian32(body_.data() + offset_);
  offset_ += 4;
  return static_cast<int32_t>(value);
}

Result<std::string_view> MessageReader::ReadCString() {
  size_t end = body_.find('\0', offset_);
  if (end == std::string_view::npos)
    return Status::InvalidArgument("invalid message format: string is not NUL-terminated");
  std::string_view text = body_.substr(offset_, end - offset_);
  offset_ = end + 1;
  return text;
}

Result<std::string_view> MessageReader::ReadBytes(int64_t count) {
  if (count < 0 || static_cast<uint64_t>(count) > body_.size() - offset_)
    return Truncated("value");
  std::string_view bytes = body_.substr(offset_, static_cast<size_t>(count));
  offset_ += static_cast<size_t>(count);
  return bytes;
}

Status MessageReader::ExpectEnd() const {
  if (offset_ != body_.size())
    return Status::InvalidArgument("invalid message format: trailing bytes");
  return Status::OK();
}

Result<StartupPacket> ParseStartupPacket(std::string_view body) {
  MessageReader reader(body);
  StartupPacket packet;
  TESSERA_ASSIGN_OR_RETURN(packet.code, reader.ReadInt32());
  switch (packet.code) {
    case kSslRequestCode:
    case kGssEncRequestCode:
      TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
      return packet;
    case kCancelRequestCode: {
      TESSERA_ASSIGN_OR_RETURN(packet.process_id, reader.ReadInt32());
      TESSERA_ASSIGN_OR_RETURN(packet.secret_key, reader.ReadInt32());
      TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
      return packet;
    }
    case kProtocolVersion3:
      break;
    default:
      return Status::InvalidArgument(
          "unsupported frontend protocol " + std::to_string(packet.code >> 16) + "." +
          std::to_string(packet.code & 0xFFFF) + ": server supports 3.0");
  }
  // Name/value pairs, then one terminating NUL.
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(std::string_view name, reader.ReadCString());
    if (name.empty())
      break;
    TESSERA_ASSIGN_OR_RETURN(std::string_view value, reader.ReadCString());
    packet.parameters[std::string(name)] = std::string(value);
  }
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  auto user = packet.parameters.find("user");
  if (user == packet.parameters.end() || user->second.empty())
    return Status::InvalidArgument("no PostgreSQL user name specified in startup packet");
  return packet;
}

Result<std::string> ParseQueryMessage(std::string_view body) {
  MessageReader reader(body);
  TESSERA_ASSIGN_OR_RETURN(std::string_view query, reader.ReadCString());
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  return std::string(query);
}

Result<ParseMessage> ParseParseMessage(std::string_view body) {
  MessageReader reader(body);
  ParseMessage message;
  TESSERA_ASSIGN_OR_RETURN(std::string_view statement, reader.ReadCString());
  TESSERA_ASSIGN_OR_RETURN(std::string_view query, reader.ReadCString());
  TESSERA_ASSIGN_OR_RETURN(int16_t count, reader.ReadInt16());
  TESSERA_RETURN_NOT_OK(CheckCount(count, reader, 4, "parameter type"));
  for (int16_t i = 0; i < count; ++i) {
    TESSERA_ASSIGN_OR_RETURN(int32_t oid, reader.ReadInt32());
    message.parameter_types.push_back(static_cast<uint32_t>(oid));
  }
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  message.statement = std::string(statement);
  message.query = std::string(query);
  return message;
}

Result<BindMessage> ParseBindMessage(std::string_view body) {
  MessageReader reader(body);
  BindMessage message;
  TESSERA_ASSIGN_OR_RETURN(std::string_view portal, reader.ReadCString());
  TESSERA_ASSIGN_OR_RETURN(std::string_view statement, reader.ReadCString());
  message.portal = std::string(portal);
  message.statement = std::string(statement);
  TESSERA_ASSIGN_OR_RETURN(int16_t format_count, reader.ReadInt16());
  TESSERA_RETURN_NOT_OK(CheckCount(format_count, reader, 2, "parameter format"));
  for (int16_t i = 0; i < format_count; ++i) {
    TESSERA_ASSIGN_OR_RETURN(int16_t format, reader.ReadInt16());
    message.parameter_formats.push_back(format);
  }
  TESSERA_ASSIGN_OR_RETURN(int16_t value_count, reader.ReadInt16());
  TESSERA_RETURN_NOT_OK(CheckCount(value_count, reader, 4, "parameter"));
  for (int16_t i = 0; i < value_count; ++i) {
    TESSERA_ASSIGN_OR_RETURN(int32_t length, reader.ReadInt32());
    if (length == -1) {
      message.parameters.emplace_back(std::nullopt);
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(std::string_view value, reader.ReadBytes(length));
    message.parameters.emplace_back(std::string(value));
  }
  TESSERA_ASSIGN_OR_RETURN(int16_t result_count, reader.ReadInt16());
  TESSERA_RETURN_NOT_OK(CheckCount(result_count, reader, 2, "result format"));
  for (int16_t i = 0; i < result_count; ++i) {
    TESSERA_ASSIGN_OR_RETURN(int16_t format, reader.ReadInt16());
    message.result_formats.push_back(format);
  }
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  return message;
}

Result<TargetMessage> ParseTargetMessage(std::string_view body) {
  MessageReader reader(body);
  TargetMessage message;
  TESSERA_ASSIGN_OR_RETURN(std::string_view kind, reader.ReadBytes(1));
  if (kind[0] != 'S' && kind[0] != 'P')
    return Status::InvalidArgument("invalid message format: target must be 'S' or 'P'");
  message.kind = kind[0];
  TESSERA_ASSIGN_OR_RETURN(std::string_view name, reader.ReadCString());
  message.name = std::string(name);
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  return message;
}

Result<ExecuteMessage> ParseExecuteMessage(std::string_view body) {
  MessageReader reader(body);
  ExecuteMessage message;
  TESSERA_ASSIGN_OR_RETURN(std::string_view portal, reader.ReadCString());
  message.portal = std::string(portal);
  TESSERA_ASSIGN_OR_RETURN(message.max_rows, reader.ReadInt32());
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  return message;
}

Result<SaslInitialResponse> ParseSaslInitialResponse(std::string_view body) {
  MessageReader reader(body);
  SaslInitialResponse message;
  TESSERA_ASSIGN_OR_RETURN(std::string_view mechanism, reader.ReadCString());
  TESSERA_ASSIGN_OR_RETURN(int32_t length, reader.ReadInt32());
  if (length == -1)
    length = 0;
  TESSERA_ASSIGN_OR_RETURN(std::string_view data, reader.ReadBytes(length));
  TESSERA_RETURN_NOT_OK(reader.ExpectEnd());
  message.mechanism = std::string(mechanism);
  message.data = std::string(data);
  return message;
}

Result<std::string> ParsePasswordMessage(std::string_view body) { return ParseQueryMessage(body); }

std::vector<std::pair<std::string, std::string>> ParseStartupOptions(std::string_view options) {
  // Words split at unescaped spaces, a backslash escaping the next character (libpq's rule).
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < options.size(); ++i) {
    char c = options[i];
    if (c == ' ' || c == '\t') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (c == '\\' && i + 1 < options.size())
      c = options[++i];
    word.push_back(c);
    in_word = true;
  }
  if (in_word)
    words.push_back(std::move(word));
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string setting;
    if (words[i] == "-c" && i + 1 < words.size())
      setting = words[++i];
    else if ((words[i].rfind("-c", 0) == 0 && words[i].size() > 2) || words[i].rfind("--", 0) == 0)
      setting = words[i].substr(2);  // -cname=value, --name=value
    size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0)
      continue;
    std::string name = setting.substr(0, equals);
    // --client-encoding=x means client_encoding.
    for (char& ch : name) {
      if (ch == '-')
        ch = '_';
    }
    out.emplace_back(name, setting.substr(equals + 1));
  }
  return out;
}

MessageWriter& MessageWriter::Begin(char type) {
  out_.push_back(type);
  start_ = out_.size();
  out_.append(4, '\0');
  return *this;
}

MessageWriter& MessageWriter::AddInt16(int16_t value) {
  auto v = static_cast<uint16_t>(value);
  out_.push_back(static_cast<char>(v >> 8));
  out_.push_back(static_cast<char>(v & 0xFF));
  return *this;
}

MessageWriter& MessageWriter::AddInt32(int32_t value) {
  auto v = static_cast<uint32_t>(value);
  for (int shift = 24; shift >= 0; shift -= 8)
    out_.push_back(static_cast<char>((v >> shift) & 0xFF));
  return *this;
}

MessageWriter& MessageWriter::AddCString(std::string_view text) {
  // A NUL inside would end the string early on the client: cut it there ourselves.
  out_.append(text.substr(0, text.find('\0')));
  out_.push_back('\0');
  return *this;
}

MessageWriter& MessageWriter::AddBytes(std::string_view bytes) {
  out_.append(bytes);
  return *this;
}

void MessageWriter::End() {
  auto length = static_cast<uint32_t>(out_.size() - start_);
  for (int i = 0; i < 4; ++i)
    out_[start_ + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xFF);
}

void AppendError(std::string& out, const ErrorFields& error, bool notice) {
  MessageWriter writer(out);
  writer.Begin(notice ? 'N' : 'E');
  writer.AddBytes("S").AddCString(error.severity);
  writer.AddBytes("V").AddCString(error.severity);
  writer.AddBytes("C").AddCString(error.sqlstate);
  writer.AddBytes("M").AddCString(error.message);
  if (!error.detail.empty())
    writer.AddBytes("D").AddCString(error.detail);
  if (!error.hint.empty())
    writer.AddBytes("H").AddCString(error.hint);
  if (error.position > 0)
    writer.AddBytes("P").AddCString(std::to_string(error.position));
  writer.AddBytes(std::string_view("\0", 1));
  writer.End();
}

void AppendReadyForQuery(std::string& out, char transaction_status) {
  MessageWriter writer(out);
  writer.Begin('Z').AddBytes(std::string_view(&transaction_status, 1)).End();
}

void AppendCommandComplete(std::string& out, std::string_view tag) {
  MessageWriter(out).Begin('C').AddCString(tag).End();
}

void AppendParameterStatus(std::string& out, std::string_view name, std::string_view value) {
  MessageWriter(out).Begin('S').AddCString(name).AddCString(value).End();
}

void AppendEmpty(std::string& out, char type) { MessageWriter(out).Begin(type).End(); }

void AppendParameterDescription(std::string& out, const std::vector<uint32_t>& types) {
  MessageWriter writer(out);
  writer.Begin('t').AddInt16(static_cast<int16_t>(types.size()));
  for (uint32_t oid : types)
    writer.AddInt32(static_cast<int32_t>(oid));
  writer.End();
}

void AppendAuthentication(std::string& out, int32_t code, std::string_view payload) {
  MessageWriter(out).Begin('R').AddInt32(code).AddBytes(payload).End();
}

void AppendAuthenticationSasl(std::string& out, const std::vector<std::string>& mechanisms) {
  MessageWriter writer(out);
  writer.Begin('R').AddInt32(10);
  for (const std::string& mechanism : mechanisms)
    writer.AddCString(mechanism);
  writer.AddBytes(std::string_view("\0", 1));
  writer.End();
}

void AppendBackendKeyData(std::string& out, int32_t process_id, int32_t secret_key) {
  MessageWriter(out).Begin('K').AddInt32(process_id).AddInt32(secret_key).End();
}

}  // namespace tessera::ports::pgwire
