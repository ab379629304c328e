using System.Collections.Immutable;

namespace Flotilla.Inventory;

/// <summary>
/// A secret uploaded to a host outside the Nix store. <see cref="Value"/> is the text, the local
/// file path or the local command, depending on <see cref="Source"/>. Immutable.
/// </summary>
public sealed record Key
{
    public required string Name { get; init; }
    public required KeySourceKind Source { get; init; }
    public required string Value { get; init; }
    /// <summary>For <see cref="KeySourceKind.Command"/>: the program and its arguments, run locally without a shell.</summary>
    public ImmutableArray<string> CommandLine { get; init; } = [];
    /// <summary>For <see cref="KeySourceKind.Command"/>: settings its program reads from the environment (never a secret: e.g. <c>SOPS_AGE_KEY_FILE</c>, a path).</summary>
    public ImmutableDictionary<string, string> CommandEnvironment { get; init; } = ImmutableDictionary<string, string>.Empty;
    public string DestDir { get; init; } = "/run/keys";
    public string User { get; init; } = "root";
    public string Group { get; init; } = "root";
    public string Permissions { get; init; } = "0600";
    public KeyUploadAt UploadAt { get; init; } = KeyUploadAt.PreActivation;
    public Origin Origin { get; init; } = Origin.None;

    /// <summary>Never prints the secret itself.</summary>
    public override string ToString() => $"Key {{ Name = {Name}, Source = {Source}, DestDir = {DestDir} }}";
}
