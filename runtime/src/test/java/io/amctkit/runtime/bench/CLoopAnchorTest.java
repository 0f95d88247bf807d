package io.amctkit.runtime.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fq_limit.c's table is read by metric name, whatever else it prints around it. */
class CLoopAnchorTest {

    @Test
    void theCLoopsTableIsReadByMetricName() {
        String table = "metric\tthreads\tmedian_s\tmin_s\tnominal_bytes\tGB/s\n"
                + "C.read_only_sum\t2\t0.010\t0.009\t268435456\t26.80\n"
                + "C.copy_plain\t2\t0.015\t0.014\t536870912\t35.79\n"
                + "C.fq_per_tensor_plain\t2\t0.014\t0.013\t536870912\t38.35\n"
                + "C.fq_per_tensor_avx512_nt\t2\t0.009\t0.009\t536870912\t57.10\n"
                + "checksum -132.5\n";
        CLoopAnchor.Figures f = CLoopAnchor.parse(table, 2);
        assertEquals(new CLoopAnchor.Figures(2, 38.35, 35.79), f);
    }

    @Test
    void aTableWithoutTheFakeQuantLineIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CLoopAnchor.parse("metric\tthreads\n", 1));
        assertTrue(e.getMessage().contains("no C.fq_per_tensor_plain line"), e.getMessage());
    }
}
