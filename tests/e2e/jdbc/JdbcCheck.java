import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

/** pgjdbc 42.5 against tessera's PostgreSQL port: the checks of tests/e2e/jdbc_test.py. */
public class JdbcCheck {
  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    try (Connection conn = DriverManager.getConnection(url, props)) {
      // Prepared statement run 10 times: pgjdbc switches to a named statement and binary
      // results after 5 (prepareThreshold).
      try (PreparedStatement ps = conn.prepareStatement(
               "SELECT id, region, amount, ts, ['a', 'b c', NULL] AS tags FROM sales.orders WHERE id = ?")) {
        for (int i = 0; i < 10; i++) {
          ps.setLong(1, 10 + i);
          try (ResultSet rs = ps.executeQuery()) {
            check(rs.next(), "row for id " + (10 + i));
            check(rs.getLong(1) == 10 + i, "id " + rs.getLong(1));
            check(rs.getBigDecimal(3).equals(new BigDecimal(10 + i).multiply(new BigDecimal("1.25")).setScale(2)),
                  "amount " + rs.getBigDecimal(3));
            Timestamp ts = rs.getTimestamp(4, Calendar.getInstance(TimeZone.getTimeZone("UTC")));
            check(ts.getTime() == 1704067200000L + (10L + i) * 3600000L, "ts " + ts);
            Array tags = rs.getArray(5);
            String[] values = (String[]) tags.getArray();
            check(values.length == 3 && values[0].equals("a") && values[1].equals("b c") && values[2] == null,
                  "tags " + Arrays.toString(values));
            check(!rs.next(), "one row");
          }
        }
      }
      System.out.println("OK prepared statement x10 (binary results)");

      DatabaseMetaData meta = conn.getMetaData();
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = meta.getTables(null, null, "%", new String[] {"TABLE"})) {
        while (rs.next()) tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
      }
      check(tables.contains("sales.orders"), "getTables lists sales.orders: " + tables);
      check(!tables.toString().contains("salaries"), "getTables hides salaries: " + tables);
      System.out.println("OK getTables " + tables);

      List<String> columns = new ArrayList<>();
      try (ResultSet rs = meta.getColumns(null, "sales", "orders", null)) {
        while (rs.next()) columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"));
      }
      check(columns.equals(Arrays.asList("id:int8", "region:text", "amount:numeric", "ts:timestamptz")),
            "getColumns " + columns);
      System.out.println("OK getColumns " + columns);

      // SHOW on the extended protocol (every pgjdbc query is Parse/Bind/Describe/Execute).
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW TimeZone")) {
        check(rs.next(), "SHOW TimeZone returns a row");
        // pgjdbc sends the JVM's zone at startup (jdbc_test.py runs it in America/New_York).
        check("America/New_York".equals(rs.getString(1)), "SHOW TimeZone = " + rs.getString(1));
        check(!rs.next(), "SHOW TimeZone returns one row");
      }
      // Text timestamptz in the session's zone, and DuckDB computing in it (the date of
      // 2024-01-01 00:00 UTC in New York is still 2023-12-31).
      try (Statement st = conn.createStatement();
           ResultSet rs = st.executeQuery("SELECT ts::text, ts::date, ts FROM sales.orders WHERE id = 0")) {
        check(rs.next(), "zone row");
        check("2023-12-31 19:00:00-05".equals(rs.getString(1)), "ts::text " + rs.getString(1));
        check("2023-12-31".equals(rs.getString(2)), "ts::date " + rs.getString(2));
        check("2023-12-31 19:00:00-05".equals(rs.getString(3)), "ts " + rs.getString(3));
        check(rs.getTimestamp(3).getTime() == 1704067200000L, "instant " + rs.getTimestamp(3).getTime());
      }
      System.out.println("OK session TimeZone from the JVM");
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW ALL")) {
        int settings = 0;
        while (rs.next())
          settings++;
        check(settings > 10 && rs.getMetaData().getColumnCount() == 3, "SHOW ALL " + settings);
      }
      System.out.println("OK SHOW over the extended protocol");

      // Fetch size streams through a portal (Execute with a row limit, PortalSuspended).
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.setFetchSize(100);
        long expected = 0;
        try (ResultSet rs = st.executeQuery("SELECT id FROM sales.orders ORDER BY id")) {
          while (rs.next()) {
            check(rs.getLong(1) == expected, "streamed id " + rs.getLong(1));
            expected++;
          }
        }
        check(expected == 1000, "streamed rows " + expected);
        // Another statement between the pieces of a portal (a lookup per row, as applications
        // do): the portal's rest is held and nothing is lost.
        expected = 0;
        try (ResultSet rs = st.executeQuery("SELECT id FROM sales.orders ORDER BY id");
             PreparedStatement lookup =
                 conn.prepareStatement("SELECT count(*) FROM sales.orders WHERE id <= ?")) {
          while (rs.next()) {
            check(rs.getLong(1) == expected, "interleaved id " + rs.getLong(1));
            if (expected % 250 == 0) {
              lookup.setLong(1, expected);
              try (ResultSet counted = lookup.executeQuery()) {
                check(counted.next() && counted.getLong(1) == expected + 1, "lookup " + expected);
              }
            }
            expected++;
          }
        }
        check(expected == 1000, "interleaved rows " + expected);
      }
      conn.commit();
      System.out.println("OK fetch size streaming");

      try (Statement st = conn.createStatement()) {
        st.executeQuery("SELECT * FROM demo.hr.salaries");
        check(false, "ungranted table must fail");
      } catch (SQLException e) {
        check("42P01".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
      }
      conn.rollback();
      System.out.println("OK ungranted table is 42P01");
    }
  }
}
