using System.Collections.Immutable;
using System.Security.Cryptography;
using Flotilla.ControlPlane;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.ControlPlane.Events;
using Flotilla.Dashboard;
using Flotilla.Execution;
using Flotilla.Inventory;
using Flotilla.Planning;
using Flotilla.Contracts;
using Flotilla.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flotilla.Tests;

/// <summary>
/// What the dashboard compares hosts with: the inventory evaluated by the real <c>nix</c> in a
/// real git repository, run journals' verifications, and the five drift compartments.
/// </summary>
public sealed class FleetTargetTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static HostFacts Facts(string? current = "/nix/store/aaa-system", string? revision = null, string? lockHash = null, IReadOnlyList<string>? tags = null, string? repo = null) =>
        new("web1", "nixos", DashboardMapping.ServerVersion, CurrentSystem: current, BootedSystem: current, Repo: repo, FlakeRevision: revision, LockHash: lockHash, Tags: tags);

    private static FleetTarget Target(string? system = "/nix/store/aaa-system", string? revision = "1111111111111111", string? lockHash = "abababababababab", HostVerification? verification = null) =>
        FleetTarget.Empty with
        {
            Inventory = "/fleet/flotilla.json",
            Revision = revision,
            LockHash = lockHash,
            Hosts = ImmutableDictionary<string, HostTarget>.Empty.Add("web1", new HostTarget(["web"], system)),
            Verifications = verification is null ? ImmutableDictionary<string, HostVerification>.Empty : ImmutableDictionary<string, HostVerification>.Empty.Add("web1", verification),
        };

    private static Dictionary<string, DriftCompartment> Drift(HostFacts? facts, FleetTarget target, bool online = true) =>
        DashboardMapping.Drift("web1", online, facts, target).ToDictionary(c => c.Name);

    [Fact]
    public void A_host_that_matches_the_target_everywhere_is_ok_in_every_compartment_and_current()
    {
        var target = Target(verification: new HostVerification(true, "run-1", DateTimeOffset.UnixEpoch, null));
        var facts = Facts(revision: "1111111111111111", lockHash: "abababababababab", repo: "/src", tags: ["edge"]);

        var drift = Drift(facts, target);
        var summary = DashboardMapping.Summary("web1", true, DateTimeOffset.UnixEpoch, facts, null, target);

        Assert.Equal(["agent", "git", "lock", "system", "tests"], DashboardMapping.Drift("web1", true, facts, target).Select(c => c.Name));
        Assert.All(drift.Values, c => Assert.True(c.State == DriftState.Ok, $"{c.Name}: {c.State} {c.Reason}"));
        Assert.True(summary.GenerationCurrent);
        Assert.Equal(["edge", "web"], summary.Tags.ToArray());
    }

    [Fact]
    public void Each_compartment_says_outdated_or_failed_with_the_reason_when_the_host_differs_from_the_target()
    {
        var target = Target(verification: new HostVerification(false, "run-7", DateTimeOffset.UnixEpoch, "rolled back: http 500"));
        var facts = Facts(current: "/nix/store/old-system", revision: "2222222222222222", lockHash: "cdcdcdcdcdcdcdcd", repo: "/src") with { AgentVersion = "0.0.1" };

        var drift = Drift(facts, target);

        Assert.Equal(DriftState.Outdated, drift["agent"].State);
        Assert.Contains("0.0.1", drift["agent"].Reason, StringComparison.Ordinal);
        Assert.Equal(DriftState.Outdated, drift["git"].State);
        Assert.Contains("the fleet is at 111111111111: pull", drift["git"].Reason, StringComparison.Ordinal);
        Assert.Equal(DriftState.Outdated, drift["lock"].State);
        Assert.Equal(DriftState.Outdated, drift["system"].State);
        Assert.Contains("the inventory builds /nix/store/aaa-system", drift["system"].Reason, StringComparison.Ordinal);
        Assert.Equal(DriftState.Failed, drift["tests"].State);
        Assert.Contains("run-7", drift["tests"].Reason, StringComparison.Ordinal);
        Assert.Contains("rolled back: http 500", drift["tests"].Reason, StringComparison.Ordinal);
        Assert.False(DashboardMapping.Summary("web1", true, null, facts, null, target).GenerationCurrent);
    }

    [Fact]
    public void A_new_system_waiting_for_a_reboot_is_outdated_with_reboot_it_and_the_facts_say_why()
    {
        var target = Target(system: "/nix/store/new-system");
        var facts = Facts(current: "/nix/store/old-system") with { NeedsReboot = true, PendingSystem = "/nix/store/new-system" };

        var drift = Drift(facts, target);

        Assert.Equal(DriftState.Outdated, drift["system"].State);
        Assert.Equal("runs /nix/store/old-system; /nix/store/new-system, as the inventory builds it, waits for a reboot (the boot default): reboot it", drift["system"].Reason);
        Assert.Equal("yes: a new system waits for a reboot (/nix/store/new-system)", DashboardMapping.Facts(null, facts)["needs reboot"]);
    }

    [Fact]
    public void Without_a_target_or_facts_the_compartments_are_unknown_and_say_what_is_missing()
    {
        var none = Drift(Facts(current: null), FleetTarget.Empty);
        Assert.All(none.Values.Where(c => c.Name != "agent"), c => Assert.Equal(DriftState.Unknown, c.State));
        Assert.Contains("agent --repo", none["git"].Reason, StringComparison.Ordinal);
        Assert.Contains("agent --repo", none["lock"].Reason, StringComparison.Ordinal);
        Assert.Null(DashboardMapping.Summary("web1", true, null, Facts(), null, FleetTarget.Empty).GenerationCurrent);

        var noTarget = Drift(Facts(revision: "2222222222222222", lockHash: "cdcd", repo: "/src"), FleetTarget.Empty);
        Assert.Equal(DriftState.Unknown, noTarget["git"].State);
        Assert.Contains("serve -f", noTarget["git"].Reason, StringComparison.Ordinal);
        Assert.Equal(DriftState.Unknown, noTarget["lock"].State);
        Assert.Equal(DriftState.Ok, noTarget["system"].State);

        var offline = Drift(Facts(), Target(), online: false);
        Assert.Equal(DriftState.Unknown, offline["agent"].State);
        Assert.Equal(DriftState.Unknown, Drift(null, Target())["agent"].State);
    }

    [Fact]
    public void A_host_booted_with_another_kernel_than_its_current_system_needs_a_reboot_and_one_switched_without_does_not()
    {
        var rebootNeeded = Drift(Facts() with { BootedSystem = "/nix/store/older-system", NeedsReboot = true }, Target())["system"];
        var switched = Drift(Facts() with { BootedSystem = "/nix/store/older-system", NeedsReboot = false }, Target())["system"];

        Assert.Equal(DriftState.Outdated, rebootNeeded.State);
        Assert.Contains("a reboot boots into it", rebootNeeded.Reason, StringComparison.Ordinal);
        Assert.Equal(DriftState.Ok, switched.State);
    }

    [Fact]
    public void The_agent_needs_a_reboot_only_when_kernel_initrd_or_modules_differ()
    {
        using var store = new TempDirectory();
        var kernel1 = store.Write("kernel-1/bzImage", "1");
        var kernel2 = store.Write("kernel-2/bzImage", "2");
        string System(string name, string kernel)
        {
            var path = Path.Combine(store.Path, name);
            Directory.CreateDirectory(path);
            File.CreateSymbolicLink(Path.Combine(path, "kernel"), kernel);
            return path;
        }

        var booted = System("booted", kernel1);
        var sameKernel = System("same-kernel", kernel1);
        var newKernel = System("new-kernel", kernel2);

        Assert.False(Flotilla.Agent.Internal.HostProbe.NeedsReboot(booted, sameKernel));
        Assert.True(Flotilla.Agent.Internal.HostProbe.NeedsReboot(booted, newKernel));
        Assert.False(Flotilla.Agent.Internal.HostProbe.NeedsReboot(booted, booted));
        Assert.Null(Flotilla.Agent.Internal.HostProbe.NeedsReboot(null, booted));
    }

    private static (FleetTargetTracker Tracker, ControlPlaneEvents Events) Tracker(string? inventory, string state)
    {
        var events = new ControlPlaneEvents();
        return (new FleetTargetTracker(new ControlPlaneOptions { Inventory = inventory }, new JournalRunSource(state), events, NullLogger<FleetTargetTracker>.Instance), events);
    }

    [Fact]
    public async Task The_tracker_evaluates_the_inventory_with_nix_and_follows_its_edits_and_keeps_the_last_good_values_when_it_breaks()
    {
        var fleet = await FleetRepository.CreateAsync(Path.Combine(_directory.Path, "fleet"));
        var (tracker, events) = Tracker(fleet.Inventory, Path.Combine(_directory.Path, "state"));
        using var subscription = events.Subscribe();

        Assert.True(await tracker.RefreshAsync(CancellationToken.None));

        var target = tracker.Current;
        Assert.Null(target.Error);
        Assert.Equal(await fleet.SystemPathAsync("web1"), target.Hosts["web1"].SystemPath);
        Assert.Equal(await fleet.SystemPathAsync("db1"), target.Hosts["db1"].SystemPath);
        Assert.Equal(["web"], target.Hosts["web1"].Tags.ToArray());
        Assert.Equal(await fleet.GitAsync("rev-parse", "HEAD"), target.Revision);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(fleet.LockFile))), target.LockHash);
        Assert.True(subscription.Reader.TryRead(out var published) && published is FleetTargetChanged);

        // Nothing changed: nothing evaluated, nothing published.
        Assert.False(await tracker.RefreshAsync(CancellationToken.None));
        Assert.False(subscription.Reader.TryRead(out _));

        // An edit to the flake: the new system is what hosts are compared with.
        fleet.WriteFlake("v2");
        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        var v2 = await fleet.SystemPathAsync("web1");
        Assert.Equal(v2, tracker.Current.Hosts["web1"].SystemPath);
        Assert.EndsWith("web1-system-v2", v2, StringComparison.Ordinal);

        // A commit moves the revision.
        await fleet.CommitAsync("v2");
        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        Assert.Equal(await fleet.GitAsync("rev-parse", "HEAD"), tracker.Current.Revision);

        // A broken flake: the error is said, the last good systems stay.
        await File.WriteAllTextAsync(Path.Combine(fleet.Directory, "flake.nix"), "{ outputs = { self }: { nixosConfigurations = ; }; }");
        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        Assert.NotNull(tracker.Current.Error);
        Assert.Contains("flotilla.json", tracker.Current.Error, StringComparison.Ordinal);
        Assert.Equal(v2, tracker.Current.Hosts["web1"].SystemPath);

        // Mended: the error goes.
        fleet.WriteFlake("v3");
        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        Assert.Null(tracker.Current.Error);
        Assert.EndsWith("web1-system-v3", tracker.Current.Hosts["web1"].SystemPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hosts_of_a_flake_with_metadata_and_no_systems_are_known_with_tags_and_no_system_and_no_error()
    {
        using var flake = new TempDirectory();
        flake.Write("flake.nix", """
            {
              outputs = { self }: {
                nixosConfigurations.hsb0 = { config = { networking.hostName = "hsb0"; lab.machine = { role = "dns"; groups = [ "home" ]; rebootOrder = 1; }; }; };
                nixosConfigurations.csb0 = { config = { networking.hostName = "csb0"; lab.machine = { role = "proxy"; groups = [ "cloud" ]; rebootOrder = 2; }; }; };
              };
            }
            """);
        var (tracker, _) = Tracker(flake.Path, Path.Combine(_directory.Path, "state"));

        Assert.True(await tracker.RefreshAsync(CancellationToken.None));

        Assert.Null(tracker.Current.Error);
        Assert.Equal(["csb0", "hsb0"], tracker.Current.Hosts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["home"], tracker.Current.Hosts["hsb0"].Tags.ToArray());
        Assert.All(tracker.Current.Hosts.Values, h => Assert.Null(h.SystemPath));
    }

    [Fact]
    public async Task Hosts_latest_verifications_come_from_the_run_journals_newest_last()
    {
        var inventory = (await FleetRepository.CreateAsync(Path.Combine(_directory.Path, "fleet"))).Inventory;
        var fleet = await InventoryLoader.LoadAsync(inventory);
        var plan = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!;
        var state = Path.Combine(_directory.Path, "state");
        var time = TimeProvider.System;
        await using (var first = await RunJournal.CreateAsync(state, plan, new RunMetadata(Operation.Deploy, inventory), time))
        {
            await first.AppendAsync(new RunEvent(time.GetUtcNow(), "web1", "verify:web1", StepKind.Verify, RunEventState.RolledBack, "http 500"));
            await first.AppendAsync(new RunEvent(time.GetUtcNow(), "db1", "verify:db1", StepKind.Verify, RunEventState.Succeeded, null));
        }

        var (tracker, _) = Tracker(null, state);
        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        Assert.False(tracker.Current.Verifications["web1"].Passed);
        Assert.Contains("rolled back", tracker.Current.Verifications["web1"].Message, StringComparison.Ordinal);
        Assert.True(tracker.Current.Verifications["db1"].Passed);

        await Task.Delay(20);
        await using (var second = await RunJournal.CreateAsync(state, plan, new RunMetadata(Operation.Deploy, inventory), time))
        {
            await second.AppendAsync(new RunEvent(time.GetUtcNow(), "web1", "verify:web1", StepKind.Verify, RunEventState.Succeeded, null));
        }

        Assert.True(await tracker.RefreshAsync(CancellationToken.None));
        Assert.True(tracker.Current.Verifications["web1"].Passed);
        Assert.True(tracker.Current.Verifications["db1"].Passed);
        Assert.False(await tracker.RefreshAsync(CancellationToken.None));
    }
}
