namespace Flotilla.Dashboard;

/// <summary>
/// A logged-in browser. <see cref="Id"/> is the SHA-256 (hex) of the token in the cookie, so the
/// store never holds a token that would let someone in.
/// </summary>
public sealed record DashboardSession(string Id, string User, DateTimeOffset Created, DateTimeOffset Expires, DateTimeOffset LastSeen, string? ClientAddress);

/// <summary>Where sessions live. The control plane keeps them in its database (so they survive a restart); must be thread safe.</summary>
public interface ISessionStore
{
    ValueTask CreateAsync(DashboardSession session, CancellationToken cancellationToken = default);

    ValueTask<DashboardSession?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records activity (for the idle timeout); called at most once a minute per session.</summary>
    ValueTask TouchAsync(string id, DateTimeOffset lastSeen, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Removes sessions that expired before <paramref name="now"/>; returns how many.</summary>
    ValueTask<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}
