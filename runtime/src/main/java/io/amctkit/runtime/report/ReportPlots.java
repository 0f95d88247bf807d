package io.amctkit.runtime.report;

import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The report's plots as PNG images (JFreeChart, headless, no network): weight SQNR per layer, a weight histogram with
 * the quantization range, sparsity per layer, kept output channels per layer.
 */
public final class ReportPlots {

    /** A titled PNG. */
    public record Plot(String title, byte[] png) {
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;

    private ReportPlots() {
    }

    public static Optional<Plot> sqnr(SessionResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (LayerReport l : result.layers()) {
            l.error().filter(e -> Double.isFinite(e.sqnrDb())).ifPresent(e -> data.addValue(e.sqnrDb(), "weight SQNR", l.name()));
        }
        return data.getColumnCount() == 0 ? Optional.empty()
                : Optional.of(bars("Weight SQNR per layer (dB, higher is better)", "SQNR dB", data));
    }

    public static Optional<Plot> sparsity(SessionResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (LayerReport l : result.layers()) {
            if (!l.pruneKind().isEmpty()) {
                data.addValue(l.requestedSparsity(), "requested", l.name());
                data.addValue(l.realisedSparsity(), "realised", l.name());
            }
        }
        return data.getColumnCount() == 0 ? Optional.empty()
                : Optional.of(bars("Sparsity per layer (share of weights removed)", "sparsity", data));
    }

    public static Optional<Plot> keptChannels(SessionResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (LayerReport l : result.layers()) {
            if (l.keptFilters().isPresent()) {
                data.addValue(l.keptFilters().getAsInt(), "kept", l.name());
                data.addValue(l.filters() - l.keptFilters().getAsInt(), "pruned", l.name());
            }
        }
        if (data.getColumnCount() == 0) {
            return Optional.empty();
        }
        JFreeChart chart = ChartFactory.createStackedBarChart("Output channels kept by filter pruning", "layer", "channels",
                data, PlotOrientation.VERTICAL, true, false, false);
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        return Optional.of(png(chart.getTitle().getText(), chart));
    }

    /** A histogram of one layer's weights with the quantization range [qmin·s, qmax·s] of its largest scale marked. */
    public static Plot weightHistogram(String layer, float[] weights, double scale, int bits) {
        HistogramDataset data = new HistogramDataset();
        double[] values = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            values[i] = weights[i];
        }
        data.addSeries(layer, values, 100);
        JFreeChart chart = ChartFactory.createHistogram("Weights of " + layer + " and the INT" + bits + " range",
                "weight", "count", data, PlotOrientation.VERTICAL, false, false, false);
        double lo = -(1 << (bits - 1)) * scale;
        double hi = ((1 << (bits - 1)) - 1) * scale;
        for (double v : new double[]{lo, hi}) {
            ValueMarker m = new ValueMarker(v, Color.RED, new BasicStroke(2f));
            chart.getXYPlot().addDomainMarker(m);
        }
        return png(chart.getTitle().getText(), chart);
    }

    private static Plot bars(String title, String axis, DefaultCategoryDataset data) {
        JFreeChart chart = ChartFactory.createBarChart(title, "layer", axis, data, PlotOrientation.VERTICAL, true, false, false);
        chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        return png(title, chart);
    }

    /**
     * A sensitivity analysis: per layer, in order of impact, the output SQNR with only that layer compressed and with
     * all but that layer compressed (horizontal bars, full layer names).
     */
    public static Plot sensitivity(io.amctkit.runtime.sensitivity.SensitivityResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (io.amctkit.runtime.sensitivity.SensitivityResult.LayerImpact l : result.layers()) {
            data.addValue(finite(l.onlyThis().sqnrDb()), "only this layer compressed", l.layer());
            data.addValue(finite(l.allButThis().sqnrDb()), "all but this layer compressed", l.layer());
        }
        String title = "Output SQNR (dB) per layer, most sensitive first";
        JFreeChart chart = ChartFactory.createBarChart(title, "layer", "output SQNR to the float model (dB)", data,
                PlotOrientation.HORIZONTAL, true, false, false);
        return png(title, chart, WIDTH, Math.max(HEIGHT, 120 + 28 * result.layers().size()));
    }

    /**
     * The loss of every retraining step per layer, relative to the layer's calibrated error (log scale; below 1 is
     * better than calibrated). The legend names the layers when there are few.
     */
    public static Optional<Plot> retrainLoss(io.amctkit.runtime.retrain.RetrainResult result) {
        org.jfree.data.xy.XYSeriesCollection data = new org.jfree.data.xy.XYSeriesCollection();
        for (io.amctkit.runtime.retrain.RetrainedLayer l : result.layers()) {
            if (l.curve().isEmpty() || !(l.lossBefore() > 0)) {
                continue;
            }
            org.jfree.data.xy.XYSeries series = new org.jfree.data.xy.XYSeries(l.name(), false, true);
            List<Double> c = l.curve();
            int every = Math.max(1, c.size() / 200);
            for (int i = 0; i < c.size(); i += every) {
                if (c.get(i) > 0) {
                    series.add(i, c.get(i) / l.lossBefore());
                }
            }
            data.addSeries(series);
        }
        if (data.getSeriesCount() == 0) {
            return Optional.empty();
        }
        String title = "Retraining loss per step, relative to each layer's calibrated error";
        JFreeChart chart = ChartFactory.createXYLineChart(title, "step (clips and bias, then rounding)",
                "mini-batch MSE / calibrated MSE", data, PlotOrientation.VERTICAL, data.getSeriesCount() <= 12, false, false);
        org.jfree.chart.axis.LogAxis log = new org.jfree.chart.axis.LogAxis("mini-batch MSE / calibrated MSE");
        log.setSmallestValue(1e-4);
        chart.getXYPlot().setRangeAxis(log);
        chart.getXYPlot().addRangeMarker(new ValueMarker(1.0, Color.GRAY, new BasicStroke(1f)));
        return Optional.of(png(title, chart));
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 200;
    }

    private static Plot png(String title, JFreeChart chart) {
        return png(title, chart, WIDTH, HEIGHT);
    }

    private static Plot png(String title, JFreeChart chart, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(out, chart, width, height);
            return new Plot(title, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All plots that apply to this result, histogram first when given. */
    public static List<Plot> all(SessionResult result, Optional<Plot> histogram) {
        java.util.ArrayList<Plot> plots = new java.util.ArrayList<>();
        sqnr(result).ifPresent(plots::add);
        histogram.ifPresent(plots::add);
        sparsity(result).ifPresent(plots::add);
        keptChannels(result).ifPresent(plots::add);
        return plots;
    }
}
