package io.amctkit.runtime.bench;

import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * "How fast on this machine": each kernel on synthetic float32 data, timed over a few runs after a warm-up, as GB/s
 * of bytes read + written, writing into reused output buffers as a training loop does. A quick answer for users; the
 * documented figures come from JMH (docs/performance.md).
 */
public final class KernelBench {

    /**
     * One kernel's timing: median seconds over the runs and the bytes it reads and writes; {@code streaming} when the
     * kernel is one pass over memory (so comparable with a memory-bound loop), false for IFMR's search.
     */
    public record Timing(String kernel, String shape, long bytes, double medianSeconds, boolean streaming) {
        public double gigabytesPerSecond() {
            return bytes / medianSeconds / 1e9;
        }

        Timing searching() {
            return new Timing(kernel, shape, bytes, medianSeconds, false);
        }
    }

    private KernelBench() {
    }

    public static List<Timing> run(Kernels kernels, int elements, int repeat) {
        return run(kernels, elements, repeat, t -> {
        });
    }

    /** {@link #run(Kernels, int, int)}, handing each timing to {@code done} as soon as it is measured. */
    public static List<Timing> run(Kernels kernels, int elements, int repeat, java.util.function.Consumer<Timing> done) {
        int cols = 4096;
        int rows = Math.max(1, elements / cols);
        int n = rows * cols;
        INDArray x = random(1, rows, cols);
        INDArray g = random(2, rows, cols);
        INDArray y = Tensors.newFloat32(rows, cols);
        INDArray dy = Tensors.newFloat32(rows, cols);
        List<Timing> out = new ArrayList<>();
        java.util.function.Consumer<Timing> record = t -> {
            out.add(t);
            done.accept(t);
        };
        record.accept(time("arq per-channel", rows + "x" + cols, 8L * n, repeat,
                () -> kernels.arqInto(x, WeightLayout.COUT_FIRST, 8, true, y)));
        record.accept(time("arq per-tensor", rows + "x" + cols, 8L * n, repeat,
                () -> kernels.arqInto(x, WeightLayout.COUT_FIRST, 8, false, y)));
        ClipState clips = ClipState.of(3f, -3f);
        record.accept(time("ulq forward", String.valueOf(n), 8L * n, repeat, () -> kernels.ulqForwardInto(x, clips, 8, false, y)));
        UlqActivation.Forward f = kernels.ulqForwardInto(x, clips, 8, false, y);
        record.accept(time("ulq backward", String.valueOf(n), 12L * n, repeat,
                () -> kernels.ulqBackwardInto(x, g, f.clipMax(), f.clipMin(), 8, dy)));
        float[] scale = kernels.weightUlqForwardInto(x, WeightLayout.COUT_FIRST, null, 8, true, y).scale();
        record.accept(time("weight ulq forward", rows + "x" + cols, 8L * n, repeat,
                () -> kernels.weightUlqForwardInto(x, WeightLayout.COUT_FIRST, scale, 8, true, y)));
        record.accept(time("weight ulq backward", rows + "x" + cols, 8L * n, repeat,
                () -> kernels.weightUlqBackward(x, WeightLayout.COUT_FIRST, g, scale, 8)));
        record.accept(time("2:4 mask", rows + "x" + cols, 8L * n, repeat, () -> kernels.selectiveMaskInto(x, 1, y)));
        int filters = 512;
        INDArray w = x.reshape(filters, n / filters);
        record.accept(time("filter ranking", filters + "x" + (n / filters), 4L * n, repeat,
                () -> kernels.filterPrune("bench", List.of(w), new int[]{0}, 0.3, 1, false)));
        int calib = Math.min(n, 1 << 20);
        INDArray a = random(3, calib);
        record.accept(time("ifmr (61 candidates)", String.valueOf(calib), 4L * calib * 62, Math.min(repeat, 3),
                () -> kernels.ifmr(a, Ifmr.Params.qatDefaults(8))).searching());
        return out;
    }

    /**
     * A first call (library start-up, allocation), then warm-up until the JIT has compiled the kernel (0.3 s and at
     * least 10 calls after the first), then {@code repeat} samples, each a batch of calls lasting at least 2 ms (small
     * tensors), reported per call.
     */
    private static Timing time(String kernel, String shape, long bytes, int repeat, Supplier<?> work) {
        work.get();
        long warmStart = System.nanoTime();
        int warmCalls = 0;
        while (warmCalls < 10 || (System.nanoTime() - warmStart < 300_000_000L && warmCalls < 10_000)) {
            work.get();
            warmCalls++;
        }
        double perCall = (System.nanoTime() - warmStart) / 1e9 / warmCalls;
        int batch = (int) Math.max(1, Math.min(10_000, Math.ceil(0.002 / perCall)));
        double[] seconds = new double[Math.max(1, repeat)];
        for (int i = 0; i < seconds.length; i++) {
            long t0 = System.nanoTime();
            for (int b = 0; b < batch; b++) {
                work.get();
            }
            seconds[i] = (System.nanoTime() - t0) / 1e9 / batch;
        }
        Arrays.sort(seconds);
        return new Timing(kernel, shape, bytes, seconds[seconds.length / 2], true);
    }

    /** A float32 tensor of {@code shape} with standard-normal values from {@code seed} (benchmark data). */
    public static INDArray random(long seed, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensors.of(v, shape);
    }
}
