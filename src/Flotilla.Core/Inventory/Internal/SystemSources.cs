namespace Flotilla.Inventory.Internal;

/// <summary>
/// Where hosts' systems are built from when the inventory is not itself a flake: a <c>flake</c>
/// the inventory names (or a <c>flake.nix</c> beside it), or per host a Nix file in <c>system</c>
/// (<c>./machines.nix#web</c>: the file, then an attribute path inside it).
/// </summary>
internal static class SystemSources
{
    /// <summary>
    /// The inventory's <c>flake</c> (a directory relative to the inventory file, holding
    /// <c>flake.nix</c>); without one, the inventory's own directory when it holds a <c>flake.nix</c>,
    /// else the nearest directory above it, up to the root of its git repository, whose
    /// <c>flake.nix</c> names the inventory's file (NixMox keeps its manifest in <c>nixos/</c> and
    /// the flake that imports it, and builds its hosts, at the repository's root).
    /// </summary>
    public static string? ReadFlake(JsonObjectReader reader, string inventoryFile)
    {
        var directory = DirectoryOf(inventoryFile);
        if (reader.String("flake") is not { } given)
        {
            return NearestFlake(directory, inventoryFile);
        }

        var flake = Path.GetFullPath(Path.Combine(directory, given));
        if (!File.Exists(Path.Combine(flake, "flake.nix")))
        {
            reader.Diagnostics.Error(reader.PathOf("flake"), $"no flake.nix in {flake}", "name the directory that holds the flake whose nixosConfigurations build the hosts (relative to this file)");
            return null;
        }

        return flake;
    }

    /// <summary>
    /// Reads a host's <c>system</c>: a Nix file (<c>PATH.nix</c> or <c>PATH.nix#ATTR.PATH</c>,
    /// relative to the inventory file) gives the file and the attribute; anything else is an
    /// attribute path of the flake.
    /// </summary>
    public static (string? File, string? Attribute) ReadSystem(JsonObjectReader reader, string inventoryFile)
    {
        if (reader.String("system") is not { } system)
        {
            return (null, null);
        }

        var hash = system.IndexOf('#', StringComparison.Ordinal);
        var file = hash < 0 ? system : system[..hash];
        if (!file.EndsWith(".nix", StringComparison.Ordinal))
        {
            return (null, system);
        }

        var attribute = hash < 0 || hash == system.Length - 1 ? null : system[(hash + 1)..];
        var full = Path.GetFullPath(Path.Combine(DirectoryOf(inventoryFile), file));
        if (!File.Exists(full))
        {
            reader.Diagnostics.Error(reader.PathOf("system"), $"no such file: {full}", "name a .nix file (relative to this file) that evaluates to the host's system, optionally followed by #ATTRIBUTE.PATH");
        }

        return (full, attribute);
    }

    private static string? NearestFlake(string directory, string inventoryFile)
    {
        if (File.Exists(Path.Combine(directory, "flake.nix")))
        {
            return directory;
        }

        // Above the inventory's own directory only inside its repository: a flake.nix found
        // anywhere higher up belongs to something else.
        var repository = directory;
        while (!Path.Exists(Path.Combine(repository, ".git")))
        {
            repository = Path.GetDirectoryName(repository);
            if (repository is null)
            {
                return null;
            }
        }

        for (var at = Path.GetDirectoryName(directory); at is not null && at.Length >= repository.Length; at = Path.GetDirectoryName(at))
        {
            if (File.Exists(Path.Combine(at, "flake.nix")) && Refers(Path.Combine(at, "flake.nix"), Path.GetRelativePath(at, inventoryFile)))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>Whether a flake names the inventory (NixMox's imports <c>./nixos/service-manifest.nix</c>): it builds from it.</summary>
    private static bool Refers(string flakeFile, string relativeInventory)
    {
        try
        {
            return File.ReadAllText(flakeFile).Contains(relativeInventory.Replace('\\', '/'), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string DirectoryOf(string inventoryFile) =>
        string.IsNullOrEmpty(inventoryFile) ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(inventoryFile))!;
}
