using System.Text.Json;
using Flotilla.Execution.Internal;

namespace Flotilla.Execution;

/// <summary>Who holds the fleet lock, for what, and until when it counts (its TTL, renewed while the holder runs). Immutable.</summary>
public sealed record FleetLockHolder(string Holder, string Operation, DateTimeOffset Acquired, DateTimeOffset Expires, string Token);

/// <summary>The fleet lock is held by another orchestrator (and did not come free within the wait).</summary>
public sealed class FleetLockBusyException : Exception
{
    public FleetLockBusyException(string message, FleetLockHolder holder)
        : base(message) => Holder = holder;

    public FleetLockBusyException()
    {
        Holder = new FleetLockHolder("", "", default, default, "");
    }

    public FleetLockBusyException(string message)
        : base(message) => Holder = new FleetLockHolder("", "", default, default, "");

    public FleetLockBusyException(string message, Exception innerException)
        : base(message, innerException) => Holder = new FleetLockHolder("", "", default, default, "");

    public FleetLockHolder Holder { get; }
}

/// <summary>
/// The lock that keeps two orchestrators from rebooting (or upgrading) one fleet at the same time:
/// a file <c>fleet.lock</c> in the state directory that names its holder and expires after a TTL.
/// It is created atomically (a new file is linked into place, never overwritten), and every
/// check, create, renewal and removal happens under an exclusive <c>flock</c> of
/// <c>fleet.lock.guard</c>, so a stale lock is broken by exactly one orchestrator. While held it
/// is renewed every third of its TTL, so a long run keeps it and a killed one loses it after the
/// TTL at most. Dispose releases it. Thread safe.
/// </summary>
public sealed class FleetLock : IAsyncDisposable
{
    public const string FileName = "fleet.lock";

    private readonly string path;
    private readonly TimeSpan ttl;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource stop = new();
    private readonly Task renewal;

    private FleetLock(string path, FleetLockHolder holder, TimeSpan ttl, TimeProvider time)
    {
        this.path = path;
        this.ttl = ttl;
        this.time = time;
        Holder = holder;
        renewal = RenewLoopAsync(stop.Token);
    }

    public string Path => path;

    public FleetLockHolder Holder { get; private set; }

    /// <summary>The lock file of a state directory.</summary>
    public static string PathIn(string stateDirectory) => System.IO.Path.Combine(System.IO.Path.GetFullPath(stateDirectory), FileName);

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> (polling) while another holder's lock
    /// has not expired; throws <see cref="FleetLockBusyException"/> naming the holder when it stays taken.
    /// </summary>
    public static async Task<FleetLock> AcquireAsync(string stateDirectory, string operation, TimeSpan ttl, TimeSpan wait, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var time = timeProvider ?? TimeProvider.System;
        var path = PathIn(stateDirectory);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var started = time.GetTimestamp();
        while (true)
        {
            var now = time.GetUtcNow();
            var mine = new FleetLockHolder(HolderName(), operation, now, now + ttl, Guid.NewGuid().ToString("N"));
            var other = await WithGuardAsync(path, time, () => TryTake(path, mine, now), cancellationToken).ConfigureAwait(false);
            if (other is null)
            {
                return new FleetLock(path, mine, ttl, time);
            }

            if (time.GetElapsedTime(started) >= wait)
            {
                throw new FleetLockBusyException(
                    $"the fleet lock {path} is held by {other.Holder} ({other.Operation} since {Format(other.Acquired)}; it expires at {Format(other.Expires)} unless renewed): " +
                    "another orchestrator is rebooting or upgrading this fleet. Wait for it (--lock-wait 30m), or, if that orchestrator is gone, remove the file or let the lock expire",
                    other);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The current holder of a state directory's lock (expired or not), or null.</summary>
    public static FleetLockHolder? Read(string stateDirectory) => ReadHolder(PathIn(stateDirectory));

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(false);
        stop.Dispose();
        await WithGuardAsync(path, time, () =>
        {
            if (ReadHolder(path)?.Token == Holder.Token)
            {
                File.Delete(path);
            }

            return (FleetLockHolder?)null;
        }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Null when <paramref name="mine"/> now holds the lock; else the holder that does.</summary>
    private static FleetLockHolder? TryTake(string path, FleetLockHolder mine, DateTimeOffset now)
    {
        if (File.Exists(path))
        {
            var holder = ReadHolder(path);
            if (holder is not null && holder.Expires > now)
            {
                return holder;
            }

            // Expired (its holder stopped renewing) or unreadable: stale. The guard makes this ours to break.
            File.Delete(path);
        }

        var temporary = Write(path, mine);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return null;
        }
        catch (IOException)
        {
            File.Delete(temporary);
            return ReadHolder(path) ?? mine with { Holder = "an unknown holder" };
        }
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ttl / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await WithGuardAsync(path, time, () =>
                    {
                        if (ReadHolder(path)?.Token == Holder.Token)
                        {
                            Holder = Holder with { Expires = time.GetUtcNow() + ttl };
                            File.Move(Write(path, Holder), path, overwrite: true);
                        }

                        return (FleetLockHolder?)null;
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The next tick tries again; until the TTL passes the lock still counts.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Write(string path, FleetLockHolder holder)
    {
        var temporary = $"{path}.{holder.Token}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(holder, RunJsonContext.Default.FleetLockHolder));
        return temporary;
    }

    private static FleetLockHolder? ReadHolder(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), RunJsonContext.Default.FleetLockHolder);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="action"/> holding an exclusive flock of the guard file (.NET's FileShare.None is a flock on Linux).</summary>
    private static async Task<FleetLockHolder?> WithGuardAsync(string path, TimeProvider time, Func<FleetLockHolder?> action, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            FileStream guard;
            try
            {
                guard = new FileStream(path + ".guard", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using (guard.ConfigureAwait(false))
            {
                return action();
            }
        }
    }

    private static string HolderName() => $"{Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId})";

    private static string Format(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
