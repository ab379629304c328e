# Stand-in for nixpkgs' nixos/modules/services/misc/servarr/sonarr.nix (what nixarr turns on), for the
# tests that put it beside the container sonarr: its options as nixpkgs declares them, and its unit.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.sonarr;
in
{
  options.services.sonarr = {
    enable = mkOption { type = types.bool; default = false; };
    dataDir = mkOption { type = types.str; default = "/var/lib/sonarr/.config/NzbDrone"; };
    openFirewall = mkOption { type = types.bool; default = false; };
    user = mkOption { type = types.str; default = "sonarr"; };
    group = mkOption { type = types.str; default = "sonarr"; };
    settings = mkOption { type = types.anything; default = { server.port = 8989; }; };
  };
  config = lib.mkIf cfg.enable {
    systemd.services.sonarr = {
      description = "Sonarr";
      after = [ "network.target" ];
      wantedBy = [ "multi-user.target" ];
      serviceConfig = {
        Type = "simple";
        User = cfg.user;
        Group = cfg.group;
        ExecStart = "/run/current-system/sw/bin/Sonarr -nobrowser -data='${cfg.dataDir}'";
        Restart = "on-failure";
      };
    };
  };
}
