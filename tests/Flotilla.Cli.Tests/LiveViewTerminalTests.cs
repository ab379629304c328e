using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// <c>flotilla deploy</c>'s live view in a real terminal: tmux runs the built command line on a lab
/// at a given width, and its screen is read (capture-pane, wrapped lines joined) while the run goes on.
/// </summary>
public sealed class LiveViewTerminalTests
{
    private const string Inventory = """
        {
          "hosts": {
            "database-primary-west": { "target": "10.1.0.2", "healthChecks": [ { "type": "http", "url": "http://localhost:5432/" } ] },
            "application-server-west": { "target": "10.1.0.3", "dependsOn": ["database-primary-west"], "healthChecks": [ { "type": "http", "url": "http://localhost:8080/health" } ] }
          }
        }
        """;

    private static readonly string[] Hosts = ["database-primary-west", "application-server-west"];

    [LabFact]
    public async Task The_live_view_fits_80_and_200_columns_and_a_resize_without_wrapped_lines_and_plain_gives_lines()
    {
        using var dir = new TempDirectory();
        await using var lab = await CliLab.UpAsync(dir.Path, "tv", dir.Write("flotilla.json", Inventory));
        var state = Path.Combine(dir.Path, "state");

        var wide = await DeployInTerminalAsync(dir.Path, lab, state, 200, resizeTo: null);
        var narrow = await DeployInTerminalAsync(dir.Path, lab, state, 80, resizeTo: null);
        var resized = await DeployInTerminalAsync(dir.Path, lab, state, 200, resizeTo: 80);
        var plain = await DeployInTerminalAsync(dir.Path, lab, state, 80, resizeTo: null, "--plain");

        // --plain: a line per change even on a terminal, as in a log.
        Assert.Contains(plain[^1], line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\d\d:\d\d:\d\d database-primary-west activate:database-primary-west succeeded"));
        Assert.DoesNotContain(plain.SelectMany(s => s), line => line.Contains("running", StringComparison.Ordinal));

        foreach (var (name, width, screens) in new[] { ("wide", 200, wide), ("narrow", 80, narrow), ("resized", 80, resized) })
        {
            // The view was seen live (a host's line while its steps ran), and it ended with each
            // host's final line once and the counts.
            Assert.Contains(screens, s => s.Any(line => line.Contains("running", StringComparison.Ordinal) && Hosts.Any(h => line.Contains(h, StringComparison.Ordinal))));
            var last = screens[^1];
            var shown = $"{name}, at {width} columns:\n{string.Join('\n', last)}";
            Assert.True(last.Count(line => line.Contains("deploying 2 hosts", StringComparison.Ordinal)) == 1, shown);
            Assert.True(last.Count(line => line.Contains(" succeeded, 0 failed", StringComparison.Ordinal)) == 1, shown);
            foreach (var host in Hosts)
            {
                Assert.True(last.Count(line => line.Contains(host, StringComparison.Ordinal)) == 1, shown);
            }

            // Every screen after the last resize: no line of the view wider than the terminal
            // (capture-pane -J joins a wrapped line back into one), and no host drawn twice.
            foreach (var screen in screens.Where(s => s.Width == width))
            {
                foreach (var line in screen.Where(l => Hosts.Any(h => l.Contains(h, StringComparison.Ordinal))))
                {
                    Assert.True(line.Length <= width, $"a line of {line.Length} columns at {width}: {line}\n{string.Join('\n', screen)}");
                }

                foreach (var host in Hosts)
                {
                    Assert.True(screen.Count(l => l.Contains(host, StringComparison.Ordinal)) <= 1, $"{host} drawn twice at {width}:\n{string.Join('\n', screen)}");
                }
            }
        }
    }

    [Fact]
    public async Task A_table_is_drawn_to_the_terminals_width_and_plain_columns_with_plain()
    {
        using var dir = new TempDirectory();
        var example = Repository.PathOf("examples", "nixmox");

        var drawn = (await RunInTerminalAsync(dir.Path, 60, null, ["hosts", "-f", example]))[^1];
        var plain = (await RunInTerminalAsync(dir.Path, 60, null, ["hosts", "-f", example, "--plain"]))[^1];

        var shown = string.Join('\n', drawn);
        Assert.All(drawn, line => Assert.True(line.Length <= 60, shown));
        Assert.Contains(drawn, line => line.Contains("NAME", StringComparison.Ordinal) && line.Contains('│', StringComparison.Ordinal));
        foreach (var host in new[] { "authentik", "caddy", "vaultwarden" })
        {
            Assert.Contains(drawn, line => line.TrimStart().StartsWith(host, StringComparison.Ordinal) && line.Contains('│', StringComparison.Ordinal));
        }

        Assert.Matches(@"^NAME +ROLE +GROUPS +TARGET", plain[0]);
        Assert.DoesNotContain(plain, line => line.Contains('│', StringComparison.Ordinal));
    }

    private sealed class Screen(int width, IEnumerable<string> lines) : List<string>(lines)
    {
        public int Width { get; } = width;
    }

    private static async Task<List<Screen>> DeployInTerminalAsync(string workingDirectory, CliLab lab, string state, int width, int? resizeTo, params string[] options)
    {
        // A new version of each host whose service takes 3 s to start: activations that last.
        foreach (var host in Hosts)
        {
            lab.Configure(host, c =>
            {
                c["version"] = Guid.NewGuid().ToString("N")[..8];
                c["services"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "web", ["port"] = host == Hosts[0] ? 5432 : 8080, ["kind"] = "http", ["health"] = "healthy", ["startup"] = 3 });
            });
        }

        return await RunInTerminalAsync(workingDirectory, width, resizeTo, ["deploy", "-f", lab.Inventory, "--substituters", "", "--state-dir", state, "--confirm-timeout", "30s", .. options]);
    }

