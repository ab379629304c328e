# Runs `flotilla upgrade` on a schedule on the machine that orchestrates the fleet: update the
# flake's inputs, deploy every host in dependency order (this machine last), reboot the hosts
# that need it one at a time, and report (in the journal: `journalctl -u flotilla-upgrade`).
#
#   imports = [ flotilla.nixosModules.upgrade ];
#   services.flotilla-upgrade = {
#     enable = true;
#     package = flotilla.packages.x86_64-linux.default;
#     flake = "/srv/fleet";                       # a checkout of the fleet's flake
#     dates = "Sun 03:00";                        # systemd OnCalendar
#     window = "sun 03:00-06:00 Europe/Berlin";   # refuse outside it (a delayed or caught-up run)
#   };
#
# The fleet lock lives in the state directory (/var/lib/flotilla): run manual reboots and
# upgrades with `--state-dir /var/lib/flotilla` (or XDG_STATE_HOME=/var/lib) so that they and
# the timer never reboot at the same time; a second run waits `lockWait` for the first.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkEnableOption mkIf mkOption optionals types escapeShellArgs;
  cfg = config.services.flotilla-upgrade;
in
{
  options.services.flotilla-upgrade = {
    enable = mkEnableOption "scheduled fleet upgrades with `flotilla upgrade`";

    package = mkOption {
      type = types.package;
      description = "The package that provides bin/flotilla.";
    };

    flake = mkOption {
      type = types.str;
      example = "/srv/fleet";
      description = "The fleet's flake directory (passed as -f).";
    };

    dates = mkOption {
      type = types.str;
      default = "Sun 03:00";
      description = "When to upgrade, as a systemd OnCalendar expression.";
    };

    randomizedDelaySec = mkOption {
      type = types.str;
      default = "30min";
      description = "A random delay of up to this long before each run (systemd RandomizedDelaySec).";
    };

    window = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "sun 03:00-06:00 Europe/Berlin";
      description = "The maintenance window (--window DAYS START-END [ZONE]); outside it the upgrade refuses and logs when it opens next.";
    };

    commit = mkOption {
      type = types.bool;
      default = false;
      description = "Commit the updated flake.lock (--commit); by default nothing is committed.";
    };

    lockWait = mkOption {
      type = types.str;
      default = "15m";
      description = "How long to wait for another orchestrator's fleet lock (--lock-wait).";
    };

    extraArgs = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "--min-uptime" "1h" "--boot-timeout" "15m" ];
      description = "More arguments for flotilla upgrade.";
    };
  };

  config = mkIf cfg.enable {
    systemd.services.flotilla-upgrade = {
      description = "Flotilla: update the fleet's flake, deploy it, reboot where needed";
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      path = [ config.nix.package pkgs.openssh pkgs.git ];
      # The upgrade deploys this machine too: its own switch must not restart or stop it.
      restartIfChanged = false;
      unitConfig.X-StopOnRemoval = false;
      environment.XDG_STATE_HOME = "/var/lib";
      serviceConfig = {
        Type = "oneshot";
        StateDirectory = "flotilla";
        ExecStart = "${cfg.package}/bin/flotilla upgrade " + escapeShellArgs (
          [ "-f" cfg.flake "--state-dir" "/var/lib/flotilla" "--lock-wait" cfg.lockWait ]
          ++ optionals (cfg.window != null) [ "--window" cfg.window ]
          ++ optionals cfg.commit [ "--commit" ]
          ++ cfg.extraArgs);
      };
    };

    systemd.timers.flotilla-upgrade = {
      description = "Flotilla: scheduled fleet upgrade";
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.dates;
        RandomizedDelaySec = cfg.randomizedDelaySec;
        # A run missed while the machine was off happens at the next boot (the window still applies).
        Persistent = true;
      };
    };
  };
}
