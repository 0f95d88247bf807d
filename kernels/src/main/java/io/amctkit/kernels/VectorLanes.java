package io.amctkit.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link Lanes} on the JDK's Vector API, loading and storing ND4J's direct buffers in place (no heap staging). The
 * element-wise loops use the widest float vectors of the CPU (256 or 512 bits); the loops whose sums must equal the
 * scalar ones use 256-bit float vectors: the sum of squares keeps its sixteen float lanes as two vectors, the gradient
 * sums add the two halves of each sixteen in float and widen that to eight double lanes ({@link Lanes#sumTerms}), and
 * IFMR widens each candidate's squared error to its own double lane. Clamps are compare-and-blend, which equals
 * {@code Math.max/min} here (the bounds are ordered, finite and never −0) and costs two instructions instead of
 * {@code max}'s NaN-safe sequence. Loaded only when {@code jdk.incubator.vector} is resolved.
 */
final class VectorLanes implements Lanes {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = SPECIES.withLanes(int.class);
    private static final int L = SPECIES.length();
    private static final int BYTES = L * Float.BYTES;
    /** Eight float lanes and their two four-lane double halves: the order-fixed sums. */
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    /** Eight shorts and eight ints: BF16 widening, and the bits of a packed 2:4 mask. */
    private static final VectorSpecies<Short> S8 = jdk.incubator.vector.ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int EXPONENT = 0x7f800000;

    /** Refuses (and so leaves the scalar loops in charge) where float vectors are narrower than 256 bits. */
    VectorLanes() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("float vectors of " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
    }

    private static FloatVector load(VectorSpecies<Float> species, ByteBuffer buf, long floatIndex) {
        return FloatVector.fromByteBuffer(species, buf, (int) (floatIndex * Float.BYTES), NATIVE);
    }

    /**
     * max/min on order keys: a float's bits XOR-ed with 0x7fffffff when negative compare as ints in the float order
     * (−0 below +0, NaN beyond ±∞ by its sign), so one integer max and min per vector replace the float max/min's
     * NaN- and zero-safe sequences. A NaN key on either side makes both results NaN, as {@code Math.max/min} do.
     */
    @Override
    public void maxMin(ByteBuffer src, int from, int len, float[] maxMin) {
        int full = len / (4 * L) * (4 * L);
        int[] keys = {Integer.MIN_VALUE, Integer.MAX_VALUE};
        int[] block = new int[2];
        for (int k = 0; k < full; k += STRIDE) {
            maxMinBlock(src, from + k, Math.min(STRIDE, full - k), block);
            keys[0] = Math.max(keys[0], block[0]);
            keys[1] = Math.min(keys[1], block[1]);
        }
        finishMaxMin(src, from, full, len, keys, maxMin);
    }

    /** Adds the floats {@code [full, len)} after {@code from} to the order keys and writes {max, min} as Math.max/min give. */
    private static void finishMaxMin(ByteBuffer src, int from, int full, int len, int[] keys, float[] maxMin) {
        for (int k = full; k < len; k++) {
            int key = orderKey(Float.floatToRawIntBits(src.getFloat((from + k) * Float.BYTES)));
            keys[0] = Math.max(keys[0], key);
            keys[1] = Math.min(keys[1], key);
        }
        maxMinOfKeys(keys, len, maxMin);
    }

    /**
     * BF16 values have their float's order keys: each int lane holds two (even value low, odd value high), shifted or
     * masked into float bits, keyed, and folded into the max and min keys.
     */
    @Override
    public void maxMinBf16(ByteBuffer src, int from, int len, float[] maxMin) {
        int full = len / 16 * 16;
        int[] keys = {Integer.MIN_VALUE, Integer.MAX_VALUE};
        int[] block = new int[2];
        for (int k = 0; k < full; k += STRIDE) {
            maxMinBf16Block(src, from + k, Math.min(STRIDE, full - k), block);
            keys[0] = Math.max(keys[0], block[0]);
            keys[1] = Math.min(keys[1], block[1]);
        }
        for (int k = full; k < len; k++) {
            int key = orderKey(Float.floatToRawIntBits(ScalarLanes.bf16(src, from + k)));
            keys[0] = Math.max(keys[0], key);
            keys[1] = Math.min(keys[1], key);
        }
        maxMinOfKeys(keys, len, maxMin);
    }

    /** {max key, min key} of {@code len} (a multiple of 16) BF16 values from element {@code from} into {@code keys}. */
    private static void maxMinBf16Block(ByteBuffer src, int from, int len, int[] keys) {
        IntVector magnitude = IntVector.broadcast(I8, 0x7fffffff);
        IntVector h = IntVector.broadcast(I8, Integer.MIN_VALUE);
        IntVector l = IntVector.broadcast(I8, Integer.MAX_VALUE);
        int end = 2 * (from + len);
        for (int b = 2 * from; b < end; b += 32) {
            IntVector v = IntVector.fromByteBuffer(I8, src, b, ByteOrder.LITTLE_ENDIAN);
            IntVector e = v.lanewise(VectorOperators.LSHL, 16);
            IntVector o = v.and(0xffff0000);
            e = e.lanewise(VectorOperators.XOR, e.lanewise(VectorOperators.ASHR, 31).and(magnitude));
            o = o.lanewise(VectorOperators.XOR, o.lanewise(VectorOperators.ASHR, 31).and(magnitude));
            h = h.max(e).max(o);
            l = l.min(e).min(o);
        }
        keys[0] = h.reduceLanes(VectorOperators.MAX);
        keys[1] = l.reduceLanes(VectorOperators.MIN);
    }

    /** {max, min} of the order keys of {@code len} values, as Math.max/min give (NaN when a key is beyond ±∞). */
    private static void maxMinOfKeys(int[] keys, int len, float[] maxMin) {
        int hiKey = keys[0];
        int loKey = keys[1];
        if (len == 0) {
            maxMin[0] = Float.NEGATIVE_INFINITY;
            maxMin[1] = Float.POSITIVE_INFINITY;
        } else if (hiKey > orderKey(Float.floatToRawIntBits(Float.POSITIVE_INFINITY))
                || loKey < orderKey(Float.floatToRawIntBits(Float.NEGATIVE_INFINITY))) {
            maxMin[0] = Float.NaN;
            maxMin[1] = Float.NaN;
        } else {
            maxMin[0] = Float.intBitsToFloat(orderKey(hiKey));
            maxMin[1] = Float.intBitsToFloat(orderKey(loKey));
        }
    }

    /** The order key of float bits (an involution: it also turns a key back into the bits). */
    static int orderKey(int bits) {
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** {max key, min key} of {@code len} (a multiple of 4·L) floats into {@code keys}. */
    private static void maxMinBlock(ByteBuffer src, int from, int len, int[] keys) {
        IntVector magnitude = IntVector.broadcast(INTS, 0x7fffffff);
        IntVector h0 = IntVector.broadcast(INTS, Integer.MIN_VALUE);
        IntVector l0 = IntVector.broadcast(INTS, Integer.MAX_VALUE);
        IntVector h1 = h0, l1 = l0;
        int end = (from + len) * Float.BYTES;
        for (int b = from * Float.BYTES; b < end; b += 2 * BYTES) {
            IntVector v0 = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE).reinterpretAsInts();
            IntVector v1 = FloatVector.fromByteBuffer(SPECIES, src, b + BYTES, NATIVE).reinterpretAsInts();
            v0 = v0.lanewise(VectorOperators.XOR, v0.lanewise(VectorOperators.ASHR, 31).and(magnitude));
            v1 = v1.lanewise(VectorOperators.XOR, v1.lanewise(VectorOperators.ASHR, 31).and(magnitude));
            h0 = h0.max(v0);
            l0 = l0.min(v0);
            h1 = h1.max(v1);
            l1 = l1.min(v1);
        }
        keys[0] = h0.max(h1).reduceLanes(VectorOperators.MAX);
        keys[1] = l0.min(l1).reduceLanes(VectorOperators.MIN);
    }

    @Override
    public double sumOfSquares(ByteBuffer src, int from, int len) {
        float[] lanes = new float[16];
        double total = 0;
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            int base = from + i;
            FloatVector lower = FloatVector.zero(F8);
            FloatVector upper = FloatVector.zero(F8);
            int k = 0;
            for (; k + 15 < n; k += 16) {
                FloatVector a = load(F8, src, base + k);
                FloatVector b = load(F8, src, base + k + 8);
                lower = lower.add(a.mul(a));
                upper = upper.add(b.mul(b));
            }
            lower.intoArray(lanes, 0);
            upper.intoArray(lanes, 8);
            double tail = 0;
            for (; k < n; k++) {
                float x = src.getFloat((base + k) * Float.BYTES);
                tail += (double) x * x;
            }
            total += ScalarLanes.combine(tail, lanes);
        }
        return total;
    }

    @Override
    public int fakeQuant(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                         boolean checkFinite) {
        int full = len / L * L;
        boolean finite = true;
        boolean plain = o == 0 && !checkFinite;   // x/s + 0 and q − 0 change nothing here (q is never −0): skip them
        for (int k = 0; k < full; k += STRIDE) {
            int n = Math.min(STRIDE, full - k);
            if (plain) {
                fakeQuantSymmetric(src, dst, from + k, n, s, qmin, qmax);
            } else {
                finite &= fakeQuantBlock(src, dst, from + k, n, s, o, qmin, qmax);
            }
        }
        finite &= fakeQuantTail(src, dst, from + full, len - full, s, o, qmin, qmax);
        return checkFinite && !finite ? firstNotFinite(src, from, len) : -1;
    }

    /** The scalar fake quantization of the last {@code len} (&lt; L) floats; false when one is NaN or ±Infinity. */
    private static boolean fakeQuantTail(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin,
                                         float qmax) {
        boolean finite = true;
        for (int k = 0, b = from * Float.BYTES; k < len; k++, b += Float.BYTES) {
            float x = src.getFloat(b);
            finite &= Float.isFinite(x);
            float t = Math.min(Math.max(x / s + o, qmin), qmax);
            dst.putFloat(b, (((t + Fp32.ROUNDER) - Fp32.ROUNDER) - o) * s);
        }
        return finite;
    }

    private static int firstNotFinite(ByteBuffer src, int from, int len) {
        for (int i = 0; i < len; i++) {
            if (!Float.isFinite(src.getFloat((from + i) * Float.BYTES))) {
                return from + i;
            }
        }
        return -1;
    }

    /** Fake-quantizes {@code len} (a multiple of L) floats; false when one of them is NaN or ±Infinity. */
    private static boolean fakeQuantBlock(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin,
                                          float qmax) {
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector vo = FloatVector.broadcast(SPECIES, o);
        FloatVector lo = FloatVector.broadcast(SPECIES, qmin);
        FloatVector hi = FloatVector.broadcast(SPECIES, qmax);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        IntVector exponent = IntVector.broadcast(INTS, EXPONENT);
        IntVector largest = IntVector.zero(INTS);
        int end = (from + len) * Float.BYTES;
        for (int b = from * Float.BYTES; b < end; b += BYTES) {
            FloatVector v = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE);
            largest = largest.max(v.reinterpretAsInts().and(exponent));   // all-ones exponent: NaN or ±Infinity
            FloatVector t = v.div(vs).add(vo);
            t = t.blend(lo, t.lt(lo));
            t = t.blend(hi, t.compare(VectorOperators.GT, hi));
            t.add(rounder).sub(rounder).sub(vo).mul(vs).intoByteBuffer(dst, b, NATIVE);
        }
        return largest.reduceLanes(VectorOperators.MAX) != EXPONENT;
    }

    /** {@link #fakeQuantBlock} with offset 0 and no finiteness check (ARQ and weight ULQ). */
    private static void fakeQuantSymmetric(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float qmin, float qmax) {
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector lo = FloatVector.broadcast(SPECIES, qmin);
        FloatVector hi = FloatVector.broadcast(SPECIES, qmax);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        int end = (from + len) * Float.BYTES;
        for (int b = from * Float.BYTES; b < end; b += BYTES) {
            FloatVector t = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE).div(vs);
            t = t.blend(lo, t.lt(lo));
            t = t.blend(hi, t.compare(VectorOperators.GT, hi));
            t.add(rounder).sub(rounder).mul(vs).intoByteBuffer(dst, b, NATIVE);
        }
    }

    @Override
    public void quantError(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc) {
        quantError(src, false, from, len, s, qmin, qmax, acc);
    }

    @Override
    public void quantErrorBf16(ByteBuffer src, int from, int len, float s, float qmin, float qmax, double[] acc) {
        quantError(src, true, from, len, s, qmin, qmax, acc);
    }

    /**
     * The error sums block by block ({@link #BLOCK}): each block's full sixteens in float lanes (floats, or BF16 values
     * read two per int lane), its tail by the scalar loop, the block's lanes then added in double.
     */
    private static void quantError(ByteBuffer src, boolean bf16, int from, int len, float s, float qmin, float qmax,
                                   double[] acc) {
        float[] lanes = new float[32];
        float[] rest = new float[2];   // largest |e| and the saturated count of a block (at most BLOCK: exact in float)
        double[] tail = new double[4];
        for (int i = 0; i < len; i += BLOCK) {
            int n = Math.min(BLOCK, len - i);
            int full = n / 16 * 16;
            java.util.Arrays.fill(tail, 0);
            if (bf16) {
                quantErrorBf16Block(src, from + i, full, s, qmin, qmax, lanes, rest);
                if (full < n) {
                    ScalarLanes.INSTANCE.quantErrorBf16(src, from + i + full, n - full, s, qmin, qmax, tail);
                }
            } else {
                quantErrorBlock(src, from + i, full, s, qmin, qmax, lanes, rest);
                if (full < n) {
                    ScalarLanes.INSTANCE.quantError(src, from + i + full, n - full, s, qmin, qmax, tail);
                }
            }
            acc[0] += ScalarLanes.combine(tail[0], lanes, 0);
            acc[1] += ScalarLanes.combine(tail[1], lanes, 16);
            acc[2] = Math.max(acc[2], Math.max(rest[0], tail[2]));
            acc[3] += rest[1] + tail[3];
        }
    }

    /**
     * {@link #quantErrorBlock} over {@code len} (a multiple of 16, at most {@link #BLOCK}) BF16 values: an int lane j
     * holds elements 2j (low half) and 2j + 1 (high half) of each sixteen, so the even and odd float vectors sum what
     * lanes 2j and 2j + 1 of {@link #sumOfSquares} sum, in the same order; they are written to those lanes.
     */
    private static void quantErrorBf16Block(ByteBuffer src, int from, int len, float s, float qmin, float qmax,
                                            float[] lanes, float[] rest) {
        FloatVector vs = FloatVector.broadcast(F8, s);
        FloatVector lo = FloatVector.broadcast(F8, qmin);
        FloatVector hi = FloatVector.broadcast(F8, qmax);
        FloatVector loLevel = FloatVector.broadcast(F8, qmin * s);
        FloatVector hiLevel = FloatVector.broadcast(F8, qmax * s);
        FloatVector rounder = FloatVector.broadcast(F8, Fp32.ROUNDER);
        FloatVector one = FloatVector.broadcast(F8, 1f);
        FloatVector zero = FloatVector.zero(F8);
        FloatVector largest = zero;
        FloatVector saturated = zero;
        FloatVector signalEven = zero;
        FloatVector signalOdd = zero;
        FloatVector noiseEven = zero;
        FloatVector noiseOdd = zero;
        int end = 2 * (from + len);
        for (int at = 2 * from; at < end; at += 32) {
            IntVector v = IntVector.fromByteBuffer(I8, src, at, ByteOrder.LITTLE_ENDIAN);
            FloatVector a = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b = v.and(0xffff0000).reinterpretAsFloats();
            FloatVector ta = a.div(vs);
            ta = ta.blend(lo, ta.lt(lo));
            ta = ta.blend(hi, ta.compare(VectorOperators.GT, hi));
            FloatVector qa = ta.add(rounder).sub(rounder).mul(vs);
            FloatVector tb = b.div(vs);
            tb = tb.blend(lo, tb.lt(lo));
            tb = tb.blend(hi, tb.compare(VectorOperators.GT, hi));
            FloatVector qb = tb.add(rounder).sub(rounder).mul(vs);
            FloatVector ea = a.sub(qa);
            FloatVector eb = b.sub(qb);
            largest = largest.max(ea.abs()).max(eb.abs());
            saturated = saturated.add(zero.blend(one, qa.compare(VectorOperators.LE, loLevel).or(qa.compare(VectorOperators.GE, hiLevel))))
                    .add(zero.blend(one, qb.compare(VectorOperators.LE, loLevel).or(qb.compare(VectorOperators.GE, hiLevel))));
            signalEven = signalEven.add(a.mul(a));
            signalOdd = signalOdd.add(b.mul(b));
            noiseEven = noiseEven.add(ea.mul(ea));
            noiseOdd = noiseOdd.add(eb.mul(eb));
        }
        float[] even = new float[8];
        float[] odd = new float[8];
        signalEven.intoArray(even, 0);
        signalOdd.intoArray(odd, 0);
        for (int j = 0; j < 8; j++) {
            lanes[2 * j] = even[j];
            lanes[2 * j + 1] = odd[j];
        }
        noiseEven.intoArray(even, 0);
        noiseOdd.intoArray(odd, 0);
        for (int j = 0; j < 8; j++) {
            lanes[16 + 2 * j] = even[j];
            lanes[16 + 2 * j + 1] = odd[j];
        }
        rest[0] = largest.reduceLanes(VectorOperators.MAX);
        rest[1] = saturated.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #quantError} over {@code len} (a multiple of 16, at most {@link #BLOCK}) floats: x² and e² of elements k
     * and k + 8 into float lanes (the sixteen lanes of {@link #sumOfSquares}) written to {@code lanes[0, 16)} and
     * {@code lanes[16, 32)}; the largest |e| and the saturated count into {@code rest}.
     */
    private static void quantErrorBlock(ByteBuffer src, int from, int len, float s, float qmin, float qmax, float[] lanes,
                                        float[] rest) {
        FloatVector vs = FloatVector.broadcast(F8, s);
        FloatVector lo = FloatVector.broadcast(F8, qmin);
        FloatVector hi = FloatVector.broadcast(F8, qmax);
        FloatVector loLevel = FloatVector.broadcast(F8, qmin * s);
        FloatVector hiLevel = FloatVector.broadcast(F8, qmax * s);
        FloatVector rounder = FloatVector.broadcast(F8, Fp32.ROUNDER);
        FloatVector one = FloatVector.broadcast(F8, 1f);
        FloatVector zero = FloatVector.zero(F8);
        FloatVector largest = zero;
        FloatVector saturated = zero;
        FloatVector signalLower = zero;
        FloatVector signalUpper = zero;
        FloatVector noiseLower = zero;
        FloatVector noiseUpper = zero;
        int end = (from + len) * Float.BYTES;
        for (int at = from * Float.BYTES; at < end; at += 64) {
            FloatVector a = FloatVector.fromByteBuffer(F8, src, at, NATIVE);
            FloatVector b = FloatVector.fromByteBuffer(F8, src, at + 32, NATIVE);
            FloatVector ta = a.div(vs);
            ta = ta.blend(lo, ta.lt(lo));
            ta = ta.blend(hi, ta.compare(VectorOperators.GT, hi));
            FloatVector qa = ta.add(rounder).sub(rounder).mul(vs);
            FloatVector tb = b.div(vs);
            tb = tb.blend(lo, tb.lt(lo));
            tb = tb.blend(hi, tb.compare(VectorOperators.GT, hi));
            FloatVector qb = tb.add(rounder).sub(rounder).mul(vs);
            FloatVector ea = a.sub(qa);
            FloatVector eb = b.sub(qb);
            largest = largest.max(ea.abs()).max(eb.abs());
            saturated = saturated.add(zero.blend(one, qa.compare(VectorOperators.LE, loLevel).or(qa.compare(VectorOperators.GE, hiLevel))))
                    .add(zero.blend(one, qb.compare(VectorOperators.LE, loLevel).or(qb.compare(VectorOperators.GE, hiLevel))));
            signalLower = signalLower.add(a.mul(a));
            signalUpper = signalUpper.add(b.mul(b));
            noiseLower = noiseLower.add(ea.mul(ea));
            noiseUpper = noiseUpper.add(eb.mul(eb));
        }
        signalLower.intoArray(lanes, 0);
        signalUpper.intoArray(lanes, 8);
        noiseLower.intoArray(lanes, 16);
        noiseUpper.intoArray(lanes, 24);
        rest[0] = largest.reduceLanes(VectorOperators.MAX);
        rest[1] = saturated.reduceLanes(VectorOperators.ADD);
    }

    /**
     * One loop over two rows: fake-quantizes row {@code from} (already in cache from its scan) while reading row
     * {@code next} from memory for its max/min, so the write of one row and the read of the next overlap as in a
     * one-pass loop.
     */
    @Override
    public void fakeQuantAndScan(ByteBuffer src, ByteBuffer dst, int from, int len, float s, float o, float qmin, float qmax,
                                 int next, float[] nextMaxMin) {
        int full = len / L * L;
        int[] keys = {Integer.MIN_VALUE, Integer.MAX_VALUE};
        for (int k = 0; k < full; k += STRIDE) {
            fakeQuantAndScanBlock(src, dst, from + k, next + k, Math.min(STRIDE, full - k), s, o, qmin, qmax, keys);
        }
        fakeQuantTail(src, dst, from + full, len - full, s, o, qmin, qmax);
        finishMaxMin(src, next, full, len, keys, nextMaxMin);
    }

    private static void fakeQuantAndScanBlock(ByteBuffer src, ByteBuffer dst, int from, int next, int len, float s, float o,
                                              float qmin, float qmax, int[] keys) {
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector vo = FloatVector.broadcast(SPECIES, o);
        FloatVector lo = FloatVector.broadcast(SPECIES, qmin);
        FloatVector hi = FloatVector.broadcast(SPECIES, qmax);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        IntVector magnitude = IntVector.broadcast(INTS, 0x7fffffff);
        IntVector high = IntVector.broadcast(INTS, keys[0]);
        IntVector low = IntVector.broadcast(INTS, keys[1]);
        int shift = (next - from) * Float.BYTES;
        int end = (from + len) * Float.BYTES;
        boolean offset = o != 0;   // x/s + 0 and q − 0 change nothing here (q is never −0): skip them
        for (int b = from * Float.BYTES; b < end; b += BYTES) {
            IntVector key = FloatVector.fromByteBuffer(SPECIES, src, b + shift, NATIVE).reinterpretAsInts();
            key = key.lanewise(VectorOperators.XOR, key.lanewise(VectorOperators.ASHR, 31).and(magnitude));
            high = high.max(key);
            low = low.min(key);
            FloatVector t = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE).div(vs);
            if (offset) {
                t = t.add(vo);
            }
            t = t.blend(lo, t.lt(lo));
            t = t.blend(hi, t.compare(VectorOperators.GT, hi));
            t = t.add(rounder).sub(rounder);
            if (offset) {
                t = t.sub(vo);
            }
            t.mul(vs).intoByteBuffer(dst, b, NATIVE);
        }
        keys[0] = high.reduceLanes(VectorOperators.MAX);
        keys[1] = low.reduceLanes(VectorOperators.MIN);
    }

    @Override
    public void deployLevels(ByteBuffer src, ByteBuffer dst, int from, int len, float inv, float o, float qmin, float qmax) {
        FloatVector vi = FloatVector.broadcast(SPECIES, inv);
        FloatVector vo = FloatVector.broadcast(SPECIES, o);
        FloatVector lo = FloatVector.broadcast(SPECIES, qmin);
        FloatVector hi = FloatVector.broadcast(SPECIES, qmax);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        int k = 0;
        int b = from * Float.BYTES;
        for (; k + L <= len; k += L, b += BYTES) {
            FloatVector t = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE).mul(vi).add(vo);
            t = t.blend(lo, t.lt(lo));
            t = t.blend(hi, t.compare(VectorOperators.GT, hi));
            t.add(rounder).sub(rounder).intoByteBuffer(dst, b, NATIVE);
        }
        for (; k < len; k++, b += Float.BYTES) {
            float t = Math.min(Math.max(src.getFloat(b) * inv + o, qmin), qmax);
            dst.putFloat(b, (t + Fp32.ROUNDER) - Fp32.ROUNDER);
        }
    }

    /** Within each group of 4 lanes, the lane 1, 2 and 3 places further on (cyclically). */
    private static final VectorShuffle<Float> NEXT1 = groupRotation(1);
    private static final VectorShuffle<Float> NEXT2 = groupRotation(2);
    private static final VectorShuffle<Float> NEXT3 = groupRotation(3);

    private static VectorShuffle<Float> groupRotation(int by) {
        int[] index = new int[L];
        for (int i = 0; i < L; i++) {
            index[i] = (i & ~3) | ((i + by) & 3);
        }
        return VectorShuffle.fromArray(SPECIES, index, 0);
    }

    @Override
    public void twoOfFour(ByteBuffer w, int from, ByteBuffer keep, int keepFrom, int len) {
        int full = len / L * L;
        for (int k = 0; k < full; k += STRIDE) {
            twoOfFourBlock(w, from + k, keep, keepFrom + k, Math.min(STRIDE, full - k));
        }
        if (full < len) {
            ScalarLanes.INSTANCE.twoOfFour(w, from + full, keep, keepFrom + full, len - full);
        }
    }

    /**
     * The 2:4 mask of {@code len} (a multiple of L) floats, each value kept when at least two of its group's other three
     * are strictly smaller. Without ties or NaN that keeps exactly two per group; a tie or a NaN can only lower a group's
     * count (no value has two strictly smaller others beyond the top two). So each vector's groups are counted in place
     * (a group's lanes summed across the group), and a vector with a group that did not keep exactly two goes to the
     * scalar loop: torch's tie order, NaN named. BF16 weights tie often; only their vectors pay for it.
     */
    private static void twoOfFourBlock(ByteBuffer w, int from, ByteBuffer keep, int keepFrom, int len) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        FloatVector zero = FloatVector.zero(SPECIES);
        int end = (from + len) * Float.BYTES;
        int shift = (keepFrom - from) * Float.BYTES;
        for (int b = from * Float.BYTES; b < end; b += BYTES) {
            FloatVector k = majority(FloatVector.fromByteBuffer(SPECIES, w, b, NATIVE), NEXT1, NEXT2, NEXT3, one, zero);
            k.intoByteBuffer(keep, b + shift, NATIVE);
            FloatVector groupCount = k.add(k.rearrange(NEXT1)).add(k.rearrange(NEXT2).add(k.rearrange(NEXT3)));
            if (groupCount.compare(VectorOperators.NE, two).anyTrue()) {
                int at = b / Float.BYTES;
                ScalarLanes.INSTANCE.twoOfFour(w, at, keep, at + (keepFrom - from), L);
            }
        }
    }

    private static final VectorShuffle<Float> NEXT1_8 = groupRotation8(1);
    private static final VectorShuffle<Float> NEXT2_8 = groupRotation8(2);
    private static final VectorShuffle<Float> NEXT3_8 = groupRotation8(3);
    /** Per byte j of a word's lower or upper half: lane l's bit, 1 &lt;&lt; (8·(j mod 4) + 7 − l) (the first element on top). */
    private static final IntVector[] BIT_OF_LANE = bitOfLane();

    private static VectorShuffle<Float> groupRotation8(int by) {
        int[] index = new int[8];
        for (int i = 0; i < 8; i++) {
            index[i] = (i & ~3) | ((i + by) & 3);
        }
        return VectorShuffle.fromArray(F8, index, 0);
    }

    private static IntVector[] bitOfLane() {
        IntVector[] shifts = new IntVector[4];
        for (int j = 0; j < 4; j++) {
            int[] s = new int[8];
            for (int l = 0; l < 8; l++) {
                s[l] = 1 << (8 * j + 7 - l);
            }
            shifts[j] = IntVector.fromArray(I8, s, 0);
        }
        return shifts;
    }

    /** {@link #majority} on eight lanes. */
    private static FloatVector majority8(FloatVector w, FloatVector one, FloatVector zero) {
        return majority(w, NEXT1_8, NEXT2_8, NEXT3_8, one, zero);
    }

    /**
     * 1 where a lane's |w| has at least two strictly smaller others in its group of 4 (the shuffles rotate each group
     * by 1, 2 and 3), else 0: the majority of three comparisons.
     */
    private static FloatVector majority(FloatVector w, VectorShuffle<Float> next1, VectorShuffle<Float> next2,
                                        VectorShuffle<Float> next3, FloatVector one, FloatVector zero) {
        FloatVector a = w.abs();
        VectorMask<Float> m1 = a.rearrange(next1).lt(a);
        VectorMask<Float> m2 = a.rearrange(next2).lt(a);
        VectorMask<Float> m3 = a.rearrange(next3).lt(a);
        return zero.blend(one, m1.and(m2.or(m3)).or(m2.and(m3)));
    }

    /**
     * Eight vectors make a word: each vector's majority mask (as {@link #twoOfFourBlock}) turned into its bits, multiplied
     * to their places and OR-ed into two int halves, each folded across its lanes. In a word whose 16 groups did not keep
     * exactly 32 (a tie or a NaN somewhere in it: about one BF16 word in 10) the groups that did not keep 2 are redone
     * ({@link ScalarLanes#repairedWord}).
     */
    @Override
    public long twoOfFourPacked(ByteBuffer w, int from, int len, long[] words, int firstWord) {
        FloatVector one = FloatVector.broadcast(F8, 1f);
        FloatVector zero = FloatVector.zero(F8);
        long kept = 0;
        int full = len / 64 * 64;
        for (int i = 0; i < full; i += 64) {
            IntVector lower = IntVector.zero(I8);
            IntVector upper = lower;
            FloatVector count = zero;
            for (int j = 0; j < 4; j++) {   // two loops, not one with a branch: each compiles to straight vector code
                FloatVector k = majority8(FloatVector.fromByteBuffer(F8, w, (from + i + 8 * j) * Float.BYTES, NATIVE), one, zero);
                count = count.add(k);
                lower = lower.or(k.reinterpretAsInts().lanewise(VectorOperators.LSHR, 29).mul(BIT_OF_LANE[j]));
            }
            for (int j = 0; j < 4; j++) {
                FloatVector k = majority8(FloatVector.fromByteBuffer(F8, w, (from + i + 32 + 8 * j) * Float.BYTES, NATIVE), one, zero);
                count = count.add(k);
                upper = upper.or(k.reinterpretAsInts().lanewise(VectorOperators.LSHR, 29).mul(BIT_OF_LANE[j]));
            }
            long word = (lower.reduceLanes(VectorOperators.OR) & 0xffffffffL)
                    | ((long) upper.reduceLanes(VectorOperators.OR) << 32);
            if (count.reduceLanes(VectorOperators.ADD) != 32f) {
                // a tie or a NaN in this word: its groups that did not keep 2 redone (torch's tie order, NaN named)
                word = ScalarLanes.repairedWord(w, false, from + i, word);
                kept += Long.bitCount(word);
            } else {
                kept += 32;
            }
            words[firstWord + i / 64] = word;
        }
        if (full < len) {
            kept += ScalarLanes.INSTANCE.twoOfFourPacked(w, from + full, len - full, words, firstWord + full / 64);
        }
        return kept;
    }

    /** Per run c (0..3) of 16 values in a word: the bit of the even / odd value each int lane holds (in its word half). */
    private static final IntVector EVEN_BITS_0 = bf16Bits(0, 0);
    private static final IntVector ODD_BITS_0 = bf16Bits(0, 1);
    private static final IntVector EVEN_BITS_1 = bf16Bits(1, 0);
    private static final IntVector ODD_BITS_1 = bf16Bits(1, 1);
    private static final IntVector EVEN_BITS_2 = bf16Bits(2, 0);
    private static final IntVector ODD_BITS_2 = bf16Bits(2, 1);
    private static final IntVector EVEN_BITS_3 = bf16Bits(3, 0);
    private static final IntVector ODD_BITS_3 = bf16Bits(3, 1);

    /**
     * Swaps neighbouring int lanes (0 and 1, 2 and 3, ...): one shuffle within the species where a rotation of long lanes
     * took five operations and two reinterpretations (fewer inlined Vector API calls, each of which C2 charges with
     * the deoptimizations of the methods it inlines: see the launcher's {@code PerMethodTrapLimit}).
     */
    private static final VectorShuffle<Integer> NEIGHBOUR = VectorShuffle.fromValues(I8, 1, 0, 3, 2, 5, 4, 7, 6);

    private static IntVector bf16Bits(int run, int odd) {
        int[] b = new int[8];
        for (int j = 0; j < 8; j++) {
            b[j] = 1 << (MaskBits.bitInWord(16 * run + 2 * j + odd) & 31);
        }
        return IntVector.fromArray(I8, b, 0);
    }

    /**
     * The 2:4 words of BF16 values without widening them: each int lane holds two values, the even one (low half) and
     * the odd one (high half); shifted and masked, their magnitudes' bits compare as ints exactly as the floats' |w| do
     * (NaN aside: values with one go to the scalar loop, which names it). A group of 4 is lanes 2g and 2g + 1 of the
     * even and the odd magnitudes, so one swap of neighbouring lanes gives each value the other three, and the majority
     * rule of {@link #twoOfFourPacked} keeps a value with two strictly smaller; words that did not keep 32 are repaired.
     */
    @Override
    public long twoOfFourPackedBf16(ByteBuffer w, int from, int len, long[] words, int firstWord) {
        int full = len / 64 * 64;
        if (hasNaNBf16(w, from, full)) {
            // the scalar loop names the first NaN
            return ScalarLanes.INSTANCE.twoOfFourPackedBf16(w, from, len, words, firstWord);
        }
        long kept = 0;
        for (int i = 0; i < full; i += 64) {
            long lower = halfWord(w, 2 * (from + i), EVEN_BITS_0, ODD_BITS_0, EVEN_BITS_1, ODD_BITS_1);
            long upper = halfWord(w, 2 * (from + i + 32), EVEN_BITS_2, ODD_BITS_2, EVEN_BITS_3, ODD_BITS_3);
            long word = (lower & 0xffffffffL) | (upper << 32);
            if (Long.bitCount(word) != 32) {
                word = ScalarLanes.repairedWord(w, true, from + i, word);   // a tie: its groups redone
            }
            words[firstWord + i / 64] = word;
            kept += Long.bitCount(word);
        }
        if (full < len) {
            kept += ScalarLanes.INSTANCE.twoOfFourPackedBf16(w, from + full, len - full, words, firstWord + full / 64);
        }
        return kept;
    }

    /**
     * Whether one of {@code len} (a multiple of 16) BF16 values from element {@code from} is a NaN: their magnitude bits
     * folded by max and compared once with infinity's. Read just before they are packed, so the packing reads the cache.
     */
    private static boolean hasNaNBf16(ByteBuffer w, int from, int len) {
        IntVector largest = IntVector.zero(I8);
        int end = 2 * (from + len);
        for (int at = 2 * from; at < end; at += 32) {
            IntVector v = IntVector.fromByteBuffer(I8, w, at, ByteOrder.LITTLE_ENDIAN);
            largest = largest.max(v.lanewise(VectorOperators.LSHL, 16).and(0x7fffffff)).max(v.and(0x7fff0000));
        }
        return largest.compare(VectorOperators.GT, EXPONENT).anyTrue();
    }

    /**
     * The packed bits of 32 BF16 values from byte {@code at} (two runs of 16: each int lane holds an even and an odd
     * value; a group of 4 is lanes 2g and 2g + 1 of both), placed by the runs' bit constants (no NaN among them).
     * Written out without helper methods: past its node budget the JIT stops inlining calls to them, and then boxes
     * every vector passed.
     */
    private static long halfWord(ByteBuffer w, int at, IntVector evenBitsA, IntVector oddBitsA, IntVector evenBitsB,
                                 IntVector oddBitsB) {
        IntVector a = IntVector.fromByteBuffer(I8, w, at, ByteOrder.LITTLE_ENDIAN);
        IntVector b = IntVector.fromByteBuffer(I8, w, at + 32, ByteOrder.LITTLE_ENDIAN);
        IntVector eA = a.lanewise(VectorOperators.LSHL, 16).and(0x7fffffff);   // |even values|
        IntVector oA = a.and(0x7fff0000);                                       // |odd values|
        IntVector esA = eA.rearrange(NEIGHBOUR);                              // the group's other even value
        IntVector osA = oA.rearrange(NEIGHBOUR);                              // and its other odd value
        // x - y >>> 31: 1 where x < y (both non-negative); kept where two of the other three are smaller
        IntVector keA = esA.sub(eA).lanewise(VectorOperators.LSHR, 31).add(oA.sub(eA).lanewise(VectorOperators.LSHR, 31))
                .add(osA.sub(eA).lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 1);
        IntVector koA = osA.sub(oA).lanewise(VectorOperators.LSHR, 31).add(eA.sub(oA).lanewise(VectorOperators.LSHR, 31))
                .add(esA.sub(oA).lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 1);
        IntVector bitsA = keA.neg().and(evenBitsA).or(koA.neg().and(oddBitsA));
        IntVector eB = b.lanewise(VectorOperators.LSHL, 16).and(0x7fffffff);   // |even values|
        IntVector oB = b.and(0x7fff0000);                                       // |odd values|
        IntVector esB = eB.rearrange(NEIGHBOUR);                              // the group's other even value
        IntVector osB = oB.rearrange(NEIGHBOUR);                              // and its other odd value
        // x - y >>> 31: 1 where x < y (both non-negative); kept where two of the other three are smaller
        IntVector keB = esB.sub(eB).lanewise(VectorOperators.LSHR, 31).add(oB.sub(eB).lanewise(VectorOperators.LSHR, 31))
                .add(osB.sub(eB).lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 1);
        IntVector koB = osB.sub(oB).lanewise(VectorOperators.LSHR, 31).add(eB.sub(oB).lanewise(VectorOperators.LSHR, 31))
                .add(esB.sub(oB).lanewise(VectorOperators.LSHR, 31)).lanewise(VectorOperators.LSHR, 1);
        IntVector bitsB = keB.neg().and(evenBitsB).or(koB.neg().and(oddBitsB));
        return bitsA.or(bitsB).reduceLanes(VectorOperators.OR) & 0xffffffffL;
    }

    /** Floats per call of the inner loops below: short calls keep them small, compiled whole, not on-stack-replaced. */
    private static final int STRIDE = 4096;

    @Override
    public void ulqGradient(ByteBuffer x, ByteBuffer g, ByteBuffer dx, int from, int len, float hi, float lo, float clipMax,
                            float clipMin, float s, float invLevels, double[] sums) {
        double[] ta = new double[8];
        double[] tb = new double[8];
        int full = len / 16 * 16;
        for (int k = 0; k < full; k += STRIDE) {
            ulqGradientBlock(x, g, dx, from + k, Math.min(STRIDE, full - k), hi, lo, clipMax, clipMin, s, invLevels, ta, tb);
        }
        double[] tail = new double[2];
        if (full < len) {
            ScalarLanes.INSTANCE.ulqGradient(x, g, dx, from + full, len - full, hi, lo, clipMax, clipMin, s, invLevels, tail);
        }
        sums[0] += Lanes.sumTerms(ta, tail[0]);
        sums[1] += Lanes.sumTerms(tb, tail[1]);
    }

    /** {@link #ulqGradient} over {@code len} (a multiple of 16) floats, adding to the eight lanes of each sum in place. */
    private static void ulqGradientBlock(ByteBuffer x, ByteBuffer g, ByteBuffer dx, int from, int len, float hi, float lo,
                                         float clipMax, float clipMin, float s, float invLevels, double[] sa, double[] sb) {
        FloatVector one = FloatVector.broadcast(F8, 1f);
        FloatVector zero = FloatVector.zero(F8);
        FloatVector vHi = FloatVector.broadcast(F8, hi);
        FloatVector vLo = FloatVector.broadcast(F8, lo);
        FloatVector vMax = FloatVector.broadcast(F8, clipMax);
        FloatVector vMin = FloatVector.broadcast(F8, clipMin);
        FloatVector vs = FloatVector.broadcast(F8, s);
        FloatVector inv = FloatVector.broadcast(F8, invLevels);
        FloatVector rounder = FloatVector.broadcast(F8, Fp32.ROUNDER);
        DoubleVector a0 = DoubleVector.fromArray(D4, sa, 0);
        DoubleVector a1 = DoubleVector.fromArray(D4, sa, 4);
        DoubleVector b0 = DoubleVector.fromArray(D4, sb, 0);
        DoubleVector b1 = DoubleVector.fromArray(D4, sb, 4);
        int end = (from + len) * Float.BYTES;
        for (int at = from * Float.BYTES; at < end; at += 64) {
            FloatVector v = FloatVector.fromByteBuffer(F8, x, at, NATIVE);
            FloatVector gv = FloatVector.fromByteBuffer(F8, g, at, NATIVE);
            VectorMask<Float> above = v.compare(VectorOperators.GT, vHi);
            VectorMask<Float> below = v.compare(VectorOperators.LT, vLo);
            FloatVector u = zero.blend(one, above);
            FloatVector l = zero.blend(one, below);
            FloatVector t = v.blend(vMin, below).blend(vMax, above).div(vs);
            FloatVector e = t.add(rounder).sub(rounder).sub(t).mul(inv);
            gv.mul(one.sub(u.add(l))).add(zero).intoByteBuffer(dx, at, NATIVE);
            FloatVector ta = e.add(u).mul(gv);
            FloatVector tb = l.sub(e).mul(gv);
            v = FloatVector.fromByteBuffer(F8, x, at + 32, NATIVE);
            gv = FloatVector.fromByteBuffer(F8, g, at + 32, NATIVE);
            above = v.compare(VectorOperators.GT, vHi);
            below = v.compare(VectorOperators.LT, vLo);
            u = zero.blend(one, above);
            l = zero.blend(one, below);
            t = v.blend(vMin, below).blend(vMax, above).div(vs);
            e = t.add(rounder).sub(rounder).sub(t).mul(inv);
            gv.mul(one.sub(u.add(l))).add(zero).intoByteBuffer(dx, at + 32, NATIVE);
            ta = ta.add(e.add(u).mul(gv));   // elements j and j + 8 in float, then widened (Lanes.sumTerms)
            tb = tb.add(l.sub(e).mul(gv));
            a0 = a0.add(ta.convertShape(VectorOperators.F2D, D4, 0));
            a1 = a1.add(ta.convertShape(VectorOperators.F2D, D4, 1));
            b0 = b0.add(tb.convertShape(VectorOperators.F2D, D4, 0));
            b1 = b1.add(tb.convertShape(VectorOperators.F2D, D4, 1));
        }
        a0.intoArray(sa, 0);
        a1.intoArray(sa, 4);
        b0.intoArray(sb, 0);
        b1.intoArray(sb, 4);
    }

    @Override
    public double scaleGradient(ByteBuffer w, ByteBuffer g, int from, int len, float s, float h, float r) {
        double[] lanes = new double[8];
        int full = len / 16 * 16;
        for (int k = 0; k < full; k += STRIDE) {
            scaleGradientBlock(w, g, from + k, Math.min(STRIDE, full - k), s, h, r, lanes);
        }
        double tail = full < len ? ScalarLanes.INSTANCE.scaleGradient(w, g, from + full, len - full, s, h, r) : 0;
        return Lanes.sumTerms(lanes, tail);
    }

    /** {@link #scaleGradient} over {@code len} (a multiple of 16) floats, adding to the eight lanes in place. */
    private static void scaleGradientBlock(ByteBuffer w, ByteBuffer g, int from, int len, float s, float h, float r,
                                           double[] lanes) {
        FloatVector vs = FloatVector.broadcast(F8, s);
        FloatVector vr = FloatVector.broadcast(F8, r);
        FloatVector upper = FloatVector.broadcast(F8, s * (h - 1));
        FloatVector lower = FloatVector.broadcast(F8, -s * h);
        FloatVector top = FloatVector.broadcast(F8, h - 1);
        FloatVector bottom = FloatVector.broadcast(F8, -h);
        FloatVector rounder = FloatVector.broadcast(F8, Fp32.ROUNDER);
        DoubleVector a0 = DoubleVector.fromArray(D4, lanes, 0);
        DoubleVector a1 = DoubleVector.fromArray(D4, lanes, 4);
        int end = (from + len) * Float.BYTES;
        for (int at = from * Float.BYTES; at < end; at += 64) {
            FloatVector term = scaleTerm(w, g, at, vs, vr, upper, lower, top, bottom, rounder)
                    .add(scaleTerm(w, g, at + 32, vs, vr, upper, lower, top, bottom, rounder));
            a0 = a0.add(term.convertShape(VectorOperators.F2D, D4, 0));
            a1 = a1.add(term.convertShape(VectorOperators.F2D, D4, 1));
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, 4);
    }

    /** (t·r)·g of eight weights at byte {@code at}: t the level's rounding residue, or the saturated level. */
    private static FloatVector scaleTerm(ByteBuffer w, ByteBuffer g, int at, FloatVector vs, FloatVector vr, FloatVector upper,
                                         FloatVector lower, FloatVector top, FloatVector bottom, FloatVector rounder) {
        FloatVector v = FloatVector.fromByteBuffer(F8, w, at, NATIVE);
        FloatVector x = v.div(vs);
        FloatVector t = x.add(rounder).sub(rounder).sub(x)
                .blend(bottom, v.lt(lower))
                .blend(top, v.compare(VectorOperators.GT, upper));
        return t.mul(vr).mul(FloatVector.fromByteBuffer(F8, g, at, NATIVE));
    }

    /**
     * Sixteen candidates per pass over the data (two eight-lane groups, their squared errors widened to four double
     * accumulators), each candidate's sum in element order. Elements inside every clip of the pass skip the clamp.
     */
    @Override
    public void squaredErrors(float[] d, float[] hi, float[] lo, float[] scale, double[] sums) {
        int m = hi.length;
        float[] h = new float[16];
        float[] l = new float[16];
        float[] s = new float[16];
        double[] out = new double[16];
        for (int c = 0; c < m; c += 16) {
            int count = Math.min(16, m - c);
            java.util.Arrays.fill(h, 0f);
            java.util.Arrays.fill(l, 0f);
            java.util.Arrays.fill(s, 1f);
            System.arraycopy(hi, c, h, 0, count);
            System.arraycopy(lo, c, l, 0, count);
            System.arraycopy(scale, c, s, 0, count);
            float minHi = Float.POSITIVE_INFINITY;   // [maxLo, minHi] lies inside every clip of the pass
            float maxLo = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < count; j++) {
                minHi = Math.min(minHi, h[j]);
                maxLo = Math.max(maxLo, l[j]);
            }
            java.util.Arrays.fill(out, 0);
            for (int k = 0; k < d.length; k += STRIDE) {
                squaredErrorsBlock(d, k, Math.min(d.length, k + STRIDE), h, l, s, minHi, maxLo, out);
            }
            System.arraycopy(out, 0, sums, c, count);
        }
    }

    /** Sixteen candidates' squared errors of {@code d[from, to)}, added in element order to {@code out}'s lanes. */
    private static void squaredErrorsBlock(float[] d, int from, int to, float[] h, float[] l, float[] s, float minHi,
                                           float maxLo, double[] out) {
        FloatVector h0 = FloatVector.fromArray(F8, h, 0);
        FloatVector h1 = FloatVector.fromArray(F8, h, 8);
        FloatVector l0 = FloatVector.fromArray(F8, l, 0);
        FloatVector l1 = FloatVector.fromArray(F8, l, 8);
        FloatVector s0 = FloatVector.fromArray(F8, s, 0);
        FloatVector s1 = FloatVector.fromArray(F8, s, 8);
        FloatVector rounder = FloatVector.broadcast(F8, Fp32.ROUNDER);
        DoubleVector a0 = DoubleVector.fromArray(D4, out, 0);
        DoubleVector a1 = DoubleVector.fromArray(D4, out, 4);
        DoubleVector a2 = DoubleVector.fromArray(D4, out, 8);
        DoubleVector a3 = DoubleVector.fromArray(D4, out, 12);
        for (int k = from; k < to; k++) {
            float value = d[k];
            FloatVector v = FloatVector.broadcast(F8, value);
            FloatVector c0 = v;
            FloatVector c1 = v;
            if (!(value <= minHi && value >= maxLo)) {
                c0 = v.blend(l0, v.lt(l0)).blend(h0, v.compare(VectorOperators.GT, h0));
                c1 = v.blend(l1, v.lt(l1)).blend(h1, v.compare(VectorOperators.GT, h1));
            }
            FloatVector e0 = c0.div(s0).add(rounder).sub(rounder).mul(s0).sub(v);
            FloatVector e1 = c1.div(s1).add(rounder).sub(rounder).mul(s1).sub(v);
            e0 = e0.mul(e0);
            e1 = e1.mul(e1);
            a0 = a0.add(e0.convertShape(VectorOperators.F2D, D4, 0));
            a1 = a1.add(e0.convertShape(VectorOperators.F2D, D4, 1));
            a2 = a2.add(e1.convertShape(VectorOperators.F2D, D4, 0));
            a3 = a3.add(e1.convertShape(VectorOperators.F2D, D4, 1));
        }
        a0.intoArray(out, 0);
        a1.intoArray(out, 4);
        a2.intoArray(out, 8);
        a3.intoArray(out, 12);
    }

    @Override
    public void widenBf16(ByteBuffer src, int srcByte, ByteBuffer dst, int dstFloat, int count) {
        int full = count / 8 * 8;
        for (int k = 0; k < full; k += STRIDE) {
            widenBf16Block(src, srcByte + 2 * k, dst, dstFloat + k, Math.min(STRIDE, full - k));
        }
        if (full < count) {
            ScalarLanes.INSTANCE.widenBf16(src, srcByte + 2 * full, dst, dstFloat + full, count - full);
        }
    }

    /** {@link #widenBf16} of {@code len} (a multiple of 8) values: eight shorts widened and shifted per step. */
    private static void widenBf16Block(ByteBuffer src, int srcByte, ByteBuffer dst, int dstFloat, int len) {
        for (int k = 0; k < len; k += 8) {
            jdk.incubator.vector.ShortVector h = jdk.incubator.vector.ShortVector.fromByteBuffer(S8, src, srcByte + 2 * k,
                    ByteOrder.LITTLE_ENDIAN);
            ((IntVector) h.convertShape(VectorOperators.S2I, I8, 0)).lanewise(VectorOperators.LSHL, 16)
                    .intoByteBuffer(dst, (dstFloat + k) * Float.BYTES, NATIVE);
        }
    }

    @Override
    public String describe() {
        return "SIMD (" + LanesChoice.VECTOR_MODULE + ", " + SPECIES.vectorBitSize() + "-bit float vectors)";
    }
}
