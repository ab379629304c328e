using System.Net.WebSockets;
using System.Text;

namespace Flotilla.Tests.Support;

/// <summary>Random agent frames: garbage, truncated or mistyped JSON, wrong frame types, oversized ones, and some valid messages.</summary>
public static class Fuzz
{
    private static readonly string[] Templates =
    [
        "{\"type\":\"register\",\"protocol\":1,\"facts\":{\"hostname\":\"h\",\"platform\":\"linux\",\"agentVersion\":\"1\"},\"heartbeatIntervalSeconds\":1,\"commands\":[]}",
        "{\"type\":\"heartbeat\",\"metrics\":{\"cpuPercent\":1,\"memoryTotalBytes\":1,\"memoryUsedBytes\":1,\"swapTotalBytes\":0,\"swapUsedBytes\":0,\"load1\":0,\"load5\":0,\"load15\":0,\"diskTotalBytes\":1,\"diskUsedBytes\":1}}",
        "{\"type\":\"output\",\"seq\":1,\"commandId\":\"nope\",\"line\":1,\"stream\":\"stdout\",\"text\":\"x\"}",
        "{\"type\":\"completed\",\"seq\":2,\"commandId\":\"nope\",\"outcome\":\"exited\",\"durationMilliseconds\":1,\"exitCode\":0}",
        "{\"type\":\"started\",\"seq\":3,\"commandId\":\"nope\"}",
    ];

    public static (byte[] Bytes, WebSocketMessageType Type) Register() => (Encoding.UTF8.GetBytes(Templates[0]), WebSocketMessageType.Text);

    public static (byte[] Bytes, WebSocketMessageType Type) Frame(Random random)
    {
        // Seven kinds of bad frame; otherwise (5 in 12) a valid message, so connections live on.
        switch (random.Next(12))
        {
            case 0:
                var garbage = new byte[random.Next(1, 512)];
                random.NextBytes(garbage);
                return (garbage, WebSocketMessageType.Text);
            case 1:
                var binary = new byte[random.Next(1, 64)];
                random.NextBytes(binary);
                return (binary, WebSocketMessageType.Binary);
            case 2:
                return (Encoding.UTF8.GetBytes(new string('[', random.Next(70_000, 90_000))), WebSocketMessageType.Text);
            case 3:
                var template = Templates[random.Next(Templates.Length)];
                return (Encoding.UTF8.GetBytes(template[..random.Next(1, template.Length)]), WebSocketMessageType.Text);
            case 4:
                var mutated = Templates[random.Next(Templates.Length)].ToCharArray();
                for (var i = 0; i < 3; i++)
                {
                    mutated[random.Next(mutated.Length)] = (char)random.Next(32, 127);
                }

                return (Encoding.UTF8.GetBytes(mutated), WebSocketMessageType.Text);
            case 5:
                return (Encoding.UTF8.GetBytes($"{{\"type\":\"{(char)random.Next(97, 123)}x\",\"seq\":{random.Next()}}}"), WebSocketMessageType.Text);
            case 6:
                return (Encoding.UTF8.GetBytes("null"), WebSocketMessageType.Text);
            default:
                return (Encoding.UTF8.GetBytes(Templates[random.Next(Templates.Length)]), WebSocketMessageType.Text);
        }
    }
}
