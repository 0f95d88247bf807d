package io.amctkit.runtime.session;

import com.google.protobuf.TextFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.LongBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The text of one 2:4 mask in record.txt: a LLaMA-7B MLP weight's [11008, 4096] mask, 704 512 packed words, each an
 * {@code "      ints: N"} line, written to a stream that discards them. {@code recordFile} is how a session writes
 * them ({@link RecordFile#writeSelective}: four digits per table lookup, on all cores); the baseline,
 * {@code longToString}, formats the same lines with {@link Long#toString(long)} on one thread. In this package to
 * reach the package-private writer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class RecordTextBenchmark {

    static final long[] SHAPE = {11008, 4096};

    LongBuffer words;
    final TextFormat.Printer printer = TextFormat.printer();

    @Setup
    public void setup() {
        long[] w = new long[(int) (SHAPE[0] * SHAPE[1] / 64)];
        Random r = new Random(11);
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextLong();   // a 2:4 word's values span the whole long range, signs included
        }
        words = LongBuffer.wrap(w);
    }

    @Benchmark
    public long recordFile() throws IOException {
        Discard out = new Discard();
        RecordFile.writeSelective(printer, "model.layers.0.mlp.up_proj", SHAPE, words.duplicate(), out);
        return out.bytes;
    }

    @Benchmark
    public long longToString() throws IOException {
        Discard out = new Discard();
        StringBuilder line = new StringBuilder(40);
        byte[] b = new byte[40];
        for (int i = 0; i < words.limit(); i++) {
            line.setLength(0);
            line.append("      ints: ").append(words.get(i)).append('\n');
            int n = line.length();
            for (int k = 0; k < n; k++) {
                b[k] = (byte) line.charAt(k);
            }
            out.write(b, 0, n);
        }
        return out.bytes;
    }

    /** Counts what it is given and keeps nothing. */
    static final class Discard extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
