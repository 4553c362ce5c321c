import java.sql.*;
import java.util.*;

/**
 * What DBeaver 25 sends when it connects to a PostgreSQL server and a user opens the navigator
 * (schemas, tables, one table's columns, indexes, constraints) and the table's data tab. DBeaver
 * is not installable here; it runs these statements through pgjdbc, so they are replayed through
 * pgjdbc with the same texts and bind parameters (taken from DBeaver's PostgreSQL plugin and
 * pg_stat_activity captures of it). Run by tests/e2e/jdbc_test.py.
 */
public class DbeaverCheck {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static List<Map<String, Object>> rows(Connection conn, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= meta.getColumnCount(); c++) row.put(meta.getColumnLabel(c), rs.getObject(c));
          out.add(row);
        }
        return out;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("ApplicationName", "DBeaver 25.3.3 - Main <demo>");
    try (Connection conn = DriverManager.getConnection(args[0], props)) {
      // Connection bootstrap.
      List<Map<String, Object>> who = rows(conn, "SELECT current_schema(),session_user");
      check(args[1].equals(who.get(0).get("session_user")), "session_user " + who);
      check(rows(conn, "SELECT version()").get(0).get("version").toString().startsWith("PostgreSQL 15"),
            "version()");
      rows(conn, "SHOW search_path");
      List<Map<String, Object>> db = rows(conn, "SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=?", "demo");
      check(db.size() == 1, "pg_database demo " + db);
      List<Map<String, Object>> scs =
          rows(conn, "SELECT * FROM pg_catalog.pg_settings where name='standard_conforming_strings'");
      check(scs.size() == 1 && "on".equals(scs.get(0).get("setting")), "pg_settings " + scs);
      List<Map<String, Object>> words = rows(conn,
          "SELECT string_agg(word, ',' ) from pg_catalog.pg_get_keywords() where word <> ALL "
              + "('{a,abs,absolute,action,ada,add,admin,after,all,allocate,alter,and,any,are,array,as,asc,"
              + "select,table,where,zone}'::text[])");
      check(words.size() == 1 && words.get(0).values().iterator().next() != null, "keywords " + words);
      rows(conn, "SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1");
      rows(conn, "SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1");
      List<Map<String, Object>> types = rows(conn,
          "SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description\n"
              + "FROM pg_catalog.pg_type t\n"
              + "LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem\n"
              + "LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid\n"
              + "WHERE t.typname IS NOT NULL\n"
              + "AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')");
      check(types.stream().anyMatch(t -> "int8".equals(t.get("typname"))), "types list int8");
      System.out.println("OK DBeaver connection bootstrap");

      // Navigator: schemas, then the tables of one, then a table's columns, indexes, constraints.
      List<Map<String, Object>> schemas = rows(conn,
          "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass\n"
              + " ORDER BY nspname");
      Object salesOid = null;
      List<String> schemaNames = new ArrayList<>();
      for (Map<String, Object> s : schemas) {
        schemaNames.add((String) s.get("nspname"));
        if ("sales".equals(s.get("nspname"))) salesOid = s.get("oid");
      }
      check(salesOid != null, "schemas list sales: " + schemaNames);
      check(!schemaNames.contains("hr"), "an ungranted schema is not listed: " + schemaNames);

      List<Map<String, Object>> tables = rows(conn,
          "SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key \n"
              + "FROM pg_catalog.pg_class c\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass\n"
              + "WHERE c.relnamespace=? AND c.relkind not in ('i','I','c')",
          ((Number) salesOid).longValue());
      Object ordersOid = null;
      for (Map<String, Object> t : tables)
        if ("orders".equals(t.get("relname"))) ordersOid = t.get("oid");
      check(ordersOid != null, "tables of sales list orders: " + tables.size());
      rows(conn,
          "select c.oid,pg_catalog.pg_total_relation_size(c.oid) as total_rel_size,pg_catalog.pg_relation_size(c.oid) as rel_size\n"
              + "FROM pg_class c\n"
              + "WHERE c.relnamespace=?",
          ((Number) salesOid).longValue());

      List<Map<String, Object>> columns = rows(conn,
          "SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid\n"
              + "FROM pg_catalog.pg_attribute a\n"
              + "INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)\n"
              + "LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)\n"
              + "LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid\n"
              + "WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=?\n"
              + "ORDER BY a.attnum",
          ((Number) ordersOid).longValue());
      List<String> described = new ArrayList<>();
      for (Map<String, Object> c : columns) described.add(c.get("attname") + ":" + c.get("atttypid"));
      check(described.equals(Arrays.asList("id:20", "region:25", "amount:1700", "ts:1184")),
            "columns of orders " + described);

      rows(conn,
          "SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,"
              + "pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,"
              + "pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans\n"
              + "FROM pg_catalog.pg_index i\n"
              + "INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid\n"
              + "INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid\n"
              + "WHERE  i.indrelid=? ORDER BY tabrelname, c.relname",
          ((Number) ordersOid).longValue());
      rows(conn,
          "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, "
              + "case when c.contype='c' then \"substring\"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy\n"
              + "FROM pg_catalog.pg_constraint c\n"
              + "INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid\n"
              + "LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid\n"
              + "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass\n"
              + "WHERE c.conrelid=?\n"
              + "ORDER BY c.oid",
          ((Number) ordersOid).longValue());
      System.out.println("OK DBeaver navigator");

      // The data tab: the first 200 rows.
      try (Statement st = conn.createStatement()) {
        st.setMaxRows(200);
        try (ResultSet rs = st.executeQuery("SELECT * FROM sales.orders\nLIMIT 200")) {
          int n = 0;
          while (rs.next()) n++;
          check(n == 200, "data tab rows " + n);
        }
      }
      System.out.println("OK DBeaver data tab");
    }
  }
}
