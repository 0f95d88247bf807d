package io.amctkit.runtime.report;

import io.amctkit.runtime.session.LayerReport;
import io.amctkit.runtime.session.SessionResult;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The report's plots (JFreeChart, headless, no network), each as SVG for the page and as a PNG at twice its size for
 * notebooks and files: weight and activation SQNR per layer (horizontal bars, full names, model order, the lowest
 * three in red), one layer's weights on its quantization grid (one bar per level, log counts, the clip range marked),
 * sparsity and kept output channels per layer, coloured by what was done.
 */
public final class ReportPlots {

    /** Colours shared by every plot: what was done to a layer, and the worst layers. */
    static final Color QUANT = new Color(0x3b6ea8);
    static final Color WORST = new Color(0xc8372d);
    static final Color TWO_FOUR = new Color(0x7b4fa0);
    static final Color FILTER = new Color(0x2f8f5b);
    static final Color REMOVED = new Color(0xd9d9d9);
    static final Color REQUESTED = new Color(0xbdbdbd);
    private static final Color GRID = new Color(0xe3e3e3);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    private static final int BAR_ROW = 16;

    /** A titled chart of a fixed size, drawn on demand as SVG or as a 2× PNG. */
    public static final class Plot {
        private final String title;
        private final JFreeChart chart;
        private final int width;
        private final int height;

        Plot(String title, JFreeChart chart, int width, int height) {
            this.title = title;
            this.chart = chart;
            this.width = width;
            this.height = height;
            style(chart);
        }

        public String title() {
            return title;
        }

        public int width() {
            return width;
        }

        public int height() {
            return height;
        }

        /** The chart as a standalone {@code <svg>} element that scales to its container's width. */
        public String svg() {
            SVGGraphics2D g = new SVGGraphics2D(width, height);
            // ids from the title, not the clock, so that the same plot is the same text; coordinates to 0.1 px
            g.setDefsKeyPrefix("p" + Integer.toHexString(title.hashCode()) + "-");
            g.setGeomDoubleConverter(ReportPlots::tenth);
            g.setTransformDoubleConverter(ReportPlots::tenth);
            synchronized (chart) {
                chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
            }
            return g.getSVGElement(null, true, new org.jfree.svg.ViewBox(0, 0, width, height), null, null)
                    .replaceFirst("<svg ", "<svg role=\"img\" aria-label=\"" + ReportHtml.escape(title).replace("$", "\\$")
                            + "\" style=\"max-width:100%;height:auto\" ");
        }

        /** The chart as PNG at twice its nominal size (crisp on high-DPI screens). */
        public byte[] png() {
            return png(2);
        }

        /** The chart as PNG at {@code scale} times its nominal size (1 for small notebook outputs). */
        public byte[] png(int scale) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                synchronized (chart) {
                    ChartUtils.writeScaledChartAsPNG(out, chart, width, height, scale, scale);
                }
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private ReportPlots() {
    }

    /** Weight SQNR per quantized layer in model order; the three lowest in red. */
    public static Optional<Plot> sqnr(SessionResult result) {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (LayerReport l : result.layers()) {
            l.error().filter(e -> Double.isFinite(e.sqnrDb())).ifPresent(e -> {
                names.add(l.name());
                values.add(e.sqnrDb());
            });
        }
        return names.isEmpty() ? Optional.empty() : Optional.of(lowestInRed(
                "Weight SQNR per layer (dB, higher is better; the lowest three in red)", "weight SQNR (dB)", names, values));
    }

    /** Activation SQNR per calibrated layer in model order; the three lowest in red. */
    public static Optional<Plot> activationSqnr(SessionResult result) {
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (LayerReport l : result.layers()) {
            result.activation(l.name()).filter(a -> Double.isFinite(a.sqnrDb())).ifPresent(a -> {
                names.add(l.name());
                values.add(a.sqnrDb());
            });
        }
        return names.isEmpty() ? Optional.empty() : Optional.of(lowestInRed(
                "Activation SQNR per layer on the calibration samples (dB; the lowest three in red)", "activation SQNR (dB)",
                names, values));
    }

