namespace Flotilla.Cli.Output;

/// <summary>The last lines of output of each step, for showing what a failing command said. Not thread safe.</summary>
internal sealed class OutputTail(int lines)
{
    private readonly Dictionary<string, Queue<string>> _tails = new(StringComparer.Ordinal);

    public void Add(string stepId, string line)
    {
        if (!_tails.TryGetValue(stepId, out var tail))
        {
            _tails[stepId] = tail = new Queue<string>(lines);
        }

        if (tail.Count == lines)
        {
            tail.Dequeue();
        }

        tail.Enqueue(line);
    }

    public IReadOnlyCollection<string> Of(string stepId) => _tails.TryGetValue(stepId, out var tail) ? tail : [];

    public void Forget(string stepId) => _tails.Remove(stepId);
}
