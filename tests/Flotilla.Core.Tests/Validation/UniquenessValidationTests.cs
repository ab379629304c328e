using Flotilla.Inventory;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

public sealed class UniquenessValidationTests
{
    [Fact]
    public void Duplicate_address_names_the_other_host_and_its_path()
    {
        var fleet = new TestFleet()
            .Host("a", h => h with { Target = new Target("192.168.1.5") })
            .Host("b", h => h with { Target = new Target("192.168.1.5") })
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("hosts.b.target", error.Path);
        Assert.Equal("host \"b\" has address 192.168.1.5, which host \"a\" has too (at hosts.a.target)", error.Message);
    }

    [Fact]
    public void Duplicate_hostname_names_the_other_host_and_its_path()
    {
        var fleet = new TestFleet().Host("a", h => h with { Hostname = "box" }).Host("b", h => h with { Hostname = "BOX" }).Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("hosts.b.hostname", error.Path);
        Assert.Contains("host \"a\" has too (at hosts.a.hostname)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_host_names_are_reported()
    {
        var fleet = new TestFleet().Host("a").Host("a").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("host \"a\" is defined twice (first at hosts.a)", error.Message);
    }

    [Fact]
    public void Two_services_on_one_host_claiming_a_port_are_both_named()
    {
        var fleet = new TestFleet().Host("h")
            .App("grafana", "h").With(s => s with { Ports = [3000] })
            .App("gitea", "h").With(s => s with { Ports = [22, 3000] })
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.gitea.ports[1]", error.Path);
        Assert.Equal("services \"grafana\" and \"gitea\" both use port 3000 on host \"h\" (also at services.grafana.ports[0])", error.Message);
    }

    [Fact]
    public void Database_port_conflicts_with_another_service_port()
    {
        var fleet = new TestFleet().Host("h")
            .Core("postgresql", "h").With(s => s with { Databases = [new DatabaseSpec { Name = "pg", Port = 5432 }] })
            .App("other", "h").With(s => s with { Ports = [5432] })
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services.other.ports[0]", error.Path);
    }

    [Fact]
    public void Database_of_a_needed_service_on_the_same_host_is_not_a_conflict()
    {
        var fleet = new TestFleet().Host("h")
            .Core("postgresql", "h").With(s => s with { Databases = [new DatabaseSpec { Name = "pg", Port = 5432 }] })
            .App("nextcloud", "h", "postgresql").With(s => s with { Databases = [new DatabaseSpec { Name = "nextcloud", Port = 5432 }] })
            .Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }

    [Fact]
    public void Same_port_on_different_hosts_is_fine()
    {
        var fleet = new TestFleet().Host("a").Host("b")
            .App("x", "a").With(s => s with { Ports = [80] })
            .App("y", "b").With(s => s with { Ports = [80] })
            .Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }

    [Fact]
    public void Shared_and_negative_reboot_orders_are_fine()
    {
        var fleet = new TestFleet()
            .Host("a", h => h with { RebootOrder = 1 })
            .Host("b", h => h with { RebootOrder = 1 })
            .Host("c", h => h with { RebootOrder = -3 })
            .Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }
}
