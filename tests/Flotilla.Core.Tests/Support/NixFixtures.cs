using Flotilla.Processes;

namespace Flotilla.Tests.Support;

/// <summary>
/// Flakes made from tests/Flotilla.Core.Tests/Fixtures: a copy in a temporary directory (a
/// <c>path:</c> flake cannot import files outside its directory), with nix/ (the stand-in module
/// system) beside the fixture's own files; tests then change or add machines.
/// </summary>
public static class NixFixtures
{
    public static string Directory => Repository.PathOf("tests", "Flotilla.Core.Tests", "Fixtures");

    /// <summary>Copies fixture <paramref name="name"/> (e.g. <c>home-lab</c>) and nix/ into <paramref name="target"/>; returns it.</summary>
    public static string CopyTo(TempDirectory target, string name)
    {
        Copy(Path.Combine(Directory, name), target.Path);
        Copy(Path.Combine(Directory, "nix"), Path.Combine(target.Path, "nix"));
        return target.Path;
    }

    /// <summary>
    /// The agent modules as they are in nix/modules (copied to <c>modules/</c>), the stand-in module
    /// system (<c>nix/</c>) and NixFleet users' settings (<c>nixfleet/</c>), for <see cref="EvaluateAsync"/>.
    /// </summary>
    public static void ModulesTo(TempDirectory target)
    {
        Copy(Repository.PathOf("nix", "modules"), Path.Combine(target.Path, "modules"));
        Copy(Path.Combine(Directory, "nix"), Path.Combine(target.Path, "nix"));
        Copy(Path.Combine(Directory, "nixfleet"), Path.Combine(target.Path, "nixfleet"));
    }

    /// <summary>Evaluates <paramref name="expression"/> (strictly, as JSON) in <paramref name="target"/>, where <see cref="ModulesTo"/> put the modules.</summary>
    public static Task<ProcessResult> EvaluateAsync(TempDirectory target, string expression)
    {
        var file = target.Write("eval.nix", expression);
        return ProcessRunner.RunAsync("nix-instantiate", ["--eval", "--strict", "--json", file]);
    }

    /// <summary>
    /// The repository's flake as a consumer meets it, under <paramref name="target"/>: <c>flotilla/</c>
    /// (flake.nix, nix/, Directory.Build.props), <c>nixpkgs/</c> (the stand-in nixpkgs as a flake:
    /// its lib and legacyPackages), and <c>consumer/</c>, a flake whose inputs are those two (with
    /// <c>flotilla.inputs.nixpkgs.follows</c>, as a user writes it) and whose <c>outputs</c>
    /// function is <paramref name="outputs"/>; the stand-in NixOS and home-manager modules are in
    /// consumer/nix/. Evaluate it with <see cref="EvaluateFlakeAsync"/>.
    /// </summary>
    public static void ConsumerFlakeTo(TempDirectory target, string outputs)
    {
        var flotilla = Path.Combine(target.Path, "flotilla");
        System.IO.Directory.CreateDirectory(flotilla);
        File.Copy(Repository.PathOf("flake.nix"), Path.Combine(flotilla, "flake.nix"));
        File.Copy(Repository.PathOf("Directory.Build.props"), Path.Combine(flotilla, "Directory.Build.props"));
        Copy(Repository.PathOf("nix"), Path.Combine(flotilla, "nix"));

        var standIn = Path.Combine(Directory, "nix");
        Copy(standIn, Path.Combine(target.Path, "consumer", "nix"));
        Copy(standIn, Path.Combine(target.Path, "nixpkgs"));
        File.Copy(Path.Combine(standIn, "nixpkgs-flake.nix"), Path.Combine(target.Path, "nixpkgs", "flake.nix"));

        target.Write(Path.Combine("consumer", "flake.nix"), $$"""
            {
              inputs.nixpkgs.url = "path:{{Path.Combine(target.Path, "nixpkgs")}}";
              inputs.flotilla.url = "path:{{flotilla}}";
              inputs.flotilla.inputs.nixpkgs.follows = "nixpkgs";
              outputs = {{outputs}};
            }
            """);
    }

    /// <summary>Evaluates output <paramref name="attribute"/> of <see cref="ConsumerFlakeTo"/>'s consumer flake (strictly, as JSON) with the real nix.</summary>
    public static Task<ProcessResult> EvaluateFlakeAsync(TempDirectory target, string attribute) =>
        ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--json", $"path:{Path.Combine(target.Path, "consumer")}#{attribute}"]);

    /// <summary>Runs <c>nix flake ARGUMENTS</c> on <see cref="ConsumerFlakeTo"/>'s copy of the repository's flake, its nixpkgs input the stand-in.</summary>
    public static Task<ProcessResult> OnFlotillaFlakeAsync(TempDirectory target, params string[] arguments) =>
        ProcessRunner.RunAsync("nix", [
            "--extra-experimental-features", "nix-command flakes", "flake", .. arguments,
            "--no-write-lock-file", "--override-input", "nixpkgs", $"path:{Path.Combine(target.Path, "nixpkgs")}", $"path:{Path.Combine(target.Path, "flotilla")}"]);

    /// <summary>Home-lab's shape: writes (or replaces) <c>machines/NAME/configuration.nix</c>.</summary>
    public static void Machine(TempDirectory flake, string name, string configuration) =>
        flake.Write(Path.Combine("machines", name, "configuration.nix"), configuration);

    private static void Copy(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }
}
