using System.Text;
using System.Text.Json;
using Flotilla.Contracts;

namespace Flotilla.Tests;

public sealed class ProtocolTests
{
    public static TheoryData<AgentMessage> AgentMessages() =>
    [
        new RegisterMessage(1, new HostFacts("web1", "nixos", "0.1.0", "24.11", "abc", "/nix/store/x", "/nix/store/y", 42, "/src", "deadbeef"), 5, ["c1"]),
        new HeartbeatMessage(new HostMetrics(1.5, 10, 5, 0, 0, 0.1, 0.2, 0.3, 100, 50)),
        new FactsMessage(new HostFacts("web1", "darwin", "0.1.0")),
        new CommandStartedMessage("c1") { Seq = 1 },
        new OutputMessage("c1", 3, OutputStream.Stderr, "a \"line\" ü") { Seq = 2 },
        new CommandCompletedMessage("c1", CommandOutcome.TimedOut, 1200, 137, "killed") { Seq = 3 },
        new CommandCompletedMessage("c2", CommandOutcome.FailedToStart, 0) { Seq = 4 },
    ];

    [Theory]
    [MemberData(nameof(AgentMessages))]
    public void Every_agent_message_round_trips(AgentMessage message)
    {
        var parsed = ProtocolSerializer.DeserializeAgentMessage(ProtocolSerializer.Serialize(message));

        Assert.Equal(JsonSerializer.Serialize(message, ProtocolJsonContext.Default.AgentMessage), JsonSerializer.Serialize(parsed, ProtocolJsonContext.Default.AgentMessage));
        Assert.Equal(message.GetType(), parsed.GetType());
    }

    [Fact]
    public void Messages_carry_their_type_and_camel_case_fields()
    {
        var json = Encoding.UTF8.GetString(ProtocolSerializer.Serialize(new OutputMessage("c1", 1, OutputStream.Stdout, "hi") { Seq = 9 }));

        Assert.Equal("{\"type\":\"output\",\"commandId\":\"c1\",\"line\":1,\"stream\":\"stdout\",\"text\":\"hi\",\"seq\":9}", json);
        Assert.IsType<RunCommandMessage>(ProtocolSerializer.DeserializeServerMessage("{\"timeoutSeconds\":1,\"type\":\"run\",\"commandId\":\"c\",\"op\":\"exec\",\"argv\":[\"ls\"]}"u8));
    }

    [Fact]
    public void A_heartbeat_carries_the_measured_figures_and_not_the_percentages_derived_from_them()
    {
        var metrics = new HostMetrics(1.5, 1000, 250, 0, 0, 0.1, 0.2, 0.3, 100, 50);

        var json = Encoding.UTF8.GetString(ProtocolSerializer.Serialize(new HeartbeatMessage(metrics)));

        Assert.Equal(
            "{\"type\":\"heartbeat\",\"metrics\":{\"cpuPercent\":1.5,\"memoryTotalBytes\":1000,\"memoryUsedBytes\":250,\"swapTotalBytes\":0,\"swapUsedBytes\":0,"
            + "\"load1\":0.1,\"load5\":0.2,\"load15\":0.3,\"diskTotalBytes\":100,\"diskUsedBytes\":50}}",
            json);
        Assert.Equal((25.0, null, 50.0), (metrics.RamPercent, metrics.SwapPercent, metrics.DiskPercent));
    }

    [Theory]
    [InlineData("{\"type\":\"nope\"}")]
    [InlineData("{\"type\":\"output\",\"seq\":1,\"commandId\":\"c\",\"line\":1,\"stream\":\"stdout\"}")]
    [InlineData("{\"type\":\"output\",\"seq\":1,\"commandId\":null,\"line\":1,\"stream\":\"stdout\",\"text\":\"x\"}")]
    [InlineData("{\"type\":\"output\",\"seq\":1,\"commandId\":\"c\",\"line\":1,\"stream\":\"stdweird\",\"text\":\"x\"}")]
    [InlineData("{\"type\":\"heartbeat\",\"metrics\":null}")]
    [InlineData("[]")]
    [InlineData("null")]
    public void A_malformed_message_is_refused(string json)
    {
        var error = Record.Exception(() => ProtocolSerializer.DeserializeAgentMessage(Encoding.UTF8.GetBytes(json)));

        Assert.True(error is JsonException or NotSupportedException, error?.ToString() ?? "accepted");
    }
}
