# Scheduled backups on the host: for every `flotilla.containers.NAME` and every
# `flotilla.backups.NAME` whose backup part has a `schedule`, a systemd timer
# `flotilla-backup-NAME` (OnCalendar = schedule, RandomizedDelaySec, Persistent) and the oneshot
# service it starts. The service does on the host what `flotilla backup` does over ssh: with
# `stop`, the units that need the service stopped first, then it; the `before` hook; the snapshot
# (restic backup tagged `flotilla` and `service=NAME`, the repository made when it does not exist
# yet); the `after` hook; the units started again; then the snapshot verified (restic check and a
# test restore of one of its files, sizes compared), tagged `verified`, and only then retention
# (`keep`) applied, to this service's verified snapshots only. Kopia: snapshot create and
# snapshot verify (retention stays kopia's own policy). The repository password is a file on the
# host (`passwordFile`, or the file of the host's key `passwordKey`): restic reads it itself, kopia
# gets it in its environment; never an argument, never the Nix store.
#
# Each run writes RESULTS/NAME.json (default /var/lib/flotilla/backups; written beside it and
# renamed, so a reader never sees half a file): the agent reports it in its heartbeats, the
# dashboard shows it and /metrics has its age.
#
#   imports = [ flotilla.nixosModules.containers ];   # imports this module too
#   flotilla.containers.sonarr.backup = {
#     paths = [ "/var/lib/nixarr/sonarr" ]; repository = "/srv/backup/sonarr";
#     passwordFile = "/run/keys/restic"; schedule = "daily"; stop = true; keep.daily = 7;
#   };
#   # A NixOS service that is not a container: the same backup part, plus its unit.
#   flotilla.backups.postgresql = {
#     unit = "postgresql.service"; paths = [ "/var/backup/postgresql" ]; schedule = "*-*-* 02:00";
#     before = "${config.services.postgresql.package}/bin/pg_dumpall -U postgres > /var/backup/postgresql/all.sql";
#     repository = "/srv/backup/postgresql"; passwordFile = "/run/keys/restic";
#   };
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types escapeShellArg escapeShellArgs concatStringsSep;
  cfg = config.flotilla.backupTimers;

  containers = lib.filterAttrs (_: c: c.enable && c.backup != null) (config.flotilla.containers or { });
  enabledContainers = lib.filterAttrs (_: c: c.enable) (config.flotilla.containers or { });
  containerDeps = name: builtins.filter (d: enabledContainers ? ${d}) enabledContainers.${name}.dependsOn;
  limit = builtins.length (builtins.attrNames enabledContainers);

  # The containers of this host that need `service`, directly or not, in the order they start
  # (they stop in the reverse one): by the longest chain of needs between them and the service.
  dependentsOf = service:
    let
      reaches = n: from: n > 0 && builtins.any (d: d == service || reaches (n - 1) d) (containerDeps from);
      needing = builtins.filter (c: c != service && reaches limit c) (builtins.attrNames enabledContainers);
      depth = n: c:
        if c == service || n == 0 then 0
        else 1 + builtins.foldl' (m: d: let x = depth (n - 1) d; in if x > m then x else m) 0
          (builtins.filter (d: d == service || builtins.elem d needing) (containerDeps c));
    in
    map (c: "podman-${c}.service") (builtins.sort (a: b: depth limit a < depth limit b) needing);

  entries =
    builtins.mapAttrs (name: c: { backup = c.backup; unit = "podman-${name}.service"; dependents = dependentsOf name; }) containers
    // builtins.mapAttrs (name: b: {
      backup = removeAttrs b [ "unit" "dependents" ];
      unit = b.unit or "${name}.service";
      dependents = b.dependents or [ ];
    }) config.flotilla.backups;

  scheduled = lib.filterAttrs (_: e: (e.backup.schedule or null) != null) entries;

  passwordFileOf = b:
    if (b.passwordFile or null) != null then b.passwordFile
    else if (b.passwordKey or null) != null then
      ((config.flotilla.machine.keys.${b.passwordKey} or { }).destDir or "/run/keys") + "/" + b.passwordKey
    else null;

  keepArguments = b:
    lib.concatMap (period: lib.optionals (((b.keep or { }).${period} or null) != null) [ "--keep-${period}" (toString b.keep.${period}) ])
      [ "daily" "weekly" "monthly" ];

  # What a run of either tool starts with: its settings as shell variables (each value quoted),
  # then the paths (restic: with --exclude=) as the positional parameters.
  header = name: e:
    let b = e.backup; in
    ''
      service=${escapeShellArg name}
      results=${escapeShellArg cfg.resultsDirectory}
      repository=${escapeShellArg (b.repository or "")}
      password_file=${escapeShellArg (passwordFileOf b)}
      stop=${escapeShellArg (if b.stop or false then concatStringsSep " " (lib.reverseList e.dependents ++ [ e.unit ]) else "")}
      start=${escapeShellArg (if b.stop or false then concatStringsSep " " ([ e.unit ] ++ e.dependents) else "")}
      before=${escapeShellArg (b.before or "")}
      after=${escapeShellArg (b.after or "")}
      keep=${escapeShellArg (concatStringsSep " " (keepArguments b))}
      set -- ${escapeShellArgs ((lib.optionals ((b.tool or "restic") == "restic") (map (x: "--exclude=" + x) (b.exclude or [ ]))) ++ [ "--" ] ++ (b.paths or [ ]))}
    '';

  scripts = import ./flotilla-backup-scripts.nix;

  script = name: e: header name e + (if (e.backup.tool or "restic") == "kopia" then scripts.kopia else scripts.restic);

  problems = name: e:
    let b = e.backup; tool = b.tool or "restic"; where = "flotilla backup of ${name}"; in
    [
      { assertion = builtins.elem tool [ "restic" "kopia" ]; message = "${where}: tool \"${tool}\" is not one Flotilla drives; use \"restic\" or \"kopia\"."; }
      { assertion = (b.repository or null) != null; message = "${where}: the backup names no repository; set repository (a path or a ${tool} repository on this host)."; }
      { assertion = (b.paths or [ ]) != [ ]; message = "${where}: the backup names no paths; set paths."; }
      { assertion = passwordFileOf b != null; message = "${where}: the backup names no password; set passwordFile (a file on this host) or passwordKey (one of the host's keys)."; }
    ];
