using System.Collections.Immutable;
using System.Net;
using Flotilla.ControlPlane.Runs;
using Flotilla.Execution;
using Flotilla.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Tests;

/// <summary>
/// Runs' leases kept by the server (<c>/api/leases</c>): runs on different machines that use one
/// server exclude each other as runs on one state directory do; a restart keeps them.
/// </summary>
public abstract class ServerLeasesContract(IStoreTargets targets)
{
    [Fact]
    public async Task A_second_run_through_the_server_is_refused_naming_the_first_until_it_releases_and_a_restart_keeps_the_lease()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        using var laptop = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        using var desktop = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);

        var first = await HostLease.AcquireAsync(new ServerHostLeaseStore(laptop), new HostLeaseRequest("deploy", ["db", "web"]) { RunId = "20261122-050000-0001" });
        var busy = await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(new ServerHostLeaseStore(desktop), new HostLeaseRequest("rollback", ["web"])));
        Assert.Equal(("deploy", "20261122-050000-0001"), (busy.Holder.Operation, busy.Holder.RunId));
        Assert.Equal<string>(["web"], busy.InCommon);
        Assert.Contains("deploy", busy.Message, StringComparison.Ordinal);

        // Other hosts are free; the server's own runs see the same leases.
        await using (await HostLease.AcquireAsync(new ServerHostLeaseStore(desktop), new HostLeaseRequest("deploy", ["mail"])))
        {
            var held = await plane.Server.Services.GetRequiredService<StoreHostLeases>().ListAsync();
            Assert.Equal(2, held.Length);
        }

        await plane.RestartServerAsync();
        await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(new ServerHostLeaseStore(desktop), new HostLeaseRequest("reboot", []) { WholeFleet = true }));

        await first.DisposeAsync();
        await using var second = await HostLease.AcquireAsync(new ServerHostLeaseStore(desktop), new HostLeaseRequest("rollback", ["web"]));
        Assert.Equal<string>(["web"], Assert.Single(await new ServerHostLeaseStore(laptop).ListAsync()).Hosts);
    }

    [Fact]
    public async Task A_renewal_replaces_a_kept_lease_and_a_lease_that_is_gone_is_not_brought_back()
    {
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        var leases = plane.Server.Services.GetRequiredService<StoreHostLeases>();
        await using var held = await HostLease.AcquireAsync(leases, new HostLeaseRequest("deploy", ["web"]));
        var kept = Assert.Single(await leases.ListAsync());
        var renewed = kept with { Expires = kept.Expires.AddMinutes(5) };

        Assert.True(await leases.UpdateAsync(renewed));
        Assert.Equal(renewed.Expires, Assert.Single(await leases.ListAsync()).Expires);

        // Gone (released, or dropped as expired by another run's take): renewing it fails and keeps nothing.
        await leases.ReleaseAsync(renewed);
        Assert.False(await leases.UpdateAsync(renewed with { Expires = renewed.Expires.AddMinutes(5) }));
        Assert.Empty(await leases.ListAsync());
    }

    [Fact]
    public async Task A_lease_refused_by_the_server_is_not_left_in_the_local_file_and_a_read_token_takes_none()
    {
        using var state = new TempDirectory();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync());
        using var client = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), plane.ApiToken);
        await using var held = await HostLease.AcquireAsync(new ServerHostLeaseStore(client), new HostLeaseRequest("deploy", ["web"]));

        var file = new FileHostLeaseStore(state.Path);
        await Assert.ThrowsAsync<HostsBusyException>(() => HostLease.AcquireAsync(new BothHostLeaseStores(file, new ServerHostLeaseStore(client)), new HostLeaseRequest("deploy", ["web"])));
        Assert.Empty(await file.ListAsync());

        var reader = (await plane.CliAsync("tokens", "create-api", "grafana", "--scope", "read")).LastLine;
        using var readOnly = new ControlPlaneClient(new Uri(plane.BaseUrl + "/"), reader);
        var refused = await Assert.ThrowsAsync<ControlPlaneException>(() => HostLease.AcquireAsync(new ServerHostLeaseStore(readOnly), new HostLeaseRequest("deploy", ["mail"])));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Single(await new ServerHostLeaseStore(readOnly).ListAsync());
    }
}

public sealed class SqliteServerLeasesTests(SqliteTargets targets) : ServerLeasesContract(targets), IClassFixture<SqliteTargets>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerLeasesTests(PostgresFixture fixture) : ServerLeasesContract(new PostgresTargets(fixture));
