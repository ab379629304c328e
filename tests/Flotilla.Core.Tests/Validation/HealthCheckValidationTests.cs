using Flotilla.Inventory;
using Flotilla.Validation;

namespace Flotilla.Tests.Validation;

public sealed class HealthCheckValidationTests
{
    private static HealthCheck Check(HealthCheckKind kind) => new()
    {
        Kind = kind,
        Origin = new Origin(TestFleet.File, "hosts.a.healthChecks[0]"),
    };

    private static Flotilla.Diagnostics.Diagnostic OnlyFinding(HealthCheck check) =>
        Assert.Single(FleetValidator.Validate(new TestFleet().Host("a", h => h with { HealthChecks = [check] }).Build()));

    [Fact]
    public void Http_check_without_url_is_reported_at_url()
    {
        var error = OnlyFinding(Check(HealthCheckKind.Http));

        Assert.Equal("hosts.a.healthChecks[0].url", error.Path);
        Assert.Equal("the http health check of host \"a\" has no url", error.Message);
    }

    [Theory]
    [InlineData("localhost:8080/health")]
    [InlineData("ftp://a/b")]
    [InlineData("/health")]
    public void Http_check_with_a_url_that_is_not_absolute_http_is_reported(string url)
    {
        var error = OnlyFinding(Check(HealthCheckKind.Http) with { Url = url });

        Assert.Equal("hosts.a.healthChecks[0].url", error.Path);
        Assert.Contains("not an absolute http or https URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_check_with_a_good_url_passes()
    {
        var fleet = new TestFleet().Host("a", h => h with { HealthChecks = [Check(HealthCheckKind.Http) with { Url = "https://a.lan:8443/health" }] }).Build();

        Assert.Empty(FleetValidator.Validate(fleet));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(70000)]
    public void Tcp_check_without_a_valid_port_is_reported_at_port(int? port)
    {
        var error = OnlyFinding(Check(HealthCheckKind.Tcp) with { Port = port });

        Assert.Equal("hosts.a.healthChecks[0].port", error.Path);
    }

    [Fact]
    public void Command_check_with_an_empty_command_is_reported()
    {
        var error = OnlyFinding(Check(HealthCheckKind.Command) with { Command = "  " });

        Assert.Equal("hosts.a.healthChecks[0].command", error.Path);
    }

    [Fact]
    public void Non_positive_timings_and_negative_retries_are_each_reported()
    {
        var check = Check(HealthCheckKind.Command) with { Command = "true", Timeout = TimeSpan.Zero, Interval = TimeSpan.FromSeconds(-1), Retries = -1 };

        var paths = FleetValidator.Validate(new TestFleet().Host("a", h => h with { HealthChecks = [check] }).Build()).Select(d => d.Path);

        Assert.Equal(["hosts.a.healthChecks[0].timeout", "hosts.a.healthChecks[0].interval", "hosts.a.healthChecks[0].retries"], paths);
    }

    [Fact]
    public void Expected_status_out_of_range_is_reported()
    {
        var error = OnlyFinding(Check(HealthCheckKind.Http) with { Url = "http://a/", ExpectedStatus = 42 });

        Assert.Equal("hosts.a.healthChecks[0].expectedStatus", error.Path);
    }

    [Fact]
    public void Service_health_checks_are_checked_too()
    {
        var fleet = new TestFleet().Host("a")
            .App("web", "a").With(s => s with { HealthChecks = [new HealthCheck { Kind = HealthCheckKind.Tcp, Origin = new Origin(TestFleet.File, "services.web.healthChecks[0]") }] })
            .Build();

        var error = Assert.Single(FleetValidator.Validate(fleet));

        Assert.Equal("the tcp health check of service \"web\" has no port", error.Message);
    }

    [Fact]
    public void Key_with_a_relative_dest_dir_is_reported_at_dest_dir()
    {
        var key = new Key { Name = "wifi", Source = KeySourceKind.Text, Value = "x", DestDir = "run/keys", Origin = new Origin(TestFleet.File, "hosts.a.keys.wifi") };

        var error = Assert.Single(FleetValidator.Validate(new TestFleet().Host("a", h => h with { Keys = [key] }).Build()));

        Assert.Equal("hosts.a.keys.wifi.destDir", error.Path);
        Assert.DoesNotContain("\"x\"", error.Message, StringComparison.Ordinal);
    }
}
