package io.amctkit.runtime.retrain;

/**
 * A 2-D convolution as rows, so that it trains like a Linear: each output position's receptive field
 * ({@code Cin·kh·kw} values, zero where padding) becomes one input row, and the outputs {@code [N, Cout, Ho, Wo]}
 * become rows of {@code Cout}. Groups are 1.
 */
public record Im2col(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padTop,
                     int padLeft, int padBottom, int padRight, int dilationH, int dilationW) {

    public int outHeight() {
        return (height + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    public int outWidth() {
        return (width + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }

    /** Values of one sample's input: Cin·H·W. */
    public int inputLength() {
        return channels * height * width;
    }

    /** Values per row: Cin·kh·kw, in the order of a {@code [Cout, Cin, kh, kw]} weight's row. */
    public int rowLength() {
        return channels * kernelH * kernelW;
    }

    /** {@code n} samples {@code [n, Cin, H, W]} as {@code n·Ho·Wo} rows. */
    public float[] rows(float[] x, int n) {
        int ho = outHeight();
        int wo = outWidth();
        int len = rowLength();
        float[] out = new float[n * ho * wo * len];
        int r = 0;
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++, r++) {
                    int at = r * len;
                    for (int c = 0; c < channels; c++) {
                        for (int ki = 0; ki < kernelH; ki++) {
                            int y = i * strideH - padTop + ki * dilationH;
                            for (int kj = 0; kj < kernelW; kj++) {
                                int xx = j * strideW - padLeft + kj * dilationW;
                                boolean inside = y >= 0 && y < height && xx >= 0 && xx < width;
                                out[at++] = inside ? x[((s * channels + c) * height + y) * width + xx] : 0f;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Outputs {@code [n, C, Ho, Wo]} as {@code n·Ho·Wo} rows of {@code C}. */
    public float[] outputRows(float[] y, int n, int c) {
        int ho = outHeight();
        int wo = outWidth();
        float[] out = new float[n * ho * wo * c];
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < ho * wo; p++) {
                    out[(s * ho * wo + p) * c + ch] = y[(s * c + ch) * ho * wo + p];
                }
            }
        }
        return out;
    }
}