    private static Plot lowestInRed(String title, String axis, List<String> names, List<Double> values) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int i = 0; i < names.size(); i++) {
            data.addValue(values.get(i), axis, names.get(i));
        }
        Set<Integer> lowest = java.util.stream.IntStream.range(0, values.size()).boxed()
                .sorted(java.util.Comparator.comparingDouble(values::get)).limit(3).collect(Collectors.toSet());
        JFreeChart chart = ChartFactory.createBarChart(title, null, axis, data, PlotOrientation.HORIZONTAL, false, true, false);
        chart.getCategoryPlot().setRenderer(new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return lowest.contains(column) ? WORST : QUANT;
            }
        });
        return new Plot(title, chart, WIDTH, barsHeight(names.size()));
    }

    /** Requested and realised sparsity per pruned layer, the realised bar coloured by the kind of pruning. */
    public static Optional<Plot> sparsity(SessionResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<String> kinds = new ArrayList<>();
        for (LayerReport l : result.layers()) {
            if (!l.pruneKind().isEmpty()) {
                data.addValue(100 * l.requestedSparsity(), "requested", l.name());
                data.addValue(100 * l.realisedSparsity(), "realised (purple: 2:4, green: filter)", l.name());
                kinds.add(l.pruneKind());
            }
        }
        if (kinds.isEmpty()) {
            return Optional.empty();
        }
        String title = "Sparsity per layer (% of weights removed): asked for and obtained";
        JFreeChart chart = ChartFactory.createBarChart(title, null, "sparsity (%)", data, PlotOrientation.HORIZONTAL, true,
                true, false);
        chart.getCategoryPlot().setRenderer(new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return row == 0 ? REQUESTED : kinds.get(column).equals("2:4") ? TWO_FOUR : FILTER;
            }
        });
        chart.getCategoryPlot().getRenderer().setSeriesPaint(0, REQUESTED);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(1, kinds.contains("2:4") ? TWO_FOUR : FILTER);
        return Optional.of(new Plot(title, chart, WIDTH, barsHeight(kinds.size() * 2) + 30));
    }

    /** Output channels kept and removed per filter-pruned layer (stacked horizontal bars). */
    public static Optional<Plot> keptChannels(SessionResult result) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        int rows = 0;
        for (LayerReport l : result.layers()) {
            if (l.keptFilters().isPresent()) {
                data.addValue(l.keptFilters().getAsInt(), "kept", l.name());
                data.addValue(l.filters() - l.keptFilters().getAsInt(), "removed", l.name());
                rows++;
            }
        }
        if (rows == 0) {
            return Optional.empty();
        }
        String title = "Output channels kept by filter pruning";
        JFreeChart chart = ChartFactory.createStackedBarChart(title, null, "output channels", data,
                PlotOrientation.HORIZONTAL, true, true, false);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(0, FILTER);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(1, REMOVED);
        return Optional.of(new Plot(title, chart, WIDTH, barsHeight(rows) + 30));
    }

    /**
     * One layer's weights on its quantization grid: one bar per level of the largest scale (a weight counts at the
     * level it rounds to), counts on a log axis so that the few weights that set the range stay visible, and the
     * range [qmin·s, qmax·s] marked in red.
     */
    public static Plot weightHistogram(String layer, float[] weights, double scale, int bits) {
        return weightHistogram(layer, java.nio.FloatBuffer.wrap(weights), scale, bits);
    }

    /** The same over a buffer (an LLM's weight, read where it lies: no copy of its size on the heap). */
    public static Plot weightHistogram(String layer, java.nio.FloatBuffer weights, double scale, int bits) {
        int qmin = -(1 << (bits - 1));
        int qmax = (1 << (bits - 1)) - 1;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = weights.limit();
        for (int i = 0; i < n; i++) {
            float w = weights.get(i);
            min = Math.min(min, w);
            max = Math.max(max, w);
        }
        int lo = (int) Math.max(qmin, Math.floor(min / scale) - 1);
        int hi = (int) Math.min(qmax, Math.ceil(max / scale) + 1);
        long[] counts = new long[hi - lo + 1];
        for (int i = 0; i < n; i++) {
            long level = Math.round(weights.get(i) / scale);
            counts[(int) (Math.max(lo, Math.min(hi, level)) - lo)]++;
        }
        XYIntervalSeries series = new XYIntervalSeries("weights per level");
        for (int k = lo; k <= hi; k++) {
            long c = counts[k - lo];
            if (c > 0) {
                series.add(k * scale, (k - 0.5) * scale, (k + 0.5) * scale, c, 0.5, c);
            }
        }
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        data.addSeries(series);
        String title = "Weights of " + layer + " on the INT" + bits + " grid (one bar per level, log counts)";
        JFreeChart chart = ChartFactory.createXYBarChart(title, "weight value (bars: INT" + bits + " levels, scale " + String.format(java.util.Locale.ROOT,
                "%.4g", scale) + ")", false, "weights (log scale)", data, PlotOrientation.VERTICAL, false, true, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis counted = new LogAxis("weights (log scale)");
        counted.setSmallestValue(0.5);
        counted.setBase(10);
        counted.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        plot.setRangeAxis(counted);
        XYBarRenderer bars = (XYBarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, QUANT);
        bars.setUseYInterval(true);
        double margin = 0.02 * (qmax - qmin) * scale;
        plot.getDomainAxis().setRange(Math.min(qmin * scale, min) - margin, Math.max(qmax * scale, max) + margin);
        for (double v : new double[]{qmin * scale, qmax * scale}) {
            ValueMarker m = new ValueMarker(v, WORST, new BasicStroke(1.5f));
            m.setLabel(v < 0 ? "qmin·s = " + String.format(java.util.Locale.ROOT, "%.4g", v)
                    : "qmax·s = " + String.format(java.util.Locale.ROOT, "%.4g", v));
            m.setLabelFont(LABEL);
            m.setLabelPaint(WORST);
            m.setLabelAnchor(v < 0 ? RectangleAnchor.TOP_RIGHT : RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(v < 0 ? TextAnchor.TOP_LEFT : TextAnchor.TOP_RIGHT);
            plot.addDomainMarker(m);
        }
        return new Plot(title, chart, WIDTH, HEIGHT);
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
        JFreeChart chart = ChartFactory.createBarChart(title, null, "output SQNR to the float model (dB)", data,
                PlotOrientation.HORIZONTAL, true, true, false);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(0, WORST);
        chart.getCategoryPlot().getRenderer().setSeriesPaint(1, QUANT);
        return new Plot(title, chart, WIDTH, barsHeight(2 * result.layers().size()) + 30);
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
            int every = Math.max(1, c.size() / 120);
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
                "mini-batch MSE / calibrated MSE", data, PlotOrientation.VERTICAL, data.getSeriesCount() <= 12, true, false);
        LogAxis log = new LogAxis("mini-batch MSE / calibrated MSE");
        log.setSmallestValue(1e-4);
        chart.getXYPlot().setRangeAxis(log);
        chart.getXYPlot().addRangeMarker(new ValueMarker(1.0, Color.GRAY, new BasicStroke(1f)));
        return Optional.of(new Plot(title, chart, WIDTH, HEIGHT));
    }

    /** A coordinate to one decimal, without a trailing ".0". */
    private static String tenth(double v) {
        long t = Math.round(v * 10);
        return t % 10 == 0 ? Long.toString(t / 10) : (t < 0 && t > -10 ? "-0." + (-t) : (t / 10) + "." + Math.abs(t % 10));
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 200;
    }

    private static int barsHeight(int bars) {
        return Math.max(220, 90 + BAR_ROW * bars);
    }

    /** One look for every chart: white background, light grid, plain bars, readable labels. */
    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        if (chart.getTitle() != null) {
            chart.getTitle().setFont(TITLE);
        }
        if (chart.getPlot() instanceof CategoryPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(GRID);
            plot.setRangeGridlineStroke(new BasicStroke(1f));
            plot.setOutlineVisible(false);
            plot.setRangeAxisLocation(org.jfree.chart.axis.AxisLocation.BOTTOM_OR_LEFT);
            CategoryAxis names = plot.getDomainAxis();
            names.setTickLabelFont(LABEL);
            names.setMaximumCategoryLabelWidthRatio(0.45f);
            names.setCategoryMargin(0.15);
            plot.getRangeAxis().setTickLabelFont(LABEL);
            if (plot.getRenderer() instanceof BarRenderer bars) {
                bars.setBarPainter(new StandardBarPainter());
                bars.setShadowVisible(false);
                bars.setItemMargin(0.0);
                bars.setDrawBarOutline(false);
            }
        } else if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(GRID);
            plot.setDomainGridlinePaint(GRID);
            plot.setRangeGridlineStroke(new BasicStroke(1f));
            plot.setDomainGridlineStroke(new BasicStroke(1f));
            plot.setOutlineVisible(false);
            plot.getDomainAxis().setTickLabelFont(LABEL);
            plot.getRangeAxis().setTickLabelFont(LABEL);
        }
    }

    /** All plots that apply to this result, in reading order: SQNRs, the histogram when given, sparsity, channels. */
    public static List<Plot> all(SessionResult result, Optional<Plot> histogram) {
        List<Plot> plots = new ArrayList<>();
        sqnr(result).ifPresent(plots::add);
        activationSqnr(result).ifPresent(plots::add);
        histogram.ifPresent(plots::add);
        sparsity(result).ifPresent(plots::add);
        keptChannels(result).ifPresent(plots::add);
        return plots;
    }
}
