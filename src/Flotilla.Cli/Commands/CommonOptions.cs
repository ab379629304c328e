using System.CommandLine;

namespace Flotilla.Cli.Commands;

internal static class CommonOptions
{
    public static Option<string?> File() => new("--file", "-f")
    {
        Description = "The inventory: a .nix service manifest, a flake directory, or a .json/.yaml file (default: flotilla.nix, flotilla.json, flotilla.yaml or flake.nix in the current directory)",
        HelpName = "PATH",
    };

    public static Option<bool> Json(string description) => new("--json") { Description = description };
}
