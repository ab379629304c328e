using Flotilla.Processes;

namespace Flotilla.Tests.Support;

/// <summary>
/// A git repository holding a fleet: a flake with hosts web1 and db1 (plain derivations: nothing
/// needs building to know their store paths), its flake.lock, and a JSON inventory beside it
/// (web1 tagged "web"). Lives in a directory the caller owns.
/// </summary>
public sealed class FleetRepository
{
    private FleetRepository(string directory) => Directory = directory;

    public string Directory { get; }

    public string Inventory => Path.Combine(Directory, "flotilla.json");

    public string LockFile => Path.Combine(Directory, "flake.lock");

    public static async Task<FleetRepository> CreateAsync(string directory, string version = "v1")
    {
        System.IO.Directory.CreateDirectory(directory);
        var repository = new FleetRepository(directory);
        await File.WriteAllTextAsync(repository.Inventory, """{ "hosts": { "web1": { "target": "10.0.0.1", "tags": ["web"] }, "db1": { "target": "10.0.0.2" } } }""");
        repository.WriteFlake(version);
        await File.WriteAllTextAsync(repository.LockFile, """{ "nodes": { "root": {} }, "root": "root", "version": 7 }""");
        await repository.GitAsync("init", "-q");
        await repository.CommitAsync("fleet");
        return repository;
    }

    /// <summary>Rewrites flake.nix so each host's system is named HOST-system-VERSION.</summary>
    public void WriteFlake(string version)
    {
        string System(string name) =>
            $$"""{ config.system.build.toplevel = derivation { name = "{{name}}-system-{{version}}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }; }""";
        File.WriteAllText(Path.Combine(Directory, "flake.nix"), $$"""{ outputs = { self }: { nixosConfigurations = { web1 = {{System("web1")}}; db1 = {{System("db1")}}; }; }; }""");
    }

    public async Task CommitAsync(string message)
    {
        await GitAsync("add", "-A");
        await GitAsync("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", message);
    }

    public Task<string> GitAsync(params string[] arguments) => Git(Directory, arguments);

    public static async Task<string> Git(string directory, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("git", ["-C", directory, .. arguments], null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    /// <summary>What <c>nix eval</c> says the host's system is (its store path; nothing is built).</summary>
    public async Task<string> SystemPathAsync(string host)
    {
        var result = await ProcessRunner.RunAsync(
            "nix",
            ["--extra-experimental-features", "nix-command flakes", "eval", "--raw", $"path:{Directory}#nixosConfigurations.{host}.config.system.build.toplevel.outPath"],
            null,
            CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutput.Trim();
    }
}
