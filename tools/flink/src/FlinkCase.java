import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the Flink side of Ferris's semantics cases (packages/sql/test/semantics/flink/<case>/flink.sql) in a
 * local mini-cluster and writes what Flink answered beside it:
 *
 * <ul>
 *   <li>flink-changelog.csv: every row the final SELECT emitted, in order, with its change kind (+I, -U, +U, -D);
 *   <li>expected.csv: the rows that changelog leaves when applied (what an upserting or retracting sink keeps),
 *       sorted, in the same text form the Ferris test prints its own rows in.
 * </ul>
 *
 * <p>With --verify nothing is written: the answer is compared with the committed expected.csv (and, where case.json
 * says "changelog": true, flink-changelog.csv) and any difference is
 * printed, and the exit code is 1. Usage: java FlinkCase [--verify] CASE_DIR...
 *
 * <p>Statements in flink.sql are separated by ';' at the end of a line; ${CASE_DIR} stands for the case folder's
 * absolute path (for the filesystem connector's 'path'). The last statement must be a SELECT.
 */
public final class FlinkCase {
  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

  public static void main(String[] args) throws Exception {
    boolean verify = false;
    List<Path> cases = new ArrayList<>();
    for (String a : args) {
      if (a.equals("--verify")) verify = true;
      else cases.add(Path.of(a).toAbsolutePath().normalize());
    }
    if (cases.isEmpty()) {
      System.err.println("usage: FlinkCase [--verify] CASE_DIR...");
      System.exit(2);
    }
    int failed = 0;
    for (Path dir : cases) {
      String name = dir.getFileName().toString();
      try {
        Answer answer = run(dir);
        if (verify) {
          List<String> diff = new ArrayList<>();
          compare(dir.resolve("expected.csv"), answer.expected, diff);
          // The changelog's order is only fixed with one input (two sources are read by two tasks that
          // interleave freely), so it is checked where the Ferris test compares it: "changelog": true.
          Path options = dir.resolve("case.json");
          if (Files.exists(options) && Files.readString(options).replace(" ", "").contains("\"changelog\":true"))
            compare(dir.resolve("flink-changelog.csv"), answer.changelog, diff);
          if (diff.isEmpty()) System.out.println("ok    " + name);
          else {
            failed++;
            System.out.println("DIFF  " + name);
            for (String d : diff) System.out.println("      " + d);
          }
        } else {
          Files.writeString(dir.resolve("expected.csv"), answer.expected, StandardCharsets.UTF_8);
          Files.writeString(dir.resolve("flink-changelog.csv"), answer.changelog, StandardCharsets.UTF_8);
          System.out.println("wrote " + name);
        }
      } catch (Exception e) {
        failed++;
        System.out.println("FAIL  " + name + ": " + e);
        Throwable c = e.getCause();
        while (c != null) {
          System.out.println("      caused by " + c);
          c = c.getCause();
        }
      }
    }
    if (!verify && failed == 0) {
      // Beside the cases: which Flink answered, so a reader knows what expected.csv speaks for.
      Path root = cases.get(0).getParent();
      Files.writeString(
          root.resolve("flink-version.txt"),
          "Apache Flink " + EnvironmentInformation.getVersion() + " (local mini-cluster, streaming mode, parallelism 1),"
              + " Java " + System.getProperty("java.version") + ", run by tools/flink/check --write\n",
          StandardCharsets.UTF_8);
    }
    System.exit(failed == 0 ? 0 : 1);
  }

  private record Answer(String expected, String changelog) {}

  private static void compare(Path file, String now, List<String> diff) throws IOException {
    String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    if (!before.equals(now)) {
      diff.add(file.getFileName() + " differs; committed:");
      for (String l : before.split("\n")) diff.add("  " + l);
      diff.add("Flink now:");
      for (String l : now.split("\n")) diff.add("  " + l);
    }
  }

  private static Answer run(Path dir) throws Exception {
    String text = Files.readString(dir.resolve("flink.sql"), StandardCharsets.UTF_8).replace("${CASE_DIR}", dir.toString());
    List<String> statements = split(text);
    if (statements.isEmpty()) throw new IllegalArgumentException(dir + "/flink.sql holds no statement");

    Configuration conf = new Configuration();
    // One task, so records reach each operator in file order, as Ferris reads them.
    conf.setString("parallelism.default", "1");
    conf.setString("table.exec.resource.default-parallelism", "1");
    // The watermark after every record that moved it (the assigner emits once it has advanced by more than this
    // interval, in event time), as Ferris with a batch of one record moves it after every record.
    conf.setString("pipeline.auto-watermark-interval", "0 ms");
    conf.setString("rest.bind-address", "127.0.0.1");
    conf.setString("rest.address", "127.0.0.1");
    TableEnvironment env =
        TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
    for (int i = 0; i < statements.size() - 1; i++) env.executeSql(statements.get(i)).await();

    TableResult result = env.executeSql(statements.get(statements.size() - 1));
    List<Column> columns = result.getResolvedSchema().getColumns();
    StringBuilder header = new StringBuilder();
    for (Column c : columns) header.append(header.length() == 0 ? "" : ",").append(c.getName());

    StringBuilder changelog = new StringBuilder("op,").append(header).append('\n');
    List<String> state = new ArrayList<>();
    try (CloseableIterator<Row> it = result.collect()) {
      while (it.hasNext()) {
        Row row = it.next();
        String line = line(row);
        RowKind kind = row.getKind();
        changelog.append(kind.shortString()).append(',').append(line).append('\n');
        if (kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER) state.add(line);
        else if (!state.remove(line))
          throw new IllegalStateException("Flink retracted a row it never emitted: " + kind.shortString() + " " + line);
      }
    }
    state.sort(String::compareTo);
    StringBuilder expected = new StringBuilder(header).append('\n');
    for (String l : state) expected.append(l).append('\n');
    return new Answer(expected.toString(), changelog.toString());
  }

  private static String line(Row row) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < row.getArity(); i++) {
      if (i > 0) b.append(',');
      b.append(cell(row.getField(i)));
    }
    return b.toString();
  }

  /** The same text the Ferris test prints: empty for NULL, strings quoted only when they must be. */
  static String cell(Object v) {
    if (v == null) return "";
    if (v instanceof LocalDateTime t) return TS.format(t);
    if (v instanceof java.time.Instant t) return TS.format(LocalDateTime.ofInstant(t, java.time.ZoneOffset.UTC));
    if (v instanceof LocalDate d) return d.toString();
    if (v instanceof BigDecimal d) return d.toPlainString();
    if (v instanceof Double || v instanceof Float) return Objects.toString(v);
    if (v instanceof String s) {
      if (s.isEmpty() || s.contains(",") || s.contains("\"") || s.contains("\n"))
        return '"' + s.replace("\"", "\"\"") + '"';
      return s;
    }
    return Objects.toString(v);
  }

  /** Splits at ';' outside quotes and comments, dropping comments and empty statements. */
  static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    Iterator<Integer> chars = text.codePoints().iterator();
    char quote = 0;
    int prev = 0;
    boolean comment = false;
    while (chars.hasNext()) {
      int c = chars.next();
      if (comment) {
        if (c == '\n') {
          comment = false;
          cur.append('\n');
        }
      } else if (quote != 0) {
        cur.appendCodePoint(c);
        if (c == quote) quote = 0;
      } else if (c == '-' && prev == '-') {
        cur.setLength(cur.length() - 1);
        comment = true;
      } else if (c == '\'' || c == '`' || c == '"') {
        quote = (char) c;
        cur.appendCodePoint(c);
      } else if (c == ';') {
        if (!cur.toString().isBlank()) out.add(cur.toString().trim());
        cur.setLength(0);
      } else cur.appendCodePoint(c);
      prev = comment ? 0 : c;
    }
    if (!cur.toString().isBlank()) out.add(cur.toString().trim());
    return out;
  }
}
