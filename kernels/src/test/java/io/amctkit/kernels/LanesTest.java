package io.amctkit.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SIMD loops give bit-identical results to the scalar loops, and the test JVM really runs them. */
class LanesTest {

    private final Lanes simd = Lanes.best();
    private final Lanes scalar = Lanes.scalar();

    /**
     * The SIMD loops need float vectors of at least 256 bits; where the CPU has narrower ones (NEON on aarch64 Ascend
     * hosts) the kernels run the scalar loops, and these comparisons are skipped, visibly, rather than failed.
     */
    @org.junit.jupiter.api.BeforeEach
    void simdNeedsWideVectors() {
        boolean resolved = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        // without the module the comparisons would test nothing: that is a build error, not a reason to skip
        assertTrue(resolved, "surefire's argLine must resolve jdk.incubator.vector (--add-modules)");
        int bits = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        org.junit.jupiter.api.Assumptions.assumeTrue(bits >= 256, "skipped: this CPU's float vectors are " + bits
                + " bits (< 256), so the kernels run the scalar loops and there is no SIMD loop to compare");
    }

    @Test
    void theBuildRunsTheKernelsWithSimd() {
        // surefire's argLine resolves jdk.incubator.vector: without it these comparisons would test nothing
        assertNotSame(scalar, simd, simd.describe());
        assertTrue(simd.describe().startsWith("SIMD"), simd.describe());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 63, 64, 65, 1000, 1024, 4096, 4099})
    void sumOfSquaresIsBitIdentical(int len) {
        float[] x = random(len, 7 + len);
        assertEquals(Double.doubleToRawLongBits(scalar.sumOfSquares(x, len)), Double.doubleToRawLongBits(simd.sumOfSquares(x, len)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 1000, 1024, 1025, 4099, 9 * 512})
    void blockedSumOfSquaresFromTheBufferIsBitIdenticalToStagedBlocks(int len) {
        float[] x = random(len + 3, 11 + len);
        ByteBuffer bytes = ByteBuffer.allocateDirect((len + 3) * Float.BYTES).order(ByteOrder.nativeOrder());
        bytes.asFloatBuffer().put(x);
        double staged = 0;
        for (int i = 0; i < len; i += 1024) {
            int n = Math.min(1024, len - i);
            staged += scalar.sumOfSquares(java.util.Arrays.copyOfRange(x, 3 + i, 3 + i + n), n);
        }
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            double direct = lanes.sumOfSquares(bytes, 3, len, 1024, new float[1024]);
            assertEquals(Double.doubleToRawLongBits(staged), Double.doubleToRawLongBits(direct), lanes.describe());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4096, 4099})
    void fakeQuantIntoTheBufferIsBitIdentical(int len) {
        float[] x = random(len, 5 + len);
        for (int i = 0; i < len; i += 7) {
            x[i] = (i % 255 - 127 + 0.5f) * 0.03125f;   // exact halves of the scale: round half to even decides
        }
        for (float[] q : new float[][]{{-128, 127, 0.03125f, 0}, {-8, 7, 0.3f, 0}, {-128, 127, 0.01f, 3}}) {
            float[] expected = new float[len];
            FakeQuant.block(x, expected, len, q[2], q[3], q[0], q[1]);
            for (Lanes lanes : new Lanes[]{scalar, simd}) {
                ByteBuffer out = ByteBuffer.allocateDirect((len + 2) * Float.BYTES).order(ByteOrder.nativeOrder());
                lanes.fakeQuantInto(x.clone(), len, q[2], q[3], q[0], q[1], out, 2);
                float[] got = new float[len];
                out.asFloatBuffer().get(2, got, 0, len);
                for (int i = 0; i < len; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), lanes.describe() + " at " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 16, 20, 64, 1000, 1024})
    void twoOfFourIsIdenticalWithTiesZerosAndSignedZeros(int len) {
        float[] w = random(len, 3 + len);
        for (int i = 0; i < len; i += 9) {
            w[i] = w[i ^ 1];                 // ties inside a group
        }
        for (int i = 2; i < len; i += 13) {
            w[i] = i % 2 == 0 ? -0f : 0f;    // zeros and signed zeros tie too
        }
        float[] expected = new float[len];
        ScalarLanes.twoOfFour(w, expected, 0, len, 0);
        float[] got = new float[len];
        simd.twoOfFour(w, got, len, 0);
        assertArrayEquals(expected, got);
        for (int g = 0; g < len; g += 4) {
            assertEquals(2f, got[g] + got[g + 1] + got[g + 2] + got[g + 3], "two kept per group at " + g);
        }
    }

    @Test
    void twoOfFourNamesTheNan() {
        float[] w = random(64, 1);
        w[37] = Float.NaN;
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> lanes.twoOfFour(w, new float[64], 64, 1000));
            assertTrue(e.getMessage().contains("flat indices 1036..1039"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 17, 1000, 1024})
    void ulqGradientIsBitIdentical(int len) {
        float[] x = random(len, 21 + len);
        float[] g = random(len, 22 + len);
        for (int i = 0; i < len; i += 11) {
            x[i] = i % 3 == 0 ? Float.NaN : 0.5f * 0.0235294f;   // NaN and exact half steps
            g[i] = i % 2 == 0 ? -0f : g[i];
        }
        float[][] scalarOut = new float[3][len];
        float[][] simdOut = new float[3][len];
        scalar.ulqGradient(x, g, scalarOut[0], scalarOut[1], scalarOut[2], len, 2.99f, -3.01f, 3f, -3f, 0.0235294f, 1f / 255);
        simd.ulqGradient(x, g, simdOut[0], simdOut[1], simdOut[2], len, 2.99f, -3.01f, 3f, -3f, 0.0235294f, 1f / 255);
        for (int a = 0; a < 3; a++) {
            for (int i = 0; i < len; i++) {
                assertEquals(Float.floatToRawIntBits(scalarOut[a][i]), Float.floatToRawIntBits(simdOut[a][i]), "output " + a + " at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 64, 65, 1000, 4096, 4099})
    void maxMinIsIdenticalAndLoadCopiesTheRow(int len) {
        float[] x = random(len + 5, len);
        ByteBuffer bytes = ByteBuffer.allocateDirect((len + 5) * Float.BYTES).order(ByteOrder.nativeOrder());
        bytes.asFloatBuffer().put(x);
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            float[] row = new float[len];
            float[] mm = new float[2];
            lanes.loadMaxMin(bytes, 5, row, len, mm);
            float[] expected = java.util.Arrays.copyOfRange(x, 5, len + 5);
            assertArrayEquals(expected, row, lanes.describe());
            float[] direct = new float[2];
            lanes.maxMin(expected, len, direct);
            assertArrayEquals(direct, mm);
            float hi = Float.NEGATIVE_INFINITY;
            float lo = Float.POSITIVE_INFINITY;
            for (float v : expected) {
                hi = Math.max(hi, v);
                lo = Math.min(lo, v);
            }
            assertArrayEquals(new float[]{hi, lo}, mm, lanes.describe());
        }
    }

    @Test
    void maxMinKeepsNanSignedZeroAndInfinityLikeMathMaxMin() {
        float[][] cases = {
                fill(100, -0f, 0f), fill(100, 0f, -0f), fill(200, 1f, Float.NaN), fill(300, Float.POSITIVE_INFINITY, -2f),
                fill(70, -1f, Float.NEGATIVE_INFINITY)};
        for (float[] x : cases) {
            float[] a = new float[2];
            float[] b = new float[2];
            scalar.maxMin(x, x.length, a);
            simd.maxMin(x, x.length, b);
            assertEquals(Float.floatToRawIntBits(a[0]), Float.floatToRawIntBits(b[0]));
            assertEquals(Float.floatToRawIntBits(a[1]), Float.floatToRawIntBits(b[1]));
        }
    }

    /** {@code n} copies of {@code a} with {@code b} at index n − 3 (inside the vector loop or its tail). */
    private static float[] fill(int n, float a, float b) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, a);
        x[n - 3] = b;
        return x;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 3));
        }
        return x;
    }
}
