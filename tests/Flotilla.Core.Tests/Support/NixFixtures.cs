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
