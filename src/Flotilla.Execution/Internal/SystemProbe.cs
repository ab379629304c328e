using System.Text.Json;
using System.Text;
using Flotilla.Inventory;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Execution.Internal;

/// <summary>
/// The one evaluation of a group of hosts' systems: for each host, its output and derivation
/// paths, or how far its attribute path exists, or that it is not a derivation, or that it threw.
/// A missing attribute is found with <c>?</c>, never by failing, so a host with metadata and no
/// system does not stop the others, and Nix never prints the expression.
/// </summary>
internal static class SystemProbe
{
    /// <summary>What one host's system evaluated to.</summary>
    public abstract record Outcome
    {
        public sealed record Built(string Out, string Drv) : Outcome;

        /// <summary>The first <see cref="Found"/> names of the path exist, the next does not.</summary>
        public sealed record Missing(int Found) : Outcome;

        public sealed record NotDerivation(string Type) : Outcome;

        /// <summary>A throw or failed assertion (tryEval caught it; Nix's message needs another evaluation).</summary>
        public sealed record Failed : Outcome;
    }

    private const string Probe = """
        root: let
          probe = v: path: found:
            let r = builtins.tryEval v; in
            if !r.success then { failed = true; }
            else if path == [ ] then
              (if builtins.isAttrs r.value && r.value ? drvPath && r.value ? outPath then
                (let paths = builtins.tryEval (builtins.seq r.value.drvPath r.value.outPath); in
                 if paths.success then { out = r.value.outPath; drv = r.value.drvPath; } else { failed = true; })
               else { notDerivation = builtins.typeOf r.value; })
            else if builtins.isAttrs r.value && builtins.hasAttr (builtins.head path) r.value then
              probe (builtins.getAttr (builtins.head path) r.value) (builtins.tail path) (found + 1)
            else { missing = found; };
        in {
        """;

    /// <summary>Each host's outcome, or null when the evaluation failed as a whole (an error tryEval does not catch).</summary>
    public static async Task<Dictionary<string, Outcome>?> RunAsync(SystemSource source, IReadOnlyList<Host> hosts, CancellationToken cancellationToken)
    {
        var apply = new StringBuilder(Probe);
        foreach (var host in hosts)
        {
            apply.Append("  ").Append(NixExpression.String(host.Name)).Append(" = probe root [");
            foreach (var name in source.PathOf(host))
            {
                apply.Append(' ').Append(NixExpression.String(name));
            }

            apply.Append(" ] 0;\n");
        }

        apply.Append('}');
        var result = await ProcessRunner.RunAsync("nix", [.. NixFlags.Flakes, "eval", "--json", .. source.Arguments, "--apply", apply.ToString()], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        var outcomes = new Dictionary<string, Outcome>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            var entry = document.RootElement.GetProperty(host.Name);
            outcomes[host.Name] =
                entry.TryGetProperty("out", out var output) ? new Outcome.Built(output.GetString()!, entry.GetProperty("drv").GetString()!)
                : entry.TryGetProperty("missing", out var found) ? new Outcome.Missing(found.GetInt32())
                : entry.TryGetProperty("notDerivation", out var type) ? new Outcome.NotDerivation(type.GetString()!)
                : new Outcome.Failed();
        }

        return outcomes;
    }

    /// <summary>Nix's message (cleaned) when the source's value itself does not evaluate (a syntax error in flake.nix), else null.</summary>
    public static async Task<string?> SourceErrorAsync(SystemSource source, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("nix", [.. NixFlags.Flakes, "eval", "--json", .. source.Arguments, "--apply", "root: builtins.seq root true"], null, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? null : NixErrors.Clean(result.StandardError) is { Length: > 0 } message ? message : $"nix exited with {result.ExitCode}";
    }

    /// <summary>Nix's message for one host's system, on one line (its derivation is forced alone).</summary>
    public static async Task<string> MessageAsync(SystemSource source, Host host, CancellationToken cancellationToken)
    {
        var value = NixExpression.Select("root", source.PathOf(host));
        var result = await ProcessRunner.RunAsync("nix", [.. NixFlags.Flakes, "eval", "--json", .. source.Arguments, "--apply", $"root: builtins.seq ({value}).drvPath null"], null, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0
            ? "it evaluates when asked alone; run the command again"
            : NixErrors.OneLine(result.StandardError) is { Length: > 0 } message ? message : $"nix exited with {result.ExitCode}";
    }
}
