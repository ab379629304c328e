namespace Flotilla.Graphs.Internal;

/// <summary>
/// Kahn's algorithm over a graph whose edges point from a node to what it depends on: every node
/// comes after its dependencies. Ties go to the lowest <c>rank</c> (or the lowest node when no
/// ranks are given), so the order is deterministic. Linear time (n log n with ranks).
/// </summary>
internal static class TopologicalOrder
{
    /// <summary>The order, or null when the graph has a cycle.</summary>
    public static int[]? Sort(Digraph dependsOn, int[]? rank = null)
    {
        var n = dependsOn.NodeCount;
        var dependents = dependsOn.Reverse();
        var waiting = new int[n];
        var ready = new PriorityQueue<int, long>();
        for (var node = 0; node < n; node++)
        {
            waiting[node] = dependsOn.Successors(node).Length;
            if (waiting[node] == 0)
            {
                ready.Enqueue(node, Key(node));
            }
        }

        var order = new int[n];
        var count = 0;
        while (ready.TryDequeue(out var node, out _))
        {
            order[count++] = node;
            foreach (var dependent in dependents.Successors(node))
            {
                if (--waiting[dependent] == 0)
                {
                    ready.Enqueue(dependent, Key(dependent));
                }
            }
        }

        return count == n ? order : null;

        long Key(int node) => rank is null ? node : ((long)rank[node] << 32) | (uint)node;
    }
}
