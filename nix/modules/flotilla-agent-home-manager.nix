# home-manager module for macOS (and other home-manager hosts): `services.flotilla-agent` as a
# launchd agent, like NixFleet's. The token stays in `tokenFile` on the machine, out of the Nix
# store and out of the agent's arguments. Logs go to /tmp/flotilla-agent.log.
#
#   services.flotilla-agent = {
#     enable = true;
#     url = "wss://fleet.example.org/ws";
#     tokenFile = "/Users/me/.config/flotilla/agent-token";
#     repo = "/Users/me/Code/nixcfg";
#   };
{ config, lib, pkgs, ... }:

let
  inherit (lib) concatMap mkEnableOption mkIf mkOption optionals types;
  cfg = config.services.flotilla-agent;
in
{
  options.services.flotilla-agent = {
    enable = mkEnableOption "the Flotilla agent (launchd)";

    package = mkOption {
      type = types.package;
      description = "The package providing bin/flotilla.";
    };

    url = mkOption {
      type = types.str;
      example = "wss://fleet.example.org/ws";
      description = "The control plane's agent endpoint (ws:// or wss://, path /ws).";
    };

    tokenFile = mkOption {
      type = types.str;
      description = "A file on this machine holding its token (from `flotilla hosts add NAME`).";
    };

    interval = mkOption {
      type = types.ints.positive;
      default = 5;
      description = "Seconds between heartbeats.";
    };

    repo = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "The flake repository for the pull, switch and test ops; its revision is reported.";
    };

    tags = mkOption {
      type = types.listOf (types.strMatching "[A-Za-z0-9._-]{1,64}");
      default = [ ];
      example = [ "media" "rack-2" ];
      description = "Tags the dashboard shows and filters on for this host, beside the inventory's.";
    };

    logFile = mkOption {
      type = types.str;
      default = "/tmp/flotilla-agent.log";
      description = "Where launchd writes the agent's output.";
    };
  };

  config = mkIf cfg.enable {
    launchd.agents.flotilla-agent = {
      enable = true;
      config = {
        Label = "org.flotilla.agent";
        ProgramArguments = [
          "${cfg.package}/bin/flotilla" "agent"
          "--url" cfg.url
          "--token-file" cfg.tokenFile
          "--interval" (toString cfg.interval)
        ] ++ optionals (cfg.repo != null) [ "--repo" cfg.repo ]
          ++ concatMap (tag: [ "--tag" tag ]) cfg.tags;
        RunAtLoad = true;
        KeepAlive = true;
        ThrottleInterval = 5;
        StandardOutPath = cfg.logFile;
        StandardErrorPath = cfg.logFile;
        EnvironmentVariables.PATH = "${config.home.profileDirectory}/bin:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/bin:/bin:/usr/sbin:/sbin";
      };
    };
  };
}
