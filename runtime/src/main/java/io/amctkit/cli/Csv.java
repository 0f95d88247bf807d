package io.amctkit.cli;

import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvWriteOptions;

import java.io.StringWriter;

/** A Tablesaw table as CSV text (Tablesaw's own writer). */
final class Csv {

    private Csv() {
    }

    static String of(Table table) {
        StringWriter out = new StringWriter();
        table.write().csv(CsvWriteOptions.builder(out).build());
        return out.toString();
    }
}
