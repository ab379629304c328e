using Flotilla.Execution;

namespace Flotilla.Cli.Output;

/// <summary>One line of <c>flotilla services --json</c>: the service as its host runs it (lower-case states and kinds).</summary>
internal sealed record ServiceView(
    string Host,
    string Name,
    string Kind,
    string? Image,
    string? Digest,
    string State,
    bool? Healthy,
    int? Restarts,
    DateTimeOffset? Since,
    string? Message)
{
    public static ServiceView Of(ServiceStatus status) => new(
        status.Host,
        status.Name,
        status.Kind.ToString().ToLowerInvariant(),
        status.Image,
        status.Digest,
        status.State.ToString().ToLowerInvariant(),
        status.Healthy,
        status.Restarts,
        status.Since,
        status.Message);
}
