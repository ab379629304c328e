namespace Flotilla.Graphs.Internal;

/// <summary>
/// Finds cycles: one per strongly connected component with more than one node, each as the
/// shortest cycle through the component's first node. Self-loops are not cycles here (callers
/// report them on their own). Iterative (Tarjan's algorithm without recursion), linear time, so
/// chains of any length fit on the stack.
/// </summary>
internal static class Cycles
{
    /// <summary>Component id per node; ids are dense from 0. <paramref name="count"/> is the number of components.</summary>
    public static int[] Components(Digraph graph, out int count)
    {
        var n = graph.NodeCount;
        var index = new int[n];
        var low = new int[n];
        var component = new int[n];
        var onStack = new bool[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var frames = new Stack<(int Node, int Cursor)>();
        var counter = 0;
        count = 0;
        for (var root = 0; root < n; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            Visit(root);
            while (frames.Count > 0)
            {
                var (node, cursor) = frames.Pop();
                var successors = graph.Successors(node);
                if (cursor < successors.Length)
                {
                    frames.Push((node, cursor + 1));
                    var next = successors[cursor];
                    if (index[next] < 0)
                    {
                        Visit(next);
                    }
                    else if (onStack[next])
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }

                    continue;
                }

                if (low[node] == index[node])
                {
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component[member] = count;
                    }
                    while (member != node);
                    count++;
                }

                if (frames.Count > 0)
                {
                    var parent = frames.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }
            }
        }

        return component;

        void Visit(int node)
        {
            index[node] = low[node] = counter++;
            stack.Push(node);
            onStack[node] = true;
            frames.Push((node, 0));
        }
    }

    /// <summary>
    /// One cycle per component of two or more nodes, ordered by each component's lowest node.
    /// Each cycle lists its nodes from that lowest node on, without repeating it at the end.
    /// </summary>
    public static List<int[]> Find(Digraph graph) => Find(graph, Components(graph, out var count), count);

    public static List<int[]> Find(Digraph graph, int[] component, int count)
    {
        var size = new int[count];
        var first = new int[count];
        Array.Fill(first, -1);
        for (var node = 0; node < component.Length; node++)
        {
            var id = component[node];
            size[id]++;
            if (first[id] < 0)
            {
                first[id] = node;
            }
        }

        var starts = new List<int>();
        for (var id = 0; id < count; id++)
        {
            if (size[id] > 1)
            {
                starts.Add(first[id]);
            }
        }

        starts.Sort();
        var parent = new int[graph.NodeCount];
        var seen = new int[graph.NodeCount];
        Array.Fill(seen, -1);
        var cycles = new List<int[]>(starts.Count);
        foreach (var start in starts)
        {
            cycles.Add(ShortestThrough(graph, start, component, parent, seen));
        }

        return cycles;
    }

    /// <summary>Breadth-first from <paramref name="start"/> inside its component until an edge leads back to it.</summary>
    private static int[] ShortestThrough(Digraph graph, int start, int[] component, int[] parent, int[] seen)
    {
        var queue = new Queue<int>();
        queue.Enqueue(start);
        seen[start] = start;
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var next in graph.Successors(node))
            {
                if (component[next] != component[start])
                {
                    continue;
                }

                if (next == start)
                {
                    var path = new List<int>();
                    for (var at = node; at != start; at = parent[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse();
                    return [.. path];
                }

                if (seen[next] != start)
                {
                    seen[next] = start;
                    parent[next] = node;
                    queue.Enqueue(next);
                }
            }
        }

        throw new InvalidOperationException("a strongly connected component without a cycle through its first node");
    }
}
