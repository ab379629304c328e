using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// The completion scripts, each run by its real shell (scripts/setup.sh installs bash, zsh and
/// fish), calling a flotilla on PATH that is this build of the CLI.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CompletionTests : IDisposable
{
    private const string Line = "flotilla deploy -f examples/homelab --on hs";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Suggestions_after_on_are_the_inventory_s_hosts_and_tags_and_after_service_its_services()
    {
        var hosts = await SuggestAsync("deploy -f examples/homelab --on ");
        var listed = await SuggestAsync("deploy -f examples/homelab --on hsb0,cs");
        var services = await SuggestAsync("plan -f examples/nixmox --service v");

        Assert.Contains("hsb0", hosts);
        Assert.Contains("@cloud", hosts);
        Assert.Equal(["hsb0,csb0", "hsb0,csb1"], listed);
        Assert.Equal(["vaultwarden"], services);
    }

    [Fact]
    public async Task Bash_completes_host_names_after_on()
    {
        var script = await ScriptAsync("bash");
        var result = await ShellAsync("bash", ["-c", $$"""
            source '{{script}}'
            COMP_LINE='{{Line}}'; COMP_POINT=${#COMP_LINE}
            COMP_WORDS=({{Line}}); COMP_CWORD=5
            _flotilla_complete
            printf '%s\n' "${COMPREPLY[@]}"
            """]);

        Assert.Equal(["hsb0", "hsb1", "hsb8"], result);
    }

    [Fact]
    public async Task Zsh_completes_host_names_after_on()
    {
        var script = await ScriptAsync("zsh");
        // compadd and compdef belong to zsh's completion system, which needs a terminal: they
        // print what they are given instead.
        var result = await ShellAsync("zsh", ["-c", $$"""
            compdef() { :; }
            compadd() { shift 2; print -l -- "$@"; }
            source '{{script}}'
            BUFFER='{{Line}}'; CURSOR=${#BUFFER}; words=({{Line}})
            _flotilla
            """]);

        Assert.Equal(["hsb0", "hsb1", "hsb8"], result);
    }

    [Fact]
    public async Task Fish_completes_host_names_after_on()
    {
        var script = await ScriptAsync("fish");
        var result = await ShellAsync("fish", ["-c", $"source '{script}'; complete -C '{Line}'"]);

        Assert.Equal(["hsb0", "hsb1", "hsb8"], result);
    }

    private static async Task<string[]> SuggestAsync(string line)
    {
        var run = await CliRunner.RunAsync(Repository.Root, $"[suggest:{line.Length}]", line);
        Assert.True(run.ExitCode == 0, run.Error);
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private async Task<string> ScriptAsync(string shell)
    {
        var run = await CliRunner.RunAsync(Repository.Root, "completion", shell);
        Assert.True(run.ExitCode == 0, run.Error);
        return directory.Write("completion." + shell, run.Output);
    }

    /// <summary>Runs a shell in the repository with a <c>flotilla</c> on PATH that runs this build.</summary>
    private async Task<string[]> ShellAsync(string shell, string[] arguments)
    {
        var bin = Path.Combine(directory.Path, "bin");
        var dotnet = ProcessRunner.Find("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");
        var cli = Path.Combine(AppContext.BaseDirectory, "flotilla.dll");
        var wrapper = directory.Write("bin/flotilla", $"#!/bin/sh\nexec '{dotnet}' '{cli}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var program = ProcessRunner.Find(shell) ?? throw new InvalidOperationException($"{shell} is not installed; scripts/setup.sh installs it");
        var environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var result = await ProcessRunner.RunAsync("/usr/bin/env", ["-C", Repository.Root, program, .. arguments], environment);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
