namespace Flotilla.Security;

/// <summary>
/// Per-client (per IP address) login rate limiting with lockout: <see cref="LoginThrottleOptions.MaxFailures"/>
/// failures within the window lock the client out; lockouts in a row double. A success clears the
/// client. An attempt is reserved with <see cref="TryBegin"/> before the password is checked, so
/// parallel attempts count before any of them is answered. Pure logic over a
/// <see cref="TimeProvider"/>; thread safe.
/// </summary>
public sealed class LoginThrottle(TimeProvider time, LoginThrottleOptions? options = null)
{
    private readonly LoginThrottleOptions _options = options ?? new LoginThrottleOptions();
    private readonly Dictionary<string, Client> _clients = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public LoginThrottleOptions Options => _options;

    /// <summary>Whether <paramref name="client"/> may try now.</summary>
    public LoginThrottleDecision Check(string client)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _clients.TryGetValue(client, out var state) && state.LockedUntil > now
                ? new LoginThrottleDecision(false, state.LockedUntil - now)
                : LoginThrottleDecision.Allow;
        }
    }

    /// <summary>
    /// Reserves an attempt before the (slow) password check: it counts as a failure at once, so
    /// attempts made in parallel see each other, and <see cref="RecordSuccess"/> clears it when the
    /// password was right. Refused while the client is locked out; the attempt that reaches the
    /// limit may still go on (as the last failure allowed), and locks the client out.
    /// </summary>
    public LoginThrottleDecision TryBegin(string client)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var state = Tracked(client, now);
            if (state.LockedUntil > now)
            {
                return new LoginThrottleDecision(false, state.LockedUntil - now);
            }

            CountFailure(state, now);
            return LoginThrottleDecision.Allow;
        }
    }

    /// <summary>Counts a failed login (not reserved with <see cref="TryBegin"/>); the answer says whether the client is now locked out.</summary>
    public LoginThrottleDecision RecordFailure(string client)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var state = Tracked(client, now);
            if (state.LockedUntil > now)
            {
                return new LoginThrottleDecision(false, state.LockedUntil - now);
            }

            return CountFailure(state, now);
        }
    }

    private Client Tracked(string client, DateTimeOffset now)
    {
        if (!_clients.TryGetValue(client, out var state))
        {
            MakeRoom(now);
            state = new Client();
            _clients[client] = state;
        }

        return state;
    }

    private LoginThrottleDecision CountFailure(Client state, DateTimeOffset now)
    {
        state.Failures.RemoveAll(t => now - t >= _options.Window);
        state.Failures.Add(now);
        state.LastFailure = now;
        if (state.Failures.Count < _options.MaxFailures)
        {
            return LoginThrottleDecision.Allow;
        }

        // A lockout soon after the previous one ended doubles it.
        var inARow = state.LockedUntil != DateTimeOffset.MinValue && now - state.LockedUntil < _options.Window;
        state.Lockouts = inARow ? state.Lockouts + 1 : 1;
        var lockout = TimeSpan.FromTicks(Math.Min(
            _options.MaxLockout.Ticks,
            _options.Lockout.Ticks * (1L << Math.Min(state.Lockouts - 1, 20))));
        state.LockedUntil = now + lockout;
        state.Failures.Clear();
        return new LoginThrottleDecision(false, lockout);
    }

    /// <summary>A successful login forgets the client's failures.</summary>
    public void RecordSuccess(string client)
    {
        lock (_lock)
        {
            _clients.Remove(client);
        }
    }

    /// <summary>How many clients are remembered (for tests and metrics).</summary>
    public int TrackedClients
    {
        get
        {
            lock (_lock)
            {
                return _clients.Count;
            }
        }
    }

    private void MakeRoom(DateTimeOffset now)
    {
        if (_clients.Count < _options.MaxClients)
        {
            return;
        }

        foreach (var (key, state) in _clients.ToList())
        {
            if (state.LockedUntil <= now && now - state.LastFailure >= _options.Window)
            {
                _clients.Remove(key);
            }
        }

        while (_clients.Count >= _options.MaxClients)
        {
            // Locked-out clients are forgotten last: forgetting them would lift their lockout.
            var oldest = _clients.MinBy(pair => (pair.Value.LockedUntil > now, pair.Value.LastFailure)).Key;
            _clients.Remove(oldest);
        }
    }

    private sealed class Client
    {
        public List<DateTimeOffset> Failures { get; } = [];

        public DateTimeOffset LastFailure { get; set; }

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;

        public int Lockouts { get; set; }
    }
}
