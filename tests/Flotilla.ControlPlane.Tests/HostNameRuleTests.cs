using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts;
using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Tests.Support;
using Flotilla.Validation;

namespace Flotilla.Tests;

/// <summary>One host-name rule: what the inventory's validation accepts, enrolment accepts, and nothing else (SQLite).</summary>
public sealed class HostNameRuleTests(SqliteTargets targets) : IClassFixture<SqliteTargets>
{
    private const string Shared = "shared-enrolment-secret";

    private static readonly string[] Names =
    [
        "web1", "db-01.lab", "node_7", "A", new string('a', 63), "all",
        "-web", ".hidden", "web 1", "web*", "@web", "web,db", "wéb", "web1\n", new string('a', 64), "",
    ];

    /// <summary>Whether validating an inventory with a host of this name reports the name.</summary>
    private static async Task<bool> InventoryAcceptsAsync(string name, string directory)
    {
        var file = Path.Combine(directory, "fleet.json");
        await File.WriteAllTextAsync(file, "{ \"hosts\": { " + JsonSerializer.Serialize(name) + ": { \"target\": \"10.0.0.1\" } } }");
        var fleet = await InventoryLoader.LoadAsync(file, directory);
        var errors = FleetValidator.Validate(fleet).Where(d => d.Severity == Severity.Error).ToList();
        Assert.All(errors, e => Assert.Contains("valid host name", e.Message, StringComparison.Ordinal));
        return errors.Count == 0;
    }

    /// <summary>Whether the server enrols an agent that registers under this name with the shared enrolment token.</summary>
    private static async Task<bool> EnrolmentAcceptsAsync(string name, ControlPlaneHarness plane)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Shared);
        await socket.ConnectAsync(new Uri(plane.AgentUrl), CancellationToken.None);
        var register = ProtocolSerializer.Serialize(new RegisterMessage(ProtocolVersion.Current, new HostFacts(name, "linux", "test"), 1, []));
        await socket.SendAsync(register, WebSocketMessageType.Text, true, CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[65536];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, result.CloseStatus);
            Assert.StartsWith("the hostname is not a valid host name", result.CloseStatusDescription, StringComparison.Ordinal);
            return false;
        }

        var registered = Assert.IsType<RegisteredMessage>(ProtocolSerializer.DeserializeServerMessage(buffer.AsSpan(0, result.Count)));
        Assert.Equal(name, registered.Host);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return true;
    }

    [Fact]
    public async Task The_inventory_and_enrolment_accept_the_same_host_names_and_refuse_the_same()
    {
        using var directory = new TempDirectory();
        await using var plane = await ControlPlaneHarness.StartAsync(await targets.NewAsync(), o => o.EnrolmentToken = Shared);
        var inventory = new List<string>();
        var enrolment = new List<string>();

        foreach (var name in Names)
        {
            if (await InventoryAcceptsAsync(name, directory.Path))
            {
                inventory.Add(name);
            }

            if (await EnrolmentAcceptsAsync(name, plane))
            {
                enrolment.Add(name);
            }
        }

        Assert.Equal(["web1", "db-01.lab", "node_7", "A", new string('a', 63), "all"], inventory);
        Assert.Equal(inventory, enrolment);
        Assert.Equal(inventory.Order(StringComparer.Ordinal), (await plane.HostsAsync()).Select(h => h.Name).Order(StringComparer.Ordinal));
    }
}
