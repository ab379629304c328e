using System.Collections.Immutable;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Flotilla.Contracts;

namespace Flotilla.Bench.ControlPlane;

/// <summary>The server's JSON API and <c>/metrics</c>, as a script with an API token uses them.</summary>
internal sealed class ControlPlaneApi : IDisposable
{
    private readonly HttpClient _http;

    public ControlPlaneApi(Uri server, string apiToken)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(120) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
    }

    public async Task<IReadOnlyList<HostView>> HostsAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync("/api/hosts", ApiJsonContext.Default.IReadOnlyListHostView, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException("bench: GET /api/hosts answered null");

    public Task<CreateCommandsResponse> RunOnAllAsync(ImmutableArray<string> argv, CancellationToken cancellationToken) =>
        RunOnAsync("all", argv, cancellationToken);

    /// <summary><c>POST /api/commands</c> with <paramref name="on"/> as the selector (names, globs, <c>all</c>).</summary>
    public async Task<CreateCommandsResponse> RunOnAsync(string on, ImmutableArray<string> argv, CancellationToken cancellationToken, double timeoutSeconds = 60)
    {
        using var response = await _http.PostAsJsonAsync("/api/commands", new CreateCommandsRequest(on, "exec", argv, TimeoutSeconds: timeoutSeconds), ApiJsonContext.Default.CreateCommandsRequest, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"bench: POST /api/commands answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return await response.Content.ReadFromJsonAsync(ApiJsonContext.Default.CreateCommandsResponse, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("bench: POST /api/commands answered null");
    }

    public async Task<IReadOnlyList<CommandView>> CommandsAsync(string batch, string? state, int limit, CancellationToken cancellationToken)
    {
        var query = $"/api/commands?batch={Uri.EscapeDataString(batch)}&limit={limit.ToString(CultureInfo.InvariantCulture)}" + (state is null ? "" : "&state=" + state);
        return await _http.GetFromJsonAsync(query, ApiJsonContext.Default.IReadOnlyListCommandView, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("bench: GET /api/commands answered null");
    }

    public Task<IReadOnlyList<OutputLineView>> OutputAsync(string commandId, CancellationToken cancellationToken) =>
        OutputAsync(commandId, 0, cancellationToken);

    /// <summary>Stored lines after line <paramref name="after"/> (at most 100,000 per call).</summary>
    public async Task<IReadOnlyList<OutputLineView>> OutputAsync(string commandId, long after, CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync($"/api/commands/{Uri.EscapeDataString(commandId)}/output?after={after.ToString(CultureInfo.InvariantCulture)}", ApiJsonContext.Default.IReadOnlyListOutputLineView, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException("bench: GET /api/commands/ID/output answered null");

    /// <summary>The unlabelled gauges and counters of <c>/metrics</c> (a labelled series is keyed by its full name with labels).</summary>
    public async Task<IReadOnlyDictionary<string, double>> MetricsAsync(CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync("/metrics", cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }

        return values;
    }

    public void Dispose() => _http.Dispose();
}
