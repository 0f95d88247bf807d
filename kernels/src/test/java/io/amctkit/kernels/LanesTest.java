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

/**
 * The SIMD loops give bit-identical results to the scalar loops and to the plain formulas, reading and writing direct
 * buffers at an offset, and the test JVM really runs them.
 */
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

    /** {@code x} in a fresh direct buffer (native order) after {@code pad} floats of garbage. */
    private static ByteBuffer direct(float[] x, int pad) {
        ByteBuffer bytes = ByteBuffer.allocateDirect((x.length + pad) * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < pad; i++) {
            bytes.putFloat(i * Float.BYTES, 1e30f);
        }
        for (int i = 0; i < x.length; i++) {
            bytes.putFloat((pad + i) * Float.BYTES, x[i]);
        }
        return bytes;
    }

    private static float[] read(ByteBuffer bytes, int from, int len) {
        float[] out = new float[len];
        bytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(from, out, 0, len);
        return out;
    }

    private static void assertBitsEqual(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++) {
            int k = i;
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                    () -> what + " at " + k + ": " + expected[k] + " vs " + got[k]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 1000, 1024, 1025, 4099, 9 * 512})
    void blockedSumOfSquaresFromTheBufferIsBitIdenticalToStagedBlocks(int len) {
        float[] x = random(len, 11 + len);
        ByteBuffer bytes = direct(x, 3);
        double staged = 0;
        for (int i = 0; i < len; i += 1024) {
            int n = Math.min(1024, len - i);
            staged += ScalarLanes.sumOfSquares(java.util.Arrays.copyOfRange(x, i, i + n), n);
        }
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            assertEquals(Double.doubleToRawLongBits(staged), Double.doubleToRawLongBits(lanes.sumOfSquares(bytes, 3, len)),
                    lanes.describe());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4096, 4099})
    void fakeQuantInPlaceOfTheBufferIsBitIdentical(int len) {
        float[] x = random(len, 5 + len);
        for (int i = 0; i < len; i += 7) {
            x[i] = (i % 255 - 127 + 0.5f) * 0.03125f;   // exact halves of the scale: round half to even decides
        }
        for (float[] q : new float[][]{{-128, 127, 0.03125f, 0}, {-8, 7, 0.3f, 0}, {-128, 127, 0.01f, 3}}) {
            float[] expected = new float[len];
            FakeQuant.block(x, expected, len, q[2], q[3], q[0], q[1]);
            for (Lanes lanes : new Lanes[]{scalar, simd}) {
                ByteBuffer in = direct(x, 2);
                ByteBuffer out = direct(new float[len], 2);
                assertEquals(-1, lanes.fakeQuant(in, out, 2, len, q[2], q[3], q[0], q[1], true));
                assertBitsEqual(expected, read(out, 2, len), lanes.describe());
                assertEquals(1e30f, read(out, 0, 2)[1], "nothing written before the range");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 16, 1023, 1500, 4098})
    void fakeQuantNamesTheFirstValueThatIsNotFinite(int at) {
        float[] x = random(4099, at);
        x[at] = at % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
        x[4098] = Float.POSITIVE_INFINITY;
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            ByteBuffer out = direct(new float[4099], 1);
            assertEquals(1 + at, lanes.fakeQuant(direct(x, 1), out, 1, 4099, 0.05f, 0, -128, 127, true), lanes.describe());
            assertEquals(-1, lanes.fakeQuant(direct(x, 1), out, 1, 4099, 0.05f, 0, -128, 127, false), lanes.describe());
            assertEquals(127 * 0.05f, read(out, 1, 4099)[4098], "+Infinity saturates");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4099})
    void deployLevelsAreTheReferenceFormulaBitForBit(int len) {
        float[] x = random(len, 9 + len);
        float inv = DeployQuant.reciprocal(0.0235294f);
        for (int i = 0; i < len; i += 5) {
            x[i] = switch (i % 4) {
                case 0 -> (i % 200 - 100 + 0.5f) / inv;   // near ties
                case 1 -> -0f;
                case 2 -> i % 3 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                default -> -0.2f / inv;                    // rounds to −0 in the formula's rint: must be +0
            };
        }
        for (int offset : new int[]{0, -3}) {
            float[] expected = new float[len];
            for (int i = 0; i < len; i++) {
                expected[i] = Math.min(Math.max((float) Math.rint(x[i] * inv + offset), -128f), 127f) + 0f;
            }
            for (Lanes lanes : new Lanes[]{scalar, simd}) {
                ByteBuffer out = direct(new float[len], 0);
                lanes.deployLevels(direct(x, 0), out, 0, len, inv, offset, -128, 127);
                assertBitsEqual(expected, read(out, 0, len), lanes.describe() + " offset " + offset);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 16, 20, 64, 1000, 1024, 4100})
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
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            ByteBuffer keep = direct(new float[len], 4);
            lanes.twoOfFour(direct(w, 4), keep, 4, len);
            float[] got = read(keep, 4, len);
            assertArrayEquals(expected, got, lanes.describe());
            for (int g = 0; g < len; g += 4) {
                assertEquals(2f, got[g] + got[g + 1] + got[g + 2] + got[g + 3], "two kept per group at " + g);
            }
        }
    }

    /**
     * Blocks without ties take the vector loop; a block with one tie straddling the keep boundary (2nd and 3rd largest
     * equal) or one NaN must go the scalar way, and only that block: the masks agree with the scalar loop's everywhere.
     */
    @Test
    void oneTieOrNanSendsOnlyItsVectorToTheScalarLoop() {
        int len = 3 * 4096 + 12;
        float[] w = random(len, 77);
        w[5000] = 1f;   // group 5000..5003: 2nd and 3rd largest |w| equal, smallest and largest around them
        w[5001] = -1f;
        w[5002] = 0.5f;
        w[5003] = 2f;
        float[] expected = new float[len];
        ScalarLanes.twoOfFour(w, expected, 0, len, 0);
        assertEquals(1f, expected[5000] + expected[5001], "torch keeps one of the tied pair");
        ByteBuffer keep = direct(new float[len], 0);
        simd.twoOfFour(direct(w, 0), keep, 0, len);
        assertArrayEquals(expected, read(keep, 0, len));
        w[9000] = Float.NaN;
        KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                () -> simd.twoOfFour(direct(w, 0), direct(new float[len], 0), 0, len));
        assertTrue(e.getMessage().contains("flat indices 9000..9003"), e.getMessage());
    }

    /**
     * The packed mask with ties of every shape (pairs, triples, all four equal, signed zeros; a few levels only, as in a
     * low-precision checkpoint): SIMD, which redoes only a word's groups that did not keep two, gives the scalar loop's
     * words and counts; a NaN is named by its flat index.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 4096, 4100})
    void twoOfFourPackedWithTiesIsTheScalarLoops(int len) {
        java.util.Random r = new java.util.Random(len);
        float[] levels = {0f, -0f, 0.5f, -0.5f, 1f, -1f, 2f, 3f};
        float[] w = random(len, 11 + len);
        for (int i = 0; i < len; i++) {
            if (r.nextInt(3) > 0) {
                w[i] = levels[r.nextInt(levels.length)];
            }
        }
        int words = (len + 63) / 64;
        long[] expected = new long[words + 1];
        long keptScalar = scalar.twoOfFourPacked(direct(w, 8), 8, len, expected, 1);
        long[] got = new long[words + 1];
        long kept = simd.twoOfFourPacked(direct(w, 8), 8, len, got, 1);
        assertArrayEquals(expected, got);
        assertEquals(keptScalar, kept);
        assertEquals(len / 2, kept, "two of every four, ties broken");
        // the same values stored as BF16 (truncated: ties of their own), packed without widening, SIMD and scalar
        ByteBuffer bf16 = ByteBuffer.allocateDirect(2 * (len + 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; i++) {
            bf16.putShort(2 * (8 + i), (short) (Float.floatToRawIntBits(w[i]) >>> 16));
            w[i] = Float.intBitsToFloat(Float.floatToRawIntBits(w[i]) & 0xffff0000);
        }
        long[] fromFloats = new long[words + 1];
        scalar.twoOfFourPacked(direct(w, 8), 8, len, fromFloats, 1);
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            long[] packed = new long[words + 1];
            assertEquals(len / 2, lanes.twoOfFourPackedBf16(bf16, 8, len, packed, 1), lanes.describe());
            assertArrayEquals(fromFloats, packed, lanes.describe() + ": BF16 as their exact floats");
        }
        w[len - 3] = Float.NaN;
        bf16.putShort(2 * (8 + len - 3), (short) 0xffc1);   // a negative NaN with a payload
        int group = 8 + (len - 3) / 4 * 4;
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> lanes.twoOfFourPacked(direct(w, 8), 8, len, new long[words], 0));
            assertTrue(e.getMessage().contains("flat indices " + group + ".." + (group + 3)), e.getMessage());
            KernelException b = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> lanes.twoOfFourPackedBf16(bf16, 8, len, new long[words], 0));
            assertTrue(b.getMessage().contains("flat indices " + group + ".." + (group + 3)), b.getMessage());
        }
    }

    @Test
    void twoOfFourNamesTheNan() {
        float[] w = random(64, 1);
        w[37] = Float.NaN;
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                    () -> lanes.twoOfFour(direct(w, 1000), direct(new float[64], 1000), 1000, 64));
            assertTrue(e.getMessage().contains("flat indices 1036..1039"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 17, 1000, 1024, 5000})
    void ulqGradientIsBitIdenticalAndSumsTheTerms(int len) {
        float[] x = random(len, 21 + len);
        float[] g = random(len, 22 + len);
        for (int i = 0; i < len; i += 11) {
            x[i] = i % 3 == 0 ? 5f : 0.5f * 0.0235294f;   // saturated and exact half steps
            g[i] = i % 2 == 0 ? -0f : g[i];
        }
        float hi = 2.99f;
        float lo = -3.01f;
        float s = 0.0235294f;
        float inv = 1f / 255;
        float[][] dx = new float[2][];
        double[][] sums = new double[2][2];
        Lanes[] both = {scalar, simd};
        for (int a = 0; a < 2; a++) {
            ByteBuffer out = direct(new float[len], 2);
            sums[a][0] = 0.25;   // the lanes add to what is there
            both[a].ulqGradient(direct(x, 2), direct(g, 2), out, 2, len, hi, lo, 3f, -3f, s, inv, sums[a]);
            dx[a] = read(out, 2, len);
        }
        assertBitsEqual(dx[0], dx[1], "dx");
        assertEquals(Double.doubleToRawLongBits(sums[0][0]), Double.doubleToRawLongBits(sums[1][0]), "clip_max sum");
        assertEquals(Double.doubleToRawLongBits(sums[0][1]), Double.doubleToRawLongBits(sums[1][1]), "clip_min sum");
        double ta = 0.25;
        double tb = 0;
        double magnitude = 0;
        for (int i = 0; i < len; i++) {
            float u = x[i] > hi ? 1f : 0f;
            float l = x[i] < lo ? 1f : 0f;
            float t = (x[i] > hi ? 3f : (x[i] < lo ? -3f : x[i])) / s;
            float e = ((float) Math.rint(t) - t) * inv;
            assertEquals(u + l == 0 ? g[i] + 0f : 0f, dx[0][i], "dx at " + i);
            ta += (e + u) * g[i];
            tb += (l - e) * g[i];
            magnitude += Math.abs((e + u) * g[i]) + Math.abs((l - e) * g[i]);
        }
        assertEquals(ta, sums[0][0], 1e-7 * magnitude);   // one float rounding per pair of terms
        assertEquals(tb, sums[0][1], 1e-7 * magnitude);
    }

    /**
     * BF16 values read two per int lane give what their exact floats give, bit for bit: the error sums (every block and
     * tail length), and max/min with signed zeros, infinities and NaN.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 1000, 1024, 1040, 4096, 5000})
    void bf16LoopsGiveTheirFloatsResults(int len) {
        float[] x = random(len, 41 + len);
        ByteBuffer bf16 = ByteBuffer.allocateDirect(2 * (len + 3)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < len; i++) {
            if (i % 29 == 0) {
                x[i] = i % 2 == 0 ? -0f : 5f;   // signed zeros and saturating values
            }
            bf16.putShort(2 * (3 + i), (short) (Float.floatToRawIntBits(x[i]) >>> 16));
            x[i] = Float.intBitsToFloat(Float.floatToRawIntBits(x[i]) & 0xffff0000);
        }
        float s = 0.0235294f;
        double[] expected = new double[4];
        scalar.quantError(direct(x, 3), 3, len, s, -128, 127, expected);
        float[] mm = new float[2];
        scalar.maxMin(direct(x, 3), 3, len, mm);
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            double[] acc = new double[4];
            lanes.quantErrorBf16(bf16, 3, len, s, -128, 127, acc);
            assertArrayEquals(expected, acc, lanes.describe());
            float[] got = new float[2];
            lanes.maxMinBf16(bf16, 3, len, got);
            assertBitsEqual(mm, got, lanes.describe());
        }
        for (short special : new short[]{(short) 0x7f80, (short) 0xff80, (short) 0x7fc1, (short) 0x8000}) {
            bf16.putShort(2 * (3 + len / 2), special);
            x[len / 2] = Float.intBitsToFloat(special << 16);
            scalar.maxMin(direct(x, 3), 3, len, mm);
            for (Lanes lanes : new Lanes[]{scalar, simd}) {
                float[] got = new float[2];
                lanes.maxMinBf16(bf16, 3, len, got);
                assertBitsEqual(mm, got, lanes.describe() + " with " + Integer.toHexString(special & 0xffff));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4096, 5000})
    void quantErrorIsBitIdenticalAndMeasuresTheFakeQuantization(int len) {
        float[] w = random(len, 41 + len);
        float s = 0.4f / 127;
        for (int i = 0; i < len; i += 9) {
            w[i] = i % 2 == 0 ? 3f : -3f;   // clipped at both ends
        }
        double[] fromSimd = new double[4];
        double[] fromScalar = new double[4];
        simd.quantError(direct(w, 5), 5, len, s, -128, 127, fromSimd);
        scalar.quantError(direct(w, 5), 5, len, s, -128, 127, fromScalar);
        for (int k = 0; k < 4; k++) {
            assertEquals(Double.doubleToRawLongBits(fromScalar[k]), Double.doubleToRawLongBits(fromSimd[k]), "sum " + k);
        }
        // independently: the fake-quantized weight, then the four figures in plain double arithmetic
        float[] q = new float[len];
        FakeQuant.block(w, q, len, s, 0, -128, 127);
        double signal = 0;
        double noise = 0;
        double largest = 0;
        long saturated = 0;
        for (int i = 0; i < len; i++) {
            double e = (double) w[i] - q[i];
            signal += (double) w[i] * w[i];
            noise += e * e;
            largest = Math.max(largest, Math.abs(e));
            saturated += q[i] <= -128 * s || q[i] >= 127 * s ? 1 : 0;
        }
        assertEquals(signal, fromSimd[0], 1e-6 * signal);
        assertEquals(noise, fromSimd[1], 1e-6 * noise);
        assertEquals(largest, fromSimd[2], 1e-6 * largest);
        assertEquals(saturated, (long) fromSimd[3]);
        assertTrue(saturated >= len / 9, "the clipped values count as saturated");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 1000, 4096, 4100, 9000})
    void bf16WidensToTheFloatWithThoseUpperBits(int len) {
        ByteBuffer src = ByteBuffer.allocateDirect(2 * len + 6).order(ByteOrder.LITTLE_ENDIAN);
        short[] halves = new short[len];
        Random r = new Random(len);
        for (int i = 0; i < len; i++) {
            halves[i] = (short) r.nextInt();   // every pattern: signs, subnormals, infinities, NaN payloads
            src.putShort(6 + 2 * i, halves[i]);
        }
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            ByteBuffer dst = direct(new float[len], 3);
            lanes.widenBf16(src, 6, dst, 3, len);
            for (int i = 0; i < len; i++) {
                assertEquals((halves[i] & 0xffff) << 16, dst.getInt((3 + i) * Float.BYTES), lanes.describe() + " at " + i);
            }
            assertEquals(1e30f, read(dst, 0, 3)[2], "nothing written before the range");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 63, 64, 65, 1000, 4096, 4100})
    void maskBitsAreNumpysPackbitsInLittleEndianWords(int len) {
        float[] m = new float[len];
        Random r = new Random(len);
        long ones = 0;
        for (int i = 0; i < len; i++) {
            m[i] = r.nextBoolean() ? 1f : 0f;
            ones += (long) m[i];
        }
        long[] words = new long[(len + 63) / 64 + 2];
        java.util.Arrays.fill(words, -1L);
        assertEquals(ones, MaskBits.pack(direct(m, 3), 3, len, words, 1));
        assertEquals(-1L, words[0], "nothing written before the first word");
        for (int i = 0; i < len; i++) {
            int b = (int) (words[1 + i / 64] >>> (8 * ((i / 8) % 8))) & 0xff;   // byte i/8, little-endian in its word
            assertEquals((int) m[i], b >>> (7 - i % 8) & 1, "element " + i + ": the first of a byte is its top bit");
        }
        for (int i = len; i < (len + 63) / 64 * 64; i++) {
            int b = (int) (words[1 + i / 64] >>> (8 * ((i / 8) % 8))) & 0xff;
            assertEquals(0, b >>> (7 - i % 8) & 1, "padding bit " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 17, 1000, 5000})
    void scaleGradientIsBitIdenticalAndSumsTheTerms(int len) {
        float[] w = random(len, 31 + len);
        float[] g = random(len, 32 + len);
        float s = 0.02f;
        for (int i = 0; i < len; i += 7) {
            w[i] = i % 2 == 0 ? 3f : -3f;   // beyond both saturation points
        }
        double simdSum = simd.scaleGradient(direct(w, 1), direct(g, 1), 1, len, s, 128f, 0.01f);
        double scalarSum = scalar.scaleGradient(direct(w, 1), direct(g, 1), 1, len, s, 128f, 0.01f);
        assertEquals(Double.doubleToRawLongBits(scalarSum), Double.doubleToRawLongBits(simdSum));
        double plain = 0;
        double magnitude = 0;
        for (int i = 0; i < len; i++) {
            float x = w[i] / s;
            float t = w[i] > s * 127 ? 127f : (w[i] < -s * 128 ? -128f : (float) Math.rint(x) - x);
            plain += (t * 0.01f) * g[i];
            magnitude += Math.abs((t * 0.01f) * g[i]);
        }
        assertEquals(plain, scalarSum, 1e-7 * magnitude);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 17, 61})
    void squaredErrorsOfEveryCandidateAreBitIdenticalToOnePassEach(int candidates) {
        float[] d = random(3001, candidates);
        float[] hi = new float[candidates];
        float[] lo = new float[candidates];
        float[] scale = new float[candidates];
        for (int i = 0; i < candidates; i++) {
            hi[i] = (0.7f + 0.01f * i) * 4f;
            lo[i] = i % 3 == 0 ? -hi[i] : -1.5f;
            scale[i] = (hi[i] - lo[i]) / 255f;
        }
        double[] expected = new double[candidates];
        for (int i = 0; i < candidates; i++) {
            double sum = 0;
            for (float v : d) {
                float clipped = v < lo[i] ? lo[i] : (v > hi[i] ? hi[i] : v);
                float e = (float) Math.rint(clipped / scale[i]) * scale[i] - v;
                sum += e * e;
            }
            expected[i] = sum;
        }
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            double[] got = new double[candidates];
            lanes.squaredErrors(d, hi, lo, scale, got);
            for (int i = 0; i < candidates; i++) {
                assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(got[i]),
                        lanes.describe() + " candidate " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 64, 65, 1000, 4096, 4099})
    void maxMinOfTheBufferIsIdentical(int len) {
        float[] x = random(len, len);
        float hi = Float.NEGATIVE_INFINITY;
        float lo = Float.POSITIVE_INFINITY;
        for (float v : x) {
            hi = Math.max(hi, v);
            lo = Math.min(lo, v);
        }
        for (Lanes lanes : new Lanes[]{scalar, simd}) {
            float[] mm = new float[2];
            lanes.maxMin(direct(x, 5), 5, len, mm);
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
            scalar.maxMin(direct(x, 0), 0, x.length, a);
            simd.maxMin(direct(x, 0), 0, x.length, b);
            assertEquals(Float.floatToRawIntBits(a[0]), Float.floatToRawIntBits(b[0]));
            assertEquals(Float.floatToRawIntBits(a[1]), Float.floatToRawIntBits(b[1]));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 256, 257, 1000})
    void orderStatisticsAreTheSortedArraysEntries(int k) {
        float[] d = random(1000, k);
        for (int i = 0; i < d.length; i += 17) {
            d[i] = d[(i * 7) % d.length];   // duplicates
        }
        for (int i = 3; i < d.length; i += 50) {
            d[i] = i % 2 == 0 ? -0f : 0f;
        }
        float[] sorted = d.clone();
        java.util.Arrays.sort(sorted);
        for (int other : new int[]{1, k, 300}) {
            OrderStatistic.Extremes e = OrderStatistic.of(d, k, other);
            assertEquals(Float.floatToRawIntBits(sorted[d.length - k]), Float.floatToRawIntBits(e.largest()), "k-th largest");
            assertEquals(Float.floatToRawIntBits(sorted[other - 1]), Float.floatToRawIntBits(e.smallest()), "k-th smallest");
            assertEquals(-1, e.firstNotFinite());
        }
        d[700] = Float.POSITIVE_INFINITY;
        d[900] = Float.NaN;
        assertEquals(700, OrderStatistic.of(d, k, 1).firstNotFinite());
        assertEquals(700, OrderStatistic.of(d, 1, 500).firstNotFinite());
    }

    @Test
    void anOrderStatisticOutsideTheDataIsAClearError() {
        KernelException e = org.junit.jupiter.api.Assertions.assertThrows(KernelException.class,
                () -> OrderStatistic.of(new float[3], 4, 1));
        assertTrue(e.getMessage().contains("percentile"), e.getMessage());
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
