using Flotilla.Inventory;

namespace Flotilla.Tests.Inventory;

public sealed class FleetTests
{
    private static Host Host(string name, string address) => new() { Name = name, Hostname = name, Target = new Target(address) };

    [Fact]
    public void FindHost_finds_by_name_and_returns_null_for_an_unknown_one()
    {
        var fleet = new Fleet { SourcePath = "f.json", Format = InventoryFormat.Json, Hosts = [Host("a", "10.0.0.1"), Host("b", "10.0.0.2")] };

        Assert.Equal("10.0.0.2", fleet.FindHost("b")!.Target.Address);
        Assert.Null(fleet.FindHost("c"));
    }

    [Fact]
    public void A_copy_with_other_hosts_finds_its_own_hosts_not_the_originals()
    {
        var fleet = new Fleet { SourcePath = "f.json", Format = InventoryFormat.Json, Hosts = [Host("a", "10.0.0.1")] };
        Assert.NotNull(fleet.FindHost("a"));

        var copy = fleet with { Hosts = [Host("a", "10.9.9.9"), Host("z", "10.0.0.26")] };

        Assert.Equal("10.9.9.9", copy.FindHost("a")!.Target.Address);
        Assert.NotNull(copy.FindHost("z"));
        Assert.Null(fleet.FindHost("z"));
        Assert.Equal(fleet, fleet with { });
    }

    [Fact]
    public void A_repeated_name_finds_the_first_host_as_validation_reports_the_second()
    {
        var fleet = new Fleet { SourcePath = "f.json", Format = InventoryFormat.Json, Hosts = [Host("a", "10.0.0.1"), Host("a", "10.0.0.2")] };

        Assert.Equal("10.0.0.1", fleet.FindHost("a")!.Target.Address);
    }
}
