package io.amctkit.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link Lanes} on the JDK's Vector API: max/min in four independent accumulators, the sum of squares in sixteen float
 * lanes (one 512-bit or two 256-bit vectors). Loaded only when {@code jdk.incubator.vector} is resolved.
 */
final class VectorLanes implements Lanes {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED.length() >= 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final int L = SPECIES.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Refuses (and so leaves the scalar loops in charge) where float vectors are narrower than 256 bits. */
    VectorLanes() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            throw new UnsupportedOperationException("float vectors of " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
    }

    @Override
    public void loadMaxMin(ByteBuffer src, int from, float[] dst, int len, float[] maxMin) {
        FloatVector h0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        FloatVector l0 = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY);
        FloatVector h1 = h0, h2 = h0, h3 = h0, l1 = l0, l2 = l0, l3 = l0;
        long base = (long) from * Float.BYTES;
        int k = 0;
        for (; k + 4 * L <= len; k += 4 * L) {
            int b = (int) (base + (long) k * Float.BYTES);
            FloatVector v0 = FloatVector.fromByteBuffer(SPECIES, src, b, NATIVE);
            FloatVector v1 = FloatVector.fromByteBuffer(SPECIES, src, b + L * Float.BYTES, NATIVE);
            FloatVector v2 = FloatVector.fromByteBuffer(SPECIES, src, b + 2 * L * Float.BYTES, NATIVE);
            FloatVector v3 = FloatVector.fromByteBuffer(SPECIES, src, b + 3 * L * Float.BYTES, NATIVE);
            v0.intoArray(dst, k);
            v1.intoArray(dst, k + L);
            v2.intoArray(dst, k + 2 * L);
            v3.intoArray(dst, k + 3 * L);
            h0 = h0.max(v0);
            h1 = h1.max(v1);
            h2 = h2.max(v2);
            h3 = h3.max(v3);
            l0 = l0.min(v0);
            l1 = l1.min(v1);
            l2 = l2.min(v2);
            l3 = l3.min(v3);
        }
        float hi = h0.max(h1).max(h2.max(h3)).reduceLanes(VectorOperators.MAX);
        float lo = l0.min(l1).min(l2.min(l3)).reduceLanes(VectorOperators.MIN);
        for (; k < len; k++) {
            float x = src.getFloat((int) (base + (long) k * Float.BYTES));
            dst[k] = x;
            hi = Math.max(hi, x);
            lo = Math.min(lo, x);
        }
        maxMin[0] = hi;
        maxMin[1] = lo;
    }

    @Override
    public void maxMin(float[] buf, int len, float[] maxMin) {
        FloatVector h0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        FloatVector l0 = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY);
        FloatVector h1 = h0, h2 = h0, h3 = h0, l1 = l0, l2 = l0, l3 = l0;
        int k = 0;
        for (; k + 4 * L <= len; k += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, buf, k);
            FloatVector v1 = FloatVector.fromArray(SPECIES, buf, k + L);
            FloatVector v2 = FloatVector.fromArray(SPECIES, buf, k + 2 * L);
            FloatVector v3 = FloatVector.fromArray(SPECIES, buf, k + 3 * L);
            h0 = h0.max(v0);
            h1 = h1.max(v1);
            h2 = h2.max(v2);
            h3 = h3.max(v3);
            l0 = l0.min(v0);
            l1 = l1.min(v1);
            l2 = l2.min(v2);
            l3 = l3.min(v3);
        }
        float hi = h0.max(h1).max(h2.max(h3)).reduceLanes(VectorOperators.MAX);
        float lo = l0.min(l1).min(l2.min(l3)).reduceLanes(VectorOperators.MIN);
        for (; k < len; k++) {
            hi = Math.max(hi, buf[k]);
            lo = Math.min(lo, buf[k]);
        }
        maxMin[0] = hi;
        maxMin[1] = lo;
    }

    @Override
    public double sumOfSquares(float[] buf, int len) {
        float[] lanes = new float[16];
        int k = 0;
        if (L == 16) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (; k + 15 < len; k += 16) {
                FloatVector v = FloatVector.fromArray(SPECIES, buf, k);
                acc = acc.add(v.mul(v));
            }
            acc.intoArray(lanes, 0);
        } else {
            FloatVector lower = FloatVector.zero(SPECIES);
            FloatVector upper = FloatVector.zero(SPECIES);
            for (; k + 15 < len; k += 16) {
                FloatVector a = FloatVector.fromArray(SPECIES, buf, k);
                FloatVector b = FloatVector.fromArray(SPECIES, buf, k + 8);
                lower = lower.add(a.mul(a));
                upper = upper.add(b.mul(b));
            }
            lower.intoArray(lanes, 0);
            upper.intoArray(lanes, 8);
        }
        return ScalarLanes.combine(ScalarLanes.tail(buf, k, len), lanes);
    }

    @Override
    public double sumOfSquares(ByteBuffer src, int from, int len, int block, float[] scratch) {
        if (L != 16) {
            return ScalarLanes.INSTANCE.sumOfSquares(src, from, len, block, scratch);
        }
        float[] lanes = new float[16];
        double total = 0;
        for (int i = 0; i < len; i += block) {
            int n = Math.min(block, len - i);
            int base = (from + i) * Float.BYTES;
            FloatVector acc = FloatVector.zero(SPECIES);
            int k = 0;
            for (; k + 15 < n; k += 16) {
                FloatVector v = FloatVector.fromByteBuffer(SPECIES, src, base + k * Float.BYTES, NATIVE);
                acc = acc.add(v.mul(v));
            }
            acc.intoArray(lanes, 0);
            double tail = 0;
            for (; k < n; k++) {
                float x = src.getFloat(base + k * Float.BYTES);
                tail += (double) x * x;
            }
            total += ScalarLanes.combine(tail, lanes);
        }
        return total;
    }

    @Override
    public void fakeQuantInto(float[] src, int len, float s, float o, float qmin, float qmax, ByteBuffer dst, int to) {
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector vo = FloatVector.broadcast(SPECIES, o);
        FloatVector lo = FloatVector.broadcast(SPECIES, qmin);
        FloatVector hi = FloatVector.broadcast(SPECIES, qmax);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        long base = (long) to * Float.BYTES;
        int k = 0;
        for (; k + L <= len; k += L) {
            FloatVector t = FloatVector.fromArray(SPECIES, src, k).div(vs).add(vo).max(lo).min(hi);
            t.add(rounder).sub(rounder).sub(vo).mul(vs).intoByteBuffer(dst, (int) (base + (long) k * Float.BYTES), NATIVE);
        }
        for (; k < len; k++) {
            float t = Math.min(Math.max(src[k] / s + o, qmin), qmax);
            dst.putFloat((int) (base + (long) k * Float.BYTES), (((t + Fp32.ROUNDER) - Fp32.ROUNDER) - o) * s);
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
    public void twoOfFour(float[] w, float[] keep, int len, long at) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        int k = 0;
        for (; k + L <= len; k += L) {
            FloatVector a = FloatVector.fromArray(SPECIES, w, k).abs();
            FloatVector b1 = a.rearrange(NEXT1);
            FloatVector b2 = a.rearrange(NEXT2);
            FloatVector b3 = a.rearrange(NEXT3);
            // NaN compares unequal to itself; equal neighbours are ties: both go the scalar way (torch's tie order)
            if (a.compare(VectorOperators.NE, a).or(a.eq(b1)).or(a.eq(b2)).anyTrue()) {
                ScalarLanes.twoOfFour(w, keep, k, k + L, at);
                continue;
            }
            FloatVector rank = zero.blend(one, b1.lt(a)).add(zero.blend(one, b2.lt(a))).add(zero.blend(one, b3.lt(a)));
            zero.blend(one, rank.compare(VectorOperators.GE, two)).intoArray(keep, k);
        }
        ScalarLanes.twoOfFour(w, keep, k, len, at);
    }

    @Override
    public void ulqGradient(float[] xs, float[] gs, float[] dx, float[] ta, float[] tb, int len, float hi, float lo,
                            float clipMax, float clipMin, float s, float invLevels) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector vHi = FloatVector.broadcast(SPECIES, hi);
        FloatVector vLo = FloatVector.broadcast(SPECIES, lo);
        FloatVector vMax = FloatVector.broadcast(SPECIES, clipMax);
        FloatVector vMin = FloatVector.broadcast(SPECIES, clipMin);
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        FloatVector inv = FloatVector.broadcast(SPECIES, invLevels);
        FloatVector rounder = FloatVector.broadcast(SPECIES, Fp32.ROUNDER);
        int k = 0;
        for (; k + L <= len; k += L) {
            FloatVector v = FloatVector.fromArray(SPECIES, xs, k);
            FloatVector g = FloatVector.fromArray(SPECIES, gs, k);
            var above = v.compare(VectorOperators.GT, vHi);
            var below = v.compare(VectorOperators.LT, vLo);
            FloatVector u = zero.blend(one, above);
            FloatVector l = zero.blend(one, below);
            FloatVector t = v.blend(vMin, below).blend(vMax, above).div(vs);
            FloatVector e = t.add(rounder).sub(rounder).sub(t).mul(inv);
            g.mul(one.sub(u.add(l))).add(zero).intoArray(dx, k);
            e.add(u).mul(g).intoArray(ta, k);
            l.sub(e).mul(g).intoArray(tb, k);
        }
        ScalarLanes.ulqGradient(xs, gs, dx, ta, tb, k, len, hi, lo, clipMax, clipMin, s, invLevels);
    }

    @Override
    public String describe() {
        return "SIMD (" + LanesChoice.VECTOR_MODULE + ", " + SPECIES.vectorBitSize() + "-bit float vectors)";
    }
}
