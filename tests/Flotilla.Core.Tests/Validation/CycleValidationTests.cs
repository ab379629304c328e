using Flotilla.Inventory;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

public sealed class CycleValidationTests
{
    [Fact]
    public void Service_cycle_is_printed_as_its_path_once()
    {
        var fleet = new TestFleet().Host("h")
            .App("a", "h", "b").App("b", "h", "c").App("c", "h", "a")
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("services depend on each other in a cycle: a -> b -> c -> a (a -> b: dependsOn at services.a.dependsOn[0]; b -> c: dependsOn at services.b.dependsOn[0]; c -> a: dependsOn at services.c.dependsOn[0])", error.Message);
        Assert.Equal("services.a.dependsOn[0]", error.Path);
    }

    [Fact]
    public void An_auth_provider_that_needs_its_client_is_no_cycle()
    {
        // NixMox: authentik keeps its database on postgresql; postgresql's pgAdmin logs in with
        // authentik. Only pgAdmin's auth configuration waits for authentik.
        var fleet = new TestFleet().Host("h")
            .Core("idp", "h", "db").Core("db", "h")
            .With(s => s with { Auth = new AuthSpec { Type = "oidc", Provider = "idp" } })
            .Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }

    [Fact]
    public void A_service_cycle_names_the_attribute_of_each_edge()
    {
        var fleet = new TestFleet().Host("a").Host("b")
            .Core("idp", "a").With(s => s with { Databases = [new DatabaseSpec { Name = "idp", Host = "db" }] })
            .Core("db", "b", "idp")
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal(
            "services depend on each other in a cycle: idp -> db -> idp (idp -> db: db.host at services.idp.db.host; db -> idp: dependsOn at services.db.dependsOn[0])",
            error.Message);
        Assert.Equal("services.idp.db.host", error.Path);
    }

    [Fact]
    public void Host_cycle_is_printed_as_its_path_once()
    {
        var fleet = new TestFleet().Host("a", "b").Host("b", "c").Host("c", "a").Host("d", "a").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("hosts depend on each other in a cycle: a -> b -> c -> a", error.Message);
        Assert.Equal("hosts.a.dependsOn[0]", error.Path);
    }

    [Fact]
    public void Two_separate_cycles_are_two_findings()
    {
        var fleet = new TestFleet().Host("a", "b").Host("b", "a").Host("c", "d").Host("d", "c").Build();

        var messages = FleetValidator.Validate(fleet).Select(d => d.Message).ToArray();

        Assert.Equal(["hosts depend on each other in a cycle: a -> b -> a", "hosts depend on each other in a cycle: c -> d -> c"], messages);
    }

    [Fact]
    public void Lifted_host_cycle_names_the_service_edges_that_make_it()
    {
        // No service cycle and no host cycle, but web needs db on h2 while cache on h2 needs api on h1.
        var fleet = new TestFleet().Host("h1").Host("h2")
            .App("web", "h1", "db").App("api", "h1")
            .App("db", "h2").App("cache", "h2", "api")
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal(
            "hosts depend on each other through their services in a cycle: h1 -> h2 -> h1 "
            + "(h1 -> h2: service \"web\" needs \"db\" (dependsOn at services.web.dependsOn[0]); h2 -> h1: service \"cache\" needs \"api\" (dependsOn at services.cache.dependsOn[0]))",
            error.Message);
        Assert.Equal("services.web.dependsOn[0]", error.Path);
    }

    [Fact]
    public void Service_cycle_across_hosts_is_not_reported_again_as_a_host_cycle()
    {
        var fleet = new TestFleet().Host("h1").Host("h2").App("a", "h1", "b").App("b", "h2", "a").Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.StartsWith("services depend on each other", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_chain_of_ten_thousand_does_not_overflow_the_stack()
    {
        var builder = new TestFleet();
        const int length = 10_000;
        for (var i = 0; i < length; i++)
        {
            builder.Host($"h{i}", i + 1 < length ? [$"h{i + 1}"] : ["h0"]);
            builder.App($"s{i}", $"h{i}", i + 1 < length ? [$"s{i + 1}"] : []);
        }

        var error = Assert.Single(FleetValidator.Validate(builder.Build()));

        Assert.StartsWith("hosts depend on each other in a cycle: h0 -> h1 -> h2 -> ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("-> h9999 -> h0", error.Message, StringComparison.Ordinal);
    }
}
