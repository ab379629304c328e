using System.Globalization;
using System.Text.Json;
using System.Text;
using Flotilla.Diagnostics;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Inventory;

/// <summary>What <c>flotilla init</c> could tell about one machine of an existing flake, and where from.</summary>
public sealed record InferredMachine(
    string Name,
    bool InNixosConfigurations,
    string? Address,
    string? User,
    int? Port,
    IReadOnlyList<string> Groups,
    string Source);

/// <summary>
/// Reads an existing flake for what Flotilla needs to reach its machines, as the tools people
/// come from wrote it: <c>nixosConfigurations</c> (their <c>networking.hostName</c>), colmena's
/// hive (<c>colmena</c>: <c>deployment.targetHost</c>, <c>targetUser</c>, <c>targetPort</c>,
/// <c>tags</c>, with <c>defaults</c>; or an evaluated <c>colmenaHive</c>) and deploy-rs
/// (<c>deploy.nodes.NAME.hostname</c>, <c>sshUser</c>), and writes it as <c>flotilla.machine</c>
/// settings. Every value is read under tryEval: what cannot be evaluated here is left out.
/// </summary>
public static class FlakeMachines
{
    private const string Expression = """
        let
          flake = builtins.getFlake (builtins.getEnv "FLOTILLA_FLAKE");
          try = v: let r = builtins.tryEval v; in if r.success then r.value else null;
          str = v: let x = try v; in if builtins.isString x then x else null;
          int = v: let x = try v; in if builtins.isInt x then x else null;
          strs = v: let x = try v; in if builtins.isList x then builtins.filter builtins.isString (map (e: try e) x) else [ ];
          nixos = try (flake.nixosConfigurations or { });
          nixosNames = if builtins.isAttrs nixos then builtins.attrNames nixos else [ ];
          # colmena's hive: nodes are NixOS modules, functions of { name, nodes, pkgs, lib, ... }
          # or sets; their deployment is read without the module system (given what they ask for).
          hive = try (flake.colmena or { });
          hiveNodes = if builtins.isAttrs hive then builtins.removeAttrs hive [ "meta" "defaults" ] else { };
          lib = try (flake.inputs.nixpkgs.lib or { });
          given = name: { inherit name lib; nodes = { }; pkgs = { }; config = { }; options = { }; modulesPath = ""; };
          apply = name: m:
            let v = try m; in
            if builtins.isFunction v then try (v (builtins.intersectAttrs (builtins.functionArgs v) (given name)))
            else v;
          deploymentOf = name: m: let v = apply name m; in if builtins.isAttrs v then try (v.deployment or { }) else { };
          defaults = deploymentOf "" (hive.defaults or { });
          evaluated = try (flake.colmenaHive.nodes or { });
          hiveDeployment = name:
            let
              fromHive = if builtins.isAttrs evaluated && evaluated ? ${name} then try evaluated.${name}.config.deployment else null;
              raw = if hiveNodes ? ${name} then deploymentOf name hiveNodes.${name} else null;
              d = if builtins.isAttrs fromHive then fromHive else if builtins.isAttrs raw then (if builtins.isAttrs defaults then defaults else { }) // raw else null;
            in d;
          deployNodes = let n = try ((flake.deploy or { }).nodes or { }); in if builtins.isAttrs n then n else { };
          names = builtins.attrNames (builtins.listToAttrs (map (n: { name = n; value = true; })
            (nixosNames ++ builtins.attrNames hiveNodes ++ (if builtins.isAttrs evaluated then builtins.attrNames evaluated else [ ]) ++ builtins.attrNames deployNodes)));
        in
        builtins.listToAttrs (map (name:
          let
            d = hiveDeployment name;
            node = deployNodes.${name} or null;
          in {
            inherit name;
            value = {
              nixos = builtins.elem name nixosNames;
              hostName = if builtins.elem name nixosNames then str nixos.${name}.config.networking.hostName else null;
              colmena = if d == null then null else {
                targetHost = str (d.targetHost or null);
                targetUser = str (d.targetUser or null);
                targetPort = int (d.targetPort or null);
                tags = strs (d.tags or [ ]);
              };
              deployRs = if node == null then null else {
                hostname = str (node.hostname or null);
                sshUser = str (node.sshUser or null);
              };
            };
          }) names)
        """;

