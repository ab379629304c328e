using System.Text.Json;
using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests;

/// <summary>
/// nix/deps.json, the NuGet packages the flake's package (buildDotnetModule's nugetDeps) is built
/// from, against the restore of src/Flotilla.Cli: scripts/update-nuget-deps.sh --check passes for
/// the repository as it is, and fails when a package is added without writing the file again.
/// </summary>
// Restores with the .NET SDK: one at a time with the other tests that do.
[Collection(DotnetBuildCollection.Name)]
public sealed class NugetDepsTests
{
    private const string Script = "scripts/update-nuget-deps.sh";

    [Fact]
    public async Task The_repositorys_deps_file_lists_what_the_cli_restores()
    {
        // The solution is built (scripts/test.sh builds it first), so the assets file is the restore's.
        var check = await ProcessRunner.RunAsync("bash", [Repository.PathOf(Script), "--check", "--no-restore"]);

        Assert.True(check.ExitCode == 0, check.StandardError);
        Assert.Matches(@"lists the \d+ packages the restore uses", check.StandardError);
    }

    [Fact]
    public async Task A_package_added_to_the_cli_without_writing_the_deps_file_again_fails_the_check_until_it_is_written()
    {
        using var dir = new TempDirectory();
        var copy = RepositoryCopy(dir);
        var project = Path.Combine(copy, "src", "Flotilla.Cli", "Flotilla.Cli.csproj");
        // A package the solution's tests already restore, so it is in the local package folder.
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            """<PackageReference Include="System.CommandLine" />""",
            """<PackageReference Include="System.CommandLine" /><PackageReference Include="Microsoft.Extensions.TimeProvider.Testing" />""",
            StringComparison.Ordinal));
        var script = Path.Combine(copy, Script);

        var stale = await ProcessRunner.RunAsync("bash", [script, "--check"]);
        var write = await ProcessRunner.RunAsync("bash", [script, "--no-restore"]);
        var current = await ProcessRunner.RunAsync("bash", [script, "--check", "--no-restore"]);

        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("restored but not in " + Path.Combine(copy, "nix", "deps.json") + ": Microsoft.Extensions.TimeProvider.Testing 11.0.0", stale.StandardError, StringComparison.Ordinal);
        Assert.Contains("run scripts/update-nuget-deps.sh and commit nix/deps.json", stale.StandardError, StringComparison.Ordinal);
        Assert.True(write.ExitCode == 0, write.StandardError);
        Assert.True(current.ExitCode == 0, current.StandardError);
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy, "nix", "deps.json")));
        var added = Assert.Single(deps.RootElement.EnumerateArray(), e => e.GetProperty("pname").GetString() == "Microsoft.Extensions.TimeProvider.Testing");
        Assert.Equal("11.0.0", added.GetProperty("version").GetString());
        Assert.Equal(await NupkgHashAsync("microsoft.extensions.timeprovider.testing", "11.0.0"), added.GetProperty("hash").GetString());
        // The packages already there are kept as they were.
        using var original = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("nix", "deps.json")));
        Assert.All(original.RootElement.EnumerateArray(), e => Assert.Contains(deps.RootElement.EnumerateArray(), d => d.GetRawText() == e.GetRawText()));
    }

    [Fact]
    public async Task A_changed_hash_fails_the_check_naming_the_package()
    {
        using var dir = new TempDirectory();
        var deps = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(File.ReadAllText(Repository.PathOf("nix", "deps.json")))!;
        var tampered = deps[0]["pname"];
        deps[0]["hash"] = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        var file = dir.Write("deps.json", JsonSerializer.Serialize(deps));

        var check = await ProcessRunner.RunAsync("bash", [Repository.PathOf(Script), "--check", "--no-restore", "--deps", file]);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains($"hashes in {file} differ from the restored packages: {tampered} ", check.StandardError, StringComparison.Ordinal);
    }

    /// <summary>What a restore reads (the projects and build settings) and the script, without bin/ and obj/.</summary>
    private static string RepositoryCopy(TempDirectory dir)
    {
        var copy = Path.Combine(dir.Path, "flotilla");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "BannedSymbols.txt", "global.json", "README.md", "nix/deps.json", Script })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, file))!);
            File.Copy(Repository.PathOf(file), Path.Combine(copy, file));
        }

        var src = Repository.PathOf("src");
        foreach (var file in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var destination = Path.Combine(copy, "src", relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return copy;
    }

    private static async Task<string> NupkgHashAsync(string id, string version)
    {
        var folder = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var hash = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "hash", "file", "--type", "sha256", "--sri", Path.Combine(folder, id, version, $"{id}.{version}.nupkg")]);
        Assert.True(hash.ExitCode == 0, hash.StandardError);
        return hash.StandardOutput.Trim();
    }
}
