package io.amctkit.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Packs a 0/1 float32 mask into bits as AMCT's record stores a 2:4 mask: C order, 8 elements per byte with the first in
 * the most significant bit ({@code numpy.packbits}), 8 bytes per little-endian {@code long}. Reads the mask 64 bits at a
 * time (a float 1.0 is the only one of the two with bit 29 set), about 1 ns per element.
 */
final class MaskBits {

    private MaskBits() {
    }

    /** Where element {@code i} of a word's 64 sits in the {@code long}: byte i / 8 (little-endian), the first on top. */
    static int bitInWord(int i) {
        return ((i >>> 3) & 7) * 8 + 7 - (i & 7);
    }

    /**
     * Packs {@code len} floats (each exactly 0 or 1) from float index {@code from} of {@code mask} into
     * {@code words[firstWord ...]} (the float at {@code from} is the first bit of {@code words[firstWord]}), overwriting
     * them (a last partial word is zero-padded); returns how many are 1.
     */
    static long pack(ByteBuffer mask, int from, int len, long[] words, int firstWord) {
        ByteBuffer m = mask.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        boolean nativeLittle = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        int full = nativeLittle ? len / 64 * 64 : 0;
        long kept = 0;
        for (int i = 0; i < full; i += 64) {
            long word = 0;
            for (int j = 0; j < 64; j += 8) {
                int at = (from + i + j) * Float.BYTES;
                // elements 0..7 of the byte to bits 0, 32, 2, 34, 4, 36, 6, 38, then folded to bits 0..7
                long x = ((m.getLong(at) >>> 29) & 0x100000001L) | ((m.getLong(at + 8) >>> 27) & 0x400000004L)
                        | ((m.getLong(at + 16) >>> 25) & 0x1000000010L) | ((m.getLong(at + 24) >>> 23) & 0x4000000040L);
                int bits = ((int) x | (int) (x >>> 31)) & 0xff;
                word |= (long) (Integer.reverse(bits) >>> 24) << j;
            }
            kept += Long.bitCount(word);
            words[firstWord + (i >>> 6)] = word;
        }
        if (full < len) {
            ByteBuffer nat = mask.duplicate().order(ByteOrder.nativeOrder());
            for (int w = full >>> 6; w <= (len - 1) >>> 6; w++) {
                words[firstWord + w] = 0;
            }
            for (int i = full; i < len; i++) {
                if (nat.getFloat((from + i) * Float.BYTES) != 0f) {
                    words[firstWord + (i >>> 6)] |= 1L << bitInWord(i);
                    kept++;
                }
            }
        }
        return kept;
    }
}
