using System.Collections.Concurrent;

namespace Flotilla.Execution.Operations;

/// <summary>
/// How the host of an operation (the CLI, the server) follows it: the notes it says on the way,
/// and each of its journaled runs, watched with an observer of the host's own (a live view, JSON
/// lines, the server's event stream). Calls come one at a time, from the operation's flow.
/// </summary>
public interface IOperationView
{
    void Note(OperationNote note);

    /// <summary>Runs <paramref name="execute"/> with the host's observer of the run <paramref name="run"/>, and returns what it returns.</summary>
    Task<RunSummary> WatchAsync(RunStarting run, Func<IRunObserver, Task<RunSummary>> execute);
}

/// <summary>A view that keeps every note and watches every run with one observer (or none): for the server and tests. Thread safe.</summary>
public sealed class ObserverView(IRunObserver? observer = null) : IOperationView
{
    private readonly ConcurrentQueue<OperationNote> notes = new();

    /// <summary>Every note so far, in the order said.</summary>
    public IReadOnlyList<OperationNote> Notes => [.. notes];

    public void Note(OperationNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        notes.Enqueue(note);
    }

    public Task<RunSummary> WatchAsync(RunStarting run, Func<IRunObserver, Task<RunSummary>> execute)
    {
        ArgumentNullException.ThrowIfNull(execute);
        return execute(observer ?? NoObserver.Instance);
    }

    private sealed class NoObserver : IRunObserver
    {
        public static readonly NoObserver Instance = new();

        public void OnEvent(RunEvent runEvent)
        {
        }
    }
}
