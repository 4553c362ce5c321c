#include "tessera/ports/pgwire/protocol.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/ports/pgwire/wire_values.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string Int32(int32_t value) {
  std::string out;
  AppendBigEndian(out, value);
  return out;
}

std::string Int16(int16_t value) {
  std::string out;
  AppendBigEndian(out, value);
  return out;
}

std::string CString(std::string_view text) { return std::string(text) + '\0'; }

TEST(ParseStartupPacketTest, StartupSslAndCancel) {
  ASSERT_OK_AND_ASSIGN(
      StartupPacket startup,
      ParseStartupPacket(Int32(kProtocolVersion3) + CString("user") + CString("alice") +
                         CString("options") + CString("-c TimeZone=UTC") + CString("")));
  EXPECT_EQ(startup.code, kProtocolVersion3);
  EXPECT_EQ(startup.parameters.at("user"), "alice");
  EXPECT_EQ(startup.parameters.at("options"), "-c TimeZone=UTC");
  ASSERT_OK_AND_ASSIGN(StartupPacket ssl, ParseStartupPacket(Int32(kSslRequestCode)));
  EXPECT_EQ(ssl.code, kSslRequestCode);
  ASSERT_OK_AND_ASSIGN(StartupPacket cancel,
                       ParseStartupPacket(Int32(kCancelRequestCode) + Int32(7) + Int32(-9)));
  EXPECT_EQ(cancel.process_id, 7);
  EXPECT_EQ(cancel.secret_key, -9);
}

TEST(ParseStartupPacketTest, MalformedPacketsAreInvalidArgument) {
  for (const std::string& body :
       {std::string(), std::string("\x00\x03", 2), Int32(12345),
        Int32(kProtocolVersion3) + CString("database") + CString("demo") + CString(""),
        Int32(kProtocolVersion3) + CString("user") + "alice",
        Int32(kCancelRequestCode) + Int32(7)}) {
    EXPECT_EQ(ParseStartupPacket(body).status().code(), StatusCode::kInvalidArgument)
        << ::testing::PrintToString(body);
  }
}

TEST(ParseMessagesTest, WellFormedBodies) {
  EXPECT_EQ(ParseQueryMessage(CString("SELECT 1")).value(), "SELECT 1");
  EXPECT_EQ(ParsePasswordMessage(CString("secret")).value(), "secret");
  ASSERT_OK_AND_ASSIGN(ParseMessage parse, ParseParseMessage(CString("s1") + CString("SELECT $1") +
                                                             Int16(1) + Int32(23)));
  EXPECT_EQ(parse.statement, "s1");
  EXPECT_EQ(parse.parameter_types, std::vector<uint32_t>{23});
  ASSERT_OK_AND_ASSIGN(BindMessage bind, ParseBindMessage(CString("") + CString("s1") + Int16(1) +
                                                          Int16(0) + Int16(2) + Int32(2) + "42" +
                                                          Int32(-1) + Int16(1) + Int16(1)));
  EXPECT_EQ(bind.statement, "s1");
  ASSERT_EQ(bind.parameters.size(), 2u);
  EXPECT_EQ(bind.parameters[0], "42");
  EXPECT_EQ(bind.parameters[1], std::nullopt);
  EXPECT_EQ(bind.result_formats, std::vector<int16_t>{1});
  ASSERT_OK_AND_ASSIGN(TargetMessage target, ParseTargetMessage("P" + CString("c")));
  EXPECT_EQ(target.kind, 'P');
  ASSERT_OK_AND_ASSIGN(ExecuteMessage execute, ParseExecuteMessage(CString("") + Int32(100)));
  EXPECT_EQ(execute.max_rows, 100);
  ASSERT_OK_AND_ASSIGN(SaslInitialResponse sasl,
                       ParseSaslInitialResponse(CString("SCRAM-SHA-256") + Int32(3) + "n,,"));
  EXPECT_EQ(sasl.mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(sasl.data, "n,,");
}

TEST(ParseMessagesTest, TruncatedNegativeAndHugeCountsAreInvalidArgument) {
  auto invalid = [](const Status& status) { return status.code() == StatusCode::kInvalidArgument; };
  EXPECT_TRUE(invalid(ParseQueryMessage("no terminator").status()));
  EXPECT_TRUE(invalid(ParsePasswordMessage(CString("pw") + "trailing").status()));
  EXPECT_TRUE(invalid(ParseParseMessage(CString("s") + CString("q") + Int16(-1)).status()));
  EXPECT_TRUE(
      invalid(ParseParseMessage(CString("s") + CString("q") + Int16(2) + Int32(23)).status()));
  // A parameter length past the end of the body, and a negative one other than -1 (NULL).
  EXPECT_TRUE(invalid(
      ParseBindMessage(CString("") + CString("") + Int16(0) + Int16(1) + Int32(1 << 30) + "x")
          .status()));
  EXPECT_TRUE(invalid(
      ParseBindMessage(CString("") + CString("") + Int16(0) + Int16(1) + Int32(-2) + Int16(0))
          .status()));
  EXPECT_TRUE(invalid(ParseTargetMessage("X" + CString("c")).status()));
  EXPECT_TRUE(invalid(ParseExecuteMessage(CString("") + Int16(1)).status()));
  EXPECT_TRUE(
      invalid(ParseSaslInitialResponse(CString("SCRAM-SHA-256") + Int32(99) + "n,,").status()));
}

TEST(ParseStartupOptionsTest, TakesEveryFormLibpqSends) {
  EXPECT_EQ(ParseStartupOptions("-c TimeZone=Asia/Kolkata"), (Pairs{{"TimeZone", "Asia/Kolkata"}}));
  EXPECT_EQ(ParseStartupOptions("-cstatement_timeout=5s  --search-path=a,b"),
            (Pairs{{"statement_timeout", "5s"}, {"search_path", "a,b"}}));
  EXPECT_EQ(ParseStartupOptions("-c application_name=my\\ app -x -c =1 -c"),
            (Pairs{{"application_name", "my app"}}));
  EXPECT_EQ(ParseStartupOptions(""), Pairs{});
}

TEST(MessageWriterTest, LengthCoversBodyAndItself) {
  std::string out;
  MessageWriter(out).Begin('Z').AddBytes("I").End();
  EXPECT_EQ(out, std::string("Z") + Int32(5) + "I");
  out.clear();
  AppendAuthentication(out, 3);
  EXPECT_EQ(out, std::string("R") + Int32(8) + Int32(3));
}

}  // namespace
}  // namespace tessera::ports::pgwire