    /// <summary>Evaluates the flake in <paramref name="directory"/> with the real <c>nix</c>.</summary>
    public static async Task<IReadOnlyList<InferredMachine>> InferAsync(string directory, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(directory);
        var flakeFile = Path.Combine(full, "flake.nix");
        if (!File.Exists(flakeFile))
        {
            throw new InventoryException(new Diagnostic(Severity.Error, flakeFile, "", "there is no flake.nix here", "give the directory of your flake: flotilla init PATH"));
        }

        var nix = ProcessRunner.Find("nix") ?? throw new InventoryException(new Diagnostic(
            Severity.Error, flakeFile, "", "nix is not installed, and reading a flake needs it", "run scripts/setup.sh (or apt-get install nix-bin)"));
        var environment = new Dictionary<string, string> { ["FLOTILLA_FLAKE"] = InventoryLoader.FlakeReference(full, flakeFile) };
        var result = await ProcessRunner.RunAsync(nix, [.. NixFlags.Flakes, "eval", "--json", "--impure", "--expr", Expression], environment, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var message = NixErrors.Clean(result.StandardError);
            throw new InventoryException(new Diagnostic(Severity.Error, flakeFile, "", "Nix could not evaluate it:" + Environment.NewLine + (message.Length == 0 ? $"exit code {result.ExitCode}" : message), "fix the Nix error above"));
        }

        using var json = JsonDocument.Parse(result.StandardOutput);
        var machines = new List<InferredMachine>();
        foreach (var host in json.RootElement.EnumerateObject())
        {
            var value = host.Value;
            var colmena = value.GetProperty("colmena");
            var deployRs = value.GetProperty("deployRs");
            string? Text(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.GetProperty(name).ValueKind == JsonValueKind.String ? e.GetProperty(name).GetString() : null;
            var (address, source) = Text(colmena, "targetHost") is { } colmenaHost ? (colmenaHost, "colmena's deployment.targetHost")
                : Text(deployRs, "hostname") is { } deployHost ? (deployHost, "deploy-rs' hostname")
                : Text(value, "hostName") is { } hostName && hostName != "nixos" ? (hostName, "networking.hostName")
                : ((string?)null, "nothing: the target is the configuration's name");
            var port = colmena.ValueKind == JsonValueKind.Object && colmena.GetProperty("targetPort").ValueKind == JsonValueKind.Number ? colmena.GetProperty("targetPort").GetInt32() : (int?)null;
            var groups = colmena.ValueKind == JsonValueKind.Object ? colmena.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray() : [];
            machines.Add(new InferredMachine(
                host.Name,
                value.GetProperty("nixos").GetBoolean(),
                address,
                Text(colmena, "targetUser") ?? Text(deployRs, "sshUser"),
                port,
                groups,
                source));
        }

        return machines;
    }

    /// <summary>The machines as a Nix file: one module per machine setting <c>flotilla.machine</c>, with where each value came from.</summary>
    public static string ToNix(IReadOnlyList<InferredMachine> machines, string flakeFile)
    {
        ArgumentNullException.ThrowIfNull(machines);
        var text = new StringBuilder();
        text.Append("# Written by `flotilla init` from ").Append(flakeFile).Append(": what it could tell about each machine.\n");
        text.Append("# Add Flotilla's machine module and a machine's entry to that machine's modules, for example\n");
        text.Append("#   nixosConfigurations.NAME = nixpkgs.lib.nixosSystem {\n");
        text.Append("#     modules = [ flotilla.nixosModules.machine (import ./flotilla-machines.nix).NAME ./configuration.nix ];\n");
        text.Append("#   };\n");
        text.Append("# then `flotilla validate` and `flotilla plan` read them (docs/inventory.md, flotilla.machine).\n");
        text.Append("{\n");
        foreach (var machine in machines.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            text.Append("  ").Append(Key(machine.Name)).Append(" = {\n");
            text.Append("    # target from ").Append(machine.Source).Append('\n');
            if (!machine.InNixosConfigurations)
            {
                text.Append("    # not in nixosConfigurations: Flotilla reads machines from there (for colmena: nixosConfigurations = (colmena.lib.makeHive self.colmena).nodes;)\n");
            }

            var target = new List<string>();
            if (machine.Address is { } address)
            {
                target.Add($"address = {Quote(address)};");
            }

            if (machine.User is { } user)
            {
                target.Add($"user = {Quote(user)};");
            }

            if (machine.Port is { } port)
            {
                target.Add(string.Create(CultureInfo.InvariantCulture, $"port = {port};"));
            }

            text.Append("    flotilla.machine = {\n");
            if (target.Count > 0)
            {
                text.Append("      target = { ").Append(string.Join(' ', target)).Append(" };\n");
            }

            if (machine.Groups.Count > 0)
            {
                text.Append("      groups = [ ").Append(string.Join(' ', machine.Groups.Select(Quote))).Append(" ];\n");
            }

            text.Append("    };\n  };\n");
        }

        return text.Append("}\n").ToString();
    }

    /// <summary>A Nix string literal: what would end it or start an antiquotation is escaped.</summary>
    internal static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("${", "\\${", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    private static string Key(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '\'') ? name : Quote(name);
}
