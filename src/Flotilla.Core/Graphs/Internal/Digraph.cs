namespace Flotilla.Graphs.Internal;

/// <summary>
/// A directed graph over nodes <c>0..NodeCount-1</c> in compressed form (one array of offsets,
/// one of targets). Successors keep the order the edges were added in, so every walk over the
/// graph is deterministic. Immutable once built.
/// </summary>
internal sealed class Digraph
{
    private readonly int[] _offsets;
    private readonly int[] _targets;

    public Digraph(int[] offsets, int[] targets)
    {
        _offsets = offsets;
        _targets = targets;
    }

    public int NodeCount => _offsets.Length - 1;

    public int EdgeCount => _targets.Length;

    public ReadOnlySpan<int> Successors(int node) => _targets.AsSpan(_offsets[node], _offsets[node + 1] - _offsets[node]);

    /// <summary>The same nodes with every edge turned around.</summary>
    public Digraph Reverse()
    {
        var offsets = new int[_offsets.Length];
        foreach (var target in _targets)
        {
            offsets[target + 1]++;
        }

        for (var i = 1; i < offsets.Length; i++)
        {
            offsets[i] += offsets[i - 1];
        }

        var cursor = (int[])offsets.Clone();
        var targets = new int[_targets.Length];
        for (var node = 0; node < NodeCount; node++)
        {
            foreach (var successor in Successors(node))
            {
                targets[cursor[successor]++] = node;
            }
        }

        return new Digraph(offsets, targets);
    }

    /// <summary>
    /// The subgraph on <paramref name="nodes"/>, renumbered: node <c>i</c> of the result is
    /// <c>nodes[i]</c> here. Edges leaving the subgraph are dropped.
    /// </summary>
    public Digraph Induced(ReadOnlySpan<int> nodes)
    {
        var local = new int[NodeCount];
        Array.Fill(local, -1);
        for (var i = 0; i < nodes.Length; i++)
        {
            local[nodes[i]] = i;
        }

        var builder = new DigraphBuilder(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            builder.StartNode(i);
            foreach (var successor in Successors(nodes[i]))
            {
                if (local[successor] >= 0)
                {
                    builder.AddEdge(local[successor]);
                }
            }
        }

        return builder.Build();
    }
}
