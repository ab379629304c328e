namespace Flotilla.Graphs.Internal;

/// <summary>
/// Builds a <see cref="Digraph"/> node by node: call <see cref="StartNode"/> for nodes in
/// increasing order, then <see cref="AddEdge"/> for that node's successors. Nodes never started
/// have no successors. Repeated edges from one node are kept once. Not thread safe.
/// </summary>
internal sealed class DigraphBuilder
{
    private readonly int[] _offsets;
    private readonly int[] _lastSource;
    private readonly List<int> _targets = [];
    private int _current = -1;

    public DigraphBuilder(int nodeCount)
    {
        _offsets = new int[nodeCount + 1];
        _lastSource = new int[nodeCount];
        Array.Fill(_lastSource, -1);
    }

    public void StartNode(int node)
    {
        if (node < _current)
        {
            throw new InvalidOperationException("nodes must be started in increasing order");
        }

        for (var skipped = _current + 1; skipped <= node; skipped++)
        {
            _offsets[skipped] = _targets.Count;
        }

        _current = node;
    }

    /// <summary>Adds an edge from the current node; returns false when it was already there.</summary>
    public bool AddEdge(int target)
    {
        if (_lastSource[target] == _current)
        {
            return false;
        }

        _lastSource[target] = _current;
        _targets.Add(target);
        return true;
    }

    public Digraph Build()
    {
        for (var node = _current + 1; node < _offsets.Length; node++)
        {
            _offsets[node] = _targets.Count;
        }

        _offsets[^1] = _targets.Count;
        return new Digraph(_offsets, [.. _targets]);
    }
}
