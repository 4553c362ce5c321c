#include "tessera/products/descriptor.h"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tessera/common/json.h"
#include "tessera/testing/test_util.h"

namespace tessera::products {
namespace {

constexpr const char* kValid = R"(domain: flights
name: monthly
version: 1.2.0
description: US flights by month
owner:
  team: ops
  contact: ops@example.com
tags: [flights, delays]
tables:
  - name: flights
    description: one row per flight
    partition_by: [month]
    source:
      files: data/flights-*.parquet
    columns:
      - name: id
        type: long
        primary_key: true
      - name: month
        type: int
        nullable: false
      - name: origin
        type: string
        classification: public
      - name: delay
        type: decimal(8, 2)
  - name: airports
    source:
      sql: SELECT * FROM reference.airports.airports
contract:
  rules:
    - type: accepted_values
      table: flights
      column: origin
      values: [SEA, "LAX", 1]
    - type: range
      table: flights
      column: delay
      min: -60
      max: 1440
      severity: warn
    - type: row_count
      table: airports
      min: 1
    - type: references
      table: flights
      column: origin
      references: airports.iata
    - name: no_future
      type: sql
      table: flights
      query: SELECT * FROM flights WHERE month > 12
    - type: freshness
      table: flights
      column: month
      max_age: 2d
ports:
  sql: true
  sharing:
    recipients: [acme]
access:
  readers: [analyst]
refresh:
  interval: 1h
)";

Result<ProductDescriptor> Parse(const std::string& yaml) {
  return ParseDescriptor(yaml, "product.yaml", "/base");
}

TEST(DescriptorTest, ParsesEverySection) {
  ASSERT_OK_AND_ASSIGN(ProductDescriptor d, Parse(kValid));
  EXPECT_EQ(d.FullName(), "flights.monthly");
  EXPECT_EQ(d.version.ToString(), "1.2.0");
  EXPECT_EQ(d.owner_contact, "ops@example.com");
  EXPECT_EQ(d.tags, (std::vector<std::string>{"flights", "delays"}));
  ASSERT_EQ(d.tables.size(), 2u);
  const TableSpec& flights = d.tables[0];
  EXPECT_EQ(flights.source.kind, SourceKind::kFiles);
  EXPECT_EQ(flights.source.path, "/base/data/flights-*.parquet");
  EXPECT_EQ(flights.source.format, FileFormat::kParquet);
  EXPECT_EQ(flights.partition_by, std::vector<std::string>{"month"});
  ASSERT_EQ(flights.columns.size(), 4u);
  EXPECT_EQ(flights.columns[0].type, "BIGINT");
  EXPECT_TRUE(flights.columns[0].primary_key);
  EXPECT_EQ(flights.columns[1].type, "INTEGER");
  EXPECT_FALSE(flights.columns[1].nullable);
  EXPECT_EQ(flights.columns[2].type, "VARCHAR");
  EXPECT_EQ(flights.columns[3].type, "DECIMAL(8,2)");
  EXPECT_EQ(flights.columns[3].position.line, 25);
  EXPECT_EQ(d.tables[1].source.kind, SourceKind::kSql);
  ASSERT_EQ(d.rules.size(), 6u);
  EXPECT_EQ(d.rules[0].name, "accepted_values_flights_origin");
  // Values become literals: plain numbers stay numbers, text is quoted.
  EXPECT_EQ(d.rules[0].values, (std::vector<std::string>{"'SEA'", "'LAX'", "1"}));
  EXPECT_EQ(d.rules[1].severity, Severity::kWarn);
  EXPECT_EQ(d.rules[1].min, std::optional<std::string>("-60"));
  EXPECT_EQ(d.rules[4].name, "no_future");
  EXPECT_EQ(d.rules[5].max_age_seconds, 2 * 86400);
  EXPECT_TRUE(d.ports.sharing);
  EXPECT_EQ(d.ports.sharing_recipients, std::vector<std::string>{"acme"});
  EXPECT_EQ(d.readers, std::vector<std::string>{"analyst"});
  EXPECT_EQ(d.refresh_seconds, std::optional<int64_t>(3600));
  EXPECT_EQ(d.text, kValid);
}

// Each class of error, with the exact message and the position it points at.
TEST(DescriptorTest, ErrorsNameFileLineColumnAndHint) {
  const std::string head = "domain: d\nname: p\nversion: 1.0.0\n";
  const std::string table = "tables:\n  - name: t\n    source:\n      sql: SELECT 1 AS a\n";
  struct Case {
    std::string yaml;
    std::string message;
  };
  const Case cases[] = {
      {"", "product.yaml:1:1: the descriptor is empty"},
      {"domain: [unclosed\n", "product.yaml:2:1: end of sequence flow not found"},
      {"- a\n- b\n", "product.yaml:1:1: a descriptor must be a mapping of keys to values"},
      {head + table + "descripton: x\n",
       "product.yaml:8:1: unknown key 'descripton' in the descriptor (hint: did you mean "
       "'description'?)"},
      {head + table + "zzz: x\n",
       "product.yaml:8:1: unknown key 'zzz' in the descriptor (hint: known keys: domain, name, "
       "version, description, owner, tags, tables, contract, ports, access, refresh)"},
      {"domain: d\nname: p\n" + table, "product.yaml:1:1: the descriptor needs 'version'"},
      {"domain: Sales-Team\nname: p\nversion: 1.0.0\n" + table,
       "product.yaml:1:9: domain 'Sales-Team' is not an identifier (hint: lower-case letters, "
       "digits and _, not starting with a digit, at most 63 characters)"},
      {"domain: d\nname: \"p; DROP TABLE x\"\nversion: 1.0.0\n" + table,
       "product.yaml:2:7: name 'p; DROP TABLE x' is not an identifier (hint: lower-case "
       "letters, digits and _, not starting with a digit, at most 63 characters)"},
      {"domain: d\nname: p\nversion: 1.0\n" + table,
       "product.yaml:3:10: '1.0' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0) "
       "(hint: start at 1.0.0)"},
      {head + "tables: []\n", "product.yaml:4:9: 'tables' must be a list with at least one table"},
      {head + "tables:\n  - name: t\n",
       "product.yaml:5:5: table 't' needs a 'source' (hint: "
       "files: <path or glob>, or sql: <query>)"},
      {head + "tables:\n  - name: t\n    source:\n      sql: x\n      files: y\n",
       "product.yaml:7:7: a source has exactly one of 'files' or 'sql'"},
      {head + table + "  - name: t\n    source:\n      sql: SELECT 2\n",
       "product.yaml:8:11: table 't' is declared twice"},
      {head + table + "    columns:\n      - name: a\n        type: varchar(10\n",
       "product.yaml:10:15: unknown column type 'varchar(10' (hint: boolean, tinyint, smallint, "
       "integer, bigint, float, double, decimal(p,s), varchar, date, timestamp, timestamptz, "
       "blob; leave 'columns' out to keep the source's types)"},
      {head + table + "    columns:\n      - name: a\n        type: int\n        nullable: maybe\n",
       "product.yaml:11:19: nullable must be true or false"},
      {head + table +
           "    columns:\n      - name: a\n        type: int\n"
           "        classification: secret\n",
       "product.yaml:11:25: unknown classification 'secret' (hint: public, internal, "
       "confidential or pii)"},
      {head + table + "    columns:\n      - name: a\n        type: int\n    partition_by: [b]\n",
       "product.yaml:11:19: partition column 'b' is not a column of table 't'"},
      {head + table + "contract:\n  rules:\n    - type: not_nul\n      column: a\n",
       "product.yaml:10:13: unknown rule type 'not_nul' (hint: not_null, unique, "
       "accepted_values, range, regex, row_count, references, freshness or sql)"},
      {head + table + "contract:\n  rules:\n    - type: range\n      column: a\n",
       "product.yaml:10:7: a range rule needs 'min', 'max' or both"},
      {head + table +
           "contract:\n  rules:\n    - type: not_null\n      table: nope\n"
           "      column: a\n",
       "product.yaml:11:14: rule names table 'nope', which the product does not have"},
      {head + table +
           "    columns:\n      - name: a\n        type: int\ncontract:\n  rules:\n"
           "    - type: not_null\n      column: b\n",
       "product.yaml:13:7: rule names column 'b', which table 't' does not declare"},
      {head + table +
           "contract:\n  rules:\n    - type: freshness\n      column: a\n"
           "      max_age: soon\n",
       "product.yaml:12:16: 'soon' is not a duration (a number with s, m, h or d: 30m, 1h, 7d)"},
      {head + table +
           "contract:\n  rules:\n    - type: references\n      column: a\n"
           "      references: \"x'; --\"\n",
       "product.yaml:12:19: 'x'; --' is not a column reference (hint: table.column in this "
       "product, or domain.product.table.column)"},
      {head + table +
           "contract:\n  rules:\n    - type: not_null\n      column: a\n"
           "    - type: not_null\n      column: a\n",
       "product.yaml:12:7: two rules are named 'not_null_t_a' (hint: give one a 'name')"},
      {head + table + "ports:\n  sql: yes please\n",
       "product.yaml:9:8: ports.sql must be true or false"},
      {head + table + "refresh: often\n",
       "product.yaml:8:10: 'often' is not a duration (a number with s, m, h or d: 30m, 1h, 7d) "
       "(hint: manual, or an interval such as 1h)"},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(c.yaml);
    ASSERT_FALSE(parsed.ok()) << c.yaml;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), c.message) << c.yaml;
  }
}

