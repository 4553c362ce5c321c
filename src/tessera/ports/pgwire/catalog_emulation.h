#pragma once

#include <string>
#include <string_view>

namespace tessera::ports::pgwire {

/// SQL that creates, in a session's temp schema, the PostgreSQL catalog as psql, psycopg2 and
/// pgjdbc read it: pg_class, pg_namespace, pg_attribute, pg_type, pg_database, pg_roles,
/// pg_description, the empty tables their queries join (pg_index, pg_policy, pg_inherits, ...)
/// and the functions they call (format_type, pg_get_userbyid, pg_table_is_visible, ...). The
/// views are computed from DuckDB's own catalog, so they list exactly what the session can see.
/// Temp objects come first in DuckDB's search path, so once RewriteCatalogQuery has removed the
/// `pg_catalog.` qualifiers they shadow DuckDB's partial pg_catalog. `principal` becomes the
/// owner shown for every object (and current_user); version() reports `server_version`.
std::string CatalogEmulationSql(std::string_view principal, bool superuser,
                                std::string_view server_version);

/// Whether a statement reads the catalog (pg_catalog, information_schema, regclass casts...), so
/// the session must first make every table it may see queryable and the rewrite applies.
bool IsCatalogQuery(std::string_view sql);

/// Turn PostgreSQL catalog SQL into SQL DuckDB runs against the emulation: drop `pg_catalog.`
/// qualifiers, `OPERATOR(pg_catalog.~)` becomes `~`, `COLLATE pg_catalog.default` goes,
/// `'name'::regclass` becomes the relation's oid, and reg* casts become integer casts. Text
/// inside string literals is left alone.
std::string RewriteCatalogQuery(std::string_view sql);

}  // namespace tessera::ports::pgwire
