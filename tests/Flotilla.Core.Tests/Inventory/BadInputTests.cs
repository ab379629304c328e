using Flotilla.Diagnostics;
using Flotilla.Inventory;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Inventory;

/// <summary>Input that cannot be an inventory gets one clear error naming the file, never a stack trace.</summary>
public sealed class BadInputTests
{
    private static async Task<Diagnostic> LoadFailureAsync(string? path, string workingDirectory)
    {
        var error = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync(path, workingDirectory));
        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(Severity.Error, diagnostic.Severity);
        Assert.False(string.IsNullOrEmpty(diagnostic.Hint));
        return diagnostic;
    }

    [Fact]
    public async Task A_missing_file_says_so()
    {
        using var dir = new TempDirectory();

        var diagnostic = await LoadFailureAsync("nope.json", dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "nope.json"), diagnostic.File);
        Assert.Contains("does not exist", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_inventory_in_the_directory_lists_what_was_looked_for()
    {
        using var dir = new TempDirectory();

        var diagnostic = await LoadFailureAsync(null, dir.Path);

        Assert.Contains("flotilla.nix", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("flake.nix", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_file_is_refused()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "f.json");
        await File.WriteAllBytesAsync(file, [0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]);

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains("binary", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("f.json", """{ "hosts": { "a": { "role": "x" """, "line")]
    [InlineData("f.yaml", "hosts:\n  a: { role: [x\n", "line")]
    public async Task A_truncated_file_names_the_place(string name, string content, string expected)
    {
        using var dir = new TempDirectory();
        var file = dir.Write(name, content);

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Equal(file, diagnostic.File);
        Assert.StartsWith(expected, diagnostic.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("f.json")]
    [InlineData("f.yaml")]
    public async Task A_deeply_nested_file_is_refused_without_a_stack_overflow(string name)
    {
        using var dir = new TempDirectory();
        var content = name.EndsWith(".json", StringComparison.Ordinal)
            ? "{\"hosts\":" + new string('[', 100_000) + new string(']', 100_000) + "}"
            : "hosts: " + new string('[', 100_000) + new string(']', 100_000);
        var file = dir.Write(name, content);

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains("deeper", diagnostic.Message + diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_file_is_refused_before_it_is_read()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "huge.json");
        await using (var stream = File.Create(file))
        {
            stream.SetLength(Flotilla.Inventory.Internal.InputFile.MaxBytes + 1);
        }

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains("MiB", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_json_keys_are_refused()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("f.json", """{ "hosts": { "a": {}, "a": {} } }""");

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains("not valid JSON", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_that_is_a_function_shows_nix_message()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.nix", "{ lib, ... }: { }");

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains("cannot convert a function to JSON", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_extension_is_refused()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("inventory.toml", "x = 1");

        var diagnostic = await LoadFailureAsync(file, dir.Path);

        Assert.Contains(".toml", diagnostic.Message, StringComparison.Ordinal);
    }
}
