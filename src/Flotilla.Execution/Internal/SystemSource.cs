using Flotilla.Inventory;

namespace Flotilla.Execution.Internal;

/// <summary>
/// Where a group of hosts' systems come from: one attribute root of the fleet's flake
/// (<c>nixosConfigurations</c>, ...) or one Nix file; how to name a host's system there, and
/// what to say when there is none. Immutable.
/// </summary>
internal sealed record SystemSource(string? FlakeDirectory, string? Root, string? File)
{
    public static SystemSource Of(Fleet fleet, Host host) =>
        host.SystemFile is { } file
            ? new SystemSource(null, null, file)
            : new SystemSource(fleet.FlakeDirectory, NixExpression.SplitAttributePath(NixBuilder.SystemAttribute(host))[0], null);

    /// <summary>The arguments of <c>nix eval</c> that select the source.</summary>
    public IReadOnlyList<string> Arguments => File is { } file ? ["--file", file] : [$"path:{FlakeDirectory}#{Root}"];

    /// <summary>The attribute names from the source's value down to the host's system.</summary>
    public IReadOnlyList<string> PathOf(Host host) =>
        File is not null
            ? host.SystemAttribute is { } attribute ? NixExpression.SplitAttributePath(attribute) : []
            : [.. NixExpression.SplitAttributePath(NixBuilder.SystemAttribute(host)).Skip(1)];

    /// <summary>The host's system as a person finds it: <c>nixosConfigurations.hsb0.config.system.build.toplevel</c>, <c>./machines.nix#web</c>.</summary>
    public string Describe(Host host) => Describe(PathOf(host));

    /// <summary>Where the path stops: the part that exists has no attribute that comes next.</summary>
    public string NothingToBuild(Host host, int found)
    {
        var path = PathOf(host);
        var existing = path.Take(found).ToList();
        var where = File is not null && existing.Count == 0 ? $"the value of {File}" : Describe(existing);
        return $"{host.Name} has nothing to build: {where} has no attribute \"{path[found]}\" (the system would be {Describe(path)}); {WhatToAdd(host)}";
    }

    public string WhatToAdd(Host host)
    {
        // The attribute the configuration's kind builds by itself (not one the inventory names).
        var path = PathOf(host);
        var own = File is null && (path is [_, "config", "system", "build", "toplevel"] || (Root == "homeConfigurations" && path is [_, "activationPackage"]));
        return (own, Root) switch
        {
            (true, "nixosConfigurations") => "make the configuration with nixpkgs.lib.nixosSystem (it sets config.system.build.toplevel), or name the attribute that builds the host in its \"system\"",
            (true, "darwinConfigurations") => "make the configuration with nix-darwin's darwinSystem (it sets config.system.build.toplevel), or name the attribute that builds the host in its \"system\"",
            (true, "homeConfigurations") => "make the configuration with home-manager's homeManagerConfiguration (it sets activationPackage), or name the attribute that builds the host in its \"system\"",
            _ => "point the host's \"system\" at an attribute that is a derivation (a NixOS configuration's config.system.build.toplevel)",
        };
    }

    private string Describe(IEnumerable<string> path)
    {
        var names = path.Select(n => IsPlain(n) ? n : NixExpression.String(n)).ToList();
        return File is { } file
            ? names.Count == 0 ? file : file + "#" + string.Join('.', names)
            : string.Join('.', [Root, .. names]);
    }

    private static bool IsPlain(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '\'');
}
