namespace Flotilla.Inventory.Internal;

/// <summary>
/// The one Nix expression that reads a whole fleet's metadata from a flake. The flake reference
/// arrives through the environment (never spliced into the expression's text), and every value
/// is forced under tryEval so one undefined option marks itself instead of failing the fleet.
/// </summary>
internal static class FlakeExpression
{
    public const string FlakeVariable = "FLOTILLA_FLAKE";

    public const string Text = """
        let
          flake = builtins.getFlake (builtins.getEnv "FLOTILLA_FLAKE");
          marker = { __flotillaEvaluationError = true; };
          safe = v:
            let r = builtins.tryEval v; in
            if !r.success || builtins.isFunction r.value then marker
            else if builtins.isAttrs r.value then
              (if (r.value.type or null) == "derivation" then r.value.outPath or null else builtins.mapAttrs (n: safe) r.value)
            else if builtins.isList r.value then map safe r.value
            else r.value;
          describe = c:
            let config = builtins.tryEval c.config; in
            if !config.success then { hostName = null; flotilla = marker; lab = null; }
            else {
              hostName = safe (config.value.networking.hostName or null);
              flotilla = safe (config.value.flotilla.machine or null);
              lab = safe (config.value.lab.machine or null);
            };
          pick = output: builtins.mapAttrs (n: describe) (flake.${output} or { });
        in {
          nixos = pick "nixosConfigurations";
          darwin = pick "darwinConfigurations";
          home = pick "homeConfigurations";
        }
        """;
}
