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
{ config, lib, pkgs, ... }:

let
  inherit (lib) concatMap mkEnableOption mkIf mkOption optionals types;
  cfg = config.services.flotilla-agent;
in
{
  options.services.flotilla-agent = {
    enable = mkEnableOption "the Flotilla agent";

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
      # A string, not a path: a path literal would copy the secret into the Nix store.
      type = types.str;
      example = "/var/lib/secrets/flotilla-agent-token";
      description = "A file on the host holding this host's token (from `flotilla hosts add NAME`). Not copied to the Nix store.";
    };

    interval = mkOption {
      type = types.ints.positive;
      default = 5;
      description = "Seconds between heartbeats.";
    };

    user = mkOption {
      type = types.str;
      default = "root";
      description = "The user the agent (and so every command it runs) runs as; switch, rollback and reboot need root.";
    };

    repo = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/home/me/Code/nixcfg";
      description = "The flake repository for the pull, switch and test ops; its revision is reported.";
    };

    tags = mkOption {
      type = types.listOf (types.strMatching "[A-Za-z0-9._-]{1,64}");
      default = [ ];
      example = [ "media" "rack-2" ];
      description = "Tags the dashboard shows and filters on for this host, beside the inventory's.";
    };
  };

  config = mkIf cfg.enable {
    systemd.services.flotilla-agent = {
      description = "Flotilla agent";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      path = [ pkgs.git config.nix.package config.system.build.nixos-rebuild pkgs.systemd pkgs.util-linux ];
      serviceConfig = {
        ExecStart = lib.escapeShellArgs ([
          "${cfg.package}/bin/flotilla" "agent"
          "--url" cfg.url
          "--token-file" "%d/token"
          "--interval" (toString cfg.interval)
        ] ++ optionals (cfg.repo != null) [ "--repo" cfg.repo ]
          ++ concatMap (tag: [ "--tag" tag ]) cfg.tags);
        LoadCredential = [ "token:${cfg.tokenFile}" ];
        # /var/lib/flotilla-agent ($STATE_DIRECTORY, the agent's default --state-dir): the host's own
        # token, when the server gave it one at enrolment with a shared enrolment token.
        StateDirectory = "flotilla-agent";
        StateDirectoryMode = "0700";
        User = cfg.user;
        # Exit code 75 after the restart-agent op: systemd starts it again, as after a crash.
        Restart = "always";
        RestartSec = 5;
        # Commands run in their own process groups; stopping the agent stops them too.
        KillMode = "control-group";
      };
    };
  };
}
