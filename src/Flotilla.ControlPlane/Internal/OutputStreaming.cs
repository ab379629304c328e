using System.Text.Json;
using Flotilla.ControlPlane.Api;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Protocol;
using Microsoft.AspNetCore.Http;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Follows commands' output with Server-Sent Events: what is stored first, then live lines as
/// they are stored, then each command's final state; ends when every followed command has
/// ended. Subscribes before it reads the store, and fills any gap from the store, so no line is
/// missed or repeated. Events: <c>output</c> (<see cref="OutputLineView"/>), <c>state</c>
/// (<see cref="CommandStateView"/>), <c>end</c>.
/// </summary>
internal sealed class OutputStreaming(IControlPlaneStore store, ControlPlaneEvents events)
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public async Task StreamAsync(HttpContext context, string? commandId, string? batchId)
    {
        var cancellationToken = context.RequestAborted;
        using var subscription = events.Subscribe(100_000);
        IReadOnlyList<CommandRecord> commands = commandId is not null
            ? await store.GetCommandAsync(commandId, cancellationToken).ConfigureAwait(false) is { } one ? [one] : []
            : await store.ListCommandsAsync(new CommandQuery(BatchId: batchId, Limit: 100_000), cancellationToken).ConfigureAwait(false);
        if (commands.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var response = context.Response;
        var last = commands.ToDictionary(c => c.Id, _ => 0L, StringComparer.Ordinal);
        var hosts = commands.ToDictionary(c => c.Id, c => c.Host, StringComparer.Ordinal);
        var pending = new HashSet<string>(StringComparer.Ordinal);
        foreach (var command in commands)
        {
            await CatchUpAsync(response, command.Id, hosts[command.Id], last, cancellationToken).ConfigureAwait(false);
            if (command.State.IsTerminal())
            {
                await WriteStateAsync(response, command.Id, command.Host, command.State, command.ExitCode, command.Message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                pending.Add(command.Id);
            }
        }

        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        var reader = subscription.Reader;
        while (pending.Count > 0)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(KeepAlive);
            try
            {
                await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            while (pending.Count > 0 && reader.TryRead(out var @event))
            {
                switch (@event)
                {
                    case CommandOutput output when last.TryGetValue(output.Line.CommandId, out var seen):
                        if (output.Line.Line == seen + 1)
                        {
                            await WriteOutputAsync(response, output.Line, output.Host, cancellationToken).ConfigureAwait(false);
                            last[output.Line.CommandId] = output.Line.Line;
                        }
                        else if (output.Line.Line > seen + 1)
                        {
                            await CatchUpAsync(response, output.Line.CommandId, output.Host, last, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                    case CommandChanged changed when pending.Contains(changed.CommandId) && changed.State.IsTerminal():
                        // Output is stored before the end is: whatever was not streamed yet is in the store.
                        await CatchUpAsync(response, changed.CommandId, changed.Host, last, cancellationToken).ConfigureAwait(false);
                        await WriteStateAsync(response, changed.CommandId, changed.Host, changed.State, changed.ExitCode, changed.Message, cancellationToken).ConfigureAwait(false);
                        pending.Remove(changed.CommandId);
                        break;
                    case CommandChanged changed when pending.Contains(changed.CommandId):
                        await WriteStateAsync(response, changed.CommandId, changed.Host, changed.State, changed.ExitCode, changed.Message, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        break;
                }
            }

            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await response.WriteAsync("event: end\ndata: {}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CatchUpAsync(HttpResponse response, string commandId, string host, Dictionary<string, long> last, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lines = await store.ReadOutputAsync(commandId, last[commandId], 10_000, cancellationToken).ConfigureAwait(false);
            foreach (var line in lines)
            {
                await WriteOutputAsync(response, line, host, cancellationToken).ConfigureAwait(false);
                last[commandId] = line.Line;
            }

            if (lines.Count < 10_000)
            {
                return;
            }
        }
    }

    public static OutputLineView View(OutputLine line, string host) =>
        new(line.CommandId, host, line.Line, line.Stream == OutputStream.Stderr ? "stderr" : "stdout", line.Text, line.At);

    private static Task WriteOutputAsync(HttpResponse response, OutputLine line, string host, CancellationToken cancellationToken) =>
        response.WriteAsync("event: output\ndata: " + JsonSerializer.Serialize(View(line, host), ApiJsonContext.Default.OutputLineView) + "\n\n", cancellationToken);

    private static Task WriteStateAsync(HttpResponse response, string id, string host, CommandState state, int? exitCode, string? message, CancellationToken cancellationToken) =>
        response.WriteAsync("event: state\ndata: " + JsonSerializer.Serialize(new CommandStateView(id, host, state.ToName(), exitCode, message), ApiJsonContext.Default.CommandStateView) + "\n\n", cancellationToken);
}
