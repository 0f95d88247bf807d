package io.amctkit.bench;

import io.amctkit.kernels.ArqWeights;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.kernels.Parallel;
import io.amctkit.kernels.QuantError;
import io.amctkit.kernels.SelectiveMask;
import io.amctkit.kernels.Tensors;
import io.amctkit.kernels.WeightLayout;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What a report does to one LLaMA-7B MLP weight ([11008, 4096], BF16 as stored, Gaussian σ = 0.02 so that ties occur
 * as in real BF16 weights), each against the way it was done before in the same run: widening the stored BF16 into
 * float32 ({@code widenBf16}; baseline {@code copyFloat32}, a plain copy of the float32 array), ARQ's factors and
 * error without the fake-quantized weight ({@code arqSummary}; before: {@code arqThenError}, ARQ's output then its
 * error measured), and the packed 2:4 mask made from the weights ({@code twoFourPacked}; before:
 * {@code twoFourFloatMaskThenPack}); and both on the BF16 weight as stored ({@code arqSummaryBf16},
 * {@code twoFourPackedBf16}: widened a range at a time, against {@code widenBf16} plus the float32 step).
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "--add-modules=jdk.incubator.vector"})
public class LlmLayerBenchmark {

    static final int ROWS = 11008;
    static final int COLS = 4096;

    @Param({"2"})
    int threads;

    Kernels kernels;
    ByteBuffer bf16;
    INDArray weight;
    INDArray weightBf16;
    INDArray copy;
    INDArray out;

    @Setup
    public void setup() {
        kernels = Backends.select().kernels(threads);
        int n = ROWS * COLS;
        bf16 = ByteBuffer.allocateDirect(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            bf16.putShort(2 * i, (short) (Float.floatToRawIntBits((float) (r.nextGaussian() * 0.02)) >>> 16));
        }
        weight = Tensors.newFloat32(ROWS, COLS);
        Tensors.widenBf16(bf16.position(0), n, weight, 0);
        weightBf16 = weight.castTo(org.nd4j.linalg.api.buffer.DataType.BFLOAT16);   // exact: the values are BF16's
        copy = Tensors.newFloat32(ROWS, COLS);
        out = Tensors.newFloat32(ROWS, COLS);
        copy.assign(0);
        out.assign(0);
    }

    @TearDown
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public Object copyFloat32() {
        Tensors.floats(copy).put(0, Tensors.floats(weight), 0, ROWS * COLS);
        return copy;
    }

    @Benchmark
    public Object widenBf16() {
        Tensors.widenBf16(bf16.position(0), ROWS * COLS, copy, 0);
        return copy;
    }

    @Benchmark
    public Object arqThenError() {
        ArqWeights.Result r = kernels.arqInto(weight, WeightLayout.COUT_FIRST, 8, false, out);
        return QuantError.between(Tensors.floats(weight), Tensors.floats(out), r.factors().scale(), 8);
    }

    @Benchmark
    public Object arqSummary() {
        return kernels.arqSummary(weight, WeightLayout.COUT_FIRST, 8, false);
    }

    @Benchmark
    public Object arqSummaryBf16() {
        return kernels.arqSummary(weightBf16, WeightLayout.COUT_FIRST, 8, false);
    }

    @Benchmark
    public Object twoFourFloatMaskThenPack() {
        return SelectiveMask.pack(kernels.selectiveMaskInto(weight, 1, out), 1, Parallel.sequential());
    }

    @Benchmark
    public Object twoFourPacked() {
        return kernels.selectiveMaskPacked(weight, 1);
    }

    @Benchmark
    public Object twoFourPackedBf16() {
        return kernels.selectiveMaskPacked(weightBf16, 1);
    }
}
