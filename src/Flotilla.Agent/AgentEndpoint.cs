namespace Flotilla.Agent;

/// <summary>
/// The server's agent endpoint from what a person (or NixFleet's <c>url</c> option) wrote:
/// <c>ws://</c>/<c>wss://</c> as given; <c>http://</c>/<c>https://</c> as <c>ws://</c>/<c>wss://</c>;
/// a URL without a path (<c>wss://fleet.example.org</c>) gets the server's <c>/ws</c>. A URL
/// with a path keeps it (a reverse proxy may serve the endpoint elsewhere). Stateless.
/// </summary>
public static class AgentEndpoint
{
    public const string Path = "/ws";

    /// <summary>The endpoint, or null when <paramref name="text"/> is not an absolute ws, wss, http or https URL.</summary>
    public static Uri? Resolve(string? text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var scheme = uri.Scheme switch
        {
            "ws" or "http" => "ws",
            "wss" or "https" => "wss",
            _ => null,
        };
        if (scheme is null || uri.Host.Length == 0)
        {
            return null;
        }

        var builder = new UriBuilder(uri) { Scheme = scheme, Port = uri.IsDefaultPort ? -1 : uri.Port };
        if (uri.AbsolutePath is "" or "/")
        {
            builder.Path = Path;
        }

        return builder.Uri;
    }
}
