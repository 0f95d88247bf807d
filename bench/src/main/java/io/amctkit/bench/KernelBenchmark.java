package io.amctkit.bench;

import io.amctkit.kernels.Backends;
import io.amctkit.kernels.ClipState;
import io.amctkit.kernels.Ifmr;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.UlqActivation;
import io.amctkit.kernels.WeightLayout;
import io.amctkit.runtime.bench.KernelBench;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernels on the sizes of ../shared/bench/torch_anchors.py: 64 M float32 elements for the element-wise kernels
 * (weights viewed as [16384, 4096]), [4096, 4096] for the 2:4 mask, [512, 512, 3, 3] for filter ranking. Outputs are
 * written into buffers allocated once (as a training loop reuses them); {@code baselineCopy} is a plain copy of the
 * same 64 M floats (one read, one write) in the same run. GB/s = bytes read + written / time (docs/performance.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "--add-modules=jdk.incubator.vector"})
public class KernelBenchmark {

    static final int ROWS = 16384;
    static final int COLS = 4096;

    @Param({"2"})
    int threads;

    Kernels kernels;
    INDArray x;
    INDArray g;
    INDArray y;
    INDArray dy;
    INDArray w24;
    INDArray mask;
    INDArray filters;
    float[] scale;
    INDArray calibration;
    ClipState clips = ClipState.of(3f, -3f);

    @Setup
    public void setup() {
        kernels = Backends.select().kernels(threads);
        x = KernelBench.random(1, ROWS, COLS);
        g = KernelBench.random(2, ROWS, COLS);
        y = Tensors.newFloat32(ROWS, COLS);
        dy = Tensors.newFloat32(ROWS, COLS);
        w24 = KernelBench.random(3, 4096, 4096);
        mask = Tensors.newFloat32(4096, 4096);
        filters = KernelBench.random(4, 512, 512, 3, 3);
        calibration = KernelBench.random(5, 1 << 20);
        scale = kernels.weightUlqForwardInto(x, WeightLayout.COUT_FIRST, null, 8, true, y).scale();
        y.assign(0);
        dy.assign(0);
        mask.assign(0);
    }

    @TearDown
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public Object baselineCopy() {
        FloatBuffer src = x.data().asNioFloat();
        FloatBuffer dst = y.data().asNioFloat();
        dst.put(0, src, 0, src.limit());
        return dst;
    }

    @Benchmark
    public Object arqPerChannel() {
        return kernels.arqInto(x, WeightLayout.COUT_FIRST, 8, true, y);
    }

    @Benchmark
    public Object arqPerTensor() {
        return kernels.arqInto(x, WeightLayout.COUT_FIRST, 8, false, y);
    }

    @Benchmark
    public Object ulqForward() {
        return kernels.ulqForwardInto(x, clips, 8, false, y);
    }

    @Benchmark
    public Object ulqForwardBackward() {
        UlqActivation.Forward f = kernels.ulqForwardInto(x, clips, 8, false, y);
        return kernels.ulqBackwardInto(x, g, f.clipMax(), f.clipMin(), 8, dy);
    }

    @Benchmark
    public Object ulqBackward() {
        return kernels.ulqBackwardInto(x, g, 3f, -3f, 8, dy);
    }

    @Benchmark
    public Object weightUlqBackward() {
        return kernels.weightUlqBackward(x, WeightLayout.COUT_FIRST, g, scale, 8);
    }

    /** IFMR on 1 M activations (61 candidates), the size `bench kernels` and the issue quote. */
    @Benchmark
    public Object ifmr1M() {
        return kernels.ifmr(calibration, Ifmr.Params.qatDefaults(8));
    }

    @Benchmark
    public Object weightUlqForward() {
        return kernels.weightUlqForwardInto(x, WeightLayout.COUT_FIRST, scale, 8, true, y);
    }

    @Benchmark
    public Object selectiveMask4096() {
        return kernels.selectiveMaskInto(w24, 1, mask);
    }

    @Benchmark
    public Object filterRanking512() {
        return kernels.filterPrune("bench", List.of(filters), new int[]{0}, 0.3, 1, false);
    }

    @Benchmark
    public Object ulqForwardAllocating() {
        UlqActivation.Forward f = kernels.ulqForward(x, clips, 8, false);
        f.output().close();
        return f;
    }
}
