# home-manager module: `services.flotilla-agent` as a launchd agent on macOS (like NixFleet's)
# and a systemd user service on Linux. The token stays in `tokenFile` on the machine, out of the
# Nix store and out of the agent's arguments. On macOS logs go to `logFile`; on Linux to the
# user's journal (journalctl --user -u flotilla-agent).
#
#   services.flotilla-agent = {
#     enable = true;
#     url = "wss://fleet.example.org/ws";
#     tokenFile = "/Users/me/.config/flotilla/agent-token";
#     repo = "/Users/me/Code/nixcfg";
#   };
#
# NixFleet's settings carry over as in the NixOS module (docs/inventory.md, "NixFleet").
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkEnableOption mkIf mkMerge mkOption types;
  cfg = config.services.flotilla-agent;
  shared = import ./flotilla-agent-shared.nix { inherit lib; };
  stateDirectory = "${config.home.homeDirectory}/.local/state/flotilla-agent/repo";
  command = [ "${cfg.package}/bin/flotilla" "agent" "--token-file" cfg.tokenFile ] ++ shared.arguments { inherit cfg stateDirectory; };
  path = "${pkgs.git}/bin:${config.home.profileDirectory}/bin:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/bin:/bin:/usr/sbin:/sbin";
in
{
  options.services.flotilla-agent = shared.options { inherit stateDirectory; } // {
    enable = mkEnableOption "the Flotilla agent (launchd on macOS, a systemd user service on Linux)";

    package = mkOption {
      type = types.package;
      description = "The package providing bin/flotilla.";
    };

    tokenFile = mkOption {
      type = types.str;
      description = ''
        A file on this machine holding its token (from `flotilla hosts add NAME`); a line
        `NIXFLEET_TOKEN=...` works too. An absolute path (launchd does not expand ~).
      '';
    };

    logFile = mkOption {
      type = types.str;
      default = "/tmp/flotilla-agent.log";
      description = "Where launchd writes the agent's output (macOS).";
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = shared.assertions { inherit cfg; prefix = "services.flotilla-agent"; };
    }

    (mkIf pkgs.stdenv.isDarwin {
      launchd.agents.flotilla-agent = {
        enable = true;
        config = {
          Label = "org.flotilla.agent";
          ProgramArguments = command;
          RunAtLoad = true;
          KeepAlive = true;
          ThrottleInterval = 5;
          StandardOutPath = cfg.logFile;
          StandardErrorPath = cfg.logFile;
          EnvironmentVariables.PATH = path;
        };
      };
    })

    (mkIf pkgs.stdenv.isLinux {
      systemd.user.services.flotilla-agent = {
        Unit = {
          Description = "Flotilla agent";
          After = [ "network-online.target" ];
          # home-manager's switch must not restart the agent that runs it (it would kill the
          # switch); the new agent starts at its next restart.
          X-RestartIfChanged = false;
        };
        Service = {
          ExecStart = lib.escapeShellArgs command;
          Environment = [ "PATH=${path}" ];
          # Exit code 75 after the restart-agent op: systemd starts it again, as after a crash.
          Restart = "always";
          RestartSec = 5;
          KillMode = "control-group";
        };
        Install.WantedBy = [ "default.target" ];
      };
    })
  ]);
}