TEST(DescriptorTest, DurationsAndFormats) {
  EXPECT_EQ(ParseDurationSeconds("90s").ValueOr(0), 90);
  EXPECT_EQ(ParseDurationSeconds("15m").ValueOr(0), 900);
  EXPECT_FALSE(ParseDurationSeconds("0h").ok());
  EXPECT_FALSE(ParseDurationSeconds("h").ok());
  const std::string head = "domain: d\nname: p\nversion: 1.0.0\ntables:\n  - name: t\n";
  ASSERT_OK_AND_ASSIGN(ProductDescriptor csv, Parse(head + "    source:\n      files: a.CSV\n"));
  EXPECT_EQ(csv.tables[0].source.format, FileFormat::kCsv);
  ASSERT_OK_AND_ASSIGN(ProductDescriptor json,
                       Parse(head + "    source:\n      files: /abs/x.ndjson\n"));
  EXPECT_EQ(json.tables[0].source.format, FileFormat::kJson);
  EXPECT_EQ(json.tables[0].source.path, "/abs/x.ndjson");
  auto bad = Parse(head + "    source:\n      files: a.txt\n      format: xml\n");
  EXPECT_EQ(bad.status().message(),
            "product.yaml:8:15: unknown file format 'xml' (hint: parquet, csv or json)");
}

