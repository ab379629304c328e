using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Flotilla.Contracts;

namespace Flotilla.Execution;

/// <summary>The control plane answered with an error (its message, from the API's <see cref="ErrorView"/>), or could not be reached.</summary>
public sealed class ControlPlaneException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status, or null when the server was not reached.</summary>
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// A client of a control plane's HTTP API (<c>flotilla serve</c>) with an API token: its hosts,
/// commands on them and their event streams. Used by <c>flotilla remote</c> and by the engine's
/// agent transport. Thread safe.
/// </summary>
public sealed class ControlPlaneClient : IAgentCommands, IDisposable
{
    /// <summary>The environment variables that give the server and the token.</summary>
    public const string UrlVariable = "FLOTILLA_URL";
    public const string TokenVariable = "FLOTILLA_TOKEN";

    private readonly HttpClient http;

    public ControlPlaneClient(Uri server, string token, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(token);
        TimeProvider = timeProvider ?? TimeProvider.System;
        http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Server => http.BaseAddress!;

    string IAgentCommands.Where => Server.ToString();

    internal TimeProvider TimeProvider { get; }

    /// <summary>A server URL as people give it (<c>http://127.0.0.1:8000</c>), as the API's base, or null when it is not an http(s) URL.</summary>
    public static Uri? ParseServer(string? url) =>
        url is not null && Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;

    /// <summary>Every host the server knows, online or not.</summary>
    public async Task<IReadOnlyList<HostView>> HostsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/hosts"), cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.IReadOnlyListHostView, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>The runs the server keeps, oldest first.</summary>
    public async Task<IReadOnlyList<RunListingView>> RunsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/runs"), cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.IReadOnlyListRunListingView, cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>Pushes a run's journal (from <paramref name="stateDirectory"/>) to the server, which keeps it in place of its copy of that run.</summary>
    public async Task PushRunAsync(string stateDirectory, string runId, CancellationToken cancellationToken = default)
    {
        var files = await RunJournal.ExportAsync(stateDirectory, runId, cancellationToken).ConfigureAwait(false);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, "api/runs/" + Uri.EscapeDataString(runId)) { Content = JsonContent.Create(new RunUploadRequest(files), ApiJsonContext.Default.RunUploadRequest) },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the server to run a deploy, rollback or reboot of its inventory itself (<c>POST /api/runs</c>); returns the run's id.</summary>
    public async Task<string> StartRunAsync(RunStartRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, "api/runs") { Content = JsonContent.Create(request, ApiJsonContext.Default.RunStartRequest) },
            cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.RunStartedView, cancellationToken).ConfigureAwait(false))!.RunId;
    }

    /// <summary>Cancels a run the server hosts (<c>POST /api/runs/ID/cancel</c>).</summary>
    public async Task CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/runs/" + Uri.EscapeDataString(runId) + "/cancel"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the lease in the server's store unless another lease that counts overlaps it: null when taken, else the lease in the way.</summary>
    public async Task<HostLeaseHolder?> TakeLeaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "api/leases") { Content = LeaseContent(lease) }, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.LeaseTakeAnswer, cancellationToken).ConfigureAwait(false);
        return answer?.Holder is { } holder ? HostLeaseHolder.FromJson(holder.GetRawText()) : null;
    }

    /// <summary>Renews the lease with the same token; false when the server no longer holds it.</summary>
    public async Task<bool> UpdateLeaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, "api/leases/" + Uri.EscapeDataString(lease.Token)) { Content = LeaseContent(lease) }, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.LeaseUpdateAnswer, cancellationToken).ConfigureAwait(false))?.Updated == true;
    }

    /// <summary>Releases the lease with this token, if the server still holds it.</summary>
    public async Task ReleaseLeaseAsync(HostLeaseHolder lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, "api/leases/" + Uri.EscapeDataString(lease.Token)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every lease the server holds.</summary>
    public async Task<IReadOnlyList<HostLeaseHolder>> LeasesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/leases"), cancellationToken).ConfigureAwait(false);
        var leases = await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.IReadOnlyListJsonElement, cancellationToken).ConfigureAwait(false) ?? [];
        return [.. leases.Select(l => HostLeaseHolder.FromJson(l.GetRawText()))];
    }

    private static JsonContent LeaseContent(HostLeaseHolder lease)
    {
        using var document = JsonDocument.Parse(lease.ToJson());
        return JsonContent.Create(new LeaseMessage(document.RootElement.Clone()), ApiJsonContext.Default.LeaseMessage);
    }

    /// <summary>Sends a command (or an op) to the hosts the request selects.</summary>
    public async Task<CreateCommandsResponse> CreateCommandsAsync(CreateCommandsRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, "api/commands") { Content = JsonContent.Create(request, ApiJsonContext.Default.CreateCommandsRequest) },
            cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse, cancellationToken).ConfigureAwait(false))!;
    }

    async Task<CommandStateView?> IAgentCommands.ExecAsync(string agent, IReadOnlyList<string> argv, string? input, TimeSpan timeout, TimeSpan queueExpiry, Action<OutputLineView> onLine, CancellationToken cancellationToken)
    {
        var batch = await CreateCommandsAsync(new CreateCommandsRequest(agent, Ops.Exec, [.. argv], timeout.TotalSeconds, queueExpiry.TotalSeconds) { Input = input }, cancellationToken).ConfigureAwait(false);
        var states = await FollowAsync(
            batch.BatchId,
            line =>
            {
                onLine(line);
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        return states.Values.FirstOrDefault();
    }

    /// <summary>
    /// Follows a batch's event stream until the server ends it, handing each output line on in
    /// order, and returns each command's last state. A stream that breaks or is dropped (a reader
    /// that fell behind) is taken up again after its last event; ten attempts in a row without an
    /// event give up, leaving the unfinished commands out of the answer.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CommandStateView>> FollowAsync(string batchId, Func<OutputLineView, Task>? onOutput, CancellationToken cancellationToken = default)
    {
        var states = new Dictionary<string, CommandStateView>(StringComparer.Ordinal);
        string? lastEventId = null;
        var ended = false;
        for (var quiet = 0; !ended && quiet < 10; quiet++)
        {
            if (lastEventId is not null || quiet > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(quiet, 5)), TimeProvider, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                using var response = await SendAsync(
                    () =>
                    {
                        var request = new HttpRequestMessage(HttpMethod.Get, $"api/commands/stream?batch={Uri.EscapeDataString(batchId)}");
                        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                        if (lastEventId is not null)
                        {
                            request.Headers.Add("Last-Event-ID", lastEventId);
                        }

                        return request;
                    },
                    cancellationToken,
                    HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (item.EventId is { Length: > 0 } id)
                    {
                        lastEventId = id;
                        quiet = -1;
                    }

                    if (item.EventType == "output" && onOutput is not null)
                    {
                        await onOutput(JsonSerializer.Deserialize(item.Data, ApiJsonContext.Default.OutputLineView)!).ConfigureAwait(false);
                    }
                    else if (item.EventType == "state")
                    {
                        var state = JsonSerializer.Deserialize(item.Data, ApiJsonContext.Default.CommandStateView)!;
                        states[state.CommandId] = state;
                    }
                    else if (item.EventType == "end")
                    {
                        ended = true;
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or ControlPlaneException { Status: null } && !cancellationToken.IsCancellationRequested)
            {
                // The connection broke: take the stream up again as for a dropped one.
            }
        }

        return states;
    }

    public void Dispose() => http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        using (var request = make())
        {
            try
            {
                response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new ControlPlaneException($"{Server}: {e.Message}", null, e);
            }
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                body = JsonSerializer.Deserialize(body, ApiJsonContext.Default.ErrorView)?.Error ?? body;
            }
            catch (JsonException)
            {
            }

            var message = response.StatusCode == HttpStatusCode.Unauthorized
                ? "the server rejected the API token (401): check it, or create one with flotilla tokens create-api NAME"
                : $"{(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}";
            throw new ControlPlaneException(message, response.StatusCode);
        }
    }
}
