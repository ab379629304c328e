using Flotilla.Cli.Commands;
using Flotilla.Inventory;

namespace Flotilla.Tests;

public sealed class LocalHostTests
{
    private static Host Host(string name, string address, string? hostname = null) =>
        new() { Name = name, Hostname = hostname ?? name, Target = new Target(address) };

    private static Fleet Fleet(params Host[] hosts) => new() { SourcePath = "fleet.json", Format = InventoryFormat.Json, Hosts = [.. hosts] };

    [Fact]
    public void The_host_whose_address_is_one_of_this_machines_is_the_local_host()
    {
        var fleet = Fleet(Host("nas", "198.51.100.7"), Host("self", "127.0.0.1"));

        Assert.Equal("self", LocalHost.Find(fleet)?.Name);
    }

    [Fact]
    public void The_host_whose_hostname_is_this_machines_name_is_the_local_host()
    {
        var fleet = Fleet(Host("nas", "198.51.100.7"), Host("me", "198.51.100.8", Environment.MachineName));

        Assert.Equal("me", LocalHost.Find(fleet)?.Name);
    }

    [Fact]
    public void A_fleet_of_other_machines_has_no_local_host()
    {
        Assert.Null(LocalHost.Find(Fleet(Host("nas", "198.51.100.7", "nas-not-this-machine"))));
    }
}