in
{
  options.flotilla.backups = mkOption {
    type = types.attrsOf types.anything;
    default = { };
    example = { postgresql = { unit = "postgresql.service"; paths = [ "/var/backup/postgresql" ]; repository = "/srv/backup/postgresql"; passwordFile = "/run/keys/restic"; schedule = "daily"; }; };
    description = ''
      Backups of services that are not Flotilla containers: each a service's backup part
      (docs/inventory.md: paths, tool, repository, schedule, passwordFile or passwordKey, exclude,
      stop, before, after, keep) plus `unit` (the systemd unit `stop` stops; default NAME.service)
      and `dependents` (units that need it, in the order they start after it; with `stop` they
      stop before it, in the reverse order).
      Those with a schedule get a timer.
    '';
  };

  options.flotilla.backupTimers = {
    randomizedDelaySec = mkOption {
      type = types.str;
      default = "1h";
      description = "A random delay of up to this long before each scheduled backup (systemd RandomizedDelaySec), so a fleet's hosts do not all start at once.";
    };

    resultsDirectory = mkOption {
      type = types.str;
      default = "/var/lib/flotilla/backups";
      description = "Where each run writes NAME.json, which the agent reports (its --backup-results; the agent module's backupResults).";
    };
  };

  config = {
    assertions = lib.concatMap (name: problems name scheduled.${name}) (builtins.attrNames scheduled)
      ++ map (name: {
        assertion = !(containers ? ${name});
        message = "flotilla.backups.${name}: flotilla.containers.${name} has a backup part already; give one of them another name.";
      }) (builtins.attrNames config.flotilla.backups);

    systemd.services = lib.mapAttrs' (name: e: {
      name = "flotilla-backup-${name}";
      value = {
        description = "Flotilla: back up ${name} (${e.backup.tool or "restic"})";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        path = [ (if (e.backup.tool or "restic") == "kopia" then pkgs.kopia else pkgs.restic) pkgs.coreutils pkgs.gnused pkgs.gnugrep pkgs.systemd ];
        # A switch must not start a backup (nor stop one that runs).
        restartIfChanged = false;
        serviceConfig = {
          Type = "oneshot";
          PrivateTmp = true;
        };
        script = script name e;
      };
    }) scheduled;

    systemd.timers = lib.mapAttrs' (name: e: {
      name = "flotilla-backup-${name}";
      value = {
        description = "Flotilla: scheduled backup of ${name}";
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnCalendar = e.backup.schedule;
          RandomizedDelaySec = cfg.randomizedDelaySec;
          # A run missed while the machine was off happens at the next boot.
          Persistent = true;
        };
      };
    }) scheduled;
  };
}
