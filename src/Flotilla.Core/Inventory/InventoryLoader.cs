using System.Text.Json;
using Flotilla.Diagnostics;
using Flotilla.Inventory.Internal;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Inventory;

/// <summary>
/// Loads a <see cref="Fleet"/> from a NixMox manifest (<c>.nix</c>, evaluated by
/// <c>nix-instantiate</c>), a flake directory (one <c>nix eval</c> for the whole fleet), or a JSON
/// or YAML file in the normalised shape. Failures arrive as <see cref="InventoryException"/> with
/// diagnostics that name the file; problems inside the inventory arrive in <see cref="Fleet.Diagnostics"/>.
/// Thread safe.
/// </summary>
public static class InventoryLoader
{
    /// <summary>What is looked for, in this order, when no path is given.</summary>
    public static readonly IReadOnlyList<string> DefaultNames = ["flotilla.nix", "flotilla.json", "flotilla.yaml", "flotilla.yml", "flake.nix"];

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        MaxDepth = 64,
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    public static Task<Fleet> LoadAsync(string? path, CancellationToken cancellationToken = default) =>
        LoadAsync(path, Directory.GetCurrentDirectory(), cancellationToken);

    public static async Task<Fleet> LoadAsync(string? path, string workingDirectory, CancellationToken cancellationToken = default)
    {
        var resolved = Resolve(path, workingDirectory);
        if (Path.GetFileName(resolved) == "flake.nix")
        {
            return await LoadFlakeAsync(resolved, cancellationToken).ConfigureAwait(false);
        }

        var extension = Path.GetExtension(resolved).ToLowerInvariant();
        switch (extension)
        {
            case ".nix":
                return await LoadManifestAsync(resolved, cancellationToken).ConfigureAwait(false);
            case ".json":
            {
                var text = await InputFile.ReadTextAsync(resolved, cancellationToken).ConfigureAwait(false);
                using var document = ParseJson(text, resolved, "the JSON document");
                return DocumentNormaliser.Normalise(document.RootElement, resolved, InventoryFormat.Json);
            }

            case ".yaml" or ".yml":
            {
                var text = await InputFile.ReadTextAsync(resolved, cancellationToken).ConfigureAwait(false);
                using var document = YamlToJson.Convert(text, resolved);
                return DocumentNormaliser.Normalise(document.RootElement, resolved, InventoryFormat.Yaml);
            }

            default:
                InputFile.CheckReadable(resolved);
                throw InputFile.Fail(resolved, $"has the unknown extension \"{extension}\"", "use a .nix manifest, a .json or .yaml file, or a flake directory");
        }
    }

    /// <summary>Turns <c>-f</c> (or its absence) into the file to read.</summary>
    public static string Resolve(string? path, string workingDirectory)
    {
        if (string.IsNullOrEmpty(path))
        {
            foreach (var name in DefaultNames)
            {
                var candidate = Path.Combine(workingDirectory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InventoryException(new Diagnostic(
                Severity.Error,
                workingDirectory,
                "",
                "no inventory here: found none of " + string.Join(", ", DefaultNames),
                "pass -f with a .nix manifest, a flake directory, or a .json/.yaml inventory"));
        }

        var full = Path.GetFullPath(path, workingDirectory);
        if (Directory.Exists(full))
        {
            foreach (var name in DefaultNames.Reverse())
            {
                var candidate = Path.Combine(full, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return full;
    }

    private static async Task<Fleet> LoadManifestAsync(string file, CancellationToken cancellationToken)
    {
        InputFile.CheckReadable(file);
        var nix = RequireProgram("nix-instantiate", file);
        var result = await ProcessRunner.RunAsync(nix, ["--eval", "--strict", "--json", file], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw NixFailed(file, result);
        }

        using var document = ParseJson(result.StandardOutput, file, "the manifest's value");
        return ManifestNormaliser.Normalise(document.RootElement, file);
    }

    private static async Task<Fleet> LoadFlakeAsync(string flakeFile, CancellationToken cancellationToken)
    {
        InputFile.CheckReadable(flakeFile);
        var directory = Path.GetDirectoryName(flakeFile)!;
        var nix = RequireProgram("nix", flakeFile);
        var environment = new Dictionary<string, string> { [FlakeExpression.FlakeVariable] = FlakeReference(directory, flakeFile) };
        string[] arguments = [.. NixFlags.Flakes, "eval", "--json", "--impure", "--expr", FlakeExpression.Text];
        var result = await ProcessRunner.RunAsync(nix, arguments, environment, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw NixFailed(flakeFile, result);
        }

        var json = await FlakeEvaluationErrors.ExplainAsync(nix, result.StandardOutput, environment, cancellationToken).ConfigureAwait(false);
        using var document = ParseJson(json, flakeFile, "the flake's configurations");
        return FlakeNormaliser.Normalise(document.RootElement, flakeFile, directory);
    }

    /// <summary>
    /// A <c>path:</c> flake reference. Nix parses it as a URL and (up to 2.8 at least) does not
    /// decode escapes in it, so a directory whose path needs escaping cannot be named at all.
    /// </summary>
    internal static string FlakeReference(string directory, string flakeFile)
    {
        foreach (var c in directory)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '~' or '+' or '=' or ',' or '@' or ':'))
            {
                throw new InventoryException(new Diagnostic(
                    Severity.Error,
                    flakeFile,
                    "",
                    $"Nix cannot name a flake in this directory: its path contains '{c}'",
                    "move the flake to a directory whose path has only letters, digits and / - _ . ~ + = , @ :"));
            }
        }

        return "path:" + directory;
    }

    private static string RequireProgram(string program, string file) =>
        ProcessRunner.Find(program) ?? throw new InventoryException(new Diagnostic(
            Severity.Error, file, "", $"{program} is not installed, and reading a .nix inventory needs it", "run scripts/setup.sh (or apt-get install nix-bin), or use a JSON/YAML inventory"));

    private static InventoryException NixFailed(string file, ProcessResult result)
    {
        var message = NixErrors.Clean(result.StandardError);
        if (message.Length == 0)
        {
            message = $"exit code {result.ExitCode}";
        }

        return new InventoryException(new Diagnostic(Severity.Error, file, "", "Nix could not evaluate it:" + Environment.NewLine + message, "fix the Nix error above"));
    }

    private static JsonDocument ParseJson(string text, string file, string what)
    {
        try
        {
            return JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"line {line + 1}, column {e.BytePositionInLine + 1}" : "";
            var hint = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"{what} is nested deeper than {JsonOptions.MaxDepth} levels; flatten it"
                : "fix the syntax at that place (a truncated file ends early)";
            throw new InventoryException(new Diagnostic(Severity.Error, file, where, $"{what} is not valid JSON: {FirstSentence(e.Message)}", hint));
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
