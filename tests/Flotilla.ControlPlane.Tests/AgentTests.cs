using Flotilla.Agent.Internal;
using Flotilla.Contracts;

namespace Flotilla.Tests;

public sealed class AgentTests
{
    [Theory]
    [InlineData("pull", "nixos", "git -C /src pull --ff-only")]
    [InlineData("switch", "nixos", "nixos-rebuild switch --flake /src#web1")]
    [InlineData("test", "nixos", "nixos-rebuild test --flake /src#web1")]
    [InlineData("rollback", "nixos", "nixos-rebuild switch --rollback")]
    [InlineData("reboot", "nixos", "systemctl reboot")]
    [InlineData("switch", "darwin", "darwin-rebuild switch --flake /src#web1")]
    [InlineData("reboot", "darwin", "shutdown -r now")]
    public void Each_op_runs_a_fixed_argument_list(string op, string platform, string expected)
    {
        var (argv, error) = OpCommands.For(op, [], platform, "web1", "/src");

        Assert.Null(error);
        Assert.Equal(expected, string.Join(' ', argv));
    }

    [Fact]
    public void Ops_that_need_the_repository_say_so_without_one()
    {
        var (_, error) = OpCommands.For(Ops.Switch, [], "nixos", "web1", null);

        Assert.Equal("op switch needs the agent's --repo (the flake repository) or --repo-url", error);
    }

    [Fact]
    public void Exec_runs_the_argument_list_as_given_and_unknown_ops_are_refused()
    {
        Assert.Equal<string>(["echo", "a b; rm -rf /"], OpCommands.For(Ops.Exec, ["echo", "a b; rm -rf /"], "nixos", "h", null).Argv);
        Assert.NotNull(OpCommands.For("format", [], "nixos", "h", null).Error);
    }