TEST(DescriptorTest, LoadsFilesAndRefusesHugeOnes) {
  testing::TempDir dir;
  EXPECT_EQ(LoadDescriptor(dir.Sub("missing.yaml")).status().code(), StatusCode::kNotFound);
  testing::WriteFile(dir.Sub("p.yaml"), kValid);
  ASSERT_OK_AND_ASSIGN(ProductDescriptor d, LoadDescriptor(dir.Sub("p.yaml")));
  EXPECT_EQ(d.tables[0].source.path, dir.Sub("data/flights-*.parquet"));
  testing::WriteFile(dir.Sub("big.yaml"), std::string(5 << 20, '#'));
  EXPECT_EQ(LoadDescriptor(dir.Sub("big.yaml")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::products

namespace tessera::products {
namespace {

// docs/product.schema.json and docs/products.md describe exactly the keys the parser accepts.
TEST(DescriptorTest, JsonSchemaAndReferenceDocAgreeWithTheParser) {
  std::ifstream schema_file(testing::SourceDir() / "docs" / "product.schema.json");
  ASSERT_TRUE(schema_file) << "docs/product.schema.json";
  std::stringstream schema_text;
  schema_text << schema_file.rdbuf();
  ASSERT_OK_AND_ASSIGN(Json schema, ParseJson(schema_text.str()));
  const Json& root = schema["properties"];
  const Json& defs = schema["$defs"];
  const std::map<std::string, const Json*> sections = {
      {"descriptor", &root},
      {"owner", &root["owner"]["oneOf"][1]["properties"]},
      {"access", &root["access"]["properties"]},
      {"table", &defs["table"]["properties"]},
      {"column", &defs["column"]["properties"]},
      {"source", &defs["source"]["properties"]},
      {"contract", &root["contract"]["properties"]},
      {"rule", &defs["rule"]["properties"]},
      {"ports", &root["ports"]["properties"]},
      {"ports.sharing", &root["ports"]["properties"]["sharing"]["oneOf"][1]["properties"]},
      {"refresh", &root["refresh"]["oneOf"][2]["properties"]},
  };
  std::ifstream doc_file(testing::SourceDir() / "docs" / "products.md");
  ASSERT_TRUE(doc_file) << "docs/products.md";
  std::stringstream doc;
  doc << doc_file.rdbuf();
  ASSERT_EQ(sections.size(), DescriptorKeys().size());
  for (const auto& [section, keys] : DescriptorKeys()) {
    SCOPED_TRACE(section);
    ASSERT_TRUE(sections.count(section) != 0);
    std::set<std::string> in_schema;
    for (auto it = sections.at(section)->begin(); it != sections.at(section)->end(); ++it)
      in_schema.insert(it.key());
    EXPECT_EQ(in_schema, std::set<std::string>(keys.begin(), keys.end()));
    for (const std::string& key : keys)
      EXPECT_NE(doc.str().find("`" + key + "`"), std::string::npos) << "docs/products.md: " << key;
  }
}

}  // namespace
}  // namespace tessera::products
