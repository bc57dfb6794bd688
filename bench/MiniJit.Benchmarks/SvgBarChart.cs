using System.Globalization;
using System.Security;
using System.Text;

namespace MiniJit.Benchmarks;

/// <summary>A grouped vertical bar chart as a self-contained SVG: enough for the README, no plotting package.</summary>
static class SvgBarChart
{
    static readonly string[] Colors = ["#9e9e9e", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728"];

    const int Left = 56, Right = 16, Top = 64, Bottom = 48, PlotHeight = 300, BarWidth = 16, GroupGap = 24;

    /// <param name="series">One bar per group for each series; a null value leaves a gap.</param>
    /// <param name="referenceLine">Drawn across the plot as a dashed line (the baseline's value).</param>
    public static string Render(string title, string[] groups, (string Name, double?[] Values)[] series, double referenceLine)
    {
        var groupWidth = series.Length * BarWidth + GroupGap;
        var width = Left + groups.Length * groupWidth + Right;
        var height = Top + PlotHeight + Bottom;
        var max = series.SelectMany(s => s.Values).Append(referenceLine).Max(v => v ?? 0);
        var step = NiceStep(max / 5);
        var top = Math.Ceiling(max / step) * step;
        double Y(double value) => Top + PlotHeight * (1 - value / top);

        var svg = new StringBuilder();
        svg.AppendLine(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">"));
        svg.AppendLine(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.AppendLine(Invariant($"<text x=\"{width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>"));

        var x = Left;
        for (var s = 0; s < series.Length; s++)
        {
            svg.AppendLine(Invariant($"<rect x=\"{x}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{Colors[s % Colors.Length]}\"/>"));
            svg.AppendLine(Invariant($"<text x=\"{x + 14}\" y=\"39\">{Escape(series[s].Name)}</text>"));
            x += 14 + 7 * series[s].Name.Length + 16; // a rough text width is enough to keep the legend entries apart
        }

        for (var tick = 0.0; tick <= top + step / 2; tick += step)
        {
            svg.AppendLine(Invariant($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Y(tick):F1}\" y2=\"{Y(tick):F1}\" stroke=\"#e0e0e0\"/>"));
            svg.AppendLine(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(tick) + 4:F1}\" text-anchor=\"end\">{tick:0.##}×</text>"));
        }

        for (var g = 0; g < groups.Length; g++)
        {
            var groupX = Left + g * groupWidth + GroupGap / 2;
            for (var s = 0; s < series.Length; s++)
            {
                if (series[s].Values[g] is not { } value) continue;
                var barX = groupX + s * BarWidth;
                svg.AppendLine(Invariant($"<rect x=\"{barX}\" y=\"{Y(value):F1}\" width=\"{BarWidth - 2}\" height=\"{PlotHeight - (Y(value) - Top):F1}\" fill=\"{Colors[s % Colors.Length]}\"><title>{Escape(groups[g])}, {Escape(series[s].Name)}: {value:F2}×</title></rect>"));
                svg.AppendLine(Invariant($"<text x=\"{barX + BarWidth / 2 - 1}\" y=\"{Y(value) - 3:F1}\" text-anchor=\"middle\" font-size=\"8\">{value:F1}</text>"));
            }
            svg.AppendLine(Invariant($"<text x=\"{groupX + series.Length * BarWidth / 2}\" y=\"{Top + PlotHeight + 16}\" text-anchor=\"middle\">{Escape(groups[g])}</text>"));
        }

        svg.AppendLine(Invariant($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Y(referenceLine):F1}\" y2=\"{Y(referenceLine):F1}\" stroke=\"black\" stroke-dasharray=\"5,3\"/>"));
        svg.AppendLine(Invariant($"<text x=\"{width - Right}\" y=\"{Y(referenceLine) - 4:F1}\" text-anchor=\"end\">RyuJIT tier 1 = 1</text>"));
        svg.AppendLine(Invariant($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Top + PlotHeight}\" y2=\"{Top + PlotHeight}\" stroke=\"black\"/>"));
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten: gridlines at round values.</summary>
    static double NiceStep(double rough)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        return (rough / power) switch { <= 1 => power, <= 2 => 2 * power, <= 5 => 5 * power, _ => 10 * power };
    }

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string Escape(string text) => SecurityElement.Escape(text);
}
