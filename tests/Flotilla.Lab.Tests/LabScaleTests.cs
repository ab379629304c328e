using System.Diagnostics;
using Xunit.Abstractions;

namespace Flotilla.Lab.Tests;

/// <summary>A bigger lab works as a small one does. The figures it prints are for docs/lab.md, not assertions.</summary>
public sealed class LabScaleTests(ITestOutputHelper output)
{
    [LabFact]
    public async Task Sixteen_hosts_come_up_and_each_answers_over_ssh_with_its_own_boot_id()
    {
        var clock = Stopwatch.StartNew();
        await using var lab = await TestLab.StartAsync(hosts: 16);
        var up = clock.Elapsed;

        var bootIds = await Task.WhenAll(lab.Lab.Hosts.Select(h => lab.SshCheckedAsync(h.Name, "cat /proc/sys/kernel/random/boot_id")));
        var status = await lab.Lab.StatusAsync();

        Assert.Equal(16, bootIds.Distinct().Count());
        Assert.All(status.Hosts, h => Assert.Equal("active", h.Services["web"]));
        Assert.All(status.Hosts, h => Assert.True(h.MemoryBytes > 0));
        output.WriteLine($"16 hosts up in {up.TotalSeconds:0.00} s; RSS per host {status.Hosts.Average(h => h.MemoryBytes) / 1048576:0.0} MiB");
    }
}
