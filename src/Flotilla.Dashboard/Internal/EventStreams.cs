using System.Globalization;
using System.Text.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Server-Sent Events for the pages: <c>/events</c> (fleet changes), <c>/events/commands/{id}</c>
/// (a command's output: history first, then following; <c>Last-Event-ID</c> resumes after a
/// reconnect) and <c>/events/runs/{id}</c> (a run's step states). Sessions only: 401 without.
/// Each is an <see cref="IAsyncEnumerable{T}"/> of <see cref="SseItem{T}"/> written by
/// <see cref="EventStreamResponse"/> (.NET's <see cref="SseFormatter"/>, flushed per burst); a
/// <c>keep-alive</c> event with empty data goes after 15 s without one.
/// </summary>
internal static class EventStreams
{
    public static RouteGroupBuilder MapEventStreams(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/events").RequireAuthorization();
        group.MapGet("/", FleetAsync);
        group.MapGet("/commands/{id}", CommandAsync);
        group.MapGet("/runs/{id}", RunAsync);
        return group;
    }

    private static async Task FleetAsync(HttpContext context, IFleetSource fleet)
    {
        var cancellationToken = context.RequestAborted;
        var stream = await EventStreamResponse.StartAsync(context).ConfigureAwait(false);
        await stream.WriteAsync(FleetEventsAsync(stream, fleet, cancellationToken), DashboardJson.Default, cancellationToken).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<SseItem<object?>> FleetEventsAsync(EventStreamResponse stream, IFleetSource fleet, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Changes are read ahead into a buffer; each burst is written with one flush, and within a
        // burst only the latest state of each host and command goes out (changes are snapshots),
        // so a browser keeps up with a large fleet's heartbeats.
        var buffer = Channel.CreateBounded<FleetChange>(new BoundedChannelOptions(10_000) { SingleReader = true, SingleWriter = true });
        var reader = PumpAsync(fleet.WatchAsync(cancellationToken), buffer.Writer, cancellationToken);
        while (await stream.WaitToReadAsync(buffer.Reader, cancellationToken).ConfigureAwait(false) is var ready && ready != false)
        {
            if (ready is null)
            {
                yield return EventStreamResponse.KeepAliveEvent;
                continue;
            }

            var latest = new Dictionary<string, FleetChange>(StringComparer.Ordinal);
            while (buffer.Reader.TryRead(out var change))
            {
                var key = change switch
                {
                    HostChanged host => "host:" + host.Host.Name,
                    CommandChanged command => "command:" + command.Command.Id,
                    _ => "other:" + latest.Count.ToString(CultureInfo.InvariantCulture),
                };
                latest.Remove(key);
                latest[key] = change;
            }

            foreach (var change in latest.Values)
            {
                switch (change)
                {
                    case HostChanged host:
                        yield return new SseItem<object?>(host.Host, "host");
                        break;
                    case CommandChanged command:
                        yield return new SseItem<object?>(command.Command, "command");
                        break;
                }
            }
        }

        await reader.ConfigureAwait(false);
    }

    /// <summary>Copies a stream of items into a channel, completing it (with the error, if any) when the stream ends.</summary>
    private static Task PumpAsync<T>(IAsyncEnumerable<T> items, ChannelWriter<T> writer, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }

            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }, cancellationToken);

    private static async Task CommandAsync(HttpContext context, string id, ICommandService commands)
    {
        var cancellationToken = context.RequestAborted;
        if (await commands.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var after = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last
            : long.TryParse(context.Request.Query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var query) ? query
            : 0;
        var stream = await EventStreamResponse.StartAsync(context).ConfigureAwait(false);
        await stream.WriteAsync(CommandEventsAsync(stream, id, after, commands, cancellationToken), DashboardJson.Default, cancellationToken).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<SseItem<object?>> CommandEventsAsync(EventStreamResponse stream, string id, long after, ICommandService commands, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Lines are read ahead into a buffer and written in bursts with one flush per burst, so a
        // fast stream goes out in few, large writes.
        var buffer = Channel.CreateBounded<OutputLine>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var reader = PumpAsync(commands.ReadOutputAsync(id, after, follow: true, cancellationToken), buffer.Writer, cancellationToken);
        while (await stream.WaitToReadAsync(buffer.Reader, cancellationToken).ConfigureAwait(false) is var ready && ready != false)
        {
            if (ready is null)
            {
                yield return EventStreamResponse.KeepAliveEvent;
                continue;
            }

            while (buffer.Reader.TryRead(out var line))
            {
                yield return new SseItem<object?>(line, "line") { EventId = line.Sequence.ToString(CultureInfo.InvariantCulture) };
            }
        }

        await reader.ConfigureAwait(false);
        if (await commands.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } finished)
        {
            yield return new SseItem<object?>(finished, "end");
        }
    }

    private static async Task RunAsync(HttpContext context, string id, IRunSource runs, TimeProvider time)
    {
        var cancellationToken = context.RequestAborted;
        if (await runs.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var stream = await EventStreamResponse.StartAsync(context).ConfigureAwait(false);
        await stream.WriteAsync(RunEventsAsync(stream, id, runs, time, cancellationToken), DashboardJson.Default, cancellationToken).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<SseItem<object?>> RunEventsAsync(EventStreamResponse stream, string id, IRunSource runs, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? previous = null;
        var sent = time.GetTimestamp();
        // The journal is a file another process appends to: read it again each second until the run ends.
        while (await runs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } run)
        {
            var states = run.Plan.Steps
                .Select(step => new StepStateMessage(step.Id, StepStates.Name(run.Steps.FirstOrDefault(s => s.Id == step.Id))))
                .ToArray();
            // Compared as JSON (what the page would get), and sent as that text.
            var json = JsonSerializer.Serialize(states, DashboardJson.Default.StepStateMessageArray);
            if (json != previous)
            {
                yield return new SseItem<object?>(json, "steps");
                previous = json;
                sent = time.GetTimestamp();
            }
            else if (time.GetElapsedTime(sent) >= EventStreamResponse.KeepAliveInterval)
            {
                yield return EventStreamResponse.KeepAliveEvent;
                sent = time.GetTimestamp();
            }

            if (run.Result is { } result)
            {
                yield return new SseItem<object?>(JsonSerializer.Serialize(new RunEndMessage(result.ExitCode, result.Finished, Display.RunResult(result)), DashboardJson.Default.RunEndMessage), "end");
                yield break;
            }

            await stream.FlushBurstAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
