using System.Text.Json;
using Flotilla.Processes;

namespace Flotilla.Tests;

/// <summary>Helpers for the reboot tests: boot ids over ssh, the command's events, quick options.</summary>
internal static class RebootLab
{
    /// <summary>Short waits for the lab: a 200 ms poll, a bounded boot timeout, limits that a busy test machine passes.</summary>
    public static readonly string[] Quick = QuickWith("30s");

    public static string[] QuickWith(string bootTimeout) => ["--poll-interval", "200ms", "--boot-timeout", bootTimeout, "--max-load", "1000", "--min-free-disk", "1M"];

    public static async Task<string> BootIdAsync(string address)
    {
        var result = await ProcessRunner.RunAsync("ssh", ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "root@" + address, "cat /proc/sys/kernel/random/boot_id"]);
        Assert.True(result.ExitCode == 0, $"reading the boot id of {address}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    public static async Task<Dictionary<string, string>> BootIdsAsync(Dictionary<string, string> addresses)
    {
        var ids = new Dictionary<string, string>();
        foreach (var (host, address) in addresses)
        {
            ids[host] = await BootIdAsync(address);
        }

        return ids;
    }

    public sealed record Event(DateTimeOffset Time, string? Host, string Step, string Kind, string State, string? Message);

    public static List<Event> Events(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var e = json.RootElement;
            return new Event(
                e.GetProperty("time").GetDateTimeOffset(),
                e.GetProperty("host").GetString(),
                e.GetProperty("step").GetString()!,
                e.GetProperty("kind").GetString()!,
                e.GetProperty("state").GetString()!,
                e.GetProperty("message").GetString());
        })];

    public static Event Single(this List<Event> events, string step, string state) =>
        Assert.Single(events, e => e.Step == step && e.State == state);
}
