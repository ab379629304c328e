# The options of doomlab's services/dagger/homebridge.nix (seed 000's "Service Configuration").
{ config, lib, ... }:
let
  inherit (lib) mkOption mkEnableOption mkIf types;
  cfg = config.services.dagger.homebridge;
in
{
  imports = [ ./base.nix ];

  options.services.dagger.homebridge = {
    enable = mkEnableOption "Dagger-managed Homebridge service";
    image = mkOption { type = types.str; default = "ghcr.io/homebridge/homebridge:latest"; };
    dataDir = mkOption { type = types.path; default = "/var/lib/homebridge"; };
    port = mkOption { type = types.port; default = 8581; };
    childBridgePorts = mkOption { type = types.listOf types.port; default = [ 50000 50001 50002 ]; };
    portRange = mkOption { type = types.attrs; default = { from = 50100; to = 50200; }; };
    enableAutoUpdate = mkOption { type = types.bool; default = true; };
    enableBackup = mkOption { type = types.bool; default = true; };
    enableMonitoring = mkOption { type = types.bool; default = true; };
    network = mkOption { type = types.enum [ "host" "bridge" ]; default = "host"; };
    extraDaggerConfig = mkOption { type = types.attrs; default = { }; };
  };

  config = mkIf cfg.enable {
    services.dagger = {
      enable = true;
      services = [ "automation.homebridge" ];
    };
    services.dagger.secrets.enable = mkIf cfg.enableBackup true;
  };
}
