using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flotilla.Dashboard.Internal;

/// <summary>The dashboard's CSS and JS, embedded in the assembly and served from <c>/_flotilla/NAME</c> with an ETag.</summary>
internal static class EmbeddedAssets
{
    public const string Prefix = "/_flotilla";
    private const string ResourcePrefix = "Flotilla.Dashboard.Assets.";

    private static readonly FrozenDictionary<string, (byte[] Content, string Type, string ETag)> Assets = Load();

    /// <summary>The asset's URL with its hash, so browsers cache it until it changes.</summary>
    public static string Url(string name) => $"{Prefix}/{name}?v={Assets[name].ETag.Trim('"')[..12]}";

    public static IEndpointConventionBuilder MapAssets(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Prefix + "/{name}", (string name, HttpContext context) =>
        {
            if (!Assets.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            context.Response.Headers.ETag = asset.ETag;
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return context.Request.Headers.IfNoneMatch == asset.ETag
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(asset.Content, asset.Type);
        }).AllowAnonymous();

    private static FrozenDictionary<string, (byte[], string, string)> Load()
    {
        var assembly = typeof(EmbeddedAssets).Assembly;
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = (content, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
