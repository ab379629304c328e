using Flotilla.Execution;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// Runs that change hosts take a lease on them first: with another run holding one of them, a
/// deploy or a rollback is refused before it does anything (no journal, no host contacted).
/// The hosts' addresses are reserved test addresses that nothing answers on.
/// </summary>
public sealed class HostLeaseCommandTests
{
    private const string Inventory = """
        {
          "hosts": {
            "web": { "target": "192.0.2.10" },
            "db":  { "target": "192.0.2.11" },
            "nas": { "target": "192.0.2.12" }
          }
        }
        """;

    [Fact]
    public async Task A_deploy_that_needs_a_host_another_run_holds_is_refused_with_exit_4_naming_that_run_and_does_nothing()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);
        var state = Path.Combine(dir.Path, "state");
        await using var other = await HostLease.AcquireAsync(new FileHostLeaseStore(state), new HostLeaseRequest("rollback", ["db", "nas"]));
        await other.AttachRunAsync("20261122-143005-ab12");

        var run = await CliRunner.RunAsync(dir.Path, "deploy", "-f", inventory, "--on", "web,db", "--state-dir", state);

        Assert.Equal(4, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"deploy: host db is held by {Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}): rollback since ", line, StringComparison.Ordinal);
        Assert.Contains("run 20261122-143005-ab12", line, StringComparison.Ordinal);
        Assert.Contains(FileHostLeaseStore.PathIn(state), line, StringComparison.Ordinal);
        Assert.EndsWith("nothing was done", line, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
        Assert.False(Directory.Exists(Path.Combine(state, "runs")), "a refused deploy left a journal");
        Assert.Equal([other.Holder.Token], (await new FileHostLeaseStore(state).ListAsync()).Select(l => l.Token));
    }

    [Fact]
    public async Task A_rollback_that_needs_a_host_another_run_holds_is_refused_with_exit_4()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);
        var state = Path.Combine(dir.Path, "state");
        await using var other = await HostLease.AcquireAsync(new FileHostLeaseStore(state), new HostLeaseRequest("deploy", ["web"]));

        var run = await CliRunner.RunAsync(dir.Path, "rollback", "-f", inventory, "--state-dir", state);

        Assert.Equal(4, run.ExitCode);
        Assert.StartsWith("rollback: host web is held by ", run.Error, StringComparison.Ordinal);
        Assert.Contains("deploy since ", run.Error, StringComparison.Ordinal);
        Assert.Contains("its run has no journal yet", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(state, "runs")));
    }

    [Fact]
    public async Task A_reboot_is_refused_while_a_deploy_holds_any_host_of_the_fleet()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);
        var state = Path.Combine(dir.Path, "state");
        await using var other = await HostLease.AcquireAsync(new FileHostLeaseStore(state), new HostLeaseRequest("deploy", ["nas"]));

        var run = await CliRunner.RunAsync(dir.Path, "reboot", "-f", inventory, "--on", "web", "--state-dir", state);

        Assert.Equal(4, run.ExitCode);
        Assert.StartsWith("reboot: host nas is held by ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_takes_no_lease_and_is_not_refused()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);
        var state = Path.Combine(dir.Path, "state");
        await using var other = await HostLease.AcquireAsync(new FileHostLeaseStore(state), new HostLeaseRequest("deploy", ["web", "db", "nas"]));

        var deploy = await CliRunner.RunAsync(dir.Path, "deploy", "-f", inventory, "--dry-run", "--state-dir", state);
        var rollback = await CliRunner.RunAsync(dir.Path, "rollback", "-f", inventory, "--dry-run", "--state-dir", state);

        Assert.True(deploy.ExitCode == 0, deploy.Error);
        Assert.True(rollback.ExitCode == 0, rollback.Error);
        Assert.Single(await new FileHostLeaseStore(state).ListAsync());
    }

    [Fact]
    public async Task A_bad_lock_wait_is_invalid_input()
    {
        using var dir = new TempDirectory();
        var inventory = dir.Write("flotilla.json", Inventory);

        var run = await CliRunner.RunAsync(dir.Path, "deploy", "-f", inventory, "--lock-wait", "soon", "--state-dir", Path.Combine(dir.Path, "state"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("deploy: --lock-wait takes a duration", run.Error, StringComparison.Ordinal);
    }
}
