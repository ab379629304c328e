using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Lab.Internal;

/// <summary>
/// What a lab made, written before it makes it, so <c>down</c> (and an <c>up</c> after a crash)
/// can remove everything: the bridge, every host's namespace and link, the state directory.
/// </summary>
internal sealed record LabState
{
    public required string Name { get; init; }
    public required int Index { get; init; }
    public required string Prefix { get; init; }
    public required string Bridge { get; init; }
    public required string Gateway { get; init; }
    public required string Directory { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<LabHost> Hosts { get; init; } = [];

    public static async Task<LabState?> ReadAsync(string labDirectory, CancellationToken cancellationToken)
    {
        var file = LabPaths.StateFile(labDirectory);
        if (!File.Exists(file))
        {
            return null;
        }

        await using var stream = File.OpenRead(file);
        return await JsonSerializer.DeserializeAsync(stream, LabJsonContext.Default.LabState, cancellationToken).ConfigureAwait(false)
            ?? throw new LabException($"{file} is empty; remove the lab directory {labDirectory} by hand");
    }

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var file = LabPaths.StateFile(Directory);
        var temporary = file + ".new";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, this, LabJsonContext.Default.LabState, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, file, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LabState))]
internal sealed partial class LabJsonContext : JsonSerializerContext;
