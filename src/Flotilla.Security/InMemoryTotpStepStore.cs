using System.Collections.Concurrent;

namespace Flotilla.Security;

/// <summary>An <see cref="ITotpStepStore"/> in memory: for tests and single-process hosts (a restart forgets, so a code from before it could be replayed within its 90 s window). Thread safe.</summary>
public sealed class InMemoryTotpStepStore : ITotpStepStore
{
    private readonly ConcurrentDictionary<string, long> _lastSteps = new(StringComparer.Ordinal);

    public ValueTask<bool> TryUseStepAsync(string account, long step, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (!_lastSteps.TryGetValue(account, out var last))
            {
                if (_lastSteps.TryAdd(account, step))
                {
                    return ValueTask.FromResult(true);
                }

                continue;
            }

            if (step <= last)
            {
                return ValueTask.FromResult(false);
            }

            if (_lastSteps.TryUpdate(account, step, last))
            {
                return ValueTask.FromResult(true);
            }
        }
    }
}
