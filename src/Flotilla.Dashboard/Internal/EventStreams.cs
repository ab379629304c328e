using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
/// </summary>
internal static class EventStreams
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

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
        await StartAsync(context).ConfigureAwait(false);
        // Changes are read ahead into a buffer; each burst is written with one flush, and within a
        // burst only the latest state of each host and command goes out (changes are snapshots),
        // so a browser keeps up with a large fleet's heartbeats.
        var buffer = Channel.CreateBounded<FleetChange>(new BoundedChannelOptions(10_000) { SingleReader = true, SingleWriter = true });
        var reader = PumpAsync(fleet.WatchAsync(cancellationToken), buffer.Writer, cancellationToken);
        var keepAlive = Task.Delay(KeepAlive, cancellationToken);
        while (true)
        {
            var ready = buffer.Reader.WaitToReadAsync(cancellationToken).AsTask();
            if (await Task.WhenAny(ready, keepAlive).ConfigureAwait(false) == keepAlive)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                keepAlive = Task.Delay(KeepAlive, cancellationToken);
                await ready.ConfigureAwait(false);
            }

            if (!await ready.ConfigureAwait(false))
            {
                break;
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
                        await SendAsync(context, "host", null, host.Host, DashboardJson.Default.HostSummary, cancellationToken, flush: false).ConfigureAwait(false);
                        break;
                    case CommandChanged command:
                        await SendAsync(context, "command", null, command.Command, DashboardJson.Default.CommandRecord, cancellationToken, flush: false).ConfigureAwait(false);
                        break;
                }
            }

            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
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
        await StartAsync(context).ConfigureAwait(false);
        // Lines are read ahead into a buffer and written in bursts with one flush per burst, so a
        // fast stream goes out in few, large writes.
        var buffer = Channel.CreateBounded<OutputLine>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var reader = PumpAsync(commands.ReadOutputAsync(id, after, follow: true, cancellationToken), buffer.Writer, cancellationToken);
        while (await buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (buffer.Reader.TryRead(out var line))
            {
                await SendAsync(context, "line", line.Sequence.ToString(CultureInfo.InvariantCulture), line, DashboardJson.Default.OutputLine, cancellationToken, flush: false).ConfigureAwait(false);
            }

            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await reader.ConfigureAwait(false);
        if (await commands.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } finished)
        {
            await SendAsync(context, "end", null, finished, DashboardJson.Default.CommandRecord, cancellationToken).ConfigureAwait(false);
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

        await StartAsync(context).ConfigureAwait(false);
        string? previous = null;
        // The journal is a file another process appends to: read it again each second until the run ends.
        while (await runs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } run)
        {
            var states = run.Plan.Steps
                .Select(step => new StepStateMessage(step.Id, StepStates.Name(run.Steps.FirstOrDefault(s => s.Id == step.Id))))
                .ToArray();
            var json = JsonSerializer.Serialize(states, DashboardJson.Default.StepStateMessageArray);
            if (json != previous)
            {
                await context.Response.WriteAsync($"event: steps\ndata: {json}\n\n", cancellationToken).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                previous = json;
            }

            if (run.Result is not null)
            {
                await context.Response.WriteAsync("event: end\ndata: {}\n\n", cancellationToken).ConfigureAwait(false);
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task StartAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // Tell nginx-style proxies not to buffer the stream.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task SendAsync<T>(HttpContext context, string name, string? id, T value, JsonTypeInfo<T> type, CancellationToken cancellationToken, bool flush = true)
    {
        var data = JsonSerializer.Serialize(value, type);
        await context.Response.WriteAsync((id is null ? "" : $"id: {id}\n") + $"event: {name}\ndata: {data}\n\n", cancellationToken).ConfigureAwait(false);
        if (flush)
        {
            await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
