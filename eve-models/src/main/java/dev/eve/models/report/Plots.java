package dev.eve.models.report;

import dev.eve.core.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG charts (XChart) for the reports: line charts of training curves and grouped bar charts. */
public final class Plots {

    private static final int WIDTH = 720, HEIGHT = 400;

    private Plots() {}

    /** A named curve: x and y values of equal length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
        }

        /** The curve smoothed by a centred moving average over {@code window} points (noisy per-step losses). */
        public Series smoothed(int window) {
            if (window <= 1 || y.length == 0) return this;
            double[] s = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                int a = Math.max(0, i - window / 2), b = Math.min(y.length, i + window / 2 + 1);
                double sum = 0;
                for (int j = a; j < b; j++) sum += y[j];
                s[i] = sum / (b - a);
            }
            return new Series(name, x, s);
        }
    }

    /** Writes a line chart of the series; returns the file. */
    public static Path lines(Path file, String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Series s : series) {
            if (s.x().length == 0) continue;
            XYSeries xy = chart.addSeries(s.name(), s.x(), logY ? positive(s.y()) : s.y());
            xy.setMarker(s.x().length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return save(chart, file);
    }

    /** Writes a grouped bar chart: one group per category, one bar per series; returns the file. */
    public static Path bars(Path file, String title, String xLabel, String yLabel, List<String> categories,
                            Map<String, double[]> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            List<Double> values = new ArrayList<>();
            for (double v : e.getValue()) values.add(v);
            chart.addSeries(e.getKey(), categories, values);
        }
        return save(chart, file);
    }

    private static double[] positive(double[] y) {
        double[] out = y.clone();
        for (int i = 0; i < out.length; i++) out[i] = Math.max(out[i], 1e-6);
        return out;
    }

    private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            AtomicFiles.write(file, png);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Groups the named numeric columns of JSON-lines metric rows into series over {@code xKey}. */
    public static Map<String, Series> columns(List<Map<String, Object>> rows, String xKey, List<String> yKeys) {
        Map<String, Series> out = new LinkedHashMap<>();
        for (String key : yKeys) {
            List<double[]> points = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                if (r.get(xKey) instanceof Number x && r.get(key) instanceof Number y && Double.isFinite(y.doubleValue()))
                    points.add(new double[] {x.doubleValue(), y.doubleValue()});
            }
            double[] xs = new double[points.size()], ys = new double[points.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = points.get(i)[0];
                ys[i] = points.get(i)[1];
            }
            out.put(key, new Series(key, xs, ys));
        }
        return out;
    }
}
