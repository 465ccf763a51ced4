package io.flowtap.tools.journal;

import org.HdrHistogram.Histogram;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A latency-by-percentile plot as HdrHistogram's plotter draws one: the x axis is the percentile on a logarithmic
 * scale of 1 / (1 - p), so that 90 %, 99 %, 99.9 % ... are evenly spaced and the tail gets the room; the y axis is the
 * latency. One line per stage. SVG is written as text; PNG through java.awt, headless.
 */
final class PercentilePlot
{
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    private static final int LEFT = 80;
    private static final int RIGHT = 160;
    private static final int TOP = 30;
    private static final int BOTTOM = 60;
    /** Nines on the x axis: 0 %, 90 %, 99 % ... 99.9999 %. */
    private static final int NINES = 6;
    private static final int POINTS = 240;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private PercentilePlot()
    {
    }

    static boolean supports(final Path path)
    {
        final String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".svg") || name.endsWith(".png");
    }

    static void write(final Path path, final Map<String, Histogram> stages, final double divisor, final String unit)
        throws IOException
    {
        double max = 0;
        for (final Histogram histogram : stages.values())
        {
            max = Math.max(max, histogram.getMaxValue() / divisor);
        }
        max = max <= 0 ? 1 : niceCeiling(max);
        final List<double[][]> lines = new ArrayList<>();
        for (final Histogram histogram : stages.values())
        {
            final double[][] points = new double[POINTS + 1][2];
            for (int i = 0; i <= POINTS; i++)
            {
                final double nines = NINES * (double)i / POINTS;
                final double percentile = 100.0 * (1 - Math.pow(10, -nines));
                points[i][0] = x(nines);
                points[i][1] = y(histogram.getValueAtPercentile(percentile) / divisor, max);
            }
            lines.add(points);
        }
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg"))
        {
            Files.writeString(path, svg(stages, lines, max, unit), StandardCharsets.UTF_8);
        }
        else
        {
            ImageIO.write(png(stages, lines, max, unit), "png", path.toFile());
        }
    }

    private static String svg(
        final Map<String, Histogram> stages, final List<double[][]> lines, final double max, final String unit)
    {
        final StringBuilder svg = new StringBuilder(16 * 1024);
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
            .append(WIDTH).append("\" height=\"").append(HEIGHT)
            .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
            .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (int n = 0; n <= NINES; n++)
        {
            final double x = x(n);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n"
                + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                x, TOP, x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 18, percentLabel(n)));
        }
        for (int t = 0; t <= 4; t++)
        {
            final double value = max * t / 4;
            final double y = y(value, max);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n"
                + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, trim(value)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n"
            + "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">latency (%s)</text>%n",
            LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 16, HEIGHT / 2, HEIGHT / 2, unit));
        int i = 0;
        for (final String stage : stages.keySet())
        {
            final String colour = COLOURS[i % COLOURS.length];
            svg.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colour).append("\" points=\"");
            for (final double[] point : lines.get(i))
            {
                svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", point[0], point[1]));
            }
            svg.append("\"/>\n").append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", WIDTH - RIGHT + 10, TOP + 16 + 18 * i, colour,
                escape(stage)));
            i++;
        }
        return svg.append("</svg>\n").toString();
    }

    private static BufferedImage png(
        final Map<String, Histogram> stages, final List<double[][]> lines, final double max, final String unit)
    {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            for (int n = 0; n <= NINES; n++)
            {
                final int x = (int)x(n);
                g.setColor(Color.LIGHT_GRAY);
                g.drawLine(x, TOP, x, HEIGHT - BOTTOM);
                g.setColor(Color.BLACK);
                g.drawString(percentLabel(n), x - 20, HEIGHT - BOTTOM + 18);
            }
            for (int t = 0; t <= 4; t++)
            {
                final double value = max * t / 4;
                final int y = (int)y(value, max);
                g.setColor(Color.LIGHT_GRAY);
                g.drawLine(LEFT, y, WIDTH - RIGHT, y);
                g.setColor(Color.BLACK);
                g.drawString(trim(value), 8, y + 4);
            }
            g.drawString("percentile; latency in " + unit, LEFT, HEIGHT - 16);
            g.setStroke(new BasicStroke(2));
            int i = 0;
            for (final String stage : stages.keySet())
            {
                g.setColor(Color.decode(COLOURS[i % COLOURS.length]));
                final double[][] points = lines.get(i);
                for (int p = 1; p < points.length; p++)
                {
                    g.drawLine((int)points[p - 1][0], (int)points[p - 1][1], (int)points[p][0], (int)points[p][1]);
                }
                g.drawString(stage, WIDTH - RIGHT + 10, TOP + 16 + 18 * i);
                i++;
            }
        }
        finally
        {
            g.dispose();
        }
        return image;
    }

    private static double x(final double nines)
    {
        return LEFT + (WIDTH - LEFT - RIGHT) * nines / NINES;
    }

    private static double y(final double value, final double max)
    {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * Math.min(value, max) / max;
    }

    private static String percentLabel(final int nines)
    {
        if (nines == 0)
        {
            return "0%";
        }
        if (nines == 1)
        {
            return "90%";
        }
        return nines == 2 ? "99%" : "99." + "9".repeat(nines - 2) + "%";
    }

    private static double niceCeiling(final double value)
    {
        final double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (final double step : new double[] {1, 2, 2.5, 5, 10})
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String trim(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
