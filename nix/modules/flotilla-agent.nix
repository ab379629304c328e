# NixOS module: `services.flotilla-agent`, the agent that connects this host to a Flotilla
# control plane (`flotilla serve`). The token never enters the Nix store: `tokenFile` is a path
# on the host (written by you, agenix, sops-nix...), handed to the service by systemd's
# LoadCredential, and the agent reads it from there (never from its command line).
#
#   services.flotilla-agent = {
#     enable = true;
#     url = "wss://fleet.example.org/ws";
#     tokenFile = "/var/lib/secrets/flotilla-agent-token";
#     repo = "/home/me/Code/nixcfg";   # for the pull, switch and test ops
#   };
#
# NixFleet's settings carry over (docs/inventory.md, "NixFleet"): move the attribute set of
# `services.nixfleet-agent` to `services.flotilla-agent`; url (with or without /ws), tokenFile,
# user, interval, repoUrl, branch, configRepo, hostname, logLevel, location and deviceType mean
# what they meant there. themeColor, nixpkgsVersion, version and sshKeyFile fail with advice.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkEnableOption mkIf mkOption types;
  cfg = config.services.flotilla-agent;
  # The backup timers' results directory when it is not the agent's default (flotilla-backups.nix).
  timerResults = config.flotilla.backupTimers.resultsDirectory or null;
  arguments = shared.arguments {
    inherit stateDirectory;
    cfg = cfg // lib.optionalAttrs (cfg.backupResults == null && timerResults != null && timerResults != "/var/lib/flotilla/backups") { backupResults = timerResults; };
  };
  shared = import ./flotilla-agent-shared.nix { inherit lib; };
  stateDirectory = "/var/lib/flotilla-agent/repo";
in
{
  options.services.flotilla-agent = shared.options { inherit stateDirectory; } // {
    enable = mkEnableOption "the Flotilla agent";

    package = mkOption {
      type = types.package;
      description = "The package providing bin/flotilla.";
    };

    tokenFile = mkOption {
      # A string, not a path: a path literal would copy the secret into the Nix store.
      type = types.str;
      example = "/var/lib/secrets/flotilla-agent-token";
      description = ''
        A file on the host holding this host's token (from `flotilla hosts add NAME`); a line
        `NIXFLEET_TOKEN=...`, as NixFleet's token files hold, works too. Not copied to the Nix store.
      '';
    };

    user = mkOption {
      type = types.str;
      default = "root";
      description = "The user the agent (and so every command it runs) runs as; switch, rollback and reboot need root.";
    };
  };

  config = mkIf cfg.enable {
    assertions = shared.assertions { inherit cfg; prefix = "services.flotilla-agent"; };

    systemd.services.flotilla-agent = {
      description = "Flotilla agent";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      path = [ pkgs.git config.nix.package config.system.build.nixos-rebuild pkgs.systemd pkgs.util-linux ];
      # The agent runs the switch that changes its own unit: restarting it then would kill that
      # nixos-rebuild (KillMode=control-group). The new agent starts at the next restart (the
      # restart-agent op, or a reboot).
      restartIfChanged = false;
      serviceConfig = {
        ExecStart = lib.escapeShellArgs ([ "${cfg.package}/bin/flotilla" "agent" "--token-file" "%d/token" ]
          ++ arguments);
        LoadCredential = [ "token:${cfg.tokenFile}" ];
        User = cfg.user;
        # /var/lib/flotilla-agent ($STATE_DIRECTORY, the agent's default --state-dir, owned by
        # User): the host's own token, when the server gave it one at enrolment with a shared
        # enrolment token, and the clone of repoUrl.
        StateDirectory = "flotilla-agent";
        StateDirectoryMode = "0700";
        # Exit code 75 after the restart-agent op: systemd starts it again, as after a crash.
        Restart = "always";
        RestartSec = 5;
        # Commands run in their own process groups; stopping the agent stops them too.
        KillMode = "control-group";
      };
    };
  };
}