    [Theory]
    [InlineData(60 * 86_400.0)]
    [InlineData(0.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public async Task A_timeout_out_of_range_fails_the_command_before_its_process_starts(double seconds)
    {
        using var temp = new Support.TempDirectory();
        var started = Path.Combine(temp.Path, "started");
        var process = new CommandProcess("c1", TimeProvider.System);

        var completed = await process.RunAsync(["sh", "-c", "touch \"$0\"; sleep 600", started], seconds, 1024, (_, _, _) => ValueTask.CompletedTask, CancellationToken.None);

        Assert.Equal(CommandOutcome.FailedToStart, completed.Outcome);
        Assert.StartsWith("timeoutSeconds must be between 0.001 and 604800 seconds", completed.Message, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.False(File.Exists(started), "the process started");
    }

    [Fact]
    public async Task Lines_of_both_streams_are_handed_on_in_the_order_of_their_numbers()
    {
        // Both streams at once, and a hand-over that waits (as sending to the server can), longer for
        // stdout than for stderr: lines must still leave in number order, or a live follower sees a
        // later line before an earlier one.
        var process = new CommandProcess("c1", TimeProvider.System);
        var handedOn = new List<long>();

        var completed = await process.RunAsync(
            ["sh", "-c", "i=1; while [ $i -le 500 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); done"],
            60,
            1024,
            async (line, stream, _) =>
            {
                if (stream == OutputStream.Stdout)
                {
                    await Task.Delay(1);
                }
                else
                {
                    await Task.Yield();
                }

                lock (handedOn)
                {
                    handedOn.Add(line);
                }
            },
            CancellationToken.None);

        Assert.Equal(0, completed.ExitCode);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), handedOn);
    }

    [Fact]
    public void The_token_kept_at_enrolment_replaces_the_shared_one_until_the_token_file_holds_another()
    {
        using var temp = new Support.TempDirectory();
        var state = Path.Combine(temp.Path, "state");
        Assert.Equal("shared", EnrolledToken.Resolve(state, "shared"));

        EnrolledToken.Save(state, "flt_host_own", "shared");

        Assert.Equal("flt_host_own", EnrolledToken.Resolve(state, "shared"));
        Assert.Equal("flt_host_new", EnrolledToken.Resolve(state, "flt_host_new"));
        Assert.Equal("shared", EnrolledToken.Resolve(null, "shared"));
        Assert.DoesNotContain("shared", File.ReadAllText(Path.Combine(state, EnrolledToken.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_reads_memory_load_and_disk_from_this_machine()
    {
        var metrics = new HostProbe(null).Metrics();

        Assert.True(metrics.MemoryTotalBytes > metrics.MemoryUsedBytes);
        Assert.True(metrics.MemoryUsedBytes > 0);
        Assert.True(metrics.DiskTotalBytes >= metrics.DiskUsedBytes);
        Assert.True(metrics.DiskTotalBytes > 0);
        Assert.InRange(metrics.CpuPercent, 0, 100);
    }

    [Fact]
    public async Task The_probe_reports_the_flake_revision_of_the_repository()
    {
        using var repo = new Support.TempDirectory();
        foreach (var args in new[] { new[] { "init", "-q" }, ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"] })
        {
            var result = await Flotilla.Processes.ProcessRunner.RunAsync("git", ["-C", repo.Path, .. args]);
            Assert.Equal(0, result.ExitCode);
        }

        var head = (await Flotilla.Processes.ProcessRunner.RunAsync("git", ["-C", repo.Path, "rev-parse", "HEAD"])).StandardOutput.Trim();

        var facts = await new HostProbe(repo.Path).FactsAsync(CancellationToken.None);

        Assert.Equal(head, facts.FlakeRevision);
        Assert.Equal(repo.Path, facts.Repo);
    }

    [Fact]
    public async Task The_probe_reports_the_flake_lock_hash_and_tags_and_its_fingerprint_moves_with_a_commit_or_a_new_lock()
    {
        using var repo = new Support.TempDirectory();
        var lockFile = repo.Write("flake.lock", """{ "nodes": { "root": {} }, "root": "root", "version": 7 }""");
        Assert.Equal(0, (await Flotilla.Processes.ProcessRunner.RunAsync("git", ["-C", repo.Path, "init", "-q"])).ExitCode);
        var probe = new HostProbe(repo.Path, ["edge", "rack-2"]);
        var before = probe.Fingerprint();

        var facts = await probe.FactsAsync(CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(lockFile))), facts.LockHash);
        Assert.Equal(["edge", "rack-2"], facts.Tags);
        Assert.Equal(before, probe.Fingerprint());

        var commit = await Flotilla.Processes.ProcessRunner.RunAsync("git", ["-C", repo.Path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"]);
        Assert.Equal(0, commit.ExitCode);
        var afterCommit = probe.Fingerprint();
        Assert.NotEqual(before, afterCommit);

        repo.Write("flake.lock", """{ "nodes": { "root": { "inputs": {} } }, "root": "root", "version": 7 }""");
        Assert.NotEqual(afterCommit, probe.Fingerprint());
        Assert.NotEqual(facts.LockHash, (await probe.FactsAsync(CancellationToken.None)).LockHash);
        Assert.Null((await new HostProbe(null).FactsAsync(CancellationToken.None)).Tags);
    }

    [Fact]
    public async Task On_a_home_manager_host_the_current_system_is_the_user_s_home_manager_generation()
    {
        using var home = new Support.TempDirectory();
        var generation = Directory.CreateDirectory(Path.Combine(home.Path, "store", "abc-home-manager-generation")).FullName;
        var profiles = Directory.CreateDirectory(Path.Combine(home.Path, ".local", "state", "nix", "profiles")).FullName;
        File.CreateSymbolicLink(Path.Combine(profiles, "home-manager-3-link"), generation);
        File.CreateSymbolicLink(Path.Combine(profiles, "home-manager"), "home-manager-3-link");

        var facts = await new HostProbe(null, null, "imac0", Path.Combine(profiles, "home-manager")).FactsAsync(CancellationToken.None);

        Assert.Equal((generation, (int?)3, (string?)null, (bool?)null), (facts.CurrentSystem, facts.Generation, facts.BootedSystem, facts.NeedsReboot));
    }

    [Fact]
    public async Task Facts_go_to_the_server_only_when_they_changed_even_when_probed_again()
    {
        // Refresh zero: every heartbeat probes in full, as the once-a-minute probe does.
        var reporter = new FactsReporter(new HostProbe(null), TimeProvider.System, TimeSpan.Zero);
        var registered = await reporter.ForRegisterAsync(CancellationToken.None);

        Assert.Null(await reporter.ChangedAsync(CancellationToken.None));
        reporter.MarkStale();
        Assert.Null(await reporter.ChangedAsync(CancellationToken.None));

        Assert.True(reporter.Remember(registered with { Tags = ["edge"] }));
        Assert.False(reporter.Remember(registered with { Tags = ["edge"] }));
        Assert.Equal(registered, await reporter.ChangedAsync(CancellationToken.None));
    }
}
