using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Flotilla.Inventory;
using Flotilla.Lab;
using Flotilla.Planning;

namespace Flotilla.Execution.Tests;

/// <summary>
/// A lab for one execution test, with its fleet loaded from the lab's flake (health checks made
/// quick) and helpers to run a deploy plan step by step. Disposing takes the lab down.
/// </summary>
internal sealed class ExecutionLab : IAsyncDisposable
{
    public const string StateRoot = "/var/lib/flotilla/lab-tests";

    private ExecutionLab(Lab.Lab lab, Fleet fleet)
    {
        Lab = lab;
        Fleet = fleet;
    }

    public Lab.Lab Lab { get; }

    public Fleet Fleet { get; private set; }

    public static Task<ExecutionLab> StartAsync(int hosts = 1) =>
        StartAsync(new LabOptions { Name = "x-" + Guid.NewGuid().ToString("N")[..8], HostCount = hosts, StateRoot = StateRoot });

    /// <summary>A lab of <paramref name="source"/>'s hosts (their platforms, login users, services, containers and checks), with its fleet loaded from the lab's flake.</summary>
    public static Task<ExecutionLab> StartAsync(Fleet source) =>
        StartAsync(new LabOptions { Name = "x-" + Guid.NewGuid().ToString("N")[..8], Fleet = source, StateRoot = StateRoot });

    private static async Task<ExecutionLab> StartAsync(LabOptions options)
    {
        var lab = await Flotilla.Lab.Lab.UpAsync(options);
        try
        {
            var fleet = await InventoryLoader.LoadAsync(Path.Combine(lab.InventoryDirectory, "flake.nix"));
            Assert.Empty(fleet.Diagnostics);
            return new ExecutionLab(lab, Quick(fleet));
        }
        catch
        {
            await lab.DownAsync();
            throw;
        }
    }

    /// <summary>Options for the lab: no binary cache, a short confirm timeout.</summary>
    public static DeployOptions Options(TimeSpan? confirmTimeout = null) => new()
    {
        Substituters = "",
        SubstituteOnDestination = false,
        ConfirmTimeout = confirmTimeout ?? TimeSpan.FromSeconds(20),
    };

    public Host Host(string name) => Fleet.FindHost(name)!;

    /// <summary>Uses another inventory of the lab's hosts (health checks made quick).</summary>
    public async Task LoadFleetAsync(string inventory)
    {
        var fleet = await InventoryLoader.LoadAsync(inventory);
        Assert.Empty(fleet.Diagnostics);
        Fleet = Quick(fleet);
    }

    public string Address(string host) => Lab.GetHost(host).Address;

    public void UpdateFleet(Func<Fleet, Fleet> change) => Fleet = change(Fleet);

    public void UpdateHost(string name, Func<Host, Host> change) =>
        Fleet = Fleet with { Hosts = [.. Fleet.Hosts.Select(h => h.Name == name ? change(h) : h)] };

    /// <summary>Edits hosts/&lt;host&gt;.json: a new version (so a new closure) and every service's health.</summary>
    public async Task ConfigureAsync(string host, string version, string health = "healthy")
    {
        var file = Lab.HostConfigurationPath(host);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        json["version"] = version;
        foreach (var service in json["services"]!.AsArray())
        {
            service!["health"] = health;
        }

        await File.WriteAllTextAsync(file, json.ToJsonString());
    }

    /// <summary>Runs a command on a lab host with the system's plain ssh.</summary>
    public async Task<string> SshAsync(string host, string command)
    {
        var result = await new SshTransport().RunCommandAsync(Host(host).Target, command);
        Assert.True(result.Succeeded, $"`{command}` on {host} exited with {result.ExitCode}: {result.Error}");
        return result.Output.Trim();
    }

    public Task<string> GenerationAsync(string host) => SshAsync(host, "readlink /nix/var/nix/profiles/system");

    public Task<string> CurrentSystemAsync(string host) => SshAsync(host, "readlink -f /run/current-system");

    public Plan Plan(params string[] hosts)
    {
        var result = Planner.Build(Fleet, Operation.Deploy, new Selection { On = [.. hosts] });
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Plan!;
    }

    /// <summary>Runs a plan's steps in order (a stand-in for the scheduler); stops at the first step that does not succeed.</summary>
    public async Task<IReadOnlyList<(PlanStep Step, StepResult Result)>> RunAsync(DeployStepExecutor executor, Plan plan, RecordingOutput output, Action<PlanStep>? beforeStep = null, CancellationToken cancellationToken = default)
    {
        await executor.PrebuildAsync(Fleet, plan, cancellationToken: cancellationToken);
        var results = new List<(PlanStep, StepResult)>();
        foreach (var step in plan.Steps)
        {
            beforeStep?.Invoke(step);
            var result = await executor.ExecuteAsync(step, new StepContext(Fleet, step.Host is null ? null : Fleet.FindHost(step.Host), output), cancellationToken);
            results.Add((step, result));
            if (result.State != StepState.Succeeded)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>The lab's checks come with 5 s intervals; tests use 1 s so a failing check fails fast.</summary>
    private static Fleet Quick(Fleet fleet)
    {
        static ImmutableArray<HealthCheck> Fast(ImmutableArray<HealthCheck> checks) =>
            [.. checks.Select(c => c with { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(3), Retries = 3 })];
        return fleet with
        {
            Hosts = [.. fleet.Hosts.Select(h => h with { HealthChecks = Fast(h.HealthChecks) })],
            Services = [.. fleet.Services.Select(s => s with { HealthChecks = Fast(s.HealthChecks) })],
        };
    }

    public async ValueTask DisposeAsync() => await Lab.DownAsync(CancellationToken.None);
}

/// <summary>Collects step output lines.</summary>
internal sealed class RecordingOutput : IStepOutput
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void Line(PlanStep step, string line) => Lines.Enqueue($"{step.Id}: {line}");

    public string All => string.Join('\n', Lines);
}
