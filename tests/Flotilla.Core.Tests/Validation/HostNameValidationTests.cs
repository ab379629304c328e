using Flotilla.Contracts;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

public sealed class HostNameValidationTests
{
    [Theory]
    [InlineData("web*")]
    [InlineData("-web")]
    [InlineData("web 1")]
    [InlineData("wéb")]
    public void A_host_whose_name_breaks_the_one_host_name_rule_is_an_error_at_its_path(string name)
    {
        var fleet = new TestFleet().Host(name).Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal(fleet.Hosts[0].Origin.Path, error.Path);
        Assert.Equal($"host \"{name}\" does not have a valid host name: a host name is {HostNames.Rule}", error.Message);
    }

    [Fact]
    public void Names_the_rule_allows_are_not_reported()
    {
        var fleet = new TestFleet().Host("web01").Host("db-1.lab").Host("node_7").Host(new string('a', HostNames.MaxLength)).Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }
}
