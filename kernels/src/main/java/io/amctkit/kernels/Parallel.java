package io.amctkit.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits a flat index range over a fixed number of threads (small ranges run on the caller's thread). Reductions
 * combine per-chunk partial sums in chunk order, so a given thread count always gives the same result.
 */
public final class Parallel implements AutoCloseable {

    /** Below this many elements a kernel runs on the calling thread. */
    static final int MIN_PARALLEL = 1 << 16;

    private final int threads;
    private final int minParallel;
    private final ForkJoinPool pool;

    private Parallel(int threads, int minParallel) {
        this.threads = Math.max(1, threads);
        this.minParallel = Math.max(1, minParallel);
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
    }

    /** Work on {@code threads} threads (ranges below {@link #MIN_PARALLEL} elements stay on the caller's thread). */
    public static Parallel of(int threads) {
        return new Parallel(threads, MIN_PARALLEL);
    }

    /** Work on {@code threads} threads, splitting any range of at least {@code minParallel} elements. */
    public static Parallel of(int threads, int minParallel) {
        return new Parallel(threads, minParallel);
    }

    /** Everything on the calling thread. */
    public static Parallel sequential() {
        return new Parallel(1, MIN_PARALLEL);
    }

    public int threads() {
        return threads;
    }

    /** A chunk of work over {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** A chunk of a reduction: adds its partial results into {@code acc}. */
    @FunctionalInterface
    public interface RangeReduction {
        void run(int from, int to, double[] acc);
    }

    /** A chunk of work that also knows its chunk index (0 … chunks − 1). */
    @FunctionalInterface
    public interface ChunkTask {
        void run(int chunk, int from, int to);
    }

    /** How many chunks a range of {@code n} elements is split into. */
    public int chunks(int n) {
        return threads == 1 || n < minParallel ? 1 : Math.min(threads, n);
    }

    /** Runs {@code task} on {@link #chunks(int)} consecutive chunks of {@code [0, n)}. */
    public void forChunks(int n, ChunkTask task) {
        int chunks = chunks(n);
        if (chunks == 1) {
            task.run(0, 0, n);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int chunk = c;
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            tasks.add(pool.submit(() -> task.run(chunk, from, to)));
        }
        tasks.forEach(ForkJoinTask::join);
    }

    /** Tasks per thread for {@link #forRows}: a thread slowed down (a shared machine's other work) leaves its share to the others. */
    static final int TASKS_PER_THREAD = 4;

    /**
     * Splits {@code rows} rows of {@code rowLength} elements by the total work, never inside a row, into a few tasks per
     * thread (each row's result is its own, so the split changes no value).
     */
    public void forRows(int rows, int rowLength, RangeTask task) {
        long work = (long) rows * rowLength;
        int chunks = threads == 1 || work < minParallel ? 1
                : (int) Math.min(rows, Math.min((long) threads * TASKS_PER_THREAD, Math.max(threads, work / minParallel)));
        if (chunks == 1) {
            task.run(0, rows);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) rows * c / chunks);
            int to = (int) ((long) rows * (c + 1) / chunks);
            tasks.add(pool.submit(() -> task.run(from, to)));
        }
        tasks.forEach(ForkJoinTask::join);
    }

    public void forRange(int n, RangeTask task) {
        forChunks(n, (chunk, from, to) -> task.run(from, to));
    }

    public double[] reduceRanges(int n, int width, RangeReduction task) {
        double[][] partial = new double[chunks(n)][width];
        forChunks(n, (chunk, from, to) -> task.run(from, to, partial[chunk]));
        double[] total = new double[width];
        for (double[] p : partial) {
            for (int i = 0; i < width; i++) {
                total[i] += p[i];
            }
        }
        return total;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
