using System.Net;
using Flotilla.Inventory;
using Flotilla.Lab.Internal;

namespace Flotilla.Lab.Tests;

public sealed class LabTests
{
    [LabFact]
    public async Task A_lab_made_from_an_inventory_has_every_host_answering_over_real_ssh()
    {
        var fleet = await Inventories.LoadAsync(Inventories.FourHosts);
        await using var lab = await TestLab.StartAsync(fleet);

        Assert.Equal(["app", "db", "gateway", "web"], lab.Lab.Hosts.Select(h => h.Name).Order());
        foreach (var host in lab.Lab.Hosts)
        {
            Assert.StartsWith("10.77.", host.Address, StringComparison.Ordinal);
            var output = await lab.SshCheckedAsync(host.Name, "hostname; echo $PATH; readlink /run/current-system; readlink /run/booted-system");
            var lines = output.Split('\n');
            Assert.Equal(host.Name, lines[0]);
            Assert.StartsWith("/run/current-system/sw/bin:", lines[1], StringComparison.Ordinal);
            Assert.StartsWith("/nix/store/", lines[2], StringComparison.Ordinal);
            Assert.Equal(lines[2], lines[3]);
        }

        // The health checks' ports are real services on the hosts they name.
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(lab.Host("app").Address, 8080));
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(lab.Host("web").Address, 80));
        Assert.True(await LabMachines.IsListeningAsync(lab.Host("db").Address, 5432, TimeProvider.System, default));
        Assert.Equal("active", await lab.SshCheckedAsync("db", "systemctl is-active tcp-5432"));

        // The user's own OpenSSH reaches root@<address> with no -F: up added the lab to ~/.ssh/config.
        var plain = await LabProcess.RunAsync("ssh", ["root@" + lab.Host("web").Address, "hostname"]);
        Assert.True(plain.ExitCode == 0, plain.StandardError);
        Assert.Equal("web", plain.StandardOutput.Trim());
    }

    [LabFact]
    public async Task The_lab_inventory_loads_with_the_hosts_real_targets_and_the_source_metadata()
    {
        var fleet = await Inventories.LoadAsync(Inventories.FourHosts);
        await using var lab = await TestLab.StartAsync(fleet);

        var labFleet = await InventoryLoader.LoadAsync(Path.Combine(lab.Lab.InventoryDirectory, "flake.nix"));

        Assert.Empty(labFleet.Diagnostics);
        foreach (var host in lab.Lab.Hosts)
        {
            var loaded = labFleet.FindHost(host.Name);
            var source = fleet.FindHost(host.Name)!;
            Assert.NotNull(loaded);
            Assert.Equal(new Target(host.Address, "root", 22), loaded.Target);
            Assert.Equal(source.DependsOn.ToArray(), loaded.DependsOn.ToArray());
            Assert.Equal(source.RebootOrder, loaded.RebootOrder);
            Assert.Equal(source.Role, loaded.Role);
            Assert.Equal(source.HealthChecks.Length, loaded.HealthChecks.Length);
            Assert.Equal($"nixosConfigurations.{host.Name}.config.system.build.toplevel", loaded.SystemAttribute);
        }

        // A check naming another host's inventory address now names that host's lab address.
        Assert.Contains(labFleet.FindHost("web")!.HealthChecks, c => c.Url == $"http://{lab.Host("app").Address}:8080/health");
    }

    [LabFact]
    public async Task A_configuration_change_deployed_with_nix_copy_makes_a_new_generation_and_rollback_restores_the_old_one()
    {
        await using var lab = await TestLab.StartAsync(hosts: 2);
        var host = lab.Host("host-1");
        var first = await lab.SshCheckedAsync(host.Name, "readlink -f /nix/var/nix/profiles/system");
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(host.Address, 8080));

        await lab.SetServiceHealthAsync(host.Name, "unhealthy", "2");
        var (second, activation) = await lab.DeployAsync(host.Name);

        Assert.True(activation.ExitCode == 0, activation.StandardError);
        Assert.NotEqual(first, second);
        Assert.Equal("2", await lab.SshCheckedAsync(host.Name, "nixos-version"));
        Assert.Equal(second, await lab.SshCheckedAsync(host.Name, "readlink /run/current-system"));
        Assert.Contains("system-2-link", await lab.SshCheckedAsync(host.Name, "ls /nix/var/nix/profiles"));
        Assert.Equal(HttpStatusCode.InternalServerError, await TestLab.GetAsync(host.Address, 8080));
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(lab.Host("host-2").Address, 8080));

        await lab.SshCheckedAsync(host.Name, "nix-env -p /nix/var/nix/profiles/system --rollback && /nix/var/nix/profiles/system/bin/switch-to-configuration switch");

        Assert.Equal(first, await lab.SshCheckedAsync(host.Name, "readlink /run/current-system"));
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(host.Address, 8080));
        Assert.Equal("1", await lab.SshCheckedAsync(host.Name, "nixos-version"));
    }

    [LabFact]
    public async Task Test_boot_and_dry_activate_behave_like_NixOS_and_a_new_kernel_asks_for_a_reboot()
    {
        await using var lab = await TestLab.StartAsync(hosts: 1);
        const string host = "host-1";
        var first = await lab.SshCheckedAsync(host, "readlink /run/current-system");
        var file = lab.Lab.HostConfigurationPath(host);
        await File.WriteAllTextAsync(file, """{ "version": "2", "kernel": "2", "services": [ { "name": "web", "port": 8080, "health": "slow" } ] }""");

        var (second, dry) = await lab.DeployAsync(host, "dry-activate");
        Assert.Contains("would restart service web", dry.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(first, await lab.SshCheckedAsync(host, "readlink /run/current-system"));

        await lab.SshCheckedAsync(host, $"{second}/bin/switch-to-configuration test");
        var status = (await lab.Lab.StatusAsync()).Hosts[0];
        Assert.Equal(second, status.CurrentSystem);
        Assert.Equal(first, status.BootedSystem);
        Assert.True(status.RebootRequired);

        // test did not make the new system the default (though the profile points at it): a reboot brings the first back.
        await lab.Lab.FaultAsync(host, LabFault.Reboot);
        await lab.Lab.WaitUntilReachableAsync(host, TimeSpan.FromSeconds(20));
        Assert.Equal(first, await lab.SshCheckedAsync(host, "readlink /run/current-system"));
    }

    [LabFact]
    public async Task Activation_waits_for_a_service_that_takes_time_to_start_as_systemd_waits_for_its_start_job()
    {
        await using var lab = await TestLab.StartAsync(hosts: 1);
        const string host = "host-1";
        var file = lab.Lab.HostConfigurationPath(host);
        await File.WriteAllTextAsync(file, """{ "version": "2", "services": [ { "name": "web", "port": 8080, "startup": 2 } ] }""");

        var (_, activation) = await lab.DeployAsync(host);

        Assert.Equal(0, activation.ExitCode);
        // The service slept 2 s before it listened; activation returned only once it was ready.
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(lab.Host(host).Address, 8080));
        Assert.Equal("active", await lab.SshCheckedAsync(host, "systemctl is-active web.service"));
    }

    [LabFact]
    public async Task A_reboot_kills_every_process_gives_a_new_boot_id_and_boots_the_default_generation()
    {
        await using var lab = await TestLab.StartAsync(hosts: 2);
        const string host = "host-1";
        var bootId = await lab.SshCheckedAsync(host, "cat /proc/sys/kernel/random/boot_id");
        Assert.NotEqual(bootId, await lab.SshCheckedAsync("host-2", "cat /proc/sys/kernel/random/boot_id"));
        await lab.SshCheckedAsync(host, "touch /run/marker");
        var oldPids = await LabNetwork.PidsAsync(lab.Host(host).Namespace, default);

        await lab.Lab.FaultAsync(host, LabFault.Reboot);
        await lab.Lab.WaitUntilReachableAsync(host, TimeSpan.FromSeconds(20));

        Assert.NotEqual(bootId, await lab.SshCheckedAsync(host, "cat /proc/sys/kernel/random/boot_id"));
        Assert.Equal("gone", await lab.SshCheckedAsync(host, "test -e /run/marker && echo kept || echo gone"));
        Assert.Empty(oldPids.Intersect(await LabNetwork.PidsAsync(lab.Host(host).Namespace, default)));
        Assert.Equal("active", await lab.SshCheckedAsync(host, "systemctl is-active web.service"));
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(lab.Host(host).Address, 8080));
    }

    [LabFact]
    public async Task Systemctl_reboot_over_ssh_reboots_the_host_like_the_fault_and_the_session_ends_cleanly()
    {
        await using var lab = await TestLab.StartAsync(hosts: 2);
        const string host = "host-1";
        var bootId = await lab.SshCheckedAsync(host, "cat /proc/sys/kernel/random/boot_id");
        await lab.SshCheckedAsync(host, "touch /run/marker");
        var oldPids = await LabNetwork.PidsAsync(lab.Host(host).Namespace, default);
        var otherBootId = await lab.SshCheckedAsync("host-2", "cat /proc/sys/kernel/random/boot_id");

        Assert.Equal("rebooting", await lab.SshCheckedAsync(host, "systemctl reboot"));
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync(host, "cat /proc/sys/kernel/random/boot_id")) is { ExitCode: 0 } r && r.StandardOutput.Trim() != bootId, "the new boot");

        Assert.Equal("gone", await lab.SshCheckedAsync(host, "test -e /run/marker && echo kept || echo gone"));
        Assert.Empty(oldPids.Intersect(await LabNetwork.PidsAsync(lab.Host(host).Namespace, default)));
        Assert.Equal(await lab.SshCheckedAsync(host, "readlink -f /nix/var/nix/profiles/system"), await lab.SshCheckedAsync(host, "readlink -f /run/booted-system"));
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(lab.Host(host).Address, 8080) == HttpStatusCode.OK, "the web service after the reboot");
        Assert.Equal(otherBootId, await lab.SshCheckedAsync("host-2", "cat /proc/sys/kernel/random/boot_id"));

        // `reboot` does the same, and the lab's status sees the new boot id.
        var second = await lab.SshCheckedAsync(host, "cat /proc/sys/kernel/random/boot_id");
        await lab.SshCheckedAsync(host, "reboot");
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync(host, "cat /proc/sys/kernel/random/boot_id")) is { ExitCode: 0 } r && r.StandardOutput.Trim() != second, "the third boot");
        Assert.NotNull(LabMachines.InitPid(lab.Host(host)));
    }

    [LabFact]
    public async Task A_host_with_boot_hangs_never_comes_back_from_a_reboot_until_healed()
    {
        await using var lab = await TestLab.StartAsync(hosts: 1);
        const string host = "host-1";
        await lab.Lab.FaultAsync(host, LabFault.BootHangs);
        await lab.SshCheckedAsync(host, "systemctl reboot");
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync(host, "true")).ExitCode != 0, "the host going down");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(await LabMachines.IsListeningAsync(lab.Host(host).Address, 22, TimeProvider.System, default));

        await lab.Lab.HealAsync(host);
        Assert.Equal("host-1", await lab.SshCheckedAsync(host, "hostname"));
    }

    [LabFact]
    public async Task Faults_make_activation_fail_services_unhealthy_hosts_unreachable_and_sshd_stop()
    {
        await using var lab = await TestLab.StartAsync(hosts: 2);
        var host = lab.Host("host-1");

        await lab.Lab.FaultAsync(host.Name, LabFault.ActivationFails);
        var failed = await lab.SshAsync(host.Name, "/run/current-system/bin/switch-to-configuration switch");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("activation-fails", failed.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, (await lab.SshAsync(host.Name, "/run/current-system/bin/switch-to-configuration switch")).ExitCode);

        await lab.Lab.FaultAsync(host.Name, LabFault.Unhealthy, TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.InternalServerError, await TestLab.GetAsync(host.Address, 8080));
        await TestLab.EventuallyAsync(async () => await TestLab.GetAsync(host.Address, 8080) == HttpStatusCode.OK, "the service healing");

        await lab.Lab.FaultAsync(host.Name, LabFault.Unreachable, TimeSpan.FromSeconds(2));
        Assert.False(await LabMachines.IsListeningAsync(host.Address, 22, TimeProvider.System, default));
        Assert.True(await LabMachines.IsListeningAsync(lab.Host("host-2").Address, 22, TimeProvider.System, default));
        await TestLab.EventuallyAsync(() => LabMachines.IsListeningAsync(host.Address, 22, TimeProvider.System, default), "the link coming back");

        await lab.Lab.FaultAsync(host.Name, LabFault.SshdStop);
        Assert.NotEqual(0, (await lab.SshAsync(host.Name, "true")).ExitCode);
        Assert.Equal(HttpStatusCode.OK, await TestLab.GetAsync(host.Address, 8080));
        await lab.Lab.HealAsync(host.Name);
        await lab.Lab.WaitUntilReachableAsync(host.Name, TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await lab.SshAsync(host.Name, "true")).ExitCode);
    }

    [LabFact]
    public async Task Down_leaves_no_namespace_link_process_mount_or_file_behind()
    {
        var lab = await TestLab.StartAsync(hosts: 3);
        var state = lab.Lab;
        await state.FaultAsync("host-2", LabFault.Unreachable, TimeSpan.FromMinutes(5));
        var prefix = state.Hosts[0].Namespace.Split('-')[0];

        await lab.DisposeAsync();
        await Lab.DownAsync(state.Name, TestLab.StateRoot);

        Assert.DoesNotContain(await LabNetwork.NamespacesAsync(default), n => n.StartsWith(prefix + "-", StringComparison.Ordinal));
        Assert.DoesNotContain(LabNetwork.Links(), l => l == prefix + "br" || l.StartsWith(prefix + "v", StringComparison.Ordinal));
        Assert.False(Directory.Exists(state.Directory));
        Assert.DoesNotContain(state.Directory, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.DoesNotContain(ProcessTable.CommandLines(), commandLine => commandLine.Contains(state.Directory, StringComparison.Ordinal));
    }

    [LabFact]
    public async Task Up_removes_what_a_crashed_lab_of_the_same_name_left()
    {
        var name = TestLab.NewName();
        var crashed = await Lab.UpAsync(new LabOptions { Name = name, HostCount = 1, StateRoot = TestLab.StateRoot });
        var oldBridge = crashed.Hosts[0].Namespace.Split('-')[0] + "br";
        var oldBridgeIndex = LinkIndex(oldBridge);
        Assert.NotNull(oldBridgeIndex);
        var oldInit = LabMachines.InitPid(crashed.Hosts[0]) ?? throw new InvalidOperationException("the first lab's host has no init");
        var oldInitStart = ProcessStart(oldInit);

        await using var lab = await TestLab.StartAsync(new LabOptions { Name = name, HostCount = 1, StateRoot = TestLab.StateRoot });

        Assert.Equal(0, (await lab.SshAsync("host-1", "true")).ExitCode);
        // Test projects run side by side: another lab may have taken the freed subnet and made a
        // bridge of the same name. A link made again has a new index, a process a new start time.
        Assert.NotEqual(oldBridgeIndex, LinkIndex(oldBridge));
        Assert.NotEqual(oldInitStart, ProcessStart(oldInit));
    }

    private static string? LinkIndex(string link) =>
        File.Exists($"/sys/class/net/{link}/ifindex") ? File.ReadAllText($"/sys/class/net/{link}/ifindex").Trim() : null;

    // Field 22 of /proc/PID/stat (after the parenthesised name, which may hold spaces); null for
    // a process that ended, zombies included (their parent may reap them late).
    private static string? ProcessStart(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LabFact]
    public async Task A_service_configured_to_crash_is_failed_after_a_switch_and_refuses_connections()
    {
        await using var lab = await TestLab.StartAsync(hosts: 1);
        await lab.SetServiceHealthAsync("host-1", "crash", "2");

        var (_, activation) = await lab.DeployAsync("host-1");

        Assert.True(activation.ExitCode == 0, activation.StandardError);
        await TestLab.EventuallyAsync(async () => (await lab.SshAsync("host-1", "systemctl is-active web")).ExitCode == 3, "the service failing");
        Assert.Equal("failed", (await lab.SshAsync("host-1", "systemctl is-active web")).StandardOutput.Trim());
        Assert.Null(await TestLab.GetAsync(lab.Host("host-1").Address, 8080));
        Assert.Equal("failed", (await lab.Lab.StatusAsync()).Hosts[0].Services["web"]);
    }

    [LabFact]
    public async Task A_service_that_was_killed_is_not_active_even_before_it_is_reaped()
    {
        await using var lab = await TestLab.StartAsync(hosts: 1);

        // Orphaned services are reparented to the machine's init, which may reap them late; a
        // zombie must not count as a running service (kill -0 alone would say it does).
        var state = await lab.SshAsync("host-1", "pid=$(cat /run/lab/services/web/pid); kill -TERM -$pid; sleep 0.3; systemctl is-active web");

        Assert.Equal("failed", state.StandardOutput.Trim());
    }
}
