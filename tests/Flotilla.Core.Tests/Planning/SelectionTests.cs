using Flotilla.Inventory;
using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class SelectionTests
{
    private static readonly Fleet Fleet = new TestFleet()
        .Host("web01", h => h with { Tags = ["web", "prod"] })
        .Host("web02", h => h with { Tags = ["web"] })
        .Host("db1", h => h with { Tags = ["prod"] })
        .Host("auth")
        .Host("edge", "web01")
        .Core("postgresql", "db1")
        .Core("authentik", "auth", "postgresql")
        .App("wiki", "web01", "postgresql").With(s => s with { Auth = new AuthSpec { Type = "oidc", Provider = "authentik" } })
        .Build();

    private static string[] Hosts(Selection selection)
    {
        var result = FleetSelector.Select(Fleet, selection);
        Assert.Empty(result.Errors);
        return [.. result.Hosts];
    }

    [Fact]
    public void Empty_selection_is_every_host_in_fleet_order()
    {
        Assert.Equal(["web01", "web02", "db1", "auth", "edge"], Hosts(Selection.Everything));
    }

    [Fact]
    public void Names_tags_and_globs_are_united_in_fleet_order()
    {
        Assert.Equal(["web02", "db1", "auth"], Hosts(new Selection { On = ["auth", "@prod", "web0[!1]"] }).Except(["web01"]));
        Assert.Equal(["web01", "web02"], Hosts(new Selection { On = ["web*"] }));
        Assert.Equal(["web01", "db1"], Hosts(new Selection { On = ["@prod"] }));
        Assert.Equal(["web02"], Hosts(new Selection { On = ["web?2"] }));
    }

    [Fact]
    public void All_selects_every_host_unless_a_host_is_named_all()
    {
        Assert.Equal(["web01", "web02", "db1", "auth", "edge"], Hosts(new Selection { On = ["all"] }));

        var named = new TestFleet().Host("all").Host("other").Build();
        Assert.Equal(["all"], FleetSelector.Select(named, new Selection { On = ["all"] }).Hosts.ToArray());
    }

    [Fact]
    public void A_term_that_selects_nothing_is_an_error_even_beside_one_that_does()
    {
        var result = FleetSelector.Select(Fleet, new Selection { On = ["web*", "db?9", "@nope"] });

        Assert.Equal(["--on \"db?9\": the pattern matches no host", "--on \"@nope\": no host has tag \"nope\""], result.Errors.Select(e => e.Message));
    }

    [Fact]
    public void A_service_selects_what_it_needs_through_depends_on_and_auth()
    {
        Assert.Equal(["web01", "db1", "auth"], Hosts(new Selection { Services = ["wiki"] }));
    }

    [Fact]
    public void With_dependents_adds_hosts_that_depend_on_the_selection()
    {
        Assert.Equal(["web01", "db1", "auth", "edge"], Hosts(new Selection { On = ["db1"], WithDependents = true }));
    }

    [Fact]
    public void With_dependents_leaves_out_services_that_only_authenticate_with_the_selection()
    {
        // wiki's auth configuration waits for authentik; wiki itself runs without it.
        Assert.Equal(["auth"], Hosts(new Selection { On = ["auth"], WithDependents = true }));
    }

    [Fact]
    public void Unknown_name_is_an_error_with_a_suggestion()
    {
        var result = FleetSelector.Select(Fleet, new Selection { On = ["web1"] });

        var error = Assert.Single(result.Errors);
        Assert.Empty(result.Hosts);
        Assert.Equal("--on \"web1\": no host is named \"web1\"", error.Message);
        Assert.Equal("did you mean \"web01\"?", error.Hint);
    }

    [Fact]
    public void Unknown_tag_lists_the_known_tags()
    {
        var error = Assert.Single(FleetSelector.Select(Fleet, new Selection { On = ["@staging"] }).Errors);

        Assert.Equal("known tags: prod, web", error.Hint);
    }

    [Fact]
    public void A_service_name_given_to_on_points_to_the_service_option()
    {
        var error = Assert.Single(FleetSelector.Select(Fleet, new Selection { On = ["wiki"] }).Errors);

        Assert.Equal("\"wiki\" is a service; select it with --service wiki", error.Hint);
    }

    [Fact]
    public void Unknown_service_is_a_plan_error_with_a_suggestion()
    {
        var result = Planner.Build(Fleet, Operation.Deploy, new Selection { Services = ["wikki"] });

        Assert.Null(result.Plan);
        Assert.Equal("did you mean \"wiki\"?", Assert.Single(result.Errors).Hint);
    }

    [Fact]
    public void A_glob_matching_nothing_is_an_error()
    {
        Assert.Single(FleetSelector.Select(Fleet, new Selection { On = ["mail*"] }).Errors);
    }

    [Fact]
    public void An_exact_name_with_glob_characters_selects_that_host()
    {
        var fleet = new TestFleet().Host("a[1]").Host("a1").Build();

        Assert.Equal(["a[1]"], FleetSelector.Select(fleet, new Selection { On = ["a[1]"] }).Hosts.ToArray());
    }
}