    /// <summary>Runs the built command line in tmux at <paramref name="width"/> columns and reads its screen until it ends.</summary>
    private static async Task<List<Screen>> RunInTerminalAsync(string workingDirectory, int width, int? resizeTo, string[] arguments)
    {
        var socket = "flotilla-test-" + Guid.NewGuid().ToString("N")[..8];
        string[] tmux = ["-L", socket, "-f", "/dev/null"];
        // The pane stays as the command left it (tmux's remain-on-exit would scroll it to print
        // "Pane is dead"): its exit status goes to a file, then the pane waits to be killed.
        var status = Path.Combine(workingDirectory, socket + ".status");
        var flotilla = Repository.PathOf("src", "Flotilla.Cli", "bin", Configuration, "net10.0", "flotilla");
        var environment = new Dictionary<string, string> { ["TERM"] = "xterm-256color" };
        try
        {
            await CheckedAsync([.. tmux, "new-session", "-d", "-s", "run", "-x", width.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", "40", "-c", workingDirectory,
                "-e", "FLOTILLA_TEST_STATUS=" + status, "/bin/sh", "-c", "\"$0\" \"$@\"; echo $? > \"$FLOTILLA_TEST_STATUS\"; exec sleep 600", flotilla, .. arguments], environment);
            var screens = new List<Screen>();
            var current = width;
            // Bounded: a deploy of two lab hosts takes well under five minutes.
            for (var i = 0; i < 1500; i++)
            {
                var ended = File.Exists(status) && (await File.ReadAllTextAsync(status)).EndsWith('\n');
                var capture = await CheckedAsync([.. tmux, "capture-pane", "-p", "-J", "-t", "run"], environment);
                var screen = new Screen(current, capture.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0));
                screens.Add(screen);
                if (ended)
                {
                    var exit = (await File.ReadAllTextAsync(status)).Trim();
                    Assert.True(exit == "0", $"flotilla {arguments[0]} exited with {exit}:\n{string.Join('\n', screen)}");
                    return screens;
                }

                if (resizeTo is { } narrower && current != narrower && screen.Any(l => l.Contains("running", StringComparison.Ordinal)))
                {
                    await CheckedAsync([.. tmux, "resize-window", "-t", "run", "-x", narrower.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);
                    current = narrower;
                    // What the old width drew is reflowed by the terminal; the view redraws at its next frame.
                    await Task.Delay(TimeSpan.FromMilliseconds(500));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }

            Assert.Fail($"flotilla {arguments[0]} did not end within five minutes:\n" + string.Join('\n', screens[^1]));
            return screens;
        }
        finally
        {
            await ProcessRunner.RunAsync("tmux", [.. tmux, "kill-server"], environment);
        }
    }

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    private static async Task<string> CheckedAsync(string[] arguments, Dictionary<string, string> environment)
    {
        var result = await ProcessRunner.RunAsync("tmux", arguments, environment);
        Assert.True(result.ExitCode == 0, $"tmux {string.Join(' ', arguments)}: {result.StandardError}");
        return result.StandardOutput;
    }
}
