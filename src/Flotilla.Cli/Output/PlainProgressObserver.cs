using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Cli.Output;

/// <summary>
/// Progress as plain lines, for logs, pipes and <c>--plain</c>: one line per state change; a
/// failure adds the step's message, its last <see cref="RunProgress.TailLines"/> output lines and
/// its log; the end prints the counts.
/// </summary>
internal sealed class PlainProgressObserver(TextWriter writer, Func<string?, string>? logPathOf = null) : IRunObserver
{
    private readonly RunProgress _progress = new(logPathOf);

    public void OnEvent(RunEvent runEvent)
    {
        var (host, failure) = _progress.Apply(runEvent);
        var message = runEvent.Message is null || failure is not null ? "" : ": " + runEvent.Message;
        writer.Write($"{runEvent.Time.UtcDateTime:HH:mm:ss} {host} {runEvent.Step} {RunProgress.Word(runEvent.State)}{message}\n{failure}");
        writer.Flush();
    }

    public void OnOutput(PlanStep step, string line) => _progress.Output(step, line);

    public void OnFinished(RunSummary summary)
    {
        writer.Write(RunProgress.SummaryText(summary));
        writer.Flush();
    }
}
