# Declares `flotilla.containers.NAME`: a container that NixOS runs (it becomes
# `virtualisation.oci-containers.containers.NAME`, podman backend) and that Flotilla deploys in
# dependency order, health-gates, rolls back, backs up and shows. One declaration serves both:
#
#   imports = [ flotilla.nixosModules.containers ];
#   flotilla.containers.sonarr = {
#     image = "lscr.io/linuxserver/sonarr:latest";
#     ports = [ "8989:8989" ];
#     volumes = [ "/var/lib/nixarr/sonarr:/config" ];
#     user = "568:568";
#     dependsOn = [ "prowlarr" "transmission" ];
#     health = [ { type = "http"; url = "http://localhost:8989/ping"; } ];
#     resources = { memory = "2g"; cpus = "2"; tasksMax = 1000; };
#     secrets.api-key = { file = "/etc/flotilla/secrets/sonarr-api-key.age"; };
#     backup = { paths = [ "/var/lib/nixarr/sonarr" ]; tool = "restic"; repository = "/srv/backup"; };
#     autoUpdate = "registry";
#   };
#
# Secrets are written by Flotilla at deploy time to SECRETSDIR/NAME (default
# /run/flotilla-secrets/CONTAINER; never the Nix store) and mounted read-only here; `file` is a
# string naming a file on the machine that deploys, not a Nix path (a path would be copied into
# the store). docs/inventory.md lists every key.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  json = types.anything;

  container = {
    options = {
      enable = mkOption { type = types.bool; default = true; description = "Run this container."; };
      image = mkOption { type = types.str; description = "OCI image to run."; };
      imageFile = mkOption { type = types.nullOr types.package; default = null; description = "An image archive to load instead of pulling."; };
      ports = mkOption { type = types.listOf types.str; default = [ ]; description = "Published ports, as podman writes them."; };
      volumes = mkOption { type = types.listOf types.str; default = [ ]; };
      environment = mkOption { type = types.attrsOf types.str; default = { }; description = "Variables that are not secret (secrets go in `secrets`)."; };
      environmentFiles = mkOption { type = types.listOf types.str; default = [ ]; };
      labels = mkOption { type = types.attrsOf types.str; default = { }; };
      extraOptions = mkOption { type = types.listOf types.str; default = [ ]; description = "Options for podman run, as written."; };
      network = mkOption { type = types.nullOr types.str; default = null; description = "host, bridge, or a named network; null: podman's default."; };
      log-driver = mkOption { type = types.str; default = "journald"; };
      user = mkOption { type = types.nullOr types.str; default = null; description = "UID:GID or a name, as podman's --user."; };
      autoStart = mkOption { type = types.bool; default = true; };
      cmd = mkOption { type = types.listOf types.str; default = [ ]; };
      entrypoint = mkOption { type = types.nullOr types.str; default = null; };
      devices = mkOption { type = types.listOf types.str; default = [ ]; };
      privileged = mkOption { type = types.bool; default = false; };
      dependsOn = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Services this one needs (containers of this host become systemd dependencies too; others only order Flotilla's deploy).";
      };
      health = mkOption { type = types.listOf json; default = [ ]; description = "Health checks, as a service's healthChecks (docs/inventory.md)."; };
      resources = {
        memory = mkOption { type = types.nullOr types.str; default = null; description = "podman --memory (2g); systemd's MemoryMax."; };
        cpus = mkOption { type = types.nullOr types.str; default = null; description = "podman --cpus (2 is CPUQuota=200%)."; };
        tasksMax = mkOption { type = types.nullOr types.int; default = null; description = "podman --pids-limit; systemd's TasksMax."; };
      };
      secrets = mkOption {
        type = types.attrsOf (types.submodule {
          options = {
            file = mkOption { type = types.str; description = "An age file (.age), a SOPS file (with sopsKey) or, with format plain, a private file, on the machine that deploys."; };
            format = mkOption { type = types.nullOr (types.enum [ "age" "sops" "plain" ]); default = null; };
            sopsKey = mkOption { type = types.nullOr types.str; default = null; };
            mode = mkOption { type = types.str; default = "0440"; };
            mountPath = mkOption { type = types.nullOr types.str; default = null; description = "Where the container sees it; null: /run/secrets/NAME."; };
          };
        });
        default = { };
      };
      secretsDir = mkOption { type = types.nullOr types.str; default = null; description = "Where the host keeps the secrets; null: /run/flotilla-secrets/CONTAINER."; };
      backup = mkOption { type = types.nullOr json; default = null; description = "A service's backup part (paths, tool, repository, schedule...)."; };
      autoUpdate = mkOption { type = types.nullOr (types.enum [ "registry" "local" ]); default = null; description = "podman auto-update policy; Flotilla's services update honours it."; };
      tags = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  };

  enabled = lib.filterAttrs (_: c: c.enable) config.flotilla.containers;
  optional = lib.optional;

  toOci = name: c:
    let
      secretsDir = if c.secretsDir != null then c.secretsDir else "/run/flotilla-secrets/${name}";
      secretMounts = lib.mapAttrsToList
        (secret: s: "${secretsDir}/${secret}:${if s.mountPath != null then s.mountPath else "/run/secrets/${secret}"}:ro")
        c.secrets;
    in
    {
      inherit (c) image imageFile ports environment environmentFiles cmd entrypoint user autoStart devices privileged log-driver;
      volumes = c.volumes ++ secretMounts;
      labels = c.labels // lib.optionalAttrs (c.autoUpdate != null) { "io.containers.autoupdate" = c.autoUpdate; };
      # Containers of this host only: a name elsewhere in the fleet orders Flotilla's deploy, not systemd.
      dependsOn = builtins.filter (d: enabled ? ${d}) c.dependsOn;
      extraOptions = c.extraOptions
        ++ optional (c.network != null) "--network=${c.network}"
        ++ optional (c.resources.memory != null) "--memory=${c.resources.memory}"
        ++ optional (c.resources.cpus != null) "--cpus=${c.resources.cpus}"
        ++ optional (c.resources.tasksMax != null) "--pids-limit=${toString c.resources.tasksMax}";
    };
in
{
  # Scheduled backups (timers) of the containers whose backup part has a schedule.
  imports = [ ./flotilla-backups.nix ];

  options.flotilla.containers = mkOption {
    type = types.attrsOf (types.submodule container);
    default = { };
    description = "Containers Flotilla deploys, and NixOS runs with podman (docs/inventory.md).";
  };

  config = lib.mkIf (enabled != { }) {
    virtualisation.oci-containers.backend = lib.mkDefault "podman";
    virtualisation.oci-containers.containers = builtins.mapAttrs toOci enabled;
    # Restarted with a pause when it dies, and given up on (the unit fails, `flotilla services`
    # reports it) when it dies 5 times in 10 minutes, instead of restarting forever.
    systemd.services = builtins.listToAttrs (map
      (name: {
        name = "podman-${name}";
        value = {
          serviceConfig = { Restart = lib.mkDefault "on-failure"; RestartSec = lib.mkDefault "10s"; };
          unitConfig = { StartLimitBurst = lib.mkDefault 5; StartLimitIntervalSec = lib.mkDefault 600; };
        };
      })
      (builtins.attrNames enabled));
  };
}
