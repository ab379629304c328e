namespace Flotilla.Inventory.Internal;

/// <summary>
/// The one Nix expression that reads a whole fleet's metadata from a flake. The flake reference
/// arrives through the environment (never spliced into the expression's text), and every value
/// is forced under tryEval so one undefined option marks itself instead of failing the fleet.
/// A marker holds the attribute path of the value that failed (from the flake's outputs down),
/// so that <see cref="FlakeEvaluationErrors"/> can ask Nix for its message.
/// </summary>
internal static class FlakeExpression
{
    public const string FlakeVariable = "FLOTILLA_FLAKE";

    /// <summary>For <see cref="ValueText"/>: the attribute path to force, as a JSON list of names and list indices.</summary>
    public const string PathVariable = "FLOTILLA_PATH";

    public const string Text = """
        let
          flake = builtins.getFlake (builtins.getEnv "FLOTILLA_FLAKE");
          marker = path: { __flotillaEvaluationError = path; };
          safe = path: v:
            let r = builtins.tryEval v; in
            if !r.success then marker path
            else if builtins.isFunction r.value then marker path // { function = true; }
            else if builtins.isAttrs r.value then
              (if (r.value.type or null) == "derivation" then r.value.outPath or null else builtins.mapAttrs (n: safe (path ++ [ n ])) r.value)
            else if builtins.isList r.value then
              builtins.genList (i: safe (path ++ [ i ]) (builtins.elemAt r.value i)) (builtins.length r.value)
            else if builtins.isPath r.value then toString r.value
            else r.value;
          # Only the named attributes of a set, each forced on its own: an option this tool does
          # not read cannot fail the host, and a Nix path stays a path (never copied to the store).
          fields = names: path: v:
            let r = builtins.tryEval v; in
            if !r.success then marker path
            else if !builtins.isAttrs r.value then safe path r.value
            else builtins.mapAttrs (n: safe (path ++ [ n ])) (builtins.intersectAttrs names r.value);
          each = f: path: v:
            let r = builtins.tryEval v; in
            if !r.success then marker path
            else if !builtins.isAttrs r.value then safe path r.value
            else builtins.mapAttrs (n: f (path ++ [ n ])) r.value;
          flag = names: builtins.listToAttrs (map (name: { inherit name; value = true; }) names);
          ociFields = flag [ "image" "imageFile" "imageStream" "serviceName" "ports" "volumes" "environment" "environmentFiles"
            "dependsOn" "labels" "extraOptions" "log-driver" "user" "autoStart" "cmd" "entrypoint" "workdir" "hostname"
            "networks" "devices" "privileged" "capabilities" "pull" ];
          flotillaContainerFields = ociFields // flag [ "network" "enable" "health" "resources" "secrets" "secretsDir" "backup" "autoUpdate" "tags" ];
          daggerServiceFields = flag [ "enable" "image" "dataDir" "port" "childBridgePorts" "portRange" "enableAutoUpdate"
            "enableBackup" "enableMonitoring" "network" ];
          nixarrServices = [ "sonarr" "radarr" "prowlarr" "bazarr" "transmission" "jellyfin" ];
          # seed 000's services.dagger: its services are the attributes that are sets with an image.
          dagger = path: d:
            let
              r = builtins.tryEval d;
              # An option that cannot be evaluated is not a service (the base module's own settings).
              isService = n: v: let t = builtins.tryEval (builtins.isAttrs v && v ? image); in t.success && t.value;
              names = builtins.filter (n: isService n r.value.${n}) (builtins.attrNames r.value);
            in
            if !r.success then marker path
            else if r.value == null || !builtins.isAttrs r.value then null
            else {
              services = builtins.listToAttrs (map (n: { name = n; value = fields daggerServiceFields (path ++ [ n ]) r.value.${n}; }) names);
              secrets = fields (flag [ "enable" "runtime" ]) (path ++ [ "secrets" ]) (r.value.secrets or null);
              storage = fields (flag [ "persistRoot" "mediaRoot" "stateRoot" ]) (path ++ [ "storage" ]) (r.value.storage or null);
              nixarr = fields (flag ([ "enable" "mediaDir" "stateDir" "storage" ] ++ nixarrServices)) (path ++ [ "nixarr" ]) (r.value.nixarr or null);
            };
          describe = output: name: c:
            let
              config = builtins.tryEval c.config;
              base = [ output name "config" ];
            in
            if !config.success then { hostName = null; flotilla = marker base; lab = null; }
            else {
              hostName = safe (base ++ [ "networking" "hostName" ]) (config.value.networking.hostName or null);
              flotilla = safe (base ++ [ "flotilla" "machine" ]) (config.value.flotilla.machine or null);
              lab = safe (base ++ [ "lab" "machine" ]) (config.value.lab.machine or null);
              containers = {
                backend = safe (base ++ [ "virtualisation" "oci-containers" "backend" ]) (config.value.virtualisation.oci-containers.backend or null);
                oci = each (fields ociFields) (base ++ [ "virtualisation" "oci-containers" "containers" ]) (config.value.virtualisation.oci-containers.containers or { });
                flotilla = each (fields flotillaContainerFields) (base ++ [ "flotilla" "containers" ]) (config.value.flotilla.containers or { });
                dagger = dagger (base ++ [ "services" "dagger" ]) (config.value.services.dagger or null);
                # Limits and restart policy set on a container's unit (podman-NAME), or on seed 000's
                # dagger-automation-NAME: only those units, only those settings.
                units =
                  let
                    r = builtins.tryEval (config.value.systemd.services or { });
                    prefixed = p: n: builtins.substring 0 (builtins.stringLength p) n == p;
                    wanted = n: prefixed "podman-" n || prefixed "dagger-automation-" n;
                    unit = n: fields (flag [ "MemoryMax" "CPUQuota" "TasksMax" "Restart" ]) (base ++ [ "systemd" "services" n "serviceConfig" ]) (r.value.${n}.serviceConfig or { });
                  in
                  if !r.success || !builtins.isAttrs r.value then { }
                  else builtins.listToAttrs (map (n: { name = n; value = unit n; }) (builtins.filter wanted (builtins.attrNames r.value)));
                # The NixOS service a container replaces (seed 001's side by side: nixarr's systemd
                # sonarr beside the container sonarr): a unit named as a container is, with what
                # its module says of its data, user and port.
                legacy =
                  let
                    r = builtins.tryEval (config.value.systemd.services or { });
                    names = t: let v = builtins.tryEval (builtins.attrNames t); in if v.success then v.value else [ ];
                    daggerNames = let d = builtins.tryEval (config.value.services.dagger or { }); in if d.success && builtins.isAttrs d.value then names d.value else [ ];
                    candidates = nixarrServices ++ daggerNames
                      ++ names (config.value.virtualisation.oci-containers.containers or { })
                      ++ names (config.value.flotilla.containers or { });
                    has = n: let t = builtins.tryEval (r.value ? ${n}); in t.success && t.value;
                    module = n: (builtins.tryEval (config.value.services.${n} or null)).value or null;
                    twin = n: {
                      unit = fields (flag [ "User" "Group" "StateDirectory" ]) (base ++ [ "systemd" "services" n "serviceConfig" ]) (r.value.${n}.serviceConfig or { });
                      service = fields (flag [ "dataDir" "home" "user" "group" "port" "listenPort" ]) (base ++ [ "services" n ]) (module n);
                      settings = fields (flag [ "rpc-port" "server" ]) (base ++ [ "services" n "settings" ]) ((module n).settings or null);
                    };
                  in
                  if !r.success || !builtins.isAttrs r.value then { }
                  else builtins.listToAttrs (map (n: { name = n; value = twin n; }) (builtins.filter has (builtins.attrNames (flag candidates))));
              };
            };
          pick = output: builtins.mapAttrs (describe output) (flake.${output} or { });
        in {
          nixos = pick "nixosConfigurations";
          darwin = pick "darwinConfigurations";
          home = pick "homeConfigurations";
        }
        """;

    /// <summary>
    /// Forces one value of the flake (its path in <see cref="PathVariable"/>) so that Nix says why
    /// it cannot be evaluated; evaluates to null when it can.
    /// </summary>
    public const string ValueText = """
        let
          flake = builtins.getFlake (builtins.getEnv "FLOTILLA_FLAKE");
          path = builtins.fromJSON (builtins.getEnv "FLOTILLA_PATH");
          at = v: k: if builtins.isInt k then builtins.elemAt v k else builtins.getAttr k v;
        in builtins.seq (builtins.foldl' at flake path) null
        """;
}
