using System.Text.Json;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

public sealed class PlanCommandTests
{
    [Fact]
    public async Task Plan_json_follows_the_documented_contract()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "plan", "-f", "examples/nixmox/flotilla.nix", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal("deploy", json.RootElement.GetProperty("operation").GetString());
        var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToList();
        var seen = new HashSet<string>();
        foreach (var step in steps)
        {
            var id = step.GetProperty("id").GetString()!;
            Assert.All(step.GetProperty("dependsOn").EnumerateArray(), d => Assert.Contains(d.GetString()!, seen));
            Assert.True(seen.Add(id), $"duplicate id {id}");
            Assert.NotNull(step.GetProperty("kind").GetString());
            Assert.NotNull(step.GetProperty("phase").GetString());
            Assert.True(step.TryGetProperty("host", out _));
            Assert.True(step.TryGetProperty("service", out _));
        }

        Assert.Contains("tf:auth-core", seen);
        Assert.Contains("verify:vaultwarden", seen);
    }

    [Fact]
    public async Task A_service_selection_takes_what_it_needs_and_nothing_else()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "plan", "-f", "examples/nixmox/flotilla.nix", "--service", "vaultwarden", "--format", "json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var hosts = json.RootElement.GetProperty("steps").EnumerateArray()
            .Select(s => s.GetProperty("host").GetString()).OfType<string>().ToHashSet();
        Assert.Equal(["authentik", "caddy", "dns", "postgresql", "vaultwarden"], hosts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_tag_selector_is_not_taken_for_a_response_file()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "plan", "-f", "examples/homelab", "--on", "@cloud,hsb0", "--format", "mermaid");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("flowchart", run.Output, StringComparison.Ordinal);
        Assert.Contains("activate:csb1", run.Output, StringComparison.Ordinal);
        Assert.Contains("activate:hsb0", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("activate:hsb1", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_host_in_a_selection_suggests_the_closest_name()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "plan", "-f", "examples/homelab", "--on", "hsbb0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("did you mean \"hsb0\"", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reboot_plan_as_dot_orders_hosts_by_dependencies_and_reboot_order()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "plan", "-f", "examples/homelab", "--op", "reboot", "--format", "dot");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("digraph", run.Output, StringComparison.Ordinal);
        Assert.True(run.Output.IndexOf("\"reboot:hsb0\"", StringComparison.Ordinal) < run.Output.IndexOf("\"reboot:hsb1\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("deploy", "Deploy plan:")]
    [InlineData("rollback", "Rollback plan:")]
    [InlineData("reboot", "Reboot plan:")]
    public async Task Dry_run_prints_the_plan_that_would_run_and_changes_nothing(string operation, string heading)
    {
        using var dir = new TempDirectory();
        var state = Path.Combine(dir.Path, "state");
        // Addresses nobody answers at (TEST-NET-1): a dry run must not try to reach them.
        dir.Write("flotilla.json", """
            { "hosts": { "db": { "target": "192.0.2.10" }, "web": { "target": "192.0.2.11", "dependsOn": ["db"] } } }
            """);

        var run = await CliRunner.RunAsync(dir.Path, operation, "--dry-run", "--state-dir", state);
        var plan = await CliRunner.RunAsync(dir.Path, "plan", "--op", operation);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith(heading, run.Output, StringComparison.Ordinal);
        Assert.Equal(plan.Output, run.Output);
        Assert.False(Directory.Exists(state), "a dry run wrote a journal");
    }

    [Fact]
    public async Task Dry_run_with_json_prints_the_plan_as_json_for_nixmox_s_service_flag()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "deploy", "-f", "tests/Fixtures/nixmox/service-manifest.nix", "--service", "vaultwarden", "--dry-run", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var hosts = json.RootElement.GetProperty("steps").EnumerateArray()
            .Select(s => s.GetProperty("host").GetString()).OfType<string>().Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["authentik", "caddy", "postgresql", "vaultwarden"], hosts);
    }
}
