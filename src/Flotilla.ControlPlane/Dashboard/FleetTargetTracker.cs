using System.Collections.Immutable;
using System.Globalization;
using System.IO.Enumeration;
using Flotilla.ControlPlane.Events;
using Flotilla.Dashboard;
using Flotilla.Diagnostics;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Processes;
using Flotilla.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// Keeps <see cref="FleetTarget"/> up to date: every <see cref="ControlPlaneOptions.TargetRefresh"/>
/// it looks at the inventory's files and revision and, when they changed, loads the inventory and
/// evaluates every host's system with one <c>nix eval</c> per attribute root (nothing is built);
/// it reads the newest run journals for hosts' health verifications. A change is published as
/// <see cref="FleetTargetChanged"/>, so open fleet pages redraw. A failed evaluation keeps the last
/// good values and says why on the fleet page.
/// </summary>
internal sealed partial class FleetTargetTracker(
    ControlPlaneOptions options,
    IRunSource runs,
    ControlPlaneEvents events,
    ILogger<FleetTargetTracker> logger) : BackgroundService
{
    /// <summary>How many of the newest runs are read for verifications.</summary>
    internal const int RunsRead = 100;

    /// <summary>Files looked at for the inventory's fingerprint; beyond it changes go unnoticed until the revision moves.</summary>
    private const int MaxFingerprintFiles = 20_000;

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Dictionary<string, ImmutableDictionary<string, HostVerification>> _finishedRuns = new(StringComparer.Ordinal);
    private FleetTarget _target = FleetTarget.Empty with { Inventory = options.Inventory };
    private string? _fingerprint;
    private ImmutableArray<string> _watched = [];

    public FleetTarget Current => Volatile.Read(ref _target);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.TargetRefresh, options.TimeProvider);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever a look at the inventory or the journals meets, the server goes on (and looks again).
                    LogRefreshFailed(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Looks again now; true when something changed (and was published).</summary>
    internal async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Current;
            var next = before;
            var changed = false;
            if (options.Inventory is { } inventory)
            {
                var fingerprint = await FingerprintAsync(inventory, cancellationToken).ConfigureAwait(false);
                if (fingerprint != _fingerprint)
                {
                    // Set before evaluating: a broken inventory is evaluated again after its next edit, not every refresh.
                    _fingerprint = fingerprint;
                    next = await EvaluateAsync(inventory, before, cancellationToken).ConfigureAwait(false);
                    changed = true;
                }
            }

            var verifications = await VerificationsAsync(cancellationToken).ConfigureAwait(false);
            if (!Same(verifications, before.Verifications))
            {
                next = next with { Verifications = verifications };
                changed = true;
            }

            if (changed)
            {
                Volatile.Write(ref _target, next);
                events.Publish(new FleetTargetChanged(options.TimeProvider.GetUtcNow()));
            }

            return changed;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task<FleetTarget> EvaluateAsync(string inventory, FleetTarget before, CancellationToken cancellationToken)
    {
        var now = options.TimeProvider.GetUtcNow();
        try
        {
            var fleet = await InventoryLoader.LoadAsync(inventory, Environment.CurrentDirectory, cancellationToken).ConfigureAwait(false);
            var root = fleet.FlakeDirectory ?? Path.GetDirectoryName(fleet.SourcePath) ?? ".";
            _watched = [.. new[] { Path.GetDirectoryName(fleet.SourcePath), fleet.FlakeDirectory }.OfType<string>().Distinct(StringComparer.Ordinal)];
            var buildable = fleet.Hosts.Where(h => fleet.FlakeDirectory is not null || h.SystemFile is not null).ToList();
            var evaluation = buildable.Count == 0
                ? new SystemEvaluation(new Dictionary<string, HostClosure>(), new Dictionary<string, string>())
                : await new NixBuilder().EvaluateSystemsAsync(fleet, buildable, cancellationToken).ConfigureAwait(false);
            var systems = evaluation.Closures;
            foreach (var problem in evaluation.Problems.Values)
            {
                // The host has no system to compare with: shown as not known, said once per evaluation.
                LogNothingToCompare(logger, problem);
            }

            var hosts = fleet.Hosts.ToImmutableDictionary(
                h => h.Name,
                h => new HostTarget(h.Tags, systems.GetValueOrDefault(h.Name)?.SystemPath),
                StringComparer.Ordinal);
            var lockHash = fleet.FlakeDirectory is { } flake ? await FlakeLock.HashAsync(Path.Combine(flake, "flake.lock"), cancellationToken).ConfigureAwait(false) : null;
            LogEvaluated(logger, fleet.SourcePath, hosts.Count, systems.Count);
            return before with
            {
                Inventory = fleet.SourcePath,
                EvaluatedAt = now,
                Revision = await RevisionAsync(root, cancellationToken).ConfigureAwait(false),
                LockHash = lockHash,
                Hosts = hosts,
                Error = null,
            };
        }
        catch (Exception e) when (e is InventoryException or NixBuildException or IOException or UnauthorizedAccessException
            or System.ComponentModel.Win32Exception or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            var message = e.Message.Split('\n', 2)[0];
            LogFailed(logger, inventory, e.Message);
            return before with { Error = $"evaluating {inventory} failed at {now.ToString("u", CultureInfo.InvariantCulture)}: {message}" };
        }
    }

    /// <summary>The inventory's files (count, sizes and newest change, .git left out) and the repository's revision.</summary>
    private async Task<string> FingerprintAsync(string inventory, CancellationToken cancellationToken)
    {
        var directories = _watched.IsEmpty ? [Directory.Exists(inventory) ? inventory : Path.GetDirectoryName(Path.GetFullPath(inventory)) ?? "."] : _watched;
        long count = 0, bytes = 0, newest = 0;
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var directory in directories.Where(Directory.Exists))
        {
            // Files only, .git not entered (its objects can be many; HEAD's revision is read below).
            var files = new FileSystemEnumerable<(long Length, long Ticks)>(directory, (ref FileSystemEntry e) => (e.Length, e.LastWriteTimeUtc.UtcTicks), walk)
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory,
                ShouldRecursePredicate = (ref FileSystemEntry e) => !e.FileName.SequenceEqual(".git"),
            };
            foreach (var (length, ticks) in files.Take(MaxFingerprintFiles))
            {
                count++;
                bytes += length;
                newest = Math.Max(newest, ticks);
            }
        }

        var revision = await RevisionAsync(directories[0], cancellationToken).ConfigureAwait(false);
        return string.Join('/', count, bytes, newest, revision, File.Exists(inventory) ? File.GetLastWriteTimeUtc(inventory).Ticks : 0);
    }

    private async Task<ImmutableDictionary<string, HostVerification>> VerificationsAsync(CancellationToken cancellationToken)
    {
        var listings = await runs.ListAsync(cancellationToken).ConfigureAwait(false);
        var newest = new Dictionary<string, HostVerification>(StringComparer.Ordinal);
        var window = listings.TakeLast(RunsRead).ToList();
        foreach (var gone in _finishedRuns.Keys.Except(window.Select(l => l.Id), StringComparer.Ordinal).ToList())
        {
            _finishedRuns.Remove(gone);
        }

        foreach (var listing in window)
        {
            if (!_finishedRuns.TryGetValue(listing.Id, out var verified))
            {
                if (await runs.GetAsync(listing.Id, cancellationToken).ConfigureAwait(false) is not { } run)
                {
                    continue;
                }

                verified = Verifications(run);
                if (run.Result is not null)
                {
                    _finishedRuns[listing.Id] = verified;
                }
            }

            foreach (var (host, verification) in verified)
            {
                if (!newest.TryGetValue(host, out var known) || verification.At >= known.At)
                {
                    newest[host] = verification;
                }
            }
        }

        return newest.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>A run's finished verify steps, by host.</summary>
    internal static ImmutableDictionary<string, HostVerification> Verifications(RunView run)
    {
        var states = run.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var result = ImmutableDictionary.CreateBuilder<string, HostVerification>(StringComparer.Ordinal);
        foreach (var step in run.Plan.Steps.Where(s => s.Kind == StepKind.Verify && s.Host is not null))
        {
            if (states.GetValueOrDefault(step.Id) is not { } journaled || journaled.State is not (StepState.Succeeded or StepState.Failed or StepState.RolledBack))
            {
                continue;
            }

            var passed = journaled.State == StepState.Succeeded;
            var message = journaled.State == StepState.RolledBack ? "rolled back" + (journaled.Message is { Length: > 0 } m ? ": " + m : "") : journaled.Message;
            result[step.Host!] = new HostVerification(passed, run.Info.Id, journaled.Finished ?? journaled.Started ?? run.Info.Started, message);
        }

        return result.ToImmutable();
    }

    private static async Task<string?> RevisionAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            var result = await ProcessRunner.RunAsync("git", ["-C", directory, "rev-parse", "--verify", "--quiet", "HEAD"], null, cancellationToken).ConfigureAwait(false);
            return result.ExitCode == 0 && result.StandardOutput.Trim() is { Length: > 0 } revision ? revision : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static bool Same(ImmutableDictionary<string, HostVerification> a, ImmutableDictionary<string, HostVerification> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && other == entry.Value);

    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet target: {Inventory}: {Hosts} hosts, {Systems} systems evaluated")]
    private static partial void LogEvaluated(ILogger logger, string inventory, int hosts, int systems);

    [LoggerMessage(Level = LogLevel.Error, Message = "fleet target: looking at the inventory and the run journals failed; trying again at the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet target: {Problem}")]
    private static partial void LogNothingToCompare(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet target: evaluating {Inventory} failed: {Message}")]
    private static partial void LogFailed(ILogger logger, string inventory, string message);
}
