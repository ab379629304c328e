using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Flotilla.Execution;
using Flotilla.Planning;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flotilla.Cli.Output;

/// <summary>
/// A run's live view on a terminal (Spectre.Console's live display): one line per host with a
/// spinner while a step runs (a mark once it ended), the host, its step, the time since it started
/// and the last line its step printed, each line fitted to the terminal's width as it is at every
/// redraw (so a resized terminal gets lines of its new width, and nothing wraps). Failures show
/// as one line each under the hosts while the run goes on; when it ends the live lines are replaced
/// by the hosts' final lines, every failure with its output's last lines, and the counts.
/// </summary>
internal sealed partial class LiveRunView(IAnsiConsole console, RunProgress progress, TimeProvider time) : IRunObserver
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(100);
    private readonly Spinner _spinner = console.Profile.Capabilities.Unicode ? Spinner.Known.Dots : Spinner.Known.Ascii;
    private int _drawn;
    private string? _header;

    public void OnEvent(RunEvent runEvent) => progress.Apply(runEvent);

    public void OnOutput(PlanStep step, string line) => progress.Output(step, line);

    /// <summary>
    /// Shows the view while <paramref name="run"/> runs (with this view as its observer), under
    /// <paramref name="header"/> (already printed), then the final lines and the counts.
    /// </summary>
    public async Task<RunSummary> ShowAsync(string header, Func<IRunObserver, Task<RunSummary>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var writer = console.Profile.Out.Writer;
        var summary = await console.Live(Render(live: true)).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Top).StartAsync(async context =>
        {
            var running = run(this);
            var width = console.Profile.Width;
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(Frame, time)).ConfigureAwait(false);
                // On a new width the live display clears the screen (the terminal reflowed what it
                // drew): from then on the view carries the header, which went with it.
                if (console.Profile.Width != width && _drawn > 0)
                {
                    _header = header;
                }

                width = console.Profile.Width;
                context.UpdateTarget(Render(live: true));
                context.Refresh();
            }

            return await running.ConfigureAwait(false);
        }).ConfigureAwait(false);

        // The live display's clearing leaves the cursor in the column its last line ended in.
        await writer.WriteAsync('\r' + (_header is null ? "" : _header + "\n")).ConfigureAwait(false);
        console.Write(Render(live: false));
        // Plain text, which the terminal wraps itself (Spectre would break lines at its width).
        foreach (var failure in progress.Read((_, failures) => failures.ToArray()))
        {
            await writer.WriteAsync(failure).ConfigureAwait(false);
        }

        await writer.WriteAsync(RunProgress.SummaryText(summary)).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
        return summary;
    }

    /// <summary>The hosts' lines (and, while live, one line per failure so far), each at most the terminal's width less one column.</summary>
    internal IRenderable Render(bool live)
    {
        var width = Math.Max(20, console.Profile.Width - 1);
        var now = time.GetUtcNow();
        var frame = _spinner.Frames[(int)(now.ToUnixTimeMilliseconds() / (long)_spinner.Interval.TotalMilliseconds % _spinner.Frames.Count)];
        var lines = progress.Read((hosts, failures) =>
        {
            var nameWidth = hosts.Count == 0 ? 0 : hosts.Max(h => h.Name.Length);
            var stepWidth = hosts.Count == 0 ? 0 : Math.Min(32, hosts.Max(h => h.Step.Length));
            var rows = new List<IRenderable>();
            foreach (var host in hosts)
            {
                var (mark, style) = host.Active && live ? (frame, new Style(Color.Blue)) : Mark(host.State);
                var detail = host.Active ? host.LastLine : host.Message;
                var text = $"{host.Name.PadRight(nameWidth)}  {host.Step.PadRight(stepWidth)}  {host.Word,-15}  {host.Elapsed(now),7}  {Clean(detail)}".TrimEnd();
                rows.Add(Line(width, (mark + " ", style), (text, Style.Plain)));
            }

            if (live && _header is not null)
            {
                rows.Insert(0, new Text(_header));
            }

            if (live)
            {
                foreach (var failure in failures)
                {
                    rows.Add(Line(width, ("✗ ", new Style(Color.Red)), (Clean(failure.Split('\n')[0]), new Style(Color.Red))));
                }
            }

            return rows;
        });
        if (live)
        {
            _drawn = lines.Count;
        }

        return new Rows(lines);
    }

    private (string Mark, Style Style) Mark(RunEventState state)
    {
        var unicode = console.Profile.Capabilities.Unicode;
        return state switch
        {
            RunEventState.Succeeded => (unicode ? "✓" : "+", new Style(Color.Green)),
            RunEventState.Skipped => (unicode ? "·" : ".", new Style(Color.Grey)),
            RunEventState.Started => (unicode ? "…" : ".", new Style(Color.Blue)),
            RunEventState.RolledBack => (unicode ? "↺" : "<", new Style(Color.Yellow)),
            _ => (unicode ? "✗" : "x", new Style(Color.Red)),
        };
    }

    /// <summary>One line of pieces, cut (with an ellipsis) to <paramref name="width"/> terminal cells.</summary>
    private static Paragraph Line(int width, params (string Text, Style Style)[] pieces)
    {
        var line = new Paragraph();
        var left = width;
        foreach (var (text, style) in pieces)
        {
            var fitted = Fit(text, left);
            line.Append(fitted, style);
            left -= Cells(fitted);
            if (left <= 0)
            {
                break;
            }
        }

        return line;
    }

    internal static string Fit(string text, int cells)
    {
        if (Cells(text) <= cells)
        {
            return text;
        }

        var fitted = new StringBuilder();
        var used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var size = Cells(rune.ToString());
            if (used + size > cells - 1)
            {
                break;
            }

            fitted.Append(rune.ToString());
            used += size;
        }

        return fitted.Append('…').ToString();
    }

    private static int Cells(string text)
    {
        var cells = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            cells += Wide(rune.Value) ? 2 : 1;
        }

        return cells;
    }

    // East Asian wide and emoji ranges: the characters a terminal draws two cells wide.
    private static bool Wide(int c) =>
        c is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF or >= 0xAC00 and <= 0xD7A3 or >= 0xF900 and <= 0xFAFF
            or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60 or >= 0xFFE0 and <= 0xFFE6 or >= 0x1F300 and <= 0x1FAFF or >= 0x20000 and <= 0x3FFFD;

    /// <summary>A program's output line as one line of plain text: escape sequences (colours, cursor moves) and control characters out.</summary>
    internal static string Clean(string? line) =>
        line is null ? "" : Controls().Replace(Escapes().Replace(line, ""), " ").Trim();

    [GeneratedRegex(@"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")]
    private static partial Regex Escapes();

    [GeneratedRegex(@"[\x00-\x1f\x7f]")]
    private static partial Regex Controls();
}
