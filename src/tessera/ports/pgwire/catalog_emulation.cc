#include "tessera/ports/pgwire/catalog_emulation.h"

#include <array>
#include <cctype>
#include <regex>

#include "tessera/common/strings.h"

namespace tessera::ports::pgwire {
namespace {

// PostgreSQL type OIDs by DuckDB type name (engine-and-ports.md §1.9); arrays by element.
constexpr const char* kTypeMacros = R"SQL(
CREATE OR REPLACE TEMP MACRO tessera_scalar_oid(t) AS CASE
  WHEN t = 'BOOLEAN' THEN 16
  WHEN t IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
  WHEN t IN ('INTEGER', 'USMALLINT') THEN 23
  WHEN t IN ('BIGINT', 'UINTEGER') THEN 20
  WHEN t IN ('UBIGINT', 'HUGEINT', 'UHUGEINT', 'BIGNUM', 'VARINT') OR t LIKE 'DECIMAL%' THEN 1700
  WHEN t = 'FLOAT' THEN 700
  WHEN t = 'DOUBLE' THEN 701
  WHEN t = 'JSON' OR t LIKE 'STRUCT%' OR t LIKE 'MAP%' OR t LIKE 'UNION%' THEN 114
  WHEN t = 'BLOB' THEN 17
  WHEN t = 'DATE' THEN 1082
  WHEN t = 'TIME' THEN 1083
  WHEN t = 'TIME WITH TIME ZONE' THEN 1266
  WHEN t = 'TIMESTAMP WITH TIME ZONE' THEN 1184
  WHEN t LIKE 'TIMESTAMP%' THEN 1114
  WHEN t = 'INTERVAL' THEN 1186
  WHEN t = 'UUID' THEN 2950
  WHEN t = 'BIT' THEN 1562
  ELSE 25 END;
CREATE OR REPLACE TEMP MACRO tessera_array_oid(e) AS CASE e
  WHEN 16 THEN 1000 WHEN 21 THEN 1005 WHEN 23 THEN 1007 WHEN 20 THEN 1016 WHEN 700 THEN 1021
  WHEN 701 THEN 1022 WHEN 25 THEN 1009 WHEN 1700 THEN 1231 WHEN 1082 THEN 1182
  WHEN 1114 THEN 1115 WHEN 1184 THEN 1185 WHEN 2950 THEN 2951 WHEN 17 THEN 1001
  WHEN 1083 THEN 1183 WHEN 1186 THEN 1187 WHEN 114 THEN 199 ELSE 1009 END;
CREATE OR REPLACE TEMP MACRO tessera_pg_type_oid(t) AS CASE
  WHEN t LIKE '%[]' AND regexp_replace(t, '(\[\d*\])+$', '') NOT LIKE 'STRUCT%'
       AND regexp_replace(t, '(\[\d*\])+$', '') NOT LIKE 'MAP%'
       AND NOT regexp_matches(t, '\[\d*\]\[\d*\]$')
    THEN tessera_array_oid(tessera_scalar_oid(regexp_replace(t, '\[\d*\]$', '')))
  WHEN t LIKE '%]' THEN 114
  ELSE tessera_scalar_oid(t) END;
CREATE OR REPLACE TEMP MACRO tessera_pg_typmod(t) AS CASE
  WHEN regexp_matches(t, '^DECIMAL\(\d+,\d+\)')
    THEN (CAST(regexp_extract(t, '^DECIMAL\((\d+),(\d+)\)', 1) AS INTEGER) * 65536
          + CAST(regexp_extract(t, '^DECIMAL\((\d+),(\d+)\)', 2) AS INTEGER) + 4)
  ELSE -1 END;
)SQL";

constexpr const char* kCatalog = R"SQL(
CREATE OR REPLACE TEMP TABLE pg_type AS SELECT * FROM (VALUES
  (16, 'bool', 1, 'b', 'B', 1000, 0), (17, 'bytea', -1, 'b', 'U', 1001, 0),
  (18, 'char', 1, 'b', 'Z', 1002, 0), (19, 'name', 64, 'b', 'S', 1003, 0),
  (20, 'int8', 8, 'b', 'N', 1016, 0), (21, 'int2', 2, 'b', 'N', 1005, 0),
  (23, 'int4', 4, 'b', 'N', 1007, 0), (25, 'text', -1, 'b', 'S', 1009, 0),
  (26, 'oid', 4, 'b', 'N', 1028, 0), (114, 'json', -1, 'b', 'U', 199, 0),
  (700, 'float4', 4, 'b', 'N', 1021, 0), (701, 'float8', 8, 'b', 'N', 1022, 0),
  (1043, 'varchar', -1, 'b', 'S', 1015, 0), (1082, 'date', 4, 'b', 'D', 1182, 0),
  (1083, 'time', 8, 'b', 'D', 1183, 0), (1114, 'timestamp', 8, 'b', 'D', 1115, 0),
  (1184, 'timestamptz', 8, 'b', 'D', 1185, 0), (1186, 'interval', 16, 'b', 'T', 1187, 0),
  (1266, 'timetz', 12, 'b', 'D', 1270, 0), (1562, 'varbit', -1, 'b', 'V', 1563, 0),
  (1700, 'numeric', -1, 'b', 'N', 1231, 0), (2950, 'uuid', 16, 'b', 'U', 2951, 0),
  (3802, 'jsonb', -1, 'b', 'U', 3807, 0), (2249, 'record', -1, 'p', 'P', 2287, 0),
  (2276, 'any', 4, 'p', 'P', 0, 0), (705, 'unknown', -2, 'p', 'X', 0, 0),
  (1000, '_bool', -1, 'b', 'A', 0, 16), (1001, '_bytea', -1, 'b', 'A', 0, 17),
  (1005, '_int2', -1, 'b', 'A', 0, 21), (1007, '_int4', -1, 'b', 'A', 0, 23),
  (1016, '_int8', -1, 'b', 'A', 0, 20), (1009, '_text', -1, 'b', 'A', 0, 25),
  (1015, '_varchar', -1, 'b', 'A', 0, 1043), (1021, '_float4', -1, 'b', 'A', 0, 700),
  (1022, '_float8', -1, 'b', 'A', 0, 701), (1182, '_date', -1, 'b', 'A', 0, 1082),
  (1183, '_time', -1, 'b', 'A', 0, 1083), (1115, '_timestamp', -1, 'b', 'A', 0, 1114),
  (1185, '_timestamptz', -1, 'b', 'A', 0, 1184), (1187, '_interval', -1, 'b', 'A', 0, 1186),
  (1231, '_numeric', -1, 'b', 'A', 0, 1700), (2951, '_uuid', -1, 'b', 'A', 0, 2950),
  (199, '_json', -1, 'b', 'A', 0, 114)
) AS t(oid, typname, typlen, typtype, typcategory, typarray, typelem)
  CROSS JOIN (SELECT 11 AS typnamespace, 10 AS typowner, 0 AS typrelid, 0 AS typbasetype,
    false AS typnotnull, ',' AS typdelim, 0 AS typcollation, -1 AS typtypmod, 0 AS typndims,
    true AS typisdefined, true AS typbyval, 'i' AS typalign, 'p' AS typstorage,
    NULL AS typdefault, NULL AS typdefaultbin, '' AS typinput, '' AS typoutput,
    '' AS typreceive, '' AS typsend, false AS typispreferred);

CREATE OR REPLACE TEMP VIEW tessera_relations AS
  SELECT view_oid AS oid, database_name, schema_name, view_name AS relname, schema_oid,
         comment, 'r' AS relkind
  FROM duckdb_views() WHERE NOT internal AND database_name NOT IN ('system', 'temp')
  UNION ALL
  SELECT table_oid, database_name, schema_name, table_name, schema_oid, comment, 'r'
  FROM duckdb_tables() WHERE NOT internal AND database_name NOT IN ('system', 'temp');

-- With a database named after a domain, its products are the schemas (as in PostgreSQL, one
-- database at a time); otherwise every domain shows, as schemas named "domain.product".
CREATE OR REPLACE TEMP MACRO tessera_nspname(db, schema) AS
  CASE WHEN current_database() = 'memory' AND db <> 'memory' THEN db || '.' || schema
       ELSE schema END;
-- The product catalog's views (tessera.products, ...) are the node's, not a domain's: queried
-- by name, never listed.
CREATE OR REPLACE TEMP MACRO tessera_in_scope(db) AS
  db <> 'tessera' AND (db = current_database() OR
                       (current_database() = 'memory' AND db NOT IN ('system', 'temp')));

CREATE OR REPLACE TEMP VIEW pg_namespace AS
  SELECT 11 AS oid, 'pg_catalog' AS nspname, 10 AS nspowner, NULL::VARCHAR[] AS nspacl
  UNION ALL SELECT 13000, 'information_schema', 10, NULL
  UNION ALL
  SELECT oid, tessera_nspname(database_name, schema_name), 10, NULL
  FROM duckdb_schemas()
  WHERE NOT internal AND tessera_in_scope(database_name)
    AND NOT (database_name <> 'memory' AND schema_name = 'main')
    AND NOT (database_name = 'memory' AND current_database() = 'memory'
             AND schema_name = 'main' AND NOT EXISTS (
               SELECT 1 FROM tessera_relations r WHERE r.database_name = 'memory'));

CREATE OR REPLACE TEMP VIEW pg_class AS
  SELECT oid, relname, schema_oid AS relnamespace, 0 AS reltype, 0 AS reloftype, 10 AS relowner,
         2 AS relam, 0 AS relfilenode, 0 AS reltablespace, 0 AS relpages, -1::FLOAT AS reltuples,
         0 AS relallvisible, 0 AS reltoastrelid, false AS relhasindex, false AS relisshared,
         'p' AS relpersistence, relkind,
         (SELECT count(*) FROM duckdb_columns() c WHERE c.table_oid = r.oid)::SMALLINT AS relnatts,
         0::SMALLINT AS relchecks, false AS relhasrules, false AS relhastriggers,
         false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity,
         true AS relispopulated, 'd' AS relreplident, false AS relispartition, 0 AS relrewrite,
         0 AS relfrozenxid, 0 AS relminmxid, NULL::VARCHAR[] AS relacl,
         NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound, false AS relhasoids
  FROM tessera_relations r WHERE tessera_in_scope(database_name);

CREATE OR REPLACE TEMP VIEW pg_attribute AS
  SELECT table_oid AS attrelid, column_name AS attname,
         tessera_pg_type_oid(data_type) AS atttypid, tessera_pg_typmod(data_type) AS atttypmod,
         column_index::SMALLINT AS attnum, NOT is_nullable AS attnotnull,
         column_default IS NOT NULL AS atthasdef, false AS attisdropped, '' AS attidentity,
         '' AS attgenerated, 0 AS attcollation, 'x' AS attstorage, '' AS attcompression,
         -1 AS attstattarget, 0 AS attndims, -1::SMALLINT AS attlen, true AS attislocal,
         comment AS tessera_comment
  FROM duckdb_columns() WHERE NOT internal AND tessera_in_scope(database_name);

CREATE OR REPLACE TEMP VIEW pg_description AS
  SELECT oid AS objoid, 1259 AS classoid, 0 AS objsubid, comment AS description
  FROM tessera_relations WHERE comment IS NOT NULL
  UNION ALL
  SELECT attrelid, 1259, attnum, tessera_comment FROM pg_attribute
  WHERE tessera_comment IS NOT NULL;

CREATE OR REPLACE TEMP VIEW pg_database AS
  SELECT database_oid AS oid, database_name AS datname, 10 AS datdba, 6 AS encoding,
         'c' AS datlocprovider, false AS datistemplate, true AS datallowconn, -1 AS datconnlimit,
         'C' AS datcollate, 'C' AS datctype, NULL::VARCHAR AS daticulocale,
         NULL::VARCHAR[] AS datacl, 1663 AS dattablespace
  FROM duckdb_databases() WHERE database_name NOT IN ('system', 'temp', 'memory');

CREATE OR REPLACE TEMP TABLE pg_am AS SELECT * FROM (VALUES (2, 'heap', 't'), (403, 'btree', 'i'))
  t(oid, amname, amtype);
CREATE OR REPLACE TEMP TABLE pg_attrdef (oid BIGINT, adrelid BIGINT, adnum SMALLINT, adbin VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_collation (oid BIGINT, collname VARCHAR, collnamespace BIGINT);
CREATE OR REPLACE TEMP TABLE pg_index (indexrelid BIGINT, indrelid BIGINT, indnatts SMALLINT,
  indisunique BOOLEAN, indisprimary BOOLEAN, indisclustered BOOLEAN, indisvalid BOOLEAN,
  indkey SMALLINT[], indisreplident BOOLEAN, indexprs VARCHAR, indpred VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_constraint (oid BIGINT, conname VARCHAR, connamespace BIGINT,
  contype VARCHAR, conrelid BIGINT, confrelid BIGINT, conindid BIGINT, conkey SMALLINT[],
  confkey SMALLINT[], conparentid BIGINT, condeferrable BOOLEAN, condeferred BOOLEAN,
  convalidated BOOLEAN);
CREATE OR REPLACE TEMP TABLE pg_policy (oid BIGINT, polname VARCHAR, polrelid BIGINT,
  polcmd VARCHAR, polpermissive BOOLEAN, polroles BIGINT[], polqual VARCHAR,
  polwithcheck VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_trigger (oid BIGINT, tgrelid BIGINT, tgname VARCHAR,
  tgisinternal BOOLEAN, tgenabled VARCHAR, tgparentid BIGINT);
CREATE OR REPLACE TEMP TABLE pg_inherits (inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER,
  inhdetachpending BOOLEAN);
CREATE OR REPLACE TEMP TABLE pg_statistic_ext (oid BIGINT, stxrelid BIGINT, stxname VARCHAR,
  stxnamespace BIGINT, stxkind VARCHAR[], stxstattarget INTEGER);
CREATE OR REPLACE TEMP TABLE pg_publication (oid BIGINT, pubname VARCHAR, puballtables BOOLEAN);
CREATE OR REPLACE TEMP TABLE pg_publication_namespace (oid BIGINT, pnpubid BIGINT, pnnspid BIGINT);
CREATE OR REPLACE TEMP TABLE pg_publication_rel (oid BIGINT, prpubid BIGINT, prrelid BIGINT,
  prqual VARCHAR, prattrs SMALLINT[]);
CREATE OR REPLACE TEMP TABLE pg_rewrite (oid BIGINT, ev_class BIGINT, rulename VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_depend (classid BIGINT, objid BIGINT, objsubid INTEGER,
  refclassid BIGINT, refobjid BIGINT, refobjsubid INTEGER, deptype VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_proc (oid BIGINT, proname VARCHAR, pronamespace BIGINT,
  prorettype BIGINT, proargtypes BIGINT[], prokind VARCHAR);
CREATE OR REPLACE TEMP TABLE pg_tablespace AS SELECT 1663 AS oid, 'pg_default' AS spcname;
CREATE OR REPLACE TEMP TABLE pg_settings AS SELECT NULL::VARCHAR AS name,
  NULL::VARCHAR AS setting WHERE false;

-- information_schema without the session's own temp objects (this emulation) and the
-- product catalog's views.
CREATE OR REPLACE TEMP VIEW tessera_information_schema_tables AS
  SELECT * FROM information_schema.tables WHERE table_catalog NOT IN ('temp', 'system', 'tessera');
CREATE OR REPLACE TEMP VIEW tessera_information_schema_columns AS
  SELECT * FROM information_schema.columns WHERE table_catalog NOT IN ('temp', 'system', 'tessera');
CREATE OR REPLACE TEMP VIEW tessera_information_schema_schemata AS
  SELECT * FROM information_schema.schemata WHERE catalog_name NOT IN ('temp', 'system', 'tessera');
CREATE OR REPLACE TEMP VIEW tessera_information_schema_views AS
  SELECT * FROM information_schema.views WHERE table_catalog NOT IN ('temp', 'system', 'tessera');

CREATE OR REPLACE TEMP MACRO pg_get_userbyid(id) AS current_user_name();
CREATE OR REPLACE TEMP MACRO pg_encoding_to_char(e) AS 'UTF8';
CREATE OR REPLACE TEMP MACRO pg_table_is_visible(id) AS true;
CREATE OR REPLACE TEMP MACRO pg_type_is_visible(id) AS true;
CREATE OR REPLACE TEMP MACRO pg_get_expr(e, r) AS NULL::VARCHAR, (e, r, p) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_indexdef(i) AS NULL::VARCHAR, (i, c, p) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_constraintdef(c) AS NULL::VARCHAR, (c, p) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_statisticsobjdef_columns(o) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_relation_is_publishable(r) AS false;
CREATE OR REPLACE TEMP MACRO pg_get_function_result(f) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_get_function_arguments(f) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO array_upper(a, d) AS len(a);
-- PostgreSQL's settings as the port keeps them (pg_settings is rewritten by the connection).
CREATE OR REPLACE TEMP MACRO current_setting(n) AS
  (SELECT setting FROM pg_settings WHERE lower(name) = lower(n) LIMIT 1),
  (n, missing_ok) AS (SELECT setting FROM pg_settings WHERE lower(name) = lower(n) LIMIT 1);
-- DBeaver's navigator: partition keys, sizes and scan counts are unknown here (NULL, not 0).
CREATE OR REPLACE TEMP MACRO pg_get_partkeydef(r) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO pg_total_relation_size(r) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_relation_size(r) AS NULL::BIGINT, (r, f) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_table_size(r) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_indexes_size(r) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_stat_get_numscans(r) AS NULL::BIGINT;
CREATE OR REPLACE TEMP MACRO pg_get_keywords() AS TABLE
  SELECT keyword_name AS word,
         CASE keyword_category WHEN 'reserved' THEN 'R' WHEN 'unreserved' THEN 'U'
           WHEN 'column_name' THEN 'C' ELSE 'T' END AS catcode,
         true AS barelabel, keyword_category AS catdesc, 'can be bare label' AS baredesc
  FROM duckdb_keywords();
CREATE OR REPLACE TEMP MACRO obj_description(o, c) AS
  (SELECT description FROM pg_description WHERE objoid = o AND objsubid = 0 LIMIT 1),
  (o) AS (SELECT description FROM pg_description WHERE objoid = o AND objsubid = 0 LIMIT 1);
CREATE OR REPLACE TEMP MACRO col_description(r, n) AS
  (SELECT description FROM pg_description WHERE objoid = r AND objsubid = n LIMIT 1);
CREATE OR REPLACE TEMP MACRO shobj_description(o, c) AS NULL::VARCHAR;
CREATE OR REPLACE TEMP MACRO format_type(oid, typmod) AS CASE
  WHEN oid IS NULL THEN NULL
  WHEN oid = 1700 AND typmod >= 4
    THEN 'numeric(' || ((typmod - 4) // 65536) || ',' || ((typmod - 4) % 65536) || ')'
  ELSE coalesce(CASE oid
    WHEN 16 THEN 'boolean' WHEN 17 THEN 'bytea' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint'
    WHEN 23 THEN 'integer' WHEN 25 THEN 'text' WHEN 114 THEN 'json' WHEN 700 THEN 'real'
    WHEN 701 THEN 'double precision' WHEN 1043 THEN 'character varying' WHEN 1082 THEN 'date'
    WHEN 1083 THEN 'time without time zone' WHEN 1114 THEN 'timestamp without time zone'
    WHEN 1184 THEN 'timestamp with time zone' WHEN 1186 THEN 'interval'
    WHEN 1266 THEN 'time with time zone' WHEN 1562 THEN 'bit varying' WHEN 1700 THEN 'numeric'
    WHEN 2950 THEN 'uuid' WHEN 3802 THEN 'jsonb' WHEN 1000 THEN 'boolean[]'
    WHEN 1001 THEN 'bytea[]' WHEN 1005 THEN 'smallint[]' WHEN 1007 THEN 'integer[]'
    WHEN 1016 THEN 'bigint[]' WHEN 1009 THEN 'text[]' WHEN 1021 THEN 'real[]'
    WHEN 1022 THEN 'double precision[]' WHEN 1182 THEN 'date[]'
    WHEN 1183 THEN 'time without time zone[]' WHEN 1115 THEN 'timestamp without time zone[]'
    WHEN 1185 THEN 'timestamp with time zone[]' WHEN 1187 THEN 'interval[]'
    WHEN 1231 THEN 'numeric[]' WHEN 2951 THEN 'uuid[]' WHEN 199 THEN 'json[]'
    END, '???') END;
)SQL";

// Known catalog relations by name, for 'pg_class'::regclass and friends (pgjdbc uses them).
constexpr std::array<std::pair<const char*, int>, 7> kCatalogRelations = {{
    {"pg_class", 1259},
    {"pg_type", 1247},
    {"pg_attribute", 1249},
    {"pg_proc", 1255},
    {"pg_namespace", 2615},
    {"pg_database", 1262},
    {"pg_description", 2609},
}};

bool StartsWithNoCase(std::string_view text, size_t at, std::string_view prefix) {
  if (at > text.size() || text.size() - at < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i])
      return false;
  }
  return true;
}

// Whether `sql` at `at` is a cast to an array type: `::name[]`, `::pg_catalog.int4 []`.
bool IsArrayCast(std::string_view sql, size_t at) {
  if (sql.substr(at, 2) != "::")
    return false;
  size_t j = at + 2;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' ||
                            sql[j] == '.' || sql[j] == ' '))
    ++j;
  return sql.substr(j, 2) == "[]";
}

}  // namespace

std::string CatalogEmulationSql(std::string_view principal, bool superuser,
                                std::string_view server_version) {
  std::string owner = QuoteLiteral(principal);
  std::string sql = kTypeMacros;
  sql += "CREATE OR REPLACE TEMP MACRO current_user_name() AS " + owner + ";\n";
  // DuckDB answers these with its own name ("duckdb") and version ("v1.4.4"); temp macros
  // shadow its functions. Tools parse "PostgreSQL <version>" from version().
  sql += "CREATE OR REPLACE TEMP MACRO version() AS " +
         QuoteLiteral("PostgreSQL " + std::string(server_version) +
                      " (tessera) on x86_64-pc-linux-gnu, 64-bit") +
         ";\n";
  for (const char* name : {"current_user", "session_user", "current_role"})
    sql += std::string("CREATE OR REPLACE TEMP MACRO ") + name + "() AS current_user_name();\n";
  sql += kCatalog;
  sql += "CREATE OR REPLACE TEMP TABLE pg_roles AS SELECT 10 AS oid, " + owner + " AS rolname, " +
         (superuser ? "true" : "false") +
         " AS rolsuper, false AS rolinherit, false AS rolcreaterole, false AS rolcreatedb, "
         "true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, "
         "NULL::TIMESTAMPTZ AS rolvaliduntil, false AS rolbypassrls, NULL::VARCHAR[] AS "
         "rolconfig;\nCREATE OR REPLACE TEMP VIEW pg_user AS SELECT oid AS usesysid, rolname AS "
         "usename, rolsuper AS usesuper FROM pg_roles;\n";
  return sql;
}

bool IsCatalogQuery(std::string_view sql) {
  for (const char* marker : {"pg_", "information_schema", "regclass", "regtype", "format_type",
                             "duckdb_", "obj_description", "col_description"}) {
    if (ContainsNoCase(sql, marker))
      return true;
  }
  return false;
}

std::string RewriteCatalogQuery(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'') {
      // Copy a string literal verbatim ('' escapes; E'' strings also escape with backslash).
      bool backslash = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      size_t start = i++;
      while (i < sql.size()) {
        if (backslash && sql[i] == '\\') {
          i += 2;
          continue;
        }
        if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      // An unterminated E'...\ literal can step past the end: clamp before anything reads on.
      i = std::min(i, sql.size());
      std::string_view literal = sql.substr(start, i - start);
      // PostgreSQL's ~ and !~ match anywhere in the string; DuckDB's match the whole string.
      // Unanchored ends of a pattern literal get `.*` so both mean the same.
      size_t last = out.find_last_not_of(" \t\n");
      if (last != std::string::npos && out[last] == '~' && (last == 0 || out[last - 1] != '~') &&
          literal.size() >= 2 && !backslash) {
        std::string pattern(literal.substr(1, literal.size() - 2));
        if (pattern.empty() || pattern.front() != '^')
          pattern = ".*" + pattern;
        else
          pattern.erase(0, 1);
        if (pattern.empty() || pattern.back() != '$' ||
            (pattern.size() >= 2 && pattern[pattern.size() - 2] == '\\'))
          pattern += ".*";
        else
          pattern.pop_back();
        out += "'" + pattern + "'";
        continue;
      }
      if (StartsWithNoCase(sql, i, "::regclass") ||
          StartsWithNoCase(sql, i, "::pg_catalog.regclass")) {
        std::string name = ToLower(literal.substr(1, literal.size() >= 2 ? literal.size() - 2 : 0));
        if (name.rfind("pg_catalog.", 0) == 0)
          name = name.substr(11);
        std::string replacement;
        for (const auto& [relation, oid] : kCatalogRelations) {
          if (name == relation)
            replacement = std::to_string(oid);
        }
        if (replacement.empty())
          replacement =
              "(SELECT oid FROM pg_class WHERE relname = " + std::string(literal) + " LIMIT 1)";
        out += replacement;
        i += StartsWithNoCase(sql, i, "::regclass") ? 10 : 21;
        continue;
      }
      if (literal.size() >= 4 && literal[1] == '{' && literal[literal.size() - 2] == '}' &&
          IsArrayCast(sql, i)) {
        // PostgreSQL's array literal '{a,b}'::text[] is DuckDB's '[a,b]'::text[].
        std::string list(literal);
        list[1] = '[';
        list[list.size() - 2] = ']';
        out += list;
        continue;
      }
      out += literal;
      continue;
    }
    if (StartsWithNoCase(sql, i, "operator(pg_catalog.")) {
      size_t close = sql.find(')', i);
      if (close != std::string_view::npos) {
        out += ' ';
        out += sql.substr(i + 20, close - (i + 20));
        out += ' ';
        i = close + 1;
        continue;
      }
    }
    if (StartsWithNoCase(sql, i, "collate pg_catalog.default")) {
      i += 26;
      continue;
    }
    if (StartsWithNoCase(sql, i, "information_schema.") &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
      size_t name_at = i + 19;
      size_t name_end = name_at;
      while (name_end < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[name_end])) || sql[name_end] == '_'))
        ++name_end;
      std::string name = ToLower(sql.substr(name_at, name_end - name_at));
      if (name == "tables" || name == "columns" || name == "schemata" || name == "views") {
        out += "tessera_information_schema_" + name;
        i = name_end;
        continue;
      }
    }
    if (StartsWithNoCase(sql, i, "pg_catalog.") &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
      i += 11;
      continue;
    }
    if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      size_t type_at = i + 2;
      if (StartsWithNoCase(sql, type_at, "pg_catalog."))
        type_at += 11;
      size_t type_end = type_at;
      while (type_end < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[type_end])) || sql[type_end] == '_'))
        ++type_end;
      std::string type = ToLower(sql.substr(type_at, type_end - type_at));
      if (type == "regclass" || type == "regtype" || type == "regnamespace" || type == "regproc" ||
          type == "regrole" || type == "oid") {
        out += "::BIGINT";
        i = type_end;
        continue;
      }
      if (type == "name" || type == "text") {
        out += "::VARCHAR";
        i = type_end;
        continue;
      }
      out += "::";
      i = type_at;
      continue;
    }
    out += c;
    ++i;
  }
  // `FROM generate_series(...) s` names the column s in PostgreSQL; in DuckDB s is the row.
  static const std::regex kSeriesAlias(
      R"re((generate_series\((?:[^()]|\([^()]*\))*\))\s+(\w+)\s*,)re");
  return std::regex_replace(out, kSeriesAlias, "$1 AS $2($2),");
}

}  // namespace tessera::ports::pgwire
